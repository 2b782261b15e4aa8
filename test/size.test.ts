import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../src/errors.js';
import { parseSize } from '../src/cli/size.js';

test('sizes in bytes and in binary and decimal units', () => {
  assert.equal(parseSize('4096'), 4096n);
  assert.equal(parseSize('64KiB'), 65536n);
  assert.equal(parseSize('64k'), 65536n);
  assert.equal(parseSize('1MiB'), 1048576n);
  assert.equal(parseSize('1 MiB'), 1048576n);
  assert.equal(parseSize('1MB'), 1000000n);
  assert.equal(parseSize('2GiB'), 2147483648n);
  assert.equal(parseSize('1.5GiB'), 1610612736n);
  assert.equal(parseSize('1TiB'), 1099511627776n);
});

test('invalid, zero, negative, fractional-byte and absurd sizes are usage errors', () => {
  for (const text of [
    '',
    'abc',
    '-1',
    '-1MiB',
    '0',
    '0KiB',
    '1.5',
    '1XB',
    '2TiB',
    '1e9',
    '1.0000001KiB',
  ]) {
    assert.throws(() => parseSize(text), UsageError, `'${text}' should be rejected`);
  }
});

test('decimal units are powers of 1000, binary ones powers of 1024, at every scale', () => {
  const cases: [string, bigint][] = [
    ['1B', 1n],
    ['1KB', 1000n],
    ['1K', 1024n],
    ['1KiB', 1024n],
    ['1MB', 1000n ** 2n],
    ['1M', 1024n ** 2n],
    ['1GB', 1000n ** 3n],
    ['1G', 1024n ** 3n],
    ['1GiB', 1024n ** 3n],
    ['1TB', 1000n ** 4n],
    ['1T', 1024n ** 4n],
    ['1tib', 1024n ** 4n],
    ['2gb', 2n * 1000n ** 3n],
  ];
  assert.deepEqual(
    cases.map(([text]) => [text, parseSize(text)]),
    cases,
  );
});

test('spaces around the number and the unit; fractions of several digits', () => {
  assert.equal(parseSize(' 4 KiB '), 4096n);
  assert.equal(parseSize('\t64\t'), 64n);
  assert.equal(parseSize('1.25KiB'), 1280n);
  assert.equal(parseSize('0.5MB'), 500000n);
  assert.equal(parseSize('1TiB'), 1n << 40n, 'the largest size accepted');
  assert.throws(() => parseSize(String((1n << 40n) + 1n)), UsageError);
});

test('anything after the unit is refused', () => {
  for (const text of ['1 MiB 2', '64KiB!', '1MiB/s', '1 2']) {
    assert.throws(() => parseSize(text), UsageError, `'${text}' should be rejected`);
  }
});

test('each refusal says what was wrong', () => {
  const message = (text: string) => {
    try {
      parseSize(text);
    } catch (error) {
      assert.ok(error instanceof UsageError);
      return error.message;
    }
    assert.fail(`'${text}' accepted`);
  };
  assert.equal(
    message('lots'),
    "--alloc size 'lots' is not a size (examples: 4096, 64KiB, 1MiB, 2GiB)",
  );
  assert.equal(message('1.5'), "--alloc size '1.5' is not a whole number of bytes");
  assert.equal(message('0MiB'), '--alloc size must be greater than zero');
  assert.equal(message('2TiB'), "--alloc size '2TiB' is larger than the 1 TiB rdma-probe accepts");
});
