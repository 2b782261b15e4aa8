/**
 * The CLI's option parsers: what each accepts, what it makes of it, and the message a bad
 * value gets (users see these messages as they are: each names the option as typed).
 */
import assert from 'node:assert/strict';
import { InvalidArgumentError } from 'commander';
import { test } from 'node:test';
import { UsageError } from '../src/errors.js';
import {
  DEFAULT_ALLOC_BYTES,
  MAX_NFD_EXPIRY,
  MAX_REPORT_AGE,
  collectFormat,
  outputName,
  parseAllocOption,
  parseCheckRules,
  parseDeviceOption,
  parseDuration,
  parseGpuCount,
  parseListOptions,
  parseMaxAge,
  parseMinDriver,
  parseSize,
  resolveListFormat,
} from '../src/cli/options.js';

/** The message of the UsageError `parse` throws; fails when it accepts. */
function refusal(parse: () => unknown, what: string): string {
  try {
    parse();
  } catch (error) {
    assert.ok(error instanceof UsageError, `${what}: ${String(error)}`);
    return error.message;
  }
  assert.fail(`${what} accepted`);
}

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
  const message = (text: string) => refusal(() => parseSize(text), `'${text}'`);
  assert.equal(
    message('lots'),
    "--alloc size 'lots' is not a size (examples: 4096, 64KiB, 1MiB, 2GiB)",
  );
  assert.equal(message('1.5'), "--alloc size '1.5' is not a whole number of bytes");
  assert.equal(message('0MiB'), '--alloc size must be greater than zero');
  assert.equal(message('2TiB'), "--alloc size '2TiB' is larger than the 1 TiB rdma-probe accepts");
});

test('--alloc: absent is no allocation, bare is the default size, a value is its size', () => {
  assert.equal(parseAllocOption(undefined), null);
  assert.equal(parseAllocOption(true), DEFAULT_ALLOC_BYTES);
  assert.equal(DEFAULT_ALLOC_BYTES, 1n << 20n);
  assert.equal(parseAllocOption('64KiB'), 65536n);
  assert.throws(() => parseAllocOption('0'), UsageError);
});

test('--device: what a selector parses to: the index, the UUID in canonical form, the PCI bus ID padded', () => {
  assert.deepEqual(parseDeviceOption(' 12 '), {
    kind: 'index',
    index: 12,
    text: ' 12 ',
    label: "--device ' 12 '",
  });
  assert.deepEqual(parseDeviceOption(' GPU-5C8A6F0123456789ABCDEF0011223301 '), {
    kind: 'uuid',
    uuid: '5c8a6f01-2345-6789-abcd-ef0011223301',
    text: ' GPU-5C8A6F0123456789ABCDEF0011223301 ',
    label: "--device ' GPU-5C8A6F0123456789ABCDEF0011223301 '",
  });
  assert.deepEqual(parseDeviceOption('6:0.0'), {
    kind: 'pci',
    busId: '00000000:06:00.0',
    text: '6:0.0',
    label: "--device '6:0.0'",
  });
  assert.deepEqual(parseDeviceOption('1:A:1F.7'), {
    kind: 'pci',
    busId: '00000001:0A:1F.7',
    text: '1:A:1F.7',
    label: "--device '1:A:1F.7'",
  });
});

test('--device: malformed values are usage errors', () => {
  for (const text of ['', 'gpu', '1.5', 'GPU-123', '0000:zz:00.0', '00:00.9']) {
    assert.throws(() => parseDeviceOption(text), UsageError, `'${text}' accepted`);
  }
});

test('--device: anything before or after a selector makes it malformed, not a partial match', () => {
  const uuid = '5c8a6f01-2345-6789-abcd-ef0011223301';
  for (const text of [
    `x${uuid}`,
    `${uuid}0`,
    `GPU-${uuid}-1`,
    'x0000:06:00.0',
    '0000:06:00.01',
    '00000:06:00.0:1',
    '1 2',
  ]) {
    assert.throws(() => parseDeviceOption(text), UsageError, `'${text}' accepted`);
  }
  assert.equal(
    refusal(() => parseDeviceOption('gpu'), 'gpu'),
    "--device 'gpu' is not a GPU index, a UUID (with or without GPU-) or a PCI bus ID in any case (00000000:4F:00.0, 0000:4f:00.0, 4F:00.0)",
  );
});

