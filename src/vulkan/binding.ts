/**
 * The typed interface between the probe and Vulkan. The real implementation
 * (src/vulkan/ffi.ts) is the only code that touches koffi; tests may hand the
 * probe any other implementation. Every method returns plain, decoded objects,
 * and throws VulkanCallError when a command returns a negative VkResult.
 */

/** A dispatchable handle (VkInstance, VkPhysicalDevice, VkDevice): an opaque pointer. */
export type DispatchableHandle = bigint;
/** A non-dispatchable handle (VkBuffer, VkDeviceMemory): a 64-bit value. */
export type NonDispatchableHandle = bigint;

export interface ExtensionProperties {
  extensionName: string;
  specVersion: number;
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

export interface RawDeviceProperties {
  apiVersion: number;
  driverVersion: number;
  vendorID: number;
  deviceID: number;
  deviceType: number;
  deviceName: string;
  deviceUUID: Uint8Array;
  driverUUID: Uint8Array;
  driver: { driverID: number; driverName: string; driverInfo: string } | null;
  pciBusInfo: { pciDomain: number; pciBus: number; pciDevice: number; pciFunction: number } | null;
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
  memoryTypes: RawMemoryType[];
  memoryHeaps: RawMemoryHeap[];
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

export interface VulkanBinding {
  /** vkEnumerateInstanceVersion; 1.0 when the loader predates it. */
  enumerateInstanceVersion(): number;
  enumerateInstanceExtensions(): ExtensionProperties[];
  enumerateInstanceLayers(): string[];
  createInstance(options: InstanceOptions): DispatchableHandle;
  /** Also destroys the debug messenger created with the instance. */
  destroyInstance(instance: DispatchableHandle): void;
  enumeratePhysicalDevices(instance: DispatchableHandle): DispatchableHandle[];
  enumerateDeviceExtensions(physicalDevice: DispatchableHandle): ExtensionProperties[];
  getProperties(physicalDevice: DispatchableHandle, query: PropertiesQuery): RawDeviceProperties;
  /** vkGetPhysicalDeviceFeatures2 with the RDMA features struct chained. */
  getExternalMemoryRDMAFeature(physicalDevice: DispatchableHandle): boolean;
  getMemoryProperties(physicalDevice: DispatchableHandle, withBudget: boolean): RawMemoryProperties;
  getExternalBufferProperties(
    physicalDevice: DispatchableHandle,
    usage: number,
    handleType: number,
  ): RawExternalMemoryProperties;
  getQueueFamilies(physicalDevice: DispatchableHandle): RawQueueFamily[];

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
  /** vkGetMemoryRemoteAddressNV, fetched with vkGetDeviceProcAddr (NULL unless the extension is enabled). */
  getMemoryRemoteAddress(
    device: DispatchableHandle,
    memory: NonDispatchableHandle,
    handleType: number,
  ): bigint;
}
