import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readInputs } from '../src/fleet/read-inputs.js';
import { JsonSplitter, type SplitEvent } from '../src/fleet/split-json.js';
import { summarizeFleet } from '../src/fleet/summarize.js';
import { DEFAULT_LIMITS } from '../src/fleet/types.js';
import { main } from '../src/cli/main.js';
import { renderNdjson } from '../src/render/ndjson.js';
import { cleanEnv, runCli } from './support/cli.js';
import {
  REPORT_NOW,
  fleetJson,
  hostModel,
  hostReport,
  json,
  runReport,
  type ReportRun,
} from './support/fleet.js';
import { runMain } from './support/main-run.js';
import { cliPath } from './support/paths.js';
import { assertValidFleetReport } from './support/schema.js';

const root = mkdtempSync(join(tmpdir(), 'rdma-probe-fleet-'));
after(() => rmSync(root, { recursive: true, force: true }));

function folder(name: string): string {
  const path = join(root, name);
  mkdirSync(path, { recursive: true });
  return path;
}

test('report: folders recursively, *.json and *.ndjson, counted and summed', async () => {
  const dir = folder('good');
  mkdirSync(join(dir, 'rack1', 'deep'), { recursive: true });
  writeFileSync(join(dir, 'rack1', 'a.json'), json(hostReport({ hostname: 'a' })));
  writeFileSync(join(dir, 'rack1', 'deep', 'b.JSON'), json(hostReport({ hostname: 'b', gpus: 8 })));
  writeFileSync(join(dir, 'c.ndjson'), renderNdjson(hostModel({ hostname: 'c', capable: false })));
  writeFileSync(join(dir, 'notes.txt'), 'not an input');

  const { result, fleet } = await fleetJson([dir]);
  assert.equal(result.exitCode, 0, result.stderr);
  assert.equal(result.stderr, '');
  assert.equal(fleet.kind, 'fleet-report');
  assert.equal(fleet.schemaVersion, 1);
  assert.deepEqual(fleet.inputs, {
    sources: 3,
    documents: 4,
    maxBytesPerInput: 16 * 1024 * 1024,
    maxAgeMs: 24 * 3600e3,
    futureToleranceMs: 5 * 60e3,
  });
  assert.deepEqual(fleet.totals, {
    hosts: 3,
    gpus: 12,
    capableGpus: 10,
    hostsWithCapableGpu: 2,
    hostsReady: 3,
    hostsNotReady: 0,
    hostsReadinessUnknown: 0,
    staleHosts: 0,
    staleGpus: 0,
    staleCapableGpus: 0,
    futureHosts: 0,
    futureGpus: 0,
    futureCapableGpus: 0,
  });
  assert.deepEqual(
    fleet.hosts.map((h: { hostname: string; gpus: number }) => [h.hostname, h.gpus]),
    [
      ['a', 2],
      ['b', 8],
      ['c', 2],
    ],
  );
  assert.deepEqual(fleet.byReason, [
    { source: 'vulkan', code: 'extension-missing', gpus: 2, hosts: 1 },
  ]);
  assert.deepEqual(fleet.byDriverVersion, [
    { vendor: 'NVIDIA', driverName: 'NVIDIA', driverVersion: '580.159.04', hosts: 3, gpus: 12 },
  ]);
  const GiB = 1024 ** 3;
  assert.deepEqual(fleet.budget, {
    deviceLocalHeapBytes: 12 * 80 * GiB,
    deviceLocalBudgetBytes: 12 * 79 * GiB,
    rdmaHeapBudgetBytes: 10 * 79 * GiB,
    gpusWithBudget: 12,
    gpusWithoutBudget: 0,
  });
  assert.deepEqual(fleet.flags, []);
  assert.deepEqual(fleet.problems, []);

  const table = await runReport([dir]);
  assert.equal(table.exitCode, 0);
  assert.match(table.stdout, /fleet report · 3 hosts · 12 GPUs · 10 RDMA-capable · 0 problems/);
  assert.match(table.stdout, /vulkan +extension-missing +2 +1/);
  assert.match(table.stdout, /NVIDIA +NVIDIA +580\.159\.04 +3 +12/);
  assert.match(table.stdout, /device-local heaps +960\.0 GiB/);
});

