/**
 * Drivers nobody has seen: the test driver hides commands and misbehaves on purpose, and
 * rdma-probe must never crash or hang, must say what was wrong on the GPU concerned, keep
 * reporting the other GPUs, print JSON valid against the schema, and leave nothing alive in
 * the driver. Where the REAL Vulkan loader sits in between and sanitises the misbehaviour
 * itself, the tests run the built CLI through it and assert what the probe actually reports
 * then; the rest run main() in this process on the in-memory binding, which answers those
 * configurations as the loader and the driver do (test/binding-contract.test.ts).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { GpuReportJson, ListReportJson } from '../src/list-report.js';
import { cleanEnv, runCli, type CliResult } from './support/cli.js';
import { runMain } from './support/main-run.js';
import type { DriverStateView } from './support/memory-binding.js';
import { assertValidReport } from './support/schema.js';
import {
  buildTestDriver,
  driverEnv,
  readDriverState,
  writeDriverConfig,
  type TestDriverConfig,
} from './support/test-driver.js';

const work = mkdtempSync(join(tmpdir(), 'rdma-probe-hostile-'));
after(() => rmSync(work, { recursive: true, force: true }));
let runs = 0;

interface Run {
  result: CliResult;
  state: DriverStateView;
}

function checked(result: CliResult): CliResult {
  assert.doesNotMatch(result.stderr, /\n\s+at /, `a stack trace:\n${result.stderr}`);
  assert.ok(result.exitCode !== null, `killed by ${result.stderr}`);
  return result;
}

/** `rdma-probe ARGS` in this process, on the in-memory binding of `config`. */
async function probeWith(config: TestDriverConfig, args: string[]): Promise<Run> {
  const { state, ...result } = await runMain(args, { config });
  assert.ok(state, 'the binding was never opened');
  return { result: checked(result), state };
}

/** `rdma-probe ARGS` as a process, through the real loader and the test driver. */
function probeThroughLoader(config: TestDriverConfig, args: string[]): Run {
  const dir = mkdtempSync(join(work, `${runs++}-`));
  const configPath = writeDriverConfig(dir, config);
  const statePath = join(dir, 'state.json');
  const result = runCli(args, driverEnv(buildTestDriver(), configPath, statePath));
  return { result: checked(result), state: readDriverState(statePath) };
}

function report(run: Run): ListReportJson {
  let doc: unknown;
  try {
    doc = JSON.parse(run.result.stdout);
  } catch {
    assert.fail(
      `not JSON (exit ${run.result.exitCode}):\n${run.result.stdout}\n${run.result.stderr}`,
    );
  }
  assertValidReport(doc);
  return doc as ListReportJson;
}

const noObjects = { instances: 0, devices: 0, buffers: 0, memory: 0 };
const codes = (gpu: GpuReportJson) => gpu.verdict.reasons.map((r) => r.code);

function assertNothingLeft(state: DriverStateView): void {
  assert.deepEqual(state.live, noObjects, 'objects leaked');
  assert.deepEqual(state.violations, [], 'valid-usage rules broken');
  assert.deepEqual(state.configErrors, []);
}

/** The second GPU is healthy: what goes wrong on the first must not touch it. */
function assertHealthy(gpu: GpuReportJson): void {
  assert.equal(gpu.error, null);
  assert.equal(gpu.verdict.rdma, 'capable');
  assert.equal(gpu.identity.deviceUUID, '52444d41-2d54-4553-542d-4750552d0001');
}

describe('a command the allocation path needs is missing', () => {
  const commands = [
    'vkCreateBuffer',
    'vkDestroyBuffer',
    'vkGetBufferMemoryRequirements2',
    'vkAllocateMemory',
    'vkFreeMemory',
    'vkBindBufferMemory',
    'vkGetMemoryRemoteAddressNV',
  ];
  for (const command of commands) {
    test(`${command}: an allocation failure naming it, nothing created, exit 5`, async () => {
      const run = await probeWith({ devices: [{}, {}], hiddenCommands: [command] }, [
        'list',
        '--json',
        '--alloc',
      ]);
      assert.equal(run.result.exitCode, 5, run.result.stderr);
      const gpus = report(run).gpus;
      assert.equal(gpus.length, 2, 'every GPU is reported');
      for (const gpu of gpus) {
        assert.equal(gpu.verdict.rdma, 'capable', 'the queries did not need it');
        assert.equal(gpu.allocation?.status, 'failed');
        assert.deepEqual(gpu.allocation?.failure, {
          step: 'vkGetDeviceProcAddr',
          result: 'NULL_ENTRY_POINT',
          message: `vkGetDeviceProcAddr returned NULL for ${command}: the device was destroyed before anything was allocated`,
        });
      }
      assert.equal(run.state.created.buffers, 0, 'no buffer before every command is known');
      assert.equal(run.state.created.memory, 0);
      assert.equal(run.state.created.devices, 2);
      assertNothingLeft(run.state);
    });
  }

  test('the table names the missing command', async () => {
    const run = await probeWith({ devices: [{}], hiddenCommands: ['vkAllocateMemory'] }, [
      'list',
      '--alloc',
    ]);
    assert.equal(run.result.exitCode, 5);
    // The table wraps long lines inside its box: compare the text without the box.
    const text = run.result.stdout.replace(/[│┌┐└┘├┤┬┴┼─]/g, ' ').replace(/\s+/g, ' ');
    assert.match(
      text,
      /failed at vkGetDeviceProcAddr \(NULL_ENTRY_POINT\): vkGetDeviceProcAddr returned NULL for vkAllocateMemory/,
    );
    assertNothingLeft(run.state);
  });
});

