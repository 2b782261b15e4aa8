/**
 * PCI bus IDs on buses with hex letters (0x4f, 0xcb: most 8-GPU servers), on GPUs the test
 * driver's configuration describes (main() in this process, on the in-memory binding):
 * every output writes NVML's form (00000000:4F:00.0), the one dcgm-exporter's pci_bus_id
 * label carries, `--device` takes any case, and the host facts still find the GPU in
 * sysfs, which spells it 0000:4f:00.0.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { after, test } from 'node:test';
import type { CheckReport } from '../src/check/check-report.js';
import { HostFs } from '../src/host/host-fs.js';
import { readHost } from '../src/host/read-host.js';
import type { ListReportJson, ListReportLine } from '../src/list-report.js';
import { cleanEnv } from './support/cli.js';
import { runMain } from './support/main-run.js';
import type { TestDriverDevice } from './support/test-driver.js';

const work = mkdtempSync(join(tmpdir(), 'rdma-probe-pci-'));
after(() => rmSync(work, { recursive: true, force: true }));

const GPU_4F = '0000:40:01.0/0000:4f:00.0';
const GPU_CB = '0000:c0:01.0/0000:cb:00.0';
const NIC_CC = '0000:c0:01.0/0000:cc:00.0';

/** A sysfs tree as the kernel spells it: lower-case, 4-digit domains. */
function sysfsTree(): string {
  const root = join(work, 'tree');
  const link = (at: string, target: string) => {
    const path = join(root, at);
    if (existsSync(path)) return;
    mkdirSync(dirname(path), { recursive: true });
    symlinkSync(relative(dirname(path), join(root, target)), path);
  };
  const write = (at: string, text: string) => {
    mkdirSync(dirname(join(root, at)), { recursive: true });
    writeFileSync(join(root, at), text);
  };
  const devices = [
    ['pci0000:40', GPU_4F, '0'],
    ['pci0000:c0', GPU_CB, '1'],
    ['pci0000:c0', NIC_CC, '1'],
  ] as const;
  for (const [complex, path, numa] of devices) {
    const folder = `sys/devices/${complex}/${path}`;
    write(`${folder}/numa_node`, `${numa}\n`);
    link(`sys/bus/pci/devices/${path.split('/').pop()}`, folder);
    const bridge = path.split('/')[0]!;
    link(`sys/bus/pci/devices/${bridge}`, `sys/devices/${complex}/${bridge}`);
  }
  const ib = `sys/devices/pci0000:c0/${NIC_CC}/infiniband/mlx5_0`;
  write(`${ib}/ports/1/state`, '4: ACTIVE\n');
  write(`${ib}/ports/1/link_layer`, 'InfiniBand\n');
  link(`${ib}/device`, `sys/devices/pci0000:c0/${NIC_CC}`);
  link('sys/class/infiniband/mlx5_0', ib);
  return root;
}

const root = sysfsTree();

function run(
  args: string[],
  devices: TestDriverDevice[] = [{ pci: { bus: 0x4f } }, { pci: { bus: 0xcb } }],
) {
  return runMain(args, { config: { devices }, env: cleanEnv({ RDMA_PROBE_SYSFS_ROOT: root }) });
}

test('readHost finds GPUs named in NVML form under their lower-case sysfs names', () => {
  const host = readHost({
    fs: new HostFs(root),
    hostname: 'h',
    gpus: [
      { index: 0, pciBusId: '00000000:4F:00.0' },
      // The sysfs spelling is accepted too, and reported in NVML's.
      { index: 1, pciBusId: '0000:cb:00.0' },
    ],
  });
  assert.deepEqual(
    host.gpuTopology.map((t) => [t.pciBusId, t.sysfsPath, t.numaNode, t.nearest?.name]),
    [
      ['00000000:4F:00.0', `/sys/devices/pci0000:40/${GPU_4F}`, 0, 'mlx5_0'],
      ['00000000:CB:00.0', `/sys/devices/pci0000:c0/${GPU_CB}`, 1, 'mlx5_0'],
    ],
  );
  assert.equal(host.rdmaDevices?.[0]?.pciAddress, '0000:cc:00.0');
  assert.equal(host.gpuTopology[1]!.nearest?.relation, 'same-root-port');
  assert.equal(host.gpuTopology[0]!.nearest?.relation, 'other-numa-node');
});

