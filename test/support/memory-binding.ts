/**
 * A complete VulkanBinding in memory, built from the test driver's configuration
 * (TestDriverConfig, read by memory-config.ts exactly as test/driver/config.c reads it): what
 * the koffi binding returns when the real loader runs the test driver with that
 * configuration, without a process, a loader or a driver. test/binding-contract.test.ts runs
 * one suite on both with the same configurations and asserts the same results; that is what
 * lets behaviour tests run in-process on this one.
 *
 * It keeps the binding's contract (src/vulkan/binding.ts): VulkanCallError for a negative
 * VkResult, MissingEntryPointError for a command that resolves to NULL, plain decoded data,
 * and a TypeError for a handle it did not hand out or has destroyed, or for an extension's
 * command on a device created without that extension. It also does what the driver does for
 * the test to read afterwards (state(): live and created objects, the valid-usage rules
 * broken, the last device and allocation), checking what it is handed against the same
 * rules, named by the same VUIDs (./generated/, from the registry as the driver's are), with
 * the same messages.
 *
 * What it cannot stand for (validation layers, debug messengers, the loader's own calls)
 * throws NotModelledError instead of answering differently.
 */
import {
  DEVICE_COMMANDS,
  MAX_ENUMERATION_ATTEMPTS,
  type DeviceCommand,
} from '../../src/vulkan/commands.js';
import { decodeCString, type DecodedCString } from '../../src/vulkan/c-string.js';
import {
  Extension,
  ExternalMemoryFeatureFlag,
  ExternalMemoryHandleTypeFlag,
  MemoryPropertyFlag,
  QueueFlag,
  VK_API_VERSION_1_1,
  VK_MAX_MEMORY_HEAPS,
  VK_MAX_MEMORY_TYPES,
  VkResult,
  makeApiVersion,
} from '../../src/vulkan/constants.js';
import {
  DriverOutputError,
  MissingEntryPointError,
  VulkanCallError,
} from '../../src/vulkan/driver-errors.js';
import type {
  AllocationOptions,
  BufferMemoryRequirements,
  BufferOptions,
  DeviceOptions,
  DispatchableHandle,
  DriverSelection,
  ExtensionProperties,
  InstanceOptions,
  MemoryQuery,
  NonDispatchableHandle,
  PropertiesQuery,
  RawBasicProperties,
  RawExtendedProperties,
  RawExternalMemoryProperties,
  RawMemoryProperties,
  RawQueueFamily,
  VulkanBinding,
} from '../../src/vulkan/binding.js';
import { requiredExtensions } from '../../src/vulkan/requirements.js';
import {
  NotModelledError,
  readDriverModel,
  type DriverModel,
  type ModelDevice,
} from './memory-config.js';
import { walkChain, type ChainChildName, type ChainParentName } from './memory-chain.js';
import {
  VUID_VkBufferCreateInfo_pNext_00920,
  VUID_VkBufferCreateInfo_size_00912,
  VUID_VkBufferCreateInfo_usage_requiredbitmask,
  VUID_VkBufferMemoryRequirementsInfo2_buffer_parameter,
  VUID_VkDeviceQueueCreateInfo_queueFamilyIndex_00381,
  VUID_VkExportMemoryAllocateInfo_handleTypes_00656,
  VUID_VkMemoryAllocateInfo_allocationSize_00638,
  VUID_VkMemoryAllocateInfo_pNext_00639,
  VUID_VkMemoryDedicatedAllocateInfo_buffer_01435,
  VUID_VkMemoryDedicatedAllocateInfo_buffer_parameter,
  VUID_VkMemoryGetRemoteAddressInfoNV_handleType_04966,
  VUID_VkMemoryGetRemoteAddressInfoNV_memory_parameter,
  VUID_VkPhysicalDeviceExternalBufferInfo_handleType_parameter,
  VUID_VkPhysicalDeviceExternalBufferInfo_usage_requiredbitmask,
  VUID_vkAllocateMemory_maxMemoryAllocationCount_04101,
  VUID_vkAllocateMemory_pAllocateInfo_01713,
  VUID_vkAllocateMemory_pAllocateInfo_01714,
  VUID_vkBindBufferMemory_buffer_01444,
  VUID_vkBindBufferMemory_buffer_07459,
  VUID_vkBindBufferMemory_buffer_parameter,
  VUID_vkBindBufferMemory_memory_01035,
  VUID_vkBindBufferMemory_memory_01508,
  VUID_vkBindBufferMemory_memory_02726,
  VUID_vkBindBufferMemory_memory_parameter,
  VUID_vkBindBufferMemory_size_01037,
  VUID_vkCreateDevice_ppEnabledExtensionNames_01387,
  VUID_vkDestroyBuffer_buffer_parameter,
  VUID_vkDestroyDevice_device_00378,
  VUID_vkDestroyInstance_instance_00629,
  VUID_vkFreeMemory_memory_parameter,
} from './generated/vuids.js';
import { DriverRecord, type MemoryDriverState } from './memory-record.js';
import type { TestDriverConfig } from './test-driver.js';

export { NotModelledError } from './memory-config.js';
export {
  DEVICE_LEVEL_CALLS,
  type DriverStateView,
  type MemoryDriverState,
} from './memory-record.js';

export interface MemoryBindingOptions {
  /** vkEnumerateInstanceVersion, which the loader answers itself; default 1.3.239 (Debian 12's). */
  loaderVersion?: number;
  /** The instance layers the loader lists. They come from the machine, not the driver, so
   * enumerateInstanceLayers throws NotModelledError unless they are given. */
  layers?: string[];
  /** The driver-selection variables, as the koffi binding reads them from its environment. */
  driverSelection?: DriverSelection[];
}

const {
  VK_ERROR_OUT_OF_HOST_MEMORY,
  VK_ERROR_OUT_OF_DEVICE_MEMORY,
  VK_ERROR_INITIALIZATION_FAILED,
  VK_ERROR_EXTENSION_NOT_PRESENT,
  VK_ERROR_FEATURE_NOT_PRESENT,
  VK_ERROR_INCOMPATIBLE_DRIVER,
  VK_ERROR_TOO_MANY_OBJECTS,
  VK_ERROR_INVALID_EXTERNAL_HANDLE,
  VK_ERROR_VALIDATION_FAILED_EXT,
} = VkResult;
const VK_SUCCESS = 0;

