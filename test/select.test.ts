import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../src/errors.js';
import { matchesSelector, parseDeviceSelector } from '../src/probe/select.js';
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
    assert.ok(matchesSelector(parseDeviceSelector(text), gpu.index, id), `'${text}' should match`);
  }
});

test('--device that names another GPU does not match', () => {
  const id = gpu.identity;
  for (const text of ['0', '2', 'GPU-00000000-0000-0000-0000-000000000000', '0000:08:00.0']) {
    assert.ok(!matchesSelector(parseDeviceSelector(text), gpu.index, id), `'${text}' matched`);
  }
});

test('malformed --device values are usage errors', () => {
  for (const text of ['', 'gpu', '1.5', 'GPU-123', '0000:zz:00.0', '00:00.9']) {
    assert.throws(() => parseDeviceSelector(text), UsageError, `'${text}' accepted`);
  }
});
