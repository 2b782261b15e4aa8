import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { EnvironmentError } from '../src/errors.js';
import { writeFileAtomic } from '../src/output/atomic-write.js';
import { rfc3339 } from '../src/render/nfd.js';
import { cleanEnv, runCli } from './support/cli.js';
import { fixturesDir } from './support/paths.js';
import { assertValidReport, assertValidReportLine } from './support/schema.js';

const folder = mkdtempSync(join(tmpdir(), 'rdma-probe-output-'));
after(() => rmSync(folder, { recursive: true, force: true }));

test('atomic write: new file, replaced file, no temporary file left', () => {
  const target = join(folder, 'metrics.prom');
  writeFileAtomic(target, 'one\n');
  assert.equal(readFileSync(target, 'utf8'), 'one\n');
  assert.equal(statSync(target).mode & 0o777 & ~0o022, 0o644 & ~0o022);
  writeFileAtomic(target, 'two\n');
  assert.equal(readFileSync(target, 'utf8'), 'two\n');
  assert.deepEqual(readdirSync(folder), ['metrics.prom']);
});

test('atomic write: a failure is an EnvironmentError and leaves nothing behind', () => {
  const sub = mkdtempSync(join(folder, 'fail-'));
  // No such folder: the temporary file cannot even be created.
  assert.throws(
    () => writeFileAtomic(join(sub, 'missing', 'x.prom'), 'x'),
    (error: unknown) => error instanceof EnvironmentError && /cannot write/.test(error.message),
  );
  // A folder where the file should go: the rename fails after the temporary file was written.
  mkdirSync(join(sub, 'taken.prom'));
  assert.throws(() => writeFileAtomic(join(sub, 'taken.prom'), 'x'), EnvironmentError);
  assert.deepEqual(readdirSync(sub), ['taken.prom']);
});

test('list --format prometheus --output: the file, written atomically; nothing on stdout', () => {
  const target = join(folder, 'rdma_probe.prom');
  const result = runCli(['list', '--format', 'prometheus', '--output', target]);
  assert.equal(result.exitCode, 0, result.stderr);
  assert.equal(result.stdout, '');
  const text = readFileSync(target, 'utf8');
  assert.match(text, /^rdma_probe_success 1$/m);
  assert.match(
    text,
    /^rdma_probe_gpu_rdma_capable\{uuid="GPU-[0-9a-f-]+",pci_bus_id="",name="llvmpipe[^"]*"\} 0$/m,
  );
  assert.ok(!readdirSync(folder).some((name) => name.endsWith('.tmp')));
});

test('list --format prometheus: a failed probe still writes rdma_probe_success 0', () => {
  const target = join(folder, 'failed.prom');
  const env = cleanEnv({ RDMA_PROBE_VULKAN_LIBRARY: join(folder, 'no-such-libvulkan.so') });
  const result = runCli(['list', '--format', 'prometheus', '--output', target], env);
  assert.equal(result.exitCode, 3, result.stderr);
  assert.match(result.stderr, /^rdma-probe: /);
  assert.match(readFileSync(target, 'utf8'), /^rdma_probe_success 0$/m);
});

test('list --format nfd --output: labels with an expiry; --nfd-expiry sets it', () => {
  const target = join(folder, 'rdma-probe');
  const env = cleanEnv({ RDMA_PROBE_SYSFS_ROOT: join(fixturesDir, 'host', 'vm-no-rdma') });
  const before = Date.now();
  const result = runCli(['list', '--format', 'nfd', '--output', target, '--nfd-expiry', '2h'], env);
  assert.equal(result.exitCode, 0, result.stderr);
  const text = readFileSync(target, 'utf8');
  const expiry = /^# \+expiry-time=(\S+)$/m.exec(text)?.[1];
  assert.ok(expiry, text);
  const hours = (Date.parse(expiry) - before) / 3600e3;
  assert.ok(hours > 1.9 && hours < 2.1, `expires in ${hours} h`);
  assert.match(text, /^rdma-probe\.host-issue\.peermem-absent=true$/m);
  assert.match(text, /^rdma-probe\.gpu0\.capable=false$/m);

  const bad = runCli(['list', '--format', 'nfd', '--nfd-expiry', 'soon']);
  assert.equal(bad.exitCode, 2);
  assert.match(bad.stderr, /--nfd-expiry 'soon' is not a duration/);
});

