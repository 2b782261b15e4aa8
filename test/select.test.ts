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
      matchesSelector(parseDeviceSelector(text), 3, onBus4f.identity),
      `'${text}' should match`,
    );
  }
  assert.ok(!matchesSelector(parseDeviceSelector('0000:4e:00.0'), 3, onBus4f.identity));
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

test('what a selector parses to: the index, the UUID in canonical form, the PCI bus ID padded', () => {
  assert.deepEqual(parseDeviceSelector(' 12 '), { kind: 'index', index: 12, text: ' 12 ' });
  assert.deepEqual(parseDeviceSelector(' GPU-5C8A6F0123456789ABCDEF0011223301 '), {
    kind: 'uuid',
    uuid: '5c8a6f01-2345-6789-abcd-ef0011223301',
    text: ' GPU-5C8A6F0123456789ABCDEF0011223301 ',
  });
  assert.deepEqual(parseDeviceSelector('6:0.0'), {
    kind: 'pci',
    busId: '00000000:06:00.0',
    text: '6:0.0',
  });
  assert.deepEqual(parseDeviceSelector('1:A:1F.7'), {
    kind: 'pci',
    busId: '00000001:0A:1F.7',
    text: '1:A:1F.7',
  });
});

test('a selector with anything before or after it is malformed, not a partial match', () => {
  const uuid = gpu.identity.deviceUUID;
  for (const text of [
    `x${uuid}`,
    `${uuid}0`,
    `GPU-${uuid}-1`,
    'x0000:06:00.0',
    '0000:06:00.01',
    '00000:06:00.0:1',
    '1 2',
  ]) {
    assert.throws(() => parseDeviceSelector(text), UsageError, `'${text}' accepted`);
  }
  assert.throws(() => parseDeviceSelector('gpu'), {
    message:
      "--device 'gpu' is not a GPU index, a UUID (with or without GPU-) or a PCI bus ID in any case (00000000:4F:00.0, 0000:4f:00.0, 4F:00.0)",
  });
});
