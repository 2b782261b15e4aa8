/**
 * The real VulkanBinding: the Vulkan loader through koffi. This module and ffi-types.ts are
 * the only ones that import koffi (a lint rule enforces it). Everything it returns is
 * plain data; every koffi allocation is freed in `finally`.
 *
 * Nothing the driver says is trusted (src/vulkan/commands.ts says how commands are found):
 * - only vkGetInstanceProcAddr is bound from the library; every other command is
 *   resolved through it or vkGetDeviceProcAddr and checked for NULL before its first call;
 * - enumerations are bounded in size and in retries, and a count the driver writes back
 *   is never read past the array that was handed to it;
 * - strings are decoded from their fixed arrays (a missing NUL is reported, not overrun);
 * - output structures are pre-filled with markers, so one the driver left unfilled is
 *   reported as unknown rather than read as zeros.
 *
 * koffi habits that matter here (each measured against koffi 3 and a real driver):
 * - output structs that carry sType are encoded by us (sType, pNext) before the call,
 *   so the driver sees a valid chain; koffi.as() would lose the results of output chains;
 * - input pNext chains use koffi.as(object, 'Type *');
 * - 64-bit values decode to Number or BigInt: normalise with BigInt();
 * - never pass a plain Number where a pointer is expected: it is taken as an address.
 */
import koffi from 'koffi';
import { EnvironmentError } from '../errors.js';
import { decodeCString } from './c-string.js';
import {
  DEVICE_COMMANDS,
  INSTANCE_COMMANDS,
  MAX_ENUMERATED_ITEMS,
  MAX_ENUMERATION_ATTEMPTS,
  type CommandName,
  type DeviceCommand,
  type GlobalCommand,
  type InstanceCommand,
  type InstanceExtensionCommand,
  type PhysicalDeviceCommand,
} from './commands.js';
import { requiredExtensions } from './requirements.js';
import {
  DebugSeverity,
  DEBUG_MESSAGE_TYPES_ALL,
  SharingMode,
  StructureTypeOf,
  VK_API_VERSION_1_0,
  VK_FALSE,
  VK_INCOMPLETE,
  VK_MAX_MEMORY_HEAPS,
  VK_MAX_MEMORY_TYPES,
  VK_TRUE,
} from './constants.js';
import { DriverOutputError, MissingEntryPointError, VulkanCallError } from './driver-errors.js';
import type {
  AllocationOptions,
  BufferMemoryRequirements,
  BufferOptions,
  DebugMessage,
  DeviceOptions,
  DispatchableHandle,
  DriverSelection,
  ExtensionProperties,
  InstanceOptions,
  MemoryQuery,
  NonDispatchableHandle,
  PropertiesQuery,
  RawBasicProperties,
  RawExtendedProperties,
  RawExternalMemoryProperties,
  RawMemoryHeap,
  RawMemoryProperties,
  RawQueueFamily,
  VulkanBinding,
} from './binding.js';
import * as T from './ffi-types.js';

/** Environment variable naming the loader library, for loaders outside the linker's path. */
export const LOADER_PATH_ENV = 'RDMA_PROBE_VULKAN_LIBRARY';
const DEFAULT_LOADER = 'libvulkan.so.1';
const DRIVER_SELECTION_VARIABLES = [
  'VK_DRIVER_FILES',
  'VK_ICD_FILENAMES',
  'VK_ADD_DRIVER_FILES',
] as const;

type KoffiType = ReturnType<typeof koffi.struct>;
type Fn = (...args: unknown[]) => unknown;

/** A non-dispatchable handle that names nothing (the header's VK_NULL_HANDLE). */
const VK_NULL_HANDLE = 0n;

const INSTALL_HINT = `install it with 'apt-get install libvulkan1' (Debian/Ubuntu) or 'dnf install vulkan-loader' (RHEL/Fedora)`;

/**
 * Opens the Vulkan loader. A library that is missing, or is not a Vulkan loader (no
 * vkGetInstanceProcAddr, or one that gives no vkCreateInstance), is an environment
 * problem: one line, exit 3.
 */
export function loadVulkanBinding(env: NodeJS.ProcessEnv): VulkanBinding {
  const path = env[LOADER_PATH_ENV] || DEFAULT_LOADER;
  const fix = env[LOADER_PATH_ENV] ? `, or fix ${LOADER_PATH_ENV}` : '';
  let lib: ReturnType<typeof koffi.load>;
  try {
    lib = koffi.load(path);
  } catch (error) {
    throw new EnvironmentError(
      `Vulkan loader not found (${path}: ${firstLine(error)}): ${INSTALL_HINT}${fix}`,
    );
  }
  let getInstanceProcAddr: Fn;
  try {
    getInstanceProcAddr = lib.func(T.loaderSignature) as Fn;
  } catch (error) {
    lib.unload();
    throw new EnvironmentError(
      `${path} is not a Vulkan loader (${firstLine(error)}): ${INSTALL_HINT}${fix}`,
    );
  }
  const driverSelection: DriverSelection[] = [];
  for (const name of DRIVER_SELECTION_VARIABLES) {
    const value = env[name];
    if (value) driverSelection.push({ name, value });
  }
  const binding = new KoffiVulkanBinding(getInstanceProcAddr, driverSelection);
  if (!binding.hasGlobal('vkCreateInstance')) {
    lib.unload();
    throw new EnvironmentError(
      `${path} is not a working Vulkan loader (vkGetInstanceProcAddr returned NULL for vkCreateInstance): ${INSTALL_HINT}${fix}`,
    );
  }
  return binding;
}

