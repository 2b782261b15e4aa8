/**
 * Test driver configurations more than one test file uses. LAVAPIPE_LIKE describes one GPU
 * the way Mesa's lavapipe (Debian 12's mesa-vulkan-drivers) reports itself, so a test that
 * once read this machine's lavapipe can run in memory on the same facts.
 */
import type { TestDriverConfig, TestDriverDevice } from './test-driver.js';

/** Measured with vulkaninfo on Debian 12 (Mesa 22.3.6, LLVM 15.0.6). */
export const LAVAPIPE_DEVICE: TestDriverDevice = {
  name: 'llvmpipe (LLVM 15.0.6, 256 bits)',
  vendorID: 0x10005,
  deviceID: 0,
  deviceType: 4,
  apiVersion: '1.3.230',
  driverVersion: 1,
  driverID: 13,
  driverName: 'llvmpipe',
  driverInfo: 'Mesa 22.3.6 (LLVM 15.0.6)',
  deviceUUID: '6d657361-3232-2e33-2e36-000000000000',
  driverUUID: '6c6c766d-7069-7065-5555-494400000000',
  extensions: { rdma: false, memoryBudget: false, pciBusInfo: false },
  externalMemoryRDMA: false,
  heaps: [{ size: 2147483648, flags: 0x1 }],
  // DEVICE_LOCAL | HOST_VISIBLE | HOST_COHERENT | HOST_CACHED
  types: [{ flags: 0xf, heap: 0 }],
};

export const LAVAPIPE_LIKE: TestDriverConfig = { devices: [LAVAPIPE_DEVICE] };