/** Go's time.RFC3339 layout, "2006-01-02T15:04:05Z07:00", which NFD parses the directive with. */
const GO_RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:Z|[+-]\d{2}:\d{2})$/;

test('--nfd-expiry: at most ten years, and the directive is always RFC 3339', () => {
  const env = cleanEnv({ RDMA_PROBE_SYSFS_ROOT: join(fixturesDir, 'host', 'vm-no-rdma') });
  for (const longest of ['3650d', '87600h']) {
    const result = runCli(['list', '--format', 'nfd', '--nfd-expiry', longest], env);
    assert.equal(result.exitCode, 0, result.stderr);
    const expiry = /^# \+expiry-time=(.*)$/m.exec(result.stdout)?.[1] ?? '';
    assert.match(expiry, GO_RFC3339);
    const years = (Date.parse(expiry) - Date.now()) / (365.25 * 86400e3);
    assert.ok(years > 9.9 && years < 10.1, `${longest}: expires in ${years} years`);
  }
  // Beyond ten years, up to what once wrote year +029405 or threw a RangeError.
  for (const tooLong of ['3651d', '87601h', '9999999d', '100000000d', '1'.repeat(400) + 's']) {
    const result = runCli(['list', '--format', 'nfd', '--nfd-expiry', tooLong], env);
    assert.equal(result.exitCode, 2, `${tooLong}: ${result.stderr}`);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /^rdma-probe: --nfd-expiry '\d+[dhs]' is longer than 3650d/);
    assert.equal(result.stderr.trimEnd().split('\n').length, 1, result.stderr);
  }
});

test('the NFD directive: RFC 3339 for every year Go reads, an error past them', () => {
  assert.equal(rfc3339(new Date('2026-03-04T05:06:07.890Z')), '2026-03-04T05:06:07Z');
  assert.equal(rfc3339(new Date('9999-12-31T23:59:59.999Z')), '9999-12-31T23:59:59Z');
  assert.throws(() => rfc3339(new Date(Date.UTC(10000, 0, 1))), RangeError);
  assert.throws(() => rfc3339(new Date(NaN)), RangeError);
});

test('list --output with json writes the report to the file; formats conflict as usage errors', () => {
  const target = join(folder, 'report.json');
  const result = runCli(['list', '--json', '--output', target]);
  assert.equal(result.exitCode, 0, result.stderr);
  assertValidReport(JSON.parse(readFileSync(target, 'utf8')));

  const table = runCli(['list', '--output', join(folder, 'table.txt')]);
  assert.equal(table.exitCode, 0);
  assert.match(readFileSync(join(folder, 'table.txt'), 'utf8'), /RDMA-capable\./);
  // eslint-disable-next-line no-control-regex -- no colour codes in a file
  assert.doesNotMatch(readFileSync(join(folder, 'table.txt'), 'utf8'), /\u001b\[/);

  for (const args of [
    ['--json', '--ndjson'],
    ['--json', '--format', 'nfd'],
  ]) {
    const conflict = runCli(['list', ...args]);
    assert.equal(conflict.exitCode, 2, args.join(' '));
    assert.match(conflict.stderr, /choose one output format/);
  }
  const unknown = runCli(['list', '--format', 'xml']);
  assert.equal(unknown.exitCode, 2);
});

test('list --ndjson: one valid line per GPU, host fields on each', () => {
  const env = cleanEnv({ RDMA_PROBE_SYSFS_ROOT: join(fixturesDir, 'host', 'bare-metal-peermem') });
  const result = runCli(['list', '--ndjson'], env);
  assert.equal(result.exitCode, 0, result.stderr);
  const lines = result.stdout.trimEnd().split('\n');
  assert.ok(lines.length >= 1);
  for (const text of lines) {
    const line = JSON.parse(text);
    assertValidReportLine(line);
    assert.equal(line.kind, 'gpu');
    assert.equal(line.schemaVersion, 1);
    assert.equal(line.gpuCount, lines.length);
    assert.equal(line.host.peermem.module, 'nvidia_peermem');
    assert.deepEqual(line.hostReasons, []);
  }
});
