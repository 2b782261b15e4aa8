/**
 * The Vulkan instance of `list` and `check`, started before the command line is parsed.
 *
 * Creating it is most of a probe's time (the loader loads the drivers: 20 ms with
 * lavapipe, 80 ms with NVIDIA's), and much of what comes before the probe needs no
 * Vulkan: commander, the options, the output check. So main() opens the binding and
 * starts vkCreateInstance on another thread first (the binding's createInstanceAsync),
 * goes on with the rest, and the probe takes that instance when it asks for one created
 * with the same options (EarlyInstanceBinding). The binding is handed to the command only
 * once the call has settled, so nothing else calls Vulkan meanwhile.
 *
 * Decided from the raw command line, before commander has parsed it: `list` and `check`
 * start one, unless help is asked for or --validate is (its layer and messenger must be
 * set up by the instance's own creation, and its messages delivered on this thread). A
 * guess that proves wrong costs only the wait: an instance the probe did not take (a
 * usage error, a loader older than 1.1) is destroyed before main() returns, and a binding
 * that fails to open here is opened again by the command, which reports why.
 */
import { instanceOptions, requestedApiVersion } from '../probe/probe.js';
import { VK_API_VERSION_1_1 } from '../vulkan/constants.js';
import type {
  AllocationOptions,
  BufferOptions,
  DeviceOptions,
  DispatchableHandle,
  InstanceOptions,
  MemoryQuery,
  NonDispatchableHandle,
  PropertiesQuery,
  VulkanBinding,
} from '../vulkan/binding.js';
import type { CliDeps, CliIo } from './io.js';

type PlainInstanceOptions = Omit<InstanceOptions, 'onDebugMessage'>;
type Settled = { instance: DispatchableHandle } | { error: unknown };

/** An instance started early, and the deps that hand it to the command. */
export interface EarlyInstance {
  /** As the deps given, but loadBinding waits for the instance and gives the binding holding it. */
  deps: CliDeps;
  /** Waits for the instance and destroys it unless the probe took it. */
  release(): Promise<void>;
}

const PROBING_COMMANDS = new Set(['list', 'check']);

/**
 * Whether the command line (after node and the script) runs a probe whose instance
 * can be created ahead: `list` or `check` first, no --validate, no help.
 */
export function createsPlainInstance(args: readonly string[]): boolean {
  if (!PROBING_COMMANDS.has(args[0] ?? '')) return false;
  return !args.some(
    (arg) =>
      arg === '--help' ||
      arg.startsWith('--validate') ||
      // -h alone or among other short flags (-vh)
      /^-[^-]*h/.test(arg),
  );
}

export async function startEarlyInstance(
  argv: readonly string[],
  io: CliIo,
  deps: CliDeps,
): Promise<EarlyInstance | null> {
  if (!createsPlainInstance(argv.slice(2))) return null;
  let vk: VulkanBinding;
  let options: PlainInstanceOptions;
  try {
    vk = await deps.loadBinding(io.env);
    const loaderVersion = vk.enumerateInstanceVersion() >>> 0;
    if (!vk.createInstanceAsync || loaderVersion < VK_API_VERSION_1_1) return null;
    options = instanceOptions(requestedApiVersion(loaderVersion), false);
  } catch {
    return null;
  }
  const settled: Promise<Settled> = vk.createInstanceAsync(options).then(
    (instance) => ({ instance }),
    (error: unknown) => ({ error }),
  );
  let binding: EarlyInstanceBinding | null = null;
  return {
    deps: {
      ...deps,
      loadBinding: async () => (binding ??= new EarlyInstanceBinding(vk, options, await settled)),
    },
    release: async () => {
      const result = await settled;
      if ('instance' in result && !binding?.taken) vk.destroyInstance(result.instance);
    },
  };
}

/**
 * The binding, but its first createInstance with the early instance's options takes that
 * instance (or throws the error its creation ended with) instead of creating one.
 */
export class EarlyInstanceBinding implements VulkanBinding {
  taken = false;