test('durations: s, m, h, d in any case, spaces around; more than zero, at most the limit', () => {
  const max = { text: '2d', ms: 2 * 86400e3 };
  assert.equal(parseDuration('90s', '--x', max), 90e3);
  assert.equal(parseDuration(' 30 M ', '--x', max), 30 * 60e3);
  assert.equal(parseDuration('24h', '--x', max), 86400e3);
  assert.equal(parseDuration('2d', '--x', max), max.ms, 'the limit itself');
  for (const text of ['', '24', 'h', '0s', '-1h', '1.5h', '1w', '1h30m']) {
    assert.equal(
      refusal(() => parseDuration(text, '--x', max), `'${text}'`),
      `--x '${text}' is not a duration (examples: 90s, 30m, 24h, 7d)`,
    );
  }
  assert.equal(
    refusal(() => parseDuration('49h', '--x', max), '49h'),
    "--x '49h' is longer than 2d, the most allowed",
  );
  assert.equal(MAX_NFD_EXPIRY.ms, 3650 * 86400e3);
  assert.equal(MAX_REPORT_AGE.ms, 3650 * 86400e3);
});

test('--max-age: off or any zero means none; otherwise a duration named --max-age', () => {
  for (const text of ['off', 'OFF', ' off ', '0', '0s', '00 h', '0d']) {
    assert.equal(parseMaxAge(text), null, text);
  }
  assert.equal(parseMaxAge('2h'), 2 * 3600e3);
  assert.equal(parseMaxAge('3650d'), MAX_REPORT_AGE.ms);
  assert.equal(
    refusal(() => parseMaxAge('soon'), 'soon'),
    "--max-age 'soon' is not a duration (examples: 90s, 30m, 24h, 7d)",
  );
  assert.equal(
    refusal(() => parseMaxAge('3651d'), '3651d'),
    "--max-age '3651d' is longer than 3650d, the most allowed",
  );
});

test('--gpus: a count from 1 to 4096', () => {
  assert.equal(parseGpuCount('8'), 8);
  assert.equal(parseGpuCount(' 4096 '), 4096);
  for (const text of ['0', '4097', '1.5', '-1', '8 GPUs', '']) {
    assert.equal(
      refusal(() => parseGpuCount(text), `'${text}'`),
      `--gpus '${text}' is not a GPU count from 1 to 4096`,
    );
  }
});

test('--min-driver: digits separated by dots, spaces around dropped', () => {
  assert.deepEqual(parseMinDriver(' 580.65.06 '), { text: '580.65.06', parts: ['580', '65', '6'] });
  assert.equal(
    refusal(() => parseMinDriver('1.x'), '1.x'),
    "--min-driver '1.x' is not a version: digits separated by dots (examples: 580, 575.64.05)",
  );
});

test('list formats: --json and --ndjson are formats too; two different ones conflict', () => {
  assert.equal(resolveListFormat({}), 'table');
  assert.equal(resolveListFormat({ json: true }), 'json');
  assert.equal(resolveListFormat({ format: ['json'], json: true }), 'json', 'the same one twice');
  assert.equal(resolveListFormat({ format: ['nfd'] }), 'nfd');
  assert.equal(
    refusal(() => resolveListFormat({ format: ['nfd'], ndjson: true }), 'nfd + ndjson'),
    'choose one output format (got nfd, ndjson)',
  );
});

test("list's options together: each parsed, in the order a user reads them", () => {
  const settings = parseListOptions(
    { nfdExpiry: '1h', device: '0', alloc: true, ndjson: true, output: '-', color: false },
    [],
    null,
  );
  assert.deepEqual(settings, {
    output: null,
    device: parseDeviceOption('0'),
    allocateBytes: DEFAULT_ALLOC_BYTES,
    format: 'ndjson',
    nfdExpiryMs: 3600e3,
    verbose: false,
    validate: false,
    color: false,
  });
  // With several bad values, the first one named on this list is reported.
  assert.match(
    refusal(
      () => parseListOptions({ nfdExpiry: 'x', device: '?', alloc: '0', output: '' }, [], null),
      'all bad',
    ),
    /^--output needs a file name/,
  );
  assert.match(
    refusal(() => parseListOptions({ nfdExpiry: 'x', device: '?', alloc: '0' }, [], null), 'bad'),
    /^--device '\?'/,
  );
  assert.match(
    refusal(() => parseListOptions({ nfdExpiry: 'x', alloc: '0' }, [], null), 'bad'),
    /^--alloc size/,
  );
  assert.match(
    refusal(() => parseListOptions({ nfdExpiry: '3651d' }, [], null), 'bad'),
    /^--nfd-expiry '3651d' is longer than 3650d/,
  );
});

