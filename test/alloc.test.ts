/**
 * The RDMA path end to end: no machine here exposes VK_NV_external_memory_rdma, so the
 * positive path, every reason for "not capable", and every failure on the allocation path
 * are exercised against GPUs described by the test driver's configuration. main() runs in
 * this process on the in-memory binding, which checks the spec's valid-usage rules and
 * counts live objects as the driver does (test/binding-contract.test.ts holds the two to
 * the same results); the validation layer and a fault among the loader's own calls need
 * the REAL Vulkan loader with the test driver (test/driver/), so those run the built CLI.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { GpuReportJson, ListReportJson } from '../src/list-report.js';
import { runCli, type CliResult } from './support/cli.js';
import { runMain } from './support/main-run.js';
import type { DriverStateView, MemoryDriverState } from './support/memory-binding.js';
import {
  buildTestDriver,
  driverEnv,
  readDriverState,
  writeDriverConfig,
  type TestDriverConfig,
  type TestDriverDevice,
  type TestDriverState,
} from './support/test-driver.js';

const work = mkdtempSync(join(tmpdir(), 'rdma-probe-alloc-'));
after(() => rmSync(work, { recursive: true, force: true }));
let runs = 0;

interface Run<State extends DriverStateView = MemoryDriverState> {
  config: TestDriverConfig;
  result: CliResult;
  state: State;
}

/** Runs the CLI in this process on the GPUs `config` describes. */
async function probeWith(config: TestDriverConfig, args: string[]): Promise<Run> {
  const { state, ...result } = await runMain(args, { config });
  assert.ok(state, 'the binding was never opened');
  return { config, result, state };
}

/** Runs the built CLI against the test driver configured with `config`, through the loader. */
function probeThroughDriver(
  config: TestDriverConfig,
  args: string[],
  options: { layers?: boolean } = {},
): Run<TestDriverState> {
  const dir = join(work, String(runs++));
  rmSync(dir, { recursive: true, force: true });
  const manifest = buildTestDriver();
  const configPath = writeDriverConfig(mkdtempSync(`${dir}-`), config);
  const statePath = `${configPath}.state.json`;
  const env = driverEnv(manifest, configPath, statePath, { layers: options.layers ?? false });
  delete env['NO_COLOR'];
  const result = runCli(args, env);
  return { config, result, state: readDriverState(statePath) };
}

/**
 * The report, checked for what every run must show: exactly the memory types and heaps
 * configured (the driver fills the slots past its counts with junk that must not show).
 */
function parse(run: Run<DriverStateView>): ListReportJson {
  let report: ListReportJson;
  try {
    report = JSON.parse(run.result.stdout) as ListReportJson;
  } catch {
    throw new Error(
      `not JSON (exit ${run.result.exitCode}): ${run.result.stdout}\n${run.result.stderr}`,
    );
  }
  for (const gpu of report.gpus) {
    const device = (run.config.devices ?? [{}])[gpu.index]!;
    if (!gpu.memory) continue;
    assert.equal(gpu.memory.types.length, device.types?.length ?? 1, 'types past the count');
    assert.equal(gpu.memory.heaps.length, device.heaps?.length ?? 1, 'heaps past the count');
  }
  return report;
}

function assertNothingLeft(state: DriverStateView): void {
  assert.deepEqual(
    state.live,
    { instances: 0, devices: 0, buffers: 0, memory: 0 },
    'objects leaked',
  );
  assert.deepEqual(state.violations, [], 'valid-usage rules broken');
  assert.deepEqual(state.configErrors, []);
}

const reasons = (gpu: GpuReportJson) => gpu.verdict.reasons.map((r) => r.code);