describe('a command the loader itself needs is missing', () => {
  // The loader refuses a driver without these (VK_ERROR_INCOMPATIBLE_DRIVER at
  // vkCreateInstance), so the probe never sees them missing: it says no driver was found
  // among the driver files named. (The loader also leaves its own instance of the driver
  // alive when it refuses it: state.live.instances is the loader's, not the probe's.)
  const commands = [
    'vkEnumeratePhysicalDevices',
    'vkEnumerateDeviceExtensionProperties',
    'vkGetPhysicalDeviceProperties',
    'vkGetPhysicalDeviceMemoryProperties',
    'vkGetPhysicalDeviceQueueFamilyProperties',
    'vkCreateDevice',
    'vkGetDeviceProcAddr',
  ];
  for (const command of commands) {
    test(`${command}: exit 3, one line naming the driver variables`, () => {
      const run = probeThroughLoader({ devices: [{}], hiddenCommands: [command] }, [
        'list',
        '--json',
      ]);
      assert.equal(run.result.exitCode, 3, run.result.stderr);
      assert.equal(run.result.stdout, '');
      assert.match(run.result.stderr, /^rdma-probe: no Vulkan driver found among VK_DRIVER_FILES=/);
      assert.match(run.result.stderr, /VK_ICD_FILENAMES=/);
      assert.equal(run.result.stderr.trim().split('\n').length, 1);
      assert.equal(run.state.live.devices, 0);
    });
  }
});

describe('a Vulkan 1.1 query is missing: the loader emulates it, the probe notices', () => {
  test('vkGetPhysicalDeviceProperties2: UUIDs, driver and PCI unknown, never zeros', async () => {
    const run = await probeWith(
      { devices: [{}, {}], hiddenCommands: ['vkGetPhysicalDeviceProperties2'] },
      ['list', '--json'],
    );
    assert.equal(run.result.exitCode, 0, run.result.stderr);
    for (const gpu of report(run).gpus) {
      assert.equal(gpu.identity.deviceUUID, 'unknown');
      assert.equal(gpu.identity.driverUUID, 'unknown');
      assert.equal(gpu.identity.driverName, null);
      assert.equal(gpu.identity.pciBusId, null);
      assert.equal(gpu.identity.name, 'Test RDMA GPU', 'the 1.0 properties are still read');
      assert.ok(
        gpu.verdict.notes.some((n) => /left VkPhysicalDeviceIDProperties unfilled/.test(n)),
        gpu.verdict.notes.join('\n'),
      );
    }
    assertNothingLeft(run.state);
  });

  test('vkGetPhysicalDeviceFeatures2: the feature is unknown, so not capable; the other GPU is', async () => {
    const run = await probeWith(
      { devices: [{}], hiddenCommands: ['vkGetPhysicalDeviceFeatures2'] },
      ['list', '--json'],
    );
    const [gpu] = report(run).gpus;
    assert.equal(gpu!.features.externalMemoryRDMA, null);
    assert.equal(gpu!.error?.call, 'vkGetPhysicalDeviceFeatures2');
    assert.equal(gpu!.error?.result, 'INVALID_DRIVER_OUTPUT');
    assert.deepEqual(codes(gpu!), ['probe-failed']);
    assert.ok(gpu!.memory, 'memory is still gathered');
    assertNothingLeft(run.state);
  });

  test('vkGetPhysicalDeviceMemoryProperties2: memory from the 1.0 answer, budgets unknown', async () => {
    const run = await probeWith(
      { devices: [{}], hiddenCommands: ['vkGetPhysicalDeviceMemoryProperties2'] },
      ['list', '--json'],
    );
    const [gpu] = report(run).gpus;
    assert.equal(gpu!.memory?.budgetAvailable, false);
    assert.equal(gpu!.memory?.heaps[0]?.budget, null);
    assert.equal(gpu!.memory?.heaps[0]?.size, 85899345920);
    assert.ok(gpu!.verdict.notes.some((n) => /VK_EXT_memory_budget gave no usable answer/.test(n)));
    assertNothingLeft(run.state);
  });
});

