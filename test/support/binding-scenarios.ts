/**
 * The binding contract, as scenarios: each runs against any VulkanBinding and returns what
 * it saw as plain data (failures included, as records), and each check asserts what the
 * contract says that must be. test/binding-contract.test.ts runs every scenario on the
 * in-memory binding and on the koffi binding with the test driver (the same configuration
 * for both), and the universal ones on lavapipe too; binding-child.ts runs them in a child
 * process, where the loader reads the driver's configuration.
 */
import assert from 'node:assert/strict';
import type {
  BufferMemoryRequirements,
  DispatchableHandle,
  NonDispatchableHandle,
  VulkanBinding,
} from '../../src/vulkan/binding.js';
import {
  Extension,
  QueueFlag,
  VK_API_VERSION_1_1,
  VK_API_VERSION_1_2,
  VkResult,
  makeApiVersion,
} from '../../src/vulkan/constants.js';
import { LAVAPIPE_LIKE } from './driver-configs.js';
import type { MemoryDriverState } from './memory-binding.js';
import type { TestDriverConfig } from './test-driver.js';

/** A thrown error as data: what the contract says about it survives a process boundary. */
export interface ErrorRecord {
  name: string;
  message: string;
  call?: string;
  result?: number;
  resolver?: string;
}

export type Attempt<T> = { ok: T } | { error: ErrorRecord };

export function attempt<T>(run: () => T): Attempt<T> {
  try {
    const result = run();
    // A command that returns nothing succeeded: null survives JSON, undefined would not.
    return { ok: (result === undefined ? null : result) as T };
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    const record: ErrorRecord = { name: error.name, message: error.message };
    const fields = error as Error & { call?: string; result?: number; resolver?: string };
    if (fields.call !== undefined) record.call = fields.call;
    if (typeof fields.result === 'number') record.result = fields.result;
    if (fields.resolver !== undefined) record.resolver = fields.resolver;
    return { error: record };
  }
}

/** Observations as JSON, bigints and byte arrays included. */
export function encodeObservation(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (typeof item === 'bigint') return { $bigint: item.toString() };
    if (item instanceof Uint8Array) return { $bytes: Buffer.from(item).toString('hex') };
    return item;
  });
}

export function decodeObservation(text: string): unknown {
  return JSON.parse(text, (_key, item: unknown) => {
    if (typeof item === 'object' && item !== null) {
      const tagged = item as { $bigint?: string; $bytes?: string };
      if (tagged.$bigint !== undefined) return BigInt(tagged.$bigint);
      if (tagged.$bytes !== undefined) return Uint8Array.from(Buffer.from(tagged.$bytes, 'hex'));
    }
    return item;
  });
}

export interface Scenario<T = unknown> {
  name: string;
  /** The test driver's configuration, for the in-memory binding and the driver alike. */
  config: TestDriverConfig;
  /** true: the checks hold for any driver, so lavapipe runs it too; else why it does not. */
  lavapipe: true | string;
  run(vk: VulkanBinding): T;
  /** `state` is the driver's (or the in-memory binding's); null on lavapipe. */
  check(observed: T, state: MemoryDriverState | null): void;
}

function scenario<T>(definition: Scenario<T>): Scenario {
  return definition as Scenario;
}

const CONFIGURED = "it checks the test driver's configured answers; lavapipe's GPU is its own";

const API_1_3 = makeApiVersion(1, 3, 0);
const GiB = 1n << 30n;
const MiB = 1n << 20n;
const RDMA_HANDLE = 0x1000;
const TRANSFER = 0x3;
const { VK_ERROR_VALIDATION_FAILED_EXT, VK_ERROR_INVALID_EXTERNAL_HANDLE } = VkResult;

function createInstance(vk: VulkanBinding, apiVersion = API_1_3): DispatchableHandle {
  return vk.createInstance({
    apiVersion,
    applicationName: 'rdma-probe-contract',
    applicationVersion: 1,
    enabledLayers: [],
    enabledExtensions: [],
  });
}

/** Runs `body` on a fresh instance and its GPUs, destroying the instance whatever happens. */
function withInstance<T>(vk: VulkanBinding, body: (gpus: DispatchableHandle[]) => T): T {
  const instance = createInstance(vk);
  try {
    return body(vk.enumeratePhysicalDevices(instance));
  } finally {
    vk.destroyInstance(instance);
  }
}

function rdmaDevice(vk: VulkanBinding, gpu: DispatchableHandle): DispatchableHandle {
  return vk.createDevice(gpu, {
    queueFamilyIndex: 0,
    enabledExtensions: [Extension.EXTERNAL_MEMORY_RDMA],
    enableExternalMemoryRDMA: true,
  });
}

/** An RDMA-exportable buffer of `size` bytes, bound to memory of type 0 allocated for it, and its requirements. */
function boundExportBuffer(
  vk: VulkanBinding,
  device: DispatchableHandle,
  size: bigint,
): {
  buffer: NonDispatchableHandle;
  memory: NonDispatchableHandle;
  requirements: BufferMemoryRequirements;
} {
  const buffer = vk.createBuffer(device, {
    size,
    usage: TRANSFER,
    externalHandleTypes: RDMA_HANDLE,
  });
  const requirements = vk.getBufferMemoryRequirements(device, buffer);
  const memory = vk.allocateMemory(device, {
    size: requirements.size,
    memoryTypeIndex: 0,
    exportHandleTypes: RDMA_HANDLE,
    dedicatedBuffer: null,
  });
  vk.bindBufferMemory(device, buffer, memory);
  return { buffer, memory, requirements };
}

function assertFailed(
  outcome: Attempt<unknown>,
  expected: Partial<ErrorRecord> & { name: string },
  what = '',
): void {
  assert.ok('error' in outcome, `${what}: succeeded, expected ${expected.name}`);
  const record = outcome.error;
  for (const [key, value] of Object.entries(expected)) {
    assert.equal(record[key as keyof ErrorRecord], value, `${what}: ${key} of ${record.message}`);
  }
}

function assertOk<T>(outcome: Attempt<T>, what = ''): T {
  assert.ok('ok' in outcome, `${what}: ${'error' in outcome ? outcome.error.message : ''}`);
  return outcome.ok;
}

const vulkanError = (call: string, result: number) => ({ name: 'VulkanCallError', call, result });

const noObjects = { instances: 0, devices: 0, buffers: 0, memory: 0 };

function assertClean(state: MemoryDriverState | null, created?: Partial<typeof noObjects>): void {
  if (!state) return;
  assert.deepEqual(state.violations, [], 'valid-usage rules broken');
  assert.deepEqual(state.live, noObjects, 'objects left alive');
  if (created) assert.deepEqual(state.created, { ...noObjects, instances: 1, ...created });
}

const ids = (state: MemoryDriverState | null) =>
  state?.violations.map((v) => v.slice(0, v.indexOf(':')));

// ----------------------------------------------------------------------- universal

