/**
 * PCI config spaces for host fixtures, built byte by byte the way a PCIe bridge lays them
 * out: a type 1 header, a power-management capability, the PCI Express capability naming
 * the port type, then in the extended space AER and, when asked, ACS. The committed
 * fixture `config` files were written with it, and tests build variants from it.
 */

export const PORT_TYPE = {
  rootPort: 0x4,
  switchUpstreamPort: 0x5,
  switchDownstreamPort: 0x6,
} as const;

/** ACS Capability register of a typical switch downstream port: SV TB RR CR UF DT. */
export const ACS_CAPABILITY_ALL = 0x005f;

export interface BridgeConfig {
  vendorId?: number;
  deviceId?: number;
  portType: number;
  /** The ACS capability; null or absent leaves it out. */
  acs?: { capability?: number; control: number } | null;
  /** Bytes kept: 4096 as root reads the file, 64 as anyone else does. */
  length?: number;
  /** A broken extended capability list: AER pointing at itself, or below 0x100. */
  extendedList?: 'loop' | 'below-0x100';
}

const AER_AT = 0x100;
const ACS_AT = 0x148;

export function bridgeConfig(options: BridgeConfig): Buffer {
  const config = Buffer.alloc(4096);
  config.writeUInt16LE(options.vendorId ?? 0x10b5, 0x00); // PLX / Broadcom
  config.writeUInt16LE(options.deviceId ?? 0xc030, 0x02);
  config.writeUInt16LE(0x0407, 0x04); // I/O, memory, bus master, INTx disable
  config.writeUInt16LE(0x0010, 0x06); // capability list
  config.writeUInt8(0x04, 0x0a); // PCI-to-PCI bridge
  config.writeUInt8(0x06, 0x0b);
  config.writeUInt8(0x01, 0x0e); // header type 1
  config.writeUInt8(0x40, 0x34);
  // Power management at 0x40, then PCI Express at 0x68.
  config.writeUInt8(0x01, 0x40);
  config.writeUInt8(0x68, 0x41);
  config.writeUInt16LE(0x0003, 0x42);
  config.writeUInt8(0x10, 0x68);
  config.writeUInt8(0x00, 0x69);
  config.writeUInt16LE(0x0002 | (options.portType << 4), 0x6a);

  const acs = options.acs ?? null;
  const next =
    options.extendedList === 'loop'
      ? AER_AT
      : options.extendedList === 'below-0x100'
        ? 0x040
        : acs
          ? ACS_AT
          : 0;
  config.writeUInt32LE(extendedHeader(0x0001, 2, next), AER_AT);
  if (acs && !options.extendedList) {
    config.writeUInt32LE(extendedHeader(0x000d, 1, 0), ACS_AT);
    config.writeUInt16LE(acs.capability ?? ACS_CAPABILITY_ALL, ACS_AT + 4);
    config.writeUInt16LE(acs.control, ACS_AT + 6);
  }
  return config.subarray(0, options.length ?? 4096);
}

function extendedHeader(id: number, version: number, next: number): number {
  return (id | (version << 16) | (next << 20)) >>> 0;
}
