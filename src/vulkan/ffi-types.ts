/**
 * koffi definitions of the Vulkan structs and prototypes the probe uses.
 * koffi type names are global to the process, so they are defined here once, at module
 * load. Layouts mirror vulkan_core.h; test/layout.test.ts compiles a C program against
 * the real headers and compares every size and member offset defined here.
 *
 * Structs the probe never reads member by member (VkPhysicalDeviceLimits,
 * VkPhysicalDeviceFeatures) are declared as arrays of the right element type, which
 * gives them the header's size and alignment without copying hundreds of fields.
 *
 * Strings a driver writes (char[256]) are declared as bytes, not koffi strings: the
 * probe decodes them itself (src/vulkan/c-string.ts), so an array without a NUL is
 * noticed and reported rather than silently read to its end.
 */
import koffi from 'koffi';

koffi.alias('VkResult', 'int32_t');
koffi.alias('VkBool32', 'uint32_t');
koffi.alias('VkFlags', 'uint32_t');
koffi.alias('VkDeviceSize', 'uint64_t');
/** Non-dispatchable handles are 64-bit values on every platform. */
koffi.alias('VkNonDispatchable', 'uint64_t');

const chainHead = { sType: 'uint32_t', pNext: 'void *' } as const;

export const VkApplicationInfo = koffi.struct('VkApplicationInfo', {
  ...chainHead,
  pApplicationName: 'const char *',
  applicationVersion: 'uint32_t',
  pEngineName: 'const char *',
  engineVersion: 'uint32_t',
  apiVersion: 'uint32_t',
});

export const VkInstanceCreateInfo = koffi.struct('VkInstanceCreateInfo', {
  ...chainHead,
  flags: 'VkFlags',
  pApplicationInfo: 'const VkApplicationInfo *',
  enabledLayerCount: 'uint32_t',
  ppEnabledLayerNames: 'const char **',
  enabledExtensionCount: 'uint32_t',
  ppEnabledExtensionNames: 'const char **',
});

/** char[256] written by a driver: bytes, decoded by decodeCString. */
const driverString = koffi.array('uint8_t', 256, 'Typed');

export const VkExtensionProperties = koffi.struct('VkExtensionProperties', {
  extensionName: driverString,
  specVersion: 'uint32_t',
});

export const VkLayerProperties = koffi.struct('VkLayerProperties', {
  layerName: 'char[256]',
  specVersion: 'uint32_t',
  implementationVersion: 'uint32_t',
  description: 'char[256]',
});

/** 504 bytes, 8-byte aligned (it holds VkDeviceSize members); read by nobody here. */
export const VkPhysicalDeviceLimits = koffi.array('uint64_t', 63);

export const VkPhysicalDeviceSparseProperties = koffi.struct('VkPhysicalDeviceSparseProperties', {
  residencyStandard2DBlockShape: 'VkBool32',
  residencyStandard2DMultisampleBlockShape: 'VkBool32',
  residencyStandard3DBlockShape: 'VkBool32',
  residencyAlignedMipSize: 'VkBool32',
  residencyNonResidentStrict: 'VkBool32',
});

export const VkPhysicalDeviceProperties = koffi.struct('VkPhysicalDeviceProperties', {
  apiVersion: 'uint32_t',
  driverVersion: 'uint32_t',
  vendorID: 'uint32_t',
  deviceID: 'uint32_t',
  deviceType: 'uint32_t',
  deviceName: driverString,
  pipelineCacheUUID: 'uint8_t[16]',
  limits: VkPhysicalDeviceLimits,
  sparseProperties: 'VkPhysicalDeviceSparseProperties',
});

export const VkPhysicalDeviceProperties2 = koffi.struct('VkPhysicalDeviceProperties2', {
  ...chainHead,
  properties: 'VkPhysicalDeviceProperties',
});