test('report: every kind of bad input is a problem of its file; the rest is counted', async () => {
  const dir = folder('bad');
  const good = json(hostReport({ hostname: 'good' }));
  writeFileSync(join(dir, '01-good.json'), good);
  writeFileSync(join(dir, '02-truncated.json'), good.slice(0, good.length / 2));
  writeFileSync(join(dir, '03-not-json.json'), 'hello, world\n');
  writeFileSync(join(dir, '04-wrong-schema.json'), json({ hosts: [], version: 3 }));
  writeFileSync(
    join(dir, '05-invalid.json'),
    json({ ...hostReport({ hostname: 'invalid' }), gpus: 'none' }),
  );
  writeFileSync(join(dir, '06-empty.json'), '');
  writeFileSync(join(dir, '07-huge.json'), '');
  truncateSync(join(dir, '07-huge.json'), 16 * 1024 * 1024 + 1); // sparse: costs no disk
  writeFileSync(join(dir, '08-binary.json'), Buffer.from([0, 1, 2, 0xff, 0xfe, 10, 0x7b]));
  writeFileSync(
    join(dir, '09-dup-old.json'),
    json(hostReport({ hostname: 'dup', generatedAt: '2026-01-01T00:00:00Z', gpus: 1 })),
  );
  writeFileSync(
    join(dir, '10-dup-new.json'),
    json(hostReport({ hostname: 'dup', generatedAt: '2026-02-01T00:00:00Z', gpus: 4 })),
  );
  writeFileSync(join(dir, '11-array.json'), json([1, 'two']));
  const fleetInput = summarizeFleet(
    { sources: 0, documents: 0, reports: 0, hosts: [], problems: [], duplicates: [] },
    { toolVersion: '0', generatedAt: '2026-01-01T00:00:00Z', maxBytesPerInput: 1, maxAgeMs: null },
  );
  writeFileSync(join(dir, '12-fleet.json'), json(fleetInput));
  const missing = join(dir, 'no-such-file.json');
  // A month between the duplicates: a clock and a maximum age that leave both current.
  const clock = { now: '2026-02-01T01:00:00.000Z' };

  const { result, fleet } = await fleetJson([dir, missing, '--max-age', '40d'], undefined, clock);
  assert.equal(result.exitCode, 0, 'hosts were read, so the report succeeds');
  assert.match(result.stderr, /input problem\(s\)/);
  assert.deepEqual(
    fleet.hosts.map((h: { hostname: string; gpus: number }) => [h.hostname, h.gpus]),
    [
      ['dup', 4],
      ['good', 2],
    ],
  );
  const problems = fleet.problems.map(
    (p: { source: string; line: number | null; code: string }) => [
      p.source.slice(dir.length + 1),
      p.line,
      p.code,
    ],
  );
  assert.deepEqual(problems, [
    ['02-truncated.json', 1, 'truncated'],
    ['03-not-json.json', 1, 'not-json'],
    ['04-wrong-schema.json', 1, 'not-a-report'],
    ['05-invalid.json', 1, 'invalid-report'],
    ['06-empty.json', null, 'empty'],
    ['07-huge.json', null, 'too-large'],
    ['08-binary.json', 1, 'not-json'],
    ['08-binary.json', 2, 'truncated'],
    ['11-array.json', 1, 'not-a-report'],
    ['11-array.json', 1, 'not-a-report'],
    ['12-fleet.json', 1, 'not-a-report'],
    ['no-such-file.json', null, 'unreadable'],
    ['09-dup-old.json', 1, 'duplicate-host'],
  ]);
  const message = (code: string) =>
    fleet.problems.find((p: { code: string }) => p.code === code)?.message;
  assert.match(
    message('too-large'),
    /the file holds more than the 16 MiB rdma-probe reads from one file; skipped/,
  );
  assert.match(message('invalid-report'), /"gpus" is missing or not an array/);
  assert.match(
    message('duplicate-host'),
    /host "dup" \(generatedAt 2026-01-01T00:00:00Z\) is also in .*10-dup-new\.json .*kept the newer/,
  );
  assert.deepEqual(
    fleet.flags.map((f: { code: string }) => f.code),
    ['duplicate-hosts'],
  );

  const table = await runReport([dir, missing, '--max-age', '40d'], undefined, clock);
  assert.equal(table.exitCode, 0);
  assert.match(table.stdout, /Problems \(13\)/);
  assert.match(table.stdout, /07-huge\.json: too-large: /);
  assert.match(table.stdout, /! duplicate-hosts: /);
});

