/**
 * The report: one plain, serialisable object that `probe()` returns. `--json` prints it
 * as it is; every renderer is a pure function of it. Sizes are numbers of bytes.
 * Bump SCHEMA_VERSION on any incompatible change to these types.
 */

export const SCHEMA_VERSION = 1;

export interface ProbeReport {
  schemaVersion: typeof SCHEMA_VERSION;
  tool: { name: 'rdma-probe'; version: string };
  /** ISO 8601 time the probe started. */
  generatedAt: string;
  host: HostReport;
  loader: LoaderReport;
  /** Present when --validate enabled the Khronos validation layer. */
  validation: ValidationReport | null;
  /** Wall time of the whole probe, milliseconds. */
  durationMs: number;
  gpus: GpuReport[];
}

export interface HostReport {
  hostname: string;
}

export interface LoaderReport {
  /** vkEnumerateInstanceVersion, e.g. "1.3.239". */
  apiVersion: string;
  /** The apiVersion rdma-probe asked for in VkApplicationInfo. */
  requestedApiVersion: string;
}

export interface ValidationReport {
  layer: string;
  /** Messages at warning severity or above. */
  messages: ValidationMessage[];
}

export interface ValidationMessage {
  severity: 'warning' | 'error';
  id: string | null;
  message: string;
}

export type RdmaVerdict = 'capable' | 'not-capable';

export type ReasonCode =
  | 'extension-missing'
  | 'feature-disabled'
  | 'no-rdma-memory-type'
  | 'not-exportable'
  | 'probe-failed';

export interface Reason {
  code: ReasonCode;
  /** One line for a person. */
  message: string;
}

export interface GpuReport {
  /** Position in vkEnumeratePhysicalDevices order. */
  index: number;
  identity: GpuIdentity;
  extensions: ExtensionSupport;
  features: {
    /** VkPhysicalDeviceExternalMemoryRDMAFeaturesNV.externalMemoryRDMA; null when the extension is absent. */
    externalMemoryRDMA: boolean | null;
  };
  /** vkGetPhysicalDeviceExternalBufferProperties for the RDMA address handle type; null when not queried. */
  rdmaExport: RdmaExportSupport | null;
  memory: MemoryReport | null;
  /** The memory types carrying VK_MEMORY_PROPERTY_RDMA_CAPABLE_BIT_NV, with their heap's budget. */
  rdmaMemoryTypes: RdmaMemoryType[];
  verdict: Verdict;
  /** A Vulkan call that failed while probing this GPU; the rest of the report is what was gathered before. */
  error: GpuError | null;
  /** Present when --alloc was requested. */
  allocation: AllocationReport | null;
}

export interface GpuIdentity {
  name: string;
  vendorID: number;
  vendor: string;
  deviceID: number;
  deviceType: string;
  /** The device's Vulkan apiVersion, e.g. "1.3.289". */
  apiVersion: string;
  /** Decoded per vendor: NVIDIA's 10.8.8.6 packing, else the Vulkan version macros. */
  driverVersion: string;
  driverVersionRaw: number;
  /** From VkPhysicalDeviceDriverProperties; null when the device cannot report it. */
  driverID: number | null;
  driverName: string | null;
  driverInfo: string | null;
  /** 8-4-4-4-12 lower-case hex. */
  deviceUUID: string;
  /** The same UUID as nvidia-smi prints it: "GPU-" + deviceUUID. */
  nvidiaSmiUUID: string;
  driverUUID: string;
  /** nvidia-smi's form 00000000:BB:DD.F; null without VK_EXT_pci_bus_info. */
  pciBusId: string | null;
}

export interface ExtensionSupport {
  /** Number of device extensions the driver reports. */
  count: number;
  externalMemoryRDMA: boolean;
  memoryBudget: boolean;
  pciBusInfo: boolean;
}

export interface RdmaExportSupport {
  handleType: 'RDMA_ADDRESS_NV';
  /** The buffer usage the query was made for. */
  usage: string[];
  exportable: boolean;
  dedicatedOnly: boolean;
  importable: boolean;
  compatibleHandleTypes: string[];
  exportFromImportedHandleTypes: string[];
}

export interface MemoryReport {
  /** False when VK_EXT_memory_budget is absent: budget and usage are then null. */
  budgetAvailable: boolean;
  heaps: MemoryHeapReport[];
  types: MemoryTypeReport[];
}

export interface MemoryHeapReport {
  index: number;
  size: number;
  flags: string[];
  budget: number | null;
  usage: number | null;
}

export interface MemoryTypeReport {
  index: number;
  heapIndex: number;
  propertyFlags: number;
  flags: string[];
  rdmaCapable: boolean;
}

export interface RdmaMemoryType {
  typeIndex: number;
  heapIndex: number;
  heapSize: number;
  heapBudget: number | null;
  heapUsage: number | null;
}

export interface Verdict {
  rdma: RdmaVerdict;
  /** Why not capable; empty when capable. */
  reasons: Reason[];
  /** Facts worth knowing that do not change the verdict. */
  notes: string[];
}

export interface GpuError {
  call: string;
  result: string;
  message: string;
}

export type AllocationStep =
  | 'skipped'
  | 'size-check'
  | 'queue-family'
  | 'vkCreateDevice'
  | 'vkCreateBuffer'
  | 'vkGetBufferMemoryRequirements2'
  | 'memory-type'
  | 'budget-check'
  | 'vkAllocateMemory'
  | 'vkBindBufferMemory'
  | 'vkGetDeviceProcAddr'
  | 'vkGetMemoryRemoteAddressNV';

export interface AllocationReport {
  status: 'ok' | 'failed' | 'skipped';
  requestedSize: number;
  /** What vkAllocateMemory was asked for: the buffer's memory requirement. */
  actualSize: number | null;
  alignment: number | null;
  memoryTypeIndex: number | null;
  heapIndex: number | null;
  dedicated: boolean | null;
  /** The RDMA address, as 0x-prefixed hex; exported by the driver, not checked from a NIC. */
  remoteAddress: string | null;
  /** Milliseconds per step, from device creation to the remote address, and to free everything. */
  timings: AllocationTimings | null;
  /** Set when status is failed or skipped. */
  failure: AllocationFailure | null;
  note: string;
}

export interface AllocationTimings {
  createDeviceMs: number;
  allocateMs: number;
  remoteAddressMs: number;
  freeMs: number;
  totalMs: number;
}

export interface AllocationFailure {
  step: AllocationStep;
  /** The VkResult name when a Vulkan call failed. */
  result: string | null;
  message: string;
}