describe('a driver that misbehaves', () => {
  test('memoryTypeCount above 32 and memoryHeapCount above 16: clamped, with a note', async () => {
    const run = await probeWith(
      { devices: [{ quirks: { memoryTypeCount: 40, memoryHeapCount: 17 } }, {}] },
      ['list', '--json'],
    );
    assert.equal(run.result.exitCode, 0);
    const [gpu, other] = report(run).gpus;
    assert.equal(gpu!.memory?.types.length, 32);
    assert.equal(gpu!.memory?.heaps.length, 16);
    const notes = gpu!.verdict.notes.join('\n');
    assert.match(notes, /memoryTypeCount 40, more than VK_MAX_MEMORY_TYPES \(32\)/);
    assert.match(notes, /memoryHeapCount 17, more than VK_MAX_MEMORY_HEAPS \(16\)/);
    assertHealthy(other!);
    assertNothingLeft(run.state);
  });

  test('a memory type in a heap that does not exist: probe-failed, never allocated from', async () => {
    const run = await probeWith({ devices: [{ quirks: { heapIndexOutOfRange: true } }, {}] }, [
      'list',
      '--json',
      '--alloc',
    ]);
    assert.equal(run.result.exitCode, 5);
    const [gpu, other] = report(run).gpus;
    assert.deepEqual(gpu!.error, {
      call: 'vkGetPhysicalDeviceMemoryProperties2',
      result: 'INVALID_DRIVER_OUTPUT',
      message:
        'vkGetPhysicalDeviceMemoryProperties2 reported memory types in heaps that do not exist (type 0 names heap 1; 1 heap(s))',
    });
    assert.equal(gpu!.verdict.rdma, 'not-capable');
    assert.deepEqual(gpu!.rdmaMemoryTypes, [], 'no heap to pair it with: not listed');
    assert.equal(gpu!.allocation?.status, 'skipped');
    assertHealthy(other!);
    assert.equal(other!.allocation?.status, 'ok');
    assertNothingLeft(run.state);
  });

  test('strings without a NUL: cut at 256 bytes, with a note; JSON and table intact', async () => {
    const config: TestDriverConfig = { devices: [{ quirks: { unterminatedStrings: true } }, {}] };
    const run = await probeWith(config, ['list', '--json']);
    const [gpu, other] = report(run).gpus;
    assert.equal(gpu!.identity.name, `Test RDMA GPU${'x'.repeat(256 - 13)}`);
    assert.equal(gpu!.identity.driverName!.length, 256);
    assert.equal(gpu!.identity.driverInfo!.length, 256);
    assert.equal(gpu!.extensions.count, 4, 'the unterminated name is one more extension');
    const notes = gpu!.verdict.notes.join('\n');
    for (const field of ['deviceName', 'driverName', 'driverInfo', 'extensionName']) {
      assert.match(notes, new RegExp(`filled ${field}.* without a NUL terminator`));
    }
    assertHealthy(other!);
    const table = await probeWith(config, ['list']);
    assert.equal(table.result.exitCode, 0, table.result.stderr);
    assert.match(table.result.stdout, /GPU 0 {2}Test RDMA GPUx+/);
    assertNothingLeft(run.state);
  });

  test('a repeated extension name: the loader then answers VK_INCOMPLETE forever, and the retries are bounded', () => {
    const run = probeThroughLoader({ devices: [{ quirks: { duplicateExtensions: true } }, {}] }, [
      'list',
      '--json',
    ]);
    assert.equal(run.result.exitCode, 0);
    const [gpu, other] = report(run).gpus;
    assert.equal(gpu!.error?.call, 'vkEnumerateDeviceExtensionProperties');
    assert.equal(gpu!.error?.result, 'INVALID_DRIVER_OUTPUT');
    assert.match(gpu!.error!.message, /returned VK_INCOMPLETE 4 times in a row/);
    assert.equal(codes(gpu!)[0], 'probe-failed');
    assert.equal(gpu!.identity.name, 'Test RDMA GPU', 'what was read before is kept');
    assertHealthy(other!);
    assertNothingLeft(run.state);
  });

  test('VK_INCOMPLETE from every extension call: the loader reports no extensions', () => {
    const run = probeThroughLoader({ devices: [{ quirks: { extensionsIncomplete: true } }, {}] }, [
      'list',
      '--json',
    ]);
    assert.equal(run.result.exitCode, 0);
    const [gpu, other] = report(run).gpus;
    assert.equal(gpu!.extensions.count, 0);
    assert.deepEqual(codes(gpu!), ['extension-missing']);
    assertHealthy(other!);
    assertNothingLeft(run.state);
  });

  test('a GPU count that grows between the two calls: the loader drops the driver, exit 3', () => {
    const run = probeThroughLoader({ devices: [{}, {}, {}], physicalDeviceCounts: [1, 2, 3] }, [
      'list',
      '--json',
    ]);
    assert.equal(run.result.exitCode, 3);
    assert.match(run.result.stderr, /^rdma-probe: no Vulkan device found/);
    assert.deepEqual(run.state.live, noObjects);
  });

  test('a GPU count that shrinks between the two calls: the GPUs still there are reported', () => {
    const run = probeThroughLoader({ devices: [{}, {}, {}], physicalDeviceCounts: [3, 1] }, [
      'list',
      '--json',
    ]);
    assert.equal(run.result.exitCode, 0, run.result.stderr);
    const gpus = report(run).gpus;
    assert.ok(gpus.length >= 1 && gpus.length <= 3);
    assert.equal(new Set(gpus.map((g) => g.identity.deviceUUID)).size, gpus.length);
    assertNothingLeft(run.state);
  });

  test('a budget above the heap size: clamped to the size, with a note, and used so', async () => {
    const size = 1 << 30;
    const run = await probeWith(
      { devices: [{ heaps: [{ size, flags: 1, budget: 4 * size, usage: 0 }] }] },
      ['list', '--json', '--alloc=2GiB'],
    );
    const [gpu] = report(run).gpus;
    assert.equal(gpu!.memory?.heaps[0]?.budget, size);
    assert.equal(gpu!.rdmaMemoryTypes[0]?.heapBudget, size);
    assert.match(
      gpu!.verdict.notes.join('\n'),
      /heap 0's budget \(4294967296 bytes\) exceeds its size/,
    );
    assert.equal(gpu!.allocation?.failure?.step, 'budget-check');
    assert.equal(run.state.created.memory, 0);
    assertNothingLeft(run.state);
  });

  test('a Vulkan 1.0 device: reported from the 1.0 commands, not capable, UUIDs unknown', async () => {
    const run = await probeWith({ devices: [{ apiVersion: '1.0.0' }, {}] }, [
      'list',
      '--json',
      '--alloc',
    ]);
    assert.equal(run.result.exitCode, 5);
    const [gpu, other] = report(run).gpus;
    assert.equal(gpu!.identity.apiVersion, '1.0.0');
    assert.equal(gpu!.identity.name, 'Test RDMA GPU');
    assert.equal(gpu!.identity.deviceUUID, 'unknown');
    assert.equal(gpu!.identity.pciBusId, null);
    assert.equal(gpu!.features.externalMemoryRDMA, null);
    assert.equal(gpu!.rdmaExport, null);
    assert.equal(gpu!.memory?.types.length, 1);
    assert.equal(gpu!.memory?.budgetAvailable, false);
    assert.deepEqual(codes(gpu!), ['api-version-too-old']);
    assert.match(gpu!.verdict.notes.join('\n'), /reports Vulkan 1\.0\.0: deviceUUID, driverUUID/);
    assert.equal(gpu!.allocation?.status, 'skipped');
    assertHealthy(other!);
    assert.equal(other!.allocation?.status, 'ok');
    assertNothingLeft(run.state);
  });
});