describe('a capable GPU', () => {
  test('--alloc prints the remote address the driver exported, frees everything, exits 0', async () => {
    const run = await probeWith({ devices: [{ remoteAddress: '0x7f00deadb000' }] }, [
      'list',
      '--json',
      '--alloc=64KiB',
    ]);
    assert.equal(run.result.exitCode, 0, run.result.stderr);
    const gpu = parse(run).gpus[0]!;
    assert.equal(gpu.verdict.rdma, 'capable');
    const allocation = gpu.allocation!;
    assert.equal(allocation.status, 'ok');
    assert.equal(allocation.remoteAddress, '0x7f00deadb000');
    assert.equal(allocation.requestedSize, 65536);
    assert.equal(allocation.actualSize, 65536);
    assert.equal(allocation.alignment, 65536);
    assert.equal(allocation.memoryTypeIndex, 0);
    assert.equal(allocation.dedicated, false);
    assert.match(allocation.note, /not that an RDMA NIC can reach it/);
    assert.ok(allocation.timings && allocation.timings.totalMs >= 0);
    assertNothingLeft(run.state);
    // The corrected flow: extension and feature enabled, exported with the RDMA handle type.
    assert.deepEqual(run.state.lastDevice?.extensions, ['VK_NV_external_memory_rdma']);
    assert.equal(run.state.lastDevice?.externalMemoryRDMA, true);
    assert.equal(run.state.lastAllocation?.exportHandleTypes, 0x1000);
    assert.equal(run.state.created.memory, 1);
  });

  test('the table shows the address and the NIC caveat; the default size is 1 MiB', async () => {
    const run = await probeWith({ devices: [{}] }, ['list', '--alloc']);
    assert.equal(run.result.exitCode, 0, run.result.stderr);
    assert.match(run.result.stdout, /remote address 0x7f0000001000/);
    assert.match(run.result.stdout, /1\.0 MiB requested/);
    assert.match(run.result.stdout, /RDMA NIC can reach it/);
    assertNothingLeft(run.state);
  });

  // DEDICATED_ONLY (an export property of the GPU) and requiresDedicatedAllocation (a
  // requirement of the buffer) each oblige a dedicated allocation on their own; the driver
  // records a violation (and fails the call) when either is ignored.
  for (const [dedicatedOnly, requiresDedicatedAllocation, dedicated] of [
    [false, false, false],
    [true, false, true],
    [false, true, true],
    [true, true, true],
  ]) {
    test(`DEDICATED_ONLY ${dedicatedOnly}, requiresDedicatedAllocation ${requiresDedicatedAllocation}: dedicated ${dedicated}`, async () => {
      const run = await probeWith(
        { devices: [{ externalBuffer: { dedicatedOnly }, requiresDedicatedAllocation }] },
        ['list', '--json', '--alloc'],
      );
      assert.equal(run.result.exitCode, 0, run.result.stderr);
      const gpu = parse(run).gpus[0]!;
      assert.equal(gpu.rdmaExport?.dedicatedOnly, dedicatedOnly);
      assert.equal(gpu.allocation?.status, 'ok');
      assert.equal(gpu.allocation?.dedicated, dedicated);
      assert.equal(run.state.lastAllocation?.dedicated, dedicated);
      assertNothingLeft(run.state);
    });
  }

  test('the memory type is the RDMA-capable one allowed by memoryTypeBits, with its own heap', async () => {
    const config: TestDriverConfig = {
      devices: [
        {
          heaps: [
            { size: 1 << 30, flags: 0, budget: 1 << 30 },
            { size: 80 * 2 ** 30, flags: 1, budget: 70 * 2 ** 30 },
          ],
          types: [
            { flags: 0x6, heap: 0 },
            { flags: 0x101, heap: 0 }, // RDMA-capable but excluded by memoryTypeBits
            { flags: 0x101, heap: 1 },
          ],
          memoryTypeBits: 0b101,
        },
      ],
    };
    const run = await probeWith(config, ['list', '--json', '--alloc=2GiB']);
    assert.equal(run.result.exitCode, 0, run.result.stderr);
    const allocation = parse(run).gpus[0]!.allocation!;
    assert.equal(allocation.memoryTypeIndex, 2);
    assert.equal(allocation.heapIndex, 1);
    assertNothingLeft(run.state);
  });

  test("the budget checked is the chosen type's heap, not the first RDMA-capable type's", async () => {
    const config: TestDriverConfig = {
      devices: [
        {
          heaps: [
            { size: 80 * 2 ** 30, flags: 1, budget: 70 * 2 ** 30 },
            { size: 2 ** 30, flags: 1, budget: 2 ** 30, usage: 2 ** 20 },
          ],
          types: [
            { flags: 0x101, heap: 0 }, // RDMA-capable, ample budget, excluded by memoryTypeBits
            { flags: 0x101, heap: 1 },
          ],
          memoryTypeBits: 0b10,
        },
      ],
    };
    const run = await probeWith(config, ['list', '--json', '--alloc=2GiB']);
    assert.equal(run.result.exitCode, 5);
    const allocation = parse(run).gpus[0]!.allocation!;
    assert.equal(allocation.memoryTypeIndex, 1);
    assert.equal(allocation.heapIndex, 1);
    assert.deepEqual(allocation.failure, {
      step: 'budget-check',
      result: null,
      message: `2147483648 bytes exceed heap 1's available budget of ${2 ** 30 - 2 ** 20} bytes; nothing was allocated`,
    });
    assert.equal(run.state.created.memory, 0);
    assertNothingLeft(run.state);
  });

  test('passes the Khronos validation layer with zero messages, allocation included', () => {
    const run = probeThroughDriver({ devices: [{ externalBuffer: { dedicatedOnly: true } }] }, [
      'list',
      '--json',
      '--validate',
      '--alloc',
    ]);
    assert.equal(run.result.exitCode, 0, run.result.stderr);
    const report = parse(run);
    assert.deepEqual(report.validation?.messages, []);
    assert.equal(report.gpus[0]!.allocation?.status, 'ok');
    assertNothingLeft(run.state);
  });
});

