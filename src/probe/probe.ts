/**
 * probe(): the whole Vulkan flow for one host, returning the GPUs and the loader's facts.
 * It asks Vulkan only: the host's files, its name and the clock are for the collecting
 * step (src/collect.ts) that makes the list report of them. It takes the binding as a
 * parameter (the real koffi one, or any other), creates one instance and destroys it on
 * every path.
 */
import { monotonicMs } from '../clock.js';
import { EnvironmentError } from '../errors.js';
import { VulkanCallError } from '../vulkan/driver-errors.js';
import type {
  DebugMessage,
  DispatchableHandle,
  DriverSelection,
  VulkanBinding,
} from '../vulkan/binding.js';
import {
  DebugSeverity,
  Extension,
  VALIDATION_LAYER,
  VK_API_VERSION_1_1,
  VK_API_VERSION_1_3,
  VkResult,
} from '../vulkan/constants.js';
import type {
  GpuReport,
  LoaderReport,
  ValidationMessage,
  ValidationReport,
} from '../list-report.js';
import { formatApiVersion } from './decode.js';
import { probeGpu } from './gpu.js';
import { mergeListings } from './merge.js';
import { matchesSelector, type DeviceSelector } from './select.js';
import { allocateRdmaMemory, skippedAllocation } from './allocate.js';

export interface ProbeOptions {
  device?: DeviceSelector | null;
  /** Enable VK_LAYER_KHRONOS_validation and collect its warnings and errors. */
  validate?: boolean;
  /** --alloc: bytes to allocate and export on each selected capable GPU. */
  allocateBytes?: bigint | null;
  /** Called with each validation message as it arrives (e.g. to print it). */
  onValidationMessage?: (message: ValidationMessage) => void;
  /** What --alloc's step timings are read from (the collecting step hands its clock). */
  monotonicMs?: () => number;
}

const {
  VK_ERROR_OUT_OF_HOST_MEMORY,
  VK_ERROR_INCOMPATIBLE_DRIVER,
  VK_ERROR_INITIALIZATION_FAILED,
} = VkResult;

const NO_DRIVER_HINT =
  'install the GPU vendor driver with its Vulkan ICD (NVIDIA: the driver package providing nvidia_icd.json), ' +
  'or mesa-vulkan-drivers for a software device; check VK_DRIVER_FILES/VK_ICD_FILENAMES if set';

/** What Vulkan told: the loader, the validation layer's messages and the GPUs. */
export interface VulkanProbe {
  loader: LoaderReport;
  /** Present when --validate enabled the Khronos validation layer. */
  validation: ValidationReport | null;
  /**
   * Every GPU seen, before --device selected: what `check --gpus N` counts. Anything
   * that changes which GPUs the host has (such as merging a GPU listed twice) happens
   * before this list is taken.
   */
  found: GpuReport[];
  /** The GPUs --device selected (all of them without it); none when it matches nothing. */
  gpus: GpuReport[];
}

export function probe(vk: VulkanBinding, options: ProbeOptions): VulkanProbe {
  const loaderVersion = vk.enumerateInstanceVersion() >>> 0;
  if (loaderVersion < VK_API_VERSION_1_1) {
    throw new EnvironmentError(
      `the Vulkan loader is ${formatApiVersion(loaderVersion)}; rdma-probe needs 1.1 or newer (update libvulkan1)`,
    );
  }
  const apiVersion = Math.min(loaderVersion, VK_API_VERSION_1_3);
  const validationMessages: ValidationMessage[] = [];
  if (options.validate && !vk.enumerateInstanceLayers().includes(VALIDATION_LAYER)) {
    throw new EnvironmentError(
      `${VALIDATION_LAYER} is not installed: install vulkan-validationlayers (Debian/Ubuntu) or drop --validate`,
    );
  }

  const instance = createInstance(vk, apiVersion, options, (message) => {
    validationMessages.push(message);
    options.onValidationMessage?.(message);
  });
  let found: GpuReport[];
  let gpus: GpuReport[];
  try {
    const physicalDevices = enumerateDevices(vk, instance);
    found = mergeListings(
      physicalDevices.map((physicalDevice, index) => probeGpu(vk, physicalDevice, index)),
      vk.driverSelection,
    );
    const selector = options.device;
    gpus = selector
      ? found.filter((gpu) => matchesSelector(selector, gpu.index, gpu.identity))
      : found;
    if (options.allocateBytes != null) {
      for (const gpu of gpus) {
        gpu.allocation =
          gpu.verdict.rdma === 'capable'
            ? allocateRdmaMemory(
                vk,
                physicalDevices[gpu.loaderIndexes[0]!]!,
                gpu,
                options.allocateBytes,
                options.monotonicMs ?? monotonicMs,
              )
            : skippedAllocation(options.allocateBytes, gpu);
      }
    }
  } finally {
    vk.destroyInstance(instance);
  }

  return {
    loader: {
      apiVersion: formatApiVersion(loaderVersion),
      requestedApiVersion: formatApiVersion(apiVersion),
    },
    validation: options.validate ? { layer: VALIDATION_LAYER, messages: validationMessages } : null,
    found,
    gpus,
  };
}

