/**
 * The in-memory binding refuses what it cannot stand for, loudly: a configuration the
 * driver would reject fails with the driver's own messages, and one whose answer depends on
 * the loader in ways not modelled throws NotModelledError instead of answering differently.
 * (What it does answer is held to the real loader and driver by binding-contract.test.ts.)
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { makeApiVersion } from '../src/vulkan/constants.js';
import { runMain } from './support/main-run.js';
import { DriverConfigError } from './support/memory-config.js';
import { MemoryBinding, NotModelledError, memoryDeps } from './support/memory-binding.js';
import { repoRoot } from './support/paths.js';
import {
  buildTestDriver,
  driverEnv,
  readDriverState,
  writeDriverConfig,
  type TestDriverConfig,
} from './support/test-driver.js';

const work = mkdtempSync(join(tmpdir(), 'rdma-probe-memory-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** What the driver itself says of `config` (its state's configErrors), through the loader. */
function driverConfigErrors(config: TestDriverConfig): string[] {
  const dir = mkdtempSync(join(work, 'config-'));
  const statePath = join(dir, 'state.json');
  const env = driverEnv(buildTestDriver(), writeDriverConfig(dir, config), statePath);
  const child = join(repoRoot, 'dist', 'test', 'support', 'binding-child.js');
  // Any scenario will do: vkCreateInstance fails, and the driver writes down why.
  execFileSync(
    process.execPath,
    [child, 'vkCreateInstance hidden: no driver, and nothing created'],
    {
      env,
      encoding: 'utf8',
    },
  );
  return readDriverState(statePath).configErrors;
}

test('a configuration the driver rejects is rejected with the same messages, in the same order', () => {
  const config = {
    devices: [
      {
        name: 'x'.repeat(256),
        deviceUUID: 'not-a-uuid',
        pci: { bus: -1 },
        extraExtensions: ['VK_NV_external_memory_rdma', ''],
        alignment: 3,
        types: [{ flags: 1, heap: 2 }],
        deviceType: 9,
        colour: 'blue',
      },
    ],
    faults: [{ call: 'vkCreateBuffer', result: 'VK_NOT_A_RESULT' }, { result: -1 }],
    extra: true,
  } as unknown as TestDriverConfig;
  const expected = driverConfigErrors(config);
  assert.ok(expected.length >= 10, expected.join('\n'));
  assert.throws(
    () => new MemoryBinding(config),
    (error: unknown) => {
      assert.ok(error instanceof DriverConfigError);
      assert.deepEqual(error.problems, expected);
      return true;
    },
  );
});

test('what depends on the loader in ways not measured is refused, naming it', () => {
  const refused: [TestDriverConfig, RegExp][] = [
    [{ devices: [{}, {}], physicalDeviceCounts: [2, 1] }, /physicalDeviceCounts/],
    [{ hiddenCommands: ['vkDestroyDevice'] }, /hiding vkDestroyDevice/],
    [
      {
        faults: [{ call: 'vkEnumerateDeviceExtensionProperties', result: -4, device: 1, skip: 3 }],
      },
      /"device", "skip" or "count" on vkEnumerateDeviceExtensionProperties/,
    ],
    [{ faults: [{ call: 'vkEnumeratePhysicalDevices', result: -1, count: 1 }] }, /count/],
    [
      { faults: [{ call: 'vkEnumerateInstanceVersion', result: -1 }] },
      /vkEnumerateInstanceVersion/,
    ],
    [{ faults: [{ call: 'vkAllocateMemory', result: 'VK_INCOMPLETE' }] }, /success code/],
  ];
  for (const [config, pattern] of refused) {
    assert.throws(() => new MemoryBinding(config), NotModelledError, JSON.stringify(config));
    assert.throws(() => new MemoryBinding(config), pattern);
  }
  const vk = new MemoryBinding();
  const options = {
    apiVersion: makeApiVersion(1, 3, 0),
    applicationName: 'test',
    applicationVersion: 1,
    enabledLayers: [],
    enabledExtensions: [],
  };
  assert.throws(() => vk.enumerateInstanceLayers(), NotModelledError);
  assert.throws(() => vk.createInstance({ ...options, enabledLayers: ['VK_LAYER_X'] }), /layers/);
  assert.throws(
    () => vk.createInstance({ ...options, onDebugMessage: () => {} }),
    /debug messenger/,
  );
  assert.throws(
    () => vk.createInstance({ ...options, enabledExtensions: ['VK_EXT_debug_utils'] }),
    /VK_EXT_debug_utils/,
  );
  assert.throws(
    () => vk.createInstance({ ...options, apiVersion: makeApiVersion(1, 0, 0) }),
    /1\.0/,
  );
  assert.throws(
    () => memoryDeps().loadBinding({ VK_LOADER_DEVICE_SELECT: '10de:2323' }),
    /VK_LOADER_DEVICE_SELECT/,
  );
  // The loader crashes creating a device on a GPU whose extension list it rewrote.
  for (const quirks of [{ duplicateExtensions: true }, { extensionsIncomplete: true }]) {
    const quirky = new MemoryBinding({ devices: [{ quirks }] });
    const [gpu] = quirky.enumeratePhysicalDevices(quirky.createInstance(options));
    assert.throws(
      () =>
        quirky.createDevice(gpu!, {
          queueFamilyIndex: 0,
          enabledExtensions: [],
          enableExternalMemoryRDMA: false,
        }),
      /crashes/,
    );
  }
  // Told which layers the machine has, it lists them.
  assert.deepEqual(
    new MemoryBinding({}, { layers: ['VK_LAYER_KHRONOS_validation'] }).enumerateInstanceLayers(),
    ['VK_LAYER_KHRONOS_validation'],
  );
});

test('through the CLI, a refusal is loud: an internal error with its reason, never a verdict', async () => {
  const result = await runMain(['list', '--json', '--validate']);
  assert.equal(result.exitCode, 1);
  assert.equal(result.stdout, '');
  assert.match(
    result.stderr,
    /internal error[\s\S]*NotModelledError: the in-memory binding does not model instance layers/,
  );
});
