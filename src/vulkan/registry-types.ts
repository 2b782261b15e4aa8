/**
 * The shapes of the tables scripts/gen-vulkan.mjs writes from vk.xml into ./generated/:
 * plain data, so that koffi stays in ffi.ts and ffi-types.ts and anything may read them.
 */

/** A core version as the registry names its <feature>: VK_VERSION_1_1. */
export type VkVersionName = `VK_VERSION_${number}_${number}`;

/** What provides a structure or a command: a core version, extensions, or both. */
export interface VkProviders {
  /** The oldest core version that defines it; null when only extensions do. */
  readonly version: VkVersionName | null;
  /** The extensions that define it, in registry order (for a structure, also under an alias). */
  readonly extensions: readonly string[];
}

/**
 * What a member's type is in C once the registry's typedefs and aliases are followed:
 * a fixed-width scalar, or a structure / function pointer named by `type`. Enums are
 * int-sized in C ('int32_t'); non-dispatchable handles are 'uint64_t'; dispatchable
 * handles are opaque pointers; 'pointer' is a typedef of void * (VkRemoteAddressNV).
 */
export type VkLayoutType =
  | 'char'
  | 'float'
  | 'double'
  | 'void'
  | 'size_t'
  | 'int8_t'
  | 'uint8_t'
  | 'int16_t'
  | 'uint16_t'
  | 'int32_t'
  | 'uint32_t'
  | 'int64_t'
  | 'uint64_t'
  | 'struct'
  | 'funcpointer'
  | 'dispatchable'
  | 'pointer';

/** One member of a structure, as the registry declares it. */
export interface VkStructMember {
  /** The member's name in the C header. */
  readonly name: string;
  /** Its type as the registry writes it: VkMemoryPropertyFlags, VkApplicationInfo, char. */
  readonly type: string;
  /** What `type` is in C. */
  readonly c: VkLayoutType;
  /** How many pointer levels the declaration has (const char* const* has 2); absent for none. */
  readonly pointers?: number;
  /** True when the pointed-to type is const (const VkApplicationInfo*). */
  readonly const?: boolean;
  /** The fixed array length ([VK_UUID_SIZE] is 16); absent when the member is not an array. */
  readonly length?: number;
}

export interface VkStructDescriptor extends VkProviders {
  /** The VkStructureType value its sType member must hold; null when it has no sType. */
  readonly sType: number | null;
  /** The members, in declaration order. */
  readonly members: readonly VkStructMember[];
}

/**
 * How a command is dispatched, from its first parameter: 'global' (none is a dispatchable
 * handle: vkCreateInstance), 'instance' (VkInstance or VkPhysicalDevice) or 'device'
 * (VkDevice, VkQueue, VkCommandBuffer).
 */
export type VkCommandLevel = 'global' | 'instance' | 'device';

export interface VkCommandDescriptor extends VkProviders {
  readonly level: VkCommandLevel;
  /** The dispatchable handle the command takes first; null for a global command. */
  readonly handle: string | null;
}

/** A command's return type, as the registry declares it in the command's <proto>. */
export interface VkReturnType {
  /** As the registry writes it: VkResult, void, PFN_vkVoidFunction. */
  readonly type: string;
  /** What `type` is in C. */
  readonly c: VkLayoutType;
  readonly pointers?: number;
  readonly const?: boolean;
}

/** One parameter of a command, as the registry declares it. */
export interface VkParam extends VkReturnType {
  /** The parameter's name in the C header. */
  readonly name: string;
  /**
   * The registry's len attribute: the parameter holding the element count of this array
   * (pPropertyCount), or 'null-terminated' for a string.
   */
  readonly len?: string;
  /**
   * The registry's optional attribute, one flag per level of indirection: [false, true] on
   * a count pointer means the pointer must be valid but the count may be zero.
   */
  readonly optional?: readonly boolean[];
}

export interface VkPrototypeDescriptor {
  readonly returns: VkReturnType;
  /** The parameters, in declaration order. */
  readonly params: readonly VkParam[];
}