export const VkPhysicalDeviceIDProperties = koffi.struct('VkPhysicalDeviceIDProperties', {
  ...chainHead,
  deviceUUID: 'uint8_t[16]',
  driverUUID: 'uint8_t[16]',
  deviceLUID: 'uint8_t[8]',
  deviceNodeMask: 'uint32_t',
  deviceLUIDValid: 'VkBool32',
});

export const VkConformanceVersion = koffi.struct('VkConformanceVersion', {
  major: 'uint8_t',
  minor: 'uint8_t',
  subminor: 'uint8_t',
  patch: 'uint8_t',
});

export const VkPhysicalDeviceDriverProperties = koffi.struct('VkPhysicalDeviceDriverProperties', {
  ...chainHead,
  driverID: 'uint32_t',
  driverName: driverString,
  driverInfo: driverString,
  conformanceVersion: 'VkConformanceVersion',
});

export const VkPhysicalDevicePCIBusInfoPropertiesEXT = koffi.struct(
  'VkPhysicalDevicePCIBusInfoPropertiesEXT',
  {
    ...chainHead,
    pciDomain: 'uint32_t',
    pciBus: 'uint32_t',
    pciDevice: 'uint32_t',
    pciFunction: 'uint32_t',
  },
);

/** 55 VkBool32 members; read by nobody here. */
export const VkPhysicalDeviceFeatures = koffi.array('uint32_t', 55);

export const VkPhysicalDeviceFeatures2 = koffi.struct('VkPhysicalDeviceFeatures2', {
  ...chainHead,
  features: VkPhysicalDeviceFeatures,
});

export const VkPhysicalDeviceExternalMemoryRDMAFeaturesNV = koffi.struct(
  'VkPhysicalDeviceExternalMemoryRDMAFeaturesNV',
  {
    ...chainHead,
    externalMemoryRDMA: 'VkBool32',
  },
);

export const VkMemoryType = koffi.struct('VkMemoryType', {
  propertyFlags: 'VkFlags',
  heapIndex: 'uint32_t',
});

export const VkMemoryHeap = koffi.struct('VkMemoryHeap', {
  size: 'VkDeviceSize',
  flags: 'VkFlags',
});

export const VkPhysicalDeviceMemoryProperties = koffi.struct('VkPhysicalDeviceMemoryProperties', {
  memoryTypeCount: 'uint32_t',
  memoryTypes: 'VkMemoryType[32]',
  memoryHeapCount: 'uint32_t',
  memoryHeaps: 'VkMemoryHeap[16]',
});

export const VkPhysicalDeviceMemoryProperties2 = koffi.struct('VkPhysicalDeviceMemoryProperties2', {
  ...chainHead,
  memoryProperties: 'VkPhysicalDeviceMemoryProperties',
});

export const VkPhysicalDeviceMemoryBudgetPropertiesEXT = koffi.struct(
  'VkPhysicalDeviceMemoryBudgetPropertiesEXT',
  {
    ...chainHead,
    heapBudget: 'VkDeviceSize[16]',
    heapUsage: 'VkDeviceSize[16]',
  },
);

export const VkPhysicalDeviceExternalBufferInfo = koffi.struct(
  'VkPhysicalDeviceExternalBufferInfo',
  {
    ...chainHead,
    flags: 'VkFlags',
    usage: 'VkFlags',
    handleType: 'uint32_t',
  },
);

export const VkExternalMemoryProperties = koffi.struct('VkExternalMemoryProperties', {
  externalMemoryFeatures: 'VkFlags',
  exportFromImportedHandleTypes: 'VkFlags',
  compatibleHandleTypes: 'VkFlags',
});

export const VkExternalBufferProperties = koffi.struct('VkExternalBufferProperties', {
  ...chainHead,
  externalMemoryProperties: 'VkExternalMemoryProperties',
});

export const VkExtent3D = koffi.struct('VkExtent3D', {
  width: 'uint32_t',
  height: 'uint32_t',
  depth: 'uint32_t',
});

export const VkQueueFamilyProperties = koffi.struct('VkQueueFamilyProperties', {
  queueFlags: 'VkFlags',
  queueCount: 'uint32_t',
  timestampValidBits: 'uint32_t',
  minImageTransferGranularity: 'VkExtent3D',
});

