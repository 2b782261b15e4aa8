import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decideVerdict, NIC_NOTE } from '../src/probe/verdict.js';
import { capableMemory, extensionMissingGpu, gpuReport } from './support/report-fixtures.js';

const codes = (gpu: ReturnType<typeof gpuReport>) => decideVerdict(gpu).reasons.map((r) => r.code);

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
  assert.equal(verdict.notes.length, 3);
});
