/** Which GPUs a device selector picks, for selectors as the CLI parses them from --device. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDeviceOption } from '../src/cli/options.js';
import { matchesSelector, noGpuMatches, type DeviceSelector } from '../src/probe/select.js';
import { gpuReport } from './support/report-fixtures.js';

const gpu = gpuReport({ index: 1 });

test('--device by index, UUID (any common spelling) and PCI address (any common form)', () => {
  const id = gpu.identity;
  for (const text of [
    '1',
    id.deviceUUID,
    id.nvidiaSmiUUID,
    id.nvidiaSmiUUID.toUpperCase(),
    id.deviceUUID.replaceAll('-', ''),
    id.pciBusId!,
    id.pciBusId!.slice(4),
    id.pciBusId!.slice(9),
  ]) {
    assert.ok(matchesSelector(parseDeviceOption(text), gpu.index, id), `'${text}' should match`);
  }
});

test('--device by PCI address in any case matches a GPU on a bus with hex letters', () => {
  const onBus4f = gpuReport({ index: 3, identity: { pciBusId: '00000000:4F:00.0' } });
  for (const text of [
    '00000000:4F:00.0',
    '00000000:4f:00.0',
    '0000:4f:00.0',
    '4F:00.0',
    '4f:0.0',
  ]) {
    assert.ok(
      matchesSelector(parseDeviceOption(text), 3, onBus4f.identity),
      `'${text}' should match`,
    );
  }
  assert.ok(!matchesSelector(parseDeviceOption('0000:4e:00.0'), 3, onBus4f.identity));
});

test('--device that names another GPU does not match', () => {
  const id = gpu.identity;
  for (const text of ['0', '2', 'GPU-00000000-0000-0000-0000-000000000000', '0000:08:00.0']) {
    assert.ok(!matchesSelector(parseDeviceOption(text), gpu.index, id), `'${text}' matched`);
  }
});

test('no match: the message names the selector by its label and lists every GPU found', () => {
  const selector: DeviceSelector = { kind: 'index', index: 7, text: '7', label: 'GPU 7' };
  const found = [gpuReport({ index: 0 }), gpuReport({ index: 1, identity: { pciBusId: null } })];
  assert.equal(
    noGpuMatches(selector, found),
    `no GPU matches GPU 7 (found 0: ${found[0]!.identity.nvidiaSmiUUID} ${found[0]!.identity.pciBusId}; 1: ${found[1]!.identity.nvidiaSmiUUID})`,
  );
});