function createInstance(
  vk: VulkanBinding,
  apiVersion: number,
  options: ProbeOptions,
  onMessage: (message: ValidationMessage) => void,
): DispatchableHandle {
  try {
    return vk.createInstance({
      apiVersion,
      applicationName: 'rdma-probe',
      applicationVersion: 1,
      enabledLayers: options.validate ? [VALIDATION_LAYER] : [],
      enabledExtensions: options.validate ? [Extension.DEBUG_UTILS] : [],
      onDebugMessage: options.validate ? forwardSevere(onMessage) : undefined,
    });
  } catch (error) {
    if (!(error instanceof VulkanCallError)) throw error;
    const selection = vk.driverSelection;
    if (error.result === VK_ERROR_INCOMPATIBLE_DRIVER) {
      const among = selection.length ? ` among ${describeSelection(selection)}` : '';
      throw new EnvironmentError(
        `no Vulkan driver found${among} (vkCreateInstance: ${error.resultName}): ${NO_DRIVER_HINT}`,
      );
    }
    // Loader 1.3.239 answers a driver manifest it cannot parse with OUT_OF_HOST_MEMORY
    // (measured): with the variables set, that is the environment, not the machine.
    const manifestSymptom =
      error.result === VK_ERROR_OUT_OF_HOST_MEMORY ||
      error.result === VK_ERROR_INITIALIZATION_FAILED;
    if (selection.length && manifestSymptom) {
      throw new EnvironmentError(
        `vkCreateInstance failed (${error.resultName}) with ${describeSelection(selection)}: ` +
          `check that ${selection.length > 1 ? 'they name' : 'it names'} readable Vulkan driver manifests (ICD JSON files); ` +
          `the loader reports a manifest it cannot parse this way`,
      );
    }
    throw error;
  }
}

/** VK_DRIVER_FILES="…" and VK_ICD_FILENAMES="…", quoted so the message stays one line. */
function describeSelection(selection: readonly DriverSelection[]): string {
  return selection.map(({ name, value }) => `${name}=${JSON.stringify(value)}`).join(' and ');
}

function enumerateDevices(vk: VulkanBinding, instance: DispatchableHandle): DispatchableHandle[] {
  let devices: DispatchableHandle[];
  try {
    devices = vk.enumeratePhysicalDevices(instance);
  } catch (error) {
    // Older loaders report "no driver" here rather than at vkCreateInstance.
    if (error instanceof VulkanCallError && error.result === VK_ERROR_INITIALIZATION_FAILED) {
      throw new EnvironmentError(
        `no Vulkan device found (vkEnumeratePhysicalDevices: ${error.resultName}): ${NO_DRIVER_HINT}`,
      );
    }
    throw error;
  }
  if (devices.length === 0) {
    throw new EnvironmentError(`no Vulkan device found: ${NO_DRIVER_HINT}`);
  }
  return devices;
}

function forwardSevere(onMessage: (message: ValidationMessage) => void) {
  return (message: DebugMessage): void => {
    if (message.severity < DebugSeverity.WARNING) return;
    onMessage({
      severity: message.severity >= DebugSeverity.ERROR ? 'error' : 'warning',
      id: message.messageIdName,
      message: message.message,
    });
  };
}
