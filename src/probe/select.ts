/**
 * `--device <index|uuid|pci>`: parsing (a usage error when malformed) and matching
 * against the GPUs found (a usage error when nothing matches).
 */
import { UsageError } from '../errors.js';
import type { GpuIdentity, GpuReport } from '../report.js';

export type DeviceSelector =
  | { kind: 'index'; index: number; text: string }
  | { kind: 'uuid'; uuid: string; text: string }
  | { kind: 'pci'; busId: string; text: string };

const UUID_HEX =
  /^(?:gpu-)?([0-9a-f]{8})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{12})$/;
const PCI = /^(?:([0-9a-f]{1,8}):)?([0-9a-f]{1,2}):([0-9a-f]{1,2})\.([0-7])$/;

export function parseDeviceSelector(text: string): DeviceSelector {
  const value = text.trim().toLowerCase();
  if (/^\d+$/.test(value)) return { kind: 'index', index: Number(value), text };
  const uuid = UUID_HEX.exec(value);
  if (uuid) return { kind: 'uuid', uuid: uuid.slice(1).join('-'), text };
  const pci = PCI.exec(value);
  if (pci) {
    const [, domain = '0', bus = '', device = '', fn = ''] = pci;
    const busId = `${domain.padStart(8, '0')}:${bus.padStart(2, '0')}:${device.padStart(2, '0')}.${fn}`;
    return { kind: 'pci', busId, text };
  }
  throw new UsageError(
    `--device '${text}' is not a GPU index, a UUID (with or without GPU-) or a PCI address (0000:BB:DD.F)`,
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