const RDMA_HANDLE = ExternalMemoryHandleTypeFlag.RDMA_ADDRESS_NV;
const RDMA_CAPABLE = MemoryPropertyFlag.RDMA_CAPABLE_NV;
const STRING_SIZE = 256;
/** VkPhysicalDeviceLimits::maxMemoryAllocationCount of the driver. */
const MAX_MEMORY_ALLOCATIONS = 4096;
/** What fills the memory slots past the counts in the driver (never read through a binding). */
const JUNK_TYPE_FLAGS = 0x101;
const JUNK_BYTES = 0x4a554e4b000n;
/** The koffi binding's marker for a budget the driver left unfilled. */
const UNSET_U64 = (1n << 64n) - 1n;
const U64_MAX = UNSET_U64;
const DRIVER_SELECTION_VARIABLES = ['VK_DRIVER_FILES', 'VK_ICD_FILENAMES', 'VK_ADD_DRIVER_FILES'];
/** The instance extensions the driver has; the loader's own ones are not modelled. */
const INSTANCE_EXTENSIONS = [
  'VK_KHR_get_physical_device_properties2',
  'VK_KHR_external_memory_capabilities',
];

interface Instance {
  handle: DispatchableHandle;
  apiVersion: number;
  physical: PhysicalDevice[];
  devices: Set<Device>;
}

interface PhysicalDevice {
  handle: DispatchableHandle;
  instance: Instance;
  cfg: ModelDevice;
  /** Live allocation bytes per heap: the driver adds them to heapUsage. */
  heapAllocated: bigint[];
}

interface Device {
  handle: DispatchableHandle;
  physical: PhysicalDevice;
  /** min(instance, physical device): what its commands and structures are judged by. */
  apiVersion: number;
  enabledExtensions: Set<string>;
  featureRdma: boolean;
  buffers: Map<NonDispatchableHandle, BufferObject>;
  memories: Map<NonDispatchableHandle, Memory>;
}

interface BufferObject {
  size: bigint;
  externalTypes: number;
  requiresDedicated: boolean;
  wasBound: boolean;
}

interface Memory {
  size: bigint;
  typeIndex: number;
  heapIndex: number;
  exportTypes: number;
  dedicatedBuffer: NonDispatchableHandle;
}

/** The structures the koffi binding chains, by the names the driver's tables give them. */
const IDS = 'VkPhysicalDeviceIDProperties';
const DRIVER = 'VkPhysicalDeviceDriverProperties';
const PCI_BUS_INFO = 'VkPhysicalDevicePCIBusInfoPropertiesEXT';
const RDMA_FEATURES = 'VkPhysicalDeviceExternalMemoryRDMAFeaturesNV';
const EXPORT_ALLOCATE = 'VkExportMemoryAllocateInfo';
const DEDICATED_ALLOCATE = 'VkMemoryDedicatedAllocateInfo';

/**
 * Whether the koffi binding asks vkGetDeviceProcAddr for `name` on `device`: a core
 * command always, an extension's only when the device was created with it enabled.
 */
function available(device: Device, name: DeviceCommand): boolean {
  const needed = requiredExtensions(name);
  return needed.length === 0 || needed.some((extension) => device.enabledExtensions.has(extension));
}

/** The binding's error for a handle it does not know, worded as the koffi binding words it. */
function unknown(what: string): TypeError {
  return new TypeError(`not ${what} by this binding`);
}

function formatVersion(version: number): string {
  return `${version >>> 22}.${(version >>> 12) & 0x3ff}.${version & 0xfff}`;
}

/** A char[256] as the driver fills it and the koffi binding decodes it. */
function cString(text: string, unterminated: boolean): DecodedCString {
  const bytes = Buffer.alloc(STRING_SIZE, unterminated ? 'x' : '\0');
  Buffer.from(text).copy(bytes, 0, 0, STRING_SIZE - (unterminated ? 0 : 1));
  return decodeCString(bytes);
}

function alignUp(size: bigint, alignment: bigint): bigint {
  if (size > U64_MAX - (alignment - 1n)) return U64_MAX & ~(alignment - 1n);
  return (size + alignment - 1n) & ~(alignment - 1n);
}

export class MemoryBinding implements VulkanBinding {
  readonly driverSelection: readonly DriverSelection[];
  private readonly model: DriverModel;
  private readonly record: DriverRecord;
  private readonly instances = new Map<DispatchableHandle, Instance>();
  private readonly physical = new Map<DispatchableHandle, PhysicalDevice>();
  private readonly devices = new Map<DispatchableHandle, Device>();
  private nextHandle = 0x7a000000n;

  constructor(
    config: TestDriverConfig = {},
    private readonly options: MemoryBindingOptions = {},
  ) {
    this.model = readDriverModel(config);
    this.record = new DriverRecord(this.model.faults);
    this.driverSelection = options.driverSelection ?? [];
  }

  /** What the driver's state file would say now (a copy: later calls do not change it). */
  state(): MemoryDriverState {
    return this.record.state();
  }

  // ------------------------------------------------------------------ driver state

  private handle(): bigint {
    this.nextHandle += 0x40n;
    return this.nextHandle;
  }

  private fail(call: string, result: number): never {
    throw new VulkanCallError(call, result);
  }

  private chain<P extends ChainParentName>(
    call: string,
    parent: P,
    children: readonly ChainChildName<P>[],
    version: number,
    extensions: ReadonlySet<string>,
  ): boolean[] {
    return walkChain(call, parent, children, version, extensions, (id, text) =>
      this.record.violation(id, text),
    );
  }

  /** The extensions the driver's structures depend on, as the GPU reports them. */
  private supported(cfg: ModelDevice): Set<string> {
    const names = new Set<string>();
    if (cfg.extRdma) names.add(Extension.EXTERNAL_MEMORY_RDMA);
    if (cfg.extMemoryBudget) names.add(Extension.MEMORY_BUDGET);
    if (cfg.extPciBusInfo) names.add(Extension.PCI_BUS_INFO);
    return names;
  }

  /** The device's extensions in the driver's order (icd_device_extensions). */
  private extensionsOf(cfg: ModelDevice): ExtensionProperties[] {
    const list: ExtensionProperties[] = [];
    const add = (name: string, specVersion: number) =>
      list.push({ extensionName: name, specVersion, nameTerminated: true });
    if (cfg.extRdma) add(Extension.EXTERNAL_MEMORY_RDMA, 1);
    if (cfg.extMemoryBudget) add(Extension.MEMORY_BUDGET, 1);
    if (cfg.extPciBusInfo) add(Extension.PCI_BUS_INFO, 2);
    for (const name of cfg.extraExtensions) add(name, 1);
    if (cfg.quirks.unterminatedStrings) {
      const name = cString('VK_TEST_unterminated', true);
      list.push({ extensionName: name.text, specVersion: 1, nameTerminated: name.terminated });
    }
    return list;
  }

  private instanceOf(handle: DispatchableHandle): Instance {
    const instance = this.instances.get(handle);
    if (!instance) throw unknown('an instance created');
    return instance;
  }

  private physicalOf(handle: DispatchableHandle): PhysicalDevice {
    const physical = this.physical.get(handle);
    if (!physical) throw unknown('a physical device enumerated');
    return physical;
  }

