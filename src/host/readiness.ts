/**
 * Host readiness: which of the facts gathered in read-host.ts stop an RDMA NIC from
 * reaching GPU memory. Pure. The checks follow the GPUDirect RDMA path a Vulkan RDMA
 * address takes: NVIDIA module -> nvidia_peermem -> the RDMA stack's peer-memory API
 * -> an RDMA device with an active port, near the GPU.
 */
import type {
  GpuTopology,
  HostNote,
  HostReadiness,
  HostReason,
  HostReport,
  NvidiaParameter,
  PcieBridgeFacts,
  RdmaDeviceFacts,
  RdmaDeviceRelation,
} from '../list-report.js';
import { PCI_CONFIG_BYTES, redirectBitNames } from './pci-config.js';
import { pciOptions, splitParameter } from './parameters.js';

export const DMA_BUF_KERNEL = { major: 5, minor: 12 } as const;

type HostFacts = Omit<HostReport, 'hostname' | 'gpuTopology' | 'readiness'>;

export function assessReadiness(facts: HostFacts): HostReadiness {
  const issues: HostReason[] = [];
  const notes: HostNote[] = [];
  const { kernel, nvidiaModule, peermem, memoryPeers, rdmaDevices } = facts;

  if (nvidiaModule.loaded === false) {
    issues.push({
      code: 'nvidia-module-absent',
      message: 'the NVIDIA kernel module is not loaded (/proc/driver/nvidia/version is absent)',
    });
  }
  if (peermem.loaded === false) {
    issues.push({
      code: 'peermem-absent',
      message:
        'neither nvidia_peermem nor nv_peer_mem is loaded: an RDMA NIC cannot register GPU memory (modprobe nvidia_peermem)',
    });
  }
  if (memoryPeers === false) {
    issues.push({
      code: 'memory-peers-absent',
      message:
        '/sys/kernel/mm/memory_peers is absent: the RDMA stack offers no peer-memory API (it comes with MLNX_OFED / DOCA-OFED)',
    });
  }
  if (rdmaDevices !== null && rdmaDevices.length === 0) {
    issues.push({ code: 'no-rdma-nic', message: 'no RDMA device in /sys/class/infiniband' });
  } else if (rdmaDevices !== null && allPortsKnownAndDown(rdmaDevices)) {
    issues.push({
      code: 'rdma-ports-down',
      message: `no port of the ${rdmaDevices.length} RDMA device(s) is ACTIVE`,
    });
  }
  // dma-buf is the other road to GPU memory; it only matters when peer memory is missing.
  if (kernel.dmaBufRdma === false && peermem.loaded !== true) {
    issues.push({
      code: 'kernel-too-old',
      message: `kernel ${kernel.release} is older than ${DMA_BUF_KERNEL.major}.${DMA_BUF_KERNEL.minor}: no dma-buf RDMA either`,
    });
  }

  if (facts.virtualization.virtualMachine) {
    notes.push({
      code: 'virtual-machine',
      message:
        'virtual machine: GPUDirect RDMA needs the GPU and the NIC passed through, with PCIe peer-to-peer allowed by the hypervisor',
    });
  }
  if (kernel.dmaBufRdma && nvidiaModule.flavor === 'proprietary') {
    notes.push({
      code: 'dma-buf-needs-open-module',
      message:
        'dma-buf RDMA needs the NVIDIA open kernel module; this host runs the proprietary one',
    });
  }
  notes.push(...commandLineNotes(kernel.commandLine?.pcieAcs ?? []));
  notes.push(...nvidiaParameterNotes(facts.nvidiaParameters));

  const everythingKnownAndPresent =
    nvidiaModule.loaded === true &&
    peermem.loaded === true &&
    memoryPeers === true &&
    rdmaDevices !== null &&
    rdmaDevices.length > 0;
  const ready = issues.length > 0 ? false : everythingKnownAndPresent ? true : null;
  return { ready, issues, notes };
}

function allPortsKnownAndDown(devices: RdmaDeviceFacts[]): boolean {
  const ports = devices.flatMap((device) => device.ports);
  return ports.length > 0 && ports.every((port) => port.state !== null && port.state !== 'ACTIVE');
}

