/**
 * What rdma-probe reported on a real NVIDIA H100 80GB HBM3 (driver 580.159.04, a VM with
 * no RDMA stack), with its serial-like identifiers replaced by fixed fake ones, so the
 * table and JSON for an NVIDIA data-center GPU are covered on every CI run.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { renderJson } from '../src/render/json.js';
import { renderNfd } from '../src/render/nfd.js';
import { renderPrometheus } from '../src/render/prometheus.js';
import { renderTable } from '../src/render/table.js';
import type { ListReportJson } from '../src/list-report.js';
import { fixturesDir } from './support/paths.js';
import { reportFromJson } from './support/read-back.js';
import { assertValidReport } from './support/schema.js';
import { assertSnapshot } from './support/snapshot.js';

const saved = JSON.parse(
  readFileSync(join(fixturesDir, 'real', 'nvidia-h100-80gb-hbm3.json'), 'utf8'),
) as ListReportJson;
const h100 = reportFromJson(saved);

test('the real H100 report is valid against the schema and round-trips through --json', () => {
  assertValidReport(saved);
  assert.equal(renderJson(h100), `${JSON.stringify(saved, null, 2)}\n`);
});

test('the real H100 facts: NVIDIA driver version decoding, budget heaps, not RDMA-capable', () => {
  const gpu = h100.gpus[0]!;
  assert.equal(gpu.identity.driverVersion, '580.159.04');
  assert.equal(gpu.identity.driverVersionRaw, 2435301632);
  assert.equal(gpu.identity.pciBusId, '00000000:00:06.0');
  assert.equal(gpu.extensions.count, 238);
  assert.equal(gpu.extensions.externalMemoryRDMA, false);
  assert.equal(gpu.memory?.heaps.length, 2);
  assert.equal(gpu.memory?.types.length, 5);
  assert.ok(gpu.memory?.heaps.every((heap) => heap.budget !== null && heap.usage !== null));
  assert.deepEqual(
    gpu.verdict.reasons.map((r) => r.code),
    ['extension-missing', 'no-rdma-memory-type'],
  );
});

test('table for the real H100, plain and verbose', () => {
  assertSnapshot('real-h100-table', renderTable(h100, { color: false, verbose: false }));
  assertSnapshot('real-h100-table-verbose', renderTable(h100, { color: false, verbose: true }));
});

test('NFD and Prometheus outputs for the real H100', () => {
  assertSnapshot(
    'real-h100-nfd',
    renderNfd(h100, { expiresAt: new Date('2026-01-02T00:00:00.000Z') }),
  );
  assertSnapshot('real-h100-prometheus', renderPrometheus(h100));
});
