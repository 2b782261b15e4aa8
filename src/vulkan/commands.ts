/**
 * Which Vulkan commands the binding calls, and where each one is resolved. Only
 * vkGetInstanceProcAddr is taken from the loader library itself; every other command
 * is looked up the way the specification says, so a command a driver does not provide
 * is a NULL the binding checks, never a loader trampoline that calls NULL:
 *
 * - global commands: vkGetInstanceProcAddr(NULL, name);
 * - instance and physical-device commands: vkGetInstanceProcAddr(instance, name);
 * - device commands: vkGetDeviceProcAddr(device, name), right after vkCreateDevice and
 *   before any buffer or memory exists (a NULL then destroys the device at once).
 *
 * Vulkan 1.1 commands are listed under their core names only. The instance is created
 * for 1.1 or newer and the probe calls them only for devices of 1.1 or newer (see
 * src/probe/gpu.ts), which is exactly when the core names are valid; the KHR aliases
 * would need their instance extensions enabled, for no gain on such devices.
 */

/** Resolved with vkGetInstanceProcAddr(NULL, …) when the binding opens; vkCreateInstance is required. */
export const GLOBAL_COMMANDS = [
  'vkCreateInstance',
  'vkEnumerateInstanceLayerProperties',
  // Absent from Vulkan 1.0 loaders: NULL there means "1.0", not a fault.
  'vkEnumerateInstanceVersion',
] as const;

/** Resolved with vkGetInstanceProcAddr(instance, …) right after vkCreateInstance; all required. */
export const INSTANCE_COMMANDS = ['vkDestroyInstance', 'vkEnumeratePhysicalDevices'] as const;

/**
 * Resolved with vkGetInstanceProcAddr(instance, …) on first use, each checked before
 * its first call: a NULL one is a failure of the GPU that needed it.
 */
export const PHYSICAL_DEVICE_COMMANDS = [
  'vkEnumerateDeviceExtensionProperties',
  'vkGetPhysicalDeviceProperties',
  'vkGetPhysicalDeviceMemoryProperties',
  'vkGetPhysicalDeviceQueueFamilyProperties',
  // Vulkan 1.1 (only for devices of 1.1 or newer)
  'vkGetPhysicalDeviceProperties2',
  'vkGetPhysicalDeviceFeatures2',
  'vkGetPhysicalDeviceMemoryProperties2',
  'vkGetPhysicalDeviceExternalBufferProperties',
  'vkCreateDevice',
  'vkGetDeviceProcAddr',
] as const;

/** Resolved with vkGetDeviceProcAddr right after vkCreateDevice; all required by --alloc. */
export const DEVICE_COMMANDS = [
  'vkDestroyDevice',
  'vkCreateBuffer',
  'vkDestroyBuffer',
  'vkGetBufferMemoryRequirements2',
  'vkAllocateMemory',
  'vkFreeMemory',
  'vkBindBufferMemory',
  // NULL unless VK_NV_external_memory_rdma was enabled on the device.
  'vkGetMemoryRemoteAddressNV',
] as const;

export type GlobalCommand = (typeof GLOBAL_COMMANDS)[number];
export type InstanceCommand = (typeof INSTANCE_COMMANDS)[number];
export type PhysicalDeviceCommand = (typeof PHYSICAL_DEVICE_COMMANDS)[number];
export type DeviceCommand = (typeof DEVICE_COMMANDS)[number];

/**
 * The most items the binding accepts from one enumeration (GPUs, extensions, layers,
 * queue families). Real drivers report a few hundred at most; a driver claiming more is
 * answered with an error instead of an allocation of its choosing.
 */
export const MAX_ENUMERATED_ITEMS = 4096;

/**
 * How many times the two-call idiom is retried while the driver says VK_INCOMPLETE (its
 * count grew between the calls). A count that has not settled by then never will.
 */
export const MAX_ENUMERATION_ATTEMPTS = 4;
