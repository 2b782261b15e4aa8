/**
 * `--device <index|uuid|pci>`: parsing (a usage error when malformed) and matching
 * against the GPUs found (a usage error when nothing matches).
 */
import { UsageError } from '../errors.js';
import { formatPciBusId, parsePciAddress } from '../pci-address.js';
import type { GpuIdentity, GpuReport } from '../list-report.js';

export type DeviceSelector =
  | { kind: 'index'; index: number; text: string }
  | { kind: 'uuid'; uuid: string; text: string }
  /** busId in the form the report writes (pci-address.ts), whatever the case typed. */
  | { kind: 'pci'; busId: string; text: string };

const UUID_HEX =
  /^(?:gpu-)?([0-9a-f]{8})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{12})$/;

export function parseDeviceSelector(text: string): DeviceSelector {
  const value = text.trim().toLowerCase();
  if (/^\d+$/.test(value)) return { kind: 'index', index: Number(value), text };
  const uuid = UUID_HEX.exec(value);
  if (uuid) return { kind: 'uuid', uuid: uuid.slice(1).join('-'), text };
  const pci = parsePciAddress(value);
  if (pci) return { kind: 'pci', busId: formatPciBusId(pci), text };
  throw new UsageError(
    `--device '${text}' is not a GPU index, a UUID (with or without GPU-) or a PCI bus ID in any case (00000000:4F:00.0, 0000:4f:00.0, 4F:00.0)`,
  );
}

export function matchesSelector(
  selector: DeviceSelector,
  index: number,
  identity: GpuIdentity,
): boolean {
  switch (selector.kind) {
    case 'index':
      return selector.index === index;
    case 'uuid':
      return identity.deviceUUID === selector.uuid;
    case 'pci':
      return identity.pciBusId === selector.busId;
  }
}

/** "no GPU matches --device '7' (found 0: GPU-… 00000000:06:00.0; 1: …)". */
export function noGpuMatches(selector: DeviceSelector, found: readonly GpuReport[]): string {
  const known = found
    .map(
      (gpu) =>
        `${gpu.index}: ${gpu.identity.nvidiaSmiUUID}${gpu.identity.pciBusId ? ` ${gpu.identity.pciBusId}` : ''}`,
    )
    .join('; ');
  return `no GPU matches --device '${selector.text}' (found ${known})`;
}