  private deviceOf(handle: DispatchableHandle): Device {
    const device = this.devices.get(handle);
    if (!device) throw unknown('a device created');
    return device;
  }

  private hidden(command: string): string | undefined {
    return this.model.hidden.get(command);
  }

  // --------------------------------------------------------------- global, instance

  enumerateInstanceVersion(): number {
    return this.options.loaderVersion ?? makeApiVersion(1, 3, 239);
  }

  enumerateInstanceLayers(): string[] {
    if (!this.options.layers) {
      throw new NotModelledError('instance layers', "they are the machine's, not the driver's");
    }
    return [...this.options.layers];
  }

  createInstance(options: InstanceOptions): DispatchableHandle {
    if (options.enabledLayers.length > 0) {
      throw new NotModelledError('instance layers', 'no layer runs in memory');
    }
    if (options.onDebugMessage) {
      throw new NotModelledError(
        'a debug messenger',
        'its messages come from the loader and layers',
      );
    }
    const foreign = options.enabledExtensions.filter((name) => !INSTANCE_EXTENSIONS.includes(name));
    if (foreign.length > 0) {
      throw new NotModelledError(
        `instance extensions ${foreign.join(', ')}`,
        'the loader answers them',
      );
    }
    if (options.apiVersion < VK_API_VERSION_1_1) {
      throw new NotModelledError(
        'a Vulkan 1.0 instance',
        "the loader's 1.0 paths were not measured",
      );
    }
    const call = 'vkCreateInstance';
    // Without the driver's vkCreateInstance the loader has no driver (measured).
    if (this.hidden(call)) this.fail(call, VK_ERROR_INCOMPATIBLE_DRIVER);
    const fault = this.record.enter(call, -1);
    // The loader passes VK_ERROR_OUT_OF_HOST_MEMORY on and reports any other failure of its
    // only driver as no driver at all (measured).
    if (fault !== VK_SUCCESS) {
      this.fail(call, fault === VK_ERROR_OUT_OF_HOST_MEMORY ? fault : VK_ERROR_INCOMPATIBLE_DRIVER);
    }
    this.record.lastInstance = {
      apiVersion: formatVersion(options.apiVersion),
      extensions: [...options.enabledExtensions],
    };
    if ([...this.model.hidden.values()].includes('refused')) {
      // The loader asks the driver for its commands after creating an instance of it, and
      // drops it without destroying that instance (measured).
      this.record.created.instances++;
      this.record.live.instances++;
      this.fail(call, VK_ERROR_INCOMPATIBLE_DRIVER);
    }
    const instance: Instance = {
      handle: this.handle(),
      apiVersion: options.apiVersion,
      physical: [],
      devices: new Set(),
    };
    instance.physical = this.model.devices
      .map((cfg) => ({
        handle: this.handle(),
        instance,
        cfg,
        heapAllocated: new Array<bigint>(VK_MAX_MEMORY_HEAPS).fill(0n),
      }))
      .sort((a, b) => this.loaderOrder(a.cfg, b.cfg));
    this.instances.set(instance.handle, instance);
    this.record.created.instances++;
    this.record.live.instances++;
    return instance.handle;
  }

  /**
   * The order the loader lists GPUs in on Linux (its linux_read_sorted_physical_devices):
   * by device type (discrete first), those with VK_EXT_pci_bus_info before those without,
   * by PCI address, then by deviceID ^ vendorID; ties keep the driver's order (glibc's
   * qsort is a merge sort at these sizes). The loader reads the address through
   * vkGetPhysicalDeviceProperties2, so without that command every address reads as zero.
   */
  private loaderOrder(a: ModelDevice, b: ModelDevice): number {
    const typeRank = (cfg: ModelDevice) => [0, 5, 10, 3, 1][cfg.deviceType] ?? 0;
    if (typeRank(a) !== typeRank(b)) return typeRank(b) - typeRank(a);
    if (a.extPciBusInfo !== b.extPciBusInfo) return a.extPciBusInfo ? -1 : 1;
    if (a.extPciBusInfo && this.hidden('vkGetPhysicalDeviceProperties2') === undefined) {
      for (const key of ['domain', 'bus', 'device', 'function'] as const) {
        if (a.pci[key] !== b.pci[key]) return a.pci[key] - b.pci[key];
      }
    }
    return ((a.deviceID ^ a.vendorID) >>> 0) - ((b.deviceID ^ b.vendorID) >>> 0);
  }

  destroyInstance(handle: DispatchableHandle): void {
    const instance = this.instanceOf(handle);
    if (instance.devices.size > 0) {
      this.record.violation(
        VUID_vkDestroyInstance_instance_00629,
        `vkDestroyInstance: ${instance.devices.size} VkDevice(s) of this instance still alive`,
      );
    }
    // Its devices go with it, but stay counted as live, as in the driver.
    for (const device of instance.devices) this.devices.delete(device.handle);
    for (const physical of instance.physical) this.physical.delete(physical.handle);
    this.instances.delete(handle);
    this.record.live.instances--;
  }

  enumeratePhysicalDevices(handle: DispatchableHandle): DispatchableHandle[] {
    const instance = this.instanceOf(handle);
    const fault = this.record.enter('vkEnumeratePhysicalDevices', -1);
    if (fault !== VK_SUCCESS) this.fail('vkEnumeratePhysicalDevices', fault);
    for (const physical of instance.physical) this.physical.set(physical.handle, physical);
    return instance.physical.map((physical) => physical.handle);
  }

  // ---------------------------------------------------------------- physical device

  enumerateDeviceExtensions(handle: DispatchableHandle): ExtensionProperties[] {
    const physical = this.physicalOf(handle);
    const call = 'vkEnumerateDeviceExtensionProperties';
    const fault = this.record.enter(call, physical.cfg.index);
    if (fault !== VK_SUCCESS) this.fail(call, fault);
    const extensions = this.extensionsOf(physical.cfg);
    const { duplicateExtensions, extensionsIncomplete } = physical.cfg.quirks;
    // The loader answers these quirks itself (measured). Endless VK_INCOMPLETE from the
    // driver: the loader lists no extension at all. A name listed twice: the loader counts
    // it once and then answers VK_INCOMPLETE to every filling call, so the binding's
    // bounded retries give up with the count the loader gave.
    if (extensionsIncomplete) return [];
    if (duplicateExtensions && extensions.length > 0) {
      throw new DriverOutputError(
        call,
        `returned VK_INCOMPLETE ${MAX_ENUMERATION_ATTEMPTS} times in a row (the count never settled; last ${extensions.length})`,
      );
    }
    return extensions;
  }