export const VkDeviceQueueCreateInfo = koffi.struct('VkDeviceQueueCreateInfo', {
  ...chainHead,
  flags: 'VkFlags',
  queueFamilyIndex: 'uint32_t',
  queueCount: 'uint32_t',
  pQueuePriorities: 'const float *',
});

export const VkDeviceCreateInfo = koffi.struct('VkDeviceCreateInfo', {
  ...chainHead,
  flags: 'VkFlags',
  queueCreateInfoCount: 'uint32_t',
  pQueueCreateInfos: 'const VkDeviceQueueCreateInfo *',
  enabledLayerCount: 'uint32_t',
  ppEnabledLayerNames: 'const char **',
  enabledExtensionCount: 'uint32_t',
  ppEnabledExtensionNames: 'const char **',
  pEnabledFeatures: 'const void *',
});

export const VkBufferCreateInfo = koffi.struct('VkBufferCreateInfo', {
  ...chainHead,
  flags: 'VkFlags',
  size: 'VkDeviceSize',
  usage: 'VkFlags',
  sharingMode: 'uint32_t',
  queueFamilyIndexCount: 'uint32_t',
  pQueueFamilyIndices: 'const uint32_t *',
});

export const VkExternalMemoryBufferCreateInfo = koffi.struct('VkExternalMemoryBufferCreateInfo', {
  ...chainHead,
  handleTypes: 'VkFlags',
});

export const VkBufferMemoryRequirementsInfo2 = koffi.struct('VkBufferMemoryRequirementsInfo2', {
  ...chainHead,
  buffer: 'VkNonDispatchable',
});

export const VkMemoryRequirements = koffi.struct('VkMemoryRequirements', {
  size: 'VkDeviceSize',
  alignment: 'VkDeviceSize',
  memoryTypeBits: 'uint32_t',
});

export const VkMemoryRequirements2 = koffi.struct('VkMemoryRequirements2', {
  ...chainHead,
  memoryRequirements: 'VkMemoryRequirements',
});

export const VkMemoryDedicatedRequirements = koffi.struct('VkMemoryDedicatedRequirements', {
  ...chainHead,
  prefersDedicatedAllocation: 'VkBool32',
  requiresDedicatedAllocation: 'VkBool32',
});

export const VkMemoryAllocateInfo = koffi.struct('VkMemoryAllocateInfo', {
  ...chainHead,
  allocationSize: 'VkDeviceSize',
  memoryTypeIndex: 'uint32_t',
});

export const VkExportMemoryAllocateInfo = koffi.struct('VkExportMemoryAllocateInfo', {
  ...chainHead,
  handleTypes: 'VkFlags',
});

export const VkMemoryDedicatedAllocateInfo = koffi.struct('VkMemoryDedicatedAllocateInfo', {
  ...chainHead,
  image: 'VkNonDispatchable',
  buffer: 'VkNonDispatchable',
});

export const VkMemoryGetRemoteAddressInfoNV = koffi.struct('VkMemoryGetRemoteAddressInfoNV', {
  ...chainHead,
  memory: 'VkNonDispatchable',
  handleType: 'uint32_t',
});

export const PFN_vkDebugUtilsMessengerCallbackEXT = koffi.proto(
  'VkBool32 PFN_vkDebugUtilsMessengerCallbackEXT(uint32_t messageSeverity, uint32_t messageTypes, void *pCallbackData, void *pUserData)',
);

export const VkDebugUtilsMessengerCreateInfoEXT = koffi.struct(
  'VkDebugUtilsMessengerCreateInfoEXT',
  {
    ...chainHead,
    flags: 'VkFlags',
    messageSeverity: 'VkFlags',
    messageType: 'VkFlags',
    pfnUserCallback: 'PFN_vkDebugUtilsMessengerCallbackEXT *',
    pUserData: 'void *',
  },
);

