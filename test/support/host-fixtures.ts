/**
 * Host blocks for tests that build reports by hand: a bare-metal GPU server ready for
 * GPUDirect RDMA, one RDMA NIC on each GPU's PCIe switch.
 */
import { assessReadiness } from '../../src/host/readiness.js';
import type { GpuReport, GpuTopology, HostReport } from '../../src/report.js';

export function readyHost(
  hostname: string,
  gpus: Pick<GpuReport, 'index' | 'identity'>[] = [],
): HostReport {
  const rdmaDevices = (gpus.length > 0 ? gpus.map((gpu) => gpu.index) : [0]).map(rdmaNic);
  const facts = {
    kernel: { release: '5.15.0-105-generic', dmaBufRdma: true },
    nvidiaModule: { loaded: true, flavor: 'open' as const, version: '580.159.04' },
    peermem: { loaded: true, module: 'nvidia_peermem' as const },
    memoryPeers: true,
    rdmaDevices,
    virtualization: {
      virtualMachine: false,
      hypervisorCpuFlag: false,
      sysVendor: 'Supermicro',
      productName: 'SYS-821GE-TNHR',
    },
  };
  const gpuTopology: GpuTopology[] = gpus.flatMap((gpu, i) => {
    if (gpu.identity.pciBusId === null) return [];
    const nic = facts.rdmaDevices[i]!;
    const nearest = {
      name: nic.name,
      pciAddress: nic.pciAddress,
      relation: 'same-pcie-switch' as const,
    };
    return [
      {
        gpuIndex: gpu.index,
        pciBusId: gpu.identity.pciBusId,
        sysfsPath: `/sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/0000:02:0${i}.0/${gpu.identity.pciBusId.slice(4).toLowerCase()}`,
        numaNode: 0,
        nearest,
        rdmaDevices: [nearest],
        issues: [],
      },
    ];
  });
  return { hostname, ...facts, gpuTopology, readiness: assessReadiness(facts) };
}

function rdmaNic(index: number) {
  return {
    name: `mlx5_${index}`,
    pciAddress: `0000:${(0x40 + index).toString(16)}:00.0`,
    numaNode: 0,
    ports: [{ port: 1, linkLayer: 'InfiniBand', state: 'ACTIVE' }],
  };
}
