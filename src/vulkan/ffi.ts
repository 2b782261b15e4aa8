/**
 * The real VulkanBinding: libvulkan.so.1 through koffi. This module and ffi-types.ts are
 * the only ones that import koffi (a lint rule enforces it). Everything it returns is
 * plain data; every koffi allocation is freed in `finally`.
 *
 * koffi habits that matter here (see the design notes):
 * - output structs that carry sType are encoded by us (sType, pNext) before the call,
 *   so the driver sees a valid chain; koffi.as() would lose the results of output chains;
 * - input pNext chains use koffi.as(object, 'Type *');
 * - 64-bit values decode to Number or BigInt: normalise with BigInt();
 * - never pass a plain Number where a pointer is expected: it is taken as an address.
 */
import koffi from 'koffi';
import { EnvironmentError, VulkanCallError } from '../errors.js';
import {
  DebugSeverity,
  DEBUG_MESSAGE_TYPES_ALL,
  StructureType,
  VK_INCOMPLETE,
} from './constants.js';
import type {
  AllocationOptions,
  BufferMemoryRequirements,
  BufferOptions,
  DebugMessage,
  DeviceOptions,
  DispatchableHandle,
  ExtensionProperties,
  InstanceOptions,
  NonDispatchableHandle,
  PropertiesQuery,
  RawDeviceProperties,
  RawExternalMemoryProperties,
  RawMemoryProperties,
  RawQueueFamily,
  VulkanBinding,
} from './binding.js';
import * as T from './ffi-types.js';

/** Environment variable naming the loader library, for loaders outside the linker's path. */
export const LOADER_PATH_ENV = 'RDMA_PROBE_VULKAN_LIBRARY';
const DEFAULT_LOADER = 'libvulkan.so.1';

type KoffiType = ReturnType<typeof koffi.struct>;
type Fn = (...args: unknown[]) => unknown;

/** Opens the Vulkan loader; a missing loader is an environment problem, not a bug. */
export function loadVulkanBinding(env: NodeJS.ProcessEnv = process.env): VulkanBinding {
  const path = env[LOADER_PATH_ENV] || DEFAULT_LOADER;
  let lib: ReturnType<typeof koffi.load>;
  try {
    lib = koffi.load(path);
  } catch (error) {
    const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new EnvironmentError(
      `Vulkan loader not found (${path}: ${detail}). Install it: ` +
        `'apt-get install libvulkan1' (Debian/Ubuntu) or 'dnf install vulkan-loader' (RHEL/Fedora)` +
        (env[LOADER_PATH_ENV] ? `, or fix ${LOADER_PATH_ENV}` : ''),
    );
  }
  return new KoffiVulkanBinding(lib);
}

function toBigInt(value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return BigInt(value);
  if (value === null || value === undefined) return 0n;
  throw new TypeError(`not an integer: ${String(value)}`);
}

function toNumber(value: unknown): number {
  return typeof value === 'bigint' ? Number(value) : (value as number);
}

function check(call: string, result: unknown): void {
  const code = result as number;
  if (code < 0) throw new VulkanCallError(call, code);
}

/** A struct in koffi-allocated memory, encoded with `init` and decoded after the call. */
interface ChainLink {
  type: KoffiType;
  init: Record<string, unknown>;
}

/**
 * Builds an output pNext chain in stable memory, runs `call` with the head's address and
 * returns every link decoded. The memory is freed whatever happens.
 */
function queryChain(links: ChainLink[], call: (head: unknown) => void): Record<string, unknown>[] {
  const pointers: unknown[] = [];
  try {
    for (const link of links) pointers.push(koffi.alloc(link.type, 1));
    for (let i = links.length - 1; i >= 0; i--) {
      const link = links[i]!;
      koffi.encode(pointers[i], link.type, { ...link.init, pNext: pointers[i + 1] ?? null });
    }
    call(pointers[0]);
    return links.map((link, i) => koffi.decode(pointers[i], link.type) as Record<string, unknown>);
  } finally {
    for (const pointer of pointers) koffi.free(pointer);
  }
}

