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
