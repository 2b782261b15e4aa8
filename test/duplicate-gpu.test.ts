/**
 * The same GPU listed twice, through the REAL loader: two driver manifests naming one
 * driver (the container toolkit's /etc/vulkan/icd.d beside an image's /usr/share/vulkan/
 * icd.d copy) make the loader list every GPU twice. rdma-probe reports each once, with a
 * note, in every output; node_exporter then sees one series per GPU. One board seen
 * through two different drivers (NVIDIA's and NVK) stays two entries told apart by driver.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { CheckReport } from '../src/check/check-report.js';
import type { ListReportJson } from '../src/list-report.js';
import { cleanEnv, runCli } from './support/cli.js';
import { NODE_EXPORTER, needsRoot, scrapeTextfiles } from './support/node-exporter.js';
import {
  buildTestDriver,
  driverEnv,
  readDriverState,
  writeDriverConfig,
  type TestDriverConfig,
} from './support/test-driver.js';
import { parseVulkaninfo, runVulkaninfo } from './support/vulkaninfo.js';

const work = mkdtempSync(join(tmpdir(), 'rdma-probe-duplicate-'));
after(() => rmSync(work, { recursive: true, force: true }));

const TWO_GPUS: TestDriverConfig = { devices: [{ pci: { bus: 0x4f } }, { pci: { bus: 0xcb } }] };

/** Two manifests with the same library_path, as the two icd.d folders hold them. */
function twoManifests(): string[] {
  return ['etc/vulkan/icd.d', 'usr/share/vulkan/icd.d'].map((folder) => {
    mkdirSync(join(work, folder), { recursive: true });
    const path = join(work, folder, 'nvidia_icd.json');
    copyFileSync(buildTestDriver(), path);
    return path;
  });
}
const manifests = twoManifests();

function environment(config: TestDriverConfig, driverFiles: string[] = manifests) {
  const dir = mkdtempSync(join(work, 'run-'));
  const statePath = join(dir, 'state.json');
  const env = driverEnv(buildTestDriver(), writeDriverConfig(dir, config), statePath, {
    base: cleanEnv(),
  });
  env['VK_DRIVER_FILES'] = driverFiles.join(':');
  env['VK_ICD_FILENAMES'] = driverFiles.join(':');
  return { env, statePath };
}

function run(args: string[], config = TWO_GPUS, driverFiles?: string[]) {
  const { env, statePath } = environment(config, driverFiles);
  return { ...runCli(args, env), statePath };
}

function json(args: string[], config = TWO_GPUS, driverFiles?: string[]): ListReportJson {
  const result = run([...args, '--json'], config, driverFiles);
  assert.ok(result.exitCode === 0 || result.exitCode === 5, result.stderr);
  return JSON.parse(result.stdout) as ListReportJson;
}

/** Every sample line, and how often each series (name and labels) occurs. */
function seriesCounts(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const series = line.slice(0, line.lastIndexOf(' '));
    counts.set(series, (counts.get(series) ?? 0) + 1);
  }
  return counts;
}

function promtool(text: string): string {
  const result = spawnSync('/usr/bin/promtool', ['check', 'metrics'], {
    input: text,
    encoding: 'utf8',
  });
  return result.status === 0 ? '' : `exit ${result.status}: ${result.stdout}${result.stderr}`;
}