/** Runs the Vulkan two-call enumeration idiom, retrying while the driver says VK_INCOMPLETE. */
function enumerate<R>(
  call: string,
  type: KoffiType | string,
  invoke: (count: number[], out: unknown) => unknown,
  decode: (item: Record<string, unknown>) => R,
): R[] {
  for (;;) {
    const count = [0];
    check(call, invoke(count, null));
    if (count[0] === 0) return [];
    const capacity = count[0]!;
    const out = koffi.alloc(type, capacity);
    try {
      const result = invoke(count, out) as number;
      if (result === VK_INCOMPLETE) continue;
      check(call, result);
      const items = koffi.decode(out, type, count[0]!) as ArrayLike<Record<string, unknown>>;
      return Array.from(items, decode);
    } finally {
      koffi.free(out);
    }
  }
}

interface DebugHook {
  messenger: bigint;
  callback: bigint;
}

class KoffiVulkanBinding implements VulkanBinding {
  private readonly fn: Record<string, Fn>;
  private readonly debugHooks = new Map<DispatchableHandle, DebugHook>();

  constructor(lib: ReturnType<typeof koffi.load>) {
    const declare = (prototype: string): Fn => lib.func(prototype) as Fn;
    this.fn = {
      vkGetInstanceProcAddr: declare(
        'void *vkGetInstanceProcAddr(void *instance, const char *pName)',
      ),
      vkEnumerateInstanceExtensionProperties: declare(
        'VkResult vkEnumerateInstanceExtensionProperties(const char *pLayerName, _Inout_ uint32_t *pPropertyCount, void *pProperties)',
      ),
      vkEnumerateInstanceLayerProperties: declare(
        'VkResult vkEnumerateInstanceLayerProperties(_Inout_ uint32_t *pPropertyCount, void *pProperties)',
      ),
      vkCreateInstance: declare(
        'VkResult vkCreateInstance(const VkInstanceCreateInfo *pCreateInfo, void *pAllocator, _Out_ void **pInstance)',
      ),
      vkDestroyInstance: declare('void vkDestroyInstance(void *instance, void *pAllocator)'),
      vkEnumeratePhysicalDevices: declare(
        'VkResult vkEnumeratePhysicalDevices(void *instance, _Inout_ uint32_t *pPhysicalDeviceCount, void *pPhysicalDevices)',
      ),
      vkEnumerateDeviceExtensionProperties: declare(
        'VkResult vkEnumerateDeviceExtensionProperties(void *physicalDevice, const char *pLayerName, _Inout_ uint32_t *pPropertyCount, void *pProperties)',
      ),
      vkGetPhysicalDeviceProperties2: declare(
        'void vkGetPhysicalDeviceProperties2(void *physicalDevice, void *pProperties)',
      ),
      vkGetPhysicalDeviceFeatures2: declare(
        'void vkGetPhysicalDeviceFeatures2(void *physicalDevice, void *pFeatures)',
      ),
      vkGetPhysicalDeviceMemoryProperties2: declare(
        'void vkGetPhysicalDeviceMemoryProperties2(void *physicalDevice, void *pMemoryProperties)',
      ),
      vkGetPhysicalDeviceExternalBufferProperties: declare(
        'void vkGetPhysicalDeviceExternalBufferProperties(void *physicalDevice, const VkPhysicalDeviceExternalBufferInfo *pExternalBufferInfo, void *pExternalBufferProperties)',
      ),
      vkGetPhysicalDeviceQueueFamilyProperties: declare(
        'void vkGetPhysicalDeviceQueueFamilyProperties(void *physicalDevice, _Inout_ uint32_t *pQueueFamilyPropertyCount, void *pQueueFamilyProperties)',
      ),
      vkCreateDevice: declare(
        'VkResult vkCreateDevice(void *physicalDevice, const VkDeviceCreateInfo *pCreateInfo, void *pAllocator, _Out_ void **pDevice)',
      ),
      vkDestroyDevice: declare('void vkDestroyDevice(void *device, void *pAllocator)'),
      vkGetDeviceProcAddr: declare('void *vkGetDeviceProcAddr(void *device, const char *pName)'),
      vkCreateBuffer: declare(
        'VkResult vkCreateBuffer(void *device, const VkBufferCreateInfo *pCreateInfo, void *pAllocator, _Out_ uint64_t *pBuffer)',
      ),
      vkDestroyBuffer: declare(
        'void vkDestroyBuffer(void *device, uint64_t buffer, void *pAllocator)',
      ),
      vkGetBufferMemoryRequirements2: declare(
        'void vkGetBufferMemoryRequirements2(void *device, const VkBufferMemoryRequirementsInfo2 *pInfo, void *pMemoryRequirements)',
      ),
      vkAllocateMemory: declare(
        'VkResult vkAllocateMemory(void *device, const VkMemoryAllocateInfo *pAllocateInfo, void *pAllocator, _Out_ uint64_t *pMemory)',
      ),
      vkFreeMemory: declare('void vkFreeMemory(void *device, uint64_t memory, void *pAllocator)'),
      vkBindBufferMemory: declare(
        'VkResult vkBindBufferMemory(void *device, uint64_t buffer, uint64_t memory, uint64_t memoryOffset)',
      ),
    };
  }

