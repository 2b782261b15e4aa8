/**
 * `rdma-probe report` against inputs that are hostile or not files at all. It runs as root
 * over folders other hosts wrote: none of these may crash it, hang it, make it read
 * without bound, lead it out of the folders named, or reach the terminal unescaped.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readInputs, type Stdin } from '../src/fleet/read-inputs.js';
import { DEFAULT_LIMITS, type FleetProblem } from '../src/fleet/types.js';
import type { ListReportJson } from '../src/list-report.js';
import { fleetJson, hostReport, json, runReport, spawnReport } from './support/fleet.js';
import { assertValidFleetReport } from './support/schema.js';

const root = mkdtempSync(join(tmpdir(), 'rdma-probe-hostile-'));
after(() => rmSync(root, { recursive: true, force: true }));

function folder(name: string): string {
  const path = join(root, name);
  mkdirSync(path, { recursive: true });
  return path;
}

function mkfifo(path: string): void {
  const made = spawnSync('mkfifo', [path]);
  assert.equal(made.status, 0, `mkfifo: ${made.stderr}`);
}

function listen(path: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(path, () => resolve(server));
    server.on('error', reject);
  });
}

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

function codesOf(problems: FleetProblem[], under: string): [string, string][] {
  return problems.map((p) => [
    p.source.startsWith(under) ? p.source.slice(under.length) : p.source,
    p.code,
  ]);
}

/** A hang fails the test rather than blocking the suite. */
const HANG = { timeout: 60_000 };

test('report: /dev/zero and /dev/urandom are refused at once, nothing read', HANG, async () => {
  const run = await spawnReport(['/dev/zero', '/dev/urandom', '--json'], { timeoutMs: 20_000 });
  assert.equal(run.timedOut, false, 'it hung');
  assert.equal(run.exitCode, 6, run.stderr);
  const fleet = JSON.parse(run.stdout);
  assertValidFleetReport(fleet);
  assert.deepEqual(codesOf(fleet.problems, ''), [
    ['/dev/zero', 'not-a-file'],
    ['/dev/urandom', 'not-a-file'],
  ]);
  assert.match(fleet.problems[0].message, /^a character device, not a regular file/);
  // Node's own start-up is most of it; reading /dev/zero to a cap would take far longer.
  assert.ok(run.ms < 10_000, `took ${run.ms} ms`);
});

test(
  'report: a FIFO with no writer, named or inside a folder, is refused without waiting',
  HANG,
  async () => {
    const dir = folder('fifo');
    mkfifo(join(dir, 'pipe.json'));
    writeFileSync(join(dir, 'good.json'), json(hostReport({ hostname: 'good' })));
    const named = join(root, 'named-pipe');
    mkfifo(named);
    const run = await spawnReport([named, dir, '--json'], { timeoutMs: 20_000 });
    assert.equal(run.timedOut, false, 'it hung on the FIFO');
    assert.equal(run.exitCode, 0, run.stderr);
    const fleet = JSON.parse(run.stdout);
    assertValidFleetReport(fleet);
    assert.equal(fleet.totals.hosts, 1);
    assert.deepEqual(codesOf(fleet.problems, root), [
      ['/named-pipe', 'not-a-file'],
      ['/fifo/pipe.json', 'not-a-file'],
    ]);
    assert.match(fleet.problems[0].message, /a FIFO .*use - to read stdin/);
  },
);

test(
  'report: a unix socket, named or inside a folder, is a problem of that input',
  HANG,
  async () => {
    const dir = folder('socket');
    const servers = [await listen(join(dir, 'sock.json')), await listen(join(root, 'named.sock'))];
    try {
      const run = await spawnReport([join(root, 'named.sock'), dir, '--json'], {
        timeoutMs: 20_000,
      });
      assert.equal(run.timedOut, false, 'it hung on the socket');
      assert.equal(run.exitCode, 6);
      const fleet = JSON.parse(run.stdout);
      assertValidFleetReport(fleet);
      assert.deepEqual(codesOf(fleet.problems, root), [
        ['/named.sock', 'not-a-file'],
        ['/socket/sock.json', 'not-a-file'],
      ]);
      assert.match(fleet.problems[0].message, /^a socket, not a regular file/);
    } finally {
      for (const server of servers) server.close();
    }
  },
);

