/**
 * PCIe distance between a GPU and an RDMA device, from their sysfs device paths. Pure:
 * the paths come from HostFs.resolve. A path looks like
 * /sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/0000:02:00.0/0000:03:00.0:
 * the root complex, then the root port, the bridges below it, and the device last.
 */
import { sysfsPciAddress, sysfsRootComplex } from '../pci-address.js';
import type { PcieRelation } from '../list-report.js';

export interface PciPath {
  /** e.g. "pci0000:00". */
  rootComplex: string;
  /** Root port first, the device itself last. */
  chain: string[];
}

export interface PciPlacement {
  path: PciPath;
  numaNode: number | null;
}

/** Nearest first; the order nearestFirst sorts by. */
export const RELATION_ORDER: readonly PcieRelation[] = [
  'same-pcie-switch',
  'same-root-port',
  'same-host-bridge',
  'other-host-bridge',
  'other-numa-node',
];

/** Every name in the kernel's spelling (pci-address.ts), so paths compare as strings. */
export function parsePciPath(sysfsPath: string): PciPath | null {
  const parts = sysfsPath.split('/').filter(Boolean);
  const at = parts.findIndex((part) => sysfsRootComplex(part) !== null);
  if (at < 0) return null;
  const chain: string[] = [];
  for (const part of parts.slice(at + 1)) {
    const address = sysfsPciAddress(part);
    if (address === null) break;
    chain.push(address);
  }
  return chain.length === 0 ? null : { rootComplex: sysfsRootComplex(parts[at]!)!, chain };
}

export function pcieRelation(gpu: PciPlacement, nic: PciPlacement): PcieRelation {
  if (gpu.numaNode !== null && nic.numaNode !== null && gpu.numaNode !== nic.numaNode) {
    return 'other-numa-node';
  }
  if (gpu.path.rootComplex !== nic.path.rootComplex) return 'other-host-bridge';
  // What the two devices sit below, without themselves: the root port, then bridges.
  const gpuAbove = gpu.path.chain.slice(0, -1);
  const nicAbove = nic.path.chain.slice(0, -1);
  let shared = 0;
  while (shared < gpuAbove.length && gpuAbove[shared] === nicAbove[shared]) shared++;
  if (shared >= 2) return 'same-pcie-switch';
  if (shared === 1) return 'same-root-port';
  return 'same-host-bridge';
}

/**
 * The bridges peer-to-peer traffic between two devices crosses, the first device's side
 * first: up to their lowest common bridge, which is included (Linux's P2PDMA walk checks
 * it too), and down to the other. Below different root ports (or root complexes) there is
 * no common bridge: every bridge above either device.
 */
export function peerPath(a: PciPath, b: PciPath): string[] {
  const aAbove = a.chain.slice(0, -1);
  const bAbove = b.chain.slice(0, -1);
  let shared = 0;
  if (a.rootComplex === b.rootComplex) {
    while (shared < aAbove.length && aAbove[shared] === bAbove[shared]) shared++;
  }
  const common = shared > 0 ? [aAbove[shared - 1]!] : [];
  return [...aAbove.slice(shared).reverse(), ...common, ...bAbove.slice(shared)];
}

export function relationRank(relation: PcieRelation): number {
  return RELATION_ORDER.indexOf(relation);
}
