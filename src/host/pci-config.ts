/**
 * PCI configuration space, decoded from the bytes of a sysfs `config` file. Pure.
 *
 * Layout (PCI Express Base Specification; Linux include/uapi/linux/pci_regs.h): the first
 * 256 bytes hold the header and a list of capabilities (pointer at 0x34, each entry an ID
 * byte and a next-pointer byte); the PCI Express capability (ID 0x10) says what kind of
 * port a bridge is. From 0x100 to 4 KiB the extended capabilities follow, each behind a
 * 32-bit little-endian header: ID in bits 15:0, version in 19:16, next offset in 31:20
 * (0 ends the list). Access Control Services is extended capability 0x000D: its Capability
 * register at +4 and its Control register at +6, 16 bits each.
 *
 * The bytes may be short (the kernel gives readers other than root the first 64) or not a
 * real config space at all: a list that loops or points outside its space is unknown,
 * never a guess.
 */
import type { AcsControls, AcsFacts } from '../list-report.js';

/** The whole config space of a PCI Express function: what a root reader gets. */
export const PCI_CONFIG_BYTES = 4096;

const STATUS = 0x06;
const STATUS_CAP_LIST = 0x10;
const CAPABILITY_POINTER = 0x34;
const STANDARD_BYTES = 0x100;
const CAP_ID_EXP = 0x10;
const EXT_CAP_ID_ACS = 0x000d;
const ACS_CAPABILITY = 0x04;
const ACS_CONTROL = 0x06;
/** Capabilities in a list, at most: more means it loops (Linux bounds its walks alike). */
const MAX_STANDARD_CAPS = 48;
const MAX_EXTENDED_CAPS = (PCI_CONFIG_BYTES - STANDARD_BYTES) / 8;

/** ACS Control bits (PCI_ACS_SV ... PCI_ACS_DT). */
export const ACS = {
  sourceValidation: 0x01,
  translationBlocking: 0x02,
  requestRedirect: 0x04,
  completionRedirect: 0x08,
  upstreamForwarding: 0x10,
  egressControl: 0x20,
  directTranslated: 0x40,
} as const satisfies Record<keyof AcsControls, number>;

/** What Linux's P2PDMA code calls a redirect (drivers/pci/p2pdma.c, pci_bridge_has_acs_redir). */
export const ACS_REDIRECT_BITS = ACS.requestRedirect | ACS.completionRedirect | ACS.egressControl;

/** lspci's names for the ACS Control bits, for messages. */
export const ACS_SHORT_NAMES: Readonly<Record<keyof AcsControls, string>> = {
  sourceValidation: 'SrcValid',
  translationBlocking: 'TransBlk',
  requestRedirect: 'ReqRedir',
  completionRedirect: 'CmpltRedir',
  upstreamForwarding: 'UpstreamFwd',
  egressControl: 'EgressCtrl',
  directTranslated: 'DirectTrans',
};

/** PCI Express Capabilities register, Device/Port Type (bits 7:4). */
const PORT_TYPES: Readonly<Record<number, string>> = {
  0x0: 'endpoint',
  0x1: 'legacy-endpoint',
  0x4: 'root-port',
  0x5: 'switch-upstream-port',
  0x6: 'switch-downstream-port',
  0x7: 'pcie-to-pci-bridge',
  0x8: 'pci-to-pcie-bridge',
  0x9: 'root-complex-integrated-endpoint',
  0xa: 'root-complex-event-collector',
};

export interface DecodedConfig {
  /** Null when the PCI Express capability could not be read (short or malformed). */
  portType: string | null;
  /** Null when the extended capabilities could not be read whole (short or malformed). */
  acs: AcsFacts | null;
}

export function decodePciConfig(bytes: Uint8Array): DecodedConfig {
  const config = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { portType: portTypeOf(config), acs: acsOf(config) };
}

export function decodeAcsControl(control: number): AcsControls {
  const bit = (mask: number) => (control & mask) !== 0;
  return {
    sourceValidation: bit(ACS.sourceValidation),
    translationBlocking: bit(ACS.translationBlocking),
    requestRedirect: bit(ACS.requestRedirect),
    completionRedirect: bit(ACS.completionRedirect),
    upstreamForwarding: bit(ACS.upstreamForwarding),
    egressControl: bit(ACS.egressControl),
    directTranslated: bit(ACS.directTranslated),
  };
}

/** The lspci names of the redirecting bits set in `controls`, e.g. ["ReqRedir", "CmpltRedir"]. */
export function redirectBitNames(controls: AcsControls): string[] {
  const names: (keyof AcsControls)[] = ['requestRedirect', 'completionRedirect', 'egressControl'];
  return names.filter((name) => controls[name]).map((name) => ACS_SHORT_NAMES[name]);
}

function portTypeOf(config: Buffer): string | null {
  if (config.length < STANDARD_BYTES) return null;
  if ((config.readUInt16LE(STATUS) & STATUS_CAP_LIST) === 0) return null;
  const seen = new Set<number>();
  let at = config[CAPABILITY_POINTER]! & 0xfc;
  while (at !== 0) {
    // A capability lives after the 64-byte header, with room for its first 4 bytes.
    if (at < 0x40 || at > STANDARD_BYTES - 4 || seen.has(at) || seen.size === MAX_STANDARD_CAPS) {
      return null;
    }
    seen.add(at);
    if (config[at] === CAP_ID_EXP) {
      const type = (config.readUInt16LE(at + 2) >> 4) & 0xf;
      return PORT_TYPES[type] ?? `UNKNOWN_PciePortType_${type}`;
    }
    at = config[at + 1]! & 0xfc;
  }
  return null;
}

function acsOf(config: Buffer): AcsFacts | null {
  if (config.length < PCI_CONFIG_BYTES) return null;
  const seen = new Set<number>();
  let at = STANDARD_BYTES;
  for (;;) {
    // The ACS registers end 8 bytes into the capability: it must fit in the space.
    if (at < STANDARD_BYTES || at > PCI_CONFIG_BYTES - 8) return null;
    if (seen.has(at) || seen.size === MAX_EXTENDED_CAPS) return null;
    seen.add(at);
    const header = config.readUInt32LE(at);
    // All ones: the read failed (the device is gone or powered off), not a list.
    if (header === 0xffffffff) return null;
    // No extended capabilities at all: a header of 0 at 0x100.
    if (header === 0 && at === STANDARD_BYTES) return absent();
    if ((header & 0xffff) === EXT_CAP_ID_ACS) {
      const control = config.readUInt16LE(at + ACS_CONTROL);
      return {
        present: true,
        capability: config.readUInt16LE(at + ACS_CAPABILITY),
        control,
        controls: decodeAcsControl(control),
        redirect: (control & ACS_REDIRECT_BITS) !== 0,
      };
    }
    // Bits 1:0 of the offset are reserved: masked, as Linux's PCI_EXT_CAP_NEXT does.
    const next = (header >>> 20) & 0xffc;
    if (next === 0) return absent();
    at = next;
  }
}

function absent(): AcsFacts {
  return { present: false, capability: null, control: null, controls: null, redirect: false };
}