function firstLine(error: unknown): string {
  return error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
}

function toBigInt(value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return BigInt(value);
  if (value === null || value === undefined) return 0n;
  throw new TypeError(`not an integer: ${String(value)}`);
}

function toNumber(value: unknown): number {
  return typeof value === 'bigint' ? Number(value) : (value as number);
}

function check(call: string, result: unknown): void {
  const code = result as number;
  if (code < 0) throw new VulkanCallError(call, code);
}

/** A struct in koffi-allocated memory, encoded with `init` and decoded after the call. */
interface ChainLink {
  type: KoffiType;
  init: Record<string, unknown>;
}

/**
 * Builds an output pNext chain in stable memory, runs `call` with the head's address and
 * returns every link decoded. The memory is freed whatever happens.
 */
function queryChain(links: ChainLink[], call: (head: unknown) => void): Record<string, unknown>[] {
  const pointers: unknown[] = [];
  try {
    for (const link of links) pointers.push(koffi.alloc(link.type, 1));
    for (let i = links.length - 1; i >= 0; i--) {
      const link = links[i]!;
      koffi.encode(pointers[i], link.type, { ...link.init, pNext: pointers[i + 1] ?? null });
    }
    call(pointers[0]);
    return links.map((link, i) => koffi.decode(pointers[i], link.type) as Record<string, unknown>);
  } finally {
    for (const pointer of pointers) koffi.free(pointer);
  }
}

/** Reads one plain output struct (no chain) that `call` fills. */
function queryStruct(type: KoffiType, call: (out: unknown) => void): Record<string, unknown> {
  const out = koffi.alloc(type, 1);
  try {
    koffi.encode(out, type, {});
    call(out);
    return koffi.decode(out, type) as Record<string, unknown>;
  } finally {
    koffi.free(out);
  }
}

/** The count of a two-call enumeration, refused when no real driver would report it. */
function believableCount(call: string, count: number): number {
  if (count > MAX_ENUMERATED_ITEMS) {
    throw new DriverOutputError(
      call,
      `reported ${count} items; more than ${MAX_ENUMERATED_ITEMS} is not believable`,
    );
  }
  return count;
}

/**
 * The Vulkan two-call enumeration idiom, bounded: the count is believable, the count
 * written back never exceeds the array handed over, and VK_INCOMPLETE (the count grew
 * between the calls) is retried MAX_ENUMERATION_ATTEMPTS times, then reported.
 */
function enumerate<R>(
  call: string,
  type: KoffiType | string,
  invoke: (count: number[], out: unknown) => unknown,
  decode: (item: Record<string, unknown>) => R,
): R[] {
  for (let attempt = 1; ; attempt++) {
    const count = [0];
    check(call, invoke(count, null));
    const capacity = believableCount(call, count[0]!);
    if (capacity === 0) return [];
    const out = koffi.alloc(type, capacity);
    try {
      const result = invoke(count, out) as number;
      check(call, result);
      const written = count[0]!;
      if (written > capacity) {
        throw new DriverOutputError(
          call,
          `wrote a count of ${written} after filling an array of ${capacity}`,
        );
      }
      if (result === VK_INCOMPLETE) {
        if (attempt < MAX_ENUMERATION_ATTEMPTS) continue;
        throw new DriverOutputError(
          call,
          `returned VK_INCOMPLETE ${attempt} times in a row (the count never settled; last ${capacity})`,
        );
      }
      const items = koffi.decode(out, type, written) as ArrayLike<Record<string, unknown>>;
      return Array.from(items, decode);
    } finally {
      koffi.free(out);
    }
  }
}

/**
 * Commands looked up by name through one resolver, each checked and decoded on first use.
 * `resolve` returns the raw address (NULL as a falsy value). `enabled` is what the
 * instance or device the resolver belongs to was created with: a command that only an
 * extension provides (the registry says which) is resolved only when that extension is
 * among them, since calling it otherwise is invalid even where the loader hands it out.
 */
class CommandTable<Name extends CommandName> {
  private readonly cache = new Map<Name, Fn | null>();
  constructor(
    private readonly resolverName: string,
    private readonly resolve: (name: Name) => unknown,
    private readonly protos: Record<Name, KoffiType>,
    private readonly enabled: readonly string[] = [],
  ) {}

  /** Whether the command may be resolved here: a core one always, an extension's when enabled. */
  available(name: Name): boolean {
    const needed = requiredExtensions(name);
    return needed.length === 0 || needed.some((extension) => this.enabled.includes(extension));
  }

  /**
   * The command, or null when the resolver returns NULL for it. Asking for a command whose
   * extension was not enabled is the caller's mistake (a TypeError): it is never resolved.
   */
  find(name: Name): Fn | null {
    if (!this.available(name)) {
      throw new TypeError(
        `${name} needs ${requiredExtensions(name).join(' or ')} enabled before ${this.resolverName} may be asked for it`,
      );
    }
    if (!this.cache.has(name)) {
      const address = this.resolve(name);
      this.cache.set(name, address ? (koffi.decode(address, this.protos[name]) as Fn) : null);
    }
    return this.cache.get(name)!;
  }