  getBasicProperties(handle: DispatchableHandle): RawBasicProperties {
    const cfg = this.physicalOf(handle).cfg;
    const name = cString(cfg.name, cfg.quirks.unterminatedStrings);
    return {
      apiVersion: cfg.apiVersion,
      driverVersion: cfg.driverVersion,
      vendorID: cfg.vendorID,
      deviceID: cfg.deviceID,
      deviceType: cfg.deviceType,
      deviceName: name.text,
      deviceNameTerminated: name.terminated,
    };
  }

  getProperties(handle: DispatchableHandle, query: PropertiesQuery): RawExtendedProperties {
    const cfg = this.physicalOf(handle).cfg;
    // In the order the koffi binding chains them.
    const chained: ChainChildName<'VkPhysicalDeviceProperties2'>[] = [IDS];
    if (query.driverProperties) chained.push(DRIVER);
    if (query.pciBusInfo) chained.push(PCI_BUS_INFO);
    // Without the driver's command the loader answers from vkGetPhysicalDeviceProperties
    // and fills no chained structure.
    const allowed =
      this.hidden('vkGetPhysicalDeviceProperties2') === 'emulated'
        ? chained.map(() => false)
        : this.chain(
            'vkGetPhysicalDeviceProperties2',
            'VkPhysicalDeviceProperties2',
            chained,
            cfg.apiVersion,
            this.supported(cfg),
          );
    const filled = (name: (typeof chained)[number]) => allowed[chained.indexOf(name)] === true;
    const result: RawExtendedProperties = {
      ids: null,
      driver: null,
      pciBusInfo: null,
      unfilled: [],
    };
    if (filled(IDS)) {
      result.ids = { deviceUUID: cfg.deviceUUID.slice(), driverUUID: cfg.driverUUID.slice() };
    } else {
      result.unfilled.push(IDS);
    }
    if (query.driverProperties) {
      if (filled(DRIVER)) {
        const unterminated = cfg.quirks.unterminatedStrings;
        const name = cString(cfg.driverName, unterminated);
        const info = cString(cfg.driverInfo, unterminated);
        result.driver = {
          driverID: cfg.driverID,
          driverName: name.text,
          driverInfo: info.text,
          unterminated: [
            ...(name.terminated ? [] : ['driverName' as const]),
            ...(info.terminated ? [] : ['driverInfo' as const]),
          ],
        };
      } else {
        result.unfilled.push(DRIVER);
      }
    }
    if (query.pciBusInfo) {
      if (filled(PCI_BUS_INFO)) {
        result.pciBusInfo = {
          pciDomain: cfg.pci.domain,
          pciBus: cfg.pci.bus,
          pciDevice: cfg.pci.device,
          pciFunction: cfg.pci.function,
        };
      } else {
        result.unfilled.push(PCI_BUS_INFO);
      }
    }
    return result;
  }

  getExternalMemoryRDMAFeature(handle: DispatchableHandle): boolean | null {
    const cfg = this.physicalOf(handle).cfg;
    if (this.hidden('vkGetPhysicalDeviceFeatures2') === 'emulated') return null;
    const [allowed] = this.chain(
      'vkGetPhysicalDeviceFeatures2',
      'VkPhysicalDeviceFeatures2',
      [RDMA_FEATURES],
      cfg.apiVersion,
      this.supported(cfg),
    );
    return allowed ? cfg.featureRdma : null;
  }

  getMemoryProperties(handle: DispatchableHandle, query: MemoryQuery): RawMemoryProperties {
    const physical = this.physicalOf(handle);
    const cfg = physical.cfg;
    const { typeCount, heapCount, types, heaps } = this.memorySlots(cfg);
    let budgets: bigint[] | null = null;
    let usages: bigint[] | null = null;
    if (query.properties2 && query.budget) {
      budgets = new Array<bigint>(VK_MAX_MEMORY_HEAPS).fill(UNSET_U64);
      usages = budgets.slice();
      const emulated = this.hidden('vkGetPhysicalDeviceMemoryProperties2') === 'emulated';
      const [allowed] = emulated
        ? [false]
        : this.chain(
            'vkGetPhysicalDeviceMemoryProperties2',
            'VkPhysicalDeviceMemoryProperties2',
            ['VkPhysicalDeviceMemoryBudgetPropertiesEXT'],
            cfg.apiVersion,
            this.supported(cfg),
          );
      if (allowed) {
        budgets.fill(0n);
        usages.fill(0n);
        cfg.heaps.forEach((heap, i) => {
          budgets![i] = heap.budget;
          // What this process allocated counts, as on a real driver.
          usages![i] = heap.usage + physical.heapAllocated[i]!;
        });
        for (let i = heapCount; i < VK_MAX_MEMORY_HEAPS; i++) {
          budgets[i] = JUNK_BYTES;
          usages[i] = 0n;
        }
      }
    }
    // From here on as the koffi binding reads what the driver wrote.
    const shownHeaps = Math.min(heapCount, VK_MAX_MEMORY_HEAPS);
    const budgetUnfilled =
      budgets !== null &&
      shownHeaps > 0 &&
      budgets.slice(0, shownHeaps).every((value) => value === UNSET_U64);
    const useBudget = budgets !== null && !budgetUnfilled;
    return {
      memoryTypeCount: typeCount,
      memoryHeapCount: heapCount,
      memoryTypes: types.slice(0, Math.min(typeCount, VK_MAX_MEMORY_TYPES)),
      memoryHeaps: heaps.slice(0, shownHeaps).map((heap, i) => ({
        ...heap,
        budget: useBudget ? budgets![i]! : null,
        usage: useBudget ? usages![i]! : null,
      })),
      budgetUnfilled,
    };
  }

  /** VkPhysicalDeviceMemoryProperties as the driver fills it (fill_memory_properties). */
  private memorySlots(cfg: ModelDevice) {
    const types = Array.from({ length: VK_MAX_MEMORY_TYPES }, (_, i) => ({
      propertyFlags: cfg.types[i]?.flags ?? 0,
      heapIndex: cfg.types[i]?.heap ?? 0,
    }));
    const heaps = Array.from({ length: VK_MAX_MEMORY_HEAPS }, (_, i) => ({
      size: cfg.heaps[i]?.size ?? 0n,
      flags: cfg.heaps[i]?.flags ?? 0,
    }));
    if (cfg.quirks.heapIndexOutOfRange && cfg.types.length > 0) {
      types[cfg.types.length - 1]!.heapIndex = cfg.heaps.length;
    }
    const typeCount = cfg.quirks.memoryTypeCount || cfg.types.length;
    const heapCount = cfg.quirks.memoryHeapCount || cfg.heaps.length;
    for (let i = typeCount; i < VK_MAX_MEMORY_TYPES; i++) {
      types[i] = { propertyFlags: JUNK_TYPE_FLAGS, heapIndex: VK_MAX_MEMORY_HEAPS - 1 };
    }
    for (let i = heapCount; i < VK_MAX_MEMORY_HEAPS; i++) {
      heaps[i] = { size: JUNK_BYTES, flags: 0x1 };
    }
    return { typeCount, heapCount, types, heaps };
  }

