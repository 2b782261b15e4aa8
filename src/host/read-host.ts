/**
 * Reads the host facts of the report from procfs and sysfs through a HostFs (over '/' on
 * a real host, a fixture tree in tests). Only reads; every missing file is an unknown (null).
 */
import type {
  GpuTopology,
  HostReport,
  IommuFacts,
  KernelFacts,
  NvidiaParameter,
  NvidiaModuleFacts,
  PcieBridgeFacts,
  PeermemFacts,
  RdmaDeviceFacts,
  RdmaDeviceRelation,
  RdmaPortFacts,
  VirtualizationFacts,
} from '../list-report.js';
import { HostFs, MAX_LINE_BYTES, naturalOrder } from './host-fs.js';
import { parseCommandLine, parseNvidiaParameters } from './parameters.js';
import { BridgeReader, readBar1Bytes, readIommuGroup } from './pcie.js';
import {
  DMA_BUF_KERNEL,
  assessReadiness,
  gpuAcsRedirect,
  pathRedirect,
  pcieFindings,
  placementIssues,
  type GpuPcieFacts,
} from './readiness.js';
import {
  parsePciPath,
  pcieRelation,
  peerPath,
  relationRank,
  type PciPlacement,
} from './topology.js';
import { pciBusIdOf, sysfsPciAddress } from '../pci-address.js';

export interface ReadHostOptions {
  /** The procfs and sysfs the facts are read from: a HostFs over '/' on a real host. */
  fs: HostFs;
  hostname: string;
  /**
   * The reported GPUs; those with a PCI bus ID get a topology entry. deviceLocalBytes, the
   * largest DEVICE_LOCAL heap, is what BAR1 is compared with.
   */
  gpus: { index: number; pciBusId: string | null; deviceLocalBytes?: number | null }[];
}

const PEERMEM_MODULES = ['nvidia_peermem', 'nv_peer_mem'] as const;

export function readHost(options: ReadHostOptions): HostReport {
  const { fs } = options;
  const rdmaDevices = readRdmaDevices(fs);
  const facts = {
    kernel: readKernel(fs),
    nvidiaModule: readNvidiaModule(fs),
    peermem: readPeermem(fs),
    memoryPeers: presence(fs, '/sys/kernel/mm/memory_peers', '/sys/kernel/mm'),
    rdmaDevices,
    virtualization: readVirtualization(fs),
    iommu: readIommu(fs),
    nvidiaParameters: readNvidiaParameters(fs),
  };
  const bridges = new BridgeReader(fs);
  return {
    hostname: options.hostname,
    ...facts,
    gpuTopology: options.gpus.flatMap((gpu) =>
      gpu.pciBusId === null
        ? []
        : [
            readGpuTopology(fs, bridges, gpu.index, gpu.pciBusId, rdmaDevices ?? [], {
              deviceLocalBytes: gpu.deviceLocalBytes ?? null,
              virtualMachine: facts.virtualization.virtualMachine,
              nvidiaParameters: facts.nvidiaParameters,
            }),
          ],
    ),
    readiness: assessReadiness(facts),
  };
}

/** "5.15.0-105-generic" -> true when at least 5.12; null when it does not parse. */
export function supportsDmaBufRdma(release: string): boolean | null {
  const match = /^(\d+)\.(\d+)/.exec(release);
  if (!match) return null;
  const major = Number(match[1]);
  const minor = Number(match[2]);
  return (
    major > DMA_BUF_KERNEL.major ||
    (major === DMA_BUF_KERNEL.major && minor >= DMA_BUF_KERNEL.minor)
  );
}

function readKernel(fs: HostFs): KernelFacts {
  const release = fs.readLine('/proc/sys/kernel/osrelease');
  const commandLine = fs.readLine('/proc/cmdline');
  return {
    release,
    dmaBufRdma: release === null ? null : supportsDmaBufRdma(release),
    commandLine: commandLine === null ? null : parseCommandLine(commandLine),
  };
}

function readIommu(fs: HostFs): IommuFacts {
  const folder = '/sys/class/iommu';
  const units = fs.list(folder);
  // The class is there whenever the kernel has IOMMU support; absent, there is none.
  const known = units ?? (fs.exists('/sys/class') && !fs.exists(folder) ? [] : null);
  return { active: known === null ? null : known.length > 0, units: known };
}

/** Absent or unreadable alike are null: without the NVIDIA module there are no parameters. */
function readNvidiaParameters(fs: HostFs): NvidiaParameter[] | null {
  const text = fs.readText('/proc/driver/nvidia/params', MAX_LINE_BYTES);
  return text === null ? null : parseNvidiaParameters(text);
}