test('report: links inside a folder are not followed, out of it or to /', HANG, async () => {
  const outside = folder('outside');
  writeFileSync(join(outside, 'elsewhere.json'), json(hostReport({ hostname: 'elsewhere' })));
  const dir = folder('links');
  writeFileSync(join(dir, 'inside.json'), json(hostReport({ hostname: 'inside' })));
  symlinkSync('/', join(dir, 'root'));
  symlinkSync(join(outside, 'elsewhere.json'), join(dir, 'elsewhere.json'));
  symlinkSync(outside, join(dir, 'outside-folder'));
  symlinkSync('inside.json', join(dir, 'again.json'));

  const { result, fleet } = await fleetJson([dir]);
  assert.equal(result.exitCode, 0);
  assert.deepEqual(fleet.inputs.sources, 1, 'only inside.json was read');
  assert.deepEqual(
    fleet.hosts.map((h: { hostname: string }) => h.hostname),
    ['inside'],
  );
  assert.deepEqual(codesOf(fleet.problems, dir), [
    ['/again.json', 'link-not-followed'],
    ['/elsewhere.json', 'link-not-followed'],
    ['/outside-folder', 'link-not-followed'],
    ['/root', 'link-not-followed'],
  ]);
  // Named on the command line, a link is the operator's choice: it is followed.
  const named = await fleetJson([join(dir, 'elsewhere.json'), join(dir, 'outside-folder')]);
  assert.deepEqual(named.fleet.totals.hosts, 1);
  assert.equal(named.fleet.inputs.sources, 1, 'the same file by two names is read once');
});

test('report: the content of an input that is not a report is never shown', HANG, async () => {
  const secrets = folder('secret');
  const shadow = join(secrets, 'shadow');
  const lines = [
    'root:$6$S3CRETsalt$S3CREThashS3CREThash:19000:0:99999:7:::',
    'daemon:*:19000:0:99999:7:::',
    'admin:$y$j9T$S3CRETyescrypt$S3CRETvalue:19000:0:99999:7:::',
  ];
  writeFileSync(shadow, `${lines.join('\n')}\n`);
  // JSON.parse's own messages quote the input: a broken document must not reach them.
  writeFileSync(join(secrets, 'almost.json'), '{"token": S3CRET-token-value, "x": [1,2]}\n');
  writeFileSync(join(secrets, 'bad-utf8.json'), Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]));
  const dir = folder('shadow-link');
  symlinkSync(shadow, join(dir, 'shadow.json'));
  writeFileSync(join(dir, 'host.json'), json(hostReport({ hostname: 'host' })));

  for (const args of [
    [dir],
    [shadow, join(secrets, 'almost.json'), join(secrets, 'bad-utf8.json')],
    ['-'],
  ]) {
    for (const format of [[], ['--json']]) {
      const run = await runReport([...args, ...format], `${lines.join('\n')}\n{"a": S3CRET}\n`);
      for (const text of [run.stdout, run.stderr]) {
        assert.ok(!/S3CRET|daemon|root:|\$6\$/.test(text), `a secret was shown:\n${text}`);
      }
      if (format.length > 0) assertValidFleetReport(JSON.parse(run.stdout));
    }
  }
  const { fleet } = await fleetJson([shadow, join(secrets, 'almost.json')]);
  assert.deepEqual(
    fleet.problems.map((p: FleetProblem) => [p.line, p.code, p.message]),
    [
      [1, 'not-json', 'not JSON: lines 1-3 hold no JSON document'],
      [1, 'not-json', 'not JSON: a document here does not parse'],
    ],
  );
});

/** Escapes and forged lines, in every string a report carries to the fleet table. */
const HOSTILE = '\u001b]0;owned\u0007\u001b[2J\rflag: ok\n  ! forged-flag: all good\u009b';

