/**
 * One contract for every VulkanBinding (src/vulkan/binding.ts), run on three of them: the
 * in-memory binding (test/support/memory-binding.ts), the koffi binding through the real
 * loader with the test driver, both from the same driver configuration, and the koffi
 * binding on lavapipe for the scenarios that hold for any driver. The in-memory binding and
 * the test driver must also agree on everything each scenario saw, the driver's state
 * included: that is what lets the CLI's behaviour tests run in memory.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  SCENARIOS,
  attempt,
  decodeObservation,
  encodeObservation,
  type Attempt,
  type Scenario,
} from './support/binding-scenarios.js';
import { cleanEnv } from './support/cli.js';
import {
  DEVICE_LEVEL_CALLS,
  MemoryBinding,
  type MemoryDriverState,
} from './support/memory-binding.js';
import { repoRoot } from './support/paths.js';
import {
  buildTestDriver,
  driverEnv,
  readDriverState,
  writeDriverConfig,
  type TestDriverState,
} from './support/test-driver.js';

interface Outcome {
  observed: Attempt<unknown>;
  state: MemoryDriverState | null;
}

interface Target {
  name: string;
  /** Why this target does not run the scenario, or false. */
  skip(scenario: Scenario): string | false;
  outcome(scenario: Scenario): Promise<Outcome>;
}

const work = mkdtempSync(join(tmpdir(), 'rdma-probe-contract-'));
after(() => rmSync(work, { recursive: true, force: true }));
const child = join(repoRoot, 'dist', 'test', 'support', 'binding-child.js');
const LAVAPIPE_MANIFEST = '/usr/share/vulkan/icd.d/lvp_icd.x86_64.json';

/** The parts of the driver's state the in-memory binding keeps too. */
function stateView(state: TestDriverState): MemoryDriverState {
  const { live, created, violations, configErrors, lastInstance, lastDevice, lastAllocation } =
    state;
  const deviceCalls = Object.fromEntries(
    Object.entries(state.calls).filter(([call]) => DEVICE_LEVEL_CALLS.includes(call)),
  );
  return {
    live,
    created,
    violations,
    configErrors,
    lastInstance,
    lastDevice,
    lastAllocation,
    deviceCalls,
  };
}

/** Runs the named scenarios in a child process with `env`; their observations in order. */
function runChild(names: string[], env: NodeJS.ProcessEnv): Promise<Attempt<unknown>[]> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [child, ...names],
      { env, encoding: 'utf8', timeout: 60_000, maxBuffer: 64 << 20 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`contract child failed (${error.message}):\n${stderr}`));
        else resolve(decodeObservation(stdout) as Attempt<unknown>[]);
      },
    );
  });
}

/** Children run a few at a time, started ahead of the tests that wait for them. */
function pool(limit: number): <T>(job: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (job) => {
    while (running >= limit) await new Promise<void>((resume) => waiting.push(resume));
    running++;
    try {
      return await job();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}

function memoised(outcome: (scenario: Scenario) => Promise<Outcome>) {
  const cache = new Map<Scenario, Promise<Outcome>>();
  return (scenario: Scenario) => {
    if (!cache.has(scenario)) cache.set(scenario, outcome(scenario));
    return cache.get(scenario)!;
  };
}

const inMemory: Target = {
  name: 'the in-memory binding',
  skip: () => false,
  outcome: memoised(async (scenario) => {
    const binding = new MemoryBinding(scenario.config);
    // Through JSON as the children's observations come, so both compare alike.
    const observed = decodeObservation(encodeObservation(attempt(() => scenario.run(binding))));
    return { observed: observed as Attempt<unknown>, state: binding.state() };
  }),
};

const inChild = pool(Math.max(2, availableParallelism()));
let runs = 0;

const testDriver: Target = {
  name: 'the koffi binding, the real loader and the test driver',
  skip: () => false,
  outcome: memoised((scenario) =>
    inChild(async () => {
      const dir = mkdtempSync(join(work, `${runs++}-`));
      const statePath = join(dir, 'state.json');
      const env = driverEnv(buildTestDriver(), writeDriverConfig(dir, scenario.config), statePath);
      const [observed] = await runChild([scenario.name], env);
      const state = stateView(readDriverState(statePath));
      assert.deepEqual(state.configErrors, [], 'the driver refused the configuration');
      return { observed: observed!, state };
    }),
  ),
};

const universal = SCENARIOS.filter((scenario) => scenario.lavapipe === true);
const noLavapipe = existsSync(LAVAPIPE_MANIFEST)
  ? false
  : 'lavapipe (mesa-vulkan-drivers) is not installed';
let lavapipeRuns: Promise<Attempt<unknown>[]> | null = null;

const lavapipe: Target = {
  name: 'the koffi binding on lavapipe',
  skip: (scenario) => (scenario.lavapipe === true ? noLavapipe : scenario.lavapipe),
  async outcome(scenario) {
    // Nothing to configure: one child runs them all, a fresh binding each.
    lavapipeRuns ??= inChild(() =>
      runChild(
        universal.map((s) => s.name),
        cleanEnv({ VK_DRIVER_FILES: LAVAPIPE_MANIFEST, NODEVICE_SELECT: '1' }),
      ),
    );
    const observed = (await lavapipeRuns)[universal.indexOf(scenario)]!;
    return { observed, state: null };
  },
};

function observedOk(outcome: Outcome): unknown {
  if ('error' in outcome.observed) {
    assert.fail(
      `the scenario threw ${outcome.observed.error.name}: ${outcome.observed.error.message}`,
    );
  }
  return outcome.observed.ok;
}

/** The contract: every scenario's checks, on one binding. */
function bindingContract(target: Target): void {
  describe(`binding contract: ${target.name}`, () => {
    for (const scenario of SCENARIOS) {
      test(scenario.name, { skip: target.skip(scenario) }, async () => {
        const outcome = await target.outcome(scenario);
        scenario.check(observedOk(outcome), outcome.state);
      });
    }
  });
}

// Started at once so the children run while the in-memory suite does.
for (const scenario of SCENARIOS) void testDriver.outcome(scenario).catch(() => {});

bindingContract(inMemory);
bindingContract(testDriver);
bindingContract(lavapipe);

describe('the in-memory binding and the test driver agree', () => {
  for (const scenario of SCENARIOS) {
    test(scenario.name, async () => {
      const [memory, driver] = await Promise.all([
        inMemory.outcome(scenario),
        testDriver.outcome(scenario),
      ]);
      assert.deepEqual(memory.observed, driver.observed, 'what the scenario saw');
      assert.deepEqual(memory.state, driver.state, "the driver's state");
    });
  }
});
