/**
 * `rdma-probe check` as health checkers run it, reading the one stdout line and the exit
 * code. Each rule passing and failing, rules together, several GPUs with mixed verdicts,
 * the 200-byte cap, every exit code, and --json against its schema. main() runs in this
 * process on the in-memory binding, built from the test driver's configuration; what needs
 * the real loader (the validation layer, a failure among the loader's own calls, its
 * environment, the process's descriptors) runs the built CLI with the test driver.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { CheckReport } from '../src/check/check-report.js';
import type { CliIo } from '../src/cli/io.js';
import { main } from '../src/cli/main.js';
import { cleanEnv, runCli, type CliResult } from './support/cli.js';
import { runMain } from './support/main-run.js';
import type { DriverStateView } from './support/memory-binding.js';
import { cliPath, fixturesDir } from './support/paths.js';
import { assertValidCheckReport } from './support/schema.js';
import {
  buildTestDriver,
  driverEnv,
  readDriverState,
  writeDriverConfig,
  type TestDriverConfig,
  type TestDriverDevice,
} from './support/test-driver.js';

const work = mkdtempSync(join(tmpdir(), 'rdma-probe-check-'));
after(() => rmSync(work, { recursive: true, force: true }));

const hostRoot = (name: string) => join(fixturesDir, 'host', name);
const READY_HOST = hostRoot('bare-metal-peermem');
const VM_HOST = hostRoot('vm-no-rdma');

interface Run {
  result: CliResult;
  /** Null when the driver was never loaded (a usage error stops before the probe). */
  state: DriverStateView | null;
}

interface RunOptions {
  /** RDMA_PROBE_SYSFS_ROOT; default the ready bare-metal fixture, so host facts are fixed. */
  root?: string;
  layers?: boolean;
}

/** `rdma-probe check ARGS` on the GPUs `config` describes, in this process. */
async function check(
  config: TestDriverConfig,
  args: string[] = [],
  options: RunOptions = {},
): Promise<Run> {
  const env = cleanEnv({ RDMA_PROBE_SYSFS_ROOT: options.root ?? READY_HOST });
  const { state, ...result } = await runMain(['check', ...args], { config, env });
  return { result, state };
}

/** The same through the real loader and the test driver, for what only they can show. */
function checkThroughDriver(
  config: TestDriverConfig,
  args: string[] = [],
  options: RunOptions = {},
): Run {
  const dir = mkdtempSync(join(work, 'run-'));
  const configPath = writeDriverConfig(dir, config);
  const statePath = join(dir, 'state.json');
  const env = driverEnv(buildTestDriver(), configPath, statePath, {
    layers: options.layers ?? false,
  });
  env['RDMA_PROBE_SYSFS_ROOT'] = options.root ?? READY_HOST;
  const result = runCli(['check', ...args], env);
  return { result, state: existsSync(statePath) ? readDriverState(statePath) : null };
}

/** The document of --json, checked against schema/check.schema.json. */
function documentOf(run: Run) {
  let doc: CheckReport;
  try {
    doc = JSON.parse(run.result.stdout) as CheckReport;
  } catch {
    throw new Error(
      `not JSON (exit ${run.result.exitCode}):\n${run.result.stdout}\n${run.result.stderr}`,
    );
  }
  assertValidCheckReport(doc);
  assert.equal(doc.exitCode, run.result.exitCode, 'the document names the exit code');
  return { ...run, doc };
}

/** `check ARGS --json`: the document, checked against its schema. */
async function checkJson(config: TestDriverConfig, args: string[] = [], options: RunOptions = {}) {
  return documentOf(await check(config, [...args, '--json'], options));
}

/** The one line health checkers read: exactly one, newline-terminated, within the cap. */
function theLine(result: CliResult): string {
  assert.ok(result.stdout.endsWith('\n'), `no final newline: ${JSON.stringify(result.stdout)}`);
  const line = result.stdout.slice(0, -1);
  assert.ok(!line.includes('\n'), `more than one line:\n${result.stdout}`);
  assert.ok(Buffer.byteLength(line) <= 200, `${Buffer.byteLength(line)} bytes: ${line}`);
  // eslint-disable-next-line no-control-regex
  assert.doesNotMatch(line, /[\u0000-\u001f\u007f-\u009f]/, 'a control character (colour?)');
  return line;
}

