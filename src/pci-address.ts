/**
 * PCI addresses: the one place they are parsed, compared and written. Two spellings are in
 * use and must never be mixed up:
 *
 * - the **bus ID**, NVML's and nvidia-smi's form `00000000:4F:00.0`: 8 hex digits of domain,
 *   then BB:DD.F, UPPER-case (NVML's `%08X:%02X:%02X.%X`; NVML itself always writes function 0,
 *   the function here is the device's own). dcgm-exporter's `pci_bus_id` label carries that
 *   string, so every output that names a GPU uses it: JSON, tables, NDJSON, labels, check lines.
 * - the **sysfs address**, the kernel's `0000:4f:00.0`: at least 4 hex digits of domain,
 *   lower-case (`%04x:%02x:%02x.%d`), as /sys/bus/pci/devices/ names devices and as the
 *   links in /sys/devices/ spell bridges. Only what is compared with sysfs uses it.
 *
 * Parsing takes either, in any case. Pure.
 */

export interface PciAddress {
  domain: number;
  bus: number;
  device: number;
  function: number;
}

/** [domain:]bus:device.function as people type it: 1-8 domain digits, 1-2 bus and device digits. */
const LOOSE = /^(?:([0-9a-f]{1,8}):)?([0-9a-f]{1,2}):([0-9a-f]{1,2})\.([0-7])$/i;
/** What sysfs or a bus ID spells: a domain of 4 to 8 digits, 2-digit bus and device. */
const STRICT = /^([0-9a-f]{4,8}):([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])$/i;
/** A root complex's name in sysfs: pci<domain>:<bus>, e.g. pci0000:00. */
const ROOT_COMPLEX = /^pci([0-9a-f]{4,8}):([0-9a-f]{2})$/i;

function fromMatch(match: RegExpExecArray | null): PciAddress | null {
  if (!match) return null;
  const [, domain = '0', bus = '', device = '', fn = ''] = match;
  return {
    domain: Number.parseInt(domain, 16),
    bus: Number.parseInt(bus, 16),
    device: Number.parseInt(device, 16),
    function: Number.parseInt(fn, 16),
  };
}

/** `00000000:4F:00.0`, `0000:4f:00.0`, `4f:00.0`, `4F:0.0` ... to an address; null otherwise. */
export function parsePciAddress(text: string): PciAddress | null {
  return fromMatch(LOOSE.exec(text.trim()));
}

/**
 * A whole bus ID or sysfs address, nothing shortened (`0000:4f:00.0`, `00000000:4F:00.0`):
 * what a sysfs name or a report field holds. Null otherwise.
 */
export function parseFullPciAddress(text: string): PciAddress | null {
  return fromMatch(STRICT.exec(text));
}

const upper = (value: number, width: number) =>
  value.toString(16).toUpperCase().padStart(width, '0');
const lower = (value: number, width: number) => value.toString(16).padStart(width, '0');

/** NVML's form, `00000000:4F:00.0`. Values wider than their field are written whole. */
export function formatPciBusId(address: PciAddress): string {
  return `${upper(address.domain, 8)}:${upper(address.bus, 2)}:${upper(address.device, 2)}.${upper(address.function, 1)}`;
}

/** The kernel's form, `0000:4f:00.0` (a domain past 0xffff keeps its digits: `10000:01:00.0`). */
export function formatSysfsPciAddress(address: PciAddress): string {
  return `${lower(address.domain, 4)}:${lower(address.bus, 2)}:${lower(address.device, 2)}.${address.function}`;
}

/** Any spelling of an address as NVML writes it; null when it is not one. */
export function pciBusIdOf(text: string): string | null {
  const address = parsePciAddress(text);
  return address === null ? null : formatPciBusId(address);
}

/**
 * A whole bus ID or sysfs address (either case) as sysfs names it; null when it is neither,
 * or when it cannot be a sysfs name (a bus or device past 0xff).
 */
export function sysfsPciAddress(text: string): string | null {
  const address = parseFullPciAddress(text.trim());
  return address === null ? null : formatSysfsPciAddress(address);
}

/** "pci0000:00" in the kernel's spelling; null when `text` is not a root complex's name. */
export function sysfsRootComplex(text: string): string | null {
  const match = ROOT_COMPLEX.exec(text);
  if (!match) return null;
  const domain = Number.parseInt(match[1]!, 16);
  const bus = Number.parseInt(match[2]!, 16);
  return `pci${lower(domain, 4)}:${lower(bus, 2)}`;
}