  /** The command; MissingEntryPointError when it resolved to NULL. */
  need(name: Name, detail?: string): Fn {
    const fn = this.find(name);
    if (!fn) throw new MissingEntryPointError(this.resolverName, name, detail);
    return fn;
  }

  /** The names of those that resolve to NULL, in order. */
  missing(names: readonly Name[]): Name[] {
    return names.filter((name) => !this.find(name));
  }
}

const GLOBAL_PROTOS: Record<GlobalCommand, KoffiType> = {
  vkCreateInstance: T.prototypes.vkCreateInstance,
  vkEnumerateInstanceLayerProperties: T.prototypes.vkEnumerateInstanceLayerProperties,
  vkEnumerateInstanceVersion: T.prototypes.vkEnumerateInstanceVersion,
};

type InstanceLevel = InstanceCommand | InstanceExtensionCommand | PhysicalDeviceCommand;
const INSTANCE_PROTOS: Record<InstanceLevel, KoffiType> = {
  vkDestroyInstance: T.prototypes.vkDestroyInstance,
  vkEnumeratePhysicalDevices: T.prototypes.vkEnumeratePhysicalDevices,
  vkCreateDebugUtilsMessengerEXT: T.prototypes.vkCreateDebugUtilsMessengerEXT,
  vkDestroyDebugUtilsMessengerEXT: T.prototypes.vkDestroyDebugUtilsMessengerEXT,
  vkEnumerateDeviceExtensionProperties: T.prototypes.vkEnumerateDeviceExtensionProperties,
  vkGetPhysicalDeviceProperties: T.prototypes.vkGetPhysicalDeviceProperties,
  vkGetPhysicalDeviceMemoryProperties: T.prototypes.vkGetPhysicalDeviceMemoryProperties,
  vkGetPhysicalDeviceQueueFamilyProperties: T.prototypes.vkGetPhysicalDeviceQueueFamilyProperties,
  vkGetPhysicalDeviceProperties2: T.prototypes.vkGetPhysicalDeviceProperties2,
  vkGetPhysicalDeviceFeatures2: T.prototypes.vkGetPhysicalDeviceFeatures2,
  vkGetPhysicalDeviceMemoryProperties2: T.prototypes.vkGetPhysicalDeviceMemoryProperties2,
  vkGetPhysicalDeviceExternalBufferProperties:
    T.prototypes.vkGetPhysicalDeviceExternalBufferProperties,
  vkCreateDevice: T.prototypes.vkCreateDevice,
  vkGetDeviceProcAddr: T.prototypes.vkGetDeviceProcAddr,
};

const DEVICE_PROTOS: Record<DeviceCommand, KoffiType> = {
  vkDestroyDevice: T.prototypes.vkDestroyDevice,
  vkCreateBuffer: T.prototypes.vkCreateBuffer,
  vkDestroyBuffer: T.prototypes.vkDestroyBuffer,
  vkGetBufferMemoryRequirements2: T.prototypes.vkGetBufferMemoryRequirements2,
  vkAllocateMemory: T.prototypes.vkAllocateMemory,
  vkFreeMemory: T.prototypes.vkFreeMemory,
  vkBindBufferMemory: T.prototypes.vkBindBufferMemory,
  vkGetMemoryRemoteAddressNV: T.prototypes.vkGetMemoryRemoteAddressNV,
};

/**
 * The commands each resolver is asked for: vkGetInstanceProcAddr with NULL, with the
 * instance, and vkGetDeviceProcAddr. The tables above are typed by the registry's levels;
 * test/vulkan-generated.test.ts checks these lists against the registry too.
 */
export const RESOLVED_COMMANDS: Readonly<
  Record<'global' | 'instance' | 'device', readonly string[]>
> = {
  global: Object.keys(GLOBAL_PROTOS),
  instance: Object.keys(INSTANCE_PROTOS),
  device: Object.keys(DEVICE_PROTOS),
};

/*
 * Markers written into output structures before a query. A driver that fills the
 * structure overwrites them (the specification says it must); one still there after the
 * call means the structure was left unfilled (for instance by the loader emulating a
 * command the driver lacks), and the value is reported as unknown.
 */
const UNSET_UUID = Uint8Array.from('rdma-probe:unset', (c) => c.charCodeAt(0));
const UNSET_U32 = 0x7fffffff;
const UNSET_FLAGS = 0xffffffff;
const UNSET_U64 = 0xffffffffffffffffn;

function isUnset(bytes: ArrayLike<number>): boolean {
  return UNSET_UUID.every((byte, i) => bytes[i] === byte);
}

interface DebugHook {
  messenger: bigint;
  callback: bigint;
}

class KoffiVulkanBinding implements VulkanBinding {
  private readonly global: CommandTable<GlobalCommand>;
  private readonly instances = new Map<DispatchableHandle, CommandTable<InstanceLevel>>();
  /** Which instance's commands serve each physical device. */
  private readonly physical = new Map<DispatchableHandle, CommandTable<InstanceLevel>>();
  private readonly devices = new Map<DispatchableHandle, CommandTable<DeviceCommand>>();
  private readonly debugHooks = new Map<DispatchableHandle, DebugHook>();

