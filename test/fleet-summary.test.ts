/**
 * The fleet summary from hosts already read (no files): duplicates, totals, counts by
 * reason and driver, budgets, flags and the host rows. Pure.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { EntryGpu, HostEntry } from '../src/fleet/host-entry.js';
import {
  KeptHosts,
  StringPool,
  addGpu,
  finishSummary,
  summaryOf,
} from '../src/fleet/host-summary.js';
import { formatAge, freshnessOf, FUTURE_TOLERANCE_MS } from '../src/fleet/freshness.js';
import type { InputRead } from '../src/fleet/read-inputs.js';
import { summarizeFleet, type SummarizeOptions } from '../src/fleet/summarize.js';
import type { FleetReport } from '../src/fleet/types.js';

const GiB = 2 ** 30;
let line = 0;

function gpu(overrides: Partial<EntryGpu> = {}): EntryGpu {
  return {
    index: 0,
    vendor: 'NVIDIA',
    driverName: 'NVIDIA',
    driverVersion: '580.159.04',
    capable: true,
    reasons: [],
    placementIssues: [],
    deviceLocalHeapBytes: 80 * GiB,
    deviceLocalBudgetBytes: 79 * GiB,
    rdmaHeapBudgetBytes: 79 * GiB,
    ...overrides,
  };
}

function host(
  hostname: string,
  overrides: Partial<Omit<HostEntry, 'time'>> & { gpus?: EntryGpu[] } = {},
): HostEntry {
  const generatedAt = overrides.generatedAt ?? '2026-01-01T00:00:00.000Z';
  return {
    hostname,
    source: `${hostname}.json`,
    line: ++line,
    schemaVersion: 1,
    toolVersion: '0.1.0',
    ready: true,
    hostIssues: [],
    gpus: [gpu()],
    ...overrides,
    generatedAt,
    time: Date.parse(generatedAt),
  };
}

/**
 * The hosts as the reader keeps them: each folded into its summary, duplicates resolved.
 * No maximum age unless `options` gives one: these hosts are a month older than the report.
 */
function summarize(
  entries: HostEntry[],
  problems: InputRead['problems'] = [],
  options: Partial<SummarizeOptions> = {},
): FleetReport {
  const pool = new StringPool();
  const kept = new KeptHosts();
  for (const entry of entries) {
    const summary = summaryOf(entry, pool);
    for (const each of entry.gpus) addGpu(summary, each, false, pool);
    kept.add(finishSummary(summary));
  }
  return summarizeFleet(
    {
      sources: 7,
      documents: 9,
      reports: entries.length,
      hosts: kept.hosts(),
      problems,
      duplicates: kept.duplicates,
    },
    {
      toolVersion: '9.9.9',
      generatedAt: '2026-02-02T00:00:00.000Z',
      maxBytesPerInput: 1234,
      maxAgeMs: null,
      ...options,
    },
  );
}

describe('duplicate hosts', () => {
  test('the newest generatedAt is kept, whichever is read first; the other is a problem', () => {
    for (const order of ['old-first', 'new-first']) {
      const old = host('gpu-01', { source: 'a.json', generatedAt: '2026-01-01T00:00:00.000Z' });
      const newer = host('gpu-01', {
        source: 'b.json',
        generatedAt: '2026-01-02T00:00:00.000Z',
        gpus: [gpu(), gpu({ index: 1 })],
      });
      const fleet = summarize(order === 'old-first' ? [old, newer] : [newer, old]);
      assert.equal(fleet.totals.hosts, 1, order);
      assert.equal(fleet.totals.gpus, 2, `${order}: the newer report's GPUs are counted`);
      assert.deepEqual(
        fleet.hosts.map((h) => [h.hostname, h.source, h.generatedAt]),
        [['gpu-01', 'b.json', '2026-01-02T00:00:00.000Z']],
        order,
      );
      assert.deepEqual(fleet.problems, [
        {
          source: 'a.json',
          line: old.line,
          code: 'duplicate-host',
          message:
            'host "gpu-01" (generatedAt 2026-01-01T00:00:00.000Z) is also in b.json (generatedAt 2026-01-02T00:00:00.000Z); kept the newer',
        },
      ]);
    }
  });

  test('the same generatedAt in both: the first read is kept, as its problem says', () => {
    const first = host('gpu-01', { source: 'a.json', gpus: [gpu()] });
    const second = host('gpu-01', { source: 'b.json', gpus: [gpu(), gpu({ index: 1 })] });
    const fleet = summarize([first, second]);
    assert.equal(fleet.totals.hosts, 1);
    assert.equal(fleet.totals.gpus, 1);
    assert.deepEqual(
      fleet.hosts.map((h) => h.source),
      ['a.json'],
    );
    assert.deepEqual(fleet.problems, [
      {
        source: 'b.json',
        line: second.line,
        code: 'duplicate-host',
        message:
          'host "gpu-01" (generatedAt 2026-01-01T00:00:00.000Z) is also in a.json (generatedAt 2026-01-01T00:00:00.000Z); kept the first read',
      },
    ]);
  });

  test('the host count and the flag count each hostname once, however often it repeats', () => {
    const fleet = summarize(
      [
        host('gpu-01'),
        host('gpu-02'),
        host('gpu-01', { generatedAt: '2026-01-03T00:00:00.000Z' }),
        host('gpu-01', { generatedAt: '2026-01-02T00:00:00.000Z' }),
      ],
      [{ source: 'x.json', line: null, code: 'not-json', message: 'not JSON' }],
    );
    assert.equal(fleet.totals.hosts, 2);
    assert.deepEqual(
      fleet.problems.map((p) => p.code),
      ['not-json', 'duplicate-host', 'duplicate-host'],
    );
    assert.deepEqual(fleet.flags, [
      {
        code: 'duplicate-hosts',
        message:
          '2 reports repeated a hostname already read; only the newest of each host is counted',
      },
    ]);
    assert.equal(
      fleet.hosts.find((h) => h.hostname === 'gpu-01')?.generatedAt,
      '2026-01-03T00:00:00.000Z',
    );
  });
});