test('report -: NDJSON lines and concatenated pretty JSON from stdin', async () => {
  const complete =
    renderNdjson(hostModel({ hostname: 'n1', gpus: 3 })) +
    json(hostReport({ hostname: 'p1' })) +
    json(hostReport({ hostname: 'p2', capable: false }));
  const tail = renderNdjson(hostModel({ hostname: 'n2' })).slice(0, 100);
  const { result, fleet } = await fleetJson(['-'], complete + tail);
  assert.equal(result.exitCode, 0, result.stderr);
  assert.deepEqual(
    fleet.hosts.map((h: { hostname: string; gpus: number }) => [h.hostname, h.gpus]),
    [
      ['n1', 3],
      ['p1', 2],
      ['p2', 2],
    ],
  );
  assert.deepEqual(
    fleet.problems.map((p: { source: string; line: number; code: string }) => [
      p.source,
      p.line,
      p.code,
    ]),
    [['-', complete.split('\n').length, 'truncated']],
  );

  // The real process reads its real stdin.
  const child = spawnSync(process.execPath, [cliPath, 'report', '-', '--json'], {
    env: cleanEnv(),
    encoding: 'utf8',
    input: complete,
    timeout: 60_000,
  });
  assert.equal(child.status, 0, child.stderr);
  assert.equal(JSON.parse(child.stdout).totals.hosts, 3);
});

test('report: nothing readable is exit code 6', async () => {
  const empty = folder('empty');
  const result = await runReport([empty, join(root, 'missing.json')]);
  assert.equal(result.exitCode, 6);
  assert.match(result.stderr, /no host report could be read/);
  assert.match(result.stdout, /no-input-files: no \*\.json or \*\.ndjson files in this folder/);
  assert.match(result.stdout, /missing\.json: unreadable: cannot read: ENOENT/);
  const json = await runReport(['-', '--json'], 'garbage\n');
  assert.equal(json.exitCode, 6);
  assertValidFleetReport(JSON.parse(json.stdout));
  const usage = await runMain(['report']);
  assert.equal(usage.exitCode, 2);
});

test('report: inconsistent driver versions and mixed schema versions are flagged', async () => {
  const dir = folder('mixed');
  writeFileSync(
    join(dir, 'a.json'),
    json(hostReport({ hostname: 'a', driverVersion: '580.159.04' })),
  );
  writeFileSync(
    join(dir, 'b.json'),
    json(hostReport({ hostname: 'b', driverVersion: '580.159.04' })),
  );
  writeFileSync(
    join(dir, 'c.json'),
    json(hostReport({ hostname: 'c', driverVersion: '570.86.15' })),
  );
  // A newer rdma-probe's report: counted as far as it is understood.
  writeFileSync(
    join(dir, 'd.json'),
    json({ ...hostReport({ hostname: 'd' }), schemaVersion: 2, extra: {} }),
  );
  const { result, fleet } = await fleetJson([dir]);
  assert.equal(result.exitCode, 0);
  assert.equal(fleet.totals.hosts, 4);
  assert.deepEqual(fleet.schemaVersions, [
    { schemaVersion: 1, hosts: 3 },
    { schemaVersion: 2, hosts: 1 },
  ]);
  assert.deepEqual(fleet.flags, [
    {
      code: 'inconsistent-driver-versions',
      message: 'NVIDIA: 2 driver versions across hosts: 580.159.04 (3 hosts), 570.86.15 (1 hosts)',
    },
    {
      code: 'mixed-schema-versions',
      message: 'reports of several schema versions: 1 (3 hosts), 2 (1 hosts)',
    },
    {
      code: 'newer-schema-version',
      message:
        '1 hosts sent schema versions newer than 1, which this rdma-probe knows: counted as far as understood',
    },
  ]);
});

test('report: a real list --json from this machine is read back', async () => {
  const dir = folder('real');
  const list = runCli(['list', '--json']);
  assert.equal(list.exitCode, 0, list.stderr);
  writeFileSync(join(dir, 'this-host.json'), list.stdout);
  const ndjson = runCli(['list', '--ndjson']);
  writeFileSync(join(dir, 'this-host.ndjson'), ndjson.stdout);
  // The real clock: a report just written is current.
  const child = runCli(['report', '--json', dir]);
  assert.equal(child.exitCode, 0, child.stderr);
  const fleet = JSON.parse(child.stdout);
  assertValidFleetReport(fleet);
  // The same host twice (JSON and NDJSON of two runs): counted once, flagged.
  assert.equal(fleet.totals.hosts, 1);
  assert.equal(
    fleet.problems.filter((p: { code: string }) => p.code === 'duplicate-host').length,
    1,
  );
  assert.equal(fleet.hosts[0].freshness, 'current');
  assert.ok(fleet.hosts[0].ageMs >= 0 && fleet.hosts[0].ageMs < 10 * 60_000, child.stdout);
  assert.ok(Date.parse(fleet.generatedAt) >= Date.parse(fleet.hosts[0].generatedAt));
});

