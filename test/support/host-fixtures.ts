/**
 * Host blocks for tests that build reports by hand: a bare-metal GPU server ready for
 * GPUDirect RDMA, one RDMA NIC on each GPU's PCIe switch, ACS off on the switch ports,
 * the IOMMU in passthrough, BAR1 as large as an H100's.
 */
import { assessReadiness } from '../../src/host/readiness.js';
import { sysfsPciAddress } from '../../src/pci-address.js';
import type { GpuReport, GpuTopology, HostReport, PcieBridgeFacts } from '../../src/list-report.js';

/** An H100's BAR1: 128 GiB. */
export const LARGE_BAR1_BYTES = 128 * 1024 ** 3;

export function readyHost(
  hostname: string,
  gpus: Pick<GpuReport, 'index' | 'identity'>[] = [],
): HostReport {
  const rdmaDevices = (gpus.length > 0 ? gpus.map((gpu) => gpu.index) : [0]).map(rdmaNic);
  const facts = {
    kernel: {
      release: '5.15.0-105-generic',
      dmaBufRdma: true,
      commandLine: { iommu: ['intel_iommu=on', 'iommu=pt'], pcieAcs: [] },
    },
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
    iommu: { active: true, units: ['dmar0', 'dmar1'] },
    nvidiaParameters: [
      { name: 'DmaRemapPeerMmio', value: '1' },
      { name: 'GrdmaPciTopoCheckOverride', value: '0' },
      { name: 'EnableResizableBar', value: '0' },
      { name: 'RegistryDwords', value: '""' },
    ],
  };
  const gpuTopology: GpuTopology[] = gpus.flatMap((gpu, i) => {
    if (gpu.identity.pciBusId === null) return [];
    const nic = facts.rdmaDevices[i]!;
    // The GPU below downstream port 02:0i.0 of the switch, the NIC below 03:0i.0.
    const bridges = [
      bridge('0000:00:01.0', 'root-port'),
      bridge('0000:01:00.0', 'switch-upstream-port', false),
      bridge(`0000:02:0${i}.0`, 'switch-downstream-port'),
      bridge(`0000:02:0${i}.1`, 'switch-downstream-port'),
    ];
    const nearest = {
      name: nic.name,
      pciAddress: nic.pciAddress,
      relation: 'same-pcie-switch' as const,
      path: [`0000:02:0${i}.0`, '0000:01:00.0', `0000:02:0${i}.1`],
      acsRedirectPorts: [],
      acsRedirect: false,
    };
    return [
      {
        gpuIndex: gpu.index,
        pciBusId: gpu.identity.pciBusId,
        sysfsPath: `/sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/0000:02:0${i}.0/${sysfsPciAddress(gpu.identity.pciBusId)}`,
        numaNode: 0,
        nearest,
        rdmaDevices: [nearest],
        pcieBridges: bridges,
        acsRedirect: false,
        iommuGroup: { id: 20 + i, type: 'identity' },
        bar1Bytes: LARGE_BAR1_BYTES,
        issues: [],
        notes: [],
      },
    ];
  });
  return { hostname, ...facts, gpuTopology, readiness: assessReadiness(facts) };
}

/** A bridge read as root, ACS present with nothing enabled (or absent). */
function bridge(pciAddress: string, portType: string, acs = true): PcieBridgeFacts {
  return {
    pciAddress,
    portType,
    configBytes: 4096,
    configSize: 4096,
    acs: acs
      ? {
          present: true,
          capability: 0x005f,
          control: 0,
          controls: {
            sourceValidation: false,
            translationBlocking: false,
            requestRedirect: false,
            completionRedirect: false,
            upstreamForwarding: false,
            egressControl: false,
            directTranslated: false,
          },
          redirect: false,
        }
      : { present: false, capability: null, control: null, controls: null, redirect: false },
  };
}

function rdmaNic(index: number) {
  return {
    name: `mlx5_${index}`,
    pciAddress: `0000:${(0x40 + index).toString(16)}:00.0`,
    numaNode: 0,
    ports: [{ port: 1, linkLayer: 'InfiniBand', state: 'ACTIVE' }],
  };
}