test(
  'report: hostile hostnames, names, versions, codes and file names are escaped',
  HANG,
  async () => {
    const dir = folder('escapes');
    const report = hostReport({ hostname: `evil${HOSTILE}`, driverVersion: `580${HOSTILE}` });
    for (const gpu of report.gpus) {
      gpu.identity.vendor = `NVIDIA${HOSTILE}`;
      gpu.identity.driverName = `drv${HOSTILE}`;
      gpu.identity.name = `GPU${HOSTILE}`;
    }
    const issue = { code: `code${HOSTILE}`, message: 'x' };
    report.host.readiness.issues.push(issue as (typeof report.host.readiness.issues)[number]);
    report.tool.version = `9${HOSTILE}`;
    writeFileSync(join(dir, `file${HOSTILE}.json`), json(report));
    // The same host again, so a duplicate-host message names it and both files.
    writeFileSync(
      join(dir, `older${HOSTILE}.json`),
      json({ ...report, generatedAt: '2025-01-01T00:00:00Z' }),
    );
    writeFileSync(join(dir, 'broken.json'), '{');

    const table = await runReport([dir]);
    assert.equal(table.exitCode, 0, table.stderr);
    for (const text of [table.stdout, table.stderr]) assert.ok(!CONTROL.test(text), text);
    assert.ok(!/^\s*(flag: ok|! forged-flag)/m.test(table.stdout), table.stdout);
    assert.match(table.stdout, /evil\\x1b\]0;owned\\x07\\x1b\[2J\\rflag: ok\\n {2}! forged-flag/);
    assert.match(table.stdout, /file\\x1b\]0;owned.*\.json/);
    assert.match(table.stdout, /host +code\\x1b/);
    // The JSON keeps the strings exactly (JSON.stringify escapes them itself).
    const { fleet } = await fleetJson([dir]);
    assert.equal(fleet.hosts[0].hostname, `evil${HOSTILE}`);
    const raw = await runReport([dir, '--json']);
    assert.ok(!raw.stdout.includes('\u001b') && !raw.stdout.includes('\r'), 'JSON escapes them');
  },
);

test(
  'report: a file name that is not UTF-8 inside a folder is read, and named escaped',
  HANG,
  async () => {
    const dir = folder('latin1');
    const name = Buffer.concat([
      Buffer.from(`${dir}/gr`),
      Buffer.from([0xf6, 0xdf]),
      Buffer.from('e.json'),
    ]);
    const fd = openSync(name, 'w');
    writeFileSync(fd, json(hostReport({ hostname: 'latin1-host' })));
    closeSync(fd);
    const broken = Buffer.concat([
      Buffer.from(`${dir}/x`),
      Buffer.from([0xff, 0x1b]),
      Buffer.from('.json'),
    ]);
    writeFileSync(broken, 'not json');
    const { fleet } = await fleetJson([dir]);
    assert.equal(fleet.totals.hosts, 1);
    assert.equal(fleet.hosts[0].source, `${dir}/gr\\xf6\\xdfe.json`);
    assert.deepEqual(codesOf(fleet.problems, dir), [['/x\\xff\u001b.json', 'not-json']]);
    const table = await runReport([dir]);
    assert.ok(table.stdout.includes(`${dir}/x\\xff\\x1b.json:1: not-json`), table.stdout);
  },
);

