/**
 * Gathers everything about one GPU: its extensions, properties (IDs, driver, PCI bus),
 * features, memory types and heaps with their budgets, and whether RDMA address export is
 * possible. A Vulkan failure part-way is recorded on the GPU, because one GPU's failure is
 * data about that GPU and must not stop the others from being probed; what was gathered
 * before it is kept.
 *
 * Vulkan 1.1 gating. The instance is always created for Vulkan 1.1 or newer (probe.ts
 * refuses older loaders), but the specification lets core physical-device functionality
 * of a version be used only when the physical device supports that version: "...must not
 * be used unless it is supported by the physical device as determined by
 * VkPhysicalDeviceProperties::apiVersion". So the probe first asks what every version
 * can tell (vkGetPhysicalDeviceProperties), and calls the 1.1 commands (the *2 queries,
 * external buffer properties) only for a device that reports 1.1 or newer. A 1.0 device
 * is reported with its 1.0 properties and memory; its UUIDs, driver properties and PCI
 * address are unknown, and it cannot be RDMA-capable (external memory is core 1.1).
 *
 * The alternative, enabling VK_KHR_get_physical_device_properties2 and
 * VK_KHR_external_memory_capabilities on the instance, was rejected: the loader
 * implements those for drivers that lack them by calling the 1.0 commands and leaving
 * every chained structure unfilled, which would read as zero UUIDs.
 */
import type {
  DispatchableHandle,
  RawBasicProperties,
  RawExtendedProperties,
  VulkanBinding,
} from '../vulkan/binding.js';
import {
  BufferUsageFlag,
  Extension,
  ExternalMemoryFeatureFlag,
  ExternalMemoryHandleTypeFlag,
} from '../vulkan/constants.js';
import {
  DRIVER_PROPERTIES_API_VERSION,
  EXTENDED_QUERIES_API_VERSION,
} from '../vulkan/requirements.js';
import { callFailureOf, DriverOutputError, isVulkanFailure } from '../vulkan/driver-errors.js';
import type { GpuError, GpuIdentity, GpuReport, Note, RdmaExportSupport } from '../list-report.js';
import {
  deviceTypeName,
  externalMemoryHandleTypeNames,
  formatApiVersion,
  formatDriverVersion,
  formatUUID,
  nvidiaSmiUUID,
  pciAddressOf,
  vendorName,
} from './decode.js';
import { formatPciBusId } from '../pci-address.js';
import { unterminatedNote } from './driver-text.js';
import { readDeviceExtensions } from './extensions.js';
import { rdmaMemoryTypesOf, readMemory } from './memory.js';
import { decideVerdict } from './verdict.js';

export { rdmaMemoryTypesOf } from './memory.js';

/** The usage the RDMA export query and the allocation use: a plain transfer buffer. */
export const RDMA_BUFFER_USAGE = BufferUsageFlag.TRANSFER_SRC | BufferUsageFlag.TRANSFER_DST;
const RDMA_HANDLE = ExternalMemoryHandleTypeFlag.RDMA_ADDRESS_NV;

export function probeGpu(
  vk: VulkanBinding,
  physicalDevice: DispatchableHandle,
  index: number,
): GpuReport {
  const gpu: GpuReport = {
    index,
    loaderIndexes: [index],
    identity: unknownIdentity(),
    extensions: { count: 0, externalMemoryRDMA: false, memoryBudget: false, pciBusInfo: false },
    features: { externalMemoryRDMA: null },
    rdmaExport: null,
    memory: null,
    rdmaMemoryTypes: [],
    verdict: { rdma: 'not-capable', reasons: [], notes: [] },
    error: null,
    allocation: null,
  };
  // What the driver did that a correct one never does, shown as verdict notes.
  const notes: Note[] = [];
  let deviceApiVersion: number | null = null;
  // An answer the verdict cannot rest on: recorded as the GPU's error once the rest is gathered.
  let problem: DriverOutputError | null = null;
  try {
    const basic = vk.getBasicProperties(physicalDevice);
    deviceApiVersion = basic.apiVersion >>> 0;
    gpu.identity = basicIdentityOf(basic);
    if (!basic.deviceNameTerminated) {
      notes.push(unterminatedNote('vkGetPhysicalDeviceProperties', 'deviceName'));
    }
    const extensions = readDeviceExtensions(vk.enumerateDeviceExtensions(physicalDevice));
    gpu.extensions = extensions.support;
    notes.push(...extensions.notes);

    const core11 = deviceApiVersion >= EXTENDED_QUERIES_API_VERSION;
    if (core11) {
      const extended = vk.getProperties(physicalDevice, {
        driverProperties:
          extensions.names.has(Extension.DRIVER_PROPERTIES) ||
          deviceApiVersion >= DRIVER_PROPERTIES_API_VERSION,
        pciBusInfo: gpu.extensions.pciBusInfo,
      });
      gpu.identity = extendedIdentityOf(gpu.identity, extended);
      notes.push(...extendedNotes(extended));
      if (gpu.extensions.externalMemoryRDMA) {
        // Chaining the RDMA structs is only valid when the device lists the extension.
        gpu.features.externalMemoryRDMA = vk.getExternalMemoryRDMAFeature(physicalDevice);
        if (gpu.features.externalMemoryRDMA === null) {
          problem = new DriverOutputError(
            'vkGetPhysicalDeviceFeatures2',
            'left externalMemoryRDMA unanswered (neither VK_TRUE nor VK_FALSE): the feature is unknown',
          );
        }
        const exported = vk.getExternalBufferProperties(
          physicalDevice,
          RDMA_BUFFER_USAGE,
          RDMA_HANDLE,
        );
        if (exported) gpu.rdmaExport = exportSupportOf(exported);
        else {
          problem ??= new DriverOutputError(
            'vkGetPhysicalDeviceExternalBufferProperties',
            'left its answer unfilled: RDMA export support is unknown',
          );
        }
      }
    } else {
      notes.push({
        code: 'vulkan-1-1-queries-skipped',
        message: `the device reports Vulkan ${gpu.identity.apiVersion}: deviceUUID, driverUUID, driver properties, PCI bus info and memory budgets need Vulkan 1.1 and are unknown`,
      });
    }
    const budget = core11 && gpu.extensions.memoryBudget;
    const call = core11
      ? 'vkGetPhysicalDeviceMemoryProperties2'
      : 'vkGetPhysicalDeviceMemoryProperties';
    const raw = vk.getMemoryProperties(physicalDevice, { properties2: core11, budget });
    const memory = readMemory(raw, call, budget);
    gpu.memory = memory.report;
    gpu.rdmaMemoryTypes = rdmaMemoryTypesOf(gpu.memory);
    notes.push(...memory.notes);
    if (memory.problem) throw memory.problem;
    if (problem) throw problem;
  } catch (error) {
    if (!isVulkanFailure(error)) throw error;
    gpu.error = gpuErrorOf(error);
  }
  gpu.verdict = decideVerdict(gpu, { notes, deviceApiVersion });
  return gpu;
}

