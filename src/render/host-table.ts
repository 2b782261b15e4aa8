/**
 * The host part of the human table: rows for the key/value tables that table.ts draws.
 * Pure functions of the report's host block. table.ts hands them a host whose strings are
 * already escaped for the terminal (terminalSafeDeep): hostnames, kernel releases, DMI
 * vendor and product names and RDMA device names are read from the host and may hold
 * control characters.
 */
import type { ChalkInstance } from 'chalk';
import type { GpuView } from '../gpu-view.js';
import type { GpuTopology, HostReport, RdmaDeviceFacts } from '../list-report.js';
import { formatBytes } from './format.js';

export type Row = [label: string, value: string];

export function hostTitle(host: HostReport, c: ChalkInstance): string {
  const state =
    host.readiness.ready === true
      ? c.green.bold('HOST READY')
      : host.readiness.ready === false
        ? c.red.bold('HOST NOT READY')
        : c.yellow.bold('HOST READINESS UNKNOWN');
  return `${c.bold('Host')}  ${host.hostname}  ${state}`;
}

export function hostRows(host: HostReport, c: ChalkInstance): Row[] {
  const unknown = c.dim('unknown');
  const known = (value: boolean | null, yes: string, no: string) =>
    value === null ? unknown : value ? c.green(yes) : c.red(no);
  const kernel = host.kernel.release
    ? `${host.kernel.release} (dma-buf RDMA: ${known(host.kernel.dmaBufRdma, 'yes', 'no, needs 5.12')})`
    : unknown;
  const nvidia = host.nvidiaModule.loaded
    ? `${host.nvidiaModule.flavor} kernel module ${host.nvidiaModule.version ?? ''}`.trimEnd()
    : known(host.nvidiaModule.loaded, '', 'not loaded');
  const peermem = host.peermem.loaded
    ? c.green(`${host.peermem.module} loaded`)
    : known(host.peermem.loaded, '', 'nvidia_peermem not loaded');
  const memoryPeers = known(host.memoryPeers, 'present', 'absent');
  return [
    ['Kernel', kernel],
    ['NVIDIA module', nvidia],
    ['Peer memory', `${peermem}; /sys/kernel/mm/memory_peers ${memoryPeers}`],
    ['RDMA devices', rdmaDevicesLines(host.rdmaDevices, c)],
    ['Machine', machineLine(host, c)],
    ['IOMMU', iommuLine(host, c)],
    ['PCIe ACS', hostAcsLine(host, c)],
    ['NVIDIA parameters', nvidiaParametersLine(host, c)],
    ['Readiness', readinessLines(host, c)],
  ];
}

/** The rows each GPU gets: its nearest RDMA device and the host problems that apply to it. */
export function gpuHostRows(view: GpuView, host: HostReport, c: ChalkInstance): Row[] {
  const { topology, hostReasons: reasons } = view;
  const nearest = !topology
    ? c.dim('unknown (no PCI bus ID)')
    : topology.nearest
      ? `${topology.nearest.name} ${topology.nearest.pciAddress} (${topology.nearest.relation})`
      : topology.sysfsPath === null
        ? c.dim('unknown (GPU not found in sysfs)')
        : c.red('none');
  const readiness =
    reasons.length > 0
      ? `${c.red('not ready')}: ${reasons.map((reason) => reason.code).join(', ')}`
      : host.readiness.ready
        ? c.green('ready')
        : c.dim('unknown');
  const perGpu = (topology?.issues ?? []).map((issue) => `- ${issue.code}: ${issue.message}`);
  const notes = (topology?.notes ?? []).map((note) => c.dim(`note: ${note.message}`));
  const unknown = c.dim('unknown (no PCI bus ID)');
  return [
    ['Nearest RDMA NIC', nearest],
    ['PCIe ACS', topology ? gpuAcsLine(topology, c) : unknown],
    ['IOMMU group', topology ? iommuGroupLine(host, topology, c) : unknown],
    ['BAR1', topology?.bar1Bytes != null ? formatBytes(topology.bar1Bytes) : c.dim('unknown')],
    ['Host readiness', [readiness, ...perGpu, ...notes].join('\n')],
  ];
}

/** Whether ACS redirects between this GPU and its RDMA devices, and where. */
function gpuAcsLine(topology: GpuTopology, c: ChalkInstance): string {
  const relations = topology.rdmaDevices;
  if (relations.length === 0) {
    const bridges = topology.pcieBridges.length === 0 ? ', no bridge above the GPU' : '';
    return c.dim(`n/a (no RDMA NIC with a PCIe path${bridges})`);
  }
  if (topology.acsRedirect === true) {
    const ports = new Map<string, string[]>();
    for (const relation of relations) {
      for (const port of relation.acsRedirectPorts) {
        ports.set(port, [...(ports.get(port) ?? []), relation.name]);
      }
    }
    const where = [...ports].map(([port, nics]) => `${port} (to ${nics.join(', ')})`);
    return `${c.red('redirect')} at ${where.join(', ')}`;
  }
  const names = relations.map((relation) => relation.name).join(', ');
  if (topology.acsRedirect === false) {
    return `${c.green('no redirect')} on the path${relations.length > 1 ? 's' : ''} to ${names}`;
  }
  return c.dim(`unknown${acsUnknownWhy([topology])}`);
}