test('report: duplicate hosts, JSON and NDJSON mixed: the newest kept, the first read of equal ones', async () => {
  const dir = folder('duplicates');
  const at = (day: number) => `2026-01-0${day}T00:00:00.000Z`;
  const ndjsonOf = (hostname: string, day: number, gpus: number) =>
    renderNdjson(hostModel({ hostname, generatedAt: at(day), gpus }))
      .split('\n')
      .filter(Boolean);
  // x: JSON (day 1), then NDJSON (day 2) in the next file: the NDJSON run is newer.
  writeFileSync(join(dir, '1-x.json'), json(hostReport({ hostname: 'x', generatedAt: at(1) })));
  // y: NDJSON (day 3, 3 GPUs, its lines out of order, between x's) then JSON (day 3): a tie.
  const x = ndjsonOf('x', 2, 4);
  const y = ndjsonOf('y', 3, 3).reverse();
  writeFileSync(join(dir, '2-xy.ndjson'), `${[x[0], ...y, ...x.slice(1)].join('\n')}\n`);
  writeFileSync(join(dir, '3-y.json'), json(hostReport({ hostname: 'y', generatedAt: at(3) })));
  // z: two runs in one NDJSON file, the older one last: the newer run is kept.
  const z = [...ndjsonOf('z', 5, 2), ...ndjsonOf('z', 4, 1)];
  writeFileSync(join(dir, '4-z.ndjson'), `${z.join('\n')}\n`);

  // Five days of reports, judged on day 5: none stale, none from the future.
  const { result, fleet } = await fleetJson([dir, '--max-age', '7d'], undefined, { now: at(5) });
  assert.equal(result.exitCode, 0, result.stderr);
  const source = (path: string) => path.slice(dir.length + 1);
  assert.deepEqual(
    fleet.hosts.map(
      (h: { hostname: string; source: string; generatedAt: string; gpus: number }) => [
        h.hostname,
        source(h.source),
        h.generatedAt,
        h.gpus,
      ],
    ),
    [
      ['x', '2-xy.ndjson', at(2), 4],
      ['y', '2-xy.ndjson', at(3), 3],
      ['z', '4-z.ndjson', at(5), 2],
    ],
  );
  assert.deepEqual(fleet.totals.gpus, 9);
  assert.deepEqual(
    fleet.problems.map((p: { source: string; line: number; code: string; message: string }) => [
      source(p.source),
      p.line,
      p.code,
      p.message.replaceAll(`${dir}/`, ''),
    ]),
    [
      [
        '1-x.json',
        1,
        'duplicate-host',
        `host "x" (generatedAt ${at(1)}) is also in 2-xy.ndjson (generatedAt ${at(2)}); kept the newer`,
      ],
      [
        '3-y.json',
        1,
        'duplicate-host',
        `host "y" (generatedAt ${at(3)}) is also in 2-xy.ndjson (generatedAt ${at(3)}); kept the first read`,
      ],
      [
        '4-z.ndjson',
        3,
        'duplicate-host',
        `host "z" (generatedAt ${at(4)}) is also in 4-z.ndjson (generatedAt ${at(5)}); kept the newer`,
      ],
    ],
  );
  assert.deepEqual(fleet.flags, [
    {
      code: 'duplicate-hosts',
      message:
        '3 reports repeated a hostname already read; only the newest of each host is counted',
    },
  ]);
});

/** REPORT_NOW less `ms`: a report that old when `report` runs. */
const aged = (ms: number) => new Date(Date.parse(REPORT_NOW) - ms).toISOString();
const HOUR = 3_600_000;

/** Hosts `name: age`, one file each, in a new folder. */
function agedHosts(name: string, ages: Record<string, number>): string {
  const dir = folder(name);
  for (const [hostname, ms] of Object.entries(ages)) {
    writeFileSync(
      join(dir, `${hostname}.json`),
      json(hostReport({ hostname, generatedAt: aged(ms) })),
    );
  }
  return dir;
}