  private call(name: string, ...args: unknown[]): unknown {
    return this.fn[name]!(...args);
  }

  enumerateInstanceVersion(): number {
    // vkEnumerateInstanceVersion is absent from 1.0 loaders, so it is looked up, not linked.
    const address = this.call('vkGetInstanceProcAddr', null, 'vkEnumerateInstanceVersion');
    if (!address) return 1 << 22;
    const version = [0];
    check(
      'vkEnumerateInstanceVersion',
      koffi.call(address, T.PFN_vkEnumerateInstanceVersion, version),
    );
    return version[0]!;
  }

  enumerateInstanceExtensions(): ExtensionProperties[] {
    return enumerate(
      'vkEnumerateInstanceExtensionProperties',
      T.VkExtensionProperties,
      (count, out) => this.call('vkEnumerateInstanceExtensionProperties', null, count, out),
      decodeExtension,
    );
  }

  enumerateInstanceLayers(): string[] {
    return enumerate(
      'vkEnumerateInstanceLayerProperties',
      T.VkLayerProperties,
      (count, out) => this.call('vkEnumerateInstanceLayerProperties', count, out),
      (layer) => layer['layerName'] as string,
    );
  }

  createInstance(options: InstanceOptions): DispatchableHandle {
    const callback = options.onDebugMessage
      ? koffi.register(
          makeDebugCallback(options.onDebugMessage),
          koffi.pointer(T.PFN_vkDebugUtilsMessengerCallbackEXT),
        )
      : null;
    try {
      const messengerInfo = callback ? debugMessengerInfo(callback) : null;
      const createInfo = {
        sType: StructureType.INSTANCE_CREATE_INFO,
        // Chained so that messages from vkCreateInstance/vkDestroyInstance are caught too.
        pNext: messengerInfo
          ? koffi.as(messengerInfo, 'VkDebugUtilsMessengerCreateInfoEXT *')
          : null,
        flags: 0,
        pApplicationInfo: {
          sType: StructureType.APPLICATION_INFO,
          pNext: null,
          pApplicationName: options.applicationName,
          applicationVersion: options.applicationVersion,
          pEngineName: null,
          engineVersion: 0,
          apiVersion: options.apiVersion,
        },
        enabledLayerCount: options.enabledLayers.length,
        ppEnabledLayerNames: options.enabledLayers.length ? options.enabledLayers : null,
        enabledExtensionCount: options.enabledExtensions.length,
        ppEnabledExtensionNames: options.enabledExtensions.length
          ? options.enabledExtensions
          : null,
      };
      const out = [null];
      check('vkCreateInstance', this.call('vkCreateInstance', createInfo, null, out));
      const instance = toBigInt(out[0]);
      if (callback && messengerInfo) {
        try {
          const messenger = this.createDebugMessenger(instance, messengerInfo);
          this.debugHooks.set(instance, { messenger, callback });
        } catch (error) {
          this.call('vkDestroyInstance', instance, null);
          throw error;
        }
      }
      return instance;
    } catch (error) {
      if (callback) koffi.unregister(callback);
      throw error;
    }
  }