test('--verbose and --validate: only true turns them on', () => {
  const settings = parseListOptions({ nfdExpiry: '1h', verbose: true, validate: true }, [], null);
  assert.equal(settings.verbose, true);
  assert.equal(settings.validate, true);
});

test("check's rules: each option its rule, absent ones none; bad values are usage errors", () => {
  assert.deepEqual(parseCheckRules({}), {
    device: null,
    gpuCount: null,
    minDriver: null,
    hostReady: false,
    allocateBytes: null,
  });
  assert.deepEqual(
    parseCheckRules({ device: '1', gpus: '8', minDriver: '580', hostReady: true, alloc: '1MiB' }),
    {
      device: parseDeviceOption('1'),
      gpuCount: 8,
      minDriver: { text: '580', parts: ['580'] },
      hostReady: true,
      allocateBytes: 1048576n,
    },
  );
  assert.match(
    refusal(() => parseCheckRules({ device: 'x' }), 'device'),
    /^--device 'x'/,
  );
  assert.match(
    refusal(() => parseCheckRules({ gpus: '0' }), 'gpus'),
    /^--gpus '0'/,
  );
  assert.match(
    refusal(() => parseCheckRules({ minDriver: 'v' }), 'driver'),
    /^--min-driver 'v'/,
  );
});

test('--gpus: 1 is the smallest count; digits only, spaces around', () => {
  assert.equal(parseGpuCount('1'), 1);
  for (const text of ['x1', '1x', ' 1 x']) {
    assert.equal(
      refusal(() => parseGpuCount(text), `'${text}'`),
      `--gpus '${text}' is not a GPU count from 1 to 4096`,
    );
  }
});

test('--max-age: only a whole "off" or zero means none', () => {
  for (const text of ['0h later', 'off duty']) {
    assert.equal(
      refusal(() => parseMaxAge(text), text),
      `--max-age '${text}' is not a duration (examples: 90s, 30m, 24h, 7d)`,
    );
  }
});

test('--format: each value checked and kept, in order; an unknown one for commander to report', () => {
  assert.deepEqual(collectFormat('json', undefined), ['json']);
  assert.deepEqual(collectFormat('nfd', ['json']), ['json', 'nfd']);
  assert.throws(
    () => collectFormat('xml', ['json']),
    (error: unknown) =>
      error instanceof InvalidArgumentError &&
      error.message === 'Allowed choices are table, json, ndjson, nfd, prometheus.',
  );
  assert.equal(
    refusal(() => resolveListFormat({ format: ['xml'] }), 'xml'),
    "--format 'xml' is not one of table, json, ndjson, nfd, prometheus",
  );
});

test('--output: - and absent are stdout; a name is its UTF-8 bytes, or its bytes from the command line', () => {
  assert.equal(outputName(undefined, [], null), null);
  assert.equal(outputName('-', ['-o', '-'], null), null);
  assert.equal(
    refusal(() => outputName('', ['-o', ''], null), 'empty'),
    '--output needs a file name (or - for stdout)',
  );
  assert.deepEqual(outputName('out.prom', ['-o', 'out.prom'], null), Buffer.from('out.prom'));
  // A name Node had to repair (U+FFFD) is taken from the bytes the user typed.
  const raw = Buffer.from([0x6f, 0xff, 0x2e, 0x70]);
  const decoded = raw.toString('utf8');
  assert.deepEqual(outputName(decoded, ['-o', decoded], [Buffer.from('-o'), raw]), raw);
  assert.deepEqual(
    outputName(decoded, ['-o', decoded], null),
    Buffer.from(decoded),
    'without the bytes, the repaired name as it is',
  );
  assert.equal(
    refusal(
      () => outputName(decoded, ['-o', 'other'], [Buffer.from('-o'), Buffer.from('other')]),
      'lost',
    ),
    `the --output name '${decoded}' is not valid UTF-8 and its bytes could not be found on the command line; give it as --output=NAME`,
  );
});
