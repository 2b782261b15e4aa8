/**
 * koffi definitions of the Vulkan structs and prototypes the probe uses.
 * koffi type names are global to the process, so they are defined here once, at module
 * load. Neither is typed by hand: the structs are built from the registry's own member
 * lists (./generated/vk-structs.ts) and the command prototypes from its parameter lists
 * (./generated/vk-prototypes.ts, by the rule in ./prototype-signatures.ts), both written
 * by scripts/gen-vulkan.mjs from vk.xml. test/layout.test.ts compiles a C program against
 * the real headers and compares every size and member offset defined here.
 *
 * Two kinds of struct exception, listed below with their reasons: structs declared as
 * opaque arrays, and koffi-only views of a struct's leading members. The one prototype
 * still written here is the debug messenger's callback, a function type the binding
 * implements rather than a command it calls.
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

/** The commands with a prototype: vkGetInstanceProcAddr and every command the binding calls. */
export type PrototypedCommand = keyof typeof VkPrototypes;

/** The structs koffi knows by their C names, which a prototype may therefore name. */
const declaredStructs: ReadonlySet<string> = new Set(Object.keys(structs));

/**
 * Each command's koffi prototype string, made from its registry declaration by the rule
 * in ./prototype-signatures.ts, as the type PFN_<command>. Every command is fetched
 * through vkGetInstanceProcAddr / vkGetDeviceProcAddr and called as one of these
 * (src/vulkan/commands.ts lists which is needed where).
 */
export const prototypeSignatures = Object.fromEntries(
  Object.entries(VkPrototypes).map(([name, prototype]) => [
    name,
    koffiSignature(name, prototype, declaredStructs),
  ]),
) as Record<PrototypedCommand, string>;

/** The koffi function types of those prototypes, by command name. */
export const prototypes = Object.fromEntries(
  Object.entries(prototypeSignatures).map(([name, signature]) => [name, koffi.proto(signature)]),
) as Record<PrototypedCommand, KoffiType>;

/** vkGetInstanceProcAddr as the loader library exports it, for binding it by its symbol. */
export const loaderSignature = koffiSignature(
  'vkGetInstanceProcAddr',
  VkPrototypes.vkGetInstanceProcAddr,
  declaredStructs,
  'vkGetInstanceProcAddr',
);

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
