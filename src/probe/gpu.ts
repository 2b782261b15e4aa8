/**
 * Gathers everything about one GPU, steps 2-6 of the design's Vulkan flow. A Vulkan
 * failure part-way is recorded on the GPU (STYLE: a failure on one GPU is data) and
 * what was gathered before it is kept.
 */
import { VulkanCallError } from '../errors.js';
import type {
  DispatchableHandle,
  RawDeviceProperties,
  RawMemoryProperties,
  VulkanBinding,
} from '../vulkan/binding.js';
import {
  BufferUsageFlag,
  Extension,
  ExternalMemoryFeatureFlag,
  ExternalMemoryHandleTypeFlag,
  MemoryPropertyFlag,
  VK_API_VERSION_1_2,
  vkResultName,
} from '../vulkan/constants.js';
import type {
  ExtensionSupport,
  GpuError,
  GpuIdentity,
  GpuReport,
  MemoryReport,
  RdmaExportSupport,
  RdmaMemoryType,
} from '../report.js';
import {
  deviceTypeName,
  externalMemoryHandleTypeNames,
  formatApiVersion,
  formatDriverVersion,
  formatPciBusId,
  formatUUID,
  memoryHeapFlagNames,
  memoryPropertyFlagNames,
  nvidiaSmiUUID,
  vendorName,
} from './decode.js';
import { decideVerdict } from './verdict.js';

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
  try {
    const extensionNames = new Set(
      vk.enumerateDeviceExtensions(physicalDevice).map((e) => e.extensionName),
    );
    gpu.extensions = extensionSupport(extensionNames);
    gpu.identity = identityOf(readProperties(vk, physicalDevice, extensionNames));
    if (gpu.extensions.externalMemoryRDMA) {
      // Chaining the RDMA structs is only valid when the device lists the extension.
      gpu.features.externalMemoryRDMA = vk.getExternalMemoryRDMAFeature(physicalDevice);
      gpu.rdmaExport = exportSupportOf(
        vk.getExternalBufferProperties(physicalDevice, RDMA_BUFFER_USAGE, RDMA_HANDLE),
      );
    }
    const memory = vk.getMemoryProperties(physicalDevice, gpu.extensions.memoryBudget);
    gpu.memory = memoryReportOf(memory, gpu.extensions.memoryBudget);
    gpu.rdmaMemoryTypes = rdmaMemoryTypesOf(gpu.memory);
  } catch (error) {
    if (!(error instanceof VulkanCallError)) throw error;
    gpu.error = gpuErrorOf(error);
  }
  gpu.verdict = decideVerdict(gpu);
  return gpu;
}

export function gpuErrorOf(error: VulkanCallError): GpuError {
  return { call: error.call, result: vkResultName(error.result), message: error.message };
}

function extensionSupport(names: Set<string>): ExtensionSupport {
  return {
    count: names.size,
    externalMemoryRDMA: names.has(Extension.EXTERNAL_MEMORY_RDMA),
    memoryBudget: names.has(Extension.MEMORY_BUDGET),
    pciBusInfo: names.has(Extension.PCI_BUS_INFO),
  };
}

/**
 * VkPhysicalDeviceDriverProperties is core from 1.2 and an extension before. The device
 * version is only known after the query, so a 1.2+ device that does not list the
 * extension (rare) costs a second query; every other device costs one.
 */
function readProperties(
  vk: VulkanBinding,
  physicalDevice: DispatchableHandle,
  extensions: Set<string>,
): RawDeviceProperties {
  const query = {
    driverProperties: extensions.has(Extension.DRIVER_PROPERTIES),
    pciBusInfo: extensions.has(Extension.PCI_BUS_INFO),
  };
  const properties = vk.getProperties(physicalDevice, query);
  if (!query.driverProperties && properties.apiVersion >>> 0 >= VK_API_VERSION_1_2) {
    return vk.getProperties(physicalDevice, { ...query, driverProperties: true });
  }
  return properties;
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

function identityOf(properties: RawDeviceProperties): GpuIdentity {
  const deviceUUID = formatUUID(properties.deviceUUID);
  return {
    name: properties.deviceName,
    vendorID: properties.vendorID,
    vendor: vendorName(properties.vendorID),
    deviceID: properties.deviceID,
    deviceType: deviceTypeName(properties.deviceType),
    apiVersion: formatApiVersion(properties.apiVersion),
    driverVersion: formatDriverVersion(properties.vendorID, properties.driverVersion),
    driverVersionRaw: properties.driverVersion >>> 0,
    driverID: properties.driver?.driverID ?? null,
    driverName: properties.driver?.driverName ?? null,
    driverInfo: properties.driver?.driverInfo ?? null,
    deviceUUID,
    nvidiaSmiUUID: nvidiaSmiUUID(deviceUUID),
    driverUUID: formatUUID(properties.driverUUID),
    pciBusId: properties.pciBusInfo ? formatPciBusId(properties.pciBusInfo) : null,
  };
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

const bytes = (value: bigint | null): number | null => (value === null ? null : Number(value));

function memoryReportOf(memory: RawMemoryProperties, budgetAvailable: boolean): MemoryReport {
  return {
    budgetAvailable,
    heaps: memory.memoryHeaps.map((heap, index) => ({
      index,
      size: Number(heap.size),
      flags: memoryHeapFlagNames(heap.flags),
      budget: bytes(heap.budget),
      usage: bytes(heap.usage),
    })),
    types: memory.memoryTypes.map((type, index) => ({
      index,
      heapIndex: type.heapIndex,
      propertyFlags: type.propertyFlags,
      flags: memoryPropertyFlagNames(type.propertyFlags),
      rdmaCapable: (type.propertyFlags & MemoryPropertyFlag.RDMA_CAPABLE_NV) !== 0,
    })),
  };
}

/**
 * The spec's example scans for RDMA-capable types; unlike it, this stops at
 * memoryTypeCount and pairs each type with its own heap's budget.
 */
export function rdmaMemoryTypesOf(memory: MemoryReport): RdmaMemoryType[] {
  return memory.types
    .filter((type) => type.rdmaCapable)
    .map((type) => {
      const heap = memory.heaps[type.heapIndex];
      return {
        typeIndex: type.index,
        heapIndex: type.heapIndex,
        heapSize: heap?.size ?? 0,
        heapBudget: heap?.budget ?? null,
        heapUsage: heap?.usage ?? null,
      };
    });
}