  getExternalBufferProperties(
    handle: DispatchableHandle,
    usage: number,
    handleType: number,
  ): RawExternalMemoryProperties | null {
    const cfg = this.physicalOf(handle).cfg;
    const answer = {
      externalMemoryFeatures: 0,
      exportFromImportedHandleTypes: 0,
      compatibleHandleTypes: 0,
    };
    // Without the driver's command the loader answers "no external memory" (measured).
    if (this.hidden('vkGetPhysicalDeviceExternalBufferProperties') === 'emulated') return answer;
    const call = 'vkGetPhysicalDeviceExternalBufferProperties';
    if (usage === 0) {
      this.record.violation(
        VUID_VkPhysicalDeviceExternalBufferInfo_usage_requiredbitmask,
        `${call}: usage is 0`,
      );
    }
    if (handleType === 0 || (handleType & (handleType - 1)) !== 0 || (handleType & ~0x1fff) !== 0) {
      this.record.violation(
        VUID_VkPhysicalDeviceExternalBufferInfo_handleType_parameter,
        `${call}: handleType 0x${(handleType >>> 0).toString(16)} is not one VkExternalMemoryHandleTypeFlagBits value`,
      );
    }
    if (handleType === RDMA_HANDLE && cfg.extRdma) {
      if (cfg.exportable) answer.externalMemoryFeatures |= ExternalMemoryFeatureFlag.EXPORTABLE;
      if (cfg.importable) answer.externalMemoryFeatures |= ExternalMemoryFeatureFlag.IMPORTABLE;
      if (cfg.dedicatedOnly && answer.externalMemoryFeatures) {
        answer.externalMemoryFeatures |= ExternalMemoryFeatureFlag.DEDICATED_ONLY;
      }
      answer.compatibleHandleTypes = RDMA_HANDLE;
    }
    return answer;
  }

  getQueueFamilies(handle: DispatchableHandle): RawQueueFamily[] {
    this.physicalOf(handle);
    return [
      { queueFlags: QueueFlag.GRAPHICS | QueueFlag.COMPUTE | QueueFlag.TRANSFER, queueCount: 1 },
    ];
  }

  // ------------------------------------------------------------------------ device

  createDevice(handle: DispatchableHandle, options: DeviceOptions): DispatchableHandle {
    const physical = this.physicalOf(handle);
    const cfg = physical.cfg;
    const call = 'vkCreateDevice';
    if (cfg.quirks.duplicateExtensions || cfg.quirks.extensionsIncomplete) {
      throw new NotModelledError(
        'vkCreateDevice on a GPU whose extension list the loader rewrites',
        'the loader crashes there (measured)',
      );
    }
    if (this.model.faults.some((fault) => fault.call === 'vkEnumerateDeviceExtensionProperties')) {
      throw new NotModelledError(
        'vkCreateDevice while vkEnumerateDeviceExtensionProperties fails',
        'the loader checks the extensions with it',
      );
    }
    // The loader checks the extensions itself and never calls the driver when one is
    // missing (measured: no violation, no call).
    const offered = new Set(this.extensionsOf(cfg).map((ext) => ext.extensionName));
    if (options.enabledExtensions.some((name) => !offered.has(name))) {
      this.fail(call, VK_ERROR_EXTENSION_NOT_PRESENT);
    }
    const fault = this.record.enter(call, cfg.index);
    if (fault !== VK_SUCCESS) this.fail(call, fault);
    const instance = physical.instance;
    const apiVersion = Math.min(instance.apiVersion, cfg.apiVersion);
    const enabled = new Set(options.enabledExtensions);
    if (
      enabled.has(Extension.EXTERNAL_MEMORY_RDMA) &&
      apiVersion < VK_API_VERSION_1_1 &&
      !enabled.has('VK_KHR_external_memory')
    ) {
      this.record.violation(
        VUID_vkCreateDevice_ppEnabledExtensionNames_01387,
        'vkCreateDevice: VK_NV_external_memory_rdma needs VK_KHR_external_memory or Vulkan 1.1',
      );
    }
    let result = VK_SUCCESS;
    if (options.queueFamilyIndex !== 0) {
      this.record.violation(
        VUID_VkDeviceQueueCreateInfo_queueFamilyIndex_00381,
        `vkCreateDevice: queueFamilyIndex ${options.queueFamilyIndex}, the device has 1 family`,
      );
      result = VK_ERROR_INITIALIZATION_FAILED;
    }
    let rdmaEnabled = false;
    let featureResult = VK_SUCCESS;
    if (options.enableExternalMemoryRDMA) {
      const [allowed] = this.chain(
        call,
        'VkDeviceCreateInfo',
        [RDMA_FEATURES],
        cfg.apiVersion,
        enabled,
      );
      if (!allowed) {
        featureResult = VK_ERROR_FEATURE_NOT_PRESENT;
      } else if (!cfg.featureRdma) {
        this.record.violation(
          'ICD-vkCreateDevice-feature-not-supported',
          `vkCreateDevice: externalMemoryRDMA requested, device ${cfg.index} does not support it`,
        );
        featureResult = VK_ERROR_FEATURE_NOT_PRESENT;
      } else {
        rdmaEnabled = true;
      }
    }
    if (result === VK_SUCCESS) result = featureResult;
    this.record.lastDevice = {
      device: cfg.index,
      extensions: [...options.enabledExtensions],
      externalMemoryRDMA: options.enableExternalMemoryRDMA,
      rdmaFeaturesChained: options.enableExternalMemoryRDMA,
      queueCreateInfoCount: 1,
    };
    if (result !== VK_SUCCESS) this.fail(call, result);
    const device: Device = {
      handle: this.handle(),
      physical,
      apiVersion,
      enabledExtensions: enabled,
      featureRdma: rdmaEnabled,
      buffers: new Map(),
      memories: new Map(),
    };
    instance.devices.add(device);
    this.record.created.devices++;
    this.record.live.devices++;
    // Then, as the koffi binding does, every device command is looked up before anything
    // else exists (an extension's only when it was enabled); a NULL one destroys the device
    // at once.
    const missing = DEVICE_COMMANDS.filter(
      (name) => available(device, name) && !this.resolves(device, name),
    );
    if (missing.length > 0) {
      this.releaseDevice(device);
      const more = missing.length > 1 ? ` (also ${missing.slice(1).join(', ')})` : '';
      throw new MissingEntryPointError(
        'vkGetDeviceProcAddr',
        missing[0]!,
        `the device was destroyed before anything was allocated${more}`,
      );
    }
    this.devices.set(device.handle, device);
    return device.handle;
  }

