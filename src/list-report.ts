/**
 * The list report: one plain object that `list` collects (src/collect.ts) and every
 * renderer is a pure function of. Sizes are numbers of bytes.
 *
 * Its notes carry codes, as its reasons do, so that code tells them apart by code, never
 * by their text. The JSON document `list --json` prints (ListReportJson, published as
 * schema/report.schema.json) writes each note as its message alone: the form
 * schemaVersion 1 published, which its readers parse (src/list-report-json.ts maps one
 * to the other). Bump SCHEMA_VERSION on any incompatible change to that JSON.
 */

export const SCHEMA_VERSION = 1;

export interface ListReport {
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

/**
 * The host: its name, and the facts outside Vulkan that decide whether an RDMA NIC can
 * reach GPU memory, read from procfs and sysfs (src/host/). A null fact could not be
 * read (file absent or unreadable): unknown, not false.
 */
export interface HostReport {
  hostname: string;
  kernel: KernelFacts;
  /** The NVIDIA kernel module, from /proc/driver/nvidia/version. */
  nvidiaModule: NvidiaModuleFacts;
  /** nvidia_peermem (or the older nv_peer_mem), from /proc/modules or /sys/module. */
  peermem: PeermemFacts;
  /** /sys/kernel/mm/memory_peers exists: the RDMA stack offers the peer-memory API. */
  memoryPeers: boolean | null;
  /** /sys/class/infiniband; [] when the class exists but holds none or is absent. */
  rdmaDevices: RdmaDeviceFacts[] | null;
  virtualization: VirtualizationFacts;
  iommu: IommuFacts;
  /**
   * The NVIDIA driver's parameters that concern peer DMA, from /proc/driver/nvidia/params,
   * as read (NVIDIA_PEER_DMA_PARAMETERS, those present); null when the file is unreadable.
   */
  nvidiaParameters: NvidiaParameter[] | null;
  /** One entry per reported GPU with a PCI bus ID: the RDMA devices by PCIe distance. */
  gpuTopology: GpuTopology[];
  /** Host checks. They never change a GPU's verdict, which is what Vulkan reported. */
  readiness: HostReadiness;
}

export interface KernelFacts {
  /** /proc/sys/kernel/osrelease, e.g. "6.8.0-45-generic". */
  release: string | null;
  /** Release >= 5.12, the first with dma-buf RDMA (ibv_reg_dmabuf_mr). */
  dmaBufRdma: boolean | null;
  /** The parameters of /proc/cmdline that concern the IOMMU and PCIe ACS; null when unreadable. */
  commandLine: KernelCommandLine | null;
}

/** Kernel parameters as written on the command line, in its order. */
export interface KernelCommandLine {
  /** iommu=, intel_iommu=, amd_iommu=, iommu.passthrough=, iommu.strict=. */
  iommu: string[];
  /** pcie_acs_override=, and pci= when it holds noacs, disable_acs_redir= or config_acs=. */
  pcieAcs: string[];
}

export interface IommuFacts {
  /** Whether an IOMMU is registered: /sys/class/iommu lists a unit. */
  active: boolean | null;
  /** /sys/class/iommu entries, e.g. "dmar0" (Intel), "ivhd0" (AMD); [] when there is none. */
  units: string[] | null;
}

export interface NvidiaParameter {
  /** As /proc/driver/nvidia/params names it, e.g. "DmaRemapPeerMmio" (NVreg_DmaRemapPeerMmio). */
  name: string;
  /** As read, e.g. "1"; string parameters keep their quotes (RegistryDwords: ""). */
  value: string;
}

export interface NvidiaModuleFacts {
  loaded: boolean | null;
  /** "open" for the NVIDIA Open Kernel Module, else "proprietary". */
  flavor: 'open' | 'proprietary' | null;
  /** The module's version, e.g. "580.159.04". */
  version: string | null;
}

export interface PeermemFacts {
  loaded: boolean | null;
  module: 'nvidia_peermem' | 'nv_peer_mem' | null;
}

export interface RdmaDeviceFacts {
  /** e.g. "mlx5_0". */
  name: string;
  /** Sysfs form 0000:BB:DD.F; null for a device without a PCI function (e.g. rxe). */
  pciAddress: string | null;
  numaNode: number | null;
  ports: RdmaPortFacts[];
}

export interface RdmaPortFacts {
  port: number;
  /** "InfiniBand" or "Ethernet" (RoCE). */
  linkLayer: string | null;
  /** e.g. "ACTIVE", "DOWN" (the name from ports/<n>/state). */
  state: string | null;
}

export interface VirtualizationFacts {
  virtualMachine: boolean | null;
  /** The 'hypervisor' CPU flag in /proc/cpuinfo; null where the CPU lists no flags. */
  hypervisorCpuFlag: boolean | null;
  /** /sys/class/dmi/id/sys_vendor and product_name. */
  sysVendor: string | null;
  productName: string | null;
}

/**
 * How far an RDMA device is from a GPU on PCIe, nearest first (nvidia-smi topo -m:
 * PIX/PXB, PXB, PHB, NODE, SYS).
 */
export type PcieRelation =
  | 'same-pcie-switch'
  | 'same-root-port'
  | 'same-host-bridge'
  | 'other-host-bridge'
  | 'other-numa-node';

export interface GpuTopology {
  gpuIndex: number;
  /** As in the GPU's identity: NVML's form, 00000000:4F:00.0 (sysfsPath spells it 0000:4f:00.0). */
  pciBusId: string;
  /** Where /sys/bus/pci/devices/<address> resolves; null when the GPU is not in sysfs. */
  sysfsPath: string | null;
  numaNode: number | null;
  /** The first of rdmaDevices; null when none has a known PCIe path. */
  nearest: RdmaDeviceRelation | null;
  /** Every RDMA device with a PCI function, nearest first. */
  rdmaDevices: RdmaDeviceRelation[];
  /**
   * The PCIe bridges above the GPU (root port first), then those on its paths to RDMA
   * devices that are not above it; each once, with its ACS.
   */
  pcieBridges: PcieBridgeFacts[];
  /**
   * Whether ACS redirects peer-to-peer traffic between the GPU and an RDMA device: true when
   * a bridge on one of the paths does, false when every bridge on every path is known not
   * to, null otherwise (no RDMA device with a PCIe path, or a bridge's ACS unknown).
   */
  acsRedirect: boolean | null;
  /** The GPU's IOMMU group; null when it has none (no IOMMU translates for it) or is not in sysfs. */
  iommuGroup: IommuGroupFacts | null;
  /**
   * NVIDIA GPUs: the size of BAR1, the aperture through which peers reach GPU memory, from
   * the sysfs `resource` file; null for other vendors or when unreadable.
   */
  bar1Bytes: number | null;
  /** Problems with this GPU's placement (e.g. its nearest NIC on another NUMA node, ACS redirect). */
  issues: HostReason[];
  /** Facts about this GPU's place worth knowing that are not problems (e.g. a small BAR1). */
  notes: HostNote[];
}

export interface RdmaDeviceRelation {
  name: string;
  pciAddress: string;
  relation: PcieRelation;
  /**
   * The bridges peer-to-peer traffic between the GPU and this device crosses: up from the
   * GPU to their lowest common bridge (included, as Linux's P2PDMA walk includes it) and
   * down to the device; below different root ports, every bridge above either.
   */
  path: string[];
  /** The bridges of `path` whose ACS redirects peer traffic. */
  acsRedirectPorts: string[];
  /** True when a bridge of `path` redirects; false when each is known not to; null otherwise. */
  acsRedirect: boolean | null;
}

/** One PCIe bridge (root port, switch port) and its Access Control Services. */
export interface PcieBridgeFacts {
  /** Sysfs form 0000:BB:DD.F. */
  pciAddress: string;
  /**
   * From its PCI Express capability: root-port, switch-upstream-port, switch-downstream-port,
   * pcie-to-pci-bridge, pci-to-pcie-bridge, ... (UNKNOWN_PciePortType_<n>); null when unread.
   */
  portType: string | null;
  /**
   * Bytes of config space read: 4096 when all of it could be. The kernel gives readers
   * other than root the first 64; then the extended capabilities, ACS among them, are
   * unknown. Null when the config file could not be read at all.
   */
  configBytes: number | null;
  /**
   * The size sysfs gives the config file: 4096 when the kernel reaches the function's
   * extended config space, 256 when it does not (conventional PCI, or a platform or VM
   * without it). Fewer bytes read than this means the reader was not let read them all.
   */
  configSize: number | null;
  /** Null when unknown: the extended config space was not readable, or is malformed. */
  acs: AcsFacts | null;
}

export interface AcsFacts {
  /** The ACS extended capability (ID 0x000D) is present. */
  present: boolean;
  /** ACS Capability register (the controls the port implements); null when absent. */
  capability: number | null;
  /** ACS Control register; null when absent. */
  control: number | null;
  /** ACS Control decoded; null when absent. */
  controls: AcsControls | null;
  /**
   * P2P Request Redirect, P2P Completion Redirect or P2P Egress Control enabled: the test
   * Linux's P2PDMA code applies (pci_bridge_has_acs_redir). False when ACS is absent.
   */
  redirect: boolean;
}

/** The ACS Control register's bits (lspci's names in brackets). */
export interface AcsControls {
  /** Bit 0 (SrcValid). */
  sourceValidation: boolean;
  /** Bit 1 (TransBlk). */
  translationBlocking: boolean;
  /** Bit 2 (ReqRedir). */
  requestRedirect: boolean;
  /** Bit 3 (CmpltRedir). */
  completionRedirect: boolean;
  /** Bit 4 (UpstreamFwd). */
  upstreamForwarding: boolean;
  /** Bit 5 (EgressCtrl). */
  egressControl: boolean;
  /** Bit 6 (DirectTrans). */
  directTranslated: boolean;
}

export interface IommuGroupFacts {
  /** N of /sys/kernel/iommu_groups/N. */
  id: number;
  /**
   * Its default domain type as the kernel names it: "identity" (passthrough), "DMA" or
   * "DMA-FQ" (translated), "blocked", "unmanaged" (owned by e.g. VFIO); null when unreadable.
   */
  type: string | null;
}

export type HostReasonCode =
  | 'nvidia-module-absent'
  | 'peermem-absent'
  | 'memory-peers-absent'
  | 'no-rdma-nic'
  | 'rdma-ports-down'
  | 'kernel-too-old'
  | 'nic-other-numa-node'
  | 'acs-redirect';

export interface HostReason {
  code: HostReasonCode;
  /** One line for a person. */
  message: string;
}

export interface HostReadiness {
  /** True when every check passed, false when one failed, null when a fact is unknown. */
  ready: boolean | null;
  /** Host-wide problems; a GPU's own placement problems are in gpuTopology[].issues. */
  issues: HostReason[];
  /** Facts worth knowing that are not problems (e.g. running in a virtual machine). */
  notes: HostNote[];
}

export type HostNoteCode =
  | 'virtual-machine'
  | 'dma-buf-needs-open-module'
  | 'acs-override-patch'
  | 'pci-noacs'
  | 'pci-disable-acs-redir'
  | 'pci-config-acs'
  | 'dma-remap-peer-mmio-off'
  | 'rdma-topology-check-overridden'
  | 'acs-unknown'
  | 'iommu-translates'
  | 'bar1-smaller-than-memory';

/** A host fact worth knowing that is not a problem. */
export interface HostNote {
  code: HostNoteCode;
  /** One line for a person. */
  message: string;
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
  | 'api-version-too-old'
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
  /**
   * Position among the GPUs reported, in vkEnumeratePhysicalDevices order of first listing:
   * the loader's own index unless it listed a GPU more than once (src/probe/merge.ts).
   * What `--device N` selects.
   */
  index: number;
  /**
   * Every vkEnumeratePhysicalDevices position this GPU was listed at through this driver:
   * one, or more when two driver manifests name one driver.
   */
  loaderIndexes: number[];
  identity: GpuIdentity;
  extensions: ExtensionSupport;
  features: {
    /**
     * VkPhysicalDeviceExternalMemoryRDMAFeaturesNV.externalMemoryRDMA; null when not known:
     * the extension is absent, the device is Vulkan 1.0, or the driver left it unanswered.
     */
    externalMemoryRDMA: boolean | null;
  };
  /** vkGetPhysicalDeviceExternalBufferProperties for the RDMA address handle type; null when not queried or unanswered. */
  rdmaExport: RdmaExportSupport | null;
  memory: MemoryReport | null;
  /** The memory types carrying VK_MEMORY_PROPERTY_RDMA_CAPABLE_BIT_NV, with their heap's budget. */
  rdmaMemoryTypes: RdmaMemoryType[];
  verdict: Verdict;
  /**
   * A Vulkan call that failed while probing this GPU (or answered with data no correct
   * driver gives); the rest of the report is what was gathered before.
   */
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
  /** 8-4-4-4-12 lower-case hex; "unknown" when the device cannot report it (Vulkan 1.0). */
  deviceUUID: string;
  /** The same UUID as nvidia-smi prints it: "GPU-" + deviceUUID. */
  nvidiaSmiUUID: string;
  driverUUID: string;
  /**
   * NVML's and nvidia-smi's form, upper-case hex: 00000000:4F:00.0 (pci-address.ts); null
   * without VK_EXT_pci_bus_info.
   */
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
  notes: Note[];
}

export type NoteCode =
  /** The driver filled a fixed-size string to its last byte, without a terminator. */
  | 'unterminated-string'
  | 'extension-listed-twice'
  /** The driver left a structure of vkGetPhysicalDeviceProperties2 unfilled. */
  | 'structure-unfilled'
  /** A Vulkan 1.0 device: the 1.1 queries were not made, what they tell is unknown. */
  | 'vulkan-1-1-queries-skipped'
  | 'memory-type-count-clamped'
  | 'memory-heap-count-clamped'
  | 'heap-budget-clamped'
  | 'dedicated-only'
  | 'memory-budget-absent'
  | 'memory-budget-unanswered'
  /** Capable, or allocated: the driver exported, no RDMA NIC was tried. */
  | 'nic-reach-unproven'
  /** The loader listed this GPU more than once through one driver (src/probe/merge.ts). */
  | 'listed-twice'
  | 'listed-through-other-driver'
  | 'same-uuid-other-listing';

/** A fact about a GPU worth knowing that does not change its verdict. */
export interface Note {
  code: NoteCode;
  /** One line for a person. */
  message: string;
}

export interface GpuError {
  /** The Vulkan command concerned. */
  call: string;
  /**
   * The VkResult name, or NULL_ENTRY_POINT (the command resolved to NULL: the driver does
   * not provide it) or INVALID_DRIVER_OUTPUT (it answered with impossible data).
   */
  result: string;
  /** One line for a person, naming the call and what was wrong. */
  message: string;
}

export type AllocationStep =
  | 'skipped'
  | 'queue-family'
  | 'vkGetPhysicalDeviceQueueFamilyProperties'
  | 'vkGetInstanceProcAddr'
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
  /** The VkResult name when a Vulkan call failed; NULL_ENTRY_POINT or INVALID_DRIVER_OUTPUT as in GpuError. */
  result: string | null;
  message: string;
}

