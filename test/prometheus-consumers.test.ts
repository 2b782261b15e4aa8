/**
 * The Prometheus outputs judged by the programs that consume them, not by our own parser:
 * `promtool check metrics` on every kind of textfile rdma-probe writes, `promtool check
 * rules` and `promtool test rules` on the shipped alert rules, and node_exporter's textfile
 * collector, run as another user on 127.0.0.1, reading a file that rdma-probe wrote under
 * umask 077. promtool and node_exporter come from Debian's prometheus and
 * prometheus-node-exporter packages (scripts/setup.sh installs them).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { renderPrometheus, renderPrometheusFailure } from '../src/render/prometheus.js';
import type { ListReport, ListReportJson } from '../src/list-report.js';
import { cleanEnv, runCli } from './support/cli.js';
import { cliPath, repoRoot } from './support/paths.js';
import { reportFromJson } from './support/read-back.js';
import { extensionMissingGpu, gpuReport, listReport } from './support/report-fixtures.js';
import { buildTestDriver, driverEnv, writeDriverConfig } from './support/test-driver.js';
import { NODE_EXPORTER, needsRoot, scrapeTextfiles } from './support/node-exporter.js';

const PROMTOOL = '/usr/bin/promtool';
const RULES = join(repoRoot, 'docs', 'examples', 'rdma-probe.rules.yml');
const RULE_TESTS = join(repoRoot, 'test', 'fixtures', 'prometheus', 'rules.test.yml');

const work = mkdtempSync(join(tmpdir(), 'rdma-probe-prom-'));
after(() => rmSync(work, { recursive: true, force: true }));

function requireTool(path: string): void {
  assert.ok(
    spawnSync(path, ['--version']).status === 0,
    `${path} is missing: run scripts/setup.sh (Debian's prometheus and prometheus-node-exporter)`,
  );
}

/** promtool's verdict on one textfile: exit 0 and no lint message, or the message. */
function promtoolCheckMetrics(text: string): string {
  const result = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return result.status === 0 && result.stdout.trim() === '' && result.stderr.trim() === ''
    ? ''
    : `exit ${result.status}: ${result.stdout}${result.stderr}`;
}

function driverRun(name: string, config: object, args: string[]): string {
  const dir = mkdtempSync(join(work, `${name}-`));
  const env = driverEnv(
    buildTestDriver(),
    writeDriverConfig(dir, config),
    join(dir, 'state.json'),
    { base: cleanEnv() },
  );
  const result = runCli(['list', '--format', 'prometheus', ...args], env);
  assert.ok(result.exitCode === 0 || result.exitCode === 5, `${name}: ${result.stderr}`);
  return result.stdout;
}

test('promtool check metrics accepts every textfile rdma-probe writes', () => {
  requireTool(PROMTOOL);
  const hostile: ListReport = listReport([gpuReport({ index: 0 }), extensionMissingGpu(1)]);
  hostile.host.hostname = 'node "a"\\b\nc';
  hostile.gpus[0]!.identity.name = 'GPU "quoted" \\ back\nslash \u001b[31m';
  const real = reportFromJson(
    JSON.parse(
      readFileSync(
        join(repoRoot, 'test', 'fixtures', 'real', 'nvidia-h100-80gb-hbm3.json'),
        'utf8',
      ),
    ) as ListReportJson,
  );
  const outputs: Record<string, string> = {
    'lavapipe (this machine)': runCli(['list', '--format', 'prometheus']).stdout,
    'a capable GPU with --alloc': driverRun('alloc', { devices: [{}] }, ['--alloc=64MiB']),
    'eight GPUs, mixed': driverRun(
      'eight',
      {
        devices: Array.from({ length: 8 }, (_, i) =>
          i % 2 ? { extensions: { rdma: false } } : { externalBuffer: { dedicatedOnly: true } },
        ),
      },
      [],
    ),
    'a failed probe': runCli(
      ['list', '--format', 'prometheus'],
      cleanEnv({ RDMA_PROBE_VULKAN_LIBRARY: join(work, 'no-such-loader.so') }),
    ).stdout,
    'the real H100 report': renderPrometheus(real),
    'hostile label values': renderPrometheus(hostile),
    'the failure text': renderPrometheusFailure({
      toolVersion: '0.1.0',
      finishedAt: new Date(0),
      durationSeconds: 0.5,
    }),
  };
  for (const [what, text] of Object.entries(outputs)) {
    assert.match(text, /^rdma_probe_success [01]$/m, `${what}: no rdma_probe_success`);
    assert.equal(promtoolCheckMetrics(text), '', `${what}:\n${text}`);
  }
});