const universal: Scenario[] = [
  scenario({
    name: 'an instance lists its GPUs; once destroyed, neither it nor its GPUs are accepted',
    config: LAVAPIPE_LIKE,
    lavapipe: true,
    run(vk) {
      const version = vk.enumerateInstanceVersion();
      const instance = createInstance(vk);
      const gpus = vk.enumeratePhysicalDevices(instance);
      const again = vk.enumeratePhysicalDevices(instance);
      vk.destroyInstance(instance);
      return {
        version,
        count: gpus.length,
        distinct: new Set(gpus).size,
        nonZero: !gpus.includes(0n),
        same: again.length === gpus.length && again.every((gpu, i) => gpu === gpus[i]),
        enumerateAfter: attempt(() => vk.enumeratePhysicalDevices(instance)),
        destroyAgain: attempt(() => vk.destroyInstance(instance)),
        gpuAfter: attempt(() => vk.getBasicProperties(gpus[0]!)),
      };
    },
    check(seen, state) {
      assert.ok(seen.version >= VK_API_VERSION_1_1, `loader ${seen.version}`);
      assert.ok(seen.count >= 1);
      assert.equal(seen.distinct, seen.count, 'one handle per GPU');
      assert.ok(seen.nonZero, 'a NULL handle');
      assert.ok(seen.same, 'the same handles every time');
      const notInstance = { name: 'TypeError', message: 'not an instance created by this binding' };
      assertFailed(seen.enumerateAfter, notInstance, 'enumerate after destroy');
      assertFailed(seen.destroyAgain, notInstance, 'destroy twice');
      assertFailed(
        seen.gpuAfter,
        { name: 'TypeError', message: 'not a physical device enumerated by this binding' },
        'a GPU of a destroyed instance',
      );
      assertClean(state, {});
    },
  }),

  scenario({
    name: 'every query answers within its bounds: names terminated, extensions once each, memory types in their heaps',
    config: LAVAPIPE_LIKE,
    lavapipe: true,
    run(vk) {
      return withInstance(vk, (gpus) =>
        gpus.map((gpu) => {
          const basic = vk.getBasicProperties(gpu);
          const extensions = vk.enumerateDeviceExtensions(gpu);
          const names = new Set(extensions.map((ext) => ext.extensionName));
          const properties = vk.getProperties(gpu, {
            driverProperties: basic.apiVersion >= VK_API_VERSION_1_2,
            pciBusInfo: names.has(Extension.PCI_BUS_INFO),
          });
          const budget = names.has(Extension.MEMORY_BUDGET);
          const memory = vk.getMemoryProperties(gpu, { properties2: true, budget });
          return {
            basic,
            extensions,
            properties,
            budget,
            memory,
            queues: vk.getQueueFamilies(gpu),
          };
        }),
      );
    },
    check(seen, state) {
      for (const gpu of seen) {
        assert.ok(gpu.basic.deviceNameTerminated);
        assert.ok(gpu.basic.deviceName.length > 0);
        assert.ok(gpu.extensions.every((ext) => ext.nameTerminated && ext.specVersion > 0));
        const names = gpu.extensions.map((ext) => ext.extensionName);
        assert.equal(new Set(names).size, names.length, 'an extension listed twice');
        assert.equal(gpu.properties.ids?.deviceUUID.length, 16);
        assert.equal(gpu.properties.ids?.driverUUID.length, 16);
        assert.deepEqual(gpu.properties.unfilled, []);
        assert.equal(gpu.properties.driver !== null, gpu.basic.apiVersion >= VK_API_VERSION_1_2);
        assert.deepEqual(gpu.properties.driver?.unterminated ?? [], []);
        const { memory } = gpu;
        assert.equal(memory.memoryTypes.length, Math.min(memory.memoryTypeCount, 32));
        assert.equal(memory.memoryHeaps.length, Math.min(memory.memoryHeapCount, 16));
        assert.ok(memory.memoryHeaps.length >= 1);
        for (const type of memory.memoryTypes) assert.ok(type.heapIndex < memory.memoryHeapCount);
        assert.equal(memory.budgetUnfilled, false);
        for (const heap of memory.memoryHeaps) {
          assert.ok(heap.size > 0n);
          assert.equal(heap.budget !== null, gpu.budget);
          assert.equal(heap.usage !== null, gpu.budget);
        }
        const transfer = QueueFlag.GRAPHICS | QueueFlag.COMPUTE | QueueFlag.TRANSFER;
        assert.ok(gpu.queues.some((q) => q.queueCount > 0 && (q.queueFlags & transfer) !== 0));
      }
      assertClean(state);
    },
  }),

  scenario({
    name: 'a device without VK_NV_external_memory_rdma: vkGetMemoryRemoteAddressNV is a TypeError, and nothing is called',
    config: LAVAPIPE_LIKE,
    lavapipe: true,
    run(vk) {
      return withInstance(vk, ([gpu]) => {
        const device = vk.createDevice(gpu!, {
          queueFamilyIndex: 0,
          enabledExtensions: [],
          enableExternalMemoryRDMA: false,
        });
        try {
          // Real memory of that device, so only the missing extension can be what is refused.
          const memory = vk.allocateMemory(device, {
            size: 4096n,
            memoryTypeIndex: 0,
            exportHandleTypes: 0,
            dedicatedBuffer: null,
          });
          try {
            return attempt(() => vk.getMemoryRemoteAddress(device, memory, RDMA_HANDLE));
          } finally {
            vk.freeMemory(device, memory);
          }
        } finally {
          vk.destroyDevice(device);
        }
      });
    },
    check(seen, state) {
      assertFailed(seen, {
        name: 'TypeError',
        message:
          'vkGetMemoryRemoteAddressNV needs VK_NV_external_memory_rdma enabled before vkGetDeviceProcAddr may be asked for it',
      });
      assertClean(state, { devices: 1, memory: 1 });
      assert.equal(
        state?.deviceCalls['vkGetMemoryRemoteAddressNV'],
        undefined,
        'the driver was called',
      );
      assert.deepEqual(
        state?.lastDevice ?? null,
        state && {
          device: 0,
          extensions: [],
          externalMemoryRDMA: false,
          rdmaFeaturesChained: false,
          queueCreateInfoCount: 1,
        },
      );
    },
  }),

  scenario({
    name: 'an extension the GPU lacks: vkCreateDevice fails with VK_ERROR_EXTENSION_NOT_PRESENT, nothing is created',
    config: LAVAPIPE_LIKE,
    lavapipe: true,
    run(vk) {
      return withInstance(vk, ([gpu]) => attempt(() => rdmaDevice(vk, gpu!)));
    },
    check(seen, state) {
      assertFailed(seen, vulkanError('vkCreateDevice', VkResult.VK_ERROR_EXTENSION_NOT_PRESENT));
      // The loader refuses it before the driver sees it.
      assertClean(state, {});
      assert.equal(state?.lastDevice ?? null, null);
    },
  }),

  scenario({
    name: 'handles the binding never handed out are refused, whatever the call',
    config: LAVAPIPE_LIKE,
    lavapipe: true,
    run(vk) {
      const stranger = 0xdead0n;
      // A live instance, so the driver is loaded and its state can be read.
      return withInstance(vk, () => ({
        instance: [
          attempt(() => vk.enumeratePhysicalDevices(stranger)),
          attempt(() => vk.destroyInstance(stranger)),
        ],
        gpu: [
          attempt(() => vk.getBasicProperties(stranger)),
          attempt(() => vk.getQueueFamilies(stranger)),
          attempt(() => rdmaDevice(vk, stranger)),
        ],
        device: [
          attempt(() => vk.destroyDevice(stranger)),
          attempt(() =>
            vk.createBuffer(stranger, { size: 1n, usage: TRANSFER, externalHandleTypes: 0 }),
          ),
          attempt(() => vk.freeMemory(stranger, 1n)),
        ],
      }));
    },
    check(seen, state) {
      const refused = (what: string) => ({
        name: 'TypeError',
        message: `not ${what} by this binding`,
      });
      for (const outcome of seen.instance) assertFailed(outcome, refused('an instance created'));
      for (const outcome of seen.gpu)
        assertFailed(outcome, refused('a physical device enumerated'));
      for (const outcome of seen.device) assertFailed(outcome, refused('a device created'));
      assertClean(state, {});
    },
  }),
];

// ---------------------------------------------------------------------- configured

