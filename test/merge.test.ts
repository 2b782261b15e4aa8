import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mergeListings } from '../src/probe/merge.js';
import type { GpuReport } from '../src/list-report.js';
import { gpuReport } from './support/report-fixtures.js';

/** The loader's listing at `index` of the fixture GPU `gpu` (same UUIDs, driver, bus). */
function listing(index: number, gpu: number, identity: Partial<GpuReport['identity']> = {}) {
  const base = gpuReport({ index: gpu }).identity;
  return gpuReport({ index, identity: { ...base, ...identity } });
}

const DUPLICATE =
  /^the Vulkan loader listed this GPU 2 times \(vkEnumeratePhysicalDevices \d, \d\)/;

test('a GPU listed twice through one driver is one entry, renumbered, with a note', () => {
  const merged = mergeListings([listing(0, 0), listing(1, 0), listing(2, 1), listing(3, 1)]);
  assert.deepEqual(
    merged.map((gpu) => [gpu.index, gpu.loaderIndexes, gpu.identity.deviceUUID.slice(-2)]),
    [
      [0, [0, 1], '00'],
      [1, [2, 3], '01'],
    ],
  );
  for (const gpu of merged) {
    const [note] = gpu.verdict.notes;
    assert.equal(note!.code, 'listed-twice');
    assert.match(note!.message, DUPLICATE);
    assert.match(note!.message, /through one driver \(NVIDIA 580\.159\.04, driverUUID 0a1b2c3d-/);
    assert.match(
      note!.message,
      /reported once; the loader does not say which manifests: look for two/,
    );
    assert.doesNotMatch(note!.message, /did not answer alike/);
  }
  assert.match(merged[0]!.verdict.notes[0]!.message, /vkEnumeratePhysicalDevices 0, 1\)/);
  assert.match(merged[1]!.verdict.notes[0]!.message, /vkEnumeratePhysicalDevices 2, 3\)/);
});

test('the note names the manifests VK_DRIVER_FILES selected, and says when listings differ', () => {
  const second = listing(1, 0);
  const other = { code: 'dedicated-only', message: 'something else' } as const;
  second.verdict = { ...second.verdict, notes: [other] };
  const [gpu] = mergeListings(
    [listing(0, 0), second],
    [
      {
        name: 'VK_DRIVER_FILES',
        value: '/etc/vulkan/icd.d/nvidia_icd.json:/usr/share/vulkan/icd.d/nvidia_icd.json',
      },
    ],
  );
  const note = gpu!.verdict.notes[0]!.message;
  assert.match(note, /the listings did not answer alike: the first is reported/);
  assert.match(
    note,
    /selected by VK_DRIVER_FILES="\/etc\/vulkan\/icd\.d\/nvidia_icd\.json:\/usr\/share\/vulkan\/icd\.d\/nvidia_icd\.json"$/,
  );
  // The second listing's answers are not mixed in.
  assert.ok(!gpu!.verdict.notes.some((kept) => kept.message === other.message));
});

test('without duplicates nothing changes: index is the loader index, no note', () => {
  const listings = [listing(0, 0), listing(1, 1), listing(2, 2)];
  const notes = listings.map((gpu) => [...gpu.verdict.notes]);
  const merged = mergeListings(listings);
  assert.deepEqual(
    merged.map((gpu) => [gpu.index, gpu.loaderIndexes]),
    [
      [0, [0]],
      [1, [1]],
      [2, [2]],
    ],
  );
  assert.deepEqual(
    merged.map((gpu) => gpu.verdict.notes),
    notes,
  );
});

test('one board through two drivers (NVIDIA and NVK) stays two entries, each naming the other', () => {
  const nvk = {
    driverID: 24,
    driverName: 'NVK',
    driverUUID: '6e766b00-0000-0000-0000-000000000001',
    driverVersion: '25.0.0',
  };
  const merged = mergeListings([listing(0, 0), listing(1, 0, nvk)]);
  assert.deepEqual(
    merged.map((gpu) => [gpu.index, gpu.loaderIndexes, gpu.identity.driverName]),
    [
      [0, [0], 'NVIDIA'],
      [1, [1], 'NVK'],
    ],
  );
  assert.match(
    merged[0]!.verdict.notes[0]!.message,
    /^this GPU is also listed through another driver: GPU 1 \(NVK 25\.0\.0, driverUUID 6e766b00-/,
  );
  assert.match(
    merged[1]!.verdict.notes[0]!.message,
    /another driver: GPU 0 \(NVIDIA 580\.159\.04, /,
  );
  assert.ok(merged.every((gpu) => gpu.verdict.notes[0]!.code === 'listed-through-other-driver'));
  assert.ok(merged.every((gpu) => !DUPLICATE.test(gpu.verdict.notes[0]!.message)));
});

test('listings are never merged on UUIDs that name nothing, or when the bus differs', () => {
  for (const uuid of ['unknown', '00000000-0000-0000-0000-000000000000']) {
    const merged = mergeListings([
      listing(0, 0, { deviceUUID: uuid, nvidiaSmiUUID: `GPU-${uuid}` }),
      listing(1, 0, { deviceUUID: uuid, nvidiaSmiUUID: `GPU-${uuid}` }),
    ]);
    assert.equal(merged.length, 2, uuid);
    assert.ok(
      merged.every((gpu) => gpu.verdict.notes.every((note) => note.code !== 'listed-twice')),
    );
  }
  const driverUnknown = mergeListings([
    listing(0, 0, { driverUUID: 'unknown' }),
    listing(1, 0, { driverUUID: 'unknown' }),
  ]);
  assert.equal(driverUnknown.length, 2);

  const otherBus = mergeListings([listing(0, 0), listing(1, 0, { pciBusId: '00000000:4F:00.0' })]);
  assert.equal(otherBus.length, 2);
  assert.equal(otherBus[0]!.verdict.notes[0]!.code, 'same-uuid-other-listing');
  assert.match(
    otherBus[0]!.verdict.notes[0]!.message,
    /^GPU 1 \(00000000:4F:00\.0\) reports the same deviceUUID through the same driver/,
  );
});
