/**
 * What a GPU's PCIe place means for peer traffic, read from sysfs: the ACS of the bridges
 * between it and each RDMA device, its IOMMU group, and its BAR1 aperture. Reads only.
 */
import type { IommuGroupFacts, PcieBridgeFacts } from '../list-report.js';
import { MAX_LINE_BYTES, type HostFs } from './host-fs.js';
import { PCI_CONFIG_BYTES, decodePciConfig } from './pci-config.js';

const NVIDIA_VENDOR_ID = 0x10de;
/** The six BAR registers of a type-0 header: the first lines of sysfs's `resource`. */
const PCI_BAR_REGISTERS = 6;
const IORESOURCE_MEM = 0x200n;
/** A 64-bit BAR: it takes its register and the next, whose line then reads as zeros. */
const IORESOURCE_MEM_64 = 0x100000n;

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
 * NVIDIA's BAR1 (the framebuffer aperture peers reach GPU memory through) from a sysfs
 * `resource` file: the second memory BAR. sysfs lists resources by BAR register, and a
 * 64-bit BAR takes two registers, so BAR1 is line 2 when BAR0 is 64-bit (H100 and H200
 * boards, measured: line 1 is all zeros there) and line 1 when BAR0 is 32-bit. Null when
 * BAR0 is not a memory BAR, a line is malformed or a reversed range, BAR1 is unassigned,
 * or its size is too large for a JSON number to hold exactly.
 */
export function bar1BytesOf(resource: string): number | null {
  const lines = resource.split('\n').slice(0, PCI_BAR_REGISTERS);
  const bar0 = parseResourceLine(lines[0]);
  if (bar0 === 'malformed' || bar0 === null || (bar0.flags & IORESOURCE_MEM) === 0n) return null;
  for (let register = bar0.flags & IORESOURCE_MEM_64 ? 2 : 1; register < lines.length; register++) {
    const bar = parseResourceLine(lines[register]);
    if (bar === 'malformed') return null;
    if (bar === null || (bar.flags & IORESOURCE_MEM) === 0n) continue;
    const size = bar.end - bar.start + 1n;
    return size <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(size) : null;
  }
  return null;
}

interface ResourceLine {
  start: bigint;
  end: bigint;
  flags: bigint;
}

/** One "0x<start> 0x<end> 0x<flags>" line; null for an unassigned one (start 0). */
function parseResourceLine(line: string | undefined): ResourceLine | null | 'malformed' {
  const match = /^0x([0-9a-f]{1,16}) 0x([0-9a-f]{1,16}) 0x([0-9a-f]{1,16})$/i.exec(
    line?.trim() ?? '',
  );
  if (!match) return 'malformed';
  const [start, end, flags] = match.slice(1).map((hex) => BigInt(`0x${hex}`)) as [
    bigint,
    bigint,
    bigint,
  ];
  if (start === 0n) return null;
  return end < start ? 'malformed' : { start, end, flags };
}
