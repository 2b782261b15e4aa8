/**
 * The health-check set-ups in docs/health-check.md: the node-problem-detector config is
 * checked against the fields NPD documents and validates, and every `rdma-probe check`
 * command line in the docs and in `check --help` is run (main() in this process, on GPUs
 * the test driver's configuration describes), so a documented snippet cannot name an
 * option that does not exist.
 *
 * NPD's fields, from kubernetes/node-problem-detector: docs/custom_plugin_monitor.md and
 * pkg/custompluginmonitor/types/{config.go,types.go} (CustomPluginConfig, CustomRule).
 * NPD's Go decoder ignores fields it does not know, so a misspelt one would be dropped
 * silently there; here it fails.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { MAX_CHECK_LINE_BYTES } from '../src/render/check-line.js';
import { cleanEnv } from './support/cli.js';
import { runMain } from './support/main-run.js';
import { fixturesDir, repoRoot } from './support/paths.js';
import type { TestDriverConfig } from './support/test-driver.js';

const docsDir = join(repoRoot, 'docs');
const npdConfigPath = join(docsDir, 'examples', 'npd-rdma-probe.json');
const guide = readFileSync(join(docsDir, 'health-check.md'), 'utf8');

/** The top level: CustomPluginConfig's JSON names. */
const NPD_TOP = ['plugin', 'pluginConfig', 'source', 'metricsReporting', 'conditions', 'rules'];
/** pluginGlobalConfig's JSON names. */
const NPD_PLUGIN_CONFIG = [
  'invoke_interval',
  'timeout',
  'max_output_length',
  'concurrency',
  'enable_message_change_based_condition_update',
  'skip_initial_status',
];
/** types.Condition as a default condition. */
const NPD_CONDITION = ['type', 'reason', 'message'];
/** CustomRule's JSON names. */
const NPD_RULE = ['type', 'condition', 'reason', 'path', 'args', 'timeout', 'invoke_interval'];

/** Go's time.ParseDuration, for the units NPD configs use; milliseconds. */
function goDurationMs(text: unknown): number {
  assert.equal(typeof text, 'string', `duration ${String(text)}`);
  const units: Record<string, number> = { ms: 1, s: 1e3, m: 60e3, h: 3600e3 };
  assert.match(text as string, /^(\d+(\.\d+)?(ms|s|m|h))+$/, `not a Go duration: ${String(text)}`);
  let total = 0;
  for (const [, value, , unit] of (text as string).matchAll(/(\d+(\.\d+)?)(ms|s|m|h)/g)) {
    total += Number(value) * units[unit!]!;
  }
  return total;
}

function assertOnlyKeys(object: object, allowed: string[], what: string): void {
  for (const key of Object.keys(object)) {
    assert.ok(
      allowed.includes(key),
      `${what}: '${key}' is not a field NPD knows (${allowed.join(', ')})`,
    );
  }
}

interface NpdRule {
  type: string;
  condition?: string;
  reason: string;
  path: string;
  args?: string[];
  timeout?: string;
}

interface NpdConfig {
  plugin: string;
  pluginConfig: Record<string, unknown>;
  source: string;
  conditions: { type: string; reason: string; message: string }[];
  rules: NpdRule[];
}

const npd = JSON.parse(readFileSync(npdConfigPath, 'utf8')) as NpdConfig;

/** NPD's toConditionStatus: how a permanent rule's exit code sets its condition. */
function npdConditionStatus(exitCode: number | null): 'True' | 'False' | 'Unknown' {
  return exitCode === 0 ? 'False' : exitCode === 1 ? 'True' : 'Unknown';
}

/** `rdma-probe ARGS` on the GPUs `config` describes, on the ready bare-metal host fixture. */
function runDocumented(args: string[], config: TestDriverConfig = { devices: [{}] }) {
  const env = cleanEnv({ RDMA_PROBE_SYSFS_ROOT: join(fixturesDir, 'host', 'bare-metal-peermem') });
  return runMain(args, { config, env });
}

