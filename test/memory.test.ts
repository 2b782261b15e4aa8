/**
 * Memory types and heaps from the raw answer, and what --alloc chooses from them: the
 * memory type (allowed by the buffer, RDMA-capable, in a heap that exists) and the budget
 * left in that type's own heap. Pure: no Vulkan here.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  chooseMemoryType,
  heapHeadroom,
  rdmaMemoryTypesOf,
  readMemory,
} from '../src/probe/memory.js';
import type { RawMemoryHeap, RawMemoryProperties } from '../src/vulkan/binding.js';
import type { MemoryReport } from '../src/list-report.js';

const CALL = 'vkGetPhysicalDeviceMemoryProperties2';
const RDMA = 0x101; // DEVICE_LOCAL | RDMA_CAPABLE_BIT_NV

function heap(size: bigint, budget: bigint | null = null, usage: bigint | null = null) {
  return { size, flags: 1, budget, usage } satisfies RawMemoryHeap;
}

function raw(overrides: Partial<RawMemoryProperties> = {}): RawMemoryProperties {
  const memory: RawMemoryProperties = {
    memoryTypeCount: 0,
    memoryHeapCount: 0,
    memoryTypes: [
      { propertyFlags: 0x6, heapIndex: 1 },
      { propertyFlags: RDMA, heapIndex: 0 },
    ],
    memoryHeaps: [heap(80n << 30n, 79n << 30n, 1n << 20n), { ...heap(1n << 36n), flags: 0 }],
    budgetUnfilled: false,
    ...overrides,
  };
  memory.memoryTypeCount ||= memory.memoryTypes.length;
  memory.memoryHeapCount ||= memory.memoryHeaps.length;
  return memory;
}

describe('readMemory', () => {
  test('types and heaps as reported, with flag names, RDMA capability and budgets', () => {
    const reading = readMemory(raw(), CALL, true);
    assert.deepEqual(reading, {
      report: {
        budgetAvailable: true,
        heaps: [
          {
            index: 0,
            size: 80 * 2 ** 30,
            flags: ['DEVICE_LOCAL'],
            budget: 79 * 2 ** 30,
            usage: 2 ** 20,
          },
          { index: 1, size: 2 ** 36, flags: [], budget: null, usage: null },
        ],
        types: [
          {
            index: 0,
            heapIndex: 1,
            propertyFlags: 0x6,
            flags: ['HOST_VISIBLE', 'HOST_COHERENT'],
            rdmaCapable: false,
          },
          {
            index: 1,
            heapIndex: 0,
            propertyFlags: RDMA,
            flags: ['DEVICE_LOCAL', 'RDMA_CAPABLE_NV'],
            rdmaCapable: true,
          },
        ],
      },
      notes: [],
      problem: null,
    });
  });

  test('budgets only when the budget structure was chained and filled', () => {
    const budgets = (reading: ReturnType<typeof readMemory>) =>
      reading.report.heaps.map((h) => [h.budget, h.usage]);
    assert.equal(readMemory(raw(), CALL, true).report.budgetAvailable, true);
    const notQueried = readMemory(raw(), CALL, false);
    assert.equal(notQueried.report.budgetAvailable, false);
    assert.deepEqual(budgets(notQueried), [
      [null, null],
      [null, null],
    ]);
    const unfilled = readMemory(raw({ budgetUnfilled: true }), CALL, true);
    assert.equal(unfilled.report.budgetAvailable, false);
    assert.deepEqual(budgets(unfilled), [
      [null, null],
      [null, null],
    ]);
  });

  test('counts beyond the arrays: a note each; counts that fill them exactly: none', () => {
    const over = readMemory(raw({ memoryTypeCount: 33, memoryHeapCount: 17 }), CALL, true);
    assert.deepEqual(over.notes, [
      {
        code: 'memory-type-count-clamped',
        message: `${CALL} reported memoryTypeCount 33, more than VK_MAX_MEMORY_TYPES (32): only the 32 the structure holds are shown`,
      },
      {
        code: 'memory-heap-count-clamped',
        message: `${CALL} reported memoryHeapCount 17, more than VK_MAX_MEMORY_HEAPS (16): only the 16 the structure holds are shown`,
      },
    ]);
    assert.equal(over.problem, null);
    const full = readMemory(raw({ memoryTypeCount: 32, memoryHeapCount: 16 }), CALL, true);
    assert.deepEqual(full.notes, []);
  });

  test('a budget above its heap size is clamped to the size, with a note; equal is fine', () => {
    const reading = readMemory(
      raw({ memoryHeaps: [heap(1000n, 1000n, 0n), heap(1000n, 1001n, 5n)] }),
      CALL,
      true,
    );
    assert.deepEqual(
      reading.report.heaps.map((h) => [h.size, h.budget, h.usage]),
      [
        [1000, 1000, 0],
        [1000, 1000, 5],
      ],
    );
    assert.deepEqual(reading.notes, [
      {
        code: 'heap-budget-clamped',
        message:
          "heap 1's budget (1001 bytes) exceeds its size (1000 bytes): the size is used as its budget",
      },
    ]);
  });

  test('a memory type in a heap that does not exist is a problem naming each one', () => {
    const reading = readMemory(
      raw({
        memoryTypes: [
          { propertyFlags: RDMA, heapIndex: 0 },
          { propertyFlags: RDMA, heapIndex: 2 },
          { propertyFlags: 0, heapIndex: 1 },
          { propertyFlags: 0, heapIndex: 7 },
        ],
      }),
      CALL,
      true,
    );
    assert.equal(reading.problem?.call, CALL);
    assert.equal(reading.problem?.resultName, 'INVALID_DRIVER_OUTPUT');
    assert.equal(
      reading.problem?.message,
      `${CALL} reported memory types in heaps that do not exist (type 1 names heap 2, type 3 names heap 7; 2 heap(s))`,
    );
    // What can be shown is still shown.
    assert.equal(reading.report.types.length, 4);
  });
});

describe('rdmaMemoryTypesOf', () => {
  test("each RDMA-capable type with its own heap's size, budget and usage", () => {
    const memory = readMemory(
      raw({
        memoryTypes: [
          { propertyFlags: 0x1, heapIndex: 0 },
          { propertyFlags: RDMA, heapIndex: 1 },
          { propertyFlags: 0x100, heapIndex: 0 },
          { propertyFlags: RDMA, heapIndex: 5 }, // no such heap: left out
        ],
        memoryHeaps: [heap(1000n, 900n, 100n), heap(2000n, 1500n, 0n)],
      }),
      CALL,
      true,
    ).report;
    assert.deepEqual(rdmaMemoryTypesOf(memory), [
      { typeIndex: 1, heapIndex: 1, heapSize: 2000, heapBudget: 1500, heapUsage: 0 },
      { typeIndex: 2, heapIndex: 0, heapSize: 1000, heapBudget: 900, heapUsage: 100 },
    ]);
  });
});

/** A memory report with the given types (index = position) over two heaps. */
function memoryWith(
  types: { rdma: boolean; heap: number }[],
  heaps: { size: number; budget: number | null; usage: number | null }[] = [
    { size: 1000, budget: 800, usage: 100 },
    { size: 5000, budget: 4000, usage: 0 },
  ],
): MemoryReport {
  return {
    budgetAvailable: heaps.some((h) => h.budget !== null),
    heaps: heaps.map((h, index) => ({ index, flags: ['DEVICE_LOCAL'], ...h })),
    types: types.map((t, index) => ({
      index,
      heapIndex: t.heap,
      propertyFlags: t.rdma ? RDMA : 1,
      flags: [],
      rdmaCapable: t.rdma,
    })),
  };
}