test('report: sizes that are strings, negative, 1e400 or overflow are problems, never 0', async () => {
  const dir = folder('numbers');
  /** A good report changed by `edit`; a value of PLACEHOLDER is then written as `raw`. */
  const PLACEHOLDER = 123456789;
  const variant = (hostname: string, edit: (r: ListReportJson) => void, raw?: string) => {
    const report = hostReport({ hostname });
    edit(report);
    const text = json(report);
    return raw === undefined ? text : text.replace(String(PLACEHOLDER), raw);
  };
  const heap = (r: ListReportJson, i = 0) =>
    r.gpus[0]!.memory!.heaps[i]! as { size: unknown; budget: unknown; flags: string[] };
  const cases: Record<string, string> = {
    string: variant('string', (r) => (heap(r).size = '85899345920')),
    negative: variant('negative', (r) => (heap(r).size = -85899345920)),
    huge: variant('huge', (r) => (heap(r).size = PLACEHOLDER), '1e400'),
    fraction: variant('fraction', (r) => (heap(r).size = 0.5)),
    missing: variant('missing', (r) => delete (heap(r) as { size?: unknown }).size),
    overflow: variant('overflow', (r) => {
      heap(r).size = 9007199254740000;
      heap(r, 1).flags = ['DEVICE_LOCAL'];
      heap(r, 1).size = 9007199254740000;
    }),
    'negative-budget': variant('negative-budget', (r) => (heap(r).budget = -1)),
    'schema-1e300': variant('schema-1e300', (r) => (r.schemaVersion = PLACEHOLDER as 1), '1e300'),
    'index-negative': variant('index-negative', (r) => (r.gpus[0]!.index = -1)),
  };
  for (const [name, content] of Object.entries(cases))
    writeFileSync(join(dir, `${name}.json`), content);
  writeFileSync(join(dir, 'good.json'), json(hostReport({ hostname: 'good' })));

  const { result, fleet } = await fleetJson([dir]);
  assert.equal(result.exitCode, 0);
  assert.deepEqual(
    fleet.hosts.map((h: { hostname: string }) => h.hostname),
    ['good'],
  );
  const GiB = 1024 ** 3;
  assert.equal(fleet.budget.deviceLocalHeapBytes, 2 * 80 * GiB, 'only the good host is summed');
  const size = 'gpus[0]: memory.heaps[0].size is missing or not a whole number of bytes below 2^53';
  const problems = fleet.problems.map((p: FleetProblem) => [
    p.source.slice(dir.length + 1),
    p.code,
    p.message,
  ]);
  assert.deepEqual(problems, [
    ['fraction.json', 'invalid-report', size],
    ['huge.json', 'invalid-report', size],
    [
      'index-negative.json',
      'invalid-report',
      'gpus[0]: "index" is missing or not a whole number of at least 0',
    ],
    ['missing.json', 'invalid-report', size],
    ['negative-budget.json', 'invalid-report', size.replace('size', 'budget')],
    ['negative.json', 'invalid-report', size],
    [
      'overflow.json',
      'invalid-report',
      'gpus[0]: the DEVICE_LOCAL heap sizes of one GPU add up past 2^53 bytes',
    ],
    [
      'schema-1e300.json',
      'invalid-report',
      '"schemaVersion" is missing or not a whole number of at least 1',
    ],
    ['string.json', 'invalid-report', size],
  ]);
});

/** `count` chunks of `chunk` (the same buffer: the input costs no memory). */
function* repeat(chunk: Uint8Array, count: number): Generator<Uint8Array> {
  for (let i = 0; i < count; i++) yield chunk;
}

function stdinOf(chunks: Iterable<Uint8Array>): Stdin {
  return (async function* () {
    yield* chunks;
  })();
}

test('report -: NULs are rejected in linear time and constant memory', HANG, async () => {
  const chunk = new Uint8Array(64 * 1024); // NULs
  const time = async (megabytes: number) => {
    const started = performance.now();
    const read = await readInputs(['-'], stdinOf(repeat(chunk, megabytes * 16)));
    assert.deepEqual(
      read.problems.map((p) => [p.line, p.code, p.message]),
      [[1, 'not-json', 'not JSON: line 1 holds no JSON document']],
    );
    return performance.now() - started;
  };
  await time(8); // warm up
  const heapBefore = process.memoryUsage().heapUsed;
  const n = await time(48);
  const twice = await time(96);
  const grown = process.memoryUsage().heapUsed - heapBefore;
  // 96 MB took 73 s at the old splitter's rate; linear scanning takes well under a second.
  assert.ok(twice < 15_000, `96 MB of NULs took ${twice} ms`);
  assert.ok(twice < 4 * n + 1_000, `not linear: 48 MB ${n} ms, 96 MB ${twice} ms`);
  assert.ok(grown < 32 * 1024 * 1024, `memory grew by ${grown} bytes`);
});