describe('the node-problem-detector custom plugin config', () => {
  test('uses only the fields NPD documents, with the values its validation accepts', () => {
    assertOnlyKeys(npd, NPD_TOP, 'config');
    assert.equal(npd.plugin, 'custom', 'NPD supports only the "custom" plugin');
    assert.ok(typeof npd.source === 'string' && npd.source.length > 0);

    const global = npd.pluginConfig;
    assertOnlyKeys(global, NPD_PLUGIN_CONFIG, 'pluginConfig');
    const globalTimeout = goDurationMs(global['timeout']);
    assert.ok(goDurationMs(global['invoke_interval']) >= globalTimeout, 'runs overlap');
    assert.ok(Number.isInteger(global['concurrency']) && (global['concurrency'] as number) >= 1);
    const maxOutput = global['max_output_length'];
    assert.ok(Number.isInteger(maxOutput));
    assert.ok(
      (maxOutput as number) >= MAX_CHECK_LINE_BYTES,
      `max_output_length ${String(maxOutput)} would cut check's ${MAX_CHECK_LINE_BYTES}-byte line`,
    );

    assert.equal(npd.conditions.length, 1);
    for (const condition of npd.conditions) {
      assertOnlyKeys(condition, NPD_CONDITION, 'condition');
      for (const field of NPD_CONDITION) {
        assert.equal(typeof condition[field as keyof typeof condition], 'string', field);
      }
    }

    assert.ok(npd.rules.length >= 1);
    for (const rule of npd.rules) {
      assertOnlyKeys(rule, NPD_RULE, 'rule');
      assert.ok(['temporary', 'permanent'].includes(rule.type), rule.type);
      assert.ok(rule.reason.length > 0);
      assert.match(rule.path, /^\/.*\/rdma-probe$/, 'an absolute path to the binary');
      assert.ok(Array.isArray(rule.args) && rule.args.every((arg) => typeof arg === 'string'));
      assert.equal(rule.args[0], 'check');
      // NPD's Validate(): a rule's timeout is at most the global one, and a permanent
      // rule's condition has a default condition.
      if (rule.timeout !== undefined) assert.ok(goDurationMs(rule.timeout) <= globalTimeout);
      if (rule.type === 'permanent') {
        assert.ok(
          npd.conditions.some((condition) => condition.type === rule.condition),
          `permanent rule's condition ${String(rule.condition)} has no default condition`,
        );
      }
    }
  });

  test('its condition reads True exactly when the check fails (NPD conditions name a problem)', async () => {
    const rule = npd.rules.find((r) => r.type === 'permanent')!;
    const condition = npd.conditions.find((c) => c.type === rule.condition)!;
    assert.equal(condition.type, 'RDMANotReady');
    assert.equal(condition.reason, 'RDMAReady', 'the reason a healthy node shows');

    const healthy = await runDocumented(rule.args!);
    assert.equal(npdConditionStatus(healthy.exitCode), 'False', healthy.stdout + healthy.stderr);
    const failing = await runDocumented(rule.args!, { devices: [{ externalMemoryRDMA: false }] });
    assert.equal(npdConditionStatus(failing.exitCode), 'True', failing.stdout + failing.stderr);
    for (const result of [healthy, failing]) {
      const line = result.stdout.trimEnd();
      assert.ok(Buffer.byteLength(line) <= (npd.pluginConfig['max_output_length'] as number));
    }
  });

  test('docs/health-check.md shows exactly this file', () => {
    const blocks = [...guide.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1]!);
    const shown = blocks.map((block) => JSON.parse(block) as unknown);
    assert.ok(
      shown.some((doc) => JSON.stringify(doc) === JSON.stringify(npd)),
      'the NPD config in docs/health-check.md differs from docs/examples/npd-rdma-probe.json',
    );
    assert.ok(existsSync(npdConfigPath));
  });
});

/** The code blocks of a Markdown text. */
function codeBlocks(markdown: string): string {
  return [...markdown.matchAll(/```[a-z]*\n([\s\S]*?)```/g)].map((m) => m[1]!).join('\n');
}

/** The arguments after `check` of every check command line in a text. */
function documentedChecks(text: string): string[][] {
  const found: string[][] = [];
  for (const line of text.split('\n')) {
    if (line.trim().startsWith('#')) continue;
    // Shell: `rdma-probe check ARGS ...` or NHC's `check_rdma_probe ARGS`, up to a redirection,
    // a pipe or a quote.
    const command = line.replace(/\s\d*>.*$/, '');
    const shell = /(?:rdma-probe check|check_rdma_probe)((?: [^\s|"')`]+)*)/.exec(command);
    // Ansible's argv: [/usr/local/bin/rdma-probe, check, --gpus, '8', ...]
    const argv = /argv: \[[^,\]]*rdma-probe, check((?:, [^,\]]+)*)\]/.exec(line);
    if (argv) {
      found.push(
        argv[1]!
          .split(', ')
          .slice(1)
          .map((word) => word.replace(/^'(.*)'$/, '$1')),
      );
    } else if (shell && !line.includes('"$@"')) {
      const args = shell[1]!.trim().split(' ').filter(Boolean);
      // Options only: "Usage: rdma-probe check [options]" is not a command line.
      if (args.length === 0 || args[0]!.startsWith('-')) found.push(args);
    }
  }
  return found;
}

const help = (await runMain(['check', '--help'])).stdout;

describe('every documented check command line runs', () => {
  const lines = [
    ...documentedChecks(codeBlocks(guide)).map((args) => ({ where: 'docs/health-check.md', args })),
    ...documentedChecks(help).map((args) => ({ where: 'check --help', args })),
  ];

  test('there are some in both places', () => {
    assert.ok(lines.filter((l) => l.where === 'check --help').length >= 3);
    assert.ok(lines.filter((l) => l.where !== 'check --help').length >= 3);
  });

  test('each parses and judges (exit 0 or 1, one line or one JSON document)', async () => {
    const eight = { devices: Array.from({ length: 8 }, () => ({})) };
    for (const { where, args } of lines) {
      const result = await runDocumented(['check', ...args], eight);
      const label = `${where}: rdma-probe check ${args.join(' ')}`;
      assert.ok(
        result.exitCode === 0 || result.exitCode === 1,
        `${label}: ${result.stdout}${result.stderr}`,
      );
      if (args.includes('--json')) JSON.parse(result.stdout);
      else assert.match(result.stdout, /^(OK|FAIL): [^\n]*\n$/, label);
    }
  });
});
