/**
 * What a GPU's PCIe place means for peer traffic, read from sysfs: the ACS of the bridges
 * between it and each RDMA device, its IOMMU group, and its BAR1 aperture. Reads only.
 */
import type { IommuGroupFacts, PcieBridgeFacts } from '../report.js';
import { MAX_LINE_BYTES, type HostFs } from './host-fs.js';
import { PCI_CONFIG_BYTES, decodePciConfig } from './pci-config.js';

const NVIDIA_VENDOR_ID = 0x10de;
/** sysfs `resource` lists resources by BAR index: line 1 is BAR1. */
const BAR1_LINE = 1;
const IORESOURCE_MEM = 0x200;

/** Reads each bridge's config space once per probe, however many paths it is on. */
export class BridgeReader {
  private readonly bridges = new Map<string, PcieBridgeFacts>();

  constructor(private readonly fs: HostFs) {}

  read(pciAddress: string): PcieBridgeFacts {
    let bridge = this.bridges.get(pciAddress);
    if (bridge === undefined) {
      bridge = readBridge(this.fs, pciAddress);
      this.bridges.set(pciAddress, bridge);
    }
    return bridge;
  }
}

function readBridge(fs: HostFs, pciAddress: string): PcieBridgeFacts {
  // 4 KiB is all a PCI Express config space holds: more is not a config file.
  const read = fs.readBytes(`/sys/bus/pci/devices/${pciAddress}/config`, PCI_CONFIG_BYTES);
  if (read === null || !read.whole) {
    return { pciAddress, portType: null, configBytes: null, configSize: null, acs: null };
  }
  return {
    pciAddress,
    configBytes: read.bytes.length,
    configSize: read.size,
    ...decodePciConfig(read.bytes),
  };
}

/**
 * The GPU's IOMMU group from its iommu_group link; null when it has none (no IOMMU
 * translates for the device) or the link does not lead to /sys/kernel/iommu_groups/<n>.
 */
export function readIommuGroup(fs: HostFs, pciAddress: string): IommuGroupFacts | null {
  const group = fs.resolve(`/sys/bus/pci/devices/${pciAddress}/iommu_group`);
  const match = group === null ? null : /^\/sys\/kernel\/iommu_groups\/(\d{1,9})$/.exec(group);
  if (!match) return null;
  const id = Number(match[1]);
  return { id, type: fs.readLine(`/sys/kernel/iommu_groups/${id}/type`) };
}

/** BAR1's size in bytes for an NVIDIA GPU; null for other vendors or when unreadable. */
export function readBar1Bytes(fs: HostFs, pciAddress: string): number | null {
  const vendor = fs.readLine(`/sys/bus/pci/devices/${pciAddress}/vendor`);
  if (vendor === null || Number.parseInt(vendor, 16) !== NVIDIA_VENDOR_ID) return null;
  const text = fs.readText(`/sys/bus/pci/devices/${pciAddress}/resource`, MAX_LINE_BYTES);
  return text === null ? null : bar1BytesOf(text);
}

/**
 * "0x<start> 0x<end> 0x<flags>" on the BAR1 line of a sysfs `resource` file, to its size;
 * null when the line is missing, malformed, not memory, unassigned (start 0), or too large
 * for a JSON number to hold exactly.
 */
export function bar1BytesOf(resource: string): number | null {
  const line = resource.split('\n')[BAR1_LINE]?.trim() ?? '';
  const match = /^0x([0-9a-f]{1,16}) 0x([0-9a-f]{1,16}) 0x([0-9a-f]{1,16})$/i.exec(line);
  if (!match) return null;
  const [start, end, flags] = match.slice(1).map((hex) => BigInt(`0x${hex}`)) as [
    bigint,
    bigint,
    bigint,
  ];
  if (start === 0n || end < start || (flags & BigInt(IORESOURCE_MEM)) === 0n) return null;
  const size = end - start + 1n;
  return size <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(size) : null;
}
