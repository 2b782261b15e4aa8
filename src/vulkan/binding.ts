/**
 * The typed interface between the probe and Vulkan. The real implementation
 * (src/vulkan/ffi.ts) is the only code that touches koffi; tests may hand the
 * probe any other implementation. Every method returns plain, decoded objects,
 * and throws VulkanCallError when a command returns a negative VkResult,
 * MissingEntryPointError when a command it needs resolved to NULL (it then calls
 * nothing), and DriverOutputError when the driver answered with impossible data
 * (src/vulkan/driver-errors.ts). No method trusts a driver's counts or strings:
 * enumerations are bounded, strings are read within their arrays.
 */

/** A dispatchable handle (VkInstance, VkPhysicalDevice, VkDevice): an opaque pointer. */
export type DispatchableHandle = bigint;
/** A non-dispatchable handle (VkBuffer, VkDeviceMemory): a 64-bit value. */
export type NonDispatchableHandle = bigint;

export interface ExtensionProperties {
  extensionName: string;
  specVersion: number;
  /** False when the driver filled extensionName[256] without a NUL (the name is cut there). */
  nameTerminated: boolean;
}

export interface DebugMessage {
  /** VkDebugUtilsMessageSeverityFlagBitsEXT */
  severity: number;
  /** VkDebugUtilsMessageTypeFlagsEXT */
  types: number;
  messageIdName: string | null;
  messageIdNumber: number;
  message: string;
}

export interface InstanceOptions {
  apiVersion: number;
  applicationName: string;
  applicationVersion: number;
  enabledLayers: string[];
  enabledExtensions: string[];
  /** When set, a VK_EXT_debug_utils messenger reports every message here (the extension must be enabled). */
  onDebugMessage?: (message: DebugMessage) => void;
}

export interface PropertiesQuery {
  /** Chain VkPhysicalDeviceDriverProperties (core 1.2 or VK_KHR_driver_properties). */
  driverProperties: boolean;
  /** Chain VkPhysicalDevicePCIBusInfoPropertiesEXT (VK_EXT_pci_bus_info). */
  pciBusInfo: boolean;
}

/** vkGetPhysicalDeviceProperties: what every Vulkan version can tell. */
export interface RawBasicProperties {
  apiVersion: number;
  driverVersion: number;
  vendorID: number;
  deviceID: number;
  deviceType: number;
  deviceName: string;
  /** False when deviceName[256] held no NUL (the name is cut at 256 bytes). */
  deviceNameTerminated: boolean;
}

/**
 * vkGetPhysicalDeviceProperties2 (Vulkan 1.1): the structures chained for the probe.
 * Each output structure is pre-filled with a marker; one the driver (or the loader's
 * emulation of the command) left untouched comes back null and is named in `unfilled`,
 * so an unfilled struct never reads as zero UUIDs or PCI address 0000:00:00.0.
 */
export interface RawExtendedProperties {
  /** VkPhysicalDeviceIDProperties; null when left unfilled. */
  ids: { deviceUUID: Uint8Array; driverUUID: Uint8Array } | null;
  driver: {
    driverID: number;
    driverName: string;
    driverInfo: string;
    /** Which of driverName and driverInfo held no NUL. */
    unterminated: ('driverName' | 'driverInfo')[];
  } | null;
  pciBusInfo: { pciDomain: number; pciBus: number; pciDevice: number; pciFunction: number } | null;
  /** The names of the chained structures the driver did not fill. */
  unfilled: string[];
}

export interface RawMemoryType {
  propertyFlags: number;
  heapIndex: number;
}

export interface RawMemoryHeap {
  size: bigint;
  flags: number;
  /** From VkPhysicalDeviceMemoryBudgetPropertiesEXT; null when it was not queried. */
  budget: bigint | null;
  usage: bigint | null;
}

export interface RawMemoryProperties {
  /** memoryTypeCount as the driver reported it, which may exceed VK_MAX_MEMORY_TYPES. */
  memoryTypeCount: number;
  /** memoryHeapCount as the driver reported it, which may exceed VK_MAX_MEMORY_HEAPS. */
  memoryHeapCount: number;
  /** The first min(memoryTypeCount, 32) entries: all the struct can hold. */
  memoryTypes: RawMemoryType[];
  /** The first min(memoryHeapCount, 16) entries. */
  memoryHeaps: RawMemoryHeap[];
  /** The budget structure was chained but the driver left it unfilled (budgets are then null). */
  budgetUnfilled: boolean;
}

export interface MemoryQuery {
  /** vkGetPhysicalDeviceMemoryProperties2 (Vulkan 1.1) instead of the 1.0 command. */
  properties2: boolean;
  /** Chain VkPhysicalDeviceMemoryBudgetPropertiesEXT (needs properties2). */
  budget: boolean;
}