describe('two manifests naming one driver', () => {
  test('the loader really lists each GPU twice (vulkaninfo through the same manifests)', () => {
    const gpus = parseVulkaninfo(runVulkaninfo(environment(TWO_GPUS).env));
    assert.deepEqual(
      gpus.map((gpu) => gpu.deviceUUID.slice(-2)),
      ['00', '00', '01', '01'],
    );
  });

  test('list --json: each GPU once, renumbered, its loader indexes kept, with a note', () => {
    const report = json(['list']);
    assert.deepEqual(
      report.gpus.map((gpu) => [gpu.index, gpu.loaderIndexes, gpu.identity.pciBusId]),
      [
        [0, [0, 1], '00000000:4F:00.0'],
        [1, [2, 3], '00000000:CB:00.0'],
      ],
    );
    for (const gpu of report.gpus) {
      const note = gpu.verdict.notes.find((n) => n.startsWith('the Vulkan loader listed'));
      assert.ok(note, JSON.stringify(gpu.verdict.notes));
      assert.match(
        note,
        /listed this GPU 2 times .* through one driver \(test-driver 580\.159\.04/,
      );
      assert.ok(note.includes(`VK_DRIVER_FILES=${JSON.stringify(manifests.join(':'))}`), note);
    }
    // One topology entry per GPU, as it has one index.
    assert.deepEqual(
      report.host.gpuTopology.map((t) => t.gpuIndex),
      [0, 1],
    );
  });

  test('the table shows two GPUs and the note', () => {
    const table = run(['list', '--no-color']).stdout;
    assert.match(table, / · 2 GPUs\n/);
    assert.deepEqual(table.match(/^GPU \d/gm), ['GPU 0', 'GPU 1']);
    assert.match(table, /note: the Vulkan loader listed this GPU 2 times/);
  });

  test('--device by index, UUID and PCI bus ID each selects one GPU; --alloc allocates once', () => {
    const all = json(['list']);
    const second = all.gpus[1]!;
    for (const selector of ['1', second.identity.nvidiaSmiUUID, '0000:cb:00.0']) {
      const one = json(['list', '--device', selector]);
      assert.deepEqual(
        one.gpus.map((gpu) => [gpu.index, gpu.loaderIndexes]),
        [[1, [2, 3]]],
        selector,
      );
    }
    const result = run(['list', '--json', '--alloc', '--device', '1']);
    assert.equal(result.exitCode, 0, result.stderr);
    const report = JSON.parse(result.stdout) as ListReportJson;
    assert.deepEqual(
      report.gpus.map((gpu) => gpu.allocation?.status),
      ['ok'],
    );
    const state = readDriverState(result.statePath);
    assert.equal(state.lastDevice?.device, 1, 'the device was created on the selected GPU');
    assert.equal(state.created.devices, 1);
    assert.deepEqual(state.live, { instances: 0, devices: 0, buffers: 0, memory: 0 });
    assert.deepEqual(state.violations, []);
  });

  test('check --gpus counts the merged GPUs', () => {
    const ok = run(['check', '--gpus', '2']);
    assert.equal(ok.exitCode, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /^OK: 2 GPUs: 2 GPUs found as expected/);
    const four = run(['check', '--gpus', '4', '--json']);
    assert.equal(four.exitCode, 1);
    const doc = JSON.parse(four.stdout) as CheckReport;
    assert.equal(doc.gpusFound, 2);
    assert.deepEqual(doc.gpusSelected, [0, 1]);
  });

  test('Prometheus: rdma_probe_gpus 2 and no series twice; NFD: gpu-count=2, no label twice', () => {
    const metrics = run(['list', '--format', 'prometheus']).stdout;
    assert.match(metrics, /^rdma_probe_gpus 2$/m);
    const repeated = [...seriesCounts(metrics)].filter(([, count]) => count > 1);
    assert.deepEqual(repeated, []);
    assert.equal(
      metrics.match(/^rdma_probe_gpu_rdma_capable\{/gm)?.length,
      2,
      'one capability series per GPU',
    );
    assert.match(metrics, /^rdma_probe_gpu_loader_listings\{[^}]*"00000000:CB:00\.0"[^}]*\} 2$/m);
    assert.equal(promtool(metrics), '');

    const nfd = run(['list', '--format', 'nfd']).stdout;
    const names = nfd
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#'))
      .map((line) => line.slice(0, line.indexOf('=')));
    assert.equal(new Set(names).size, names.length, 'every NFD label once');
    assert.match(nfd, /\/rdma-probe\.gpu-count=2$/m);
    assert.deepEqual(
      names.flatMap((name) => /rdma-probe\.(gpu\d+)\.capable$/.exec(name)?.[1] ?? []),
      ['gpu0', 'gpu1'],
    );
  });

  test(
    'node_exporter reads the file with no scrape error and one series per GPU',
    { skip: needsRoot },
    async () => {
      assert.equal(spawnSync(NODE_EXPORTER, ['--version']).status, 0, `${NODE_EXPORTER} missing`);
      const scrapeOf = async (text: string) => {
        const folder = mkdtempSync(join(tmpdir(), 'rdma-probe-textfile-'));
        after(() => rmSync(folder, { recursive: true, force: true }));
        chmodSync(folder, 0o755);
        writeFileSync(join(folder, 'rdma_probe.prom'), text, { mode: 0o644 });
        return scrapeTextfiles(folder);
      };
      const metrics = run(['list', '--format', 'prometheus']).stdout;
      const ours = await scrapeOf(metrics);
      assert.match(ours.metrics, /^node_textfile_scrape_error 0$/m, ours.log);
      assert.equal(ours.metrics.match(/^rdma_probe_gpu_rdma_capable\{/gm)?.length, 2);
      assert.match(ours.metrics, /^rdma_probe_gpus 2$/m);
      assert.doesNotMatch(ours.log, /collected before/);

      // What a GPU listed twice did before: each GPU series written twice. node_exporter
      // logs an error on every scrape and still reports no scrape error.
      const doubled = metrics.replace(/^(rdma_probe_gpu_rdma_capable\{.*)$/gm, '$1\n$1');
      const theirs = await scrapeOf(doubled);
      assert.match(theirs.log, /collected before with the same name and label values/);
      assert.match(theirs.metrics, /^node_textfile_scrape_error 0$/m);
    },
  );
});

describe('one board through two drivers', () => {
  const uuid = '52444d41-2d54-4553-542d-475055000001';
  const config: TestDriverConfig = {
    devices: [
      { deviceUUID: uuid, driverName: 'NVIDIA', pci: { bus: 0x1a } },
      {
        deviceUUID: uuid,
        driverUUID: '4e564b00-0000-0000-0000-000000000001',
        driverID: 24, // VK_DRIVER_ID_MESA_NVK
        driverName: 'NVK',
        vendorID: 0x10de,
        driverVersion: (25 << 22) | (1 << 12),
        extensions: { rdma: false },
        pci: { bus: 0x1a },
      },
    ],
  };
  const single = () => [buildTestDriver()];

  test('two entries, each with its own driver and verdict, each naming the other', () => {
    const report = json(['list'], config, single());
    assert.deepEqual(
      report.gpus.map((gpu) => [
        gpu.index,
        gpu.loaderIndexes,
        gpu.identity.driverName,
        gpu.verdict.rdma,
      ]),
      [
        [0, [0], 'NVIDIA', 'capable'],
        [1, [1], 'NVK', 'not-capable'],
      ],
    );
    assert.match(
      report.gpus[0]!.verdict.notes[0]!,
      /also listed through another driver: GPU 1 \(NVK /,
    );
    assert.match(
      report.gpus[1]!.verdict.notes[0]!,
      /also listed through another driver: GPU 0 \(NVIDIA /,
    );
    // --device by index picks one driver's entry; the UUID or bus ID names the board: both.
    assert.deepEqual(
      json(['list', '--device', '1'], config, single()).gpus.map((gpu) => gpu.identity.driverName),
      ['NVK'],
    );
    assert.deepEqual(
      json(['list', '--device', '1a:00.0'], config, single()).gpus.map((gpu) => gpu.index),
      [0, 1],
    );
  });

  test('the metrics tell the two apart by the driver label; NFD by index', () => {
    const metrics = run(['list', '--format', 'prometheus'], config, single()).stdout;
    assert.deepEqual(
      [...seriesCounts(metrics)].filter(([, count]) => count > 1),
      [],
    );
    const capable = metrics.match(/^rdma_probe_gpu_rdma_capable\{.*$/gm) ?? [];
    assert.deepEqual(
      capable.map((line) => [/driver="([^"]*)"/.exec(line)?.[1], line.slice(-1)]),
      [
        ['NVIDIA', '1'],
        ['NVK', '0'],
      ],
    );
    assert.ok(capable.every((line) => line.includes(`uuid="GPU-${uuid}"`)));
    assert.equal(promtool(metrics), '');
    const nfd = run(['list', '--format', 'nfd'], config, single()).stdout;
    assert.match(nfd, /\.gpu0\.capable=true$/m);
    assert.match(nfd, /\.gpu1\.capable=false$/m);
    assert.match(nfd, /\.gpu-count=2$/m);
  });
});