/** Notes as the JSON has them: each one's message. */
type WithTextNotes<T extends { notes: readonly { message: string }[] }> = Omit<T, 'notes'> & {
  notes: string[];
};

/** `list --json`: the report, each note written as its message. */
export type ListReportJson = Omit<ListReport, 'host' | 'gpus'> & {
  host: HostReportJson;
  gpus: GpuReportJson[];
};

export type HostReportJson = Omit<HostReport, 'gpuTopology' | 'readiness'> & {
  gpuTopology: GpuTopologyJson[];
  readiness: WithTextNotes<HostReadiness>;
};

export type GpuTopologyJson = WithTextNotes<GpuTopology>;

export type GpuReportJson = Omit<GpuReport, 'verdict'> & { verdict: WithTextNotes<Verdict> };

/**
 * `--ndjson`: one line per GPU for log pipelines, the host fields repeated on each, notes
 * written as in ListReportJson. The host block leaves out gpuTopology; this GPU's entry
 * is `topology`.
 */
export interface ListReportLine {
  schemaVersion: typeof SCHEMA_VERSION;
  kind: 'gpu';
  tool: ListReport['tool'];
  generatedAt: string;
  durationMs: number;
  host: Omit<HostReportJson, 'gpuTopology'>;
  loader: LoaderReport;
  /** How many GPUs this run reported: the number of lines it wrote. */
  gpuCount: number;
  gpu: GpuReportJson;
  topology: GpuTopologyJson | null;
  /** host.readiness.issues followed by topology.issues: every host problem for this GPU. */
  hostReasons: HostReason[];
}