test('report -: a stream that never ends is read up to the cap, then stopped', HANG, async () => {
  const line = Buffer.from(`${JSON.stringify(hostReport({ hostname: 'same' }))}\n`);
  let served = 0;
  const endless = (function* () {
    for (;;) {
      served++;
      yield line;
    }
  })();
  const limits = { ...DEFAULT_LIMITS, maxStdinBytes: 100 * line.length + 10 };
  const read = await readInputs(['-'], stdinOf(endless), limits);
  assert.equal(served, 101, 'no more was read than the cap');
  assert.equal(read.reports, 100);
  assert.deepEqual(
    read.problems.map((p) => p.code),
    ['too-large', 'truncated'],
  );
  assert.match(read.problems[0]!.message, /more than the \d+ bytes rdma-probe reads from it/);
});

test('report - < /dev/zero: the real stdin stops at its cap too', HANG, async () => {
  const zero = openSync('/dev/zero', 'r');
  try {
    const run = await spawnReport(['-', '--json'], { timeoutMs: 50_000, stdin: zero });
    assert.equal(run.timedOut, false, 'it did not stop reading');
    assert.equal(run.exitCode, 6);
    const fleet = JSON.parse(run.stdout);
    assertValidFleetReport(fleet);
    assert.deepEqual(
      fleet.problems.map((p: FleetProblem) => p.code),
      ['too-large', 'not-json'],
    );
  } finally {
    closeSync(zero);
  }
});

test('report: an input of nothing but problems is dropped after the limit', async () => {
  const limits = { ...DEFAULT_LIMITS, maxProblemsPerInput: 50 };
  const read = await readInputs(['-'], stdinOf([Buffer.from('{}\n[]\n'.repeat(100_000))]), limits);
  assert.equal(read.documents, 25, 'the rest was not parsed');
  assert.equal(read.problems.length, 11);
  assert.match(
    read.problems[10]!.message,
    /40 more problems .*the rest of this input was not read/,
  );
});

test('report: at most maxHostReports hosts and maxGpus GPUs are kept', async () => {
  const lines = ['a', 'b', 'c', 'd'].map((h) =>
    JSON.stringify(hostReport({ hostname: h, gpus: 2 })),
  );
  const input = Buffer.from(`${lines.join('\n')}\n`);
  for (const limits of [
    { ...DEFAULT_LIMITS, maxHostReports: 3 },
    { ...DEFAULT_LIMITS, maxGpus: 7 },
  ]) {
    const read = await readInputs(['-', '/dev/null'], stdinOf([input]), limits);
    assert.equal(read.reports, 3);
    assert.equal(read.sources, 1, 'nothing after the limit is read');
    assert.deepEqual(
      read.problems.map((p) => p.code),
      ['too-many-hosts'],
    );
  }
});

test('report: documents nested deeper than any report are skipped unparsed', async () => {
  const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}\n`;
  const { fleet } = await fleetJson(['-'], deep + JSON.stringify(hostReport({ hostname: 'ok' })));
  assert.equal(fleet.totals.hosts, 1);
  assert.deepEqual(
    fleet.problems.map((p: FleetProblem) => [p.line, p.code]),
    [[1, 'not-a-report']],
  );
  assert.match(fleet.problems[0].message, /nested more than 64 levels/);

  // A whole report (a file, an NDJSON line) is parsed at once, unscanned: nesting in a field
  // rdma-probe does not read costs JSON.parse no more than bytes do, and it is counted.
  const nested = JSON.parse(`${'['.repeat(100)}${']'.repeat(100)}`);
  const report = { ...hostReport({ hostname: 'nested' }), extra: nested };
  const counted = await fleetJson(['-'], `${JSON.stringify(report)}\n`);
  assert.equal(counted.fleet.totals.hosts, 1);
  assert.deepEqual(counted.fleet.problems, []);
});