describe('totals, counts and rows', () => {
  const fleet = summarize([
    host('gpu-03', {
      ready: false,
      hostIssues: ['peermem-absent'],
      gpus: [
        gpu({ capable: false, reasons: ['extension-missing', 'no-rdma-memory-type'] }),
        gpu({
          index: 1,
          capable: false,
          reasons: ['extension-missing'],
          placementIssues: ['nic-other-numa-node'],
          deviceLocalBudgetBytes: null,
          rdmaHeapBudgetBytes: null,
        }),
      ],
    }),
    host('gpu-01', {
      gpus: [gpu(), gpu({ index: 1, driverVersion: '570.86.15' })],
    }),
    host('gpu-02', {
      ready: null,
      gpus: [gpu({ capable: false, reasons: ['extension-missing'] })],
    }),
    host('gpu-04', { ready: null, gpus: [] }),
  ]);

  test('hosts, GPUs, capable GPUs, hosts with one, and readiness three ways', () => {
    assert.deepEqual(fleet.totals, {
      hosts: 4,
      gpus: 5,
      capableGpus: 2,
      hostsWithCapableGpu: 1,
      hostsReady: 1,
      hostsNotReady: 1,
      hostsReadinessUnknown: 2,
      staleHosts: 0,
      staleGpus: 0,
      staleCapableGpus: 0,
      futureHosts: 0,
      futureGpus: 0,
      futureCapableGpus: 0,
    });
  });

  test('reasons by GPUs then source then code; a host issue counts for each of its GPUs', () => {
    assert.deepEqual(fleet.byReason, [
      { source: 'vulkan', code: 'extension-missing', gpus: 3, hosts: 2 },
      { source: 'host', code: 'peermem-absent', gpus: 2, hosts: 1 },
      { source: 'host', code: 'nic-other-numa-node', gpus: 1, hosts: 1 },
      { source: 'vulkan', code: 'no-rdma-memory-type', gpus: 1, hosts: 1 },
    ]);
  });

  test('drivers by hosts then GPUs then version; inconsistent versions are flagged', () => {
    assert.deepEqual(fleet.byDriverVersion, [
      { vendor: 'NVIDIA', driverName: 'NVIDIA', driverVersion: '580.159.04', hosts: 3, gpus: 4 },
      { vendor: 'NVIDIA', driverName: 'NVIDIA', driverVersion: '570.86.15', hosts: 1, gpus: 1 },
    ]);
    assert.deepEqual(fleet.flags, [
      {
        code: 'inconsistent-driver-versions',
        message:
          'NVIDIA: 2 driver versions across hosts: 580.159.04 (3 hosts), 570.86.15 (1 hosts)',
      },
    ]);
  });

  test('budgets summed over the GPUs that report one', () => {
    assert.deepEqual(fleet.budget, {
      deviceLocalHeapBytes: 5 * 80 * GiB,
      deviceLocalBudgetBytes: 4 * 79 * GiB,
      rdmaHeapBudgetBytes: 4 * 79 * GiB,
      gpusWithBudget: 4,
      gpusWithoutBudget: 1,
    });
  });

  test('one row per host, sorted by hostname, each driver once', () => {
    assert.deepEqual(
      fleet.hosts.map((h) => [h.hostname, h.gpus, h.capableGpus, h.drivers, h.ready, h.hostIssues]),
      [
        ['gpu-01', 2, 2, ['NVIDIA 580.159.04', 'NVIDIA 570.86.15'], true, []],
        ['gpu-02', 1, 0, ['NVIDIA 580.159.04'], null, []],
        ['gpu-03', 2, 0, ['NVIDIA 580.159.04'], false, ['peermem-absent']],
        ['gpu-04', 0, 0, [], null, []],
      ],
    );
    const row = fleet.hosts[0]!;
    assert.deepEqual(
      [row.source, row.generatedAt, row.schemaVersion, row.toolVersion],
      ['gpu-01.json', '2026-01-01T00:00:00.000Z', 1, '0.1.0'],
    );
  });

  test('the envelope: schema, tool, time and inputs as given', () => {
    assert.deepEqual(
      [fleet.schemaVersion, fleet.kind, fleet.tool, fleet.generatedAt, fleet.inputs],
      [
        1,
        'fleet-report',
        { name: 'rdma-probe', version: '9.9.9' },
        '2026-02-02T00:00:00.000Z',
        {
          sources: 7,
          documents: 9,
          maxBytesPerInput: 1234,
          maxAgeMs: null,
          futureToleranceMs: 5 * 60_000,
        },
      ],
    );
    assert.deepEqual(fleet.schemaVersions, [{ schemaVersion: 1, hosts: 4 }]);
    assert.deepEqual(fleet.problems, []);
  });
});