  private createDebugMessenger(instance: bigint, info: Record<string, unknown>): bigint {
    const address = this.call('vkGetInstanceProcAddr', instance, 'vkCreateDebugUtilsMessengerEXT');
    if (!address)
      throw new VulkanCallError('vkGetInstanceProcAddr(vkCreateDebugUtilsMessengerEXT)', -7);
    const out = [0n];
    check(
      'vkCreateDebugUtilsMessengerEXT',
      koffi.call(address, T.PFN_vkCreateDebugUtilsMessengerEXT, instance, info, null, out),
    );
    return toBigInt(out[0]);
  }

  destroyInstance(instance: DispatchableHandle): void {
    const hook = this.debugHooks.get(instance);
    if (hook) {
      const address = this.call(
        'vkGetInstanceProcAddr',
        instance,
        'vkDestroyDebugUtilsMessengerEXT',
      );
      if (address) {
        koffi.call(address, T.PFN_vkDestroyDebugUtilsMessengerEXT, instance, hook.messenger, null);
      }
    }
    this.call('vkDestroyInstance', instance, null);
    if (hook) {
      koffi.unregister(hook.callback);
      this.debugHooks.delete(instance);
    }
  }

  enumeratePhysicalDevices(instance: DispatchableHandle): DispatchableHandle[] {
    return enumerate(
      'vkEnumeratePhysicalDevices',
      'uint64_t',
      (count, out) => this.call('vkEnumeratePhysicalDevices', instance, count, out),
      (handle) => toBigInt(handle),
    );
  }

  enumerateDeviceExtensions(physicalDevice: DispatchableHandle): ExtensionProperties[] {
    return enumerate(
      'vkEnumerateDeviceExtensionProperties',
      T.VkExtensionProperties,
      (count, out) =>
        this.call('vkEnumerateDeviceExtensionProperties', physicalDevice, null, count, out),
      decodeExtension,
    );
  }

  getProperties(physicalDevice: DispatchableHandle, query: PropertiesQuery): RawDeviceProperties {
    const links: ChainLink[] = [
      {
        type: T.VkPhysicalDeviceProperties2,
        init: { sType: StructureType.PHYSICAL_DEVICE_PROPERTIES_2 },
      },
      {
        type: T.VkPhysicalDeviceIDProperties,
        init: { sType: StructureType.PHYSICAL_DEVICE_ID_PROPERTIES },
      },
    ];
    const driverAt = query.driverProperties ? links.length : -1;
    if (query.driverProperties) {
      links.push({
        type: T.VkPhysicalDeviceDriverProperties,
        init: { sType: StructureType.PHYSICAL_DEVICE_DRIVER_PROPERTIES },
      });
    }
    const pciAt = query.pciBusInfo ? links.length : -1;
    if (query.pciBusInfo) {
      links.push({
        type: T.VkPhysicalDevicePCIBusInfoPropertiesEXT,
        init: { sType: StructureType.PHYSICAL_DEVICE_PCI_BUS_INFO_PROPERTIES_EXT },
      });
    }
    const decoded = queryChain(links, (head) =>
      this.call('vkGetPhysicalDeviceProperties2', physicalDevice, head),
    );
    const properties = decoded[0]!['properties'] as Record<string, unknown>;
    const ids = decoded[1]!;
    const driver = driverAt >= 0 ? decoded[driverAt]! : null;
    const pci = pciAt >= 0 ? decoded[pciAt]! : null;
    return {
      apiVersion: properties['apiVersion'] as number,
      driverVersion: properties['driverVersion'] as number,
      vendorID: properties['vendorID'] as number,
      deviceID: properties['deviceID'] as number,
      deviceType: properties['deviceType'] as number,
      deviceName: properties['deviceName'] as string,
      deviceUUID: Uint8Array.from(ids['deviceUUID'] as ArrayLike<number>),
      driverUUID: Uint8Array.from(ids['driverUUID'] as ArrayLike<number>),
      driver: driver
        ? {
            driverID: driver['driverID'] as number,
            driverName: driver['driverName'] as string,
            driverInfo: driver['driverInfo'] as string,
          }
        : null,
      pciBusInfo: pci
        ? {
            pciDomain: pci['pciDomain'] as number,
            pciBus: pci['pciBus'] as number,
            pciDevice: pci['pciDevice'] as number,
            pciFunction: pci['pciFunction'] as number,
          }
        : null,
    };
  }

