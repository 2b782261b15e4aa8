/**
 * What the registry says a command or a structure needs before it may be used: a core
 * version the instance or device must have, or an extension that must be enabled (for a
 * command) or listed (for a structure chained into a query). The binding and the probe
 * gate their calls with these instead of versions and extension names of their own.
 */
import { VkCommands } from './generated/vk-commands.js';
import { ApiVersion } from './generated/vk-enums.js';
import { VkStructs } from './generated/vk-structs.js';
import type { VkProviders, VkVersionName } from './registry-types.js';

type CommandName = keyof typeof VkCommands;
type StructName = keyof typeof VkStructs;

/** VK_MAKE_API_VERSION(0, major, minor, 0) of a core version, as the registry numbers it. */
export function apiVersionOf(version: VkVersionName): number {
  const value = (ApiVersion as Record<string, number>)[version];
  if (value === undefined) throw new TypeError(`the registry has no ${version}`);
  return value;
}

function coreVersionOf(what: string, providers: VkProviders): number {
  if (providers.version === null) {
    throw new TypeError(`${what} is in no core version (only ${providers.extensions.join(', ')})`);
  }
  return apiVersionOf(providers.version);
}

/**
 * The extensions that provide a command when no core version does: one of them must be
 * enabled on the instance or device the command is resolved from before it may be
 * resolved at all. Empty for a core command.
 */
export function requiredExtensions(name: CommandName): readonly string[] {
  const command: VkProviders = VkCommands[name];
  return command.version === null ? command.extensions : [];
}

/** The newest core version among these commands: what a device must report to be asked them. */
export function commandsApiVersion(names: readonly CommandName[]): number {
  return Math.max(...names.map((name) => coreVersionOf(name, VkCommands[name])));
}

/** The core version that has a structure (before it, only its extensions do). */
export function structApiVersion(name: StructName): number {
  return coreVersionOf(name, VkStructs[name]);
}

/**
 * The queries the probe makes only on a device that reports their core version (Vulkan
 * 1.1): the specification lets a version's physical-device commands be used only when
 * the device's apiVersion has it.
 */
export const EXTENDED_QUERIES = [
  'vkGetPhysicalDeviceProperties2',
  'vkGetPhysicalDeviceFeatures2',
  'vkGetPhysicalDeviceMemoryProperties2',
  'vkGetPhysicalDeviceExternalBufferProperties',
] as const satisfies readonly CommandName[];
export const EXTENDED_QUERIES_API_VERSION = commandsApiVersion(EXTENDED_QUERIES);

/** From this core version on, VkPhysicalDeviceDriverProperties needs no extension. */
export const DRIVER_PROPERTIES_API_VERSION = structApiVersion('VkPhysicalDeviceDriverProperties');
