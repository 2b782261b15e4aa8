/**
 * Vulkan values the probe uses, with the names the specification gives them. The
 * registry's enums come from ./generated/vk-enums.ts (scripts/gen-vulkan.mjs reads vk.xml);
 * this module adds what is the project's own: extension names, the device-type labels the
 * report prints, and the VkResult name lookup.
 */
import {
  ApiVersion,
  DebugMessageType,
  VkPhysicalDeviceType,
  VkResult,
} from './generated/vk-enums.js';

export {
  BufferUsageFlag,
  DebugSeverity,
  ExternalMemoryFeatureFlag,
  ExternalMemoryHandleTypeFlag,
  MemoryHeapFlag,
  MemoryPropertyFlag,
  QueueFlag,
  SharingMode,
  StructureType,
  StructureTypeOf,
  VK_LUID_SIZE,
  VK_MAX_DESCRIPTION_SIZE,
  VK_MAX_DRIVER_INFO_SIZE,
  VK_MAX_DRIVER_NAME_SIZE,
  VK_MAX_EXTENSION_NAME_SIZE,
  VK_MAX_MEMORY_HEAPS,
  VK_MAX_MEMORY_TYPES,
  VK_MAX_PHYSICAL_DEVICE_NAME_SIZE,
  VK_FALSE,
  VK_TRUE,
  VK_UUID_SIZE,
  VendorId,
  VkResult,
} from './generated/vk-enums.js';

export const VK_SUCCESS = VkResult.VK_SUCCESS;
export const VK_INCOMPLETE = VkResult.VK_INCOMPLETE;

export const Extension = {
  EXTERNAL_MEMORY_RDMA: 'VK_NV_external_memory_rdma',
  MEMORY_BUDGET: 'VK_EXT_memory_budget',
  PCI_BUS_INFO: 'VK_EXT_pci_bus_info',
  DRIVER_PROPERTIES: 'VK_KHR_driver_properties',
  DEBUG_UTILS: 'VK_EXT_debug_utils',
} as const;

export const VALIDATION_LAYER = 'VK_LAYER_KHRONOS_validation';

/** The report's label for each VkPhysicalDeviceType. */
export const PhysicalDeviceType: Record<number, string> = {
  [VkPhysicalDeviceType.OTHER]: 'other',
  [VkPhysicalDeviceType.INTEGRATED_GPU]: 'integrated-gpu',
  [VkPhysicalDeviceType.DISCRETE_GPU]: 'discrete-gpu',
  [VkPhysicalDeviceType.VIRTUAL_GPU]: 'virtual-gpu',
  [VkPhysicalDeviceType.CPU]: 'cpu',
};

/** The messages the probe asks VK_EXT_debug_utils for: general, validation, performance. */
export const DEBUG_MESSAGE_TYPES_ALL =
  DebugMessageType.GENERAL | DebugMessageType.VALIDATION | DebugMessageType.PERFORMANCE;

/** Every VkResult the registry names, by value; others print as UNKNOWN_VkResult_<n>. */
export const VkResultName: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(VkResult).map(([name, value]) => [value, name]),
);

export function vkResultName(result: number): string {
  return VkResultName[result] ?? `UNKNOWN_VkResult_${result}`;
}

/** VK_MAKE_API_VERSION(0, major, minor, patch) */
export function makeApiVersion(major: number, minor: number, patch: number): number {
  return ((major << 22) | (minor << 12) | patch) >>> 0;
}

/** The core versions, as the registry numbers its <feature>s. */
export const VK_API_VERSION_1_0 = ApiVersion.VK_VERSION_1_0;
export const VK_API_VERSION_1_1 = ApiVersion.VK_VERSION_1_1;
export const VK_API_VERSION_1_2 = ApiVersion.VK_VERSION_1_2;
export const VK_API_VERSION_1_3 = ApiVersion.VK_VERSION_1_3;