test('JSON, NDJSON, table and Prometheus write 00000000:4F:00.0, never the lower-case form', async () => {
  const json = await run(['list', '--json']);
  assert.equal(json.exitCode, 0, json.stderr);
  const report = JSON.parse(json.stdout) as ListReportJson;
  assert.deepEqual(
    report.gpus.map((gpu) => gpu.identity.pciBusId),
    ['00000000:4F:00.0', '00000000:CB:00.0'],
  );
  assert.deepEqual(
    report.host.gpuTopology.map((t) => [t.pciBusId, t.sysfsPath?.split('/').pop()]),
    [
      ['00000000:4F:00.0', '0000:4f:00.0'],
      ['00000000:CB:00.0', '0000:cb:00.0'],
    ],
  );

  const lines = (await run(['list', '--ndjson'])).stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as ListReportLine);
  assert.deepEqual(
    lines.map((line) => [line.gpu.identity.pciBusId, line.topology?.pciBusId]),
    [
      ['00000000:4F:00.0', '00000000:4F:00.0'],
      ['00000000:CB:00.0', '00000000:CB:00.0'],
    ],
  );

  const table = (await run(['list'])).stdout;
  assert.match(table, /PCI bus ID +│ 00000000:4F:00\.0 /);
  assert.match(table, /PCI bus ID +│ 00000000:CB:00\.0 /);
  // The NIC is a sysfs address, in the kernel's spelling.
  assert.match(table, /mlx5_0 0000:cc:00\.0 \(same-root-port\)/);

  const metrics = (await run(['list', '--format', 'prometheus'])).stdout;
  assert.match(metrics, /rdma_probe_gpu_rdma_capable\{[^}]*pci_bus_id="00000000:4F:00\.0"/);
  assert.match(metrics, /rdma_probe_gpu_rdma_capable\{[^}]*pci_bus_id="00000000:CB:00\.0"/);
  // No bus ID anywhere in lower case (sysfs paths and NIC addresses are sysfs's own).
  assert.doesNotMatch(metrics, /pci_bus_id="[^"]*[a-f]/);
  assert.doesNotMatch(json.stdout, /"pciBusId": "[^"]*[a-f]/);
  assert.doesNotMatch(table, /PCI bus ID +│ \S*[a-f]/);
});

test("check's line and --json name the GPU in NVML form", async () => {
  const devices = [{ pci: { bus: 0x4f } }, { pci: { bus: 0xcb }, extensions: { rdma: false } }];
  const line = await run(['check'], devices);
  assert.equal(line.exitCode, 1, line.stderr);
  assert.match(line.stdout, /^FAIL: GPU 1 00000000:CB:00\.0: extension-missing: /);
  const doc = JSON.parse((await run(['check', '--json'], devices)).stdout) as CheckReport;
  assert.deepEqual(
    doc.problems.map((p) => p.pciBusId),
    ['00000000:CB:00.0'],
  );
});

test('--device takes the PCI bus ID in any case and any common form', async () => {
  for (const selector of [
    '00000000:CB:00.0',
    '00000000:cb:00.0',
    '0000:cb:00.0',
    'CB:00.0',
    'cb:0.0',
  ]) {
    const result = await run(['list', '--json', '--device', selector]);
    assert.equal(result.exitCode, 0, `${selector}: ${result.stderr}`);
    const report = JSON.parse(result.stdout) as ListReportJson;
    assert.deepEqual(
      report.gpus.map((gpu) => [gpu.index, gpu.identity.pciBusId]),
      [[1, '00000000:CB:00.0']],
      selector,
    );
  }
  const none = await run(['list', '--device', '0000:cc:00.0']);
  assert.equal(none.exitCode, 2);
  assert.match(none.stderr, /found 0: GPU-\S+ 00000000:4F:00\.0; 1: GPU-\S+ 00000000:CB:00\.0/);
});
