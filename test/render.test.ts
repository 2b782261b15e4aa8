import assert from 'node:assert/strict';
import { test } from 'node:test';
import { listReportJson } from '../src/list-report-json.js';
import type { ListReportJson } from '../src/list-report.js';
import { NIC_NOTE } from '../src/probe/verdict.js';
import { renderJson } from '../src/render/json.js';
import { renderTable } from '../src/render/table.js';
import { terminalSafeDeep } from '../src/render/terminal-text.js';
import {
  extensionMissingGpu,
  gpuReport,
  okAllocation,
  listReport,
} from './support/report-fixtures.js';
import { assertSnapshot } from './support/snapshot.js';

// eslint-disable-next-line no-control-regex -- matching ANSI colour codes is the point
const ANSI = /\u001b\[[0-9;]*m/;

function mixedReport() {
  return listReport([gpuReport(), extensionMissingGpu(1)]);
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

test('json: the report itself, each note as its message, parseable, with no colour codes', () => {
  const report = mixedReport();
  report.host.readiness.notes.push({ code: 'virtual-machine', message: 'a host note' });
  const text = renderJson(report);
  assert.ok(!ANSI.test(text));
  // Byte for byte the report's own fields in their order, only the notes reduced to text.
  const notesAsText = (key: string, value: unknown) =>
    key === 'notes' ? (value as { message: string }[]).map((note) => note.message) : value;
  assert.equal(text, `${JSON.stringify(report, notesAsText, 2)}\n`);
  const doc = JSON.parse(text) as ListReportJson;
  assert.deepEqual(doc.gpus[0]!.verdict.notes, [NIC_NOTE.message]);
  assert.deepEqual(doc.host.readiness.notes, ['a host note']);
});

/** What a hostile driver or host could put in a string: retitle, clear, forge lines. */
const HOSTILE = '\u001b]0;owned\u0007\u001b[2J\rflag: ok\nGPU 9  forged  RDMA CAPABLE\u009b31m';
const HOSTILE_SHOWN = '\\x1b]0;owned\\x07\\x1b[2J\\rflag: ok\\nGPU 9  forged  RDMA CAPABLE\\x9b31m';

function hostileReport() {
  const gpu = gpuReport({
    identity: {
      name: `H100 ${HOSTILE}`,
      driverName: `drv${HOSTILE}`,
      driverInfo: `info${HOSTILE}`,
      driverVersion: `580${HOSTILE}`,
      vendor: `NVIDIA${HOSTILE}`,
      apiVersion: `1.3${HOSTILE}`,
    },
  });
  gpu.verdict.notes.push({ code: 'dedicated-only', message: `note${HOSTILE}` });
  const report = listReport([gpu, extensionMissingGpu(1)]);
  report.host.hostname = `node${HOSTILE}`;
  report.host.kernel.release = `6.8${HOSTILE}`;
  report.host.nvidiaModule.version = `580${HOSTILE}`;
  report.host.virtualization.sysVendor = `Vendor${HOSTILE}`;
  report.host.virtualization.productName = `Product${HOSTILE}`;
  report.host.rdmaDevices![0]!.name = `mlx5${HOSTILE}`;
  report.host.rdmaDevices![0]!.ports[0]!.state = `ACTIVE${HOSTILE}`;
  report.host.gpuTopology[0]!.nearest!.name = `mlx5${HOSTILE}`;
  report.host.readiness.notes.push({ code: 'virtual-machine', message: `host note${HOSTILE}` });
  report.validation = { layer: `layer${HOSTILE}`, messages: [] };
  return report;
}

/** Every control character in `text` except the newlines the renderer itself writes. */
function controlCharacters(text: string): string[] {
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  return [...text.matchAll(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g)].map((m) => m[0]);
}

test('table: driver and host strings cannot send control characters to the terminal', () => {
  const report = hostileReport();
  const before = JSON.stringify(report);
  for (const verbose of [false, true]) {
    const text = renderTable(report, { color: false, verbose });
    assert.deepEqual(controlCharacters(text), []);
    assert.ok(text.includes('\\x1b]0;owned\\x07'), 'the escape is shown, visibly');
    assert.ok(
      !text.split('\n').some((line) => /^\s*(flag: ok|GPU 9)/.test(line)),
      'no forged line',
    );
  }
  // With colour, the only escapes are the renderer's own SGR colour codes.
  const coloured = renderTable(report, { color: true, verbose: true });
  assert.deepEqual(controlCharacters(coloured.replace(new RegExp(ANSI.source, 'g'), '')), []);
  // The hostname line is whole: the escaped text sits in it, on one line.
  const plain = renderTable(report, { color: false, verbose: false });
  assert.ok(plain.includes(`host node${HOSTILE_SHOWN} · Vulkan loader`));
  // JSON stays exact, and the report handed in is not changed.
  assert.deepEqual(JSON.parse(renderJson(report)), listReportJson(report));
  assert.equal(JSON.stringify(report), before);
});

test('table: ordinary names are unchanged by the escaping', () => {
  const report = mixedReport();
  assert.deepEqual(terminalSafeDeep(report), report);
});
