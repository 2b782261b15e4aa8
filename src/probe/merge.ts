/**
 * One entry per GPU and driver, however often the loader lists it. Pure.
 *
 * Two driver manifests (ICD JSON files) naming one driver, such as the NVIDIA container
 * toolkit's in /etc/vulkan/icd.d beside an image's copy in /usr/share/vulkan/icd.d, make
 * the Vulkan loader load that driver twice and list every GPU twice. Listings of one GPU
 * through one driver (same deviceUUID, driverUUID, driver and PCI bus ID) become one entry
 * with a note. The loader does not say which manifest a listing came from, so the note says
 * what is known: the driver seen twice, and the manifests VK_DRIVER_FILES or
 * VK_ICD_FILENAMES selected when set.
 *
 * One board listed through two different drivers (NVIDIA's and Mesa's NVK, say) stays two
 * entries, each with what its driver supports, and a note on each naming the other; the
 * renderers tell them apart by the driver's name.
 *
 * `index` is the entry's position in the merged list, in the loader's order of first
 * listing; it equals the loader's index when nothing was merged. `loaderIndexes` keeps
 * every position the loader listed the GPU at.
 */
import type { DriverSelection } from '../vulkan/binding.js';
import type { GpuIdentity, GpuReport, Note } from '../list-report.js';

const UNKNOWN_UUIDS = new Set(['unknown', '00000000-0000-0000-0000-000000000000']);

/** A UUID that names one device: known, and not the zeros a driver leaves unfilled. */
function meaningful(uuid: string): boolean {
  return !UNKNOWN_UUIDS.has(uuid);
}

/** What must all be equal for two listings to be one GPU through one driver; null: never merged. */
function listingKey(id: GpuIdentity): string | null {
  if (!meaningful(id.deviceUUID) || !meaningful(id.driverUUID)) return null;
  return JSON.stringify([
    id.deviceUUID,
    id.driverUUID,
    id.driverID,
    id.driverName,
    id.driverVersionRaw,
    id.vendorID,
    id.deviceID,
    id.pciBusId,
  ]);
}

/** The listings as the report shows them: index and loaderIndexes aside. */
function sameAnswers(a: GpuReport, b: GpuReport): boolean {
  const strip = ({ index: _index, loaderIndexes: _indexes, ...rest }: GpuReport) => rest;
  return JSON.stringify(strip(a)) === JSON.stringify(strip(b));
}

function driverText(id: GpuIdentity): string {
  return `${id.driverName ?? 'unnamed driver'} ${id.driverVersion}, driverUUID ${id.driverUUID}`;
}

function manifestsText(selection: readonly DriverSelection[]): string {
  if (selection.length === 0) {
    return (
      'the loader does not say which manifests: look for two that name the same library in the folders it searches ' +
      '(/etc/vulkan/icd.d, /usr/share/vulkan/icd.d, /usr/local/share/vulkan/icd.d, $XDG_CONFIG_DIRS and $XDG_DATA_DIRS)'
    );
  }
  const named = selection.map(({ name, value }) => `${name}=${JSON.stringify(value)}`).join(', ');
  return `the loader does not say which manifests; the drivers were selected by ${named}`;
}

function duplicateNote(
  first: GpuReport,
  listings: readonly GpuReport[],
  selection: readonly DriverSelection[],
): Note {
  const indexes = listings.map((gpu) => gpu.index).join(', ');
  const differ = listings.some((gpu) => !sameAnswers(first, gpu))
    ? '; the listings did not answer alike: the first is reported'
    : '';
  const message =
    `the Vulkan loader listed this GPU ${listings.length} times (vkEnumeratePhysicalDevices ${indexes}) ` +
    `through one driver (${driverText(first.identity)}): it loaded that driver once per driver manifest (ICD JSON file) naming it, ` +
    `as when the container toolkit's /etc/vulkan/icd.d and an image's /usr/share/vulkan/icd.d both hold one; ` +
    `reported once${differ}; ${manifestsText(selection)}`;
  return { code: 'listed-twice', message };
}

function otherDriverNote(others: readonly GpuReport[]): Note {
  const list = others.map((gpu) => `GPU ${gpu.index} (${driverText(gpu.identity)})`).join('; ');
  return {
    code: 'listed-through-other-driver',
    message:
      `this GPU is also listed through another driver: ${list}; each entry is what its own driver supports, ` +
      `and the metrics tell them apart by their driver label`,
  };
}

function sameDriver(a: GpuIdentity, b: GpuIdentity): boolean {
  return (
    a.driverUUID === b.driverUUID && a.driverID === b.driverID && a.driverName === b.driverName
  );
}

/** Same deviceUUID and driver, yet not one listing (another PCI bus ID, say): a driver's mistake. */
function sameUuidNote(others: readonly GpuReport[]): Note {
  const list = others
    .map((gpu) => `GPU ${gpu.index}${gpu.identity.pciBusId ? ` (${gpu.identity.pciBusId})` : ''}`)
    .join(', ');
  return {
    code: 'same-uuid-other-listing',
    message: `${list} reports the same deviceUUID through the same driver but is not the same listing (a PCI bus ID or device ID differs): both are reported`,
  };
}

/**
 * The loader's listings (each with `index` its loader position) to one entry per GPU and
 * driver, renumbered. The entries are the listings' own objects, notes added.
 */
export function mergeListings(
  listings: readonly GpuReport[],
  selection: readonly DriverSelection[] = [],
): GpuReport[] {
  const groups = new Map<string, GpuReport[]>();
  const order: GpuReport[][] = [];
  for (const gpu of listings) {
    const key = listingKey(gpu.identity);
    const group = key === null ? undefined : groups.get(key);
    if (group) {
      group.push(gpu);
      continue;
    }
    const fresh = [gpu];
    if (key !== null) groups.set(key, fresh);
    order.push(fresh);
  }

  const merged = order.map((group, position) => {
    const first = group[0]!;
    const entry: GpuReport = {
      ...first,
      index: position,
      loaderIndexes: group.map((gpu) => gpu.index),
      verdict: { ...first.verdict, notes: [...first.verdict.notes] },
    };
    if (group.length > 1) entry.verdict.notes.unshift(duplicateNote(first, group, selection));
    return entry;
  });

  // One board through two drivers: kept apart, each told of the other.
  const byDevice = new Map<string, GpuReport[]>();
  for (const gpu of merged) {
    const uuid = gpu.identity.deviceUUID;
    if (!meaningful(uuid)) continue;
    byDevice.set(uuid, [...(byDevice.get(uuid) ?? []), gpu]);
  }
  for (const same of byDevice.values()) {
    if (same.length < 2) continue;
    for (const gpu of same) {
      const others = same.filter((other) => other !== gpu);
      const drivers = others.filter((other) => !sameDriver(gpu.identity, other.identity));
      const alike = others.filter((other) => sameDriver(gpu.identity, other.identity));
      if (alike.length > 0) gpu.verdict.notes.unshift(sameUuidNote(alike));
      if (drivers.length > 0) gpu.verdict.notes.unshift(otherDriverNote(drivers));
    }
  }
  return merged;
}