  getExternalMemoryRDMAFeature(physicalDevice: DispatchableHandle): boolean {
    const decoded = queryChain(
      [
        {
          type: T.VkPhysicalDeviceFeatures2,
          init: { sType: StructureType.PHYSICAL_DEVICE_FEATURES_2 },
        },
        {
          type: T.VkPhysicalDeviceExternalMemoryRDMAFeaturesNV,
          init: {
            sType: StructureType.PHYSICAL_DEVICE_EXTERNAL_MEMORY_RDMA_FEATURES_NV,
            externalMemoryRDMA: 0,
          },
        },
      ],
      (head) => this.call('vkGetPhysicalDeviceFeatures2', physicalDevice, head),
    );
    return decoded[1]!['externalMemoryRDMA'] === 1;
  }

  getMemoryProperties(
    physicalDevice: DispatchableHandle,
    withBudget: boolean,
  ): RawMemoryProperties {
    const links: ChainLink[] = [
      {
        type: T.VkPhysicalDeviceMemoryProperties2,
        init: { sType: StructureType.PHYSICAL_DEVICE_MEMORY_PROPERTIES_2 },
      },
    ];
    if (withBudget) {
      links.push({
        type: T.VkPhysicalDeviceMemoryBudgetPropertiesEXT,
        init: { sType: StructureType.PHYSICAL_DEVICE_MEMORY_BUDGET_PROPERTIES_EXT },
      });
    }
    const decoded = queryChain(links, (head) =>
      this.call('vkGetPhysicalDeviceMemoryProperties2', physicalDevice, head),
    );
    const memory = decoded[0]!['memoryProperties'] as {
      memoryTypeCount: number;
      memoryTypes: { propertyFlags: number; heapIndex: number }[];
      memoryHeapCount: number;
      memoryHeaps: { size: unknown; flags: number }[];
    };
    const budget = withBudget ? decoded[1]! : null;
    const budgets = budget ? (budget['heapBudget'] as unknown[]) : null;
    const usages = budget ? (budget['heapUsage'] as unknown[]) : null;
    return {
      // Only the first *Count entries are meaningful; the rest of the fixed arrays is noise.
      memoryTypes: memory.memoryTypes.slice(0, memory.memoryTypeCount).map((type) => ({
        propertyFlags: type.propertyFlags,
        heapIndex: type.heapIndex,
      })),
      memoryHeaps: memory.memoryHeaps.slice(0, memory.memoryHeapCount).map((heap, index) => ({
        size: toBigInt(heap.size),
        flags: heap.flags,
        budget: budgets ? toBigInt(budgets[index]) : null,
        usage: usages ? toBigInt(usages[index]) : null,
      })),
    };
  }

  getExternalBufferProperties(
    physicalDevice: DispatchableHandle,
    usage: number,
    handleType: number,
  ): RawExternalMemoryProperties {
    const info = {
      sType: StructureType.PHYSICAL_DEVICE_EXTERNAL_BUFFER_INFO,
      pNext: null,
      flags: 0,
      usage,
      handleType,
    };
    const decoded = queryChain(
      [
        {
          type: T.VkExternalBufferProperties,
          init: { sType: StructureType.EXTERNAL_BUFFER_PROPERTIES },
        },
      ],
      (head) =>
        this.call('vkGetPhysicalDeviceExternalBufferProperties', physicalDevice, info, head),
    );
    const properties = decoded[0]!['externalMemoryProperties'] as RawExternalMemoryProperties;
    return {
      externalMemoryFeatures: properties.externalMemoryFeatures,
      exportFromImportedHandleTypes: properties.exportFromImportedHandleTypes,
      compatibleHandleTypes: properties.compatibleHandleTypes,
    };
  }