  constructor(
    private readonly getInstanceProcAddr: Fn,
    readonly driverSelection: readonly DriverSelection[],
  ) {
    this.global = new CommandTable(
      'vkGetInstanceProcAddr',
      (name) => getInstanceProcAddr(null, name),
      GLOBAL_PROTOS,
    );
  }

  hasGlobal(name: GlobalCommand): boolean {
    return this.global.find(name) !== null;
  }

  private instanceCommands(instance: DispatchableHandle): CommandTable<InstanceLevel> {
    const table = this.instances.get(instance);
    if (!table) throw new TypeError('not an instance created by this binding');
    return table;
  }

  private physicalCommands(physicalDevice: DispatchableHandle): CommandTable<InstanceLevel> {
    const table = this.physical.get(physicalDevice);
    if (!table) throw new TypeError('not a physical device enumerated by this binding');
    return table;
  }

  private deviceCommands(device: DispatchableHandle): CommandTable<DeviceCommand> {
    const table = this.devices.get(device);
    if (!table) throw new TypeError('not a device created by this binding');
    return table;
  }

  enumerateInstanceVersion(): number {
    // vkEnumerateInstanceVersion is Vulkan 1.1, absent from 1.0 loaders: that is the answer "1.0".
    const enumerateVersion = this.global.find('vkEnumerateInstanceVersion');
    if (!enumerateVersion) return VK_API_VERSION_1_0;
    const version = [0];
    check('vkEnumerateInstanceVersion', enumerateVersion(version));
    return version[0]!;
  }

  enumerateInstanceLayers(): string[] {
    const fn = this.global.need('vkEnumerateInstanceLayerProperties');
    return enumerate(
      'vkEnumerateInstanceLayerProperties',
      T.structs.VkLayerProperties,
      (count, out) => fn(count, out),
      (layer) => decodeCString(layer['layerName'] as Uint8Array).text,
    );
  }

  createInstance(options: InstanceOptions): DispatchableHandle {
    const callback = options.onDebugMessage
      ? koffi.register(
          makeDebugCallback(options.onDebugMessage),
          koffi.pointer(T.PFN_vkDebugUtilsMessengerCallbackEXT),
        )
      : null;
    try {
      const messengerInfo = callback ? debugMessengerInfo(callback) : null;
      const createInfo = {
        sType: StructureTypeOf.VkInstanceCreateInfo,
        // Chained so that messages from vkCreateInstance/vkDestroyInstance are caught too.
        pNext: messengerInfo
          ? koffi.as(messengerInfo, 'VkDebugUtilsMessengerCreateInfoEXT *')
          : null,
        flags: 0,
        pApplicationInfo: {
          sType: StructureTypeOf.VkApplicationInfo,
          pNext: null,
          pApplicationName: options.applicationName,
          applicationVersion: options.applicationVersion,
          pEngineName: null,
          engineVersion: 0,
          apiVersion: options.apiVersion,
        },
        enabledLayerCount: options.enabledLayers.length,
        ppEnabledLayerNames: options.enabledLayers.length ? options.enabledLayers : null,
        enabledExtensionCount: options.enabledExtensions.length,
        ppEnabledExtensionNames: options.enabledExtensions.length
          ? options.enabledExtensions
          : null,
      };
      const out = [null];
      check('vkCreateInstance', this.global.need('vkCreateInstance')(createInfo, null, out));
      const instance = toBigInt(out[0]);
      const commands = new CommandTable<InstanceLevel>(
        'vkGetInstanceProcAddr',
        (name) => this.getInstanceProcAddr(instance, name),
        INSTANCE_PROTOS,
        options.enabledExtensions,
      );
      const destroy = commands.find('vkDestroyInstance');
      const missing = commands.missing(INSTANCE_COMMANDS);
      if (missing.length > 0) {
        // Without vkDestroyInstance the instance cannot be destroyed: say so, call nothing.
        destroy?.(instance, null);
        throw new MissingEntryPointError(
          'vkGetInstanceProcAddr',
          missing[0]!,
          destroy ? 'the instance was destroyed' : 'the instance cannot be destroyed',
        );
      }
      this.instances.set(instance, commands);
      if (callback && messengerInfo) {
        try {
          const messenger = this.createDebugMessenger(commands, instance, messengerInfo);
          this.debugHooks.set(instance, { messenger, callback });
        } catch (error) {
          this.instances.delete(instance);
          destroy!(instance, null);
          throw error;
        }
      }
      return instance;
    } catch (error) {
      if (callback) koffi.unregister(callback);
      throw error;
    }
  }

  private createDebugMessenger(
    commands: CommandTable<InstanceLevel>,
    instance: bigint,
    info: Record<string, unknown>,
  ): bigint {
    const create = commands.need('vkCreateDebugUtilsMessengerEXT');
    const out = [0n];
    check('vkCreateDebugUtilsMessengerEXT', create(instance, info, null, out));
    return toBigInt(out[0]);
  }

  destroyInstance(instance: DispatchableHandle): void {
    const commands = this.instanceCommands(instance);
    const hook = this.debugHooks.get(instance);
    if (hook) commands.find('vkDestroyDebugUtilsMessengerEXT')?.(instance, hook.messenger, null);
    commands.need('vkDestroyInstance')(instance, null);
    this.instances.delete(instance);
    for (const [physicalDevice, table] of this.physical) {
      if (table === commands) this.physical.delete(physicalDevice);
    }
    if (hook) {
      koffi.unregister(hook.callback);
      this.debugHooks.delete(instance);
    }
  }