  constructor(
    private readonly vk: VulkanBinding,
    private readonly options: PlainInstanceOptions,
    private readonly settled: Settled,
  ) {}

  get driverSelection() {
    return this.vk.driverSelection;
  }

  createInstance(options: InstanceOptions): DispatchableHandle {
    if (this.taken || options.onDebugMessage || !sameOptions(options, this.options)) {
      return this.vk.createInstance(options);
    }
    this.taken = true;
    if ('error' in this.settled) throw this.settled.error;
    return this.settled.instance;
  }

  enumerateInstanceVersion() {
    return this.vk.enumerateInstanceVersion();
  }
  enumerateInstanceLayers() {
    return this.vk.enumerateInstanceLayers();
  }
  destroyInstance(instance: DispatchableHandle) {
    this.vk.destroyInstance(instance);
  }
  enumeratePhysicalDevices(instance: DispatchableHandle) {
    return this.vk.enumeratePhysicalDevices(instance);
  }
  enumerateDeviceExtensions(physicalDevice: DispatchableHandle) {
    return this.vk.enumerateDeviceExtensions(physicalDevice);
  }
  getBasicProperties(physicalDevice: DispatchableHandle) {
    return this.vk.getBasicProperties(physicalDevice);
  }
  getProperties(physicalDevice: DispatchableHandle, query: PropertiesQuery) {
    return this.vk.getProperties(physicalDevice, query);
  }
  getExternalMemoryRDMAFeature(physicalDevice: DispatchableHandle) {
    return this.vk.getExternalMemoryRDMAFeature(physicalDevice);
  }
  getMemoryProperties(physicalDevice: DispatchableHandle, query: MemoryQuery) {
    return this.vk.getMemoryProperties(physicalDevice, query);
  }
  getExternalBufferProperties(physicalDevice: DispatchableHandle, usage: number, type: number) {
    return this.vk.getExternalBufferProperties(physicalDevice, usage, type);
  }
  getQueueFamilies(physicalDevice: DispatchableHandle) {
    return this.vk.getQueueFamilies(physicalDevice);
  }
  createDevice(physicalDevice: DispatchableHandle, options: DeviceOptions) {
    return this.vk.createDevice(physicalDevice, options);
  }
  destroyDevice(device: DispatchableHandle) {
    this.vk.destroyDevice(device);
  }
  createBuffer(device: DispatchableHandle, options: BufferOptions) {
    return this.vk.createBuffer(device, options);
  }
  destroyBuffer(device: DispatchableHandle, buffer: NonDispatchableHandle) {
    this.vk.destroyBuffer(device, buffer);
  }
  getBufferMemoryRequirements(device: DispatchableHandle, buffer: NonDispatchableHandle) {
    return this.vk.getBufferMemoryRequirements(device, buffer);
  }
  allocateMemory(device: DispatchableHandle, options: AllocationOptions) {
    return this.vk.allocateMemory(device, options);
  }
  freeMemory(device: DispatchableHandle, memory: NonDispatchableHandle) {
    this.vk.freeMemory(device, memory);
  }
  bindBufferMemory(
    device: DispatchableHandle,
    buffer: NonDispatchableHandle,
    memory: NonDispatchableHandle,
  ) {
    this.vk.bindBufferMemory(device, buffer, memory);
  }
  getMemoryRemoteAddress(
    device: DispatchableHandle,
    memory: NonDispatchableHandle,
    handleType: number,
  ) {
    return this.vk.getMemoryRemoteAddress(device, memory, handleType);
  }
}

function sameOptions(a: PlainInstanceOptions, b: PlainInstanceOptions): boolean {
  const same = (x: readonly string[], y: readonly string[]) =>
    x.length === y.length && x.every((item, i) => item === y[i]);
  return (
    a.apiVersion === b.apiVersion &&
    a.applicationName === b.applicationName &&
    a.applicationVersion === b.applicationVersion &&
    same(a.enabledLayers, b.enabledLayers) &&
    same(a.enabledExtensions, b.enabledExtensions)
  );
}