export interface RawExternalMemoryProperties {
  externalMemoryFeatures: number;
  exportFromImportedHandleTypes: number;
  compatibleHandleTypes: number;
}

export interface RawQueueFamily {
  queueFlags: number;
  queueCount: number;
}

export interface DeviceOptions {
  queueFamilyIndex: number;
  enabledExtensions: string[];
  /** Chain VkPhysicalDeviceExternalMemoryRDMAFeaturesNV with externalMemoryRDMA = VK_TRUE. */
  enableExternalMemoryRDMA: boolean;
}

export interface BufferOptions {
  size: bigint;
  usage: number;
  /** VkExternalMemoryBufferCreateInfo.handleTypes; 0 chains nothing. */
  externalHandleTypes: number;
}

export interface BufferMemoryRequirements {
  size: bigint;
  alignment: bigint;
  memoryTypeBits: number;
  prefersDedicatedAllocation: boolean;
  requiresDedicatedAllocation: boolean;
}

export interface AllocationOptions {
  size: bigint;
  memoryTypeIndex: number;
  /** VkExportMemoryAllocateInfo.handleTypes; 0 chains nothing. */
  exportHandleTypes: number;
  /** Chain VkMemoryDedicatedAllocateInfo for this buffer. */
  dedicatedBuffer: NonDispatchableHandle | null;
}

/** A loader variable that picks drivers, as it was set when the binding was opened. */
export interface DriverSelection {
  name: 'VK_DRIVER_FILES' | 'VK_ICD_FILENAMES' | 'VK_ADD_DRIVER_FILES';
  value: string;
}

export interface VulkanBinding {
  /** The driver-selection variables that are set, so errors can name them. */
  readonly driverSelection: readonly DriverSelection[];
  /** vkEnumerateInstanceVersion; 1.0 when the loader predates it. */
  enumerateInstanceVersion(): number;
  enumerateInstanceLayers(): string[];
  createInstance(options: InstanceOptions): DispatchableHandle;
  /** Also destroys the debug messenger created with the instance. */
  destroyInstance(instance: DispatchableHandle): void;
  enumeratePhysicalDevices(instance: DispatchableHandle): DispatchableHandle[];
  enumerateDeviceExtensions(physicalDevice: DispatchableHandle): ExtensionProperties[];
  /** vkGetPhysicalDeviceProperties (Vulkan 1.0). */
  getBasicProperties(physicalDevice: DispatchableHandle): RawBasicProperties;
  /** vkGetPhysicalDeviceProperties2 (Vulkan 1.1: only for a device of 1.1 or newer). */
  getProperties(physicalDevice: DispatchableHandle, query: PropertiesQuery): RawExtendedProperties;
  /**
   * vkGetPhysicalDeviceFeatures2 with the RDMA features struct chained; null when the
   * driver left it unfilled or answered with something other than VK_TRUE/VK_FALSE.
   */
  getExternalMemoryRDMAFeature(physicalDevice: DispatchableHandle): boolean | null;
  getMemoryProperties(physicalDevice: DispatchableHandle, query: MemoryQuery): RawMemoryProperties;
  /** vkGetPhysicalDeviceExternalBufferProperties; null when the driver left the answer unfilled. */
  getExternalBufferProperties(
    physicalDevice: DispatchableHandle,
    usage: number,
    handleType: number,
  ): RawExternalMemoryProperties | null;
  getQueueFamilies(physicalDevice: DispatchableHandle): RawQueueFamily[];

  /**
   * vkCreateDevice, then every device command the methods below call is resolved with
   * vkGetDeviceProcAddr before anything else is created (an extension's commands when
   * `enabledExtensions` has that extension). When one is NULL the device is destroyed at
   * once and MissingEntryPointError names the command.
   */
  createDevice(physicalDevice: DispatchableHandle, options: DeviceOptions): DispatchableHandle;
  destroyDevice(device: DispatchableHandle): void;
  createBuffer(device: DispatchableHandle, options: BufferOptions): NonDispatchableHandle;
  destroyBuffer(device: DispatchableHandle, buffer: NonDispatchableHandle): void;
  getBufferMemoryRequirements(
    device: DispatchableHandle,
    buffer: NonDispatchableHandle,
  ): BufferMemoryRequirements;
  allocateMemory(device: DispatchableHandle, options: AllocationOptions): NonDispatchableHandle;
  freeMemory(device: DispatchableHandle, memory: NonDispatchableHandle): void;
  bindBufferMemory(
    device: DispatchableHandle,
    buffer: NonDispatchableHandle,
    memory: NonDispatchableHandle,
  ): void;
  /**
   * vkGetMemoryRemoteAddressNV, resolved by createDevice only when the device was created
   * with VK_NV_external_memory_rdma enabled (a TypeError otherwise: nothing is called).
   */
  getMemoryRemoteAddress(
    device: DispatchableHandle,
    memory: NonDispatchableHandle,
    handleType: number,
  ): bigint;
}
