import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decideVerdict, NIC_NOTE, type VerdictContext } from '../src/probe/verdict.js';
import { makeApiVersion } from '../src/vulkan/constants.js';
import { capableMemory, extensionMissingGpu, gpuReport } from './support/report-fixtures.js';

const codes = (gpu: ReturnType<typeof gpuReport>, context?: VerdictContext) =>
  decideVerdict(gpu, context).reasons.map((r) => r.code);

test('extension, feature, exportable and an RDMA memory type: capable, with the NIC caveat', () => {
  const verdict = decideVerdict(gpuReport());
  assert.equal(verdict.rdma, 'capable');
  assert.deepEqual(verdict.reasons, []);
  assert.ok(verdict.notes.includes(NIC_NOTE));
});

test('extension missing: not capable, and the feature is never guessed', () => {
  const gpu = extensionMissingGpu();
  assert.deepEqual(codes(gpu), ['extension-missing', 'no-rdma-memory-type']);
});

test('each missing piece is its own reason', () => {
  assert.deepEqual(codes(gpuReport({ features: { externalMemoryRDMA: false } })), [
    'feature-disabled',
  ]);
  const notExportable = gpuReport();
  notExportable.rdmaExport!.exportable = false;
  assert.deepEqual(codes(notExportable), ['not-exportable']);
  assert.deepEqual(codes(gpuReport({ rdmaMemoryTypes: [] })), ['no-rdma-memory-type']);
});

test('a failed probe is a reason, and every reason has a one-line message', () => {
  const gpu = gpuReport({
    error: {
      call: 'vkGetPhysicalDeviceMemoryProperties2',
      result: 'VK_ERROR_DEVICE_LOST',
      message: 'x',
    },
  });
  const verdict = decideVerdict(gpu);
  assert.equal(verdict.rdma, 'not-capable');
  assert.equal(verdict.reasons[0]!.code, 'probe-failed');
  for (const reason of verdict.reasons)
    assert.ok(reason.message.length > 0 && !reason.message.includes('\n'));
});

test('dedicated-only and a missing budget extension are notes, not reasons', () => {
  const gpu = gpuReport({ memory: { ...capableMemory(), budgetAvailable: false } });
  gpu.rdmaExport!.dedicatedOnly = true;
  const verdict = decideVerdict(gpu);
  assert.equal(verdict.rdma, 'capable');
  assert.deepEqual(
    verdict.notes.map((note) => note.code),
    ['dedicated-only', 'memory-budget-unanswered', 'nic-reach-unproven'],
  );
});

test('every reason, with the message an operator reads', () => {
  const gpu = gpuReport({
    extensions: { count: 1, externalMemoryRDMA: false, memoryBudget: true, pciBusInfo: true },
    features: { externalMemoryRDMA: null },
    rdmaExport: null,
    rdmaMemoryTypes: [],
    error: { call: 'vkX', result: 'VK_ERROR_DEVICE_LOST', message: 'vkX failed:\r\n\nlost' },
  });
  assert.deepEqual(decideVerdict(gpu, { deviceApiVersion: makeApiVersion(1, 0, 61) }).reasons, [
    { code: 'probe-failed', message: 'probing this GPU failed: vkX failed: lost' },
    {
      code: 'api-version-too-old',
      message:
        'the device reports Vulkan 1.0.61; RDMA export needs Vulkan 1.1 (external memory is core 1.1)',
    },
    {
      code: 'extension-missing',
      message:
        'the driver does not expose VK_NV_external_memory_rdma (it needs an NVIDIA driver with RDMA support enabled for this GPU)',
    },
    {
      code: 'no-rdma-memory-type',
      message: 'no memory type carries VK_MEMORY_PROPERTY_RDMA_CAPABLE_BIT_NV',
    },
  ]);
  const listed = gpuReport({ features: { externalMemoryRDMA: false } });
  listed.rdmaExport!.exportable = false;
  assert.deepEqual(decideVerdict(listed).reasons, [
    {
      code: 'feature-disabled',
      message:
        'VK_NV_external_memory_rdma is listed but the externalMemoryRDMA feature is not supported',
    },
    {
      code: 'not-exportable',
      message: 'buffers cannot be exported with the RDMA address handle type',
    },
  ]);
});

test('Vulkan 1.1 is new enough; an unknown device version is no reason', () => {
  assert.deepEqual(codes(gpuReport(), { deviceApiVersion: makeApiVersion(1, 1, 0) }), []);
  assert.deepEqual(codes(gpuReport(), { deviceApiVersion: null }), []);
  assert.deepEqual(codes(gpuReport(), { deviceApiVersion: makeApiVersion(1, 0, 999) }), [
    'api-version-too-old',
  ]);
});

test('export support is judged only when the extension is listed; memory only when read', () => {
  const unlisted = gpuReport({
    extensions: { count: 1, externalMemoryRDMA: false, memoryBudget: true, pciBusInfo: true },
  });
  unlisted.rdmaExport!.exportable = false;
  assert.deepEqual(codes(unlisted), ['extension-missing']);
  const noMemory = gpuReport({ memory: null, rdmaMemoryTypes: [] });
  assert.deepEqual(codes(noMemory), []);
  assert.deepEqual(decideVerdict(noMemory).notes, [NIC_NOTE]);
});

test('notes: the driver notes first, then dedicated-only and budgets; the NIC caveat only when capable', () => {
  const gpu = gpuReport({ memory: { ...capableMemory(), budgetAvailable: false } });
  gpu.rdmaExport!.dedicatedOnly = true;
  const driverNote = { code: 'structure-unfilled', message: 'a driver note' } as const;
  assert.deepEqual(decideVerdict(gpu, { notes: [driverNote] }).notes, [
    driverNote,
    {
      code: 'dedicated-only',
      message: 'RDMA export requires a dedicated allocation per buffer',
    },
    {
      code: 'memory-budget-unanswered',
      message: 'VK_EXT_memory_budget gave no usable answer: heap budgets are unknown',
    },
    NIC_NOTE,
  ]);
  const withoutExtension = gpuReport({
    extensions: { count: 1, externalMemoryRDMA: true, memoryBudget: false, pciBusInfo: true },
    memory: { ...capableMemory(), budgetAvailable: false },
    features: { externalMemoryRDMA: false },
  });
  assert.deepEqual(decideVerdict(withoutExtension).notes, [
    {
      code: 'memory-budget-absent',
      message: 'VK_EXT_memory_budget is absent: heap budgets are unknown',
    },
  ]);
  assert.deepEqual(decideVerdict(gpuReport()).notes, [NIC_NOTE]);
  assert.deepEqual(NIC_NOTE, {
    code: 'nic-reach-unproven',
    message:
      'A remote address proves the driver exported the memory, not that an RDMA NIC can reach it.',
  });
});