describe('GPUs that are not capable say why, and are skipped for allocation', () => {
  const cases: { name: string; device: TestDriverDevice; expected: string[] }[] = [
    {
      name: 'extension without the feature',
      device: { externalMemoryRDMA: false },
      expected: ['feature-disabled'],
    },
    {
      name: 'feature without an RDMA-capable memory type',
      device: { types: [{ flags: 1, heap: 0 }] },
      expected: ['no-rdma-memory-type'],
    },
    {
      name: 'not exportable',
      device: { externalBuffer: { exportable: false } },
      expected: ['not-exportable'],
    },
    {
      name: 'no extension at all',
      device: { extensions: { rdma: false }, types: [{ flags: 1, heap: 0 }] },
      expected: ['extension-missing', 'no-rdma-memory-type'],
    },
  ];
  for (const { name, device, expected } of cases) {
    test(name, async () => {
      const run = await probeWith({ devices: [device] }, ['list', '--json', '--alloc']);
      assert.equal(run.result.exitCode, 5, 'a skipped requested allocation is not success');
      const gpu = parse(run).gpus[0]!;
      assert.equal(gpu.verdict.rdma, 'not-capable');
      assert.deepEqual(reasons(gpu), expected);
      assert.equal(gpu.allocation?.status, 'skipped');
      assert.match(gpu.allocation!.failure!.message, new RegExp(expected[0]!));
      assert.equal(
        run.state.created.devices,
        0,
        'no device is created for a GPU that is not capable',
      );
      assertNothingLeft(run.state);
    });
  }

  test('the feature is never queried (or guessed) without the extension', async () => {
    const run = await probeWith({ devices: [{ extensions: { rdma: false } }] }, ['list', '--json']);
    const gpu = parse(run).gpus[0]!;
    assert.equal(gpu.features.externalMemoryRDMA, null);
    assert.equal(gpu.rdmaExport, null);
    assertNothingLeft(run.state);
  });
});

