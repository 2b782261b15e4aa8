/**
 * Report objects for renderer and verdict tests. The defaults describe an RDMA-capable
 * NVIDIA data-center GPU with made-up identifiers; tests override what they exercise.
 */
import { decideVerdict, NIC_NOTE } from '../../src/probe/verdict.js';
import { rdmaMemoryTypesOf } from '../../src/probe/gpu.js';
import {
  SCHEMA_VERSION,
  type AllocationReport,
  type GpuReport,
  type MemoryReport,
  type ListReport,
} from '../../src/list-report.js';
import { formatPciBusId } from '../../src/pci-address.js';
import { readyHost } from './host-fixtures.js';

const GiB = 1024 ** 3;

export function capableMemory(): MemoryReport {
  return {
    budgetAvailable: true,
    heaps: [
      {
        index: 0,
        size: 80 * GiB,
        flags: ['DEVICE_LOCAL'],
        budget: 79 * GiB,
        usage: 512 * 1024 ** 2,
      },
      { index: 1, size: 94 * GiB, flags: [], budget: 90 * GiB, usage: 0 },
    ],
    types: [
      { index: 0, heapIndex: 1, propertyFlags: 0, flags: [], rdmaCapable: false },
      {
        index: 1,
        heapIndex: 0,
        propertyFlags: 0x101,
        flags: ['DEVICE_LOCAL', 'RDMA_CAPABLE_NV'],
        rdmaCapable: true,
      },
      {
        index: 2,
        heapIndex: 1,
        propertyFlags: 0x6,
        flags: ['HOST_VISIBLE', 'HOST_COHERENT'],
        rdmaCapable: false,
      },
    ],
  };
}

type GpuOverrides = Partial<Omit<GpuReport, 'identity'>> & {
  identity?: Partial<GpuReport['identity']>;
};

export function gpuReport(overrides: GpuOverrides = {}): GpuReport {
  const index = overrides.index ?? 0;
  const uuid = `5c8a6f01-2345-6789-abcd-ef00112233${String(index).padStart(2, '0')}`;
  const memory = overrides.memory === undefined ? capableMemory() : overrides.memory;
  const gpu: GpuReport = {
    index,
    loaderIndexes: [index],
    extensions: { count: 238, externalMemoryRDMA: true, memoryBudget: true, pciBusInfo: true },
    features: { externalMemoryRDMA: true },
    rdmaExport: {
      handleType: 'RDMA_ADDRESS_NV',
      usage: ['TRANSFER_SRC', 'TRANSFER_DST'],
      exportable: true,
      dedicatedOnly: false,
      importable: false,
      compatibleHandleTypes: ['RDMA_ADDRESS_NV'],
      exportFromImportedHandleTypes: [],
    },
    rdmaMemoryTypes: memory ? rdmaMemoryTypesOf(memory) : [],
    error: null,
    allocation: null,
    verdict: { rdma: 'not-capable', reasons: [], notes: [] },
    ...overrides,
    memory,
    identity: {
      name: 'NVIDIA H100 80GB HBM3',
      vendorID: 0x10de,
      vendor: 'NVIDIA',
      deviceID: 0x2330,
      deviceType: 'discrete-gpu',
      apiVersion: '1.4.312',
      driverVersion: '580.159.04',
      driverVersionRaw: 2435301632,
      driverID: 4,
      driverName: 'NVIDIA',
      driverInfo: '580.159.04',
      deviceUUID: uuid,
      nvidiaSmiUUID: `GPU-${uuid}`,
      driverUUID: '0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9',
      pciBusId: formatPciBusId({ domain: 0, bus: 6 + index, device: 0, function: 0 }),
      ...overrides.identity,
    },
  };
  if (!overrides.verdict) gpu.verdict = decideVerdict(gpu);
  return gpu;
}

export function listReport(gpus: GpuReport[]): ListReport {
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'rdma-probe', version: '0.0.0-test' },
    generatedAt: '2026-01-01T00:00:00.000Z',
    host: readyHost('gpu-node-01', gpus),
    loader: { apiVersion: '1.3.239', requestedApiVersion: '1.3.0' },
    validation: null,
    durationMs: 12.5,
    gpus,
  };
}

/** A GPU whose driver lacks VK_NV_external_memory_rdma (as on the H100 test machine). */
export function extensionMissingGpu(index = 0): GpuReport {
  return gpuReport({
    index,
    extensions: { count: 238, externalMemoryRDMA: false, memoryBudget: true, pciBusInfo: true },
    features: { externalMemoryRDMA: null },
    rdmaExport: null,
    memory: {
      ...capableMemory(),
      types: capableMemory().types.map((type) => ({ ...type, rdmaCapable: false })),
    },
  });
}

/** A successful --alloc result. */
export function okAllocation(): AllocationReport {
  return {
    status: 'ok',
    requestedSize: 1048576,
    actualSize: 2097152,
    alignment: 65536,
    memoryTypeIndex: 1,
    heapIndex: 0,
    dedicated: true,
    remoteAddress: '0x7f0000001000',
    timings: {
      createDeviceMs: 1.5,
      allocateMs: 0.25,
      remoteAddressMs: 0.01,
      freeMs: 0.2,
      totalMs: 1.96,
    },
    failure: null,
    note: NIC_NOTE.message,
  };
}
