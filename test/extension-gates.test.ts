/**
 * The binding resolves a command that only an extension provides (the registry says
 * which) only from an instance or device that enabled that extension: through the real
 * loader, on lavapipe.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadVulkanBinding } from '../src/vulkan/ffi.js';
import {
  BufferUsageFlag,
  ExternalMemoryHandleTypeFlag,
  makeApiVersion,
} from '../src/vulkan/constants.js';
import { cleanEnv } from './support/cli.js';

const env = cleanEnv();
const instanceOptions = {
  apiVersion: makeApiVersion(1, 1, 0),
  applicationName: 'rdma-probe-test',
  applicationVersion: 1,
  enabledLayers: [],
  enabledExtensions: [],
};

test('a device without VK_NV_external_memory_rdma is created; its command is never asked for', () => {
  const vk = loadVulkanBinding(env);
  const instance = vk.createInstance(instanceOptions);
  try {
    const [physicalDevice] = vk.enumeratePhysicalDevices(instance);
    // Were vkGetMemoryRemoteAddressNV required here, lavapipe's NULL for it would fail this.
    const device = vk.createDevice(physicalDevice!, {
      queueFamilyIndex: 0,
      enabledExtensions: [],
      enableExternalMemoryRDMA: false,
    });
    try {
      const buffer = vk.createBuffer(device, {
        size: 4096n,
        usage: BufferUsageFlag.TRANSFER_SRC,
        externalHandleTypes: 0,
      });
      vk.destroyBuffer(device, buffer);
      assert.throws(
        () => vk.getMemoryRemoteAddress(device, 1n, ExternalMemoryHandleTypeFlag.RDMA_ADDRESS_NV),
        /^TypeError: vkGetMemoryRemoteAddressNV needs VK_NV_external_memory_rdma enabled/,
      );
    } finally {
      vk.destroyDevice(device);
    }
  } finally {
    vk.destroyInstance(instance);
  }
});

test('a debug callback on an instance without VK_EXT_debug_utils is refused', () => {
  const vk = loadVulkanBinding(env);
  assert.throws(
    () => vk.createInstance({ ...instanceOptions, onDebugMessage: () => undefined }),
    /^TypeError: vkCreateDebugUtilsMessengerEXT needs VK_EXT_debug_utils enabled/,
  );
});
