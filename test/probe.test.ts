/**
 * probe() against an in-memory binding: the gathering logic on its own, including the
 * paths a real driver rarely takes (the test driver covers them through the loader); and
 * the collecting step that makes the list report of it, with every other source fixed.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { EnvironmentError, UsageError } from '../src/errors.js';
import { VulkanCallError } from '../src/vulkan/driver-errors.js';
import { collectListReport, collectReport, type CollectDeps } from '../src/collect.js';
import { HostFs } from '../src/host/host-fs.js';
import { probe } from '../src/probe/probe.js';
import { parseDeviceOption } from '../src/cli/options.js';
import type { RawExtendedProperties, VulkanBinding } from '../src/vulkan/binding.js';
import { makeApiVersion } from '../src/vulkan/constants.js';
import { fixturesDir } from './support/paths.js';

interface FakeGpu {
  extensions: string[];
  apiVersion?: number;
  failExtensions?: boolean;
}

function fakeBinding(gpus: FakeGpu[], calls: string[] = []): VulkanBinding {
  const unused = () => {
    throw new Error('not used by this test');
  };
  const gpuOf = (handle: bigint) => gpus[Number(handle) - 1]!;
  return {
    driverSelection: [],
    enumerateInstanceVersion: () => makeApiVersion(1, 3, 239),
    enumerateInstanceLayers: () => [],
    createInstance: () => {
      calls.push('createInstance');
      return 0x1000n;
    },
    destroyInstance: () => void calls.push('destroyInstance'),
    enumeratePhysicalDevices: () => gpus.map((_, i) => BigInt(i + 1)),
    enumerateDeviceExtensions: (handle) => {
      const gpu = gpuOf(handle);
      if (gpu.failExtensions) throw new VulkanCallError('vkEnumerateDeviceExtensionProperties', -4);
      return gpu.extensions.map((extensionName) => ({
        extensionName,
        specVersion: 1,
        nameTerminated: true,
      }));
    },
    getBasicProperties: (handle) => ({
      apiVersion: gpuOf(handle).apiVersion ?? makeApiVersion(1, 3, 0),
      driverVersion: 2435301632,
      vendorID: 0x10de,
      deviceID: 0x2330,
      deviceType: 2,
      deviceName: `GPU ${handle}`,
      deviceNameTerminated: true,
    }),
    getProperties: (handle, query): RawExtendedProperties => {
      calls.push(`getProperties(driver=${query.driverProperties},pci=${query.pciBusInfo})`);
      return {
        ids: {
          deviceUUID: new Uint8Array(16).fill(Number(handle)),
          driverUUID: new Uint8Array(16),
        },
        driver: query.driverProperties
          ? { driverID: 4, driverName: 'NVIDIA', driverInfo: '580.159.04', unterminated: [] }
          : null,
        pciBusInfo: query.pciBusInfo
          ? { pciDomain: 0, pciBus: Number(handle), pciDevice: 0, pciFunction: 0 }
          : null,
        unfilled: [],
      };
    },
    getExternalMemoryRDMAFeature: () => true,
    getMemoryProperties: () => ({
      memoryTypeCount: 1,
      memoryHeapCount: 1,
      memoryTypes: [{ propertyFlags: 0x101, heapIndex: 0 }],
      memoryHeaps: [{ size: 1n << 36n, flags: 1, budget: null, usage: null }],
      budgetUnfilled: false,
    }),
    getExternalBufferProperties: () => ({
      externalMemoryFeatures: 0x2,
      exportFromImportedHandleTypes: 0,
      compatibleHandleTypes: 0x1000,
    }),
    getQueueFamilies: unused,
    createDevice: unused,
    destroyDevice: unused,
    createBuffer: unused,
    destroyBuffer: unused,
    getBufferMemoryRequirements: unused,
    allocateMemory: unused,
    freeMemory: unused,
    bindBufferMemory: unused,
    getMemoryRemoteAddress: unused,
  };
}

const RDMA = ['VK_NV_external_memory_rdma', 'VK_EXT_pci_bus_info', 'VK_KHR_driver_properties'];

test('a failure on one GPU is recorded on it; the others are still reported', () => {
  const calls: string[] = [];
  const report = probe(
    fakeBinding([{ extensions: RDMA }, { extensions: RDMA, failExtensions: true }], calls),
    {},
  );
  assert.equal(report.gpus.length, 2);
  assert.equal(report.gpus[0]!.verdict.rdma, 'capable');
  assert.equal(report.gpus[1]!.verdict.rdma, 'not-capable');
  assert.deepEqual(report.gpus[1]!.error, {
    call: 'vkEnumerateDeviceExtensionProperties',
    result: 'VK_ERROR_DEVICE_LOST',
    message: 'vkEnumerateDeviceExtensionProperties failed: VK_ERROR_DEVICE_LOST',
  });
  assert.equal(report.gpus[1]!.verdict.reasons[0]!.code, 'probe-failed');
  assert.equal(calls.at(-1), 'destroyInstance');
});

test('driver properties: chained when listed or the device is 1.2+, one query either way', () => {
  const calls: string[] = [];
  probe(
    fakeBinding(
      [
        { extensions: RDMA },
        { extensions: ['VK_NV_external_memory_rdma'], apiVersion: makeApiVersion(1, 3, 0) },
        { extensions: [], apiVersion: makeApiVersion(1, 1, 0) },
      ],
      calls,
    ),
    {},
  );
  assert.deepEqual(
    calls.filter((c) => c.startsWith('getProperties')),
    [
      'getProperties(driver=true,pci=true)',
      'getProperties(driver=true,pci=false)',
      'getProperties(driver=false,pci=false)',
    ],
  );
});

test('a bug while probing still destroys the instance, and is not disguised as a Vulkan error', () => {
  const calls: string[] = [];
  const binding = fakeBinding([{ extensions: RDMA }], calls);
  binding.getMemoryProperties = () => {
    throw new TypeError('boom');
  };
  assert.throws(() => probe(binding, {}), TypeError);
  assert.equal(calls.at(-1), 'destroyInstance');
});

test('no GPU at all is an environment error, after destroying the instance', () => {
  const calls: string[] = [];
  assert.throws(() => probe(fakeBinding([], calls), {}), EnvironmentError);
  assert.equal(calls.at(-1), 'destroyInstance');
});

test('probe: every GPU found, and the ones --device selected; none when it matches nothing', () => {
  const gpus = [{ extensions: RDMA }, { extensions: RDMA }, { extensions: RDMA }];
  const one = probe(fakeBinding(gpus), { device: parseDeviceOption('1') });
  assert.deepEqual(
    one.found.map((gpu) => gpu.index),
    [0, 1, 2],
  );
  assert.deepEqual(
    one.gpus.map((gpu) => gpu.index),
    [1],
  );
  assert.equal(one.gpus[0], one.found[1], 'the selected GPU is the one found');

  const none = probe(fakeBinding(gpus), { device: parseDeviceOption('7') });
  assert.equal(none.found.length, 3);
  assert.deepEqual(none.gpus, []);
});

/** The collecting step's sources, all fixed: a host fixture, a clock that ticks 2.5 ms a read. */
function fixedDeps(gpus: FakeGpu[]): CollectDeps {
  let ms = 1000;
  return {
    vk: fakeBinding(gpus),
    hostFs: new HostFs(join(fixturesDir, 'host', 'vm-no-rdma')),
    clock: {
      monotonicMs: () => (ms += 2.5),
      now: () => new Date('2026-03-04T05:06:07.089Z'),
    },
    hostname: () => 'gpu-node-07',
  };
}

