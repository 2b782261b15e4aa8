/**
 * The instance `list` and `check` start before parsing their command line
 * (src/cli/early-instance.ts): through the real loader and the test driver, which counts
 * every instance, one instance is created per run and none is left alive, whatever the
 * run comes to; --validate and help start none; a failed creation reads exactly as it
 * does when the probe creates the instance itself.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createsPlainInstance, EarlyInstanceBinding } from '../src/cli/early-instance.js';
import type { InstanceOptions, VulkanBinding } from '../src/vulkan/binding.js';
import { runCli, type CliResult } from './support/cli.js';
import {
  buildTestDriver,
  driverEnv,
  readDriverState,
  writeDriverConfig,
  type TestDriverConfig,
  type TestDriverState,
} from './support/test-driver.js';

const work = mkdtempSync(join(tmpdir(), 'rdma-probe-early-'));
after(() => rmSync(work, { recursive: true, force: true }));
let runs = 0;

/** The CLI against the test driver; the driver's state, or null when it was never loaded. */
function run(
  args: string[],
  config: TestDriverConfig = {},
): { result: CliResult; state: TestDriverState | null } {
  const dir = mkdtempSync(join(work, `${runs++}-`));
  const statePath = join(dir, 'state.json');
  const env = driverEnv(buildTestDriver(), writeDriverConfig(dir, config), statePath);
  const result = runCli(args, env);
  return { result, state: existsSync(statePath) ? readDriverState(statePath) : null };
}

const nothingAlive = { instances: 0, devices: 0, buffers: 0, memory: 0 };

function instancesCreated(state: TestDriverState | null): number {
  return state?.calls['vkCreateInstance'] ?? 0;
}

describe('which command lines start the instance early', () => {
  const cases: [string[], boolean][] = [
    [['list'], true],
    [['list', '--json', '--alloc=1MiB', '-d', '0'], true],
    [['check', '--gpus', '8'], true],
    [['list', '--bogus'], true], // a usage error: found only by parsing, after the start
    [['list', '--validate'], false],
    [['check', '--json', '--validate'], false],
    [['list', '--help'], false],
    [['list', '-h'], false],
    [['list', '-vh'], false],
    [['report', '-'], false],
    [['completion', 'bash'], false],
    [['--version'], false],
    [['help', 'list'], false],
    [[], false],
  ];
  for (const [args, expected] of cases) {
    test(`${JSON.stringify(args)}: ${expected ? 'starts one' : 'starts none'}`, () => {
      assert.equal(createsPlainInstance(args), expected);
    });
  }
});

describe('early instance, through the loader and the test driver', () => {
  test('list and check: the probe takes the early instance, the only one created', () => {
    for (const args of [['list', '--json'], ['check'], ['list', '--json', '--alloc']]) {
      const { result, state } = run(args);
      assert.equal(result.exitCode, 0, `${args.join(' ')}: ${result.stderr}`);
      assert.equal(instancesCreated(state), 1, args.join(' '));
      assert.deepEqual(state?.live, nothingAlive, args.join(' '));
    }
  });

  test('a usage error found after the start: the unused instance is destroyed', () => {
    const { result, state } = run(['list', '--bogus']);
    assert.equal(result.exitCode, 2, result.stderr);
    assert.match(result.stderr, /unknown option '--bogus'/);
    assert.equal(instancesCreated(state), 1);
    assert.deepEqual(state?.live, nothingAlive);
  });

  test('an output that cannot be written, found before the probe: destroyed too', () => {
    const { result, state } = run(['list', '--json', '-o', join(work, 'missing', 'out.json')]);
    assert.equal(result.exitCode, 3, result.stderr);
    assert.equal(instancesCreated(state), 1);
    assert.deepEqual(state?.live, nothingAlive);
  });

  test('a --device that matches nothing: the probe took it and destroyed it', () => {
    const { result, state } = run(['list', '--device', '7']);
    assert.equal(result.exitCode, 2, result.stderr);
    assert.equal(instancesCreated(state), 1);
    assert.deepEqual(state?.live, nothingAlive);
  });

  test('help starts no instance at all', () => {
    const { result, state } = run(['list', '--help']);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.equal(instancesCreated(state), 0);
  });

  test('--validate: none early; the probe creates its own, with the layer', () => {
    const { result, state } = run(['list', '--json', '--validate']);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.equal(instancesCreated(state), 1);
    assert.deepEqual(state?.live, nothingAlive);
    assert.equal(JSON.parse(result.stdout).validation.layer, 'VK_LAYER_KHRONOS_validation');
  });

  test('a failed creation reads as when the probe creates the instance (exit 3)', () => {
    for (const result of ['VK_ERROR_INCOMPATIBLE_DRIVER', 'VK_ERROR_INITIALIZATION_FAILED']) {
      const config: TestDriverConfig = { faults: [{ call: 'vkCreateInstance', result }] };
      const early = run(['list', '--json'], config);
      // --validate creates no early instance: the probe's own creation fails.
      const own = run(['list', '--json', '--validate'], config);
      assert.equal(early.result.exitCode, 3, early.result.stderr);
      assert.equal(own.result.exitCode, 3, own.result.stderr);
      // One line; --validate adds the loader's own messages to stderr before the same one.
      assert.match(early.result.stderr, /^rdma-probe: no Vulkan driver found[^\n]*\n$/);
      assert.ok(own.result.stderr.endsWith(`\n${early.result.stderr}`), own.result.stderr);
      assert.equal(early.result.stdout, '');
      assert.deepEqual(early.state?.live, nothingAlive);
    }
  });
});

describe('EarlyInstanceBinding', () => {
  const options: Omit<InstanceOptions, 'onDebugMessage'> = {
    apiVersion: 4206592,
    applicationName: 'rdma-probe',
    applicationVersion: 1,
    enabledLayers: [],
    enabledExtensions: [],
  };
  /** A binding whose own createInstance counts its calls. */
  function counting() {
    const calls: InstanceOptions[] = [];
    const vk = {
      createInstance: (asked: InstanceOptions) => {
        calls.push(asked);
        return 99n;
      },
    } as unknown as VulkanBinding;
    return { vk, calls };
  }

  test('the first request with the same options takes the early instance, once', () => {
    const { vk, calls } = counting();
    const binding = new EarlyInstanceBinding(vk, options, { instance: 7n });
    assert.equal(binding.createInstance({ ...options }), 7n);
    assert.equal(binding.taken, true);
    assert.equal(binding.createInstance({ ...options }), 99n);
    assert.equal(calls.length, 1);
  });

  test('other options, or a debug messenger, create an instance of their own', () => {
    const { vk, calls } = counting();
    const binding = new EarlyInstanceBinding(vk, options, { instance: 7n });
    assert.equal(binding.createInstance({ ...options, apiVersion: 4198400 }), 99n);
    assert.equal(binding.createInstance({ ...options, enabledLayers: ['X'] }), 99n);
    assert.equal(binding.createInstance({ ...options, onDebugMessage: () => {} }), 99n);
    assert.equal(binding.taken, false);
    assert.equal(calls.length, 3);
  });

  test("the early creation's error is thrown to the one that takes it", () => {
    const { vk, calls } = counting();
    const failure = new Error('vkCreateInstance failed');
    const binding = new EarlyInstanceBinding(vk, options, { error: failure });
    assert.throws(
      () => binding.createInstance({ ...options }),
      (error) => error === failure,
    );
    assert.equal(binding.createInstance({ ...options }), 99n);
    assert.equal(calls.length, 1);
  });
});