describe('flags', () => {
  test('one vendor, one driver version: no flag; a second vendor alone is not inconsistent', () => {
    const fleet = summarize([
      host('a'),
      host('b', { gpus: [gpu({ vendor: 'AMD', driverName: 'radv', driverVersion: '24.2.8' })] }),
    ]);
    assert.deepEqual(fleet.flags, []);
    assert.deepEqual(
      fleet.byDriverVersion.map((d) => [d.vendor, d.driverVersion]),
      [
        ['AMD', '24.2.8'],
        ['NVIDIA', '580.159.04'],
      ],
    );
  });

  test('versions of equal hosts are listed by version; GPUs break a tie in the driver table', () => {
    const fleet = summarize([
      host('a', { gpus: [gpu({ driverVersion: '580.1' })] }),
      host('b', { gpus: [gpu({ driverVersion: '580.2' }), gpu({ driverVersion: '580.2' })] }),
      host('c', { gpus: [gpu({ driverName: null, driverVersion: '580.3' })] }),
    ]);
    assert.deepEqual(
      fleet.byDriverVersion.map((d) => [d.driverName, d.driverVersion, d.hosts, d.gpus]),
      [
        ['NVIDIA', '580.2', 1, 2],
        ['NVIDIA', '580.1', 1, 1],
        [null, '580.3', 1, 1],
      ],
    );
    assert.equal(
      fleet.flags[0]?.message,
      'NVIDIA: 3 driver versions across hosts: 580.1 (1 hosts), 580.2 (1 hosts), 580.3 (1 hosts)',
    );
  });

  test('the inconsistent versions are listed by hosts, then by version, however read', () => {
    const fleet = summarize([
      host('d', { gpus: [gpu({ driverVersion: '580.3' })] }),
      host('c', { gpus: [gpu({ driverVersion: '580.1' })] }),
      host('a', { gpus: [gpu({ driverVersion: '580.2' })] }),
      host('b', { gpus: [gpu({ driverVersion: '580.2' })] }),
    ]);
    assert.equal(
      fleet.flags[0]?.message,
      'NVIDIA: 3 driver versions across hosts: 580.2 (2 hosts), 580.1 (1 hosts), 580.3 (1 hosts)',
    );
  });

  test('one version under several driver names: a row of the driver table each', () => {
    const amd = (driverName: string | null) =>
      gpu({ vendor: 'AMD', driverName, driverVersion: '2.0.279' });
    const fleet = summarize([
      host('a', { gpus: [amd('radv')] }),
      host('b', { gpus: [amd('AMD open-source driver'), amd('AMD open-source driver')] }),
      host('c', { gpus: [amd(null)] }),
    ]);
    assert.deepEqual(
      fleet.byDriverVersion.map((d) => [d.driverName, d.driverVersion, d.hosts, d.gpus]),
      [
        ['AMD open-source driver', '2.0.279', 1, 2],
        ['radv', '2.0.279', 1, 1],
        [null, '2.0.279', 1, 1],
      ],
    );
    assert.deepEqual(fleet.flags, [], 'one version everywhere');
  });

  test('mixed and newer schema versions', () => {
    const fleet = summarize([
      host('a', { schemaVersion: 3 }),
      host('b', { schemaVersion: 1 }),
      host('c', { schemaVersion: 2 }),
      host('d', { schemaVersion: 2 }),
    ]);
    assert.deepEqual(fleet.schemaVersions, [
      { schemaVersion: 1, hosts: 1 },
      { schemaVersion: 2, hosts: 2 },
      { schemaVersion: 3, hosts: 1 },
    ]);
    assert.deepEqual(fleet.flags, [
      {
        code: 'mixed-schema-versions',
        message: 'reports of several schema versions: 1 (1 hosts), 2 (2 hosts), 3 (1 hosts)',
      },
      {
        code: 'newer-schema-version',
        message:
          '3 hosts sent schema versions newer than 1, which this rdma-probe knows: counted as far as understood',
      },
    ]);
  });

  test('every host on one newer schema: newer, not mixed', () => {
    const fleet = summarize([host('a', { schemaVersion: 2 })]);
    assert.deepEqual(
      fleet.flags.map((f) => f.code),
      ['newer-schema-version'],
    );
  });
});

