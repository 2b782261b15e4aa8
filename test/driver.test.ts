/**
 * Tests of the test driver itself (test/driver/), through the real Vulkan loader and
 * without any rdma-probe code: vulkaninfo must see the GPUs as configured, and the C
 * exercise program (test/driver/exercise.c) must get the configured remote address from a
 * correct flow with nothing leaked, see each valid-usage rule and each fault fire, and
 * stay clean under the Khronos validation layer. The probe's own tests can then trust
 * the driver's verdicts.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { test } from 'node:test';
import {
  buildTestDriver,
  driverEnv,
  readDriverState,
  testDriverExercisePath,
  testDriverSourceDir,
  violationIds,
  writeDriverConfig,
  type TestDriverConfig,
  type TestDriverState,
} from './support/test-driver.js';
import { parseVulkaninfo, runVulkaninfo } from './support/vulkaninfo.js';

const manifest = buildTestDriver();
const exercise = testDriverExercisePath();
const library = (JSON.parse(readFileSync(manifest, 'utf8')) as { ICD: { library_path: string } })
  .ICD.library_path;
const noObjects = { instances: 0, devices: 0, buffers: 0, memory: 0 };
const oneOfEach = { instances: 1, devices: 1, buffers: 1, memory: 1 };
const validationLayerInstalled = existsSync(
  '/usr/share/vulkan/explicit_layer.d/VkLayer_khronos_validation.json',
);

interface ExerciseStep {
  call: string;
  result: string;
  code: number;
}

interface ExerciseDevice {
  name: string;
  vendorID: number;
  deviceID: number;
  driverVersion: number;
  deviceUUID: string;
  driverUUID: string;
  driverName: string;
  driverInfo: string;
  pci?: string;
  extensions: string[];
  externalMemoryRDMA: boolean;
  memoryTypeCount: number;
  memoryHeapCount: number;
  heaps: { size: number; flags: number; budget?: number; usage?: number }[];
  types: { flags: number; heap: number }[];
  exportable: boolean;
  dedicatedOnly: boolean;
  compatibleHandleTypes: number;
}

/** One pass of the exercise program (it prints { runs: [...] }). */
interface ExerciseRun {
  outcome: string;
  steps: ExerciseStep[];
  messages: { severity: string; id: string; message: string }[];
  devices?: ExerciseDevice[];
  queue?: boolean;
  getMemoryRemoteAddressNV?: boolean;
  requirementsSize?: number;
  requirementsAlignment?: number;
  memoryTypeBits?: number;
  requiresDedicatedAllocation?: boolean;
  memoryTypeIndex?: number;
  dedicated?: boolean;
  remoteAddress?: string;
}

interface Exercised {
  runs: ExerciseRun[];
  run: ExerciseRun;
  state: TestDriverState;
  stdout: string;
  stderr: string;
}