describe('chooseMemoryType', () => {
  test('the first type that the buffer allows and that is RDMA-capable, with its heap', () => {
    const memory = memoryWith([
      { rdma: false, heap: 0 },
      { rdma: true, heap: 0 },
      { rdma: true, heap: 1 },
    ]);
    assert.deepEqual(chooseMemoryType(memory, 0b111), { typeIndex: 1, heapIndex: 0 });
    assert.deepEqual(chooseMemoryType(memory, 0b101), { typeIndex: 2, heapIndex: 1 });
    assert.equal(chooseMemoryType(memory, 0b001), null, 'allowed but not RDMA-capable');
    assert.equal(chooseMemoryType(memory, 0), null);
  });

  test('never a type whose heap does not exist', () => {
    const memory = memoryWith([
      { rdma: true, heap: 2 },
      { rdma: true, heap: 1 },
    ]);
    assert.deepEqual(chooseMemoryType(memory, 0b11), { typeIndex: 1, heapIndex: 1 });
    assert.equal(chooseMemoryType(memory, 0b01), null);
  });

  test('memoryTypeBits has 32 bits: a type at index 32 or beyond is never chosen', () => {
    // 1 << 32 is 1 in JavaScript: without the stop, type 32 would pass for type 0.
    const types = Array.from({ length: 34 }, (_, i) => ({ rdma: i >= 32, heap: 0 }));
    assert.equal(chooseMemoryType(memoryWith(types), 0xffffffff), null);
    types[31] = { rdma: true, heap: 1 };
    assert.deepEqual(chooseMemoryType(memoryWith(types), 0x80000001), {
      typeIndex: 31,
      heapIndex: 1,
    });
  });
});

describe('heapHeadroom', () => {
  test('budget minus usage; never below zero', () => {
    const memory = memoryWith(
      [],
      [
        { size: 1000, budget: 800, usage: 100 },
        { size: 1000, budget: 300, usage: 300 },
        { size: 1000, budget: 200, usage: 500 },
        { size: 1000, budget: 0, usage: 0 },
      ],
    );
    assert.deepEqual(
      [0, 1, 2, 3].map((heapIndex) => heapHeadroom(memory, heapIndex)),
      [700, 0, 0, 0],
    );
  });

  test('without budgets, the heap size; a heap that does not exist has none', () => {
    const memory = memoryWith([], [{ size: 1000, budget: null, usage: null }]);
    assert.equal(heapHeadroom(memory, 0), 1000);
    assert.equal(heapHeadroom(memory, 1), null);
  });
});