  getQueueFamilies(physicalDevice: DispatchableHandle): RawQueueFamily[] {
    const count = [0];
    this.call('vkGetPhysicalDeviceQueueFamilyProperties', physicalDevice, count, null);
    if (count[0] === 0) return [];
    const out = koffi.alloc(T.VkQueueFamilyProperties, count[0]!);
    try {
      this.call('vkGetPhysicalDeviceQueueFamilyProperties', physicalDevice, count, out);
      const families = koffi.decode(out, T.VkQueueFamilyProperties, count[0]!) as RawQueueFamily[];
      return families.map((family) => ({
        queueFlags: family.queueFlags,
        queueCount: family.queueCount,
      }));
    } finally {
      koffi.free(out);
    }
  }

  createDevice(physicalDevice: DispatchableHandle, options: DeviceOptions): DispatchableHandle {
    const features = options.enableExternalMemoryRDMA
      ? koffi.as(
          {
            sType: StructureType.PHYSICAL_DEVICE_EXTERNAL_MEMORY_RDMA_FEATURES_NV,
            pNext: null,
            externalMemoryRDMA: 1,
          },
          'VkPhysicalDeviceExternalMemoryRDMAFeaturesNV *',
        )
      : null;
    const createInfo = {
      sType: StructureType.DEVICE_CREATE_INFO,
      pNext: features,
      flags: 0,
      queueCreateInfoCount: 1,
      pQueueCreateInfos: [
        {
          sType: StructureType.DEVICE_QUEUE_CREATE_INFO,
          pNext: null,
          flags: 0,
          queueFamilyIndex: options.queueFamilyIndex,
          queueCount: 1,
          pQueuePriorities: [1.0],
        },
      ],
      enabledLayerCount: 0,
      ppEnabledLayerNames: null,
      enabledExtensionCount: options.enabledExtensions.length,
      ppEnabledExtensionNames: options.enabledExtensions.length ? options.enabledExtensions : null,
      pEnabledFeatures: null,
    };
    const out = [null];
    check('vkCreateDevice', this.call('vkCreateDevice', physicalDevice, createInfo, null, out));
    return toBigInt(out[0]);
  }

  destroyDevice(device: DispatchableHandle): void {
    this.call('vkDestroyDevice', device, null);
  }

  createBuffer(device: DispatchableHandle, options: BufferOptions): NonDispatchableHandle {
    const external = options.externalHandleTypes
      ? koffi.as(
          {
            sType: StructureType.EXTERNAL_MEMORY_BUFFER_CREATE_INFO,
            pNext: null,
            handleTypes: options.externalHandleTypes,
          },
          'VkExternalMemoryBufferCreateInfo *',
        )
      : null;
    const createInfo = {
      sType: StructureType.BUFFER_CREATE_INFO,
      pNext: external,
      flags: 0,
      size: options.size,
      usage: options.usage,
      sharingMode: 0, // VK_SHARING_MODE_EXCLUSIVE
      queueFamilyIndexCount: 0,
      pQueueFamilyIndices: null,
    };
    const out = [0n];
    check('vkCreateBuffer', this.call('vkCreateBuffer', device, createInfo, null, out));
    return toBigInt(out[0]);
  }

  destroyBuffer(device: DispatchableHandle, buffer: NonDispatchableHandle): void {
    this.call('vkDestroyBuffer', device, buffer, null);
  }

  getBufferMemoryRequirements(
    device: DispatchableHandle,
    buffer: NonDispatchableHandle,
  ): BufferMemoryRequirements {
    const info = {
      sType: StructureType.BUFFER_MEMORY_REQUIREMENTS_INFO_2,
      pNext: null,
      buffer,
    };
    const decoded = queryChain(
      [
        { type: T.VkMemoryRequirements2, init: { sType: StructureType.MEMORY_REQUIREMENTS_2 } },
        {
          type: T.VkMemoryDedicatedRequirements,
          init: { sType: StructureType.MEMORY_DEDICATED_REQUIREMENTS },
        },
      ],
      (head) => this.call('vkGetBufferMemoryRequirements2', device, info, head),
    );
    const requirements = decoded[0]!['memoryRequirements'] as Record<string, unknown>;
    const dedicated = decoded[1]!;
    return {
      size: toBigInt(requirements['size']),
      alignment: toBigInt(requirements['alignment']),
      memoryTypeBits: toNumber(requirements['memoryTypeBits']),
      prefersDedicatedAllocation: dedicated['prefersDedicatedAllocation'] === 1,
      requiresDedicatedAllocation: dedicated['requiresDedicatedAllocation'] === 1,
    };
  }