/**
 * The first line of /proc/driver/nvidia/version names the module, e.g.
 * "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  580.159.04  Release Build ..."
 * or, for the proprietary one, "NVRM version: NVIDIA UNIX x86_64 Kernel Module  535.129.03 ...".
 */
export function parseNvidiaVersion(text: string): Omit<NvidiaModuleFacts, 'loaded'> {
  const line = text.split('\n', 1)[0] ?? '';
  const version = /Kernel Module\b.*?\s(\d+\.\d+(?:\.\d+)*)\b/.exec(line)?.[1] ?? null;
  return { flavor: /Open Kernel Module/i.test(line) ? 'open' : 'proprietary', version };
}

function readNvidiaModule(fs: HostFs): NvidiaModuleFacts {
  const file = '/proc/driver/nvidia/version';
  const text = fs.readText(file, MAX_LINE_BYTES);
  if (text !== null) return { loaded: true, ...parseNvidiaVersion(text) };
  // Without procfs at all nothing is known; with it, the absent file means no module. A
  // file that is there but unreadable (not a regular file, too large) says nothing.
  const absent = fs.exists('/proc/sys') && !fs.exists(file);
  return { loaded: absent ? false : null, flavor: null, version: null };
}

function readPeermem(fs: HostFs): PeermemFacts {
  const modules = fs.readText('/proc/modules');
  const loadedNames = new Set(modules?.split('\n').map((line) => line.split(' ', 1)[0]) ?? []);
  for (const name of PEERMEM_MODULES) {
    if (loadedNames.has(name) || fs.exists(`/sys/module/${name}`)) {
      return { loaded: true, module: name };
    }
  }
  const known = modules !== null || fs.exists('/sys/module');
  return { loaded: known ? false : null, module: null };
}

/** True when `file` exists; false when only its folder does; null when neither. */
function presence(fs: HostFs, file: string, folder: string): boolean | null {
  if (fs.exists(file)) return true;
  return fs.exists(folder) ? false : null;
}

function readRdmaDevices(fs: HostFs): RdmaDeviceFacts[] | null {
  const folder = '/sys/class/infiniband';
  const names = fs.list(folder);
  // Absent (no ib_core) is none; there but unreadable is unknown.
  if (names === null) return fs.exists('/sys/class') && !fs.exists(folder) ? [] : null;
  return names.map((name) => {
    const base = `/sys/class/infiniband/${name}`;
    const devicePath = fs.resolve(`${base}/device`);
    const last = devicePath?.split('/').pop() ?? '';
    const pciAddress = sysfsPciAddress(last);
    return {
      name,
      pciAddress,
      numaNode: pciAddress === null ? null : readNumaNode(fs, pciAddress),
      ports: readPorts(fs, base),
    };
  });
}

function readPorts(fs: HostFs, base: string): RdmaPortFacts[] {
  return (fs.list(`${base}/ports`) ?? [])
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .sort((a, b) => a - b)
    .map((port) => {
      const state = fs.readLine(`${base}/ports/${port}/state`);
      return {
        port,
        linkLayer: fs.readLine(`${base}/ports/${port}/link_layer`),
        // "4: ACTIVE" -> "ACTIVE"
        state: state === null ? null : state.replace(/^\d+:\s*/, ''),
      };
    });
}

/** -1 (no NUMA information) and unreadable alike are null. */
function readNumaNode(fs: HostFs, pciAddress: string): number | null {
  const text = fs.readLine(`/sys/bus/pci/devices/${pciAddress}/numa_node`);
  const node = text === null ? NaN : Number(text);
  return Number.isInteger(node) && node >= 0 ? node : null;
}

function placementOf(
  fs: HostFs,
  pciAddress: string,
): { sysfsPath: string | null; placement: PciPlacement | null } {
  const sysfsPath = fs.resolve(`/sys/bus/pci/devices/${pciAddress}`);
  const path = sysfsPath === null ? null : parsePciPath(sysfsPath);
  return {
    sysfsPath,
    placement: path === null ? null : { path, numaNode: readNumaNode(fs, pciAddress) },
  };
}

