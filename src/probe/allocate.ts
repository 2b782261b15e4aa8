/**
 * --alloc: a test allocation of RDMA-exportable memory and its remote address, done as the
 * specification's VK_NV_external_memory_rdma example does it, without that example's bugs.
 * The device is created with VK_NV_external_memory_rdma AND the externalMemoryRDMA
 * feature enabled (else vkGetDeviceProcAddr returns NULL for vkGetMemoryRemoteAddressNV);
 * the memory type comes from the buffer's memoryTypeBits, searched only up to
 * memoryTypeCount; the budget checked is that type's own heap. Every object is freed on
 * every path.
 *
 * Every device command this needs is resolved and checked by the binding's createDevice,
 * before a buffer or memory exists: a driver without one of them fails here, on this
 * GPU, with the command named, and nothing is left behind.
 */
import type {
  BufferMemoryRequirements,
  DispatchableHandle,
  NonDispatchableHandle,
  VulkanBinding,
} from '../vulkan/binding.js';
import { Extension, ExternalMemoryHandleTypeFlag } from '../vulkan/constants.js';
import { isVulkanFailure, MissingEntryPointError } from '../vulkan/driver-errors.js';
import type {
  AllocationFailure,
  AllocationReport,
  AllocationStep,
  GpuReport,
} from '../list-report.js';
import { RDMA_BUFFER_USAGE } from './gpu.js';
import { chooseMemoryType, heapHeadroom } from './memory.js';
import { NIC_NOTE } from './verdict.js';

const RDMA_HANDLE = ExternalMemoryHandleTypeFlag.RDMA_ADDRESS_NV;

/** A failure at a named step, turned into report data at the end of the attempt. */
class AllocationStepError extends Error {
  constructor(
    readonly step: AllocationStep,
    message: string,
    readonly result: string | null = null,
  ) {
    super(message);
  }
}

function emptyAllocation(requested: bigint): AllocationReport {
  return {
    status: 'failed',
    requestedSize: Number(requested),
    actualSize: null,
    alignment: null,
    memoryTypeIndex: null,
    heapIndex: null,
    dedicated: null,
    remoteAddress: null,
    timings: null,
    failure: null,
    note: NIC_NOTE.message,
  };
}

export function skippedAllocation(requested: bigint, gpu: GpuReport): AllocationReport {
  const why = gpu.verdict.reasons.map((reason) => reason.code).join(', ');
  return {
    ...emptyAllocation(requested),
    status: 'skipped',
    failure: { step: 'skipped', result: null, message: `not RDMA-capable (${why})` },
  };
}

export function allocateRdmaMemory(
  vk: VulkanBinding,
  physicalDevice: DispatchableHandle,
  gpu: GpuReport,
  requested: bigint,
  monotonicMs: () => number,
): AllocationReport {
  const report = emptyAllocation(requested);
  const memory = gpu.memory!;
  const started = monotonicMs();
  let device: DispatchableHandle | null = null;
  let buffer: NonDispatchableHandle | null = null;
  let allocation: NonDispatchableHandle | null = null;
  const marks = { device: started, allocated: started, address: started };
  try {
    const queueFamilyIndex = vk.getQueueFamilies(physicalDevice).findIndex((f) => f.queueCount > 0);
    if (queueFamilyIndex < 0)
      throw new AllocationStepError('queue-family', 'the GPU reports no queue family');

    device = vk.createDevice(physicalDevice, {
      queueFamilyIndex,
      enabledExtensions: [Extension.EXTERNAL_MEMORY_RDMA],
      enableExternalMemoryRDMA: true,
    });
    marks.device = monotonicMs();

    buffer = vk.createBuffer(device, {
      size: requested,
      usage: RDMA_BUFFER_USAGE,
      externalHandleTypes: RDMA_HANDLE,
    });
    const requirements: BufferMemoryRequirements = vk.getBufferMemoryRequirements(device, buffer);
    report.actualSize = Number(requirements.size);
    report.alignment = Number(requirements.alignment);

    const chosen = chooseMemoryType(memory, requirements.memoryTypeBits);
    if (!chosen) {
      throw new AllocationStepError(
        'memory-type',
        `no RDMA-capable memory type in the buffer's memoryTypeBits 0x${requirements.memoryTypeBits.toString(16)}`,
      );
    }
    report.memoryTypeIndex = chosen.typeIndex;
    report.heapIndex = chosen.heapIndex;

    const headroom = heapHeadroom(memory, chosen.heapIndex);
    if (headroom !== null && Number(requirements.size) > headroom) {
      throw new AllocationStepError(
        'budget-check',
        `${requirements.size} bytes exceed heap ${chosen.heapIndex}'s available budget of ${headroom} bytes; nothing was allocated`,
      );
    }

    const dedicated =
      requirements.requiresDedicatedAllocation || gpu.rdmaExport?.dedicatedOnly === true;
    report.dedicated = dedicated;
    allocation = vk.allocateMemory(device, {
      size: requirements.size,
      memoryTypeIndex: chosen.typeIndex,
      exportHandleTypes: RDMA_HANDLE,
      dedicatedBuffer: dedicated ? buffer : null,
    });
    vk.bindBufferMemory(device, buffer, allocation);
    marks.allocated = monotonicMs();

    const address = vk.getMemoryRemoteAddress(device, allocation, RDMA_HANDLE);
    marks.address = monotonicMs();
    report.remoteAddress = `0x${address.toString(16)}`;
    report.status = 'ok';
  } catch (error) {
    report.failure = failureOf(error);
  } finally {
    const freeing = monotonicMs();
    if (device !== null) {
      if (buffer !== null) vk.destroyBuffer(device, buffer);
      if (allocation !== null) vk.freeMemory(device, allocation);
      vk.destroyDevice(device);
    }
    const done = monotonicMs();
    if (report.status === 'ok') {
      const ms = (value: number) => Math.round(value * 1000) / 1000;
      report.timings = {
        createDeviceMs: ms(marks.device - started),
        allocateMs: ms(marks.allocated - marks.device),
        remoteAddressMs: ms(marks.address - marks.allocated),
        freeMs: ms(done - freeing),
        totalMs: ms(done - started),
      };
    }
  }
  return report;
}

function failureOf(error: unknown): AllocationFailure {
  if (error instanceof AllocationStepError) {
    return { step: error.step, result: error.result, message: error.message };
  }
  if (isVulkanFailure(error)) {
    // A missing command fails at its lookup; everything else at the call itself.
    const step = (
      error instanceof MissingEntryPointError ? error.resolver : error.call
    ) as AllocationStep;
    return { step, result: error.resultName, message: error.message };
  }
  throw error;
}