describe('budget, memory budget extension and PCI info', () => {
  test('a size beyond the chosen heap budget is refused before allocating', async () => {
    const device: TestDriverDevice = {
      heaps: [{ size: 1 << 30, flags: 1, budget: 64 << 20, usage: 16 << 20 }],
    };
    const run = await probeWith({ devices: [device] }, ['list', '--json', '--alloc=64MiB']);
    assert.equal(run.result.exitCode, 5);
    const allocation = parse(run).gpus[0]!.allocation!;
    assert.equal(allocation.status, 'failed');
    assert.equal(allocation.failure?.step, 'budget-check');
    assert.match(allocation.failure!.message, /available budget of 50331648 bytes/);
    assert.equal(run.state.created.memory, 0, 'nothing may be allocated');
    assertNothingLeft(run.state);
  });

  for (const [name, heap] of [
    ['a budget of 0', { size: 1 << 30, flags: 1, budget: 0, usage: 0 }],
    ['a budget all used', { size: 1 << 30, flags: 1, budget: 64 << 20, usage: 64 << 20 }],
  ] as const) {
    test(`${name} leaves nothing to allocate: refused at the budget check`, async () => {
      const run = await probeWith({ devices: [{ heaps: [heap] }] }, [
        'list',
        '--json',
        '--alloc=64KiB',
      ]);
      assert.equal(run.result.exitCode, 5);
      const gpu = parse(run).gpus[0]!;
      assert.equal(gpu.memory?.heaps[0]?.budget, heap.budget);
      assert.deepEqual(gpu.allocation?.failure, {
        step: 'budget-check',
        result: null,
        message: "65536 bytes exceed heap 0's available budget of 0 bytes; nothing was allocated",
      });
      assert.equal(run.state.deviceCalls['vkAllocateMemory'] ?? 0, 0, 'never asked the driver');
      assertNothingLeft(run.state);
    });
  }

  test('without VK_EXT_memory_budget, budgets are null and the heap size bounds the allocation', async () => {
    const device: TestDriverDevice = {
      extensions: { memoryBudget: false },
      heaps: [{ size: 1 << 20, flags: 1 }],
    };
    const fits = await probeWith({ devices: [device] }, ['list', '--json', '--alloc=1MiB']);
    const gpu = parse(fits).gpus[0]!;
    assert.equal(gpu.memory?.budgetAvailable, false);
    assert.equal(gpu.memory?.heaps[0]?.budget, null);
    assert.equal(gpu.rdmaMemoryTypes[0]?.heapBudget, null);
    assert.equal(gpu.allocation?.status, 'ok');
    const tooBig = await probeWith({ devices: [device] }, ['list', '--json', '--alloc=2MiB']);
    assert.equal(parse(tooBig).gpus[0]!.allocation?.failure?.step, 'budget-check');
    assertNothingLeft(fits.state);
    assertNothingLeft(tooBig.state);
  });

  test('budget and usage are reported per heap from VK_EXT_memory_budget', async () => {
    const device: TestDriverDevice = {
      heaps: [
        { size: 80 * 2 ** 30, flags: 1, budget: 79 * 2 ** 30, usage: 3 << 20 },
        { size: 2 ** 36, flags: 0, budget: 2 ** 35, usage: 0 },
      ],
      types: [
        { flags: 0x101, heap: 0 },
        { flags: 0x6, heap: 1 },
      ],
    };
    const gpu = parse(await probeWith({ devices: [device] }, ['list', '--json'])).gpus[0]!;
    assert.deepEqual(
      gpu.memory?.heaps.map((h) => [h.size, h.budget, h.usage, h.flags]),
      [
        [80 * 2 ** 30, 79 * 2 ** 30, 3 << 20, ['DEVICE_LOCAL']],
        [2 ** 36, 2 ** 35, 0, []],
      ],
    );
    assert.deepEqual(gpu.rdmaMemoryTypes, [
      {
        typeIndex: 0,
        heapIndex: 0,
        heapSize: 80 * 2 ** 30,
        heapBudget: 79 * 2 ** 30,
        heapUsage: 3 << 20,
      },
    ]);
  });

  test('without VK_EXT_pci_bus_info the PCI bus ID is null, never guessed', async () => {
    const run = await probeWith({ devices: [{ extensions: { pciBusInfo: false } }] }, [
      'list',
      '--json',
    ]);
    assert.equal(parse(run).gpus[0]!.identity.pciBusId, null);
    assertNothingLeft(run.state);
  });

  test('identity: NVIDIA driver version, UUID in both forms, PCI in nvidia-smi form', async () => {
    const run = await probeWith(
      {
        devices: [
          {
            deviceUUID: '0123456789abcdef0123456789abcdef',
            pci: { domain: 1, bus: 0xc1, device: 0, function: 1 },
            driverVersion: 2435301632,
          },
        ],
      },
      ['list', '--json'],
    );
    const id = parse(run).gpus[0]!.identity;
    assert.equal(id.driverVersion, '580.159.04');
    assert.equal(id.deviceUUID, '01234567-89ab-cdef-0123-456789abcdef');
    assert.equal(id.nvidiaSmiUUID, 'GPU-01234567-89ab-cdef-0123-456789abcdef');
    assert.equal(id.pciBusId, '00000001:C1:00.1');
    assert.equal(id.driverName, 'test-driver');
  });
});