  enumeratePhysicalDevices(instance: DispatchableHandle): DispatchableHandle[] {
    const commands = this.instanceCommands(instance);
    const fn = commands.need('vkEnumeratePhysicalDevices');
    const handles = enumerate(
      'vkEnumeratePhysicalDevices',
      'uint64_t',
      (count, out) => fn(instance, count, out),
      (handle) => toBigInt(handle),
    );
    if (handles.some((handle) => handle === 0n)) {
      throw new DriverOutputError('vkEnumeratePhysicalDevices', 'returned a NULL VkPhysicalDevice');
    }
    for (const handle of handles) this.physical.set(handle, commands);
    return handles;
  }

  enumerateDeviceExtensions(physicalDevice: DispatchableHandle): ExtensionProperties[] {
    const fn = this.physicalCommands(physicalDevice).need('vkEnumerateDeviceExtensionProperties');
    return enumerate(
      'vkEnumerateDeviceExtensionProperties',
      T.structs.VkExtensionProperties,
      (count, out) => fn(physicalDevice, null, count, out),
      decodeExtension,
    );
  }

  getBasicProperties(physicalDevice: DispatchableHandle): RawBasicProperties {
    const fn = this.physicalCommands(physicalDevice).need('vkGetPhysicalDeviceProperties');
    const properties = queryStruct(T.structs.VkPhysicalDeviceProperties, (out) =>
      fn(physicalDevice, out),
    );
    const name = decodeCString(properties['deviceName'] as Uint8Array);
    return {
      apiVersion: properties['apiVersion'] as number,
      driverVersion: properties['driverVersion'] as number,
      vendorID: properties['vendorID'] as number,
      deviceID: properties['deviceID'] as number,
      deviceType: properties['deviceType'] as number,
      deviceName: name.text,
      deviceNameTerminated: name.terminated,
    };
  }

  getProperties(physicalDevice: DispatchableHandle, query: PropertiesQuery): RawExtendedProperties {
    const fn = this.physicalCommands(physicalDevice).need('vkGetPhysicalDeviceProperties2');
    const links: ChainLink[] = [
      {
        type: T.structs.VkPhysicalDeviceProperties2,
        init: { sType: StructureTypeOf.VkPhysicalDeviceProperties2 },
      },
      {
        type: T.structs.VkPhysicalDeviceIDProperties,
        init: {
          sType: StructureTypeOf.VkPhysicalDeviceIDProperties,
          deviceUUID: UNSET_UUID,
          driverUUID: UNSET_UUID,
        },
      },
    ];
    const driverAt = query.driverProperties ? links.length : -1;
    if (query.driverProperties) {
      links.push({
        type: T.structs.VkPhysicalDeviceDriverProperties,
        init: { sType: StructureTypeOf.VkPhysicalDeviceDriverProperties, driverID: UNSET_U32 },
      });
    }
    const pciAt = query.pciBusInfo ? links.length : -1;
    if (query.pciBusInfo) {
      links.push({
        type: T.structs.VkPhysicalDevicePCIBusInfoPropertiesEXT,
        init: {
          sType: StructureTypeOf.VkPhysicalDevicePCIBusInfoPropertiesEXT,
          pciDomain: UNSET_FLAGS,
          pciBus: UNSET_FLAGS,
          pciDevice: UNSET_FLAGS,
          pciFunction: UNSET_FLAGS,
        },
      });
    }
    const decoded = queryChain(links, (head) => fn(physicalDevice, head));
    const unfilled: string[] = [];
    const ids = decoded[1]!;
    const idsFilled =
      !isUnset(ids['deviceUUID'] as Uint8Array) && !isUnset(ids['driverUUID'] as Uint8Array);
    if (!idsFilled) unfilled.push('VkPhysicalDeviceIDProperties');
    let driver: RawExtendedProperties['driver'] = null;
    if (driverAt >= 0) {
      const raw = decoded[driverAt]!;
      if (raw['driverID'] === UNSET_U32) {
        unfilled.push('VkPhysicalDeviceDriverProperties');
      } else {
        const name = decodeCString(raw['driverName'] as Uint8Array);
        const info = decodeCString(raw['driverInfo'] as Uint8Array);
        driver = {
          driverID: raw['driverID'] as number,
          driverName: name.text,
          driverInfo: info.text,
          unterminated: [
            ...(name.terminated ? [] : ['driverName' as const]),
            ...(info.terminated ? [] : ['driverInfo' as const]),
          ],
        };
      }
    }
    let pciBusInfo: RawExtendedProperties['pciBusInfo'] = null;
    if (pciAt >= 0) {
      const pci = decoded[pciAt]!;
      const values = {
        pciDomain: pci['pciDomain'] as number,
        pciBus: pci['pciBus'] as number,
        pciDevice: pci['pciDevice'] as number,
        pciFunction: pci['pciFunction'] as number,
      };
      if (Object.values(values).every((value) => value === UNSET_FLAGS)) {
        unfilled.push('VkPhysicalDevicePCIBusInfoPropertiesEXT');
      } else {
        pciBusInfo = values;
      }
    }
    return {
      ids: idsFilled
        ? {
            deviceUUID: Uint8Array.from(ids['deviceUUID'] as ArrayLike<number>),
            driverUUID: Uint8Array.from(ids['driverUUID'] as ArrayLike<number>),
          }
        : null,
      driver,
      pciBusInfo,
      unfilled,
    };
  }