const freshnessOf = (fleet: { hosts: { hostname: string; freshness: string }[] }) =>
  Object.fromEntries(fleet.hosts.map((h) => [h.hostname, h.freshness]));

test('report: stale is older than --max-age (default 24h) before the report, by the clock given', async () => {
  const dir = agedHosts('ages', {
    'day-old': 24 * HOUR,
    'day-and-second': 24 * HOUR + 1000,
    week: 7 * 24 * HOUR,
    'just-now': 0,
    'ahead-4m': -4 * 60_000,
    'ahead-6m': -6 * 60_000,
  });
  const { result, fleet } = await fleetJson([dir]);
  assert.equal(result.exitCode, 0, result.stderr);
  assert.equal(result.stderr, '', 'a stale host is not an input problem');
  assert.equal(fleet.generatedAt, REPORT_NOW);
  assert.equal(fleet.inputs.maxAgeMs, 24 * HOUR);
  assert.deepEqual(freshnessOf(fleet), {
    'ahead-4m': 'current',
    'ahead-6m': 'future',
    'day-and-second': 'stale',
    'day-old': 'current',
    'just-now': 'current',
    week: 'stale',
  });
  assert.deepEqual(
    [fleet.totals.hosts, fleet.totals.gpus, fleet.totals.capableGpus],
    [6, 12, 12],
    'stale and future hosts are still counted',
  );
  assert.deepEqual(
    [fleet.totals.staleHosts, fleet.totals.staleGpus, fleet.totals.staleCapableGpus],
    [2, 4, 4],
  );
  assert.deepEqual(
    [fleet.totals.futureHosts, fleet.totals.futureGpus, fleet.totals.futureCapableGpus],
    [1, 2, 2],
  );
  assert.deepEqual(
    fleet.flags.map((f: { code: string }) => f.code),
    ['stale-hosts', 'future-hosts'],
  );
  assert.equal(
    fleet.hosts.find((h: { hostname: string }) => h.hostname === 'week').ageMs,
    7 * 24 * HOUR,
  );

  // A custom maximum, in each unit; an equal age is not older.
  const custom = async (maxAge: string) => {
    const { result: run, fleet: report } = await fleetJson([dir, '--max-age', maxAge]);
    assert.equal(run.exitCode, 0, run.stderr);
    return Object.entries(freshnessOf(report))
      .filter(([, freshness]) => freshness === 'stale')
      .map(([hostname]) => hostname);
  };
  assert.deepEqual(await custom('7d'), []);
  assert.deepEqual(await custom('86401s'), ['week']);
  assert.deepEqual(await custom('1440m'), ['day-and-second', 'week']);
  assert.deepEqual(await custom('1h'), ['day-and-second', 'day-old', 'week']);
  assert.deepEqual(await custom(' 2H '), ['day-and-second', 'day-old', 'week']);

  // off (or a zero duration): nothing is too old; a clock ahead still is flagged.
  for (const off of ['off', 'OFF', '0', '0s', '0d']) {
    const { fleet: report } = await fleetJson([dir, '--max-age', off]);
    assert.equal(report.inputs.maxAgeMs, null, off);
    assert.equal(report.totals.staleHosts, 0, off);
    assert.equal(report.totals.futureHosts, 1, off);
    assert.deepEqual(
      report.flags.map((f: { code: string }) => f.code),
      ['future-hosts'],
      off,
    );
  }

  // Judged by the clock: a year on, every report is stale; a year back, every one ahead.
  const later = await fleetJson([dir], undefined, { now: '2027-01-01T00:00:00.000Z' });
  assert.equal(later.fleet.totals.staleHosts, 6);
  const earlier = await fleetJson([dir], undefined, { now: '2025-01-01T00:00:00.000Z' });
  assert.equal(earlier.fleet.totals.futureHosts, 6);
});