/** A GPU's own placement problems, given its RDMA devices nearest first. */
export function placementIssues(nearest: RdmaDeviceRelation | null): HostReason[] {
  if (nearest?.relation !== 'other-numa-node') return [];
  return [
    {
      code: 'nic-other-numa-node',
      message: `the nearest RDMA device (${nearest.name}) is on another NUMA node: traffic crosses the CPU interconnect`,
    },
  ];
}

/**
 * What the kernel command line's ACS parameters do, as notes: the ACS Control read from
 * each bridge is what the hardware does, whatever was asked for.
 */
function commandLineNotes(pcieAcs: string[]): HostNote[] {
  const notes: HostNote[] = [];
  for (const word of pcieAcs) {
    const [name, value] = splitParameter(word);
    if (name === 'pcie_acs_override') {
      notes.push({
        code: 'acs-override-patch',
        message: `${word} (an out-of-tree kernel patch) changes how IOMMU groups are formed, not the ACS of any port: the ACS Control read from each bridge is what applies`,
      });
      continue;
    }
    for (const option of pciOptions(value)) {
      if (option === 'noacs') {
        notes.push({
          code: 'pci-noacs',
          message:
            'pci=noacs is on the kernel command line: whatever this kernel makes of it, the ACS Control read from each bridge is what applies',
        });
      } else if (option.startsWith('disable_acs_redir=')) {
        notes.push({
          code: 'pci-disable-acs-redir',
          message: `pci=${option}: the kernel clears ACS redirect on the ports named at boot; the ACS Control read from each bridge shows the result`,
        });
      } else if (option.startsWith('config_acs=')) {
        notes.push({
          code: 'pci-config-acs',
          message: `pci=${option}: the kernel sets ACS on the ports named at boot; the ACS Control read from each bridge shows the result`,
        });
      }
    }
  }
  return notes;
}

/** Only what NVIDIA's nv-reg.h documents, and only for values other than the default. */
function nvidiaParameterNotes(parameters: NvidiaParameter[] | null): HostNote[] {
  const notes: HostNote[] = [];
  const value = (name: string) => parameters?.find((p) => p.name === name)?.value;
  if (value('DmaRemapPeerMmio') === '0') {
    notes.push({
      code: 'dma-remap-peer-mmio-off',
      message:
        'NVreg_DmaRemapPeerMmio is 0: the NVIDIA driver makes DMA addresses for peer MMIO (BAR1) by a fixed offset and creates no IOMMU mappings for them',
    });
  }
  const topologyCheck = value('GrdmaPciTopoCheckOverride');
  if (topologyCheck !== undefined && topologyCheck !== '0') {
    notes.push({
      code: 'rdma-topology-check-overridden',
      message: `NVreg_GrdmaPciTopoCheckOverride is ${topologyCheck}: the driver's GPUDirect RDMA topology check is overridden (NVIDIA documents it for coherent systems with BAR1 enabled only)`,
    });
  }
  return notes;
}

export interface GpuPcieFacts {
  topology: Pick<GpuTopology, 'rdmaDevices' | 'pcieBridges' | 'iommuGroup' | 'bar1Bytes'>;
  /** The GPU's largest DEVICE_LOCAL heap, from Vulkan; null when unknown. */
  deviceLocalBytes: number | null;
  virtualMachine: boolean | null;
  nvidiaParameters: NvidiaParameter[] | null;
}

