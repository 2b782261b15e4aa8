/**
 * koffi definitions of the Vulkan structs and prototypes the probe uses.
 * koffi type names are global to the process, so they are defined here once, at module
 * load. The structs are built from the registry's own member lists
 * (./generated/vk-structs.ts, written by scripts/gen-vulkan.mjs from vk.xml), not typed
 * by hand; test/layout.test.ts compiles a C program against the real headers and
 * compares every size and member offset defined here.
 *
 * Two kinds of exception, listed below with their reasons: structs declared as opaque
 * arrays, and koffi-only views of a struct's leading members.
 */
import koffi from 'koffi';
import { VkPrototypes } from './generated/vk-prototypes.js';
import { VkStructs } from './generated/vk-structs.js';
import { koffiSignature } from './prototype-signatures.js';
import type { VkStructMember } from './registry-types.js';

type KoffiType = ReturnType<typeof koffi.struct>;
export type VkStructName = keyof typeof VkStructs;

koffi.alias('VkResult', 'int32_t');
koffi.alias('VkBool32', 'uint32_t');

/** Named before the structs, which hold a pointer to it. */
export const PFN_vkDebugUtilsMessengerCallbackEXT = koffi.proto(
  'VkBool32 PFN_vkDebugUtilsMessengerCallbackEXT(uint32_t messageSeverity, uint32_t messageTypes, void *pCallbackData, void *pUserData)',
);

/**
 * Structs the probe never reads member by member, declared as arrays of the right
 * element type: that gives them the header's size and alignment (the layout test checks
 * both) without koffi laying out and decoding their hundred-odd fields on every query.
 */
export const opaqueStructs = {
  /** 504 bytes, 8-byte aligned (it holds VkDeviceSize members). */
  VkPhysicalDeviceLimits: koffi.array('uint64_t', 63),
  /** 55 VkBool32 members. */
  VkPhysicalDeviceFeatures: koffi.array('uint32_t', 55),
} satisfies Partial<Record<VkStructName, KoffiType>>;

/**
 * koffi-only views of a struct's leading members, up to and including `through`: the
 * struct goes on, but it is only ever decoded, and only these members are read. The
 * struct itself is then not defined (its later members point to types nobody declares).
 */
export const prefixViewOf = {
  VkDebugUtilsMessengerCallbackDataEXTHead: {
    struct: 'VkDebugUtilsMessengerCallbackDataEXT',
    through: 'pMessage',
  },
} as const satisfies Record<string, { struct: VkStructName; through: string }>;

type ViewedStruct = (typeof prefixViewOf)[keyof typeof prefixViewOf]['struct'];
type OpaqueStruct = keyof typeof opaqueStructs;
/** The structs defined with their members. */
export type DefinedStructName = Exclude<VkStructName, ViewedStruct | OpaqueStruct>;

/**
 * The koffi type of one member. char[N] a driver writes is bytes, not a koffi string: the
 * binding decodes it itself (src/vulkan/c-string.ts), so an array without a NUL is
 * noticed and reported rather than silently read to its end. A pointer to a struct not
 * defined here (or opaque) is a void pointer: the binding only ever passes NULL there.
 */
function memberType(
  struct: string,
  member: VkStructMember,
  defined: Set<string>,
): string | KoffiType {
  const pointers = member.pointers ?? 0;
  const where = `${struct}.${member.name}`;
  if (member.length !== undefined) {
    if (pointers > 0) throw new TypeError(`${where}: an array of pointers`);
    if (member.c === 'char') return koffi.array('uint8_t', member.length, 'Typed');
    const element = member.c === 'struct' ? member.type : member.c;
    return koffi.array(element, member.length);
  }
  if (member.c === 'funcpointer') {
    // A PFN_ typedef is already a pointer; koffi names the function type itself.
    if (pointers > 0) throw new TypeError(`${where}: a pointer to a function pointer`);
    return `${member.type} *`;
  }
  // A dispatchable handle and a void * typedef are both pointers the binding never follows.
  if (member.c === 'dispatchable' || member.c === 'pointer') {
    return `void ${'*'.repeat(pointers + 1)}`;
  }
  const base =
    member.c !== 'struct'
      ? member.c
      : pointers > 0 && !defined.has(member.type)
        ? 'void'
        : member.type;
  if (pointers === 0) return base;
  return `${member.const ? 'const ' : ''}${base} ${'*'.repeat(pointers)}`;
}

function defineStructs(): {
  structs: Record<DefinedStructName | OpaqueStruct, KoffiType>;
  views: Record<keyof typeof prefixViewOf, KoffiType>;
} {
  const structs: Record<string, KoffiType> = {};
  const views: Record<string, KoffiType> = {};
  const defined = new Set<string>();
  const viewsByStruct = new Map(
    Object.entries(prefixViewOf).map(([view, { struct, through }]) => [
      struct as string,
      { view, through },
    ]),
  );
  const define = (name: string, members: readonly VkStructMember[]): KoffiType => {
    const fields: Record<string, string | KoffiType> = {};
    for (const member of members) fields[member.name] = memberType(name, member, defined);
    defined.add(name);
    return koffi.struct(name, fields);
  };
  // The generated list has every struct after those it holds or points to.
  for (const [name, descriptor] of Object.entries(VkStructs)) {
    const opaque = (opaqueStructs as Record<string, KoffiType>)[name];
    const view = viewsByStruct.get(name);
    if (opaque) {
      koffi.alias(name, opaque);
      structs[name] = opaque;
    } else if (view) {
      const end = descriptor.members.findIndex((member) => member.name === view.through);
      if (end < 0) throw new TypeError(`${name} has no member ${view.through}`);
      views[view.view] = define(view.view, descriptor.members.slice(0, end + 1));
    } else {
      structs[name] = define(name, descriptor.members);
    }
  }
  return { structs, views } as ReturnType<typeof defineStructs>;
}

const defined = defineStructs();

/** Every struct the binding uses, by its C name (the opaque ones as their arrays). */
export const structs = defined.structs;
/** The prefix views, by their own names. */
export const views = defined.views;

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

/** The commands with a prototype: vkGetInstanceProcAddr and every command the binding calls. */
export type PrototypedCommand = keyof typeof VkPrototypes;

/** The structs koffi knows by their C names, which a prototype may therefore name. */
const declaredStructs: ReadonlySet<string> = new Set(Object.keys(structs));

/** Each command's koffi prototype string, made from its registry declaration. */
export const prototypeSignatures = Object.fromEntries(
  Object.entries(VkPrototypes).map(([name, prototype]) => [
    name,
    koffiSignature(name, prototype, declaredStructs),
  ]),
) as Record<PrototypedCommand, string>;

/** Every struct defined with its members, by its C name, for the layout test. */
export const layoutCheckedStructs: Record<string, KoffiType> = Object.fromEntries(
  Object.entries(structs).filter(([name]) => !(name in opaqueStructs)),
);

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