const configured: Scenario[] = [
  scenario({
    name: 'properties as configured: identity, driver, UUIDs, PCI address and extensions',
    config: {
      devices: [
        {},
        {
          name: 'Second GPU',
          vendorID: 0x1002,
          deviceID: 0x740f,
          deviceType: 1,
          apiVersion: '1.2.195',
          driverVersion: 12345,
          driverID: 1,
          driverName: 'custom-driver',
          driverInfo: 'build 7',
          deviceUUID: '00112233-4455-6677-8899-aabbccddeeff',
          driverUUID: 'ffeeddccbbaa99887766554433221100',
          pci: { domain: 1, bus: 0x4f, device: 3, function: 1 },
          extraExtensions: ['VK_KHR_driver_properties', 'VK_EXT_example_extra'],
        },
      ],
    },
    lavapipe: CONFIGURED,
    run(vk) {
      return withInstance(vk, (gpus) =>
        gpus.map((gpu) => ({
          basic: vk.getBasicProperties(gpu),
          extensions: vk.enumerateDeviceExtensions(gpu),
          properties: vk.getProperties(gpu, { driverProperties: true, pciBusInfo: true }),
        })),
      );
    },
    check(seen, state) {
      const ext = (extensionName: string, specVersion = 1) => ({
        extensionName,
        specVersion,
        nameTerminated: true,
      });
      const standard = [
        ext(Extension.EXTERNAL_MEMORY_RDMA),
        ext(Extension.MEMORY_BUDGET),
        ext(Extension.PCI_BUS_INFO, 2),
      ];
      assert.deepEqual(seen, [
        {
          basic: {
            apiVersion: makeApiVersion(1, 3, 239),
            driverVersion: 2435301632,
            vendorID: 0x10de,
            deviceID: 0x2323,
            deviceType: 2,
            deviceName: 'Test RDMA GPU',
            deviceNameTerminated: true,
          },
          extensions: standard,
          properties: {
            ids: {
              deviceUUID: Uint8Array.from([...Buffer.from('RDMA-TEST-GPU-'), 0, 0]),
              driverUUID: Uint8Array.from([...Buffer.from('RDMA-TEST-DRV-'), 0, 1]),
            },
            driver: {
              driverID: 4,
              driverName: 'test-driver',
              driverInfo: 'test 1.0',
              unterminated: [],
            },
            pciBusInfo: { pciDomain: 0, pciBus: 6, pciDevice: 0, pciFunction: 0 },
            unfilled: [],
          },
        },
        {
          basic: {
            apiVersion: makeApiVersion(1, 2, 195),
            driverVersion: 12345,
            vendorID: 0x1002,
            deviceID: 0x740f,
            deviceType: 1,
            deviceName: 'Second GPU',
            deviceNameTerminated: true,
          },
          extensions: [...standard, ext('VK_KHR_driver_properties'), ext('VK_EXT_example_extra')],
          properties: {
            ids: {
              deviceUUID: Uint8Array.from(Buffer.from('00112233445566778899aabbccddeeff', 'hex')),
              driverUUID: Uint8Array.from(Buffer.from('ffeeddccbbaa99887766554433221100', 'hex')),
            },
            driver: {
              driverID: 1,
              driverName: 'custom-driver',
              driverInfo: 'build 7',
              unterminated: [],
            },
            pciBusInfo: { pciDomain: 1, pciBus: 0x4f, pciDevice: 3, pciFunction: 1 },
            unfilled: [],
          },
        },
      ]);
      assertClean(state, {});
    },
  }),

  scenario({
    name: 'memory as configured; heapUsage grows by what this process allocated, and shrinks when it is freed',
    config: {
      devices: [
        {
          heaps: [
            { size: 64 * 2 ** 30, flags: 1, budget: 60 * 2 ** 30, usage: 2 ** 30 },
            { size: 16 * 2 ** 30, budget: 8 * 2 ** 30 },
          ],
          types: [{ flags: 0x101 }, { flags: 0x1 }, { flags: 0x6, heap: 1 }],
          memoryTypeBits: 0b101,
        },
      ],
    },
    lavapipe: CONFIGURED,
    run(vk) {
      return withInstance(vk, ([gpu]) => {
        const read = () => vk.getMemoryProperties(gpu!, { properties2: true, budget: true });
        const before = read();
        const core10 = vk.getMemoryProperties(gpu!, { properties2: false, budget: true });
        const device = rdmaDevice(vk, gpu!);
        const { buffer, memory, requirements } = boundExportBuffer(vk, device, MiB);
        const allocated = read();
        vk.destroyBuffer(device, buffer);
        vk.freeMemory(device, memory);
        vk.destroyDevice(device);
        return { before, core10, requirements, allocated, after: read() };
      });
    },
    check(seen, state) {
      const heaps = (usage0: bigint, budget: boolean) => [
        {
          size: 64n * GiB,
          flags: 1,
          budget: budget ? 60n * GiB : null,
          usage: budget ? usage0 : null,
        },
        { size: 16n * GiB, flags: 0, budget: budget ? 8n * GiB : null, usage: budget ? 0n : null },
      ];
      const memory = (usage0: bigint, budget = true) => ({
        memoryTypeCount: 3,
        memoryHeapCount: 2,
        memoryTypes: [
          { propertyFlags: 0x101, heapIndex: 0 },
          { propertyFlags: 0x1, heapIndex: 0 },
          { propertyFlags: 0x6, heapIndex: 1 },
        ],
        memoryHeaps: heaps(usage0, budget),
        budgetUnfilled: false,
      });
      assert.deepEqual(seen.before, memory(GiB));
      assert.deepEqual(seen.core10, memory(0n, false), 'Vulkan 1.0 has no budgets');
      assert.equal(seen.requirements.memoryTypeBits, 0b101);
      assert.deepEqual(seen.allocated, memory(GiB + MiB));
      assert.deepEqual(seen.after, memory(GiB));
      assertClean(state, { devices: 1, buffers: 1, memory: 1 });
    },
  }),

  scenario({
    name: 'RDMA export support as configured; other handle types get nothing; a malformed query is a violation',
    config: {
      devices: [
        {},
        { externalBuffer: { exportable: false, importable: true } },
        { externalBuffer: { dedicatedOnly: true } },
        { extensions: { rdma: false } },
        { externalBuffer: { exportable: false, dedicatedOnly: true } },
      ],
    },
    lavapipe: CONFIGURED,
    run(vk) {
      return withInstance(vk, (gpus) => ({
        rdma: gpus.map((gpu) => vk.getExternalBufferProperties(gpu, TRANSFER, RDMA_HANDLE)),
        opaqueFd: vk.getExternalBufferProperties(gpus[0]!, TRANSFER, 0x1),
        malformed: vk.getExternalBufferProperties(gpus[0]!, 0, 0x3),
      }));
    },
    check(seen, state) {
      const answer = (features: number, compatible = RDMA_HANDLE) => ({
        externalMemoryFeatures: features,
        exportFromImportedHandleTypes: 0,
        compatibleHandleTypes: compatible,
      });
      // EXPORTABLE 0x2, IMPORTABLE 0x4, DEDICATED_ONLY 0x1 (only with another feature).
      assert.deepEqual(seen.rdma, [answer(0x2), answer(0x4), answer(0x3), answer(0, 0), answer(0)]);
      assert.deepEqual(seen.opaqueFd, answer(0, 0));
      assert.deepEqual(seen.malformed, answer(0, 0));
      assert.deepEqual(
        state?.violations ?? [],
        state && [
          'VUID-VkPhysicalDeviceExternalBufferInfo-usage-requiredbitmask: vkGetPhysicalDeviceExternalBufferProperties: usage is 0',
          'VUID-VkPhysicalDeviceExternalBufferInfo-handleType-parameter: vkGetPhysicalDeviceExternalBufferProperties: handleType 0x3 is not one VkExternalMemoryHandleTypeFlagBits value',
        ],
      );
    },
  }),

  scenario({
    name: 'the externalMemoryRDMA feature as configured; without the extension it is left unanswered (a violation)',
    config: { devices: [{}, { externalMemoryRDMA: false }, { extensions: { rdma: false } }] },
    lavapipe: CONFIGURED,
    run(vk) {
      return withInstance(vk, (gpus) => gpus.map((gpu) => vk.getExternalMemoryRDMAFeature(gpu)));
    },
    check(seen, state) {
      assert.deepEqual(seen, [true, false, null]);
      assert.deepEqual(
        state?.violations ?? [],
        state && [
          'VUID-vkGetPhysicalDeviceFeatures2-pFeatures-parameter: vkGetPhysicalDeviceFeatures2: VkPhysicalDeviceExternalMemoryRDMAFeaturesNV needs VK_NV_external_memory_rdma, which is not supported; left untouched',
        ],
      );
    },
  }),

  scenario({
    name: 'structures of versions or extensions a GPU lacks are left unfilled and named, each a violation',
    config: {
      devices: [
        { apiVersion: '1.1.0', extensions: { pciBusInfo: false, memoryBudget: false } },
        { apiVersion: '1.0.0' },
      ],
    },
    lavapipe: CONFIGURED,
    run(vk) {
      return withInstance(vk, (gpus) => {
        // The loader lists GPUs with a PCI address first: find each by its version.
        const [old, older] = [VK_API_VERSION_1_1, makeApiVersion(1, 0, 0)].map(
          (version) => gpus.find((gpu) => vk.getBasicProperties(gpu).apiVersion === version)!,
        );
        return {
          order: gpus.map((gpu) => vk.getBasicProperties(gpu).apiVersion),
          properties: vk.getProperties(old!, { driverProperties: true, pciBusInfo: true }),
          memory: vk.getMemoryProperties(old!, { properties2: true, budget: true }),
          core10: vk.getProperties(older!, { driverProperties: false, pciBusInfo: false }),
        };
      });
    },
    check(seen, state) {
      assert.deepEqual(seen.order, [makeApiVersion(1, 0, 0), VK_API_VERSION_1_1]);
      assert.ok(seen.properties.ids, 'Vulkan 1.1 has the IDs');
      assert.equal(seen.properties.driver, null);
      assert.equal(seen.properties.pciBusInfo, null);
      assert.deepEqual(seen.properties.unfilled, [
        'VkPhysicalDeviceDriverProperties',
        'VkPhysicalDevicePCIBusInfoPropertiesEXT',
      ]);
      assert.equal(seen.memory.budgetUnfilled, true);
      assert.ok(
        seen.memory.memoryHeaps.every((heap) => heap.budget === null && heap.usage === null),
      );
      assert.deepEqual(seen.core10, {
        ids: null,
        driver: null,
        pciBusInfo: null,
        unfilled: ['VkPhysicalDeviceIDProperties'],
      });
      assert.deepEqual(
        state?.violations ?? [],
        state && [
          'VUID-VkPhysicalDeviceProperties2-pNext-pNext: vkGetPhysicalDeviceProperties2: VkPhysicalDeviceDriverProperties needs Vulkan 1.2, the device has 1.1',
          'VUID-VkPhysicalDeviceProperties2-pNext-pNext: vkGetPhysicalDeviceProperties2: VkPhysicalDevicePCIBusInfoPropertiesEXT needs VK_EXT_pci_bus_info, which is not supported; left untouched',
          'VUID-VkPhysicalDeviceMemoryProperties2-pNext-pNext: vkGetPhysicalDeviceMemoryProperties2: VkPhysicalDeviceMemoryBudgetPropertiesEXT needs VK_EXT_memory_budget, which is not supported; left untouched',
          'VUID-VkPhysicalDeviceProperties2-pNext-pNext: vkGetPhysicalDeviceProperties2: VkPhysicalDeviceIDProperties needs Vulkan 1.1, the device has 1.0',
        ],
      );
    },
  }),

  scenario({
    name: "GPUs in the loader's order: by type, those with a PCI address first and by address, then by IDs",
    config: {
      devices: [
        { name: 'gpu 0', deviceType: 4, pci: { bus: 1 } },
        { name: 'gpu 1', pci: { bus: 0x20 } },
        { name: 'gpu 2', deviceType: 1, pci: { bus: 2 } },
        { name: 'gpu 3', pci: { bus: 0x10 } },
        { name: 'gpu 4', extensions: { pciBusInfo: false } },
        { name: 'gpu 5', deviceID: 1, extensions: { pciBusInfo: false } },
        { name: 'gpu 6', pci: { domain: 0, bus: 0x10, device: 1 } },
      ],
    },
    lavapipe: CONFIGURED,
    run(vk) {
      return withInstance(vk, (gpus) => gpus.map((gpu) => vk.getBasicProperties(gpu).deviceName));
    },
    check(seen, state) {
      // Discrete (by address: 10:00, 10:01, 20:00; then without one, deviceID ^ vendorID
      // ascending), integrated, CPU.
      assert.deepEqual(seen, ['gpu 3', 'gpu 6', 'gpu 1', 'gpu 5', 'gpu 4', 'gpu 2', 'gpu 0']);
      assertClean(state, {});
    },
  }),

  scenario({
    name: 'the allocation flow: the configured remote address, everything freed, no rule broken',
    config: { devices: [{ remoteAddress: '0x7f00deadb000' }] },
    lavapipe: CONFIGURED,
    run(vk) {
      return withInstance(vk, ([gpu]) => {
        const queues = vk.getQueueFamilies(gpu!);
        const device = rdmaDevice(vk, gpu!);
        const { buffer, memory, requirements } = boundExportBuffer(vk, device, 1000n);
        const address = vk.getMemoryRemoteAddress(device, memory, RDMA_HANDLE);
        vk.destroyBuffer(device, buffer);
        vk.freeMemory(device, memory);
        vk.destroyDevice(device);
        const destroyed = attempt(() =>
          vk.createBuffer(device, { size: 1n, usage: TRANSFER, externalHandleTypes: 0 }),
        );
        const handles = [device, buffer, memory];
        return {
          queues,
          distinct: new Set(handles).size,
          nonZero: !handles.includes(0n),
          requirements,
          address,
          destroyed,
        };
      });
    },
    check(seen, state) {
      assert.deepEqual(seen.queues, [{ queueFlags: 0x7, queueCount: 1 }]);
      assert.equal(seen.distinct, 3);
      assert.ok(seen.nonZero, 'a NULL handle');
      assert.deepEqual(seen.requirements, {
        size: 65536n,
        alignment: 65536n,
        memoryTypeBits: 1,
        prefersDedicatedAllocation: false,
        requiresDedicatedAllocation: false,
      });
      assert.equal(seen.address, 0x7f00deadb000n);
      assertFailed(seen.destroyed, {
        name: 'TypeError',
        message: 'not a device created by this binding',
      });
      assertClean(state, { devices: 1, buffers: 1, memory: 1 });
      if (!state) return;
      assert.deepEqual(state.lastInstance, { apiVersion: '1.3.0', extensions: [] });
      assert.deepEqual(state.lastDevice, {
        device: 0,
        extensions: [Extension.EXTERNAL_MEMORY_RDMA],
        externalMemoryRDMA: true,
        rdmaFeaturesChained: true,
        queueCreateInfoCount: 1,
      });
      assert.deepEqual(state.lastAllocation, {
        device: 0,
        memoryTypeIndex: 0,
        allocationSize: 65536,
        exportHandleTypes: RDMA_HANDLE,
        dedicated: false,
      });
    },
  }),

  scenario({
    name: 'dedicated allocations: required by an exported buffer, or by DEDICATED_ONLY; both bind cleanly',
    config: {
      devices: [
        { requiresDedicatedAllocation: true, alignment: 4096 },
        { externalBuffer: { dedicatedOnly: true } },
      ],
    },
    lavapipe: CONFIGURED,
    run(vk) {
      return withInstance(vk, (gpus) =>
        gpus.map((gpu) => {
          const device = rdmaDevice(vk, gpu);
          const exported = vk.createBuffer(device, {
            size: 5000n,
            usage: TRANSFER,
            externalHandleTypes: RDMA_HANDLE,
          });
          const plain = vk.createBuffer(device, {
            size: 5000n,
            usage: TRANSFER,
            externalHandleTypes: 0,
          });
          const requirements = vk.getBufferMemoryRequirements(device, exported);
          const plainRequirements = vk.getBufferMemoryRequirements(device, plain);
          const memory = vk.allocateMemory(device, {
            size: requirements.size,
            memoryTypeIndex: 0,
            exportHandleTypes: RDMA_HANDLE,
            dedicatedBuffer: exported,
          });
          vk.bindBufferMemory(device, exported, memory);
          const address = vk.getMemoryRemoteAddress(device, memory, RDMA_HANDLE);
          vk.destroyBuffer(device, plain);
          vk.destroyBuffer(device, exported);
          vk.freeMemory(device, memory);
          vk.destroyDevice(device);
          return { requirements, plainRequirements, address };
        }),
      );
    },
    check(seen, state) {
      const requirements = (size: bigint, alignment: bigint, dedicated: boolean) => ({
        size,
        alignment,
        memoryTypeBits: 1,
        prefersDedicatedAllocation: dedicated,
        requiresDedicatedAllocation: dedicated,
      });
      assert.deepEqual(seen, [
        {
          requirements: requirements(8192n, 4096n, true),
          plainRequirements: requirements(8192n, 4096n, false),
          address: 0x7f0000001000n,
        },
        {
          requirements: requirements(65536n, 65536n, false),
          plainRequirements: requirements(65536n, 65536n, false),
          address: 0x7f0000001000n,
        },
      ]);
      assertClean(state, { devices: 2, buffers: 4, memory: 2 });
      assert.equal(state?.lastAllocation?.dedicated ?? true, true);
    },
  }),

  scenario({
    name: 'misuse on the allocation path: the VkResult the driver gives, each rule broken recorded, leftovers counted',
    config: {},
    lavapipe: CONFIGURED,
    run(vk) {
      return withInstance(vk, ([gpu]) => {
        const device = rdmaDevice(vk, gpu!);
        const size = 65536n;
        const allocate = (
          exportHandleTypes: number,
          extra: { memoryTypeIndex?: number; dedicatedBuffer?: bigint; size?: bigint } = {},
        ) =>
          attempt(() =>
            vk.allocateMemory(device, {
              size: extra.size ?? size,
              memoryTypeIndex: extra.memoryTypeIndex ?? 0,
              exportHandleTypes,
              dedicatedBuffer: extra.dedicatedBuffer ?? null,
            }),
          );
        const emptyBuffer = attempt(() =>
          vk.createBuffer(device, { size: 0n, usage: TRANSFER, externalHandleTypes: RDMA_HANDLE }),
        );
        const exportedBuffer = vk.createBuffer(device, {
          size,
          usage: TRANSFER,
          externalHandleTypes: RDMA_HANDLE,
        });
        const plainBuffer = vk.createBuffer(device, {
          size,
          usage: TRANSFER,
          externalHandleTypes: 0,
        });
        const noSuchType = allocate(RDMA_HANDLE, { memoryTypeIndex: 3 });
        const plain = assertOk(allocate(0), 'plain allocation');
        const plainAddress = attempt(() => vk.getMemoryRemoteAddress(device, plain, RDMA_HANDLE));
        const firstBind = attempt(() => vk.bindBufferMemory(device, exportedBuffer, plain));
        const secondBind = attempt(() => vk.bindBufferMemory(device, exportedBuffer, plain));
        const exported = assertOk(allocate(RDMA_HANDLE), 'exported allocation');
        const wrongBuffer = attempt(() => vk.bindBufferMemory(device, plainBuffer, exported));
        const wrongSize = allocate(0, { dedicatedBuffer: plainBuffer, size: 1n });
        const wrongHandleType = attempt(() => vk.getMemoryRemoteAddress(device, exported, 0x1));
        const strangerAddress = attempt(() =>
          vk.getMemoryRemoteAddress(device, 0xdead0n, RDMA_HANDLE),
        );
        vk.destroyBuffer(device, plainBuffer);
        vk.destroyBuffer(device, plainBuffer);
        const goneRequirements = vk.getBufferMemoryRequirements(device, plainBuffer);
        vk.freeMemory(device, 0xdead0n);
        vk.destroyDevice(device);
        return {
          emptyBuffer,
          noSuchType,
          plainAddress,
          firstBind,
          secondBind,
          wrongBuffer,
          wrongSize,
          wrongHandleType,
          strangerAddress,
          goneRequirements,
        };
      });
    },
    check(seen, state) {
      const invalid = VK_ERROR_VALIDATION_FAILED_EXT;
      assertFailed(seen.emptyBuffer, vulkanError('vkCreateBuffer', invalid));
      assertFailed(seen.noSuchType, vulkanError('vkAllocateMemory', invalid));
      assertFailed(
        seen.plainAddress,
        vulkanError('vkGetMemoryRemoteAddressNV', VK_ERROR_INVALID_EXTERNAL_HANDLE),
      );
      assertOk(seen.firstBind, 'first bind');
      assertFailed(seen.secondBind, vulkanError('vkBindBufferMemory', invalid));
      assertFailed(seen.wrongBuffer, vulkanError('vkBindBufferMemory', invalid));
      assertFailed(seen.wrongSize, vulkanError('vkAllocateMemory', invalid));
      assertFailed(
        seen.wrongHandleType,
        vulkanError('vkGetMemoryRemoteAddressNV', VK_ERROR_INVALID_EXTERNAL_HANDLE),
      );
      assertFailed(
        seen.strangerAddress,
        vulkanError('vkGetMemoryRemoteAddressNV', VK_ERROR_INVALID_EXTERNAL_HANDLE),
      );
      assert.deepEqual(seen.goneRequirements, {
        size: 0n,
        alignment: 0n,
        memoryTypeBits: 0,
        prefersDedicatedAllocation: false,
        requiresDedicatedAllocation: false,
      });
      if (!state) return;
      assert.deepEqual(ids(state), [
        'VUID-VkBufferCreateInfo-size-00912',
        'VUID-vkAllocateMemory-pAllocateInfo-01714',
        'VUID-VkMemoryGetRemoteAddressInfoNV-handleType-04966',
        'VUID-vkBindBufferMemory-buffer-07459',
        'VUID-vkBindBufferMemory-memory-02726',
        'VUID-VkMemoryDedicatedAllocateInfo-buffer-01435',
        'VUID-VkMemoryGetRemoteAddressInfoNV-handleType-04966',
        'VUID-VkMemoryGetRemoteAddressInfoNV-memory-parameter',
        'VUID-vkDestroyBuffer-buffer-parameter',
        'VUID-VkBufferMemoryRequirementsInfo2-buffer-parameter',
        'VUID-vkFreeMemory-memory-parameter',
        'VUID-vkDestroyDevice-device-00378',
      ]);
      assert.match(
        state.violations.at(-1)!,
        /1 VkBuffer\(s\) and 2 VkDeviceMemory\(s\) still alive$/,
      );
      // What the device still owned is gone with it, but counted as leaked.
      assert.deepEqual(state.live, { instances: 0, devices: 0, buffers: 1, memory: 2 });
    },
  }),

  scenario({
    name: 'the RDMA feature on the device: refused where it cannot be enabled, and exporting needs it enabled',
    config: {
      devices: [
        { types: [{ flags: 0x101 }, { flags: 0x1 }] },
        { externalMemoryRDMA: false },
        { externalBuffer: { exportable: false } },
      ],
    },
    lavapipe: CONFIGURED,
    run(vk) {
      return withInstance(vk, ([gpu, featureless, unexportable]) => {
        const device = (
          target: DispatchableHandle,
          enableExternalMemoryRDMA: boolean,
          queueFamilyIndex = 0,
        ) =>
          vk.createDevice(target, {
            queueFamilyIndex,
            enabledExtensions: [Extension.EXTERNAL_MEMORY_RDMA],
            enableExternalMemoryRDMA,
          });
        const refused = [
          attempt(() => device(gpu!, true, 1)),
          attempt(() =>
            vk.createDevice(gpu!, {
              queueFamilyIndex: 0,
              enabledExtensions: [],
              enableExternalMemoryRDMA: true,
            }),
          ),
          attempt(() => device(featureless!, true)),
        ];
        const exportIn = (target: DispatchableHandle, enable: boolean, memoryTypeIndex: number) => {
          const handle = device(target, enable);
          const buffer = attempt(() =>
            vk.createBuffer(handle, {
              size: 65536n,
              usage: TRANSFER,
              externalHandleTypes: RDMA_HANDLE,
            }),
          );
          const memory = attempt(() =>
            vk.allocateMemory(handle, {
              size: 65536n,
              memoryTypeIndex,
              exportHandleTypes: RDMA_HANDLE,
              dedicatedBuffer: null,
            }),
          );
          if ('ok' in buffer) vk.destroyBuffer(handle, buffer.ok);
          if ('ok' in memory) vk.freeMemory(handle, memory.ok);
          vk.destroyDevice(handle);
          return {
            buffer: 'ok' in buffer ? 'ok' : buffer.error,
            memory: 'ok' in memory ? 'ok' : memory.error,
          };
        };
        return {
          refused,
          withoutFeature: exportIn(gpu!, false, 0),
          plainType: exportIn(gpu!, true, 1),
          unexportable: exportIn(unexportable!, true, 0),
        };
      });
    },
    check(seen, state) {
      const { VK_ERROR_INITIALIZATION_FAILED, VK_ERROR_FEATURE_NOT_PRESENT } = VkResult;
      assertFailed(seen.refused[0]!, vulkanError('vkCreateDevice', VK_ERROR_INITIALIZATION_FAILED));
      assertFailed(seen.refused[1]!, vulkanError('vkCreateDevice', VK_ERROR_FEATURE_NOT_PRESENT));
      assertFailed(seen.refused[2]!, vulkanError('vkCreateDevice', VK_ERROR_FEATURE_NOT_PRESENT));
      const failed = (outcome: unknown, call: string, result: number) =>
        assertFailed({ error: outcome as ErrorRecord }, vulkanError(call, result), call);
      failed(seen.withoutFeature.buffer, 'vkCreateBuffer', VK_ERROR_FEATURE_NOT_PRESENT);
      failed(seen.withoutFeature.memory, 'vkAllocateMemory', VK_ERROR_FEATURE_NOT_PRESENT);
      assert.equal(seen.plainType.buffer, 'ok');
      failed(seen.plainType.memory, 'vkAllocateMemory', VK_ERROR_INVALID_EXTERNAL_HANDLE);
      assert.equal(seen.unexportable.buffer, 'ok');
      failed(seen.unexportable.memory, 'vkAllocateMemory', VK_ERROR_INVALID_EXTERNAL_HANDLE);
      if (!state) return;
      assert.deepEqual(ids(state), [
        'VUID-VkDeviceQueueCreateInfo-queueFamilyIndex-00381',
        'VUID-VkDeviceCreateInfo-pNext-pNext',
        'ICD-vkCreateDevice-feature-not-supported',
        'ICD-externalMemoryRDMA-not-enabled',
        'ICD-externalMemoryRDMA-not-enabled',
        'ICD-rdma-export-needs-rdma-capable-type',
        'VUID-VkExportMemoryAllocateInfo-handleTypes-00656',
      ]);
      assert.deepEqual(state.live, noObjects);
      assert.deepEqual(state.created, { instances: 1, devices: 3, buffers: 2, memory: 0 });
    },
  }),

  scenario({
    name: "budgets: past the heap's budget is VK_ERROR_OUT_OF_DEVICE_MEMORY; past its size, also a violation",
    config: { devices: [{ heaps: [{ size: 2 ** 30, flags: 1, budget: 256 * 2 ** 20 }] }] },
    lavapipe: CONFIGURED,
    run(vk) {
      return withInstance(vk, ([gpu]) => {
        const device = rdmaDevice(vk, gpu!);
        const allocate = (size: bigint) =>
          attempt(() =>
            vk.allocateMemory(device, {
              size,
              memoryTypeIndex: 0,
              exportHandleTypes: RDMA_HANDLE,
              dedicatedBuffer: null,
            }),
          );
        const outcomes = [
          allocate(512n * MiB),
          allocate(2n * GiB),
          allocate(128n * MiB),
          allocate(128n * MiB),
          allocate(MiB),
        ];
        for (const outcome of outcomes) if ('ok' in outcome) vk.freeMemory(device, outcome.ok);
        vk.destroyDevice(device);
        return outcomes.map((outcome) => ('ok' in outcome ? 'ok' : outcome.error));
      });
    },
    check(seen, state) {
      const oom = vulkanError('vkAllocateMemory', VkResult.VK_ERROR_OUT_OF_DEVICE_MEMORY);
      assert.equal(seen[2], 'ok');
      assert.equal(seen[3], 'ok', 'exactly up to the budget');
      for (const i of [0, 1, 4])
        assertFailed({ error: seen[i] as ErrorRecord }, oom, `allocation ${i}`);
      if (!state) return;
      assert.deepEqual(state.violations, [
        'VUID-vkAllocateMemory-pAllocateInfo-01713: vkAllocateMemory: allocationSize 2147483648 is larger than heap 0 (1073741824)',
      ]);
      assert.deepEqual(state.live, noObjects);
      assert.equal(state.created.memory, 2);
      assert.equal(state.lastAllocation?.allocationSize, 2 ** 20);
    },
  }),

  scenario({
    name: 'faults on the device path: the VkResult configured, on the device named, after skip, count times',
    config: {
      devices: [{}, {}],
      faults: [
        { call: 'vkCreateDevice', result: 'VK_ERROR_DEVICE_LOST', device: 1 },
        { call: 'vkCreateBuffer', result: 'VK_ERROR_OUT_OF_DEVICE_MEMORY', skip: 1, count: 1 },
        { call: 'vkAllocateMemory', result: -10, count: 1 },
        { call: 'vkBindBufferMemory', result: 'VK_ERROR_OUT_OF_HOST_MEMORY', device: 0, count: 1 },
        {
          call: 'vkGetMemoryRemoteAddressNV',
          result: 'VK_ERROR_INVALID_EXTERNAL_HANDLE',
          count: 1,
        },
        { call: 'vkDeviceWaitIdle', result: 'VK_ERROR_DEVICE_LOST' },
      ],
    },
    lavapipe: CONFIGURED,
    run(vk) {
      return withInstance(vk, ([first, second]) => {
        const lost = attempt(() => rdmaDevice(vk, second!));
        const device = rdmaDevice(vk, first!);
        const buffer = () =>
          attempt(() =>
            vk.createBuffer(device, {
              size: 65536n,
              usage: TRANSFER,
              externalHandleTypes: RDMA_HANDLE,
            }),
          );
        const buffers = [buffer(), buffer(), buffer()];
        const allocate = () =>
          attempt(() =>
            vk.allocateMemory(device, {
              size: 65536n,
              memoryTypeIndex: 0,
              exportHandleTypes: RDMA_HANDLE,
              dedicatedBuffer: null,
            }),
          );
        const memories = [allocate(), allocate()];
        const memory = assertOk(memories[1]!, 'second allocation');
        const target = assertOk(buffers[0]!, 'first buffer');
        const binds = [
          attempt(() => vk.bindBufferMemory(device, target, memory)),
          attempt(() => vk.bindBufferMemory(device, target, memory)),
        ];
        const addresses = [
          attempt(() => vk.getMemoryRemoteAddress(device, memory, RDMA_HANDLE)),
          attempt(() => vk.getMemoryRemoteAddress(device, memory, RDMA_HANDLE)),
        ];
        for (const outcome of buffers) if ('ok' in outcome) vk.destroyBuffer(device, outcome.ok);
        vk.freeMemory(device, memory);
        vk.destroyDevice(device);
        const okOrFailed = (outcome: Attempt<unknown>) => ('ok' in outcome ? 'ok' : outcome.error);
        return {
          lost,
          buffers: buffers.map(okOrFailed),
          memories: memories.map(okOrFailed),
          binds: binds.map(okOrFailed),
          addresses: addresses.map(okOrFailed),
        };
      });
    },
    check(seen, state) {
      assertFailed(seen.lost, vulkanError('vkCreateDevice', VkResult.VK_ERROR_DEVICE_LOST));
      const failed = (call: string, result: number) => ({
        name: 'VulkanCallError',
        message: `${call} failed: ${Object.entries(VkResult).find(([, v]) => v === result)![0]}`,
        call,
        result,
      });
      assert.deepEqual(seen.buffers, ['ok', failed('vkCreateBuffer', -2), 'ok']);
      assert.deepEqual(seen.memories, [failed('vkAllocateMemory', -10), 'ok']);
      assert.deepEqual(seen.binds, [failed('vkBindBufferMemory', -1), 'ok']);
      assert.deepEqual(seen.addresses, [
        failed('vkGetMemoryRemoteAddressNV', VK_ERROR_INVALID_EXTERNAL_HANDLE),
        'ok',
      ]);
      assertClean(state, { devices: 1, buffers: 2, memory: 1 });
    },
  }),

  scenario({
    name: 'vkCreateInstance failing: VK_ERROR_OUT_OF_HOST_MEMORY passes through the loader, anything else reads as no driver',
    config: {
      faults: [
        { call: 'vkCreateInstance', result: 'VK_ERROR_OUT_OF_HOST_MEMORY', count: 1 },
        { call: 'vkCreateInstance', result: 'VK_ERROR_DEVICE_LOST', skip: 1, count: 1 },
      ],
    },
    lavapipe: CONFIGURED,
    run(vk) {
      const attempts = [
        attempt(() => createInstance(vk)),
        attempt(() => createInstance(vk)),
        attempt(() => createInstance(vk)),
      ];
      for (const outcome of attempts) if ('ok' in outcome) vk.destroyInstance(outcome.ok);
      return attempts.map((outcome) => ('ok' in outcome ? 'ok' : outcome.error));
    },
    check(seen, state) {
      assertFailed(
        { error: seen[0] as ErrorRecord },
        vulkanError('vkCreateInstance', VkResult.VK_ERROR_OUT_OF_HOST_MEMORY),
      );
      assertFailed(
        { error: seen[1] as ErrorRecord },
        vulkanError('vkCreateInstance', VkResult.VK_ERROR_INCOMPATIBLE_DRIVER),
      );
      assert.equal(seen[2], 'ok');
      assertClean(state, {});
    },
  }),

  scenario({
    name: 'vkEnumeratePhysicalDevices failing on every call: its VkResult, the instance still destroyed',
    config: {
      faults: [{ call: 'vkEnumeratePhysicalDevices', result: 'VK_ERROR_INITIALIZATION_FAILED' }],
    },
    lavapipe: CONFIGURED,
    run(vk) {
      return attempt(() => withInstance(vk, (gpus) => gpus.length));
    },
    check(seen, state) {
      assertFailed(
        seen,
        vulkanError('vkEnumeratePhysicalDevices', VkResult.VK_ERROR_INITIALIZATION_FAILED),
      );
      assertClean(state, {});
    },
  }),

  scenario({
    name: 'vkEnumerateDeviceExtensionProperties failing on every call: each GPU fails with its VkResult',
    config: {
      devices: [{}, {}],
      faults: [{ call: 'vkEnumerateDeviceExtensionProperties', result: 'VK_ERROR_DEVICE_LOST' }],
    },
    lavapipe: CONFIGURED,
    run(vk) {
      return withInstance(vk, (gpus) =>
        gpus.map((gpu) => attempt(() => vk.enumerateDeviceExtensions(gpu))),
      );
    },
    check(seen, state) {
      assert.equal(seen.length, 2);
      for (const outcome of seen) {
        assertFailed(
          outcome,
          vulkanError('vkEnumerateDeviceExtensionProperties', VkResult.VK_ERROR_DEVICE_LOST),
        );
      }
      assertClean(state, {});
    },
  }),

  scenario({
    name: 'a command the loader needs is hidden: no driver, and the instance the loader made of it is left alive',
    config: { hiddenCommands: ['vkGetPhysicalDeviceQueueFamilyProperties'] },
    lavapipe: CONFIGURED,
    run(vk) {
      return attempt(() => createInstance(vk));
    },
    check(seen, state) {
      assertFailed(seen, vulkanError('vkCreateInstance', VkResult.VK_ERROR_INCOMPATIBLE_DRIVER));
      if (!state) return;
      assert.deepEqual(state.violations, []);
      assert.deepEqual(state.live, { ...noObjects, instances: 1 });
      assert.deepEqual(state.created, { ...noObjects, instances: 1 });
    },
  }),

  scenario({
    name: 'vkCreateInstance hidden: no driver, and nothing created',
    config: { hiddenCommands: ['vkCreateInstance'] },
    lavapipe: CONFIGURED,
    run(vk) {
      return attempt(() => createInstance(vk));
    },
    check(seen, state) {
      assertFailed(seen, vulkanError('vkCreateInstance', VkResult.VK_ERROR_INCOMPATIBLE_DRIVER));
      assertClean(state, { instances: 0 });
      assert.equal(state?.lastInstance ?? null, null);
    },
  }),

  scenario({
    name: 'Vulkan 1.1 queries the driver hides: the loader answers from 1.0 and fills no chained structure',
    config: {
      hiddenCommands: [
        'vkGetPhysicalDeviceProperties2',
        'vkGetPhysicalDeviceFeatures2',
        'vkGetPhysicalDeviceMemoryProperties2',
        'vkGetPhysicalDeviceExternalBufferProperties',
      ],
    },
    lavapipe: CONFIGURED,
    run(vk) {
      return withInstance(vk, ([gpu]) => ({
        properties: vk.getProperties(gpu!, { driverProperties: true, pciBusInfo: true }),
        feature: vk.getExternalMemoryRDMAFeature(gpu!),
        memory: vk.getMemoryProperties(gpu!, { properties2: true, budget: true }),
        external: vk.getExternalBufferProperties(gpu!, TRANSFER, RDMA_HANDLE),
      }));
    },
    check(seen, state) {
      assert.deepEqual(seen.properties, {
        ids: null,
        driver: null,
        pciBusInfo: null,
        unfilled: [
          'VkPhysicalDeviceIDProperties',
          'VkPhysicalDeviceDriverProperties',
          'VkPhysicalDevicePCIBusInfoPropertiesEXT',
        ],
      });
      assert.equal(seen.feature, null);
      assert.deepEqual(seen.memory, {
        memoryTypeCount: 1,
        memoryHeapCount: 1,
        memoryTypes: [{ propertyFlags: 0x101, heapIndex: 0 }],
        memoryHeaps: [{ size: 80n * GiB, flags: 1, budget: null, usage: null }],
        budgetUnfilled: true,
      });
      assert.deepEqual(seen.external, {
        externalMemoryFeatures: 0,
        exportFromImportedHandleTypes: 0,
        compatibleHandleTypes: 0,
      });
      assertClean(state, {});
    },
  }),

  scenario({
    name: 'device commands the driver hides: createDevice names the first NULL one and the others, and destroys the device',
    config: { hiddenCommands: ['vkAllocateMemory', 'vkBindBufferMemory'] },
    lavapipe: CONFIGURED,
    run(vk) {
      return withInstance(vk, ([gpu]) => attempt(() => rdmaDevice(vk, gpu!)));
    },
    check(seen, state) {
      assertFailed(seen, {
        name: 'MissingEntryPointError',
        resolver: 'vkGetDeviceProcAddr',
        call: 'vkAllocateMemory',
        message:
          'vkGetDeviceProcAddr returned NULL for vkAllocateMemory: the device was destroyed before anything was allocated (also vkBindBufferMemory)',
      });
      assertClean(state, { devices: 1 });
    },
  }),

  scenario({
    name: 'vkGetMemoryRemoteAddressNV hidden on a device with VK_NV_external_memory_rdma: createDevice names it, and the device is destroyed at once',
    config: { hiddenCommands: ['vkGetMemoryRemoteAddressNV'] },
    lavapipe: 'lavapipe has no VK_NV_external_memory_rdma, and hides none of its commands',
    run(vk) {
      return withInstance(vk, ([gpu]) => attempt(() => rdmaDevice(vk, gpu!)));
    },
    check(seen, state) {
      assertFailed(seen, {
        name: 'MissingEntryPointError',
        resolver: 'vkGetDeviceProcAddr',
        call: 'vkGetMemoryRemoteAddressNV',
        message:
          'vkGetDeviceProcAddr returned NULL for vkGetMemoryRemoteAddressNV: the device was destroyed before anything was allocated',
      });
      assertClean(state, { devices: 1 });
      assert.deepEqual(
        state?.deviceCalls ?? null,
        state && { vkCreateDevice: 1, vkDestroyDevice: 1 },
        'more than creating and destroying the device',
      );
      assert.deepEqual(
        state?.lastDevice ?? null,
        state && {
          device: 0,
          extensions: ['VK_NV_external_memory_rdma'],
          externalMemoryRDMA: true,
          rdmaFeaturesChained: true,
          queueCreateInfoCount: 1,
        },
      );
    },
  }),

  scenario({
    name: 'extension lists the loader rewrites: a name twice is VK_INCOMPLETE forever, endless VK_INCOMPLETE is no extension',
    config: {
      devices: [
        { quirks: { duplicateExtensions: true } },
        { extraExtensions: ['VK_KHR_a', 'VK_KHR_b'], quirks: { duplicateExtensions: true } },
        {
          extensions: { rdma: false, memoryBudget: false, pciBusInfo: false },
          quirks: { duplicateExtensions: true },
        },
        { quirks: { extensionsIncomplete: true } },
      ],
    },
    lavapipe: CONFIGURED,
    run(vk) {
      return withInstance(vk, (gpus) =>
        gpus.map((gpu) => attempt(() => vk.enumerateDeviceExtensions(gpu))),
      );
    },
    check(seen, state) {
      const endless = (last: number) => ({
        name: 'DriverOutputError',
        call: 'vkEnumerateDeviceExtensionProperties',
        message: `vkEnumerateDeviceExtensionProperties returned VK_INCOMPLETE 4 times in a row (the count never settled; last ${last})`,
      });
      // The GPU without a PCI address comes last in the loader's order.
      assertFailed(seen[0]!, endless(3));
      assertFailed(seen[1]!, endless(5));
      assert.deepEqual(assertOk(seen[2]!), []);
      assert.deepEqual(assertOk(seen[3]!), [], 'nothing is listed twice when nothing is listed');
      assertClean(state, {});
    },
  }),

  scenario({
    name: 'quirks: counts past the arrays, a memory type in no heap, strings that fill their arrays',
    config: {
      devices: [
        { quirks: { memoryTypeCount: 40, memoryHeapCount: 17 } },
        { types: [{ flags: 0x101 }, { flags: 0x1 }], quirks: { heapIndexOutOfRange: true } },
        { name: 'Long GPU', quirks: { unterminatedStrings: true } },
      ],
    },
    lavapipe: CONFIGURED,
    run(vk) {
      return withInstance(vk, (gpus) =>
        gpus.map((gpu) => ({
          basic: vk.getBasicProperties(gpu),
          extensions: vk.enumerateDeviceExtensions(gpu),
          driver: vk.getProperties(gpu, { driverProperties: true, pciBusInfo: false }).driver,
          memory: vk.getMemoryProperties(gpu, { properties2: true, budget: true }),
        })),
      );
    },
    check(seen, state) {
      const [counts, heapless, long] = seen;
      assert.equal(counts!.memory.memoryTypeCount, 40);
      assert.equal(counts!.memory.memoryHeapCount, 17);
      assert.equal(counts!.memory.memoryTypes.length, 32);
      assert.equal(counts!.memory.memoryHeaps.length, 16);
      assert.deepEqual(counts!.memory.memoryTypes.slice(0, 2), [
        { propertyFlags: 0x101, heapIndex: 0 },
        { propertyFlags: 0, heapIndex: 0 },
      ]);
      assert.deepEqual(counts!.memory.memoryHeaps.slice(0, 2), [
        { size: 80n * GiB, flags: 1, budget: 80000000000n, usage: 1000000n },
        { size: 0n, flags: 0, budget: 0n, usage: 0n },
      ]);
      assert.deepEqual(heapless!.memory.memoryTypes, [
        { propertyFlags: 0x101, heapIndex: 0 },
        { propertyFlags: 0x1, heapIndex: 1 },
      ]);
      assert.equal(long!.basic.deviceName, `Long GPU${'x'.repeat(248)}`);
      assert.equal(long!.basic.deviceNameTerminated, false);
      assert.deepEqual(long!.driver?.unterminated, ['driverName', 'driverInfo']);
      assert.equal(long!.driver?.driverName, `test-driver${'x'.repeat(245)}`);
      const last = long!.extensions.at(-1)!;
      assert.equal(last.extensionName, `VK_TEST_unterminated${'x'.repeat(236)}`);
      assert.equal(last.nameTerminated, false);
      assert.equal(long!.extensions.length, 4);
      assertClean(state, {});
    },
  }),
];

export const SCENARIOS: readonly Scenario[] = [...universal, ...configured];

export function scenarioNamed(name: string): Scenario {
  const found = SCENARIOS.find((s) => s.name === name);
  if (!found) throw new Error(`no contract scenario named ${JSON.stringify(name)}`);
  return found;
}