/** A GPU's ACS, IOMMU and BAR1 findings: acs-redirect as an issue, the rest as notes. */
export function pcieFindings(facts: GpuPcieFacts): { issues: HostReason[]; notes: HostNote[] } {
  const { topology } = facts;
  const bridges = new Map(topology.pcieBridges.map((bridge) => [bridge.pciAddress, bridge]));
  const issues: HostReason[] = [];
  const notes: HostNote[] = [];

  const redirecting = portsOnPaths(
    topology.rdmaDevices,
    (port) => bridges.get(port)?.acs?.redirect,
  );
  if (redirecting.size > 0) {
    const ports = [...redirecting].map(([port, nics]) => {
      const bridge = bridges.get(port)!;
      const bits = redirectBitNames(bridge.acs!.controls!).join(' ');
      return `${port} (${[bridge.portType, bits].filter(Boolean).join(', ')}; to ${nics.join(', ')})`;
    });
    issues.push({
      code: 'acs-redirect',
      message:
        `PCIe ACS redirects peer-to-peer traffic at ${ports.join('; ')}: it goes up to the root complex, where it is blocked or slow ` +
        `(the kernel parameter pci=disable_acs_redir=${[...redirecting.keys()].join(';')} clears it at boot)`,
    });
  }

  const unknown = portsOnPaths(topology.rdmaDevices, (port) => bridges.get(port)?.acs === null);
  if (unknown.size > 0) {
    const ports = [...unknown].map(([port, nics]) => {
      const bridge = bridges.get(port);
      const read = bridge?.configBytes ?? null;
      const size = bridge?.configSize ?? null;
      const why =
        read === null
          ? 'config space unreadable'
          : size !== null && read < size
            ? `only ${read} of ${size} config bytes readable: needs root`
            : read < PCI_CONFIG_BYTES
              ? `the kernel gives it ${read} config bytes, no extended capabilities`
              : 'malformed capability list';
      return `${port} (${why}; to ${nics.join(', ')})`;
    });
    notes.push({ code: 'acs-unknown', message: `PCIe ACS unknown at ${ports.join('; ')}` });
  }

  const group = topology.iommuGroup;
  if (
    group &&
    (group.type === 'DMA' || group.type === 'DMA-FQ') &&
    facts.virtualMachine === false
  ) {
    notes.push({
      code: 'iommu-translates',
      message: `IOMMU group ${group.id} translates this GPU's DMA (${group.type}): peer-to-peer traffic from a NIC then needs ATS on the NIC, or IOMMU passthrough (iommu=pt)`,
    });
  }

  const bar1 = topology.bar1Bytes;
  if (bar1 !== null && facts.deviceLocalBytes !== null && bar1 < facts.deviceLocalBytes) {
    const resizable = facts.nvidiaParameters?.find((p) => p.name === 'EnableResizableBar')?.value;
    notes.push({
      code: 'bar1-smaller-than-memory',
      message:
        `BAR1 is ${sizeText(bar1)}, smaller than the ${sizeText(facts.deviceLocalBytes)} device-local heap: a NIC can reach at most that much GPU memory at a time. ` +
        `With resizable BAR enabled in the firmware and NVreg_EnableResizableBar=1${resizable === undefined ? '' : ` (here: ${resizable})`}, the NVIDIA driver resizes BAR1 to the framebuffer`,
    });
  }
  return { issues, notes };
}

/** Each port on an RDMA device's path for which `pick` is true, with the devices whose path it is on. */
function portsOnPaths(
  relations: Pick<RdmaDeviceRelation, 'name' | 'path'>[],
  pick: (port: string) => boolean | undefined,
): Map<string, string[]> {
  const ports = new Map<string, string[]>();
  for (const relation of relations) {
    for (const port of relation.path) {
      if (!pick(port)) continue;
      const nics = ports.get(port) ?? [];
      if (!nics.includes(relation.name)) nics.push(relation.name);
      ports.set(port, nics);
    }
  }
  return ports;
}

/** Whether ACS redirects on `path`: true when a bridge does, false when each is known not to. */
export function pathRedirect(path: PcieBridgeFacts[]): {
  acsRedirectPorts: string[];
  acsRedirect: boolean | null;
} {
  const acsRedirectPorts = path
    .filter((bridge) => bridge.acs?.redirect)
    .map((bridge) => bridge.pciAddress);
  const acsRedirect =
    acsRedirectPorts.length > 0 ? true : path.every((bridge) => bridge.acs !== null) ? false : null;
  return { acsRedirectPorts, acsRedirect };
}

/** Over all of a GPU's RDMA devices: true when one path redirects, false when none does. */
export function gpuAcsRedirect(
  relations: Pick<RdmaDeviceRelation, 'acsRedirect'>[],
): boolean | null {
  if (relations.some((relation) => relation.acsRedirect === true)) return true;
  if (relations.length > 0 && relations.every((relation) => relation.acsRedirect === false)) {
    return false;
  }
  return null;
}

/** 268435456 -> "256 MiB", 85520809984 -> "79.6 GiB". */
function sizeText(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${units[unit]}`;
}