/** Only the leading members the probe reads; the struct goes on, but is only ever decoded. */
export const VkDebugUtilsMessengerCallbackDataEXTHead = koffi.struct(
  'VkDebugUtilsMessengerCallbackDataEXTHead',
  {
    ...chainHead,
    flags: 'VkFlags',
    pMessageIdName: 'const char *',
    messageIdNumber: 'int32_t',
    pMessage: 'const char *',
  },
);

/*
 * Every command is fetched through vkGetInstanceProcAddr / vkGetDeviceProcAddr and
 * called as one of these (src/vulkan/commands.ts lists which is needed where). Output
 * structs are passed as void * to memory the binding allocated and encoded itself.
 */
export const PFN_vkGetInstanceProcAddr = koffi.proto(
  'void *PFN_vkGetInstanceProcAddr(void *instance, const char *pName)',
);
export const PFN_vkEnumerateInstanceVersion = koffi.proto(
  'VkResult PFN_vkEnumerateInstanceVersion(_Out_ uint32_t *pApiVersion)',
);
export const PFN_vkEnumerateInstanceLayerProperties = koffi.proto(
  'VkResult PFN_vkEnumerateInstanceLayerProperties(_Inout_ uint32_t *pPropertyCount, void *pProperties)',
);
export const PFN_vkCreateInstance = koffi.proto(
  'VkResult PFN_vkCreateInstance(const VkInstanceCreateInfo *pCreateInfo, void *pAllocator, _Out_ void **pInstance)',
);
export const PFN_vkDestroyInstance = koffi.proto(
  'void PFN_vkDestroyInstance(void *instance, void *pAllocator)',
);
export const PFN_vkEnumeratePhysicalDevices = koffi.proto(
  'VkResult PFN_vkEnumeratePhysicalDevices(void *instance, _Inout_ uint32_t *pPhysicalDeviceCount, void *pPhysicalDevices)',
);
export const PFN_vkEnumerateDeviceExtensionProperties = koffi.proto(
  'VkResult PFN_vkEnumerateDeviceExtensionProperties(void *physicalDevice, const char *pLayerName, _Inout_ uint32_t *pPropertyCount, void *pProperties)',
);
/** The four physical-device queries that fill one output struct (1.0 and 1.1 forms). */
export const PFN_vkPhysicalDeviceQuery = koffi.proto(
  'void PFN_vkPhysicalDeviceQuery(void *physicalDevice, void *pOutput)',
);
export const PFN_vkGetPhysicalDeviceExternalBufferProperties = koffi.proto(
  'void PFN_vkGetPhysicalDeviceExternalBufferProperties(void *physicalDevice, const VkPhysicalDeviceExternalBufferInfo *pExternalBufferInfo, void *pExternalBufferProperties)',
);
export const PFN_vkGetPhysicalDeviceQueueFamilyProperties = koffi.proto(
  'void PFN_vkGetPhysicalDeviceQueueFamilyProperties(void *physicalDevice, _Inout_ uint32_t *pQueueFamilyPropertyCount, void *pQueueFamilyProperties)',
);
export const PFN_vkCreateDevice = koffi.proto(
  'VkResult PFN_vkCreateDevice(void *physicalDevice, const VkDeviceCreateInfo *pCreateInfo, void *pAllocator, _Out_ void **pDevice)',
);
export const PFN_vkGetDeviceProcAddr = koffi.proto(
  'void *PFN_vkGetDeviceProcAddr(void *device, const char *pName)',
);
export const PFN_vkDestroyDevice = koffi.proto(
  'void PFN_vkDestroyDevice(void *device, void *pAllocator)',
);
export const PFN_vkCreateBuffer = koffi.proto(
  'VkResult PFN_vkCreateBuffer(void *device, const VkBufferCreateInfo *pCreateInfo, void *pAllocator, _Out_ uint64_t *pBuffer)',
);
export const PFN_vkDestroyBuffer = koffi.proto(
  'void PFN_vkDestroyBuffer(void *device, uint64_t buffer, void *pAllocator)',
);
export const PFN_vkGetBufferMemoryRequirements2 = koffi.proto(
  'void PFN_vkGetBufferMemoryRequirements2(void *device, const VkBufferMemoryRequirementsInfo2 *pInfo, void *pMemoryRequirements)',
);
export const PFN_vkAllocateMemory = koffi.proto(
  'VkResult PFN_vkAllocateMemory(void *device, const VkMemoryAllocateInfo *pAllocateInfo, void *pAllocator, _Out_ uint64_t *pMemory)',
);
export const PFN_vkFreeMemory = koffi.proto(
  'void PFN_vkFreeMemory(void *device, uint64_t memory, void *pAllocator)',
);
export const PFN_vkBindBufferMemory = koffi.proto(
  'VkResult PFN_vkBindBufferMemory(void *device, uint64_t buffer, uint64_t memory, uint64_t memoryOffset)',
);
export const PFN_vkCreateDebugUtilsMessengerEXT = koffi.proto(
  'VkResult PFN_vkCreateDebugUtilsMessengerEXT(void *instance, const VkDebugUtilsMessengerCreateInfoEXT *pCreateInfo, void *pAllocator, _Out_ uint64_t *pMessenger)',
);
export const PFN_vkDestroyDebugUtilsMessengerEXT = koffi.proto(
  'void PFN_vkDestroyDebugUtilsMessengerEXT(void *instance, uint64_t messenger, void *pAllocator)',
);
export const PFN_vkGetMemoryRemoteAddressNV = koffi.proto(
  'VkResult PFN_vkGetMemoryRemoteAddressNV(void *device, const VkMemoryGetRemoteAddressInfoNV *pMemoryGetRemoteAddressInfo, _Out_ uint64_t *pAddress)',
);

