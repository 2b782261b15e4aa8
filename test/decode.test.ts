import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  deviceTypeName,
  externalMemoryHandleTypeNames,
  formatApiVersion,
  formatDriverVersion,
  formatUUID,
  memoryHeapFlagNames,
  memoryPropertyFlagNames,
  nvidiaSmiUUID,
  pciAddressOf,
  vendorName,
} from '../src/probe/decode.js';
import { formatPciBusId, sysfsPciAddress } from '../src/pci-address.js';
import { makeApiVersion, vkResultName } from '../src/vulkan/constants.js';

test('NVIDIA driver versions use the 10.8.8.6 packing (580.159.04 on the H100)', () => {
  assert.equal(formatDriverVersion(0x10de, 2435301632), '580.159.04');
  // 535.104.05: (535<<22)|(104<<14)|(5<<6)
  assert.equal(
    formatDriverVersion(0x10de, ((535 << 22) | (104 << 14) | (5 << 6)) >>> 0),
    '535.104.05',
  );
  // A non-zero fourth field is shown, not dropped.
  assert.equal(
    formatDriverVersion(0x10de, ((470 << 22) | (57 << 14) | (2 << 6) | 3) >>> 0),
    '470.57.02.3',
  );
});

test('other vendors use the Vulkan version macros', () => {
  assert.equal(formatDriverVersion(0x1002, makeApiVersion(2, 0, 279)), '2.0.279');
  assert.equal(formatDriverVersion(0x8086, makeApiVersion(23, 2, 1)), '23.2.1');
  assert.equal(formatDriverVersion(0x10005, 1), '0.0.1');
  // The same raw value decodes differently for NVIDIA and for anyone else.
  assert.notEqual(formatDriverVersion(0x10de, 2435301632), formatDriverVersion(0x1002, 2435301632));
});

test('apiVersion drops the variant bits', () => {
  assert.equal(formatApiVersion(makeApiVersion(1, 3, 239)), '1.3.239');
  assert.equal(formatApiVersion((7 << 29) | makeApiVersion(1, 4, 312)), '1.4.312');
});

test('UUIDs print in the 8-4-4-4-12 form and nvidia-smi form', () => {
  const bytes = Uint8Array.from([
    0x5c, 0x8a, 0x6f, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x00, 0x11, 0x22, 0x33, 0x44,
  ]);
  const uuid = formatUUID(bytes);
  assert.equal(uuid, '5c8a6f01-2345-6789-abcd-ef0011223344');
  assert.equal(nvidiaSmiUUID(uuid), 'GPU-5c8a6f01-2345-6789-abcd-ef0011223344');
});

test('PCI bus IDs use NVML form (upper-case hex), with the sysfs form beside it', () => {
  const busId = (pci: Parameters<typeof pciAddressOf>[0]) => formatPciBusId(pciAddressOf(pci));
  const pci = { pciDomain: 0, pciBus: 6, pciDevice: 0, pciFunction: 0 };
  assert.equal(busId(pci), '00000000:06:00.0');
  // The sysfs form comes from the one PCI address normaliser the host facts use.
  assert.equal(sysfsPciAddress(busId(pci)), '0000:06:00.0');
  assert.equal(
    busId({ pciDomain: 0, pciBus: 0x4f, pciDevice: 0, pciFunction: 0 }),
    '00000000:4F:00.0',
  );
  assert.equal(
    busId({ pciDomain: 0x10000, pciBus: 0xc1, pciDevice: 0x1f, pciFunction: 7 }),
    '00010000:C1:1F.7',
  );
  assert.equal(sysfsPciAddress('00010000:C1:1F.7'), '10000:c1:1f.7');
});

test('flag names, with unknown bits named rather than dropped', () => {
  assert.deepEqual(memoryPropertyFlagNames(0x101), ['DEVICE_LOCAL', 'RDMA_CAPABLE_NV']);
  assert.deepEqual(memoryPropertyFlagNames(0), []);
  assert.deepEqual(memoryPropertyFlagNames(0x1 | 0x4000), [
    'DEVICE_LOCAL',
    'UNKNOWN_VkMemoryPropertyFlagBits_0x4000',
  ]);
  assert.deepEqual(memoryHeapFlagNames(0x3), ['DEVICE_LOCAL', 'MULTI_INSTANCE']);
  assert.deepEqual(externalMemoryHandleTypeNames(0x1000), ['RDMA_ADDRESS_NV']);
  assert.deepEqual(memoryPropertyFlagNames(0x80000000), [
    'UNKNOWN_VkMemoryPropertyFlagBits_0x80000000',
  ]);
});

test('unknown enum values print as UNKNOWN_<Type>_<n>', () => {
  assert.equal(vendorName(0x10de), 'NVIDIA');
  assert.equal(vendorName(0x1234), 'UNKNOWN_VkVendorId_4660');
  assert.equal(deviceTypeName(2), 'discrete-gpu');
  assert.equal(deviceTypeName(9), 'UNKNOWN_VkPhysicalDeviceType_9');
  assert.equal(vkResultName(-2), 'VK_ERROR_OUT_OF_DEVICE_MEMORY');
  assert.equal(vkResultName(-424242), 'UNKNOWN_VkResult_-424242');
});

test('vendor IDs: the PCI-SIG ones and the VkVendorId ones the specification registers', () => {
  const expected: [number, string][] = [
    [0x1002, 'AMD'],
    [0x1010, 'ImgTec'],
    [0x10de, 'NVIDIA'],
    [0x13b5, 'ARM'],
    [0x5143, 'Qualcomm'],
    [0x8086, 'Intel'],
    [0x10001, 'Vivante'],
    [0x10002, 'VeriSilicon'],
    [0x10003, 'Kazan'],
    [0x10004, 'Codeplay'],
    [0x10005, 'Mesa'],
    [0x10006, 'PoCL'],
    [0x10007, 'MobileEye'],
  ];
  assert.deepEqual(
    expected.map(([id]) => [id, vendorName(id)]),
    expected,
  );
  assert.equal(vendorName(0x10008), 'UNKNOWN_VkVendorId_65544');
});

test('every flag decoder names its own bits, and unknown bits after its own type', () => {
  assert.deepEqual(memoryHeapFlagNames(0x1 | 0x40000000), [
    'DEVICE_LOCAL',
    'UNKNOWN_VkMemoryHeapFlagBits_0x40000000',
  ]);
  assert.deepEqual(externalMemoryHandleTypeNames(0x1000 | 0x80000000), [
    'RDMA_ADDRESS_NV',
    'UNKNOWN_VkExternalMemoryHandleTypeFlagBits_0x80000000',
  ]);
  // Several bits no version of Vulkan defines: each named, lowest first.
  assert.deepEqual(memoryHeapFlagNames(0x60000000), [
    'UNKNOWN_VkMemoryHeapFlagBits_0x20000000',
    'UNKNOWN_VkMemoryHeapFlagBits_0x40000000',
  ]);
});