export function gpuErrorOf(error: Parameters<typeof callFailureOf>[0]): GpuError {
  return callFailureOf(error);
}

function unknownIdentity(): GpuIdentity {
  return {
    name: 'unknown',
    vendorID: 0,
    vendor: 'unknown',
    deviceID: 0,
    deviceType: 'unknown',
    apiVersion: 'unknown',
    driverVersion: 'unknown',
    driverVersionRaw: 0,
    driverID: null,
    driverName: null,
    driverInfo: null,
    deviceUUID: 'unknown',
    nvidiaSmiUUID: 'unknown',
    driverUUID: 'unknown',
    pciBusId: null,
  };
}

/** What vkGetPhysicalDeviceProperties tells; UUIDs stay 'unknown' until the 1.1 query. */
function basicIdentityOf(properties: RawBasicProperties): GpuIdentity {
  return {
    ...unknownIdentity(),
    name: properties.deviceName,
    vendorID: properties.vendorID >>> 0,
    vendor: vendorName(properties.vendorID),
    deviceID: properties.deviceID >>> 0,
    deviceType: deviceTypeName(properties.deviceType),
    apiVersion: formatApiVersion(properties.apiVersion),
    driverVersion: formatDriverVersion(properties.vendorID, properties.driverVersion),
    driverVersionRaw: properties.driverVersion >>> 0,
  };
}

function extendedIdentityOf(identity: GpuIdentity, extended: RawExtendedProperties): GpuIdentity {
  const deviceUUID = extended.ids ? formatUUID(extended.ids.deviceUUID) : 'unknown';
  return {
    ...identity,
    driverID: extended.driver?.driverID ?? null,
    driverName: extended.driver?.driverName ?? null,
    driverInfo: extended.driver?.driverInfo ?? null,
    deviceUUID,
    nvidiaSmiUUID: extended.ids ? nvidiaSmiUUID(deviceUUID) : 'unknown',
    driverUUID: extended.ids ? formatUUID(extended.ids.driverUUID) : 'unknown',
    pciBusId: extended.pciBusInfo ? formatPciBusId(pciAddressOf(extended.pciBusInfo)) : null,
  };
}

function extendedNotes(extended: RawExtendedProperties): Note[] {
  const notes = extended.unfilled.map(
    (struct): Note => ({
      code: 'structure-unfilled',
      message: `vkGetPhysicalDeviceProperties2 left ${struct} unfilled: what it holds is reported as unknown`,
    }),
  );
  for (const field of extended.driver?.unterminated ?? []) {
    notes.push(unterminatedNote('vkGetPhysicalDeviceProperties2', field));
  }
  return notes;
}

function exportSupportOf(properties: {
  externalMemoryFeatures: number;
  exportFromImportedHandleTypes: number;
  compatibleHandleTypes: number;
}): RdmaExportSupport {
  const features = properties.externalMemoryFeatures;
  return {
    handleType: 'RDMA_ADDRESS_NV',
    usage: ['TRANSFER_SRC', 'TRANSFER_DST'],
    exportable: (features & ExternalMemoryFeatureFlag.EXPORTABLE) !== 0,
    dedicatedOnly: (features & ExternalMemoryFeatureFlag.DEDICATED_ONLY) !== 0,
    importable: (features & ExternalMemoryFeatureFlag.IMPORTABLE) !== 0,
    compatibleHandleTypes: externalMemoryHandleTypeNames(properties.compatibleHandleTypes),
    exportFromImportedHandleTypes: externalMemoryHandleTypeNames(
      properties.exportFromImportedHandleTypes,
    ),
  };
}
