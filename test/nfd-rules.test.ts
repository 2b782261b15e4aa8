/**
 * Every NFD feature file rdma-probe writes, held to the rules node-feature-discovery
 * applies (test/support/nfd-rules.ts says where each rule comes from in NFD's code), and
 * the rules themselves shown to reject what NFD rejects.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { renderNfd } from '../src/render/nfd.js';
import type { ListReportJson } from '../src/list-report.js';
import { cleanEnv, runCli } from './support/cli.js';
import { checkNfdFeatureFile } from './support/nfd-rules.js';
import { repoRoot } from './support/paths.js';
import { reportFromJson } from './support/read-back.js';
import { extensionMissingGpu, gpuReport, listReport } from './support/report-fixtures.js';
import { buildTestDriver, driverEnv, writeDriverConfig } from './support/test-driver.js';

const work = mkdtempSync(join(tmpdir(), 'rdma-probe-nfd-rules-'));
after(() => rmSync(work, { recursive: true, force: true }));
const expiresAt = new Date('2026-01-02T00:00:00.000Z');

test('every feature file rdma-probe writes passes NFD’s rules', () => {
  const real = reportFromJson(
    JSON.parse(
      readFileSync(
        join(repoRoot, 'test', 'fixtures', 'real', 'nvidia-h100-80gb-hbm3.json'),
        'utf8',
      ),
    ) as ListReportJson,
  );
  const hostile = listReport([gpuReport({ index: 0 }), extensionMissingGpu(1)]);
  hostile.host.hostname = 'node\n# +no-label\nevil=1';
  hostile.gpus[0]!.identity.driverVersion = `${'9'.repeat(80)} (beta)\u001b[2J`;
  const many = listReport(Array.from({ length: 3000 }, (_, index) => gpuReport({ index })));

  const dir = mkdtempSync(join(work, 'driver-'));
  const config = writeDriverConfig(dir, {
    devices: Array.from({ length: 8 }, (_, i) => (i % 3 ? {} : { extensions: { rdma: false } })),
  });
  const env = driverEnv(buildTestDriver(), config, join(dir, 'state.json'), { base: cleanEnv() });
  const folder = mkdtempSync(join(work, 'features.d-'));
  const written = runCli(
    ['list', '--format', 'nfd', '--alloc', '-o', join(folder, 'rdma-probe')],
    env,
  );
  assert.equal(written.exitCode, 5, written.stderr); // the not-capable GPUs were skipped
  assert.deepEqual(readdirSync(folder), ['rdma-probe'], 'a temporary file was left for NFD to see');

  const files: Record<string, string> = {
    'lavapipe (this machine)': runCli(['list', '--format', 'nfd']).stdout,
    'eight test-driver GPUs with --alloc, via --output': readFileSync(
      join(folder, 'rdma-probe'),
      'utf8',
    ),
    'the real H100 report': renderNfd(real, { expiresAt }),
    'hostile host and driver strings': renderNfd(hostile, { expiresAt }),
    '3000 GPUs (truncated)': renderNfd(many, { expiresAt }),
  };
  for (const [what, text] of Object.entries(files)) {
    const file = checkNfdFeatureFile(text);
    assert.ok(file.expiryTime, `${what}: no expiry`);
    assert.ok(file.labels.size > 4, `${what}: only ${file.labels.size} labels`);
    assert.equal(file.labels.get('feature.node.kubernetes.io/rdma-probe.schema-version'), '1');
  }
  assert.ok(!checkNfdFeatureFile(files['hostile host and driver strings']!).labels.has('evil'));
  assert.equal(
    checkNfdFeatureFile(files['3000 GPUs (truncated)']!).labels.get(
      'feature.node.kubernetes.io/rdma-probe.truncated',
    ),
    'true',
  );
});

test('the NFD rules reject what NFD rejects', () => {
  const ok =
    '# +expiry-time=2026-01-02T00:00:00Z\nfeature.node.kubernetes.io/rdma-probe.capable=true\n';
  assert.equal(checkNfdFeatureFile(ok).labels.size, 1);
  const broken: Record<string, string> = {
    'a bare name': 'rdma-probe.capable=true\n',
    'a kubernetes.io namespace': 'node.kubernetes.io/rdma=true\n',
    'an upper-case namespace': 'Feature.node.kubernetes.io/x=true\n',
    'a name of 64 characters': `feature.node.kubernetes.io/${'a'.repeat(64)}=true\n`,
    'a value of 64 characters': `feature.node.kubernetes.io/a=${'b'.repeat(64)}\n`,
    'a value with a space': 'feature.node.kubernetes.io/a=b c\n',
    'an unknown directive': '# +expiry=2026-01-02T00:00:00Z\n',
    'a five-digit year': '# +expiry-time=+12026-01-02T00:00:00Z\n',
    'a date without a zone': '# +expiry-time=2026-01-02T00:00:00\n',
    'February 30th': '# +expiry-time=2026-02-30T00:00:00Z\n',
    'an expiry after labels': `feature.node.kubernetes.io/a=b\n# +expiry-time=2026-01-02T00:00:00Z\n`,
    'a label twice': 'feature.node.kubernetes.io/a=b\nfeature.node.kubernetes.io/a=c\n',
    'a file over 64 KiB': `# ${'x'.repeat(65536)}\n`,
  };
  for (const [what, text] of Object.entries(broken)) {
    assert.throws(() => checkNfdFeatureFile(text), /NFD rule broken/, what);
  }
  assert.throws(() => checkNfdFeatureFile(ok, '.rdma-probe.123.tmp'), /hidden/);
  assert.equal(
    checkNfdFeatureFile(
      '# +expiry-time=2026-01-02T00:00:00.5+05:30\nrdma.feature.node.kubernetes.io/x\n',
    ).labels.get('rdma.feature.node.kubernetes.io/x'),
    'true',
  );
});