/** Why a bridge's ACS is unknown, for the table: " (reading ... needs root)" or "". */
function acsUnknownWhy(topologies: GpuTopology[]): string {
  const reads = topologies
    .flatMap((topology) => topology.pcieBridges)
    .flatMap((b) =>
      b.acs === null && b.configBytes !== null && b.configSize !== null
        ? [{ read: b.configBytes, size: b.configSize }]
        : [],
    );
  if (reads.some(({ read, size }) => read < size)) {
    return ' (reading PCIe config space needs root)';
  }
  if (reads.some(({ read, size }) => read === size)) {
    return ' (no extended config space: see the notes)';
  }
  return '';
}

function iommuGroupLine(host: HostReport, topology: GpuTopology, c: ChalkInstance): string {
  const group = topology.iommuGroup;
  if (group === null) {
    if (topology.sysfsPath === null) return c.dim('unknown (GPU not found in sysfs)');
    if (host.iommu.active === null) return c.dim('unknown');
    return host.iommu.active ? 'none' : 'none (no IOMMU)';
  }
  const mode =
    group.type === 'identity'
      ? ', passthrough'
      : group.type === 'DMA' || group.type === 'DMA-FQ'
        ? ', translated'
        : '';
  return `${group.id} (${group.type ?? 'type unknown'}${mode})`;
}

function iommuLine(host: HostReport, c: ChalkInstance): string {
  const { active, units } = host.iommu;
  const state =
    active === null ? c.dim('unknown') : active ? `active (${(units ?? []).join(', ')})` : 'none';
  const words = host.kernel.commandLine?.iommu ?? [];
  return words.length > 0 ? `${state}; ${words.join(' ')}` : state;
}

/** Over every GPU: where ACS redirects, or that none does, and the command line's ACS words. */
function hostAcsLine(host: HostReport, c: ChalkInstance): string {
  const paired = host.gpuTopology.filter((topology) => topology.rdmaDevices.length > 0);
  const redirecting = paired.filter((topology) => topology.acsRedirect === true);
  const state =
    paired.length === 0
      ? c.dim('n/a (no GPU with an RDMA NIC on PCIe)')
      : redirecting.length > 0
        ? `${c.red('redirect')} on the paths of GPU ${redirecting.map((t) => t.gpuIndex).join(', ')}`
        : paired.every((topology) => topology.acsRedirect === false)
          ? c.green('no redirect between any GPU and RDMA NIC')
          : c.dim(`unknown${acsUnknownWhy(paired)}`);
  const words = host.kernel.commandLine?.pcieAcs ?? [];
  return words.length > 0 ? `${state}; ${words.join(' ')}` : state;
}

function nvidiaParametersLine(host: HostReport, c: ChalkInstance): string {
  const parameters = host.nvidiaParameters;
  if (parameters === null) return c.dim('unknown (/proc/driver/nvidia/params not readable)');
  if (parameters.length === 0) return c.dim('none of the peer-DMA ones');
  return parameters.map((parameter) => `${parameter.name}=${parameter.value}`).join(' ');
}

export function hostSummaryLine(host: HostReport): string {
  if (host.readiness.ready === true) return 'Host ready for GPUDirect RDMA.';
  const codes = host.readiness.issues.map((issue) => issue.code);
  if (codes.length > 0) return `Host not ready: ${codes.join(', ')}.`;
  return 'Host readiness unknown (some facts could not be read).';
}

function rdmaDevicesLines(devices: RdmaDeviceFacts[] | null, c: ChalkInstance): string {
  if (devices === null) return c.dim('unknown');
  if (devices.length === 0) return c.red('none');
  return devices
    .map((device) => {
      const ports = device.ports
        .map((port) => `port ${port.port} ${port.linkLayer ?? '?'} ${port.state ?? '?'}`)
        .join(', ');
      const numa = device.numaNode === null ? '' : ` NUMA ${device.numaNode}`;
      return `${device.name} ${device.pciAddress ?? '(no PCI function)'}${numa}: ${ports || 'no ports'}`;
    })
    .join('\n');
}

function machineLine(host: HostReport, c: ChalkInstance): string {
  const v = host.virtualization;
  const dmi = [v.sysVendor, v.productName].filter(Boolean).join(' ');
  const kind =
    v.virtualMachine === null
      ? c.dim('unknown')
      : v.virtualMachine
        ? c.yellow('virtual machine')
        : 'bare metal';
  return dmi ? `${kind} (${dmi})` : kind;
}

function readinessLines(host: HostReport, c: ChalkInstance): string {
  const r = host.readiness;
  const lines =
    r.ready === true
      ? [c.green('ready')]
      : r.ready === false
        ? [c.red('not ready'), ...r.issues.map((issue) => `- ${issue.code}: ${issue.message}`)]
        : [c.yellow('unknown: some facts could not be read')];
  for (const note of r.notes) lines.push(c.dim(`note: ${note.message}`));
  return lines.join('\n');
}