test('collectReport: the report from the probe, the host files, the clock and the host name given', () => {
  const gpus = [{ extensions: RDMA }, { extensions: RDMA }];
  const { report, found } = collectReport(fixedDeps(gpus), {
    toolVersion: '9.9.9',
    device: parseDeviceOption('1'),
  });
  assert.equal(report.generatedAt, '2026-03-04T05:06:07.089Z');
  assert.equal(report.durationMs, 2.5, 'from the first clock read to the last');
  assert.deepEqual(report.tool, { name: 'rdma-probe', version: '9.9.9' });
  assert.equal(report.host.hostname, 'gpu-node-07');
  assert.equal(report.host.virtualization.virtualMachine, true, 'read from the fixture tree');
  assert.deepEqual(
    report.host.gpuTopology.map((topology) => topology.gpuIndex),
    [1],
    'a topology entry for the GPU selected only',
  );
  assert.deepEqual(report.loader, { apiVersion: '1.3.239', requestedApiVersion: '1.3.0' });
  assert.equal(report.validation, null);
  assert.deepEqual(
    found.map((gpu) => gpu.index),
    [0, 1],
  );
  assert.deepEqual(
    report.gpus.map((gpu) => gpu.index),
    [1],
  );
});

test('collectListReport: a --device that matches nothing is a usage error naming the GPUs found', () => {
  const gpus = [{ extensions: RDMA }, { extensions: RDMA }, { extensions: RDMA }];
  const none = collectReport(fixedDeps(gpus), {
    toolVersion: 'test',
    device: parseDeviceOption('7'),
  });
  assert.deepEqual(none.report.gpus, []);
  assert.deepEqual(none.report.host.gpuTopology, []);
  assert.throws(
    () =>
      collectListReport(fixedDeps(gpus), {
        toolVersion: 'test',
        device: parseDeviceOption('7'),
      }),
    (error: unknown) =>
      error instanceof UsageError &&
      /^no GPU matches --device '7' \(found 0: GPU-01010101-.*; 1: .*; 2: /.test(error.message),
  );
});
