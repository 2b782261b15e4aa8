/**
 * The published JSON Schemas (schema/) against what rdma-probe really prints, so the
 * schema and the report type cannot drift apart unnoticed.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { renderJson } from '../src/render/json.js';
import { renderNdjson } from '../src/render/ndjson.js';
import { cleanEnv, runCli } from './support/cli.js';
import { fixturesDir } from './support/paths.js';
import { gpuReport, okAllocation, listReport } from './support/report-fixtures.js';
import {
  assertValidCheckReport,
  assertValidReport,
  assertValidReportLine,
} from './support/schema.js';

const bareMetal = cleanEnv({
  RDMA_PROBE_SYSFS_ROOT: join(fixturesDir, 'host', 'bare-metal-peermem'),
});

test('schema: list --json from this machine (lavapipe), on its own host and a fixture host', () => {
  for (const env of [cleanEnv(), bareMetal]) {
    const result = runCli(['list', '--json'], env);
    assert.equal(result.exitCode, 0, result.stderr);
    const report = JSON.parse(result.stdout);
    assertValidReport(report);
    assert.equal(report.schemaVersion, 1);
  }
});

test('schema: list --json with --alloc and --validate (allocation and validation blocks)', () => {
  const result = runCli(['list', '--json', '--alloc=64KiB', '--validate']);
  // lavapipe is not RDMA-capable: the allocation is skipped, which is exit code 5.
  assert.equal(result.exitCode, 5, result.stderr);
  const report = JSON.parse(result.stdout);
  assertValidReport(report);
  assert.equal(report.gpus[0].allocation.status, 'skipped');
  assert.equal(report.validation.layer, 'VK_LAYER_KHRONOS_validation');
});

test('schema: every list --ndjson line', () => {
  const result = runCli(['list', '--ndjson'], bareMetal);
  assert.equal(result.exitCode, 0, result.stderr);
  for (const line of result.stdout.trimEnd().split('\n')) assertValidReportLine(JSON.parse(line));
});

test('schema: hand-built reports (every optional block filled) and their NDJSON lines', () => {
  const report = listReport([gpuReport({ index: 0 }), gpuReport({ index: 1 })]);
  report.validation = {
    layer: 'VK_LAYER_KHRONOS_validation',
    messages: [{ severity: 'error', id: 'VUID-x', message: 'm' }],
  };
  report.gpus[0]!.error = {
    call: 'vkGetPhysicalDeviceMemoryProperties2',
    result: 'VK_ERROR_DEVICE_LOST',
    message: 'lost',
  };
  report.gpus[0]!.allocation = okAllocation();
  report.host.readiness.notes.push({ code: 'virtual-machine', message: 'a host note' });
  assertValidReport(JSON.parse(renderJson(report)));
  for (const line of renderNdjson(report).trimEnd().split('\n'))
    assertValidReportLine(JSON.parse(line));
});

const REMOVE = Symbol('remove');

/** Sets (or removes) the value at a path inside a parsed JSON document. */
function edit(doc: unknown, path: (string | number)[], value: unknown): void {
  let node = doc as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  if (value === REMOVE) delete node[last];
  else node[last] = value;
}

test('schema: it rejects what the report type does not allow', () => {
  const broken: [string, (string | number)[], unknown][] = [
    ['an unknown top-level field', ['extra'], 1],
    ['a missing host fact', ['host', 'readiness'], REMOVE],
    ['schemaVersion 2', ['schemaVersion'], 2],
    ['a verdict outside the enum', ['gpus', 0, 'verdict', 'rdma'], 'maybe'],
    ['a string size', ['gpus', 0, 'memory', 'heaps', 0, 'size'], '80 GiB'],
    ['an unknown PCIe relation', ['host', 'gpuTopology', 0, 'nearest', 'relation'], 'near'],
    ['a bad generatedAt', ['generatedAt'], 'yesterday'],
  ];
  for (const [what, path, value] of broken) {
    const doc: unknown = JSON.parse(renderJson(listReport([gpuReport()])));
    assertValidReport(doc);
    edit(doc, path, value);
    assert.throws(() => assertValidReport(doc), /does not match its schema/, what);
  }
});

test('check schema: check --json from this machine; it rejects what check never prints', () => {
  const result = runCli(
    ['check', '--json', '--alloc', '--gpus', '1', '--min-driver', '0'],
    bareMetal,
  );
  assert.equal(result.exitCode, 1, result.stderr); // lavapipe is not RDMA-capable
  const good: unknown = JSON.parse(result.stdout);
  assertValidCheckReport(good);
  assert.equal((good as { rules: { id: string }[] }).rules[2]?.id, 'rdma-capable');
  const broken: [string, (string | number)[], unknown][] = [
    ['ok with exit code 1', ['status'], 'ok'],
    ['a line over 200 characters', ['line'], `FAIL: ${'x'.repeat(195)}`],
    ['a line with a line break', ['line'], 'FAIL: a\nOK: b'],
    ['a line in no known form', ['line'], 'WARNING: x'],
    ['an unknown rule', ['rules', 0, 'id'], 'gpu-temperature'],
    ['a failing result without a code', ['problems', 0, 'code'], null],
    ['a passing result with a code', ['rules', 2, 'results', 0, 'pass'], true],
    ['exit code 4', ['exitCode'], 4],
    ['a report that is not one', ['report', 'schemaVersion'], 2],
    ['an unknown field', ['extra'], 1],
  ];
  for (const [what, path, value] of broken) {
    const doc: unknown = structuredClone(good);
    edit(doc, path, value);
    assert.throws(() => assertValidCheckReport(doc), /does not match its schema/, what);
  }
});