describe("age, against the report's own generatedAt", () => {
  const DAY = 86_400_000;
  /** The summaries' report time (see summarize), less `ms`: a host that old. */
  const before = (ms: number) =>
    new Date(Date.parse('2026-02-02T00:00:00.000Z') - ms).toISOString();
  const judged = (fleet: FleetReport) => fleet.hosts.map((h) => [h.hostname, h.freshness, h.ageMs]);

  test('stale is strictly older than the maximum; from the future is past the tolerance', () => {
    assert.equal(freshnessOf(DAY, DAY), 'current');
    assert.equal(freshnessOf(DAY + 1, DAY), 'stale');
    assert.equal(freshnessOf(-FUTURE_TOLERANCE_MS, DAY), 'current');
    assert.equal(freshnessOf(-FUTURE_TOLERANCE_MS - 1, DAY), 'future');
    assert.equal(freshnessOf(3650 * DAY, null), 'current', 'no maximum: nothing is stale');
    assert.equal(freshnessOf(-DAY, null), 'future', 'a wrong clock is wrong with no maximum too');
    assert.equal(FUTURE_TOLERANCE_MS, 5 * 60_000);
  });

  test('ages read as their two largest units, rounded down', () => {
    assert.deepEqual(
      [
        0,
        999,
        1000,
        90_000,
        3_600_000,
        DAY,
        DAY + 3_600_000 + 61_000,
        DAY + 300_000,
        -7_200_000,
      ].map(formatAge),
      ['0s', '0s', '1s', '1m 30s', '1h', '1d', '1d 1h', '1d', '2h'],
    );
  });

  test('each host judged, the stale and the future counted apart and still in the totals', () => {
    const fleet = summarize(
      [
        host('exactly-a-day', { generatedAt: before(DAY) }),
        host('a-day-and-1ms', { generatedAt: before(DAY + 1), gpus: [gpu(), gpu({ index: 1 })] }),
        host('a-week', {
          generatedAt: before(7 * DAY),
          gpus: [gpu({ capable: false, reasons: ['extension-missing'] })],
        }),
        host('skewed-5m', { generatedAt: before(-FUTURE_TOLERANCE_MS) }),
        host('ahead-2h', { generatedAt: before(-7_200_000), gpus: [gpu(), gpu({ index: 1 })] }),
      ],
      [],
      { maxAgeMs: DAY },
    );
    assert.deepEqual(judged(fleet), [
      ['a-day-and-1ms', 'stale', DAY + 1],
      ['a-week', 'stale', 7 * DAY],
      ['ahead-2h', 'future', -7_200_000],
      ['exactly-a-day', 'current', DAY],
      ['skewed-5m', 'current', -FUTURE_TOLERANCE_MS],
    ]);
    assert.deepEqual(fleet.totals, {
      hosts: 5,
      gpus: 7,
      capableGpus: 6,
      hostsWithCapableGpu: 4,
      hostsReady: 5,
      hostsNotReady: 0,
      hostsReadinessUnknown: 0,
      staleHosts: 2,
      staleGpus: 3,
      staleCapableGpus: 2,
      futureHosts: 1,
      futureGpus: 2,
      futureCapableGpus: 2,
    });
    // Their GPUs are in the other counts as well: the last known state of the fleet.
    assert.deepEqual(fleet.byReason, [
      { source: 'vulkan', code: 'extension-missing', gpus: 1, hosts: 1 },
    ]);
    assert.equal(fleet.byDriverVersion[0]?.gpus, 7);
    assert.equal(fleet.budget.gpusWithBudget, 7);
    assert.deepEqual([fleet.inputs.maxAgeMs, fleet.inputs.futureToleranceMs], [DAY, 300_000]);
    assert.deepEqual(fleet.flags, [
      {
        code: 'stale-hosts',
        message:
          '2 hosts\' reports are older than 1d (--max-age); the oldest, "a-week", is 7d old. Counted in the totals all the same',
      },
      {
        code: 'future-hosts',
        message:
          '1 host\'s report is dated more than 5m after this report (a clock is wrong); the furthest, "ahead-2h", by 2h. Counted in the totals all the same',
      },
    ]);
    assert.deepEqual(fleet.problems, [], 'a stale report is counted, not a problem');
  });

  test('no maximum age: none stale, the future still flagged', () => {
    const fleet = summarize([
      host('old', { generatedAt: before(3000 * DAY) }),
      host('ahead', { generatedAt: before(-DAY) }),
    ]);
    assert.deepEqual(judged(fleet), [
      ['ahead', 'future', -DAY],
      ['old', 'current', 3000 * DAY],
    ]);
    assert.deepEqual(
      fleet.flags.map((f) => f.code),
      ['future-hosts'],
    );
    assert.equal(fleet.inputs.maxAgeMs, null);
  });

  test('the flag names the furthest host, of equal ones the first by hostname, however read', () => {
    for (const order of [1, -1]) {
      const hosts = [
        host('c', { generatedAt: before(2 * DAY) }),
        host('b', { generatedAt: before(3 * DAY) }),
        host('a', { generatedAt: before(3 * DAY) }),
        host('y', { generatedAt: before(-DAY) }),
        host('x', { generatedAt: before(-DAY) }),
      ];
      const fleet = summarize(order === 1 ? hosts : hosts.reverse(), [], { maxAgeMs: DAY });
      assert.match(fleet.flags[0]!.message, /^3 hosts' reports .* the oldest, "a", is 3d old/);
      assert.match(fleet.flags[1]!.message, /^2 hosts' reports .* the furthest, "x", by 1d\./);
    }
  });

  test('duplicates: the newest report is kept, and its age is the one judged', () => {
    const options = { maxAgeMs: DAY };
    // An old copy of a host that reported since: current, the old copy a duplicate.
    const refreshed = summarize(
      [
        host('gpu-01', { source: 'new.json', generatedAt: before(3_600_000) }),
        host('gpu-01', { source: 'old.json', generatedAt: before(30 * DAY) }),
      ],
      [],
      options,
    );
    assert.deepEqual(judged(refreshed), [['gpu-01', 'current', 3_600_000]]);
    assert.equal(refreshed.totals.staleHosts, 0);
    assert.deepEqual(
      refreshed.problems.map((p) => [p.source, p.code]),
      [['old.json', 'duplicate-host']],
    );
    assert.deepEqual(
      refreshed.flags.map((f) => f.code),
      ['duplicate-hosts'],
    );

    // Every copy stale: the host is, by the age of its newest.
    const silent = summarize(
      [
        host('gpu-02', { generatedAt: before(30 * DAY) }),
        host('gpu-02', { generatedAt: before(2 * DAY) }),
      ],
      [],
      options,
    );
    assert.deepEqual(judged(silent), [['gpu-02', 'stale', 2 * DAY]]);
    assert.deepEqual(
      silent.flags.map((f) => f.code),
      ['duplicate-hosts', 'stale-hosts'],
    );
    assert.match(
      silent.flags[1]!.message,
      /^1 host's report is older than 1d .*"gpu-02", is 2d old/,
    );

    // A copy from a clock that was ahead is the newest, so it is kept: and flagged.
    const skewed = summarize(
      [
        host('gpu-03', { source: 'now.json', generatedAt: before(0) }),
        host('gpu-03', { source: 'ahead.json', generatedAt: before(-365 * DAY) }),
      ],
      [],
      options,
    );
    assert.deepEqual(judged(skewed), [['gpu-03', 'future', -365 * DAY]]);
    assert.equal(skewed.hosts[0]!.source, 'ahead.json');
    assert.deepEqual(
      skewed.problems.map((p) => [p.source, p.code]),
      [['now.json', 'duplicate-host']],
    );
  });
});