  getExternalMemoryRDMAFeature(physicalDevice: DispatchableHandle): boolean | null {
    const fn = this.physicalCommands(physicalDevice).need('vkGetPhysicalDeviceFeatures2');
    const decoded = queryChain(
      [
        {
          type: T.structs.VkPhysicalDeviceFeatures2,
          init: { sType: StructureTypeOf.VkPhysicalDeviceFeatures2 },
        },
        {
          type: T.structs.VkPhysicalDeviceExternalMemoryRDMAFeaturesNV,
          init: {
            sType: StructureTypeOf.VkPhysicalDeviceExternalMemoryRDMAFeaturesNV,
            externalMemoryRDMA: UNSET_U32,
          },
        },
      ],
      (head) => fn(physicalDevice, head),
    );
    // A VkBool32 is 0 or 1; the marker (or any other value) means "not answered".
    const value = decoded[1]!['externalMemoryRDMA'];
    return value === VK_TRUE ? true : value === VK_FALSE ? false : null;
  }

  getMemoryProperties(physicalDevice: DispatchableHandle, query: MemoryQuery): RawMemoryProperties {
    const commands = this.physicalCommands(physicalDevice);
    let memory: Record<string, unknown>;
    let budget: Record<string, unknown> | null = null;
    if (!query.properties2) {
      const fn = commands.need('vkGetPhysicalDeviceMemoryProperties');
      memory = queryStruct(T.structs.VkPhysicalDeviceMemoryProperties, (out) =>
        fn(physicalDevice, out),
      );
    } else {
      const fn = commands.need('vkGetPhysicalDeviceMemoryProperties2');
      const links: ChainLink[] = [
        {
          type: T.structs.VkPhysicalDeviceMemoryProperties2,
          init: { sType: StructureTypeOf.VkPhysicalDeviceMemoryProperties2 },
        },
      ];
      if (query.budget) {
        const unset = new Array<bigint>(VK_MAX_MEMORY_HEAPS).fill(UNSET_U64);
        links.push({
          type: T.structs.VkPhysicalDeviceMemoryBudgetPropertiesEXT,
          init: {
            sType: StructureTypeOf.VkPhysicalDeviceMemoryBudgetPropertiesEXT,
            heapBudget: unset,
            heapUsage: unset,
          },
        });
      }
      const decoded = queryChain(links, (head) => fn(physicalDevice, head));
      memory = decoded[0]!['memoryProperties'] as Record<string, unknown>;
      budget = query.budget ? decoded[1]! : null;
    }
    const typeCount = memory['memoryTypeCount'] as number;
    const heapCount = memory['memoryHeapCount'] as number;
    const types = memory['memoryTypes'] as { propertyFlags: number; heapIndex: number }[];
    const heaps = memory['memoryHeaps'] as { size: unknown; flags: number }[];
    // Only the first *Count entries are meaningful, and never more than the arrays hold.
    const shownHeaps = Math.min(heapCount, VK_MAX_MEMORY_HEAPS);
    const budgets = budget ? (budget['heapBudget'] as unknown[]).map(toBigInt) : null;
    const usages = budget ? (budget['heapUsage'] as unknown[]).map(toBigInt) : null;
    const budgetUnfilled =
      budgets !== null &&
      shownHeaps > 0 &&
      budgets.slice(0, shownHeaps).every((value) => value === UNSET_U64);
    const useBudget = budgets !== null && !budgetUnfilled;
    return {
      memoryTypeCount: typeCount,
      memoryHeapCount: heapCount,
      memoryTypes: types.slice(0, Math.min(typeCount, VK_MAX_MEMORY_TYPES)).map((type) => ({
        propertyFlags: type.propertyFlags,
        heapIndex: type.heapIndex,
      })),
      memoryHeaps: heaps.slice(0, shownHeaps).map(
        (heap, index): RawMemoryHeap => ({
          size: toBigInt(heap.size),
          flags: heap.flags,
          budget: useBudget ? budgets[index]! : null,
          usage: useBudget ? usages![index]! : null,
        }),
      ),
      budgetUnfilled,
    };
  }

  getExternalBufferProperties(
    physicalDevice: DispatchableHandle,
    usage: number,
    handleType: number,
  ): RawExternalMemoryProperties | null {
    const fn = this.physicalCommands(physicalDevice).need(
      'vkGetPhysicalDeviceExternalBufferProperties',
    );
    const info = {
      sType: StructureTypeOf.VkPhysicalDeviceExternalBufferInfo,
      pNext: null,
      flags: 0,
      usage,
      handleType,
    };
    const unset = {
      externalMemoryFeatures: UNSET_FLAGS,
      exportFromImportedHandleTypes: UNSET_FLAGS,
      compatibleHandleTypes: UNSET_FLAGS,
    };
    const decoded = queryChain(
      [
        {
          type: T.structs.VkExternalBufferProperties,
          init: {
            sType: StructureTypeOf.VkExternalBufferProperties,
            externalMemoryProperties: unset,
          },
        },
      ],
      (head) => fn(physicalDevice, info, head),
    );
    const properties = decoded[0]!['externalMemoryProperties'] as RawExternalMemoryProperties;
    if (
      properties.externalMemoryFeatures === UNSET_FLAGS &&
      properties.compatibleHandleTypes === UNSET_FLAGS
    ) {
      return null;
    }
    return {
      externalMemoryFeatures: properties.externalMemoryFeatures,
      exportFromImportedHandleTypes: properties.exportFromImportedHandleTypes,
      compatibleHandleTypes: properties.compatibleHandleTypes,
    };
  }

