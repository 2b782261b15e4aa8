/**
 * Integration through the real Vulkan loader with Mesa's lavapipe, a real software
 * driver: what rdma-probe reports must equal what vulkaninfo reports, the Khronos
 * validation layer must stay silent, and lavapipe is (correctly) not RDMA-capable.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatApiVersion } from '../src/probe/decode.js';
import { probe } from '../src/probe/probe.js';
import { loadVulkanBinding } from '../src/vulkan/ffi.js';
import type { DebugMessage } from '../src/vulkan/binding.js';
import { VALIDATION_LAYER, makeApiVersion } from '../src/vulkan/constants.js';
import { cleanEnv, runCli, runJson } from './support/cli.js';
import { parseVulkaninfo, runVulkaninfo } from './support/vulkaninfo.js';
import type { GpuReport, ListReportJson } from '../src/list-report.js';

const env = cleanEnv();

/** The lavapipe device of a report, a document or a probe. */
function lavapipe<G extends Pick<GpuReport, 'identity'>>(doc: { gpus: G[] }): G {
  const gpu = doc.gpus.find((g) => g.identity.name.startsWith('llvmpipe'));
  assert.ok(gpu, `no lavapipe device in ${doc.gpus.map((g) => g.identity.name).join(', ')}`);
  return gpu;
}

test('list --json on lavapipe matches vulkaninfo', () => {
  const { result, doc } = runJson(['list'], env);
  assert.equal(result.exitCode, 0, result.stderr);
  assert.equal(result.stderr, '');
  const report = doc as ListReportJson;
  const expected = parseVulkaninfo(runVulkaninfo(env));
  assert.equal(report.gpus.length, expected.length);
  report.gpus.forEach((gpu, index) => {
    const info = expected[index]!;
    const id = gpu.identity;
    assert.equal(id.name, info.deviceName);
    assert.equal(id.vendorID, info.vendorID);
    assert.equal(id.deviceID, info.deviceID);
    assert.equal(
      `PHYSICAL_DEVICE_TYPE_${id.deviceType.replace('-gpu', '_GPU').toUpperCase()}`,
      info.deviceType,
    );
    assert.equal(id.apiVersion, info.apiVersion);
    assert.equal(id.driverVersion, info.driverVersion);
    assert.equal(id.driverVersionRaw, info.driverVersionRaw);
    assert.equal(id.deviceUUID, info.deviceUUID);
    assert.equal(id.driverUUID, info.driverUUID);
    assert.equal(gpu.extensions.count, info.extensions.length);
    assert.equal(
      gpu.extensions.externalMemoryRDMA,
      info.extensions.includes('VK_NV_external_memory_rdma'),
    );
    assert.equal(gpu.extensions.memoryBudget, info.extensions.includes('VK_EXT_memory_budget'));
    assert.deepEqual(
      gpu.memory!.heaps.map((heap) => ({ size: heap.size, flags: heap.flags })),
      info.heaps.map((heap) => ({ size: heap.size, flags: heap.flags })),
    );
    assert.deepEqual(
      gpu.memory!.types.map((type) => ({
        heapIndex: type.heapIndex,
        propertyFlags: type.propertyFlags,
      })),
      info.types,
    );
  });
});

test('lavapipe is not RDMA-capable, for the right reasons, and the rest is never guessed', () => {
  const { doc } = runJson(['list'], env);
  const report = doc as ListReportJson;
  assert.equal(report.schemaVersion, 1);
  assert.equal(report.tool.name, 'rdma-probe');
  assert.match(report.loader.apiVersion, /^1\.\d+\.\d+$/);
  const gpu = lavapipe(report);
  assert.equal(gpu.verdict.rdma, 'not-capable');
  assert.deepEqual(
    gpu.verdict.reasons.map((r) => r.code),
    ['extension-missing', 'no-rdma-memory-type'],
  );
  assert.equal(gpu.features.externalMemoryRDMA, null);
  assert.equal(gpu.rdmaExport, null);
  assert.equal(gpu.identity.pciBusId, null, 'lavapipe has no VK_EXT_pci_bus_info');
  assert.equal(gpu.memory!.budgetAvailable, false);
  assert.ok(gpu.memory!.heaps.every((heap) => heap.budget === null && heap.usage === null));
  assert.equal(gpu.identity.driverName, 'llvmpipe');
  assert.equal(gpu.error, null);
});

test('the table shows lavapipe with its verdict and reasons, without colour when piped', () => {
  const result = runCli(['list'], env);
  assert.equal(result.exitCode, 0, result.stderr);
  assert.match(result.stdout, /llvmpipe/);
  assert.match(result.stdout, /NOT RDMA-CAPABLE/);
  assert.match(result.stdout, /extension-missing/);
  assert.ok(!result.stdout.includes('\u001b['), 'colour codes in piped output');
});

test('with VK_LAYER_KHRONOS_validation the probe raises no warning or error', () => {
  const { result, doc } = runJson(['list', '--validate'], env);
  assert.equal(result.exitCode, 0, result.stderr);
  const report = doc as ListReportJson;
  assert.equal(report.validation?.layer, VALIDATION_LAYER);
  assert.deepEqual(report.validation?.messages, []);
  assert.equal(result.stderr, '');
});

test('the debug messenger really captures validation errors (a deliberate misuse)', () => {
  const vk = loadVulkanBinding(env);
  const messages: DebugMessage[] = [];
  const instance = vk.createInstance({
    apiVersion: makeApiVersion(1, 1, 0),
    applicationName: 'rdma-probe-test',
    applicationVersion: 1,
    enabledLayers: [VALIDATION_LAYER],
    enabledExtensions: ['VK_EXT_debug_utils'],
    onDebugMessage: (message) => messages.push(message),
  });
  try {
    const [physicalDevice] = vk.enumeratePhysicalDevices(instance);
    // lavapipe lacks the extension: the layer must report it (and the driver refuses).
    assert.throws(() =>
      vk.createDevice(physicalDevice!, {
        queueFamilyIndex: 0,
        enabledExtensions: ['VK_NV_external_memory_rdma'],
        enableExternalMemoryRDMA: false,
      }),
    );
  } finally {
    vk.destroyInstance(instance);
  }
  const errors = messages.filter((m) => m.severity >= 0x1000);
  assert.ok(errors.length > 0, 'no validation error captured');
  assert.ok(errors.some((m) => m.message.includes('VK_NV_external_memory_rdma')));
});

test('the loader version is reported as vulkaninfo prints it', () => {
  const { doc } = runJson(['list'], env);
  const vk = loadVulkanBinding(env);
  assert.equal(
    (doc as ListReportJson).loader.apiVersion,
    formatApiVersion(vk.enumerateInstanceVersion()),
  );
  assert.match(
    runVulkaninfo(env),
    new RegExp(`Vulkan Instance Version: ${(doc as ListReportJson).loader.apiVersion}`),
  );
});

test('one process can load the binding and probe more than once (koffi types are defined once)', () => {
  const first = loadVulkanBinding(env);
  const second = loadVulkanBinding(env);
  assert.equal(first.enumerateInstanceVersion(), second.enumerateInstanceVersion());
  // The same each time, with either binding (dates and durations are the collecting step's).
  const probes = [first, second, first].map((vk) => probe(vk, {}));
  lavapipe(probes[0]!);
  assert.deepEqual(probes[1], probes[0]);
  assert.deepEqual(probes[2], probes[0]);
});