/** Every struct defined here, by its C name, for the layout test. */
export const layoutCheckedStructs: Record<string, ReturnType<typeof koffi.struct>> = {
  VkApplicationInfo,
  VkInstanceCreateInfo,
  VkExtensionProperties,
  VkLayerProperties,
  VkPhysicalDeviceSparseProperties,
  VkPhysicalDeviceProperties,
  VkPhysicalDeviceProperties2,
  VkPhysicalDeviceIDProperties,
  VkConformanceVersion,
  VkPhysicalDeviceDriverProperties,
  VkPhysicalDevicePCIBusInfoPropertiesEXT,
  VkPhysicalDeviceFeatures2,
  VkPhysicalDeviceExternalMemoryRDMAFeaturesNV,
  VkMemoryType,
  VkMemoryHeap,
  VkPhysicalDeviceMemoryProperties,
  VkPhysicalDeviceMemoryProperties2,
  VkPhysicalDeviceMemoryBudgetPropertiesEXT,
  VkPhysicalDeviceExternalBufferInfo,
  VkExternalMemoryProperties,
  VkExternalBufferProperties,
  VkExtent3D,
  VkQueueFamilyProperties,
  VkDeviceQueueCreateInfo,
  VkDeviceCreateInfo,
  VkBufferCreateInfo,
  VkExternalMemoryBufferCreateInfo,
  VkBufferMemoryRequirementsInfo2,
  VkMemoryRequirements,
  VkMemoryRequirements2,
  VkMemoryDedicatedRequirements,
  VkMemoryAllocateInfo,
  VkExportMemoryAllocateInfo,
  VkMemoryDedicatedAllocateInfo,
  VkMemoryGetRemoteAddressInfoNV,
  VkDebugUtilsMessengerCreateInfoEXT,
};

/** Sizes and offsets of a koffi struct, as koffi lays it out. */
export function describeLayout(type: ReturnType<typeof koffi.struct>): {
  size: number;
  members: Record<string, number>;
} {
  const members: Record<string, number> = {};
  for (const [name, member] of Object.entries(type.members ?? {})) {
    members[name] = (member as { offset: number }).offset;
  }
  return { size: type.size, members };
}