  /** vkGetDeviceProcAddr of the driver: NULL for versions and extensions the device lacks. */
  private resolves(device: Device, name: DeviceCommand): boolean {
    if (this.hidden(name) !== undefined) return false;
    if (name === 'vkGetMemoryRemoteAddressNV') {
      return device.enabledExtensions.has(Extension.EXTERNAL_MEMORY_RDMA);
    }
    if (name === 'vkGetBufferMemoryRequirements2') return device.apiVersion >= VK_API_VERSION_1_1;
    return true;
  }

  destroyDevice(handle: DispatchableHandle): void {
    this.releaseDevice(this.deviceOf(handle));
  }

  private releaseDevice(device: Device): void {
    this.record.count('vkDestroyDevice');
    const { buffers, memories } = device;
    if (buffers.size > 0 || memories.size > 0) {
      this.record.violation(
        VUID_vkDestroyDevice_device_00378,
        `vkDestroyDevice: ${buffers.size} VkBuffer(s) and ${memories.size} VkDeviceMemory(s) still alive`,
      );
    }
    // What it still owns is released with it but stays counted as live, as in the driver.
    for (const memory of memories.values()) {
      device.physical.heapAllocated[memory.heapIndex]! -= memory.size;
    }
    device.physical.instance.devices.delete(device);
    this.devices.delete(device.handle);
    this.record.live.devices--;
  }

  createBuffer(handle: DispatchableHandle, options: BufferOptions): NonDispatchableHandle {
    const device = this.deviceOf(handle);
    const call = 'vkCreateBuffer';
    const fault = this.record.enter(call, device.physical.cfg.index);
    if (fault !== VK_SUCCESS) this.fail(call, fault);
    let externalTypes = 0;
    if (options.externalHandleTypes) {
      const [allowed] = this.chain(
        call,
        'VkBufferCreateInfo',
        ['VkExternalMemoryBufferCreateInfo'],
        device.apiVersion,
        device.enabledExtensions,
      );
      if (allowed) externalTypes = options.externalHandleTypes;
    }
    let result = VK_SUCCESS;
    if (options.size === 0n) {
      this.record.violation(VUID_VkBufferCreateInfo_size_00912, 'vkCreateBuffer: size is 0');
      result = VK_ERROR_VALIDATION_FAILED_EXT;
    }
    if (options.usage === 0) {
      this.record.violation(
        VUID_VkBufferCreateInfo_usage_requiredbitmask,
        'vkCreateBuffer: usage is 0',
      );
      result = VK_ERROR_VALIDATION_FAILED_EXT;
    }
    if (externalTypes & ~RDMA_HANDLE) {
      this.record.violation(
        VUID_VkBufferCreateInfo_pNext_00920,
        `vkCreateBuffer: external handle types 0x${((externalTypes & ~RDMA_HANDLE) >>> 0).toString(16)} are not supported`,
      );
      result = VK_ERROR_VALIDATION_FAILED_EXT;
    }
    if (externalTypes & RDMA_HANDLE && !device.featureRdma) {
      this.record.violation(
        'ICD-externalMemoryRDMA-not-enabled',
        `vkCreateBuffer: VkExternalMemoryBufferCreateInfo names VK_EXTERNAL_MEMORY_HANDLE_TYPE_RDMA_ADDRESS_BIT_NV but the device was created without ${this.rdmaMissing(device)}`,
      );
      if (result === VK_SUCCESS) result = VK_ERROR_FEATURE_NOT_PRESENT;
    }
    if (result !== VK_SUCCESS) this.fail(call, result);
    const buffer = this.handle();
    device.buffers.set(buffer, {
      size: options.size,
      externalTypes,
      // Independent of DEDICATED_ONLY, as on a real driver: a program must honour either.
      requiresDedicated: externalTypes !== 0 && device.physical.cfg.requiresDedicated,
      wasBound: false,
    });
    this.record.created.buffers++;
    this.record.live.buffers++;
    return buffer;
  }

  private rdmaMissing(device: Device): string {
    return device.enabledExtensions.has(Extension.EXTERNAL_MEMORY_RDMA)
      ? 'the externalMemoryRDMA feature'
      : 'VK_NV_external_memory_rdma';
  }

  destroyBuffer(handle: DispatchableHandle, buffer: NonDispatchableHandle): void {
    const device = this.deviceOf(handle);
    this.record.count('vkDestroyBuffer');
    if (buffer === 0n) return;
    if (!device.buffers.delete(buffer)) {
      this.record.violation(
        VUID_vkDestroyBuffer_buffer_parameter,
        'vkDestroyBuffer: buffer is not a live VkBuffer of this device',
      );
      return;
    }
    this.record.live.buffers--;
  }

  private requiredSize(device: Device, buffer: BufferObject): bigint {
    return alignUp(buffer.size, device.physical.cfg.alignment);
  }

  getBufferMemoryRequirements(
    handle: DispatchableHandle,
    bufferHandle: NonDispatchableHandle,
  ): BufferMemoryRequirements {
    const device = this.deviceOf(handle);
    this.record.count('vkGetBufferMemoryRequirements2');
    const buffer = device.buffers.get(bufferHandle);
    if (!buffer) {
      this.record.violation(
        VUID_VkBufferMemoryRequirementsInfo2_buffer_parameter,
        'vkGetBufferMemoryRequirements2: buffer is not a live VkBuffer of this device',
      );
      // Left unfilled: the koffi binding reads the zeros it wrote.
      return {
        size: 0n,
        alignment: 0n,
        memoryTypeBits: 0,
        prefersDedicatedAllocation: false,
        requiresDedicatedAllocation: false,
      };
    }
    const cfg = device.physical.cfg;
    const [dedicated] = this.chain(
      'vkGetBufferMemoryRequirements2',
      'VkMemoryRequirements2',
      ['VkMemoryDedicatedRequirements'],
      device.apiVersion,
      device.enabledExtensions,
    );
    const requires = dedicated === true && buffer.requiresDedicated;
    return {
      size: this.requiredSize(device, buffer),
      alignment: cfg.alignment,
      memoryTypeBits: cfg.memoryTypeBits,
      prefersDedicatedAllocation: requires,
      requiresDedicatedAllocation: requires,
    };
  }

