/**
 * Memory types and heaps as the report shows them, checked against the rules every
 * correct driver follows. What can be shown honestly is shown with a note (counts above
 * the arrays' size are clamped to what the structure holds; a budget above its heap's
 * size is clamped to the size); what cannot (a memory type in a heap that does not
 * exist) is a problem the caller records as the GPU's error. Also the choices --alloc
 * makes from them: the memory type, and the budget left in its heap. Pure: no Vulkan here.
 */
import type { RawMemoryProperties } from '../vulkan/binding.js';
import {
  MemoryPropertyFlag,
  VK_MAX_MEMORY_HEAPS,
  VK_MAX_MEMORY_TYPES,
} from '../vulkan/constants.js';
import { DriverOutputError } from '../vulkan/driver-errors.js';
import type { MemoryReport, Note, RdmaMemoryType } from '../list-report.js';
import { memoryHeapFlagNames, memoryPropertyFlagNames } from './decode.js';

export interface MemoryReading {
  report: MemoryReport;
  notes: Note[];
  /** Data no correct driver reports; the GPU cannot be judged capable with it. */
  problem: DriverOutputError | null;
}

const bytes = (value: bigint | null): number | null => (value === null ? null : Number(value));

/**
 * `call` is the command that answered (vkGetPhysicalDeviceMemoryProperties or its 2
 * form); `budgetQueried` says whether VkPhysicalDeviceMemoryBudgetPropertiesEXT was chained.
 */
export function readMemory(
  raw: RawMemoryProperties,
  call: string,
  budgetQueried: boolean,
): MemoryReading {
  const notes: Note[] = [];
  if (raw.memoryTypeCount > VK_MAX_MEMORY_TYPES) {
    notes.push({
      code: 'memory-type-count-clamped',
      message: `${call} reported memoryTypeCount ${raw.memoryTypeCount}, more than VK_MAX_MEMORY_TYPES (${VK_MAX_MEMORY_TYPES}): only the ${VK_MAX_MEMORY_TYPES} the structure holds are shown`,
    });
  }
  if (raw.memoryHeapCount > VK_MAX_MEMORY_HEAPS) {
    notes.push({
      code: 'memory-heap-count-clamped',
      message: `${call} reported memoryHeapCount ${raw.memoryHeapCount}, more than VK_MAX_MEMORY_HEAPS (${VK_MAX_MEMORY_HEAPS}): only the ${VK_MAX_MEMORY_HEAPS} the structure holds are shown`,
    });
  }
  const budgetAvailable = budgetQueried && !raw.budgetUnfilled;
  const heaps = raw.memoryHeaps.map((heap, index) => {
    let budget = heap.budget;
    if (budget !== null && budget > heap.size) {
      notes.push({
        code: 'heap-budget-clamped',
        message: `heap ${index}'s budget (${budget} bytes) exceeds its size (${heap.size} bytes): the size is used as its budget`,
      });
      budget = heap.size;
    }
    return {
      index,
      size: Number(heap.size),
      flags: memoryHeapFlagNames(heap.flags),
      budget: budgetAvailable ? bytes(budget) : null,
      usage: budgetAvailable ? bytes(heap.usage) : null,
    };
  });
  const orphans: string[] = [];
  const types = raw.memoryTypes.map((type, index) => {
    if (type.heapIndex >= heaps.length) orphans.push(`type ${index} names heap ${type.heapIndex}`);
    return {
      index,
      heapIndex: type.heapIndex,
      propertyFlags: type.propertyFlags,
      flags: memoryPropertyFlagNames(type.propertyFlags),
      rdmaCapable: (type.propertyFlags & MemoryPropertyFlag.RDMA_CAPABLE_NV) !== 0,
    };
  });
  const problem =
    orphans.length > 0
      ? new DriverOutputError(
          call,
          `reported memory types in heaps that do not exist (${orphans.join(', ')}; ${heaps.length} heap(s))`,
        )
      : null;
  return { report: { budgetAvailable, heaps, types }, notes, problem };
}

/**
 * The spec's example scans for RDMA-capable types; unlike it, this stops at
 * memoryTypeCount and pairs each type with its own heap's budget. A type whose heap
 * does not exist is left out: it has no size or budget to pair with.
 */
export function rdmaMemoryTypesOf(memory: MemoryReport): RdmaMemoryType[] {
  return memory.types.flatMap((type) => {
    const heap = memory.heaps[type.heapIndex];
    if (!type.rdmaCapable || !heap) return [];
    return [
      {
        typeIndex: type.index,
        heapIndex: type.heapIndex,
        heapSize: heap.size,
        heapBudget: heap.budget,
        heapUsage: heap.usage,
      },
    ];
  });
}

/** Picks an RDMA-capable type allowed by the buffer; null when there is none. */
export function chooseMemoryType(
  memory: MemoryReport,
  memoryTypeBits: number,
): { typeIndex: number; heapIndex: number } | null {
  for (const type of memory.types) {
    if (type.index >= VK_MAX_MEMORY_TYPES) break;
    // A type in a heap that does not exist has no budget to check: never chosen.
    if (!memory.heaps[type.heapIndex]) continue;
    if ((memoryTypeBits & (1 << type.index)) !== 0 && type.rdmaCapable) {
      return { typeIndex: type.index, heapIndex: type.heapIndex };
    }
  }
  return null;
}

/**
 * What may still be allocated from a heap: budget minus current usage when
 * VK_EXT_memory_budget is present, else the heap's size.
 */
export function heapHeadroom(memory: MemoryReport, heapIndex: number): number | null {
  const heap = memory.heaps[heapIndex];
  if (!heap) return null;
  if (heap.budget !== null) return Math.max(0, heap.budget - (heap.usage ?? 0));
  return heap.size;
}