describe('the loader or its driver list is not what it should be', () => {
  test('RDMA_PROBE_VULKAN_LIBRARY naming a library that is not a Vulkan loader: exit 3, one line', () => {
    const result = runCli(['list', '--json'], cleanEnv({ RDMA_PROBE_VULKAN_LIBRARY: 'libz.so.1' }));
    assert.equal(result.exitCode, 3);
    assert.equal(result.stdout, '');
    assert.match(
      result.stderr,
      /^rdma-probe: libz\.so\.1 is not a Vulkan loader \(.*vkGetInstanceProcAddr.*\): install it .*RDMA_PROBE_VULKAN_LIBRARY\n$/,
    );
  });

  for (const [name, variables] of [
    ['VK_DRIVER_FILES', ['VK_DRIVER_FILES']],
    ['VK_DRIVER_FILES and VK_ICD_FILENAMES', ['VK_DRIVER_FILES', 'VK_ICD_FILENAMES']],
  ] as const) {
    test(`${name} naming a garbage JSON file: exit 3, one line naming ${name}`, () => {
      const garbage = join(work, `garbage-${runs++}.json`);
      writeFileSync(garbage, '{"file_format_version": "1.0.0", "ICD": {');
      const extra = Object.fromEntries(variables.map((v) => [v, garbage]));
      const result = runCli(['list', '--json'], cleanEnv(extra));
      assert.equal(result.exitCode, 3, result.stderr);
      assert.equal(result.stdout, '');
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
      for (const variable of variables) {
        assert.match(
          result.stderr,
          new RegExp(`${variable}=${JSON.stringify(JSON.stringify(garbage)).slice(1, -1)}`),
        );
      }
      assert.match(result.stderr, /driver manifests/);
    });
  }
});