test('promtool check metrics is strict enough to catch a broken textfile (the check can fail)', () => {
  requireTool(PROMTOOL);
  const good = runCli(['list', '--format', 'prometheus']).stdout;
  // A value that is not a number is a parse error; a counter without _total a lint error.
  assert.notEqual(
    promtoolCheckMetrics(good.replace('rdma_probe_success 1', 'rdma_probe_success one')),
    '',
  );
  assert.notEqual(
    promtoolCheckMetrics(good.replace('rdma_probe_gpus gauge', 'rdma_probe_gpus counter')),
    '',
  );
});

test('the shipped alert rules pass promtool check rules and their unit tests', () => {
  requireTool(PROMTOOL);
  const check = spawnSync(PROMTOOL, ['check', 'rules', RULES], { encoding: 'utf8' });
  assert.equal(check.status, 0, check.stdout + check.stderr);
  assert.match(check.stdout, /SUCCESS: 4 rules found/);
  const unit = spawnSync(PROMTOOL, ['test', 'rules', RULE_TESTS], { encoding: 'utf8' });
  assert.equal(unit.status, 0, unit.stdout + unit.stderr);
  assert.match(unit.stdout, /SUCCESS/);
});

test('docs/deployment.md shows exactly the shipped alert rules', () => {
  const deployment = readFileSync(join(repoRoot, 'docs', 'deployment.md'), 'utf8');
  const rules = readFileSync(RULES, 'utf8');
  assert.ok(deployment.includes(`\`\`\`yaml\n${rules}\`\`\``), 'the rules in the docs differ');
});

test(
  "node_exporter, as another user, reads rdma-probe's file written under umask 077",
  { skip: needsRoot },
  async () => {
    requireTool(NODE_EXPORTER);
    // Its own folder in the system's temporary folder: node_exporter runs as nobody.
    const folder = mkdtempSync(join(tmpdir(), 'rdma-probe-textfile-'));
    chmodSync(folder, 0o755);
    after(() => rmSync(folder, { recursive: true, force: true }));
    const target = join(folder, 'rdma_probe.prom');
    const written = spawnSync(
      'sh',
      [
        '-c',
        'umask 077; exec "$0" "$@"',
        process.execPath,
        cliPath,
        'list',
        '--format',
        'prometheus',
        '-o',
        target,
      ],
      { env: cleanEnv(), encoding: 'utf8' },
    );
    assert.equal(written.status, 0, written.stderr);
    assert.equal(statSync(target).mode & 0o777, 0o644);
    // A stray file the collector would also read must not hide our series.
    writeFileSync(join(folder, 'README'), 'not a .prom file\n');

    const { metrics, log } = await scrapeTextfiles(folder);
    assert.match(metrics, /^node_textfile_scrape_error 0$/m, log);
    assert.match(metrics, /^rdma_probe_success 1$/m);
    assert.match(metrics, /^rdma_probe_gpus 1$/m);
    assert.match(metrics, /^rdma_probe_gpu_rdma_capable\{.*\} 0$/m);
    assert.match(metrics, /^node_textfile_mtime_seconds\{file="[^"]*rdma_probe\.prom"\} /m);
  },
);