  allocateMemory(device: DispatchableHandle, options: AllocationOptions): NonDispatchableHandle {
    const dedicated =
      options.dedicatedBuffer !== null
        ? {
            sType: StructureType.MEMORY_DEDICATED_ALLOCATE_INFO,
            pNext: null,
            image: 0n,
            buffer: options.dedicatedBuffer,
          }
        : null;
    const dedicatedPointer = dedicated
      ? koffi.as(dedicated, 'VkMemoryDedicatedAllocateInfo *')
      : null;
    const exported = options.exportHandleTypes
      ? koffi.as(
          {
            sType: StructureType.EXPORT_MEMORY_ALLOCATE_INFO,
            pNext: dedicatedPointer,
            handleTypes: options.exportHandleTypes,
          },
          'VkExportMemoryAllocateInfo *',
        )
      : null;
    const allocateInfo = {
      sType: StructureType.MEMORY_ALLOCATE_INFO,
      pNext: exported ?? dedicatedPointer,
      allocationSize: options.size,
      memoryTypeIndex: options.memoryTypeIndex,
    };
    const out = [0n];
    check('vkAllocateMemory', this.call('vkAllocateMemory', device, allocateInfo, null, out));
    return toBigInt(out[0]);
  }

  freeMemory(device: DispatchableHandle, memory: NonDispatchableHandle): void {
    this.call('vkFreeMemory', device, memory, null);
  }

  bindBufferMemory(
    device: DispatchableHandle,
    buffer: NonDispatchableHandle,
    memory: NonDispatchableHandle,
  ): void {
    check('vkBindBufferMemory', this.call('vkBindBufferMemory', device, buffer, memory, 0n));
  }

  getMemoryRemoteAddress(
    device: DispatchableHandle,
    memory: NonDispatchableHandle,
    handleType: number,
  ): bigint {
    const address = this.call('vkGetDeviceProcAddr', device, 'vkGetMemoryRemoteAddressNV');
    if (!address) {
      // The loader returns NULL for commands of extensions the device did not enable.
      throw new VulkanCallError('vkGetDeviceProcAddr(vkGetMemoryRemoteAddressNV)', -7);
    }
    const info = {
      sType: StructureType.MEMORY_GET_REMOTE_ADDRESS_INFO_NV,
      pNext: null,
      memory,
      handleType,
    };
    const out = [0n];
    check(
      'vkGetMemoryRemoteAddressNV',
      koffi.call(address, T.PFN_vkGetMemoryRemoteAddressNV, device, info, out),
    );
    return toBigInt(out[0]);
  }
}

function decodeExtension(item: Record<string, unknown>): ExtensionProperties {
  return {
    extensionName: item['extensionName'] as string,
    specVersion: item['specVersion'] as number,
  };
}

function debugMessengerInfo(callback: bigint): Record<string, unknown> {
  return {
    sType: StructureType.DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT,
    pNext: null,
    flags: 0,
    messageSeverity:
      DebugSeverity.VERBOSE | DebugSeverity.INFO | DebugSeverity.WARNING | DebugSeverity.ERROR,
    messageType: DEBUG_MESSAGE_TYPES_ALL,
    pfnUserCallback: callback,
    pUserData: null,
  };
}

function makeDebugCallback(onMessage: (message: DebugMessage) => void) {
  return (severity: number, types: number, data: unknown): number => {
    const head = koffi.decode(data, T.VkDebugUtilsMessengerCallbackDataEXTHead) as {
      pMessageIdName: string | null;
      messageIdNumber: number;
      pMessage: string | null;
    };
    onMessage({
      severity,
      types,
      messageIdName: head.pMessageIdName ?? null,
      messageIdNumber: head.messageIdNumber,
      message: head.pMessage ?? '',
    });
    return 0; // VK_FALSE: never abort the call that triggered the message
  };
}