function assertOk(run: Run, pattern: RegExp): string {
  assert.equal(run.result.exitCode, 0, run.result.stdout + run.result.stderr);
  const line = theLine(run.result);
  assert.match(line, /^OK: /);
  assert.match(line, pattern);
  assert.equal(run.result.stderr, '', 'nothing on stderr when every rule holds');
  assertNothingLeft(run.state);
  return line;
}

function assertFail(run: Run, pattern: RegExp): string {
  assert.equal(run.result.exitCode, 1, run.result.stdout + run.result.stderr);
  const line = theLine(run.result);
  assert.match(line, /^FAIL: /);
  assert.match(line, pattern);
  assert.doesNotMatch(run.result.stderr, /\n\s+at /, 'stack trace');
  assertNothingLeft(run.state);
  return line;
}

function assertNothingLeft(state: DriverStateView | null): void {
  if (state === null) return;
  assert.deepEqual(state.live, { instances: 0, devices: 0, buffers: 0, memory: 0 }, 'leaked');
  assert.deepEqual(state.violations, [], 'valid-usage rules broken');
  assert.deepEqual(state.configErrors, []);
}

const capable: TestDriverDevice = {};
const noExtension: TestDriverDevice = { extensions: { rdma: false }, types: [{ flags: 1 }] };
const featureOff: TestDriverDevice = { externalMemoryRDMA: false };
/** NVIDIA packing of 575.64.05 (10.8.8.6 bits). */
const DRIVER_575_64_05 = ((575 << 22) | (64 << 14) | (5 << 6)) >>> 0;

