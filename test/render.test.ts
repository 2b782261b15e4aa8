import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderJson } from '../src/render/json.js';
import { renderTable } from '../src/render/table.js';
import {
  extensionMissingGpu,
  gpuReport,
  okAllocation,
  probeReport,
} from './support/report-fixtures.js';
import { assertSnapshot } from './support/snapshot.js';

// eslint-disable-next-line no-control-regex -- matching ANSI colour codes is the point
const ANSI = /\u001b\[[0-9;]*m/;

function mixedReport() {
  return probeReport([gpuReport(), extensionMissingGpu(1)]);
}

test('table: a capable and a not-capable GPU', () => {
  assertSnapshot('table-mixed', renderTable(mixedReport(), { color: false, verbose: false }));
});

test('table: --verbose adds every heap and memory type', () => {
  assertSnapshot('table-verbose', renderTable(mixedReport(), { color: false, verbose: true }));
});

test('table: allocation results, ok, failed and skipped', () => {
  const report = mixedReport();
  report.gpus[0]!.allocation = okAllocation();
  const failed = gpuReport({ index: 2 });
  failed.allocation = {
    ...okAllocation(),
    status: 'failed',
    remoteAddress: null,
    timings: null,
    failure: {
      step: 'vkAllocateMemory',
      result: 'VK_ERROR_OUT_OF_DEVICE_MEMORY',
      message: 'vkAllocateMemory failed: VK_ERROR_OUT_OF_DEVICE_MEMORY',
    },
  };
  report.gpus.push(failed);
  report.gpus[1]!.allocation = {
    ...okAllocation(),
    status: 'skipped',
    actualSize: null,
    remoteAddress: null,
    timings: null,
    failure: {
      step: 'skipped',
      result: null,
      message: 'not RDMA-capable (extension-missing, no-rdma-memory-type)',
    },
  };
  assertSnapshot('table-allocation', renderTable(report, { color: false, verbose: false }));
});

test('table: fits in 100 columns', () => {
  const text = renderTable(mixedReport(), { color: false, verbose: true });
  for (const line of text.split('\n'))
    assert.ok(line.length <= 100, `too wide (${line.length}): ${line}`);
});

test('table: colour only when asked for, and the same text without it', () => {
  const report = mixedReport();
  const plain = renderTable(report, { color: false, verbose: true });
  const coloured = renderTable(report, { color: true, verbose: true });
  assert.ok(!ANSI.test(plain));
  assert.ok(ANSI.test(coloured));
  assert.equal(coloured.replace(new RegExp(ANSI.source, 'g'), ''), plain);
});

test('json: the report itself, parseable, with no colour codes', () => {
  const report = mixedReport();
  const text = renderJson(report);
  assert.ok(!ANSI.test(text));
  assert.deepEqual(JSON.parse(text), report);
});