test('report: a bad --max-age is a usage error (exit 2), before any input is read', async () => {
  const dir = agedHosts('bad-max-age', { a: 0 });
  const neverRead: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]() {
      throw new Error('stdin was read');
    },
  };
  for (const [maxAge, message] of [
    ['soon', /--max-age 'soon' is not a duration \(examples: 90s, 30m, 24h, 7d\)/],
    ['-1h', /--max-age '-1h' is not a duration/],
    ['1.5h', /--max-age '1\.5h' is not a duration/],
    ['24', /--max-age '24' is not a duration/],
    ['3651d', /--max-age '3651d' is longer than 3650d, the most allowed/],
    ['', /--max-age '' is not a duration/],
  ] as const) {
    const result = await runReportWithStdin([dir, '-', '--max-age', maxAge], neverRead);
    assert.equal(result.exitCode, 2, `${maxAge}: ${result.stderr}`);
    assert.match(result.stderr, message);
    assert.equal(result.stdout, '', maxAge);
  }
  assert.equal(runCli(['report', dir, '--max-age']).exitCode, 2, 'the value is required');
  assert.equal(runCli(['report', dir, '--max-age', 'soon']).exitCode, 2, 'the real binary too');
  assert.equal((await runReport([dir, '--max-age', '3650d'])).exitCode, 0, 'the longest allowed');
});

/** runReport with a stdin of the test's own. */
async function runReportWithStdin(
  args: string[],
  stdin: AsyncIterable<Uint8Array>,
): Promise<ReportRun> {
  let stdout = '';
  let stderr = '';
  const exitCode = await main(['node', 'rdma-probe', 'report', ...args], {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: cleanEnv(),
    stdin,
    now: () => new Date(REPORT_NOW),
  });
  return { exitCode, stdout, stderr };
}

