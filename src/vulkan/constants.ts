/**
 * Vulkan enum values the probe uses, with the names the specification gives them.
 * Values were checked against vulkan_core.h; the layout test compiles against it too.
 */

export const VK_SUCCESS = 0;
export const VK_INCOMPLETE = 5;

export const VK_MAX_PHYSICAL_DEVICE_NAME_SIZE = 256;
export const VK_MAX_EXTENSION_NAME_SIZE = 256;
export const VK_MAX_DESCRIPTION_SIZE = 256;
export const VK_MAX_DRIVER_NAME_SIZE = 256;
export const VK_MAX_DRIVER_INFO_SIZE = 256;
export const VK_UUID_SIZE = 16;
export const VK_LUID_SIZE = 8;
export const VK_MAX_MEMORY_TYPES = 32;
export const VK_MAX_MEMORY_HEAPS = 16;

export const StructureType = {
  APPLICATION_INFO: 0,
  INSTANCE_CREATE_INFO: 1,
  DEVICE_QUEUE_CREATE_INFO: 2,
  DEVICE_CREATE_INFO: 3,
  MEMORY_ALLOCATE_INFO: 5,
  BUFFER_CREATE_INFO: 12,
  PHYSICAL_DEVICE_FEATURES_2: 1000059000,
  PHYSICAL_DEVICE_PROPERTIES_2: 1000059001,
  PHYSICAL_DEVICE_MEMORY_PROPERTIES_2: 1000059006,
  PHYSICAL_DEVICE_EXTERNAL_BUFFER_INFO: 1000071002,
  EXTERNAL_BUFFER_PROPERTIES: 1000071003,
  PHYSICAL_DEVICE_ID_PROPERTIES: 1000071004,
  EXTERNAL_MEMORY_BUFFER_CREATE_INFO: 1000072000,
  EXPORT_MEMORY_ALLOCATE_INFO: 1000072002,
  MEMORY_DEDICATED_REQUIREMENTS: 1000127000,
  MEMORY_DEDICATED_ALLOCATE_INFO: 1000127001,
  DEBUG_UTILS_MESSENGER_CALLBACK_DATA_EXT: 1000128003,
  DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT: 1000128004,
  BUFFER_MEMORY_REQUIREMENTS_INFO_2: 1000146000,
  MEMORY_REQUIREMENTS_2: 1000146003,
  PHYSICAL_DEVICE_DRIVER_PROPERTIES: 1000196000,
  PHYSICAL_DEVICE_PCI_BUS_INFO_PROPERTIES_EXT: 1000212000,
  PHYSICAL_DEVICE_MEMORY_BUDGET_PROPERTIES_EXT: 1000237000,
  MEMORY_GET_REMOTE_ADDRESS_INFO_NV: 1000371000,
  PHYSICAL_DEVICE_EXTERNAL_MEMORY_RDMA_FEATURES_NV: 1000371001,
} as const;

export const Extension = {
  EXTERNAL_MEMORY_RDMA: 'VK_NV_external_memory_rdma',
  MEMORY_BUDGET: 'VK_EXT_memory_budget',
  PCI_BUS_INFO: 'VK_EXT_pci_bus_info',
  DRIVER_PROPERTIES: 'VK_KHR_driver_properties',
  DEBUG_UTILS: 'VK_EXT_debug_utils',
} as const;

export const VALIDATION_LAYER = 'VK_LAYER_KHRONOS_validation';

export const MemoryPropertyFlag = {
  DEVICE_LOCAL: 0x1,
  HOST_VISIBLE: 0x2,
  HOST_COHERENT: 0x4,
  HOST_CACHED: 0x8,
  LAZILY_ALLOCATED: 0x10,
  PROTECTED: 0x20,
  DEVICE_COHERENT_AMD: 0x40,
  DEVICE_UNCACHED_AMD: 0x80,
  RDMA_CAPABLE_NV: 0x100,
} as const;

export const MemoryHeapFlag = {
  DEVICE_LOCAL: 0x1,
  MULTI_INSTANCE: 0x2,
} as const;

export const ExternalMemoryFeatureFlag = {
  DEDICATED_ONLY: 0x1,
  EXPORTABLE: 0x2,
  IMPORTABLE: 0x4,
} as const;