function withTempDir<T>(body: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'rdma-test-driver-'));
  try {
    return body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Runs the exercise program against `config`. `validation` loads the Khronos layer;
 * `direct` has the program load the driver itself, without the loader, whose own checks
 * would otherwise stop some mistakes before they reach the driver.
 */
function exerciseDriver(
  config: TestDriverConfig,
  args: string[] = [],
  { validation = false, direct = false } = {},
): Exercised {
  return withTempDir((dir) => {
    const statePath = join(dir, 'state.json');
    const env = driverEnv(manifest, writeDriverConfig(dir, config), statePath);
    env['XDG_RUNTIME_DIR'] = dir;
    if (validation) env['VK_LOADER_LAYERS_ENABLE'] = '*validation';
    const argv = direct ? ['--direct', library, ...args] : args;
    const result = spawnSync(exercise, argv, { env, encoding: 'utf8', timeout: 60_000 });
    assert.equal(result.status, 0, `exercise ${args.join(' ')} failed:\n${result.stderr}`);
    let runs: ExerciseRun[];
    try {
      runs = (JSON.parse(result.stdout) as { runs: ExerciseRun[] }).runs;
    } catch {
      throw new Error(`exercise printed more than its JSON:\n${result.stdout}\n${result.stderr}`);
    }
    return {
      runs,
      run: runs[0]!,
      state: readDriverState(statePath),
      stdout: result.stdout,
      stderr: result.stderr,
    };
  });
}

function failedStep(run: ExerciseRun): { call: string; result: string } | undefined {
  const step = run.steps.find((s) => s.result !== 'VK_SUCCESS');
  return step && { call: step.call, result: step.result };
}

function assertClean(ex: Exercised): void {
  assert.deepEqual(ex.state.violations, [], 'the driver recorded violations');
  assert.deepEqual(ex.state.configErrors, []);
  assert.deepEqual(ex.state.live, noObjects, 'objects leaked');
}

// ------------------------------------------------------------------------------ build

test('build.sh writes a manifest the loader accepts and rebuilds nothing when up to date', () => {
  const doc = JSON.parse(readFileSync(manifest, 'utf8')) as {
    file_format_version: string;
    ICD: { library_path: string; api_version: string };
  };
  assert.equal(doc.file_format_version, '1.0.0');
  assert.equal(doc.ICD.api_version, '1.3.239');
  assert.ok(isAbsolute(doc.ICD.library_path), doc.ICD.library_path);
  assert.ok(existsSync(doc.ICD.library_path));
  const before = statSync(doc.ICD.library_path).mtimeMs;
  const result = spawnSync('bash', [join(testDriverSourceDir, 'build.sh')], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout.trim(), manifest);
  assert.equal(statSync(doc.ICD.library_path).mtimeMs, before);
});

// -------------------------------------------------------------------------- vulkaninfo

function vulkaninfoEnv(dir: string, config: TestDriverConfig, statePath: string) {
  return {
    ...driverEnv(manifest, writeDriverConfig(dir, config), statePath),
    XDG_RUNTIME_DIR: dir,
  };
}

/** vulkaninfo 1.3.239 chains structures of every extension it knows into the
 * properties/features queries, also those the GPU does not report; the driver records
 * each under the structure's pNext rule (VkPhysicalDeviceFeatures2 has none of its own:
 * there, vkGetPhysicalDeviceFeatures2's pFeatures rule). Anything else it records is a
 * real finding. */
const vulkaninfoChaining =
  /^(VUID-\w+-pNext-pNext|VUID-vkGetPhysicalDeviceFeatures2-pFeatures-parameter): \w+: (sType \d+ may not extend|\w+ needs) /;

function assertOnlyVulkaninfoChaining(state: TestDriverState): void {
  const other = state.violations.filter((v) => !vulkaninfoChaining.test(v));
  assert.deepEqual(other, []);
  assert.deepEqual(state.live, noObjects);
  assert.equal(state.created.instances, 1);
}

interface ProfileCapabilities {
  extensions: Record<string, number>;
  properties: {
    VkPhysicalDeviceProperties: {
      apiVersion: number;
      driverVersion: number;
      vendorID: number;
      deviceID: number;
      deviceName: string;
      deviceType: string;
    };
    VkPhysicalDeviceIDProperties: { deviceUUID: number[]; driverUUID: number[] };
    VkPhysicalDeviceDriverProperties: { driverID: string; driverName: string; driverInfo: string };
    VkPhysicalDevicePCIBusInfoPropertiesEXT?: Record<string, number>;
  };
}

/** `vulkaninfo --json=<gpu>`: the Vulkan Profiles document of one GPU, raw values. */
function vulkaninfoProfile(env: Record<string, string>, dir: string, gpu: number) {
  const result = spawnSync('vulkaninfo', [`--json=${gpu}`, '-o', 'profile.json'], {
    env,
    cwd: dir,
    encoding: 'utf8',
  });
  assert.equal(result.status, 0, result.stderr);
  const doc = JSON.parse(readFileSync(join(dir, 'profile.json'), 'utf8')) as {
    capabilities: Record<string, ProfileCapabilities>;
  };
  return Object.values(doc.capabilities)[0]!;
}

function uuidBytes(hex: string): number[] {
  return hex
    .replace(/-/g, '')
    .match(/../g)!
    .map((byte) => parseInt(byte, 16));
}

test('vulkaninfo sees one configured GPU as configured', () => {
  withTempDir((dir) => {
    const statePath = join(dir, 'state.json');
    const config: TestDriverConfig = {
      devices: [
        {
          name: 'Configured GPU',
          vendorID: 0x10de,
          deviceID: 0x2330,
          deviceType: 2,
          apiVersion: '1.3.200',
          driverVersion: 2435301632,
          driverID: 4,
          driverName: 'NVIDIA',
          driverInfo: '580.159.04',
          deviceUUID: 'a1b2c3d4-e5f6-0718-293a-4b5c6d7e8f90',
          driverUUID: '0123456789abcdef0123456789abcdef',
          pci: { domain: 1, bus: 0x41, device: 3, function: 1 },
          extraExtensions: ['VK_KHR_example'],
          heaps: [
            { size: 85899345920n, flags: 1, budget: 80000000000, usage: 1000000 },
            { size: '0x1800000000', flags: 0 },
          ],
          types: [
            { flags: 1, heap: 0 },
            { flags: 257, heap: 0 },
            { flags: 6, heap: 1 },
          ],
        },
      ],
    };
    const env = vulkaninfoEnv(dir, config, statePath);
    const [gpu, ...others] = parseVulkaninfo(runVulkaninfo(env));
    assert.equal(others.length, 0);
    assert.ok(gpu);
    assert.equal(gpu.deviceName, 'Configured GPU');
    assert.equal(gpu.vendorID, 0x10de);
    assert.equal(gpu.deviceID, 0x2330);
    assert.equal(gpu.deviceType, 'PHYSICAL_DEVICE_TYPE_DISCRETE_GPU');
    assert.equal(gpu.apiVersion, '1.3.200');
    assert.equal(gpu.deviceUUID, 'a1b2c3d4-e5f6-0718-293a-4b5c6d7e8f90');
    assert.equal(gpu.driverUUID, '01234567-89ab-cdef-0123-456789abcdef');
    assert.deepEqual(gpu.extensions.sort(), [
      'VK_EXT_memory_budget',
      'VK_EXT_pci_bus_info',
      'VK_KHR_example',
      'VK_NV_external_memory_rdma',
    ]);
    assert.deepEqual(gpu.heaps, [
      { size: 85899345920, budget: 80000000000, flags: ['DEVICE_LOCAL'] },
      { size: 0x1800000000, budget: 0x1800000000, flags: [] },
    ]);
    assert.deepEqual(gpu.types, [
      { heapIndex: 0, propertyFlags: 0x1 },
      { heapIndex: 0, propertyFlags: 0x101 },
      { heapIndex: 1, propertyFlags: 0x6 },
    ]);
    assertOnlyVulkaninfoChaining(readDriverState(statePath));

    const profile = vulkaninfoProfile(env, dir, 0);
    const props = profile.properties;
    assert.equal(props.VkPhysicalDeviceProperties.driverVersion, 2435301632);
    assert.equal(props.VkPhysicalDeviceProperties.apiVersion, (1 << 22) | (3 << 12) | 200);
    assert.deepEqual(
      props.VkPhysicalDeviceIDProperties.deviceUUID,
      uuidBytes('a1b2c3d4e5f60718293a4b5c6d7e8f90'),
    );
    assert.deepEqual(
      props.VkPhysicalDeviceIDProperties.driverUUID,
      uuidBytes('0123456789abcdef0123456789abcdef'),
    );
    assert.equal(
      props.VkPhysicalDeviceDriverProperties.driverID,
      'VK_DRIVER_ID_NVIDIA_PROPRIETARY',
    );
    assert.equal(props.VkPhysicalDeviceDriverProperties.driverName, 'NVIDIA');
    assert.equal(props.VkPhysicalDeviceDriverProperties.driverInfo, '580.159.04');
    assert.deepEqual(props.VkPhysicalDevicePCIBusInfoPropertiesEXT, {
      pciDomain: 1,
      pciBus: 0x41,
      pciDevice: 3,
      pciFunction: 1,
    });
    assert.deepEqual(profile.extensions, {
      VK_EXT_memory_budget: 1,
      VK_EXT_pci_bus_info: 2,
      VK_KHR_example: 1,
      VK_NV_external_memory_rdma: 1,
    });
  });
});

test('vulkaninfo leaves out what a GPU without the extensions does not report', () => {
  withTempDir((dir) => {
    const statePath = join(dir, 'state.json');
    const env = vulkaninfoEnv(
      dir,
      { devices: [{ extensions: { rdma: false, memoryBudget: false, pciBusInfo: false } }] },
      statePath,
    );
    const [gpu] = parseVulkaninfo(runVulkaninfo(env));
    assert.deepEqual(gpu!.extensions, []);
    assert.deepEqual(gpu!.heaps, [{ size: 85899345920, budget: null, flags: ['DEVICE_LOCAL'] }]);
    assertOnlyVulkaninfoChaining(readDriverState(statePath));
    const profile = vulkaninfoProfile(env, dir, 0);
    assert.equal(profile.properties.VkPhysicalDevicePCIBusInfoPropertiesEXT, undefined);
  });
});

for (const count of [2, 8]) {
  test(`vulkaninfo sees ${count} configured GPUs, each its own VkPhysicalDevice`, () => {
    withTempDir((dir) => {
      const statePath = join(dir, 'state.json');
      const devices = Array.from({ length: count }, (_, i) => ({
        name: `GPU ${i}`,
        deviceID: 0x2300 + i,
        deviceUUID: `${i.toString(16).padStart(2, '0')}`.repeat(16),
        heaps: [{ size: (i + 1) * 2 ** 30, flags: 1 }],
        types: [{ flags: i % 2 === 0 ? 257 : 1, heap: 0 }],
      }));
      const gpus = parseVulkaninfo(runVulkaninfo(vulkaninfoEnv(dir, { devices }, statePath)));
      assert.equal(gpus.length, count);
      // The loader orders GPUs itself (by PCI address on Linux): compare by name.
      const byName = new Map(gpus.map((gpu) => [gpu.deviceName, gpu]));
      devices.forEach((device, i) => {
        const gpu = byName.get(device.name);
        assert.ok(gpu, `vulkaninfo lists no ${device.name}`);
        assert.equal(gpu.deviceID, device.deviceID);
        assert.equal(gpu.deviceUUID.replace(/-/g, ''), device.deviceUUID);
        assert.deepEqual(gpu.heaps, [
          { size: (i + 1) * 2 ** 30, budget: (i + 1) * 2 ** 30, flags: ['DEVICE_LOCAL'] },
        ]);
        assert.deepEqual(gpu.types, [{ heapIndex: 0, propertyFlags: device.types[0]!.flags }]);
      });
      assertOnlyVulkaninfoChaining(readDriverState(statePath));
    });
  });
}

// ------------------------------------------------------------------ the correct flow

test('the correct flow gets the configured remote address and leaves nothing alive', () => {
  const ex = exerciseDriver({ devices: [{ remoteAddress: '0xfedcba9876543210' }] });
  assert.equal(ex.run.outcome, 'ok', JSON.stringify(ex.run.steps));
  assert.equal(ex.run.remoteAddress, '0xfedcba9876543210');
  assert.equal(ex.run.getMemoryRemoteAddressNV, true);
  assert.equal(ex.run.queue, true);
  assert.equal(ex.run.memoryTypeIndex, 0);
  assert.equal(ex.run.requirementsSize, 1 << 20);
  assert.equal(ex.run.requirementsAlignment, 65536);
  assertClean(ex);
  assert.deepEqual(ex.state.created, oneOfEach);
  assert.equal(ex.state.interfaceVersion, 5);
  assert.deepEqual(ex.state.lastInstance, { apiVersion: '1.3.0', extensions: [] });
  assert.deepEqual(ex.state.lastDevice, {
    device: 0,
    extensions: ['VK_NV_external_memory_rdma'],
    externalMemoryRDMA: true,
    rdmaFeaturesChained: true,
    queueCreateInfoCount: 1,
  });
  assert.deepEqual(ex.state.lastAllocation, {
    device: 0,
    memoryTypeIndex: 0,
    allocationSize: 1 << 20,
    exportHandleTypes: 0x1000,
    dedicated: false,
  });
  for (const call of ['vkAllocateMemory', 'vkFreeMemory', 'vkGetMemoryRemoteAddressNV']) {
    assert.equal(ex.state.calls[call], 1, call);
  }
});

test('{"devices":[{}]} is a complete RDMA-capable GPU with the documented defaults', () => {
  const ex = exerciseDriver({ devices: [{}] });
  assert.equal(ex.run.remoteAddress, '0x7f0000001000');
  assertClean(ex);
  assert.deepEqual(ex.run.devices, [
    {
      extensions: ['VK_NV_external_memory_rdma', 'VK_EXT_memory_budget', 'VK_EXT_pci_bus_info'],
      name: 'Test RDMA GPU',
      vendorID: 4318,
      deviceID: 8995,
      driverVersion: 2435301632,
      deviceUUID: '52444d412d544553542d4750552d0000',
      driverUUID: '52444d412d544553542d4452562d0001',
      driverName: 'test-driver',
      driverInfo: 'test 1.0',
      pci: '0000:06:00.0',
      externalMemoryRDMA: true,
      memoryTypeCount: 1,
      memoryHeapCount: 1,
      heaps: [{ size: 85899345920, flags: 1, budget: 80000000000, usage: 1000000 }],
      types: [{ flags: 257, heap: 0 }],
      exportable: true,
      dedicatedOnly: false,
      compatibleHandleTypes: 0x1000,
    },
  ]);
});

test('DEDICATED_ONLY export is reported and a dedicated allocation satisfies it', () => {
  const ex = exerciseDriver({ devices: [{ externalBuffer: { dedicatedOnly: true } }] });
  assert.equal(ex.run.devices![0]!.dedicatedOnly, true);
  assert.equal(ex.run.requiresDedicatedAllocation, false, 'the two are independent');
  assert.equal(ex.run.dedicated, true);
  assert.equal(ex.run.outcome, 'ok');
  assertClean(ex);
  assert.equal(ex.state.lastAllocation!.dedicated, true);
});

test('requiresDedicatedAllocation alone: reported per buffer, satisfied by a dedicated allocation', () => {
  const ex = exerciseDriver({ devices: [{ requiresDedicatedAllocation: true }] });
  assert.equal(ex.run.devices![0]!.dedicatedOnly, false, 'the two are independent');
  assert.equal(ex.run.requiresDedicatedAllocation, true);
  assert.equal(ex.run.dedicated, true);
  assert.equal(ex.run.outcome, 'ok');
  assertClean(ex);
  assert.equal(ex.state.lastAllocation!.dedicated, true);
});

test('vkBindBufferMemory2 and vkGetBufferMemoryRequirements work too', () => {
  const ex = exerciseDriver({ devices: [{}] }, ['--bind2', '--requirements1']);
  assert.equal(ex.run.outcome, 'ok');
  assert.equal(ex.state.calls['vkBindBufferMemory2'], 1);
  assert.equal(ex.state.calls['vkGetBufferMemoryRequirements'], 1);
  assertClean(ex);
});

test('the flow picks the RDMA-capable type the buffer allows, on the second GPU', () => {
  const ex = exerciseDriver(
    {
      devices: [
        {},
        {
          remoteAddress: 0x100000,
          heaps: [{ size: 2 ** 34, flags: 1 }, { size: 2 ** 33 }],
          types: [
            { flags: 1, heap: 0 },
            { flags: 6, heap: 1 },
            { flags: 257, heap: 0 },
          ],
        },
      ],
    },
    ['--device', '1'],
  );
  assert.equal(ex.run.outcome, 'ok');
  assert.equal(ex.run.remoteAddress, '0x100000');
  assert.equal(ex.run.memoryTypeBits, 0b111);
  assert.equal(ex.run.memoryTypeIndex, 2);
  assert.equal(ex.state.lastAllocation!.device, 1);
  assertClean(ex);
});

test('without the extension enabled, vkGetDeviceProcAddr gives no vkGetMemoryRemoteAddressNV', () => {
  const ex = exerciseDriver({ devices: [{}] }, [
    '--no-ext',
    '--no-feature',
    '--no-external-info',
    '--no-export',
  ]);
  assert.equal(ex.run.getMemoryRemoteAddressNV, false);
  assert.equal(ex.run.outcome, 'vkGetMemoryRemoteAddressNV unavailable');
  assert.deepEqual(ex.state.lastDevice!.extensions, []);
  assertClean(ex);
});

test('an allocation over the heap budget fails with OUT_OF_DEVICE_MEMORY, not a violation', () => {
  const devices = [{ heaps: [{ size: 2 ** 30, flags: 1, budget: 1 << 20, usage: 4096 }] }];
  const ex = exerciseDriver({ devices }, ['--ignore-budget']);
  assert.deepEqual(failedStep(ex.run), {
    call: 'vkAllocateMemory',
    result: 'VK_ERROR_OUT_OF_DEVICE_MEMORY',
  });
  assertClean(ex);
  // A caller that checks the budget first does not allocate at all.
  const checked = exerciseDriver({ devices });
  assert.equal(checked.run.outcome, 'over budget');
  assert.equal(checked.state.calls['vkAllocateMemory'], undefined);
  assertClean(checked);
});

// ------------------------------------------------------------------------- strictness

interface StrictCase {
  name: string;
  config?: TestDriverConfig;
  args: string[];
  /** Without the loader (which would refuse first). */
  direct?: boolean;
  failed?: { call: string; result: string };
  violations: string[];
  live?: typeof noObjects;
}

const strictCases: StrictCase[] = [
  {
    name: 'vkCreateDevice with an extension the GPU does not have',
    args: ['--extra-ext', 'VK_KHR_not_here'],
    direct: true,
    failed: { call: 'vkCreateDevice', result: 'VK_ERROR_EXTENSION_NOT_PRESENT' },
    violations: ['ICD-vkCreateDevice-extension-not-present'],
  },
  {
    name: 'vkCreateDevice enabling VK_NV_external_memory_rdma on a GPU without it',
    config: { devices: [{ extensions: { rdma: false } }] },
    args: ['--no-feature'],
    direct: true,
    failed: { call: 'vkCreateDevice', result: 'VK_ERROR_EXTENSION_NOT_PRESENT' },
    violations: ['ICD-vkCreateDevice-extension-not-present'],
  },
  {
    name: 'externalMemoryRDMA = VK_TRUE chained without enabling the extension',
    args: ['--no-ext'],
    failed: { call: 'vkCreateDevice', result: 'VK_ERROR_FEATURE_NOT_PRESENT' },
    violations: ['VUID-VkDeviceCreateInfo-pNext-pNext'],
  },
  {
    name: 'externalMemoryRDMA requested from a GPU that does not support it',
    config: { devices: [{ externalMemoryRDMA: false }] },
    args: [],
    failed: { call: 'vkCreateDevice', result: 'VK_ERROR_FEATURE_NOT_PRESENT' },
    violations: ['ICD-vkCreateDevice-feature-not-supported'],
  },
  {
    name: 'vkCreateDevice without a queue',
    args: ['--no-queue'],
    direct: true,
    failed: { call: 'vkCreateDevice', result: 'VK_ERROR_INITIALIZATION_FAILED' },
    violations: ['VUID-VkDeviceCreateInfo-queueCreateInfoCount-arraylength'],
  },
  {
    name: 'an RDMA buffer on a device created without the feature',
    args: ['--no-feature'],
    failed: { call: 'vkCreateBuffer', result: 'VK_ERROR_FEATURE_NOT_PRESENT' },
    violations: ['ICD-externalMemoryRDMA-not-enabled'],
  },
  {
    name: 'an RDMA buffer with the feature chained as VK_FALSE',
    args: ['--feature-false'],
    failed: { call: 'vkCreateBuffer', result: 'VK_ERROR_FEATURE_NOT_PRESENT' },
    violations: ['ICD-externalMemoryRDMA-not-enabled'],
  },
  {
    name: 'an RDMA export on a device created without the feature',
    args: ['--no-feature', '--no-external-info'],
    failed: { call: 'vkAllocateMemory', result: 'VK_ERROR_FEATURE_NOT_PRESENT' },
    violations: ['ICD-externalMemoryRDMA-not-enabled'],
  },
  {
    name: 'memoryTypeIndex past memoryTypeCount',
    args: ['--type', '1'],
    failed: { call: 'vkAllocateMemory', result: 'VK_ERROR_VALIDATION_FAILED_EXT' },
    violations: ['VUID-vkAllocateMemory-pAllocateInfo-01714'],
  },
  {
    name: 'binding memory of a type outside the buffer’s memoryTypeBits',
    config: {
      devices: [{ types: [{ flags: 257 }, { flags: 257 }], memoryTypeBits: 0b01 }],
    },
    args: ['--type', '1'],
    failed: { call: 'vkBindBufferMemory', result: 'VK_ERROR_VALIDATION_FAILED_EXT' },
    violations: ['VUID-vkBindBufferMemory-memory-01035'],
  },
  {
    name: 'a dedicated allocation of a type outside the buffer’s memoryTypeBits',
    config: {
      devices: [{ types: [{ flags: 257 }, { flags: 257 }], memoryTypeBits: 0b01 }],
    },
    args: ['--type', '1', '--dedicated'],
    failed: { call: 'vkAllocateMemory', result: 'VK_ERROR_VALIDATION_FAILED_EXT' },
    violations: ['ICD-dedicated-memoryTypeIndex-not-in-memoryTypeBits'],
  },
  {
    name: 'a DEDICATED_ONLY export without VkMemoryDedicatedAllocateInfo',
    config: { devices: [{ externalBuffer: { dedicatedOnly: true } }] },
    args: ['--no-dedicated'],
    failed: { call: 'vkAllocateMemory', result: 'VK_ERROR_VALIDATION_FAILED_EXT' },
    violations: ['VUID-VkMemoryAllocateInfo-pNext-00639'],
  },
  {
    name: 'a buffer that requires a dedicated allocation, bound to memory that is not',
    config: { devices: [{ requiresDedicatedAllocation: true }] },
    args: ['--no-dedicated'],
    failed: { call: 'vkBindBufferMemory', result: 'VK_ERROR_VALIDATION_FAILED_EXT' },
    violations: ['VUID-vkBindBufferMemory-buffer-01444'],
  },
  {
    name: 'an RDMA export from a type without RDMA_CAPABLE',
    config: { devices: [{ types: [{ flags: 1 }] }] },
    args: ['--type', '0'],
    failed: { call: 'vkAllocateMemory', result: 'VK_ERROR_INVALID_EXTERNAL_HANDLE' },
    violations: ['ICD-rdma-export-needs-rdma-capable-type'],
  },
  {
    name: 'an RDMA export from a GPU that cannot export',
    config: { devices: [{ externalBuffer: { exportable: false } }] },
    args: [],
    failed: { call: 'vkAllocateMemory', result: 'VK_ERROR_INVALID_EXTERNAL_HANDLE' },
    violations: ['VUID-VkExportMemoryAllocateInfo-handleTypes-00656'],
  },
  {
    name: 'an allocation larger than its heap',
    config: { devices: [{ heaps: [{ size: 1 << 19, flags: 1 }] }] },
    args: ['--ignore-budget'],
    failed: { call: 'vkAllocateMemory', result: 'VK_ERROR_OUT_OF_DEVICE_MEMORY' },
    violations: ['VUID-vkAllocateMemory-pAllocateInfo-01713'],
  },
  {
    name: 'binding a buffer to memory smaller than it needs',
    args: ['--alloc-size', '65536'],
    failed: { call: 'vkBindBufferMemory', result: 'VK_ERROR_VALIDATION_FAILED_EXT' },
    violations: ['VUID-vkBindBufferMemory-size-01037'],
  },
  {
    name: 'binding at a misaligned offset',
    args: ['--alloc-size', String(4 << 20), '--bind-offset', '4096'],
    failed: { call: 'vkBindBufferMemory', result: 'VK_ERROR_VALIDATION_FAILED_EXT' },
    violations: ['VUID-vkBindBufferMemory-memoryOffset-01036'],
  },
  {
    name: 'binding through vkBindBufferMemory2 at a misaligned offset',
    args: ['--bind2', '--alloc-size', String(4 << 20), '--bind-offset', '4096'],
    failed: { call: 'vkBindBufferMemory2', result: 'VK_ERROR_VALIDATION_FAILED_EXT' },
    violations: ['VUID-VkBindBufferMemoryInfo-memoryOffset-01036'],
  },
  {
    name: 'binding a dedicated allocation at a non-zero offset',
    args: ['--dedicated', '--bind-offset', '65536'],
    failed: { call: 'vkBindBufferMemory', result: 'VK_ERROR_VALIDATION_FAILED_EXT' },
    violations: ['VUID-vkBindBufferMemory-memory-01508', 'VUID-vkBindBufferMemory-size-01037'],
  },
  {
    name: 'vkGetMemoryRemoteAddressNV with another handle type',
    args: ['--remote-handle-type', '1'],
    failed: { call: 'vkGetMemoryRemoteAddressNV', result: 'VK_ERROR_INVALID_EXTERNAL_HANDLE' },
    violations: ['VUID-VkMemoryGetRemoteAddressInfoNV-handleType-04966'],
  },
  {
    name: 'vkGetMemoryRemoteAddressNV on memory not exported for RDMA',
    args: ['--no-export'],
    failed: { call: 'vkGetMemoryRemoteAddressNV', result: 'VK_ERROR_INVALID_EXTERNAL_HANDLE' },
    violations: ['VUID-VkMemoryGetRemoteAddressInfoNV-handleType-04966'],
  },
  {
    name: 'destroying the device with a buffer and memory alive',
    args: ['--leak-buffer', '--leak-memory'],
    violations: ['VUID-vkDestroyDevice-device-00378'],
    live: { instances: 0, devices: 0, buffers: 1, memory: 1 },
  },
  {
    name: 'destroying the instance with a device alive',
    args: ['--leak-device'],
    violations: ['VUID-vkDestroyInstance-instance-00629'],
    live: { instances: 0, devices: 1, buffers: 0, memory: 0 },
  },
  {
    name: 'an unknown sType in a pNext chain',
    args: ['--bogus-chain', '--queries-only'],
    violations: ['VUID-VkPhysicalDeviceProperties2-pNext-pNext'],
  },
  {
    name: 'PCI bus info chained on a GPU without VK_EXT_pci_bus_info',
    config: { devices: [{ extensions: { pciBusInfo: false } }] },
    args: ['--pci-chain', '--queries-only'],
    violations: ['VUID-VkPhysicalDeviceProperties2-pNext-pNext'],
  },
  {
    name: 'the memory budget chained on a GPU without VK_EXT_memory_budget',
    config: { devices: [{ extensions: { memoryBudget: false } }] },
    args: ['--budget-chain', '--queries-only'],
    violations: ['VUID-VkPhysicalDeviceMemoryProperties2-pNext-pNext'],
  },
];

test('lastDevice shows what was asked for, also when vkCreateDevice refuses it', () => {
  const ex = exerciseDriver({ devices: [{ externalMemoryRDMA: false }] });
  assert.deepEqual(ex.state.lastDevice, {
    device: 0,
    extensions: ['VK_NV_external_memory_rdma'],
    externalMemoryRDMA: true,
    rdmaFeaturesChained: true,
    queueCreateInfoCount: 1,
  });
  assert.equal(ex.state.created.devices, 0);
});

for (const c of strictCases) {
  test(`strict: ${c.name}${c.direct ? ' (no loader)' : ''}`, () => {
    const ex = exerciseDriver(c.config ?? { devices: [{}] }, c.args, { direct: c.direct });
    assert.deepEqual(failedStep(ex.run), c.failed, JSON.stringify(ex.run.steps));
    assert.deepEqual(
      violationIds(ex.state),
      [...c.violations].sort(),
      ex.state.violations.join('\n'),
    );
    assert.deepEqual(ex.state.live, c.live ?? noObjects);
  });
}

test('strict: a structure chained twice, unless the registry lets it appear twice', () => {
  // VkDevicePrivateDataCreateInfo is allowduplicate in vk.xml; the RDMA features are not.
  const ex = exerciseDriver({ devices: [{}] }, ['--chain-twice']);
  assert.equal(ex.run.outcome, 'ok');
  assert.deepEqual(ex.state.violations, [
    'VUID-VkDeviceCreateInfo-sType-unique: vkCreateDevice: ' +
      'VkPhysicalDeviceExternalMemoryRDMAFeaturesNV appears twice in the pNext chain of ' +
      'VkDeviceCreateInfo',
  ]);
  assert.deepEqual(ex.state.live, noObjects);
});

test('through the loader, an unknown extension never reaches the driver', () => {
  const ex = exerciseDriver({ devices: [{}] }, ['--extra-ext', 'VK_KHR_not_here']);
  assert.deepEqual(failedStep(ex.run), {
    call: 'vkCreateDevice',
    result: 'VK_ERROR_EXTENSION_NOT_PRESENT',
  });
  assert.equal(ex.state.calls['vkCreateDevice'], undefined);
  assertClean(ex);
});

test('strict: Vulkan 1.1 queries on a Vulkan 1.0 instance (no loader)', () => {
  const ex = exerciseDriver({ devices: [{}] }, ['--api', '1.0', '--queries-only'], {
    direct: true,
  });
  assert.deepEqual(violationIds(ex.state), ['ICD-core-1.1-command']);
  // Through the loader the same program is fine: the loader answers such queries itself
  // from the 1.0 commands, and leaves the extension structures unfilled.
  const loader = exerciseDriver({ devices: [{}] }, ['--api', '1.0', '--queries-only']);
  assert.equal(loader.run.devices![0]!.pci, '0000:00:00.0');
  assertClean(loader);
});

test('the correct flow is as clean without the loader', () => {
  const ex = exerciseDriver({ devices: [{ externalBuffer: { dedicatedOnly: true } }] }, [], {
    direct: true,
  });
  assert.equal(ex.run.outcome, 'ok');
  assert.equal(ex.run.remoteAddress, '0x7f0000001000');
  assertClean(ex);
  assert.deepEqual(ex.state.created, oneOfEach);
});

test('NULL pointers, stale handles and a looping chain are recorded, not crashed on', () => {
  const ex = exerciseDriver({ devices: [{}] }, ['--abuse'], { direct: true });
  assert.equal(ex.run.outcome, 'ok');
  assert.deepEqual(ex.state.live, noObjects);
  assert.deepEqual(
    violationIds(ex.state),
    [
      'VUID-VkBufferCreateInfo-size-00912',
      'VUID-VkBufferCreateInfo-usage-requiredbitmask',
      'VUID-VkExternalBufferProperties-sType-sType',
      'VUID-VkMemoryAllocateInfo-allocationSize-00638',
      'VUID-VkPhysicalDeviceExternalBufferInfo-handleType-parameter',
      'VUID-VkPhysicalDeviceExternalBufferInfo-sType-sType',
      'VUID-VkPhysicalDeviceExternalBufferInfo-usage-requiredbitmask',
      'VUID-VkPhysicalDeviceProperties2-pNext-pNext',
      'VUID-vkAllocateMemory-pAllocateInfo-01714',
      'VUID-vkBindBufferMemory-buffer-parameter',
      'VUID-vkBindBufferMemory-memory-parameter',
      'VUID-vkBindBufferMemory2-pBindInfos-parameter',
      'VUID-vkCreateBuffer-pCreateInfo-parameter',
      'VUID-vkCreateDevice-pCreateInfo-parameter',
      'VUID-vkDestroyBuffer-buffer-parameter',
      'VUID-vkEnumeratePhysicalDevices-instance-parameter',
      'VUID-vkEnumeratePhysicalDevices-pPhysicalDeviceCount-parameter',
      'VUID-vkFreeMemory-memory-parameter',
      'VUID-vkGetBufferMemoryRequirements-buffer-parameter',
      'VUID-vkGetDeviceQueue-pQueue-parameter',
      'VUID-vkGetDeviceQueue-queueFamilyIndex-00384',
      'VUID-vkGetPhysicalDeviceExternalBufferProperties-pExternalBufferInfo-parameter',
      'VUID-vkGetPhysicalDeviceProperties2-pProperties-parameter',
      'VUID-vkGetPhysicalDeviceProperties2-physicalDevice-parameter',
    ].sort(),
  );
  assert.ok(ex.state.violations.some((v) => v.includes('loops back on itself')));
});

test('strict: a structure of a missing extension is left untouched', () => {
  const ex = exerciseDriver({ devices: [{ extensions: { pciBusInfo: false } }] }, [
    '--pci-chain',
    '--queries-only',
  ]);
  assert.equal(ex.run.devices![0]!.pci, '0000:00:00.0');
  assert.match(
    ex.state.violations[0]!,
    /VkPhysicalDevicePCIBusInfoPropertiesEXT needs VK_EXT_pci_bus_info/,
  );
});

test('the state is written at exit too: a leaked instance stays counted', () => {
  const ex = exerciseDriver({ devices: [{}] }, ['--queries-only', '--leak-instance']);
  assert.deepEqual(ex.state.live, { instances: 1, devices: 0, buffers: 0, memory: 0 });
  // Queries do not write the file; only the write at unload can carry their counts.
  assert.equal(ex.state.calls['vkGetPhysicalDeviceFeatures2'], 1);
  assert.equal(ex.state.calls['vkDestroyInstance'], undefined);
});

// ------------------------------------------------------------------------------ faults

interface FaultCase {
  call: string;
  result: number | string;
  /** What the exercise sees; the loader may translate. */
  seen: { call: string; result: string };
}

const faultCases: FaultCase[] = [
  {
    call: 'vkCreateInstance',
    result: -3,
    // The loader reports its only driver failing as "no compatible driver".
    seen: { call: 'vkCreateInstance', result: 'VK_ERROR_INCOMPATIBLE_DRIVER' },
  },
  {
    call: 'vkEnumeratePhysicalDevices',
    result: -3,
    seen: { call: 'vkEnumeratePhysicalDevices', result: 'VK_ERROR_INITIALIZATION_FAILED' },
  },
  {
    call: 'vkEnumerateDeviceExtensionProperties',
    result: -1,
    seen: { call: 'vkEnumerateDeviceExtensionProperties', result: 'VK_ERROR_OUT_OF_HOST_MEMORY' },
  },
  {
    call: 'vkCreateDevice',
    result: 'VK_ERROR_DEVICE_LOST',
    seen: { call: 'vkCreateDevice', result: 'VK_ERROR_DEVICE_LOST' },
  },
  {
    call: 'vkCreateBuffer',
    result: -1,
    seen: { call: 'vkCreateBuffer', result: 'VK_ERROR_OUT_OF_HOST_MEMORY' },
  },
  {
    call: 'vkAllocateMemory',
    result: -2,
    seen: { call: 'vkAllocateMemory', result: 'VK_ERROR_OUT_OF_DEVICE_MEMORY' },
  },
  {
    call: 'vkBindBufferMemory',
    result: -2,
    seen: { call: 'vkBindBufferMemory', result: 'VK_ERROR_OUT_OF_DEVICE_MEMORY' },
  },
  {
    call: 'vkGetMemoryRemoteAddressNV',
    result: -1000072003,
    seen: { call: 'vkGetMemoryRemoteAddressNV', result: 'VK_ERROR_INVALID_EXTERNAL_HANDLE' },
  },
];

for (const c of faultCases) {
  test(`fault: ${c.call} returns ${c.result}`, () => {
    const ex = exerciseDriver({
      devices: [{}],
      faults: [{ call: c.call as never, result: c.result }],
    });
    assert.deepEqual(failedStep(ex.run), c.seen, JSON.stringify(ex.run.steps));
    assert.ok(ex.state.faultsInjected.length > 0);
    assert.ok(ex.state.faultsInjected.every((f) => f.call === c.call));
    assertClean(ex);
  });
}

test('fault: only on the named device', () => {
  const config: TestDriverConfig = {
    devices: [{}, {}],
    faults: [{ call: 'vkAllocateMemory', result: -2, device: 1 }],
  };
  const first = exerciseDriver(config, ['--device', '0']);
  assert.equal(first.run.outcome, 'ok');
  assert.deepEqual(first.state.faultsInjected, []);
  const second = exerciseDriver(config, ['--device', '1']);
  assert.deepEqual(failedStep(second.run), {
    call: 'vkAllocateMemory',
    result: 'VK_ERROR_OUT_OF_DEVICE_MEMORY',
  });
  assert.deepEqual(second.state.faultsInjected, [
    { call: 'vkAllocateMemory', device: 1, result: -2 },
  ]);
  assertClean(second);
});

test('fault: skip and count, across instances of one process', () => {
  const ex = exerciseDriver(
    { devices: [{}], faults: [{ call: 'vkAllocateMemory', result: -2, skip: 1, count: 1 }] },
    ['--repeat', '3'],
  );
  assert.deepEqual(
    ex.runs.map((run) => run.outcome),
    ['ok', 'vkAllocateMemory', 'ok'],
  );
  assert.equal(ex.state.calls['vkCreateInstance'], 3);
  assert.equal(ex.state.faultsInjected.length, 1);
  assertClean(ex);
});

// ------------------------------------------------------------ hidden commands, quirks

test('hiddenCommands: vkGetDeviceProcAddr answers NULL, and the flow stops there cleanly', () => {
  const ex = exerciseDriver({ devices: [{}], hiddenCommands: ['vkCreateBuffer'] });
  assert.equal(ex.run.outcome, 'vkCreateBuffer');
  assert.equal(ex.state.created.buffers, 0);
  assertClean(ex);
});

test('hiddenCommands: vk_icdGetInstanceProcAddr answers NULL too (no loader)', () => {
  const ex = exerciseDriver(
    { devices: [{}], hiddenCommands: ['vkGetPhysicalDeviceProperties2'] },
    ['--queries-only'],
    { direct: true },
  );
  assert.equal(ex.run.outcome, 'vkGetPhysicalDeviceProperties2');
  assertClean(ex);
});

test('hiddenCommands: hiding what the loader needs makes it refuse the driver', () => {
  const ex = exerciseDriver({ devices: [{}], hiddenCommands: ['vkCreateDevice'] });
  assert.deepEqual(failedStep(ex.run), {
    call: 'vkCreateInstance',
    result: 'VK_ERROR_INCOMPATIBLE_DRIVER',
  });
});

test('physicalDeviceCounts: a count that grows between the two calls gives VK_INCOMPLETE', () => {
  const ex = exerciseDriver(
    { devices: [{}, {}], physicalDeviceCounts: [1, 2] },
    ['--queries-only'],
    { direct: true },
  );
  assert.deepEqual(failedStep(ex.run), {
    call: 'vkEnumeratePhysicalDevices',
    result: 'VK_INCOMPLETE',
  });
  assertClean(ex);
});

test('quirks: counts past the arrays and a heap that does not exist are reported as such', () => {
  const ex = exerciseDriver(
    {
      devices: [
        { quirks: { memoryTypeCount: 40, memoryHeapCount: 17 } },
        { quirks: { heapIndexOutOfRange: true } },
      ],
    },
    ['--queries-only'],
    { direct: true },
  );
  const [counts, orphan] = ex.run.devices!;
  assert.equal(counts!.memoryTypeCount, 40);
  assert.equal(counts!.memoryHeapCount, 17);
  assert.equal(counts!.types.length, 32, 'the exercise reads no further than the array');
  assert.deepEqual(orphan!.types, [{ flags: 257, heap: 1 }]);
  assert.equal(orphan!.memoryHeapCount, 1);
  assertClean(ex);
});

test('quirks: strings fill their arrays without a NUL, extensions repeat or never complete', () => {
  const ex = exerciseDriver(
    {
      devices: [
        { quirks: { unterminatedStrings: true } },
        { quirks: { duplicateExtensions: true } },
        { quirks: { extensionsIncomplete: true } },
      ],
    },
    ['--queries-only'],
    { direct: true },
  );
  const [unterminated, duplicated] = ex.run.devices!;
  assert.equal(unterminated!.name.length, 256);
  assert.ok(unterminated!.name.startsWith('Test RDMA GPU'));
  assert.equal(unterminated!.driverName.length, 256);
  assert.equal(unterminated!.driverInfo.length, 256);
  assert.ok(unterminated!.extensions.some((e) => e.length === 256));
  assert.deepEqual(duplicated!.extensions, [
    'VK_NV_external_memory_rdma',
    'VK_EXT_memory_budget',
    'VK_EXT_pci_bus_info',
    'VK_NV_external_memory_rdma',
  ]);
  const extensionSteps = ex.run.steps.filter(
    (s) => s.call === 'vkEnumerateDeviceExtensionProperties',
  );
  assert.deepEqual(
    extensionSteps.map((s) => s.result),
    ['VK_SUCCESS', 'VK_SUCCESS', 'VK_INCOMPLETE'],
  );
  assertClean(ex);
});

test('a quirk or hidden command the driver does not know is a config error', () => {
  const ex = exerciseDriver({ devices: [{ quirks: { everything: true } as never }] });
  assert.deepEqual(ex.state.configErrors, ['devices[0].quirks: unknown field "everything"']);
});

// ------------------------------------------------------------------------------ config

test('a config the driver cannot use fails vkCreateInstance and says why', () => {
  const ex = exerciseDriver({ devices: [{ memoryTypebits: 1 } as never] });
  assert.deepEqual(failedStep(ex.run), {
    call: 'vkCreateInstance',
    result: 'VK_ERROR_INCOMPATIBLE_DRIVER',
  });
  assert.deepEqual(ex.state.configErrors, ['devices[0]: unknown field "memoryTypebits"']);
  assert.match(ex.stderr, /rdma-test-icd: config: devices\[0\]: unknown field "memoryTypebits"/);
});

test('fault results are named from the generated table; VK_SUCCESS is no fault', () => {
  const named = exerciseDriver({
    devices: [{}],
    faults: [{ call: 'vkEnumeratePhysicalDevices', result: 'VK_ERROR_OUT_OF_DATE_KHR' }],
  });
  assert.deepEqual(named.state.configErrors, []);
  assert.deepEqual(failedStep(named.run), {
    call: 'vkEnumeratePhysicalDevices',
    result: 'VK_ERROR_OUT_OF_DATE_KHR',
  });
  const success = exerciseDriver({
    devices: [{}],
    faults: [{ call: 'vkEnumeratePhysicalDevices', result: 'VK_SUCCESS' }],
  });
  assert.deepEqual(success.state.configErrors, ['faults[0].result: expected a non-zero VkResult']);
});

test('sizes and addresses are exact to 64 bits', () => {
  const ex = exerciseDriver(
    {
      devices: [
        {
          heaps: [{ size: 18446744073709551615n, flags: 1, budget: 2n ** 63n + 1n }],
          remoteAddress: 18446744073709551615n,
        },
      ],
    },
    ['--ignore-budget'],
  );
  assert.equal(ex.run.remoteAddress, '0xffffffffffffffff');
  assertClean(ex);
});

test('no GPUs at all', () => {
  const ex = exerciseDriver({ devices: [] }, ['--queries-only']);
  // The loader turns "no GPU" into this error.
  assert.deepEqual(failedStep(ex.run), {
    call: 'vkEnumeratePhysicalDevices',
    result: 'VK_ERROR_INITIALIZATION_FAILED',
  });
  assert.equal(ex.state.calls['vkEnumeratePhysicalDevices']! > 0, true);
  assertClean(ex);
});

// ------------------------------------------------------------------- validation layer

test(
  'the correct flow is clean under the Khronos validation layer',
  { skip: !validationLayerInstalled && 'VK_LAYER_KHRONOS_validation is not installed' },
  () => {
    const layers = { validation: true };
    const isLayerMessage = (m: { id: string }) => m.id !== 'Loader Message';

    const ex = exerciseDriver(
      { devices: [{ externalBuffer: { dedicatedOnly: true } }] },
      ['--messenger'],
      layers,
    );
    assert.equal(ex.run.outcome, 'ok');
    assert.deepEqual(ex.run.messages.filter(isLayerMessage), []);
    assertClean(ex);

    // The layer's own output (stdout by default) stays empty as well.
    const quiet = exerciseDriver({ devices: [{}] }, [], layers);
    assert.equal(quiet.run.outcome, 'ok');
    assert.doesNotMatch(quiet.stdout + quiet.stderr, /Validation (Error|Warning)/);
    assertClean(quiet);

    // The layer is really there: a leak is reported by it and by the driver alike.
    const leaky = exerciseDriver({ devices: [{}] }, ['--messenger', '--leak-buffer'], layers);
    assert.ok(
      leaky.run.messages.some((m) => m.id === 'VUID-vkDestroyDevice-device-00378'),
      JSON.stringify(leaky.run.messages),
    );
    assert.deepEqual(violationIds(leaky.state), ['VUID-vkDestroyDevice-device-00378']);
  },
);
