/**
 * probe() against the in-memory binding (test/support/memory-binding.ts): the gathering
 * logic on its own, including the paths a real driver rarely takes (the test driver covers
 * them through the loader). A failure the driver's configuration cannot give, or a call
 * order to check, comes from wrapping one of its methods.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { after, test } from 'node:test';
import { EnvironmentError, UsageError } from '../src/errors.js';
import { VulkanCallError } from '../src/vulkan/driver-errors.js';
import { join } from 'node:path';
import { collectListReport, collectReport, type CollectDeps } from '../src/collect.js';
import { parseDeviceOption } from '../src/cli/options.js';
import { HostFs } from '../src/host/host-fs.js';
import { probe } from '../src/probe/probe.js';
import type { DispatchableHandle, VulkanBinding } from '../src/vulkan/binding.js';
import { MemoryBinding } from './support/memory-binding.js';
import type { TestDriverConfig } from './support/test-driver.js';

/**
 * The in-memory binding of `config`, each call's name pushed to `calls` (getProperties
 * with what it chained), with `overrides` in place of some methods; they may call `real`.
 */
function recordedBinding(
  config: TestDriverConfig,
  calls: string[] = [],
  overrides: (
    real: MemoryBinding,
    gpus: DispatchableHandle[],
  ) => Partial<VulkanBinding> = () => ({}),
): { vk: VulkanBinding; real: MemoryBinding } {
  const real = new MemoryBinding(config);
  const gpus: DispatchableHandle[] = [];
  const replaced = overrides(real, gpus);
  const vk = new Proxy(real, {
    get(target, key) {
      const value = Reflect.get(target, key) as unknown;
      if (typeof value !== 'function') return value;
      const name = String(key);
      return (...args: unknown[]) => {
        const query = args[1] as { driverProperties?: boolean; pciBusInfo?: boolean };
        calls.push(
          name === 'getProperties'
            ? `getProperties(driver=${query.driverProperties},pci=${query.pciBusInfo})`
            : name,
        );
        const own = replaced[name as keyof VulkanBinding] as
          | ((...a: unknown[]) => unknown)
          | undefined;
        const result = own
          ? own(...args)
          : (value as (...a: unknown[]) => unknown).apply(target, args);
        if (name === 'enumeratePhysicalDevices')
          gpus.splice(0, gpus.length, ...(result as bigint[]));
        return result;
      };
    },
  });
  return { vk, real };
}

test('a failure on one GPU is recorded on it; the others are still reported', () => {
  const calls: string[] = [];
  const { vk, real } = recordedBinding({ devices: [{}, {}] }, calls, (binding, gpus) => ({
    enumerateDeviceExtensions: (gpu) => {
      if (gpu === gpus[1]) throw new VulkanCallError('vkEnumerateDeviceExtensionProperties', -4);
      return binding.enumerateDeviceExtensions(gpu);
    },
  }));
  const report = probe(vk, {});
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
  assert.deepEqual(real.state().live, { instances: 0, devices: 0, buffers: 0, memory: 0 });
});

test('driver properties: chained when listed or the device is 1.2+, one query either way', () => {
  const calls: string[] = [];
  const noExtensions = { rdma: false, memoryBudget: false, pciBusInfo: false };
  const { vk } = recordedBinding(
    {
      devices: [
        { extraExtensions: ['VK_KHR_driver_properties'] },
        { apiVersion: '1.3.0', extensions: { ...noExtensions, rdma: true } },
        { apiVersion: '1.1.0', extensions: noExtensions },
      ],
    },
    calls,
  );
  probe(vk, {});
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
  const { vk, real } = recordedBinding({}, calls, () => ({
    getMemoryProperties: () => {
      throw new TypeError('boom');
    },
  }));
  assert.throws(() => probe(vk, {}), TypeError);
  assert.equal(calls.at(-1), 'destroyInstance');
  assert.equal(real.state().live.instances, 0);
});

test('no GPU at all is an environment error, after destroying the instance', () => {
  const calls: string[] = [];
  const { vk } = recordedBinding({ devices: [] }, calls);
  assert.throws(() => probe(vk, {}), EnvironmentError);
  assert.equal(calls.at(-1), 'destroyInstance');
});