export const ExternalMemoryHandleTypeFlag = {
  OPAQUE_FD: 0x1,
  OPAQUE_WIN32: 0x2,
  OPAQUE_WIN32_KMT: 0x4,
  D3D11_TEXTURE: 0x8,
  D3D11_TEXTURE_KMT: 0x10,
  D3D12_HEAP: 0x20,
  D3D12_RESOURCE: 0x40,
  HOST_ALLOCATION_EXT: 0x80,
  HOST_MAPPED_FOREIGN_MEMORY_EXT: 0x100,
  DMA_BUF_EXT: 0x200,
  ANDROID_HARDWARE_BUFFER_ANDROID: 0x400,
  ZIRCON_VMO_FUCHSIA: 0x800,
  RDMA_ADDRESS_NV: 0x1000,
} as const;

export const BufferUsageFlag = {
  TRANSFER_SRC: 0x1,
  TRANSFER_DST: 0x2,
} as const;

export const QueueFlag = {
  GRAPHICS: 0x1,
  COMPUTE: 0x2,
  TRANSFER: 0x4,
} as const;

export const PhysicalDeviceType: Record<number, string> = {
  0: 'other',
  1: 'integrated-gpu',
  2: 'discrete-gpu',
  3: 'virtual-gpu',
  4: 'cpu',
};

/** VkDebugUtilsMessageSeverityFlagBitsEXT */
export const DebugSeverity = {
  VERBOSE: 0x1,
  INFO: 0x10,
  WARNING: 0x100,
  ERROR: 0x1000,
} as const;

/** VkDebugUtilsMessageTypeFlagBitsEXT: general, validation, performance. */
export const DEBUG_MESSAGE_TYPES_ALL = 0x1 | 0x2 | 0x4;

/** The VkResult names the probe may meet; others print as UNKNOWN_VkResult_<n>. */
export const VkResultName: Record<number, string> = {
  0: 'VK_SUCCESS',
  1: 'VK_NOT_READY',
  2: 'VK_TIMEOUT',
  3: 'VK_EVENT_SET',
  4: 'VK_EVENT_RESET',
  5: 'VK_INCOMPLETE',
  [-1]: 'VK_ERROR_OUT_OF_HOST_MEMORY',
  [-2]: 'VK_ERROR_OUT_OF_DEVICE_MEMORY',
  [-3]: 'VK_ERROR_INITIALIZATION_FAILED',
  [-4]: 'VK_ERROR_DEVICE_LOST',
  [-5]: 'VK_ERROR_MEMORY_MAP_FAILED',
  [-6]: 'VK_ERROR_LAYER_NOT_PRESENT',
  [-7]: 'VK_ERROR_EXTENSION_NOT_PRESENT',
  [-8]: 'VK_ERROR_FEATURE_NOT_PRESENT',
  [-9]: 'VK_ERROR_INCOMPATIBLE_DRIVER',
  [-10]: 'VK_ERROR_TOO_MANY_OBJECTS',
  [-11]: 'VK_ERROR_FORMAT_NOT_SUPPORTED',
  [-12]: 'VK_ERROR_FRAGMENTED_POOL',
  [-13]: 'VK_ERROR_UNKNOWN',
  [-1000069000]: 'VK_ERROR_OUT_OF_POOL_MEMORY',
  [-1000072003]: 'VK_ERROR_INVALID_EXTERNAL_HANDLE',
  [-1000161000]: 'VK_ERROR_FRAGMENTATION',
  [-1000257000]: 'VK_ERROR_INVALID_OPAQUE_CAPTURE_ADDRESS',
};

export function vkResultName(result: number): string {
  return VkResultName[result] ?? `UNKNOWN_VkResult_${result}`;
}

/** VK_MAKE_API_VERSION(0, major, minor, patch) */
export function makeApiVersion(major: number, minor: number, patch: number): number {
  return ((major << 22) | (minor << 12) | patch) >>> 0;
}

export const VK_API_VERSION_1_1 = makeApiVersion(1, 1, 0);
export const VK_API_VERSION_1_2 = makeApiVersion(1, 2, 0);
export const VK_API_VERSION_1_3 = makeApiVersion(1, 3, 0);