  getQueueFamilies(physicalDevice: DispatchableHandle): RawQueueFamily[] {
    const call = 'vkGetPhysicalDeviceQueueFamilyProperties';
    const fn = this.physicalCommands(physicalDevice).need(call);
    const count = [0];
    fn(physicalDevice, count, null);
    const capacity = believableCount(call, count[0]!);
    if (capacity === 0) return [];
    const out = koffi.alloc(T.structs.VkQueueFamilyProperties, capacity);
    try {
      fn(physicalDevice, count, out);
      const written = count[0]!;
      if (written > capacity) {
        throw new DriverOutputError(
          call,
          `wrote a count of ${written} after filling an array of ${capacity}`,
        );
      }
      const families = koffi.decode(
        out,
        T.structs.VkQueueFamilyProperties,
        written,
      ) as RawQueueFamily[];
      return families.map((family) => ({
        queueFlags: family.queueFlags,
        queueCount: family.queueCount,
      }));
    } finally {
      koffi.free(out);
    }
  }

  createDevice(physicalDevice: DispatchableHandle, options: DeviceOptions): DispatchableHandle {
    const commands = this.physicalCommands(physicalDevice);
    // Both are checked before anything exists: without vkGetDeviceProcAddr no device
    // command could be checked, so no device is created.
    const getDeviceProcAddr = commands.need('vkGetDeviceProcAddr', 'no device was created');
    const create = commands.need('vkCreateDevice');
    const features = options.enableExternalMemoryRDMA
      ? koffi.as(
          {
            sType: StructureTypeOf.VkPhysicalDeviceExternalMemoryRDMAFeaturesNV,
            pNext: null,
            externalMemoryRDMA: VK_TRUE,
          },
          'VkPhysicalDeviceExternalMemoryRDMAFeaturesNV *',
        )
      : null;
    const createInfo = {
      sType: StructureTypeOf.VkDeviceCreateInfo,
      pNext: features,
      flags: 0,
      queueCreateInfoCount: 1,
      pQueueCreateInfos: [
        {
          sType: StructureTypeOf.VkDeviceQueueCreateInfo,
          pNext: null,
          flags: 0,
          queueFamilyIndex: options.queueFamilyIndex,
          queueCount: 1,
          pQueuePriorities: [1.0],
        },
      ],
      enabledLayerCount: 0,
      ppEnabledLayerNames: null,
      enabledExtensionCount: options.enabledExtensions.length,
      ppEnabledExtensionNames: options.enabledExtensions.length ? options.enabledExtensions : null,
      pEnabledFeatures: null,
    };
    const out = [null];
    check('vkCreateDevice', create(physicalDevice, createInfo, null, out));
    const device = toBigInt(out[0]);
    const table = new CommandTable<DeviceCommand>(
      'vkGetDeviceProcAddr',
      (name) => getDeviceProcAddr(device, name),
      DEVICE_PROTOS,
      options.enabledExtensions,
    );
    // An extension's commands are asked for only when it was enabled on the device.
    const missing = table.missing(DEVICE_COMMANDS.filter((name) => table.available(name)));
    if (missing.length > 0) {
      const destroy = table.find('vkDestroyDevice');
      destroy?.(device, null);
      const more = missing.length > 1 ? ` (also ${missing.slice(1).join(', ')})` : '';
      throw new MissingEntryPointError(
        'vkGetDeviceProcAddr',
        missing[0]!,
        `${destroy ? 'the device was destroyed' : 'the device cannot be destroyed'} before anything was allocated${more}`,
      );
    }
    this.devices.set(device, table);
    return device;
  }

  destroyDevice(device: DispatchableHandle): void {
    this.deviceCommands(device).need('vkDestroyDevice')(device, null);
    this.devices.delete(device);
  }

  createBuffer(device: DispatchableHandle, options: BufferOptions): NonDispatchableHandle {
    const external = options.externalHandleTypes
      ? koffi.as(
          {
            sType: StructureTypeOf.VkExternalMemoryBufferCreateInfo,
            pNext: null,
            handleTypes: options.externalHandleTypes,
          },
          'VkExternalMemoryBufferCreateInfo *',
        )
      : null;
    const createInfo = {
      sType: StructureTypeOf.VkBufferCreateInfo,
      pNext: external,
      flags: 0,
      size: options.size,
      usage: options.usage,
      sharingMode: SharingMode.EXCLUSIVE,
      queueFamilyIndexCount: 0,
      pQueueFamilyIndices: null,
    };
    const out = [0n];
    const create = this.deviceCommands(device).need('vkCreateBuffer');
    check('vkCreateBuffer', create(device, createInfo, null, out));
    return toBigInt(out[0]);
  }

