/**
 * Pure decoding of raw Vulkan values into the forms operators know: version strings,
 * UUIDs as nvidia-smi prints them (PCI addresses are written by pci-address.ts), flag
 * names. Unknown values never throw: they print as UNKNOWN_<Type>_<n>.
 */
import type { PciAddress } from '../pci-address.js';
import {
  ExternalMemoryHandleTypeFlag,
  MemoryHeapFlag,
  MemoryPropertyFlag,
  PhysicalDeviceType,
  VendorId,
} from '../vulkan/constants.js';

export const VENDOR_NVIDIA = 0x10de;

const VENDOR_NAMES: Record<number, string> = {
  0x1002: 'AMD',
  0x1010: 'ImgTec',
  0x10de: 'NVIDIA',
  0x13b5: 'ARM',
  0x5143: 'Qualcomm',
  0x8086: 'Intel',
  [VendorId.VIV]: 'Vivante',
  [VendorId.VSI]: 'VeriSilicon',
  [VendorId.KAZAN]: 'Kazan',
  [VendorId.CODEPLAY]: 'Codeplay',
  [VendorId.MESA]: 'Mesa',
  [VendorId.POCL]: 'PoCL',
  // VK_VENDOR_ID_MOBILEYE: newer than the registry the tables are generated from.
  0x10007: 'MobileEye',
};

export function vendorName(vendorID: number): string {
  return VENDOR_NAMES[vendorID] ?? `UNKNOWN_VkVendorId_${vendorID}`;
}

export function deviceTypeName(deviceType: number): string {
  return PhysicalDeviceType[deviceType] ?? `UNKNOWN_VkPhysicalDeviceType_${deviceType}`;
}

/** VK_API_VERSION_MAJOR/MINOR/PATCH (the variant bits are dropped, as vulkaninfo does). */
export function formatApiVersion(version: number): string {
  const v = version >>> 0;
  return `${(v >>> 22) & 0x7f}.${(v >>> 12) & 0x3ff}.${v & 0xfff}`;
}

/**
 * Driver versions are vendor-defined. NVIDIA packs 10.8.8.6 bits, so 580.159.04 is
 * 2435301632; everyone else on Linux uses the Vulkan version macros.
 */
export function formatDriverVersion(vendorID: number, driverVersion: number): string {
  const v = driverVersion >>> 0;
  if (vendorID === VENDOR_NVIDIA) {
    const major = (v >>> 22) & 0x3ff;
    const minor = (v >>> 14) & 0xff;
    const patch = (v >>> 6) & 0xff;
    const build = v & 0x3f;
    const base = `${major}.${minor}.${String(patch).padStart(2, '0')}`;
    return build ? `${base}.${build}` : base;
  }
  return formatApiVersion(v);
}

/** 16 bytes as the canonical 8-4-4-4-12 form, which nvidia-smi prints after "GPU-". */
export function formatUUID(bytes: Uint8Array): string {
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export function nvidiaSmiUUID(uuid: string): string {
  return `GPU-${uuid}`;
}

export interface PciBusInfo {
  pciDomain: number;
  pciBus: number;
  pciDevice: number;
  pciFunction: number;
}

/** VkPhysicalDevicePCIBusInfoPropertiesEXT as an address (written by pci-address.ts). */
export function pciAddressOf(pci: PciBusInfo): PciAddress {
  return {
    domain: pci.pciDomain >>> 0,
    bus: pci.pciBus >>> 0,
    device: pci.pciDevice >>> 0,
    function: pci.pciFunction >>> 0,
  };
}

function flagNames(type: string, table: Record<string, number>, flags: number): string[] {
  const names: string[] = [];
  let known = 0;
  for (const [name, bit] of Object.entries(table)) {
    known |= bit;
    if (flags & bit) names.push(name);
  }
  const unknown = (flags & ~known) >>> 0;
  for (let bit = 1; bit !== 0 && bit <= unknown; bit = (bit << 1) >>> 0) {
    if (unknown & bit) names.push(`UNKNOWN_${type}_0x${bit.toString(16)}`);
  }
  return names;
}

export const memoryPropertyFlagNames = (flags: number) =>
  flagNames('VkMemoryPropertyFlagBits', MemoryPropertyFlag, flags);
export const memoryHeapFlagNames = (flags: number) =>
  flagNames('VkMemoryHeapFlagBits', MemoryHeapFlag, flags);
export const externalMemoryHandleTypeNames = (flags: number) =>
  flagNames('VkExternalMemoryHandleTypeFlagBits', ExternalMemoryHandleTypeFlag, flags);
