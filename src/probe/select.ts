/**
 * Which GPUs a device selector picks, and what to say when it picks none. The selector
 * comes parsed (the CLI parses --device); matching compares it with what the report
 * holds, in the report's own forms.
 */
import type { GpuIdentity, GpuReport } from '../list-report.js';

export type DeviceSelector = (
  | { kind: 'index'; index: number }
  /** The UUID as the report writes deviceUUID: lower-case, dashed, no GPU- prefix. */
  | { kind: 'uuid'; uuid: string }
  /** busId in the form the report writes (pci-address.ts), whatever the case typed. */
  | { kind: 'pci'; busId: string }
) & {
  /** The selector as the user gave it. */
  text: string;
  /** How messages name it, as its user knows it: e.g. "--device '7'". */
  label: string;
};

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
  return `no GPU matches ${selector.label} (found ${known})`;
}