test('probe: every GPU found, and the ones --device selected; none when it matches nothing', () => {
  const gpus: TestDriverConfig = { devices: [{}, {}, {}] };
  const one = probe(new MemoryBinding(gpus), { device: parseDeviceOption('1') });
  assert.deepEqual(
    one.found.map((gpu) => gpu.index),
    [0, 1, 2],
  );
  assert.deepEqual(
    one.gpus.map((gpu) => gpu.index),
    [1],
  );
  assert.equal(one.gpus[0], one.found[1], 'the selected GPU is the one found');

  const none = probe(new MemoryBinding(gpus), { device: parseDeviceOption('7') });
  assert.equal(none.found.length, 3);
  assert.deepEqual(none.gpus, []);
});

/**
 * A host tree of one file: DMI naming a KVM guest, which the host facts read as a virtual
 * machine. (Built here rather than taken from test/fixtures/host, so that the test also
 * runs where only the source files are copied, as in the mutation-testing sandbox.)
 */
const hostRoot = mkdtempSync(join(tmpdir(), 'rdma-probe-collect-'));
after(() => rmSync(hostRoot, { recursive: true, force: true }));
mkdirSync(join(hostRoot, 'sys/class/dmi/id'), { recursive: true });
writeFileSync(join(hostRoot, 'sys/class/dmi/id/sys_vendor'), 'QEMU\n');
writeFileSync(join(hostRoot, 'sys/class/dmi/id/product_name'), 'KVM Virtual Machine\n');

/** The collecting step's sources, all fixed: that host tree, a clock that ticks 2.5 ms a read. */
function fixedDeps(config: TestDriverConfig): CollectDeps {
  let ms = 1000;
  return {
    vk: new MemoryBinding(config),
    hostFs: new HostFs(hostRoot),
    clock: {
      monotonicMs: () => (ms += 2.5),
      now: () => new Date('2026-03-04T05:06:07.089Z'),
    },
    hostname: () => 'gpu-node-07',
  };
}

test('collectReport: the report from the probe, the host files, the clock and the host name given', () => {
  const { report, found } = collectReport(fixedDeps({ devices: [{}, {}] }), {
    toolVersion: '9.9.9',
    device: parseDeviceOption('1'),
  });
  assert.equal(report.generatedAt, '2026-03-04T05:06:07.089Z');
  assert.equal(report.durationMs, 2.5, 'from the first clock read to the last');
  assert.deepEqual(report.tool, { name: 'rdma-probe', version: '9.9.9' });
  assert.equal(report.host.hostname, 'gpu-node-07');
  assert.deepEqual(
    [report.host.virtualization.sysVendor, report.host.virtualization.productName],
    ['QEMU', 'KVM Virtual Machine'],
    'read from the tree handed in, not the machine running the test',
  );
  assert.deepEqual(
    report.host.gpuTopology.map((topology) => topology.gpuIndex),
    [1],
    'a topology entry for the GPU selected only',
  );
  assert.equal(report.loader.apiVersion, '1.3.239');
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

test("collectReport: --alloc's step timings come from the clock it is handed", () => {
  const { report } = collectReport(fixedDeps({ devices: [{}] }), {
    toolVersion: 'test',
    allocateBytes: 65536n,
  });
  const allocation = report.gpus[0]!.allocation!;
  assert.equal(allocation.status, 'ok', JSON.stringify(allocation));
  // Each step is one tick of the fixed clock (2.5 ms); the total spans all six reads, the
  // tick between reading the address and starting to free included.
  assert.deepEqual(allocation.timings, {
    createDeviceMs: 2.5,
    allocateMs: 2.5,
    remoteAddressMs: 2.5,
    freeMs: 2.5,
    totalMs: 12.5,
  });
});

test('collectListReport: a --device that matches nothing is a usage error naming the GPUs found', () => {
  // GPU 0's UUID is 01010101-…, as the message below shows it.
  const config: TestDriverConfig = { devices: [{ deviceUUID: '01'.repeat(16) }, {}, {}] };
  const none = collectReport(fixedDeps(config), {
    toolVersion: 'test',
    device: parseDeviceOption('7'),
  });
  assert.deepEqual(none.report.gpus, []);
  assert.deepEqual(none.report.host.gpuTopology, []);
  assert.throws(
    () =>
      collectListReport(fixedDeps(config), { toolVersion: 'test', device: parseDeviceOption('7') }),
    (error: unknown) =>
      error instanceof UsageError &&
      /^no GPU matches --device '7' \(found 0: GPU-01010101-.*; 1: .*; 2: /.test(error.message),
  );
});