function readGpuTopology(
  fs: HostFs,
  bridges: BridgeReader,
  gpuIndex: number,
  pciBusId: string,
  rdmaDevices: RdmaDeviceFacts[],
  context: Omit<GpuPcieFacts, 'topology'>,
): GpuTopology {
  const address = sysfsPciAddress(pciBusId);
  const gpu = address === null ? { sysfsPath: null, placement: null } : placementOf(fs, address);
  const relations: RdmaDeviceRelation[] = [];
  // The bridges above the GPU, root port first, then those on its paths not above it.
  const gpuBridges = new Map<string, PcieBridgeFacts>();
  for (const bridge of gpu.placement?.path.chain.slice(0, -1) ?? []) {
    gpuBridges.set(bridge, bridges.read(bridge));
  }
  if (gpu.placement !== null) {
    for (const device of rdmaDevices) {
      if (device.pciAddress === null) continue;
      const nic = placementOf(fs, device.pciAddress).placement;
      if (nic === null) continue;
      const path = peerPath(gpu.placement.path, nic.path);
      const pathBridges = path.map((bridge) => bridges.read(bridge));
      for (const bridge of pathBridges) gpuBridges.set(bridge.pciAddress, bridge);
      relations.push({
        name: device.name,
        pciAddress: device.pciAddress,
        relation: pcieRelation(gpu.placement, nic),
        path,
        ...pathRedirect(pathBridges),
      });
    }
  }
  relations.sort(
    (a, b) => relationRank(a.relation) - relationRank(b.relation) || naturalOrder(a.name, b.name),
  );
  const nearest = relations[0] ?? null;
  const pcie = {
    rdmaDevices: relations,
    pcieBridges: [...gpuBridges.values()],
    iommuGroup: address === null || gpu.sysfsPath === null ? null : readIommuGroup(fs, address),
    bar1Bytes: address === null || gpu.sysfsPath === null ? null : readBar1Bytes(fs, address),
  };
  const findings = pcieFindings({ topology: pcie, ...context });
  return {
    gpuIndex,
    pciBusId: pciBusIdOf(pciBusId) ?? pciBusId,
    sysfsPath: gpu.sysfsPath,
    numaNode: gpu.placement?.numaNode ?? null,
    nearest,
    rdmaDevices: relations,
    pcieBridges: pcie.pcieBridges,
    acsRedirect: gpuAcsRedirect(relations),
    iommuGroup: pcie.iommuGroup,
    bar1Bytes: pcie.bar1Bytes,
    issues: [...placementIssues(nearest), ...findings.issues],
    notes: findings.notes,
  };
}

/** DMI names that only virtual machines carry (bare-metal cloud instances share vendors). */
const VIRTUAL_DMI = [
  /^QEMU/i,
  /KVM/,
  /VMware/i,
  /VirtualBox/i,
  /^innotek/i,
  /^Xen/i,
  /HVM domU/i,
  /Virtual Machine/i,
  /^Parallels/i,
  /^Bochs/i,
  /^BHYVE/i,
  /OpenStack/i,
  /Cloud Hypervisor/i,
  /^Standard PC \(/,
];

export function looksVirtual(sysVendor: string | null, productName: string | null): boolean {
  return [sysVendor, productName].some(
    (value) => value !== null && VIRTUAL_DMI.some((pattern) => pattern.test(value)),
  );
}

function readVirtualization(fs: HostFs): VirtualizationFacts {
  const sysVendor = fs.readLine('/sys/class/dmi/id/sys_vendor');
  const productName = fs.readLine('/sys/class/dmi/id/product_name');
  const hypervisorCpuFlag = readHypervisorFlag(fs);
  // An x86 guest always sees the hypervisor flag; DMI names alone prove only a VM.
  const virtualMachine =
    hypervisorCpuFlag === true || looksVirtual(sysVendor, productName)
      ? true
      : hypervisorCpuFlag === false
        ? false
        : null;
  return { virtualMachine, hypervisorCpuFlag, sysVendor, productName };
}

/**
 * How much of /proc/cpuinfo to read: the first CPU's block, whose flags are all that is
 * needed, fits many times over. A whole read makes the kernel produce every CPU's block,
 * which grows with the CPUs (measured on a 32-CPU GPU server: 0.5 ms whole, 0.2 ms head).
 */
const CPUINFO_HEAD_BYTES = 16 * 1024;

/** The x86 'flags' line; null when cpuinfo is unreadable or lists no flags (e.g. arm64). */
function readHypervisorFlag(fs: HostFs): boolean | null {
  const head = fs.readHead('/proc/cpuinfo', CPUINFO_HEAD_BYTES);
  if (head === null) return null;
  // Only whole lines: a flags line cut off by the head could lack the flag.
  const lines = head.whole ? head.text : head.text.slice(0, head.text.lastIndexOf('\n') + 1);
  const fromHead = hypervisorFlagIn(lines);
  if (fromHead !== null || head.whole) return fromHead;
  const whole = fs.readText('/proc/cpuinfo');
  return whole === null ? null : hypervisorFlagIn(whole);
}

function hypervisorFlagIn(cpuinfo: string): boolean | null {
  const flags = /^flags\s*:(.*)$/m.exec(cpuinfo);
  return flags === null ? null : flags[1]!.trim().split(/\s+/).includes('hypervisor');
}
