import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  escapeLabelValue,
  renderPrometheus,
  renderPrometheusFailure,
} from '../src/render/prometheus.js';
import { extensionMissingGpu, gpuReport, listReport } from './support/report-fixtures.js';

interface ParsedSample {
  name: string;
  labels: Record<string, string>;
  value: string;
}

/** A strict reader of the text exposition format, enough to check what we write. */
function parseExposition(text: string) {
  assert.ok(text.endsWith('\n'), 'ends with a line feed');
  const help = new Map<string, string>();
  const types = new Map<string, string>();
  const samples: ParsedSample[] = [];
  const seenFamilies: string[] = [];
  for (const line of text.slice(0, -1).split('\n')) {
    let match = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (match) {
      assert.ok(!help.has(match[1]!), `HELP for ${match[1]} twice`);
      help.set(match[1]!, match[2]!);
      seenFamilies.push(match[1]!);
      continue;
    }
    match = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (gauge|counter)$/.exec(line);
    if (match) {
      assert.equal(seenFamilies.at(-1), match[1], 'TYPE follows its HELP');
      types.set(match[1]!, match[2]!);
      continue;
    }
    match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(match, `not a sample line: ${line}`);
    assert.equal(seenFamilies.at(-1), match[1], `${match[1]} is grouped under its own HELP`);
    const labels: Record<string, string> = {};
    const labelText = match[2] ?? '';
    const labelPattern = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/gy;
    let consumed = 0;
    for (const part of labelText.matchAll(labelPattern)) {
      labels[part[1]!] = part[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
      consumed += part[0].length;
    }
    assert.equal(consumed, labelText.length, `labels do not parse: ${labelText}`);
    assert.ok(!Number.isNaN(Number(match[3])), `value ${match[3]}`);
    samples.push({ name: match[1]!, labels, value: match[3]! });
  }
  for (const family of help.keys()) assert.equal(types.get(family), 'gauge');
  return { help, samples };
}

test('prometheus: per-GPU capability, heaps, duration and success', () => {
  const capable = gpuReport({ index: 0 });
  const notCapable = extensionMissingGpu(1);
  const { samples } = parseExposition(renderPrometheus(listReport([capable, notCapable])));
  const find = (name: string) => samples.filter((s) => s.name === name);

  assert.deepEqual(
    find('rdma_probe_success').map((s) => s.value),
    ['1'],
  );
  assert.deepEqual(
    find('rdma_probe_duration_seconds').map((s) => s.value),
    ['0.0125'],
  );
  assert.deepEqual(
    find('rdma_probe_last_run_timestamp_seconds').map((s) => s.value),
    ['1767225600'],
  );
  assert.deepEqual(
    find('rdma_probe_gpu_rdma_capable').map((s) => [s.labels, s.value]),
    [
      [
        {
          uuid: 'GPU-5c8a6f01-2345-6789-abcd-ef0011223300',
          pci_bus_id: '00000000:06:00.0',
          name: 'NVIDIA H100 80GB HBM3',
          driver: 'NVIDIA',
        },
        '1',
      ],
      [
        {
          uuid: 'GPU-5c8a6f01-2345-6789-abcd-ef0011223301',
          pci_bus_id: '00000000:07:00.0',
          name: 'NVIDIA H100 80GB HBM3',
          driver: 'NVIDIA',
        },
        '0',
      ],
    ],
  );
  const budgets = find('rdma_probe_gpu_heap_budget_bytes');
  assert.equal(budgets.length, 4);
  assert.deepEqual(budgets[0]!.labels, {
    uuid: 'GPU-5c8a6f01-2345-6789-abcd-ef0011223300',
    pci_bus_id: '00000000:06:00.0',
    driver: 'NVIDIA',
    heap: '0',
    device_local: 'true',
  });
  assert.equal(budgets[0]!.value, String(79 * 1024 ** 3));
  assert.deepEqual(
    find('rdma_probe_gpu_reason').map((s) => [
      s.labels['uuid']?.slice(-2),
      s.labels['source'],
      s.labels['reason'],
    ]),
    [
      ['01', 'vulkan', 'extension-missing'],
      ['01', 'vulkan', 'no-rdma-memory-type'],
    ],
  );
  assert.deepEqual(
    find('rdma_probe_host_ready').map((s) => s.value),
    ['1'],
  );
  assert.deepEqual(find('rdma_probe_host_issue'), []);
});

test('prometheus: label values escape backslash, double quote and line feed', () => {
  assert.equal(escapeLabelValue('a\\b"c\nd'), 'a\\\\b\\"c\\nd');
  const name = 'GPU "quoted" \\ back\nslash';
  const report = listReport([gpuReport({ identity: { name, pciBusId: null } })]);
  const text = renderPrometheus(report);
  assert.ok(text.includes('name="GPU \\"quoted\\" \\\\ back\\nslash"'), text);
  const { samples } = parseExposition(text);
  const capable = samples.find((s) => s.name === 'rdma_probe_gpu_rdma_capable')!;
  assert.equal(capable.labels['name'], name);
  assert.equal(capable.labels['pci_bus_id'], '');
});

test('prometheus: unknown host facts and absent budgets give no sample, not a zero', () => {
  const report = listReport([
    gpuReport({
      memory: {
        budgetAvailable: false,
        heaps: [{ index: 0, size: 1024, flags: ['DEVICE_LOCAL'], budget: null, usage: null }],
        types: [],
      },
    }),
  ]);
  report.host = {
    ...report.host,
    peermem: { loaded: null, module: null },
    readiness: { ready: null, issues: [], notes: [] },
  };
  const { samples } = parseExposition(renderPrometheus(report));
  const names = new Set(samples.map((s) => s.name));
  assert.ok(names.has('rdma_probe_gpu_heap_size_bytes'));
  assert.ok(!names.has('rdma_probe_gpu_heap_budget_bytes'));
  assert.ok(!names.has('rdma_probe_host_ready'));
  assert.ok(!names.has('rdma_probe_host_peermem_loaded'));
});

test('prometheus: a failed run is rdma_probe_success 0', () => {
  const text = renderPrometheusFailure({
    toolVersion: '1.2.3',
    finishedAt: new Date('2026-01-01T00:00:10Z'),
    durationSeconds: 0.04321,
  });
  const { samples } = parseExposition(text);
  assert.deepEqual(
    samples.map((s) => [s.name, s.value]),
    [
      ['rdma_probe_success', '0'],
      ['rdma_probe_duration_seconds', '0.0432'],
      ['rdma_probe_last_run_timestamp_seconds', '1767225610'],
      ['rdma_probe_info', '1'],
    ],
  );
});

test('prometheus: no series twice, even for GPUs no label tells apart', () => {
  // Two Vulkan 1.0 devices of one model without PCI info: the same uuid, bus ID, name and
  // driver labels. node_exporter would log "collected before" for a repeated series.
  const unknown = { deviceUUID: 'unknown', nvidiaSmiUUID: 'unknown', pciBusId: null };
  const twins = [0, 1].map((index) => gpuReport({ index, identity: unknown }));
  const text = renderPrometheus(listReport(twins));
  const { samples } = parseExposition(text);
  const series = samples.map((s) => `${s.name}${JSON.stringify(s.labels)}`);
  assert.equal(new Set(series).size, series.length);
  assert.equal(samples.filter((s) => s.name === 'rdma_probe_gpu_rdma_capable').length, 1);
  assert.deepEqual(
    samples.filter((s) => s.name === 'rdma_probe_gpus').map((s) => s.value),
    ['2'],
  );
});

test('prometheus: one board through two drivers is two series, apart by driver', () => {
  const nvidia = gpuReport({ index: 0 });
  const nvk = gpuReport({
    index: 1,
    identity: { ...nvidia.identity, driverName: 'NVK', driverID: 24 },
  });
  const { samples } = parseExposition(renderPrometheus(listReport([nvidia, nvk])));
  assert.deepEqual(
    samples
      .filter((s) => s.name === 'rdma_probe_gpu_heap_size_bytes')
      .map((s) => [s.labels['driver'], s.labels['heap']]),
    [
      ['NVIDIA', '0'],
      ['NVIDIA', '1'],
      ['NVK', '0'],
      ['NVK', '1'],
    ],
  );
});