  allocateMemory(handle: DispatchableHandle, options: AllocationOptions): NonDispatchableHandle {
    const device = this.deviceOf(handle);
    const cfg = device.physical.cfg;
    const call = 'vkAllocateMemory';
    const fault = this.record.enter(call, cfg.index);
    if (fault !== VK_SUCCESS) this.fail(call, fault);
    // The koffi binding chains the export structure first, then the dedicated one.
    const chained: ChainChildName<'VkMemoryAllocateInfo'>[] = [];
    if (options.exportHandleTypes) chained.push(EXPORT_ALLOCATE);
    if (options.dedicatedBuffer !== null) chained.push(DEDICATED_ALLOCATE);
    const allowed = this.chain(
      call,
      'VkMemoryAllocateInfo',
      chained,
      device.apiVersion,
      device.enabledExtensions,
    );
    const hasExport = allowed[chained.indexOf(EXPORT_ALLOCATE)] === true;
    const hasDedicated = allowed[chained.indexOf(DEDICATED_ALLOCATE)] === true;
    const exportTypes = hasExport ? options.exportHandleTypes : 0;
    const dedicatedBuffer = hasDedicated ? options.dedicatedBuffer! : 0n;

    let result = VK_SUCCESS;
    const keep = (code: number) => {
      if (result === VK_SUCCESS) result = code;
    };
    const type = options.memoryTypeIndex;
    const typeValid = type < cfg.types.length;
    if (options.size === 0n) {
      this.record.violation(
        VUID_VkMemoryAllocateInfo_allocationSize_00638,
        'vkAllocateMemory: allocationSize is 0',
      );
      result = VK_ERROR_VALIDATION_FAILED_EXT;
    }
    if (!typeValid) {
      this.record.violation(
        VUID_vkAllocateMemory_pAllocateInfo_01714,
        `vkAllocateMemory: memoryTypeIndex ${type}, memoryTypeCount is ${cfg.types.length}`,
      );
      result = VK_ERROR_VALIDATION_FAILED_EXT;
    }
    if (device.memories.size >= MAX_MEMORY_ALLOCATIONS) {
      this.record.violation(
        VUID_vkAllocateMemory_maxMemoryAllocationCount_04101,
        `vkAllocateMemory: ${device.memories.size} allocations alive`,
      );
      keep(VK_ERROR_TOO_MANY_OBJECTS);
    }
    const rdmaExport = hasExport && (exportTypes & RDMA_HANDLE) !== 0;
    if (hasExport && exportTypes & ~RDMA_HANDLE) {
      this.record.violation(
        VUID_VkExportMemoryAllocateInfo_handleTypes_00656,
        `vkAllocateMemory: export handle types 0x${((exportTypes & ~RDMA_HANDLE) >>> 0).toString(16)} are not supported`,
      );
      keep(VK_ERROR_INVALID_EXTERNAL_HANDLE);
    }
    if (rdmaExport) {
      if (!device.featureRdma) {
        this.record.violation(
          'ICD-externalMemoryRDMA-not-enabled',
          `vkAllocateMemory: VkExportMemoryAllocateInfo names VK_EXTERNAL_MEMORY_HANDLE_TYPE_RDMA_ADDRESS_BIT_NV but the device was created without ${this.rdmaMissing(device)}`,
        );
        keep(VK_ERROR_FEATURE_NOT_PRESENT);
      } else if (!cfg.exportable) {
        this.record.violation(
          VUID_VkExportMemoryAllocateInfo_handleTypes_00656,
          `vkAllocateMemory: RDMA export is not EXPORTABLE on device ${cfg.index}`,
        );
        keep(VK_ERROR_INVALID_EXTERNAL_HANDLE);
      }
      if (typeValid && !(cfg.types[type]!.flags & RDMA_CAPABLE)) {
        this.record.violation(
          'ICD-rdma-export-needs-rdma-capable-type',
          `vkAllocateMemory: RDMA export from memory type ${type}, which lacks VK_MEMORY_PROPERTY_RDMA_CAPABLE_BIT_NV`,
        );
        keep(VK_ERROR_INVALID_EXTERNAL_HANDLE);
      }
      if (cfg.dedicatedOnly && !(hasDedicated && dedicatedBuffer !== 0n)) {
        this.record.violation(
          VUID_VkMemoryAllocateInfo_pNext_00639,
          `vkAllocateMemory: RDMA export is DEDICATED_ONLY on device ${cfg.index} but no VkMemoryDedicatedAllocateInfo names a buffer`,
        );
        keep(VK_ERROR_VALIDATION_FAILED_EXT);
      }
    }
    if (hasDedicated && dedicatedBuffer !== 0n) {
      const buffer = device.buffers.get(dedicatedBuffer);
      if (!buffer) {
        this.record.violation(
          VUID_VkMemoryDedicatedAllocateInfo_buffer_parameter,
          'vkAllocateMemory: dedicated buffer is not a live VkBuffer',
        );
        keep(VK_ERROR_VALIDATION_FAILED_EXT);
      } else {
        const required = this.requiredSize(device, buffer);
        if (options.size !== required) {
          this.record.violation(
            VUID_VkMemoryDedicatedAllocateInfo_buffer_01435,
            `vkAllocateMemory: allocationSize ${options.size}, the buffer requires ${required}`,
          );
          keep(VK_ERROR_VALIDATION_FAILED_EXT);
        }
        if (typeValid && type < 32 && !((cfg.memoryTypeBits >>> type) & 1)) {
          this.record.violation(
            'ICD-dedicated-memoryTypeIndex-not-in-memoryTypeBits',
            `vkAllocateMemory: memory type ${type} is not in the dedicated buffer's memoryTypeBits 0x${cfg.memoryTypeBits.toString(16)}`,
          );
          keep(VK_ERROR_VALIDATION_FAILED_EXT);
        }
      }
    }
    if (result !== VK_SUCCESS) this.fail(call, result);

    const heapIndex = cfg.types[type]!.heap;
    const heap = cfg.heaps[heapIndex]!;
    this.record.lastAllocation = {
      device: cfg.index,
      memoryTypeIndex: type,
      allocationSize: Number(options.size),
      exportHandleTypes: exportTypes,
      dedicated: hasDedicated && dedicatedBuffer !== 0n,
    };
    if (options.size > heap.size) {
      this.record.violation(
        VUID_vkAllocateMemory_pAllocateInfo_01713,
        `vkAllocateMemory: allocationSize ${options.size} is larger than heap ${heapIndex} (${heap.size})`,
      );
      this.fail(call, VK_ERROR_OUT_OF_DEVICE_MEMORY);
    }
    // Over the heap's budget is a real outcome, not a mistake of the caller.
    const used = heap.usage + device.physical.heapAllocated[heapIndex]!;
    if (used > heap.budget || options.size > heap.budget - used) {
      this.fail(call, VK_ERROR_OUT_OF_DEVICE_MEMORY);
    }
    const memory = this.handle();
    device.memories.set(memory, {
      size: options.size,
      typeIndex: type,
      heapIndex,
      exportTypes,
      dedicatedBuffer,
    });
    device.physical.heapAllocated[heapIndex]! += options.size;
    this.record.created.memory++;
    this.record.live.memory++;
    return memory;
  }

