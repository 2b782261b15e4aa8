import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  formatPciBusId,
  formatSysfsPciAddress,
  parseFullPciAddress,
  parsePciAddress,
  pciBusIdOf,
  sysfsPciAddress,
  sysfsRootComplex,
} from '../src/pci-address.js';

const bus4f = { domain: 0, bus: 0x4f, device: 0, function: 0 };

test("NVML's form: 8 upper-case domain digits, BB:DD.F upper-case, the device's own function", () => {
  assert.equal(formatPciBusId(bus4f), '00000000:4F:00.0');
  assert.equal(
    formatPciBusId({ domain: 0, bus: 0xcb, device: 0x1f, function: 7 }),
    '00000000:CB:1F.7',
  );
  assert.equal(
    formatPciBusId({ domain: 0xabcd1, bus: 0x1a, device: 0, function: 1 }),
    '000ABCD1:1A:00.1',
  );
});

test("the kernel's form: 4 lower-case domain digits (more when the domain needs them)", () => {
  assert.equal(formatSysfsPciAddress(bus4f), '0000:4f:00.0');
  assert.equal(
    formatSysfsPciAddress({ domain: 0x10000, bus: 0xcb, device: 0, function: 0 }),
    '10000:cb:00.0',
  );
});

test('every spelling of one address parses to it, in any case', () => {
  for (const text of [
    '00000000:4F:00.0',
    '00000000:4f:00.0',
    '0000:4f:00.0',
    '0000:4F:00.0',
    '4f:00.0',
    '4F:0.0',
    '0:4f:0.0',
    ' 0000:4f:00.0 ',
  ]) {
    assert.deepEqual(parsePciAddress(text), bus4f, text);
    assert.equal(pciBusIdOf(text), '00000000:4F:00.0', text);
  }
  for (const text of ['', '4f', '0000:4g:00.0', '0000:4f:00.8', '000000000:4f:00.0', '4f:00.0x']) {
    assert.equal(parsePciAddress(text), null, text);
  }
});

test('sysfs names: only whole addresses, written as the kernel does', () => {
  assert.equal(sysfsPciAddress('00000000:CB:00.0'), '0000:cb:00.0');
  assert.equal(sysfsPciAddress('0000:CB:00.0'), '0000:cb:00.0');
  assert.equal(sysfsPciAddress('10000:1A:00.0'), '10000:1a:00.0');
  // Shortened forms are what people type, never a sysfs name.
  assert.equal(sysfsPciAddress('cb:00.0'), null);
  assert.equal(parseFullPciAddress('0:cb:00.0'), null);
  // A bus past 0xff (a driver's nonsense) has no sysfs name.
  assert.equal(sysfsPciAddress('00000000:12C:00.0'), null);
  assert.equal(sysfsRootComplex('pci0000:C0'), 'pci0000:c0');
  assert.equal(sysfsRootComplex('pci10000:00'), 'pci10000:00');
  assert.equal(sysfsRootComplex('0000:c0:01.0'), null);
});

test('an NVML bus ID and the sysfs address of one GPU name the same device', () => {
  for (const address of [bus4f, { domain: 0, bus: 0xcb, device: 0x1f, function: 3 }]) {
    const busId = formatPciBusId(address);
    assert.equal(sysfsPciAddress(busId), formatSysfsPciAddress(address));
    assert.equal(pciBusIdOf(formatSysfsPciAddress(address)), busId);
  }
});