describe('several GPUs', () => {
  test('two GPUs with mixed verdicts: both reported, only the capable one allocates', async () => {
    const run = await probeWith({ devices: [{}, { externalMemoryRDMA: false }] }, [
      'list',
      '--json',
      '--alloc',
    ]);
    assert.equal(run.result.exitCode, 5);
    const report = parse(run);
    assert.deepEqual(
      report.gpus.map((g) => g.verdict.rdma),
      ['capable', 'not-capable'],
    );
    assert.deepEqual(
      report.gpus.map((g) => g.allocation?.status),
      ['ok', 'skipped'],
    );
    assertNothingLeft(run.state);
  });

  test('eight GPUs: every one listed once, in order, and --device picks each by index, UUID and PCI', async () => {
    const devices: TestDriverDevice[] = Array.from({ length: 8 }, (_, i) =>
      i % 3 === 2 ? { extensions: { rdma: false } } : {},
    );
    const all = parse(await probeWith({ devices }, ['list', '--json']));
    assert.equal(all.gpus.length, 8);
    assert.deepEqual(
      all.gpus.map((g) => g.index),
      [0, 1, 2, 3, 4, 5, 6, 7],
    );
    assert.equal(new Set(all.gpus.map((g) => g.identity.deviceUUID)).size, 8);
    assert.deepEqual(
      all.gpus.map((g) => g.verdict.rdma),
      devices.map((d) => (d.extensions ? 'not-capable' : 'capable')),
    );
    for (const gpu of [all.gpus[0]!, all.gpus[5]!, all.gpus[7]!]) {
      for (const selector of [
        String(gpu.index),
        gpu.identity.nvidiaSmiUUID,
        gpu.identity.pciBusId!,
      ]) {
        const one = parse(await probeWith({ devices }, ['list', '--json', '--device', selector]));
        assert.deepEqual(
          one.gpus.map((g) => g.identity.deviceUUID),
          [gpu.identity.deviceUUID],
          selector,
        );
      }
    }
  });

  test('--device with --alloc creates the device on the selected GPU, not on the first', async () => {
    const devices: TestDriverDevice[] = [0, 1, 2].map((i) => ({
      remoteAddress: `0x7f000000${i}000`,
    }));
    const all = parse(await probeWith({ devices }, ['list', '--json']));
    for (const [selector, index] of [
      ['2', 2],
      [all.gpus[1]!.identity.nvidiaSmiUUID, 1],
      [all.gpus[2]!.identity.pciBusId!, 2],
    ] as const) {
      const run = await probeWith({ devices }, ['list', '--json', '--alloc', '--device', selector]);
      assert.equal(run.result.exitCode, 0, run.result.stderr);
      const gpus = parse(run).gpus;
      assert.deepEqual(
        gpus.map((g) => [g.index, g.allocation?.remoteAddress]),
        [[index, `0x7f000000${index}000`]],
        selector,
      );
      assert.equal(run.state.created.devices, 1, selector);
      assert.equal(run.state.lastDevice?.device, index, `${selector}: the driver saw GPU ${index}`);
      assert.equal(run.state.lastAllocation?.device, index, selector);
      assertNothingLeft(run.state);
    }
  });

  test('a Vulkan failure on one GPU is recorded on it; the others are still reported', () => {
    const run = probeThroughDriver(
      {
        devices: [{}, {}],
        // The loader makes three calls of its own per device while enumerating (and
        // crashes if they fail); the fault hits the probe's calls that follow.
        faults: [
          {
            call: 'vkEnumerateDeviceExtensionProperties',
            result: 'VK_ERROR_DEVICE_LOST',
            device: 1,
            skip: 3,
          },
        ],
      },
      ['list', '--json'],
    );
    const report = parse(run);
    assert.equal(report.gpus.length, 2);
    const failed = report.gpus.filter((g) => g.error !== null);
    const healthy = report.gpus.filter((g) => g.error === null);
    assert.equal(failed.length, 1);
    assert.equal(failed[0]!.error?.call, 'vkEnumerateDeviceExtensionProperties');
    assert.equal(failed[0]!.error?.result, 'VK_ERROR_DEVICE_LOST');
    assert.deepEqual(reasons(failed[0]!), ['probe-failed', 'extension-missing']);
    assert.equal(healthy[0]!.verdict.rdma, 'capable');
    assert.equal(run.result.exitCode, 0);
    assertNothingLeft(run.state);
  });
});