  freeMemory(handle: DispatchableHandle, memoryHandle: NonDispatchableHandle): void {
    const device = this.deviceOf(handle);
    this.record.count('vkFreeMemory');
    if (memoryHandle === 0n) return;
    const memory = device.memories.get(memoryHandle);
    if (!memory) {
      this.record.violation(
        VUID_vkFreeMemory_memory_parameter,
        'vkFreeMemory: memory is not a live VkDeviceMemory of this device',
      );
      return;
    }
    device.physical.heapAllocated[memory.heapIndex]! -= memory.size;
    device.memories.delete(memoryHandle);
    this.record.live.memory--;
  }

  bindBufferMemory(
    handle: DispatchableHandle,
    bufferHandle: NonDispatchableHandle,
    memoryHandle: NonDispatchableHandle,
  ): void {
    const device = this.deviceOf(handle);
    const call = 'vkBindBufferMemory';
    const fault = this.record.enter(call, device.physical.cfg.index);
    if (fault !== VK_SUCCESS) this.fail(call, fault);
    const buffer = device.buffers.get(bufferHandle);
    const memory = device.memories.get(memoryHandle);
    if (!buffer) {
      this.record.violation(
        VUID_vkBindBufferMemory_buffer_parameter,
        `${call}: buffer is not a live VkBuffer`,
      );
    }
    if (!memory) {
      this.record.violation(
        VUID_vkBindBufferMemory_memory_parameter,
        `${call}: memory is not a live VkDeviceMemory`,
      );
    }
    if (!buffer || !memory) this.fail(call, VK_ERROR_VALIDATION_FAILED_EXT);
    const cfg = device.physical.cfg;
    let ok = true;
    const broken = (vuid: string, text: string) => {
      this.record.violation(vuid, `${call}: ${text}`);
      ok = false;
    };
    // The binding always binds at offset 0, so the offset rules cannot break.
    if (buffer.wasBound) {
      broken(VUID_vkBindBufferMemory_buffer_07459, 'the buffer is already bound to memory');
    }
    if (memory.typeIndex >= 32 || !((cfg.memoryTypeBits >>> memory.typeIndex) & 1)) {
      broken(
        VUID_vkBindBufferMemory_memory_01035,
        `memory type ${memory.typeIndex} is not in the buffer's memoryTypeBits 0x${cfg.memoryTypeBits.toString(16)}`,
      );
    }
    const required = this.requiredSize(device, buffer);
    if (required > memory.size) {
      broken(
        VUID_vkBindBufferMemory_size_01037,
        `the buffer needs ${required} bytes, memory has ${memory.size} after offset 0`,
      );
    }
    if (memory.dedicatedBuffer !== 0n && memory.dedicatedBuffer !== bufferHandle) {
      broken(
        VUID_vkBindBufferMemory_memory_01508,
        'memory is dedicated to another buffer or memoryOffset is not 0',
      );
    }
    if (buffer.requiresDedicated && memory.dedicatedBuffer !== bufferHandle) {
      broken(
        VUID_vkBindBufferMemory_buffer_01444,
        'the buffer requires a dedicated allocation; memory is not dedicated to it',
      );
    }
    if (memory.exportTypes && !(memory.exportTypes & buffer.externalTypes)) {
      broken(
        VUID_vkBindBufferMemory_memory_02726,
        `memory exports handle types 0x${memory.exportTypes.toString(16)}, the buffer was created for 0x${buffer.externalTypes.toString(16)}`,
      );
    }
    if (!ok) this.fail(call, VK_ERROR_VALIDATION_FAILED_EXT);
    buffer.wasBound = true;
  }

  getMemoryRemoteAddress(
    handle: DispatchableHandle,
    memoryHandle: NonDispatchableHandle,
    handleType: number,
  ): bigint {
    const device = this.deviceOf(handle);
    const call = 'vkGetMemoryRemoteAddressNV';
    // The koffi binding never asks vkGetDeviceProcAddr for it on such a device: calling it
    // there is the caller's mistake, and nothing reaches the driver.
    if (!available(device, call)) {
      throw new TypeError(
        `${call} needs ${requiredExtensions(call).join(' or ')} enabled before vkGetDeviceProcAddr may be asked for it`,
      );
    }
    const fault = this.record.enter(call, device.physical.cfg.index);
    if (fault !== VK_SUCCESS) this.fail(call, fault);
    const memory = device.memories.get(memoryHandle);
    if (!memory) {
      this.record.violation(
        VUID_VkMemoryGetRemoteAddressInfoNV_memory_parameter,
        `${call}: memory is not a live VkDeviceMemory`,
      );
      this.fail(call, VK_ERROR_INVALID_EXTERNAL_HANDLE);
    }
    if (handleType !== RDMA_HANDLE) {
      this.record.violation(
        VUID_VkMemoryGetRemoteAddressInfoNV_handleType_04966,
        `${call}: handleType 0x${(handleType >>> 0).toString(16)}; only VK_EXTERNAL_MEMORY_HANDLE_TYPE_RDMA_ADDRESS_BIT_NV has an address`,
      );
      this.fail(call, VK_ERROR_INVALID_EXTERNAL_HANDLE);
    }
    if (!(memory.exportTypes & RDMA_HANDLE)) {
      this.record.violation(
        VUID_VkMemoryGetRemoteAddressInfoNV_handleType_04966,
        `${call}: memory was not allocated with VkExportMemoryAllocateInfo naming VK_EXTERNAL_MEMORY_HANDLE_TYPE_RDMA_ADDRESS_BIT_NV`,
      );
      this.fail(call, VK_ERROR_INVALID_EXTERNAL_HANDLE);
    }
    return device.physical.cfg.remoteAddress;
  }
}

/** The driver-selection variables set in `env`, read as the koffi binding reads them. */
export function driverSelectionOf(env: NodeJS.ProcessEnv): DriverSelection[] {
  const selection: DriverSelection[] = [];
  for (const name of DRIVER_SELECTION_VARIABLES) {
    const value = env[name];
    if (value) selection.push({ name: name as DriverSelection['name'], value });
  }
  return selection;
}

/**
 * CliDeps for main(): each loadBinding opens a fresh MemoryBinding of `config` (as each run
 * of the CLI loads the driver afresh), remembered in `opened` for the test to read.
 */
export function memoryDeps(
  config: TestDriverConfig = {},
  options: Omit<MemoryBindingOptions, 'driverSelection'> = {},
): { loadBinding: (env: NodeJS.ProcessEnv) => MemoryBinding; opened: MemoryBinding[] } {
  const opened: MemoryBinding[] = [];
  return {
    opened,
    loadBinding: (env) => {
      if (env['VK_LOADER_DEVICE_SELECT']) {
        throw new NotModelledError(
          'VK_LOADER_DEVICE_SELECT',
          "it moves a GPU to the loader's front",
        );
      }
      const binding = new MemoryBinding(config, {
        ...options,
        driverSelection: driverSelectionOf(env),
      });
      opened.push(binding);
      return binding;
    },
  };
}
