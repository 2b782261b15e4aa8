/**
 * Host readiness: which of the facts gathered in read-host.ts stop an RDMA NIC from
 * reaching GPU memory. Pure. The checks follow the GPUDirect RDMA path a Vulkan RDMA
 * address takes: NVIDIA module -> nvidia_peermem -> the RDMA stack's peer-memory API
 * -> an RDMA device with an active port, near the GPU.
 */
import type {
  GpuTopology,
  HostReadiness,
  HostReason,
  HostReport,
  RdmaDeviceFacts,
  RdmaDeviceRelation,
} from '../report.js';

export const DMA_BUF_KERNEL = { major: 5, minor: 12 } as const;

type HostFacts = Omit<HostReport, 'hostname' | 'gpuTopology' | 'readiness'>;

export function assessReadiness(facts: HostFacts): HostReadiness {
  const issues: HostReason[] = [];
  const notes: string[] = [];
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
    notes.push(
      'virtual machine: GPUDirect RDMA needs the GPU and the NIC passed through, with PCIe peer-to-peer allowed by the hypervisor',
    );
  }
  if (kernel.dmaBufRdma && nvidiaModule.flavor === 'proprietary') {
    notes.push(
      'dma-buf RDMA needs the NVIDIA open kernel module; this host runs the proprietary one',
    );
  }

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

/** One GPU's place on the PCIe tree; undefined when it has no PCI bus ID. */
export function gpuTopologyOf(
  host: Pick<HostReport, 'gpuTopology'>,
  gpuIndex: number,
): GpuTopology | undefined {
  return host.gpuTopology.find((topology) => topology.gpuIndex === gpuIndex);
}

/** Every host problem that applies to one GPU: the host-wide ones, then its own. */
export function hostReasonsForGpu(
  host: Pick<HostReport, 'readiness' | 'gpuTopology'>,
  gpuIndex: number,
): HostReason[] {
  return [...host.readiness.issues, ...(gpuTopologyOf(host, gpuIndex)?.issues ?? [])];
}