test('report: the table marks stale and future hosts, escaped, and lists them by hostname', async () => {
  const dir = agedHosts('aged-table', { current: HOUR, 'old-b': 3 * 24 * HOUR + 2 * HOUR });
  const hostile = 'old-a\u001b]0;owned\u0007\r\n  ! forged';
  writeFileSync(
    join(dir, 'hostile.ndjson'),
    renderNdjson(hostModel({ hostname: hostile, generatedAt: aged(30 * 24 * HOUR) })),
  );
  writeFileSync(
    join(dir, 'ahead.json'),
    json(hostReport({ hostname: 'ahead', generatedAt: aged(-90 * 60_000) })),
  );
  const table = await runReport([dir]);
  assert.equal(table.exitCode, 0, table.stderr);
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  assert.ok(!/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/.test(table.stdout), table.stdout);
  assert.match(
    table.stdout,
    /fleet report · 4 hosts · 8 GPUs · 8 RDMA-capable · 0 problems · 2 stale · 1 from the future\n/,
  );
  const section = table.stdout.slice(table.stdout.indexOf('Stale or future reports'));
  const escaped = 'old-a\\x1b]0;owned\\x07\\r\\n  ! forged';
  const row = (...cells: string[]) =>
    `  ${cells.map((cell, k) => cell.padEnd([escaped.length, 6, 24, 12][k] ?? 0)).join('  ')}`.trimEnd();
  assert.deepEqual(section.trimEnd().split('\n'), [
    'Stale or future reports (3; --max-age 1d)',
    row('Host', 'State', 'Generated at', 'Age', 'Source'),
    row('ahead', 'future', aged(-90 * 60_000), '1h 30m ahead', `${dir}/ahead.json`),
    row(escaped, 'stale', aged(30 * 24 * HOUR), '30d', `${dir}/hostile.ndjson`),
    row('old-b', 'stale', aged(74 * HOUR), '3d 2h', `${dir}/old-b.json`),
  ]);

  assert.match(
    table.stdout,
    /! stale-hosts: 2 hosts' reports are older than 1d \(--max-age\); the oldest, "old-a\\x1b\]0;owned\\x07\\r\\n {2}! forged", is 30d old/,
  );
  assert.match(
    table.stdout,
    /! future-hosts: 1 host's report is dated more than 5m after this report/,
  );
  assert.ok(!/^\s*! forged/m.test(table.stdout), 'no line forged by a hostname');

  // The JSON keeps the hostname exact, and validates.
  const { fleet } = await fleetJson([dir]);
  assert.deepEqual(freshnessOf(fleet), {
    ahead: 'future',
    current: 'current',
    [hostile]: 'stale',
    'old-b': 'stale',
  });

  // None stale or ahead: no section, and the head line as it always was.
  const none = await runReport([dir, '--max-age', '60d'], undefined, { now: aged(-2 * HOUR) });
  assert.ok(!none.stdout.includes('Stale or future'), none.stdout);
  assert.match(none.stdout, /· 0 problems\n/);

  // More than the table lists: the rest counted.
  const many = folder('aged-many');
  for (let i = 0; i < 53; i++) {
    writeFileSync(
      join(many, `h${i}.json`),
      json(
        hostReport({ hostname: `h${String(i).padStart(2, '0')}`, generatedAt: aged(48 * HOUR) }),
      ),
    );
  }
  const long = await runReport([many]);
  assert.match(long.stdout, /Stale or future reports \(53; --max-age 1d\)/);
  assert.match(long.stdout, / {2}h49 +stale/);
  assert.ok(!long.stdout.includes('h50 '), 'the 51st is not listed');
  assert.match(
    long.stdout,
    / {2}\.\.\. and 3 more \(report --json marks every host's freshness\)\n/,
  );
});

/**
 * The CLI as a child process that reports its own peak RSS (ru_maxrss, KiB) on stderr as
 * it exits.
 */
const REPORT_MAX_RSS =
  "data:text/javascript,import{writeSync}from'node:fs';process.on('exit',()=>writeSync(2,`maxrss=${process.resourceUsage().maxRSS}\\n`))";

test('report -: memory grows with the hosts read, not with their GPUs', () => {
  // 50 MB of NDJSON lines of 4 hosts, about 155,000 GPUs. Keeping every GPU until the end
  // took 185 MiB (Node 20); summaries hold 4 hosts, and the rest is Node itself and
  // JSON.parse's garbage (97 MiB). The bound sits between the two, far from both.
  const path = join(root, 'many-gpus.ndjson');
  const fd = openSync(path, 'w');
  let gpus = 0;
  for (let bytes = 0; bytes < 50 * 1024 * 1024; gpus++) {
    const line = `${JSON.stringify({
      schemaVersion: 1,
      kind: 'gpu',
      tool: { name: 'rdma-probe', version: '0.1.0' },
      generatedAt: '2026-01-01T00:00:00.000Z',
      host: { hostname: `host-${gpus % 4}` },
      gpu: {
        index: gpus,
        identity: { vendor: 'NVIDIA', driverVersion: '580.159.04' },
        verdict: { rdma: 'not-capable', reasons: [{ code: 'extension-missing' }] },
      },
    })}\n`;
    bytes += writeSync(fd, line);
  }
  closeSync(fd);
  const stdin = openSync(path, 'r');
  try {
    const child = spawnSync(
      process.execPath,
      ['--import', REPORT_MAX_RSS, cliPath, 'report', '-', '--json'],
      { env: cleanEnv(), stdio: [stdin, 'pipe', 'pipe'], encoding: 'utf8', timeout: 120_000 },
    );
    assert.equal(child.status, 0, child.stderr);
    const fleet = JSON.parse(child.stdout);
    assert.equal(fleet.totals.hosts, 4);
    assert.equal(fleet.totals.gpus, gpus);
    const maxRss = Number(/maxrss=(\d+)/.exec(child.stderr)?.[1]);
    assert.ok(maxRss > 0, child.stderr);
    assert.ok(maxRss < 140 * 1024, `peak RSS ${(maxRss / 1024).toFixed(0)} MiB`);
  } finally {
    closeSync(stdin);
    rmSync(path);
  }
});

/** The splitter's events for these chunks, documents as text. */
function split(chunks: Uint8Array[], maxBytes = 1000) {
  const splitter = new JsonSplitter(maxBytes);
  const events: SplitEvent[] = [];
  for (const chunk of chunks) events.push(...splitter.feed(chunk));
  events.push(...splitter.end());
  return events.map((e) =>
    e.kind === 'document' ? { ...e, bytes: Buffer.from(e.bytes).toString('utf8') } : e,
  );
}

test('splitter: the same documents whatever the chunk boundaries', () => {
  const text =
    '\ufeff{"a":"}{\\"]"}\n[1,2]\r\n  {"b":{"c":[{}]}}{"d":1}\nnot json\n\nnor this\n' +
    '{"e":"\\\\","g":"Größe 显卡"}\n{"f":';
  const bytes = Buffer.from(text);
  const whole = split([bytes]);
  assert.deepEqual(whole, [
    { kind: 'document', line: 1, bytes: '{"a":"}{\\"]"}' },
    { kind: 'document', line: 2, bytes: '[1,2]' },
    { kind: 'document', line: 3, bytes: '{"b":{"c":[{}]}}' },
    { kind: 'document', line: 3, bytes: '{"d":1}' },
    { kind: 'garbage', line: 4, lastLine: 6 },
    { kind: 'document', line: 7, bytes: '{"e":"\\\\","g":"Größe 显卡"}' },
    { kind: 'truncated', line: 8 },
  ]);
  const bytewise = [...bytes].map((byte) => Uint8Array.of(byte));
  assert.deepEqual(split(bytewise), whole);
  assert.deepEqual(split([bytes.subarray(0, 7), bytes.subarray(7, 30), bytes.subarray(30)]), whole);
});

test('splitter: a line its taker takes is passed on unscanned, in order; the rest as before', () => {
  const text = 'not json\n{"a":1}\n{"b":2} \r\n{"c":\n3}\n{"d":4}{"e":5}\n[1]\n{"skip":1}\n{"f":6}';
  const offered: string[] = [];
  const take = (bytes: Uint8Array, line: number) => {
    const text_ = Buffer.from(bytes).toString('utf8');
    offered.push(text_);
    // As read-inputs' taker does: only what parses whole, and not everything that does.
    if (text_.includes('skip') || !parses(text_)) return undefined;
    return { line, text: text_ };
  };
  const run = (chunks: Uint8Array[]) => {
    const splitter = new JsonSplitter(1000, take);
    const events = chunks.flatMap((chunk) => splitter.feed(chunk));
    events.push(...splitter.end());
    // What a caller sees: a taken line, or a document it parses itself.
    return events.map((e) =>
      e.kind === 'taken'
        ? { kind: 'document', line: e.line, text: e.value.text.trimEnd() }
        : e.kind === 'document'
          ? { kind: 'document', line: e.line, text: Buffer.from(e.bytes).toString('utf8') }
          : e,
    );
  };
  const bytes = Buffer.from(text);
  const whole = run([bytes]);
  assert.deepEqual(whole, [
    { kind: 'garbage', line: 1, lastLine: 1 },
    { kind: 'document', line: 2, text: '{"a":1}' },
    { kind: 'document', line: 3, text: '{"b":2}' },
    { kind: 'document', line: 4, text: '{"c":\n3}' },
    { kind: 'document', line: 6, text: '{"d":4}' },
    { kind: 'document', line: 6, text: '{"e":5}' },
    { kind: 'document', line: 7, text: '[1]' },
    { kind: 'document', line: 8, text: '{"skip":1}' },
    { kind: 'document', line: 9, text: '{"f":6}' },
  ]);
  // Offered: from each "{" that starts a document to the end of its line, when the line
  // ends in "}" within the chunk ({"f":6} has no newline).
  assert.deepEqual(offered, ['{"a":1}', '{"b":2} \r', '{"d":4}{"e":5}', '{"e":5}', '{"skip":1}']);
  // Lines cut by chunk boundaries are scanned instead: the same documents.
  assert.deepEqual(run([...bytes].map((byte) => Uint8Array.of(byte))), whole);
  assert.deepEqual(run([bytes.subarray(0, 12), bytes.subarray(12)]), whole);
});

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

test('splitter: what only looks like a BOM is not JSON', () => {
  assert.deepEqual(split([Uint8Array.of(0xef, 0xbb, 0x7b, 0x7d)]), [
    { kind: 'garbage', line: 1, lastLine: 1 },
  ]);
  assert.deepEqual(split([Uint8Array.of(0xef)]), [{ kind: 'garbage', line: 1, lastLine: 1 }]);
});

test('splitter: a document over the cap is skipped while streaming, the next one kept', () => {
  const big = Buffer.from(`{"x":"${'a'.repeat(500)}"}`);
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < big.length; i += 50) chunks.push(big.subarray(i, i + 50));
  chunks.push(Buffer.from('\n{"ok":true}\n'));
  assert.deepEqual(
    split(chunks, 100).map((e) => e.kind),
    ['too-large', 'document'],
  );
  // One whole chunk over the cap too.
  assert.deepEqual(
    split([big], 100).map((e) => e.kind),
    ['too-large'],
  );
});

test('readInputs: a per-file cap from the caller', async () => {
  const dir = folder('cap');
  writeFileSync(join(dir, 'a.json'), json(hostReport({ hostname: 'a' })));
  const read = await readInputs([dir], null, { ...DEFAULT_LIMITS, maxBytesPerInput: 100 });
  assert.equal(read.reports, 0);
  assert.deepEqual(
    read.problems.map((p) => p.code),
    ['too-large'],
  );
  assert.match(read.problems[0]!.message, /more than the 100 bytes/);
});