describe('the default rule: every GPU is RDMA-capable', () => {
  test('one capable GPU: OK, naming it', async () => {
    const line = assertOk(await check({ devices: [capable] }), /RDMA-capable/);
    assert.equal(line, 'OK: GPU 0 00000000:06:00.0: RDMA-capable');
  });

  test('several capable GPUs: OK with the count', async () => {
    assertOk(await check({ devices: [capable, capable, capable] }), /^OK: 3 GPUs: RDMA-capable$/);
  });

  test('a GPU without the extension: FAIL with its index, PCI bus ID and reason code', async () => {
    const run = await check({ devices: [noExtension] });
    const line = assertFail(run, /^FAIL: GPU 0 00000000:06:00\.0: extension-missing: /);
    assert.doesNotMatch(line, /more$/, 'one problem only');
    assert.match(
      run.result.stderr,
      /^rdma-probe: check rdma-capable: GPU 0 00000000:06:00\.0: extension-missing: /,
    );
  });

  test('mixed verdicts: the first failing GPU, and how many more', async () => {
    const run = await check({ devices: [capable, featureOff, capable, noExtension] });
    assertFail(run, /^FAIL: GPU 1 00000000:07:00\.0: feature-disabled: .*; 1 more$/);
    const details = run.result.stderr.trimEnd().split('\n');
    assert.equal(details.length, 2, 'every problem on stderr');
    assert.match(details[1]!, /GPU 3 00000000:09:00\.0: extension-missing/);
  });

  test('--device judges only the GPU it selects', async () => {
    const devices = [capable, featureOff];
    assertOk(
      await check({ devices }, ['--device', '0']),
      /^OK: GPU 0 00000000:06:00\.0: --device 0, RDMA-capable$/,
    );
    assertFail(
      await check({ devices }, ['--device', '00000000:07:00.0']),
      /^FAIL: GPU 1 .*feature-disabled/,
    );
  });

  test('--device that matches no GPU fails the check, naming the GPUs found', async () => {
    const run = await check({ devices: [capable] }, [
      '--device',
      'GPU-52444d41-2d54-4553-542d-4750552d0009',
    ]);
    assertFail(
      run,
      /^FAIL: host: device-not-found: no GPU matches --device 'GPU-52444d41-.*' \(found 0: GPU-52444d41-/,
    );
  });

  // Through the loader: it calls vkEnumerateDeviceExtensionProperties itself, so only the
  // real one knows which call `skip` lands on.
  test('a GPU whose probe failed is a FAIL of that GPU (probe-failed), the others judged', () => {
    const config: TestDriverConfig = {
      devices: [capable, capable],
      faults: [
        {
          call: 'vkEnumerateDeviceExtensionProperties',
          result: 'VK_ERROR_DEVICE_LOST',
          device: 1,
          skip: 3,
        },
      ],
    };
    const { doc, result } = documentOf(checkThroughDriver(config, ['--json']));
    assert.equal(result.exitCode, 1);
    assert.equal(doc.problems.length, 1);
    assert.equal(doc.problems[0]!.code, 'probe-failed');
    assert.match(
      doc.line,
      /^FAIL: GPU \d+(?: \S+)?: probe-failed: probing this GPU failed: vkEnumerateDeviceExtensionProperties failed: VK_ERROR_DEVICE_LOST/,
    );
    const rule = doc.rules.find((r) => r.id === 'rdma-capable')!;
    assert.deepEqual(rule.results.map((r) => r.pass).sort(), [false, true]);
  });
});

describe('--gpus N: exactly N GPUs found, before --device selects', () => {
  test('the right count passes; a missing GPU (fallen off the bus) fails', async () => {
    const eight = Array.from({ length: 8 }, () => capable);
    assertOk(
      await check({ devices: eight }, ['--gpus', '8']),
      /^OK: 8 GPUs: 8 GPUs found as expected, RDMA-capable$/,
    );
    const run = await check({ devices: eight.slice(1) }, ['--gpus', '8']);
    assertFail(run, /^FAIL: host: gpu-count-mismatch: 7 GPUs found, expected 8 /);
    assertFail(await check({ devices: eight }, ['--gpus', '4']), /8 GPUs found, expected 4$/);
  });

  test('counted before --device: one GPU judged, all of them counted', async () => {
    const devices = [capable, capable, featureOff];
    assertOk(
      await check({ devices }, ['--device', '1', '--gpus', '3']),
      /^OK: GPU 1 00000000:07:00\.0: --device 1, 3 GPUs found as expected, RDMA-capable$/,
    );
    assertFail(
      await check({ devices }, ['--device', '1', '--gpus', '1']),
      /gpu-count-mismatch: 3 GPUs found, expected 1$/,
    );
  });
});

describe('--min-driver VERSION: compared part by part as numbers', () => {
  test('580.159.04 against older, equal and newer minimums', async () => {
    for (const min of ['575.64', '575.64.05', '580', '580.159.4', '580.159.04', '9.999']) {
      assertOk(
        await check({ devices: [capable] }, ['--min-driver', min]),
        new RegExp(`driver >= ${min.replaceAll('.', '\\.')}, RDMA-capable$`),
      );
    }
    for (const min of ['580.159.05', '580.160', '581', '1000.0']) {
      assertFail(
        await check({ devices: [capable] }, ['--min-driver', min]),
        new RegExp(
          `driver-too-old: driver 580\\.159\\.04 is older than ${min.replaceAll('.', '\\.')}$`,
        ),
      );
    }
  });

  test('575.64 < 575.64.05 < 580.159.04, with drivers of both on one host', async () => {
    const devices = [capable, { driverVersion: DRIVER_575_64_05 }];
    assertOk(await check({ devices }, ['--min-driver', '575.64']), /driver >= 575\.64/);
    assertOk(await check({ devices }, ['--min-driver', '575.64.05']), /driver >= 575\.64\.05/);
    assertFail(
      await check({ devices }, ['--min-driver', '575.64.06']),
      /^FAIL: GPU 1 00000000:07:00\.0: driver-too-old: driver 575\.64\.05 is older than 575\.64\.06$/,
    );
  });

  test('a bad VERSION is a usage error: exit 2, UNKNOWN on stdout', async () => {
    for (const bad of ['580.x', 'v580', '580.', '.580', '580..1', '', '580 .1', '-1']) {
      const run = await check({ devices: [capable] }, [`--min-driver=${bad}`]);
      assert.equal(run.result.exitCode, 2, bad);
      assert.match(
        theLine(run.result),
        /^UNKNOWN: usage error: --min-driver '.*' is not a version/,
        bad,
      );
    }
  });
});

describe('--host-ready: the host must be ready too', () => {
  test('a ready host passes', async () => {
    assertOk(await check({ devices: [capable] }, ['--host-ready']), /RDMA-capable, host ready$/);
  });

  test('a host without peermem and NICs fails with its first issue, the others noted', async () => {
    const run = await check({ devices: [capable] }, ['--host-ready'], { root: VM_HOST });
    assertFail(run, /^FAIL: host: peermem-absent: .*\(also: memory-peers-absent, no-rdma-nic\)$/);
  });

  test("without --host-ready the host's readiness does not count", async () => {
    assertOk(await check({ devices: [capable] }, [], { root: VM_HOST }), /RDMA-capable$/);
  });

  test("a GPU whose nearest NIC is on another NUMA node fails it (that GPU's placement)", async () => {
    const devices = [capable, { pci: { bus: 0x83 } }];
    const run = await check({ devices }, ['--host-ready']);
    assertFail(run, /^FAIL: GPU 1 00000000:83:00\.0: nic-other-numa-node: /);
    assertOk(await check({ devices }, ['--host-ready', '--device', '0']), /host ready$/);
  });
});

describe('--alloc[=SIZE]: a test allocation must succeed on every judged GPU', () => {
  test('it succeeds: OK, and everything is freed', async () => {
    const run = await check({ devices: [capable, capable] }, ['--alloc=64KiB']);
    assertOk(run, /^OK: 2 GPUs: RDMA-capable, 64\.0 KiB test allocation$/);
    assert.equal(run.state?.created.memory, 2);
  });

  test('the default size is 1 MiB', async () => {
    const { doc } = await checkJson({ devices: [capable] }, ['--alloc']);
    assert.equal(doc.status, 'ok');
    const rule = doc.rules.find((r) => r.id === 'alloc')!;
    assert.equal(rule.parameter, 1048576);
    assert.match(
      rule.results[0]!.message,
      /^1048576 bytes allocated and exported, remote address 0x7f0000001000$/,
    );
  });

  test('a failing allocation is a FAIL of that GPU', async () => {
    const run = await check(
      {
        devices: [capable],
        faults: [{ call: 'vkAllocateMemory', result: 'VK_ERROR_OUT_OF_DEVICE_MEMORY' }],
      },
      ['--alloc'],
    );
    assertFail(
      run,
      /^FAIL: GPU 0 00000000:06:00\.0: allocation-failed: test allocation failed: vkAllocateMemory failed: VK_ERROR_OUT_OF_DEVICE_MEMORY$/,
    );
  });

  test('a GPU that is not capable fails both rules: not capable, allocation skipped', async () => {
    const run = await check({ devices: [featureOff] }, ['--alloc']);
    assertFail(run, /^FAIL: GPU 0 .*: feature-disabled: .*; 1 more$/);
    assert.match(
      run.result.stderr,
      /check alloc: GPU 0 .*: allocation-skipped: no test allocation: not RDMA-capable \(feature-disabled\)/,
    );
    assert.equal(run.state?.created.devices, 0, 'no device for a GPU that is not capable');
  });

  test('passes the Khronos validation layer with zero messages', () => {
    const { doc, result, state } = documentOf(
      checkThroughDriver(
        { devices: [capable, { externalBuffer: { dedicatedOnly: true } }] },
        ['--alloc', '--validate', '--json'],
        { layers: true },
      ),
    );
    assert.equal(result.exitCode, 0, result.stderr);
    assert.equal(result.stderr, '', 'no validation message');
    assert.equal(doc.report?.validation?.layer, 'VK_LAYER_KHRONOS_validation');
    assert.deepEqual(doc.report?.validation?.messages, []);
    assert.deepEqual(
      doc.report?.gpus.map((gpu) => gpu.allocation?.status),
      ['ok', 'ok'],
    );
    assertNothingLeft(state);
  });
});

describe('rules together', () => {
  const args = ['--gpus', '2', '--min-driver', '575.64', '--host-ready', '--alloc=1MiB'];

  test('all hold: OK naming each rule', async () => {
    const line = assertOk(await check({ devices: [capable, capable] }, args), /^OK: 2 GPUs: /);
    assert.equal(
      line,
      'OK: 2 GPUs: 2 GPUs found as expected, driver >= 575.64, RDMA-capable, host ready, 1.0 MiB test allocation',
    );
  });

  test('several fail: the first in rule order, the others counted and on stderr', async () => {
    const run = await check(
      { devices: [capable, { ...noExtension, driverVersion: DRIVER_575_64_05 }, capable] },
      ['--gpus', '2', '--min-driver', '580', '--host-ready', '--alloc'],
      { root: VM_HOST },
    );
    // gpu-count, min-driver (GPU 1), rdma-capable (GPU 1), host-ready (host), alloc (GPU 1).
    assertFail(run, /^FAIL: host: gpu-count-mismatch: 3 GPUs found, expected 2; 4 more$/);
    const rules = run.result.stderr
      .trimEnd()
      .split('\n')
      .map((line) => /^rdma-probe: check ([a-z-]+):/.exec(line)?.[1]);
    assert.deepEqual(rules, ['gpu-count', 'min-driver', 'rdma-capable', 'host-ready', 'alloc']);
  });

  test('--json: every rule with its results per GPU, the line and the report', async () => {
    const { doc } = await checkJson({ devices: [capable, featureOff] }, args);
    assert.equal(doc.status, 'fail');
    assert.equal(doc.kind, 'check');
    assert.equal(doc.schemaVersion, 1);
    assert.equal(doc.gpusFound, 2);
    assert.deepEqual(doc.gpusSelected, [0, 1]);
    assert.deepEqual(
      doc.rules.map((r) => [r.id, r.pass]),
      [
        ['gpu-count', true],
        ['min-driver', true],
        ['rdma-capable', false],
        ['host-ready', true],
        ['alloc', false],
      ],
    );
    const rdma = doc.rules.find((r) => r.id === 'rdma-capable')!;
    assert.deepEqual(
      rdma.results.map((r) => [r.gpuIndex, r.pciBusId, r.pass, r.code]),
      [
        [0, '00000000:06:00.0', true, null],
        [1, '00000000:07:00.0', false, 'feature-disabled'],
      ],
    );
    const host = doc.rules.find((r) => r.id === 'host-ready')!;
    assert.deepEqual(
      host.results.map((r) => r.gpuIndex),
      [null, 0, 1],
      'the host, then each GPU placement',
    );
    assert.deepEqual(
      doc.problems.map((p) => [p.rule, p.gpuIndex, p.code]),
      [
        ['rdma-capable', 1, 'feature-disabled'],
        ['alloc', 1, 'allocation-skipped'],
      ],
    );
    assert.match(doc.line, /^FAIL: GPU 1 00000000:07:00\.0: feature-disabled: .*; 1 more$/);
    assert.equal(doc.report?.gpus.length, 2);
    assert.equal(doc.report?.schemaVersion, 1);
  });
});

describe('the one line stays one line of at most 200 bytes', () => {
  test('64 failing GPUs with long messages: cut with an ellipsis, "; N more" kept', async () => {
    const devices = Array.from({ length: 64 }, () => noExtension);
    const run = await check({ devices }, ['--alloc']);
    const line = assertFail(run, /^FAIL: GPU 0 00000000:06:00\.0: extension-missing: the driver /);
    assert.match(line, /…; 127 more$/);
    assert.ok(Buffer.byteLength(line) >= 198, `cut to the cap: ${Buffer.byteLength(line)} bytes`);
    assert.equal(run.result.stderr.trimEnd().split('\n').length, 128, 'every problem on stderr');
  });

  test('a long first message on one GPU: cut, no "more"', async () => {
    const { doc, result } = await checkJson({ devices: [noExtension] });
    assert.equal(result.exitCode, 1);
    assert.ok(Buffer.byteLength(doc.line) <= 200);
    assert.equal(
      doc.line,
      theLine((await check({ devices: [noExtension] })).result),
      '--json carries the same line',
    );
  });

  test('what the operator typed is escaped in the line', async () => {
    const run = await check({ devices: [capable] }, ['--device', 'GPU-\u001b]0;owned\u0007']);
    assert.equal(run.result.exitCode, 2);
    const line = theLine(run.result);
    assert.match(line, /^UNKNOWN: usage error: --device 'GPU-\\x1b\]0;owned\\x07' is not/);
  });
});

describe('exit codes and UNKNOWN', () => {
  test('usage errors: exit 2, UNKNOWN: usage error on stdout, one message on stderr', async () => {
    const cases: [string[], RegExp][] = [
      [['--bogus'], /unknown option '--bogus'/],
      [['--gpus', '0'], /--gpus '0' is not a GPU count from 1 to 4096/],
      [['--gpus', 'eight'], /--gpus 'eight' is not a GPU count/],
      [['--gpus', '4097'], /--gpus '4097' is not a GPU count/],
      [['--alloc=0'], /greater than zero/],
      [['--alloc=lots'], /not a size/],
      [['--device', 'not-a-gpu'], /--device 'not-a-gpu' is not/],
      [['extra'], /too many arguments/],
    ];
    for (const [args, pattern] of cases) {
      const result = await runMain(['check', ...args]);
      assert.equal(result.exitCode, 2, args.join(' '));
      const line = theLine(result);
      assert.match(line, /^UNKNOWN: usage error: /, args.join(' '));
      assert.match(line, pattern, args.join(' '));
      assert.doesNotMatch(result.stderr, /\n\s+at /);
    }
  });

  test('no Vulkan loader: exit 3, UNKNOWN naming the package', async () => {
    const result = await runMain(['check'], {
      binding: 'real',
      env: cleanEnv({ RDMA_PROBE_VULKAN_LIBRARY: '/nonexistent/libvulkan.so.1' }),
    });
    assert.equal(result.exitCode, 3);
    assert.match(theLine(result), /^UNKNOWN: Vulkan loader not found .*libvulkan1/);
    assert.match(result.stderr, /^rdma-probe: Vulkan loader not found/);
    assert.doesNotMatch(result.stderr, /\n\s+at /);
  });

  test('no Vulkan driver, or a driver with no GPU: exit 3, UNKNOWN', async () => {
    // The loader reads VK_DRIVER_FILES from the process's environment: a process of its own.
    const none = runCli(['check'], cleanEnv({ VK_DRIVER_FILES: '/nonexistent/icd.json' }));
    assert.equal(none.exitCode, 3);
    assert.match(theLine(none), /^UNKNOWN: no Vulkan (driver|device) found/);
    const run = await check({ devices: [] });
    assert.equal(run.result.exitCode, 3);
    assert.match(theLine(run.result), /^UNKNOWN: no Vulkan device found/);
    assertNothingLeft(run.state);
  });

  test('an unexpected Vulkan failure before any GPU is judged: exit 3 (not 4), UNKNOWN naming it', async () => {
    const run = await check({
      faults: [{ call: 'vkEnumeratePhysicalDevices', result: 'VK_ERROR_OUT_OF_HOST_MEMORY' }],
    });
    assert.equal(run.result.exitCode, 3);
    assert.equal(
      theLine(run.result),
      'UNKNOWN: vkEnumeratePhysicalDevices failed: VK_ERROR_OUT_OF_HOST_MEMORY',
    );
    assertNothingLeft(run.state);
  });

  test('--json when nothing could be judged: a document with status unknown, no report', async () => {
    const { doc, result } = await checkJson({ devices: [] });
    assert.equal(result.exitCode, 3);
    assert.equal(doc.status, 'unknown');
    assert.equal(doc.report, null);
    assert.match(doc.error!.message, /no Vulkan device found/);
    const usage = await runMain(['check', '--json', '--gpus', 'x']);
    assert.equal(usage.exitCode, 2);
    const usageDoc = JSON.parse(usage.stdout) as CheckReport;
    assertValidCheckReport(usageDoc);
    assert.equal(usageDoc.status, 'unknown');
    assert.equal(usageDoc.exitCode, 2);
  });

  test('check --help: every rule, the line, examples, and the exit codes as health checkers read them', async () => {
    const help = (await runMain(['check', '--help'])).stdout;
    for (const option of [
      '--device',
      '--gpus',
      '--min-driver',
      '--host-ready',
      '--alloc',
      '--json',
      '--validate',
    ]) {
      assert.ok(help.includes(option), `check --help lacks ${option}`);
    }
    assert.match(help, /Examples:\n {2}rdma-probe check /);
    assert.match(
      help,
      /OK: <summary>[\s\S]*FAIL: <first problem>\[; N more\][\s\S]*UNKNOWN: <why>/,
    );
    assert.match(
      help,
      /Exit codes \(check uses these four only\):\n {2}0 {2}OK[^\n]*\n {2}1 {2}FAIL[^\n]*\n {2}2 {2}usage error[^\n]*\n {2}3 {2}UNKNOWN/,
    );
    assert.match(
      help,
      /an internal error: a bug in rdma-probe prints its\s+stack trace on stderr and exits 3, never 1/,
    );
    assert.match(
      help,
      /node-problem-detector reads 0 as OK, 1 as NonOK and anything else as Unknown/,
    );
    assert.match(help, /Slurm does nothing with HealthCheckProgram's exit code itself/);
    const top = (await runMain(['--help'])).stdout;
    assert.match(top, /check \[options\] +health check/);
    assert.match(top, /check: a rule does not hold/);
  });

  test('help asked for: exit 0, the help and no check line', async () => {
    for (const args of [
      ['check', '--help'],
      ['help', 'check'],
    ]) {
      const result = await runMain(args);
      assert.equal(result.exitCode, 0, args.join(' '));
      assert.match(result.stdout, /^Usage: rdma-probe check/);
      assert.doesNotMatch(result.stdout, /^(OK|FAIL|UNKNOWN):/m);
    }
  });

  test('a bug in rdma-probe: exit 3 (never 1, which means FAIL), UNKNOWN, the stack on stderr', async () => {
    const run = async (args: string[]) => {
      let stdout = '';
      let stderr = '';
      const io: CliIo = {
        stdout: { write: (text: string) => (stdout += text) },
        stderr: { write: (text: string) => (stderr += text) },
        env: {},
      };
      const loadBinding = () => {
        throw new TypeError('a bug');
      };
      const code = await main(['node', 'rdma-probe', ...args], io, { loadBinding });
      return { code, stdout, stderr };
    };
    const checked = await run(['check']);
    assert.equal(checked.code, 3);
    assert.equal(
      checked.stdout,
      'UNKNOWN: internal error in rdma-probe (a bug: its stack trace is on stderr, please report it)\n',
    );
    assert.match(
      checked.stderr,
      /^rdma-probe: internal error \(please report this\)\nTypeError: a bug\n\s+at /,
    );
    const json = await run(['check', '--json']);
    assert.equal(json.code, 3);
    const doc = JSON.parse(json.stdout) as CheckReport;
    assertValidCheckReport(doc);
    assert.equal(doc.status, 'unknown');
    // Elsewhere a bug keeps its own exit code.
    assert.equal((await run(['list'])).code, 1);
  });

  test('a standard output that cannot be written: exit 3, the reason on stderr', async () => {
    const result = spawnSync('sh', ['-c', `"${process.execPath}" "${cliPath}" check > /dev/full`], {
      env: cleanEnv(),
      encoding: 'utf8',
    });
    assert.equal(result.status, 3, result.stderr);
    assert.match(result.stderr, /rdma-probe: cannot write to standard output/);
    assert.doesNotMatch(result.stderr, /\n\s+at /);
  });
});
