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
 * Which commands those are is scripts/gen-vulkan.mjs's list; how each is dispatched and
 * what provides it (a core version, or an extension) is the registry's, through
 * ./generated/vk-commands.ts. The lists below are chosen by those two facts only, so a
 * command cannot be resolved at a level the registry does not give it.
 *
 * Vulkan 1.1 commands are listed under their core names only. The instance is created
 * for 1.1 or newer and the probe calls them only for devices of 1.1 or newer (see
 * src/probe/gpu.ts), which is exactly when the core names are valid; the KHR aliases
 * would need their instance extensions enabled, for no gain on such devices.
 */
import { VkCommands } from './generated/vk-commands.js';
import type { VkCommandDescriptor } from './registry-types.js';

type Table = typeof VkCommands;
/** Every command the binding calls. */
export type CommandName = keyof Table;
/** The commands whose registry entry has the given shape. */
type CommandsLike<Shape> = { [K in CommandName]: Table[K] extends Shape ? K : never }[CommandName];

/**
 * The one exception to "resolved at its own level": vkGetDeviceProcAddr is a device-level
 * command, but no device exists to ask before vkCreateDevice, so it is resolved with
 * vkGetInstanceProcAddr(instance, …), which the specification allows for any
 * device-level command.
 */
export const DEVICE_PROC_ADDR = 'vkGetDeviceProcAddr';

export type GlobalCommand = CommandsLike<{ level: 'global' }>;
/** Core commands taking the VkInstance itself: all needed as soon as it exists. */
export type InstanceCommand = CommandsLike<{ handle: 'VkInstance'; version: string }>;
/** Commands of instance extensions: resolved only on an instance that enabled one. */
export type InstanceExtensionCommand = CommandsLike<{ handle: 'VkInstance'; version: null }>;
export type PhysicalDeviceCommand =
  | CommandsLike<{ handle: 'VkPhysicalDevice' }>
  | typeof DEVICE_PROC_ADDR;
export type DeviceCommand = Exclude<CommandsLike<{ level: 'device' }>, typeof DEVICE_PROC_ADDR>;

const COMMANDS = Object.entries(VkCommands) as [CommandName, VkCommandDescriptor][];
function commandsWhere<Name extends CommandName>(
  test: (command: VkCommandDescriptor, name: CommandName) => boolean,
): readonly Name[] {
  return COMMANDS.filter(([name, command]) => test(command, name)).map(([name]) => name as Name);
}

/**
 * Resolved with vkGetInstanceProcAddr(NULL, …) when the binding opens. vkCreateInstance is
 * required; vkEnumerateInstanceVersion is Vulkan 1.1, so a 1.0 loader lacks it (NULL
 * there means "1.0", not a fault).
 */
export const GLOBAL_COMMANDS = commandsWhere<GlobalCommand>(({ level }) => level === 'global');

/** Resolved with vkGetInstanceProcAddr(instance, …) right after vkCreateInstance; all required. */
export const INSTANCE_COMMANDS = commandsWhere<InstanceCommand>(
  ({ handle, version }) => handle === 'VkInstance' && version !== null,
);

/** Resolved with vkGetInstanceProcAddr(instance, …) when first needed, if their extension is enabled. */
export const INSTANCE_EXTENSION_COMMANDS = commandsWhere<InstanceExtensionCommand>(
  ({ handle, version }) => handle === 'VkInstance' && version === null,
);

/**
 * Resolved with vkGetInstanceProcAddr(instance, …) on first use, each checked before
 * its first call: a NULL one is a failure of the GPU that needed it.
 */
export const PHYSICAL_DEVICE_COMMANDS: readonly PhysicalDeviceCommand[] = [
  ...commandsWhere<PhysicalDeviceCommand>(({ handle }) => handle === 'VkPhysicalDevice'),
  DEVICE_PROC_ADDR,
];

/**
 * Resolved with vkGetDeviceProcAddr right after vkCreateDevice; all required by --alloc,
 * an extension's commands only when the device was created with that extension enabled
 * (vkGetDeviceProcAddr gives NULL for the others).
 */
export const DEVICE_COMMANDS = commandsWhere<DeviceCommand>(
  ({ level }, name) => level === 'device' && name !== DEVICE_PROC_ADDR,
);

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