  destroyBuffer(device: DispatchableHandle, buffer: NonDispatchableHandle): void {
    this.deviceCommands(device).need('vkDestroyBuffer')(device, buffer, null);
  }

  getBufferMemoryRequirements(
    device: DispatchableHandle,
    buffer: NonDispatchableHandle,
  ): BufferMemoryRequirements {
    const fn = this.deviceCommands(device).need('vkGetBufferMemoryRequirements2');
    const info = {
      sType: StructureTypeOf.VkBufferMemoryRequirementsInfo2,
      pNext: null,
      buffer,
    };
    const decoded = queryChain(
      [
        {
          type: T.structs.VkMemoryRequirements2,
          init: { sType: StructureTypeOf.VkMemoryRequirements2 },
        },
        {
          type: T.structs.VkMemoryDedicatedRequirements,
          init: { sType: StructureTypeOf.VkMemoryDedicatedRequirements },
        },
      ],
      (head) => fn(device, info, head),
    );
    const requirements = decoded[0]!['memoryRequirements'] as Record<string, unknown>;
    const dedicated = decoded[1]!;
    return {
      size: toBigInt(requirements['size']),
      alignment: toBigInt(requirements['alignment']),
      memoryTypeBits: toNumber(requirements['memoryTypeBits']),
      prefersDedicatedAllocation: dedicated['prefersDedicatedAllocation'] === VK_TRUE,
      requiresDedicatedAllocation: dedicated['requiresDedicatedAllocation'] === VK_TRUE,
    };
  }

  allocateMemory(device: DispatchableHandle, options: AllocationOptions): NonDispatchableHandle {
    const dedicated =
      options.dedicatedBuffer !== null
        ? {
            sType: StructureTypeOf.VkMemoryDedicatedAllocateInfo,
            pNext: null,
            image: VK_NULL_HANDLE,
            buffer: options.dedicatedBuffer,
          }
        : null;
    const dedicatedPointer = dedicated
      ? koffi.as(dedicated, 'VkMemoryDedicatedAllocateInfo *')
      : null;
    const exported = options.exportHandleTypes
      ? koffi.as(
          {
            sType: StructureTypeOf.VkExportMemoryAllocateInfo,
            pNext: dedicatedPointer,
            handleTypes: options.exportHandleTypes,
          },
          'VkExportMemoryAllocateInfo *',
        )
      : null;
    const allocateInfo = {
      sType: StructureTypeOf.VkMemoryAllocateInfo,
      pNext: exported ?? dedicatedPointer,
      allocationSize: options.size,
      memoryTypeIndex: options.memoryTypeIndex,
    };
    const out = [0n];
    const allocate = this.deviceCommands(device).need('vkAllocateMemory');
    check('vkAllocateMemory', allocate(device, allocateInfo, null, out));
    return toBigInt(out[0]);
  }

  freeMemory(device: DispatchableHandle, memory: NonDispatchableHandle): void {
    this.deviceCommands(device).need('vkFreeMemory')(device, memory, null);
  }

  bindBufferMemory(
    device: DispatchableHandle,
    buffer: NonDispatchableHandle,
    memory: NonDispatchableHandle,
  ): void {
    const bind = this.deviceCommands(device).need('vkBindBufferMemory');
    check('vkBindBufferMemory', bind(device, buffer, memory, 0n));
  }

  getMemoryRemoteAddress(
    device: DispatchableHandle,
    memory: NonDispatchableHandle,
    handleType: number,
  ): bigint {
    const getAddress = this.deviceCommands(device).need('vkGetMemoryRemoteAddressNV');
    const info = {
      sType: StructureTypeOf.VkMemoryGetRemoteAddressInfoNV,
      pNext: null,
      memory,
      handleType,
    };
    const out = [0n];
    check('vkGetMemoryRemoteAddressNV', getAddress(device, info, out));
    return toBigInt(out[0]);
  }
}

function decodeExtension(item: Record<string, unknown>): ExtensionProperties {
  const name = decodeCString(item['extensionName'] as Uint8Array);
  return {
    extensionName: name.text,
    specVersion: item['specVersion'] as number,
    nameTerminated: name.terminated,
  };
}

function debugMessengerInfo(callback: bigint): Record<string, unknown> {
  return {
    sType: StructureTypeOf.VkDebugUtilsMessengerCreateInfoEXT,
    pNext: null,
    flags: 0,
    messageSeverity:
      DebugSeverity.VERBOSE | DebugSeverity.INFO | DebugSeverity.WARNING | DebugSeverity.ERROR,
    messageType: DEBUG_MESSAGE_TYPES_ALL,
    pfnUserCallback: callback,
    pUserData: null,
  };
}

function makeDebugCallback(onMessage: (message: DebugMessage) => void) {
  return (severity: number, types: number, data: unknown): number => {
    const head = koffi.decode(data, T.views.VkDebugUtilsMessengerCallbackDataEXTHead) as {
      pMessageIdName: string | null;
      messageIdNumber: number;
      pMessage: string | null;
    };
    onMessage({
      severity,
      types,
      messageIdName: head.pMessageIdName ?? null,
      messageIdNumber: head.messageIdNumber,
      message: head.pMessage ?? '',
    });
    return VK_FALSE; // never abort the call that triggered the message
  };
}