describe('fault sweep: every Vulkan call on the allocation path, failing with each plausible VkResult', () => {
  const plausible: Record<string, string[]> = {
    vkCreateDevice: [
      'VK_ERROR_OUT_OF_HOST_MEMORY',
      'VK_ERROR_OUT_OF_DEVICE_MEMORY',
      'VK_ERROR_INITIALIZATION_FAILED',
      'VK_ERROR_EXTENSION_NOT_PRESENT',
      'VK_ERROR_FEATURE_NOT_PRESENT',
      'VK_ERROR_TOO_MANY_OBJECTS',
      'VK_ERROR_DEVICE_LOST',
    ],
    vkCreateBuffer: [
      'VK_ERROR_OUT_OF_HOST_MEMORY',
      'VK_ERROR_OUT_OF_DEVICE_MEMORY',
      'VK_ERROR_INVALID_OPAQUE_CAPTURE_ADDRESS',
    ],
    vkAllocateMemory: [
      'VK_ERROR_OUT_OF_HOST_MEMORY',
      'VK_ERROR_OUT_OF_DEVICE_MEMORY',
      'VK_ERROR_INVALID_EXTERNAL_HANDLE',
      'VK_ERROR_TOO_MANY_OBJECTS',
      'VK_ERROR_INVALID_OPAQUE_CAPTURE_ADDRESS',
    ],
    vkBindBufferMemory: [
      'VK_ERROR_OUT_OF_HOST_MEMORY',
      'VK_ERROR_OUT_OF_DEVICE_MEMORY',
      'VK_ERROR_INVALID_OPAQUE_CAPTURE_ADDRESS',
    ],
    vkGetMemoryRemoteAddressNV: [
      'VK_ERROR_INVALID_EXTERNAL_HANDLE',
      'VK_ERROR_OUT_OF_HOST_MEMORY',
      'VK_ERROR_DEVICE_LOST',
    ],
  };
  for (const [call, results] of Object.entries(plausible)) {
    test(call, async () => {
      for (const result of results) {
        for (const dedicatedOnly of [false, true]) {
          const run = await probeWith(
            {
              devices: [{ externalBuffer: { dedicatedOnly } }],
              faults: [{ call: call as never, result }],
            },
            ['list', '--json', '--alloc'],
          );
          const label = `${call} -> ${result} (dedicated ${dedicatedOnly})`;
          assert.equal(run.result.exitCode, 5, `${label}: ${run.result.stderr}`);
          assert.doesNotMatch(run.result.stderr, /\n\s+at /, `${label}: stack trace`);
          const allocation = parse(run).gpus[0]!.allocation!;
          assert.equal(allocation.status, 'failed', label);
          assert.equal(allocation.failure?.step, call, label);
          assert.equal(allocation.failure?.result, result, label);
          assert.equal(allocation.remoteAddress, null, label);
          assertNothingLeft(run.state);
        }
      }
    });
  }

  test('the table names the failed step and VkResult', async () => {
    const run = await probeWith(
      {
        devices: [{}],
        faults: [{ call: 'vkAllocateMemory', result: 'VK_ERROR_OUT_OF_DEVICE_MEMORY' }],
      },
      ['list', '--alloc'],
    );
    assert.equal(run.result.exitCode, 5);
    assert.match(run.result.stdout, /failed at vkAllocateMemory \(VK_ERROR_OUT_OF_DEVICE_MEMORY\)/);
    assertNothingLeft(run.state);
  });
});

describe('faults outside the allocation path', () => {
  test('vkCreateInstance failing means no usable driver: exit 3, one line', async () => {
    const run = await probeWith(
      { faults: [{ call: 'vkCreateInstance', result: 'VK_ERROR_INITIALIZATION_FAILED' }] },
      ['list', '--json'],
    );
    assert.equal(run.result.exitCode, 3);
    assert.equal(run.result.stdout, '');
    assert.match(run.result.stderr, /^rdma-probe: no Vulkan driver found/);
    assert.deepEqual(run.state.live, { instances: 0, devices: 0, buffers: 0, memory: 0 });
  });

  test('vkEnumeratePhysicalDevices failing is a Vulkan error: exit 4 naming the call', async () => {
    const run = await probeWith(
      { faults: [{ call: 'vkEnumeratePhysicalDevices', result: 'VK_ERROR_OUT_OF_HOST_MEMORY' }] },
      ['list', '--json'],
    );
    assert.equal(run.result.exitCode, 4);
    assert.equal(run.result.stdout, '');
    assert.match(
      run.result.stderr,
      /vkEnumeratePhysicalDevices failed: VK_ERROR_OUT_OF_HOST_MEMORY/,
    );
    assertNothingLeft(run.state);
  });

  test('a driver with no GPU: exit 3', async () => {
    const run = await probeWith({ devices: [] }, ['list', '--json']);
    assert.equal(run.result.exitCode, 3);
    assert.match(run.result.stderr, /no Vulkan device found/);
    assertNothingLeft(run.state);
  });
});
