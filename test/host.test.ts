import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { HostFs, MAX_LIST_ENTRIES, MAX_TEXT_BYTES } from '../src/host/host-fs.js';
import { gpuViews } from '../src/gpu-view.js';
import {
  looksVirtual,
  parseNvidiaVersion,
  readHost,
  supportsDmaBufRdma,
} from '../src/host/read-host.js';
import { parsePciPath, pcieRelation } from '../src/host/topology.js';
import { sysfsPciAddress } from '../src/pci-address.js';
import type { HostReport } from '../src/list-report.js';
import { cleanEnv, runCli } from './support/cli.js';
import { LAVAPIPE_LIKE } from './support/driver-configs.js';
import { runMain } from './support/main-run.js';
import { fixturesDir, repoRoot } from './support/paths.js';
import { gpuReport } from './support/report-fixtures.js';
import { assertValidReport } from './support/schema.js';

const hostFixture = (name: string) => join(fixturesDir, 'host', name);
const codes = (reasons: { code: string }[]) => reasons.map((reason) => reason.code);

/** The GPUs the fixtures place in sysfs, plus one that is not there. */
const GPUS = [
  { index: 0, pciBusId: '00000000:03:00.0' }, // on the switch with mlx5_0 and mlx5_1
  { index: 1, pciBusId: '00000000:83:00.0' }, // the other socket
  { index: 2, pciBusId: '00000000:06:00.0' }, // another root port of the same host bridge
  { index: 3, pciBusId: '00000000:41:00.0' }, // another host bridge, same NUMA node
  { index: 4, pciBusId: '00000000:99:00.0' }, // not in sysfs
  { index: 5, pciBusId: null }, // no VK_EXT_pci_bus_info
];

test('bare metal: two NICs on the GPU switch, peermem loaded, host ready', () => {
  const host = readHost({
    fs: new HostFs(hostFixture('bare-metal-peermem')),
    hostname: 'gpu-01',
    gpus: GPUS,
  });
  assert.equal(host.hostname, 'gpu-01');
  assert.deepEqual(host.kernel, {
    release: '5.15.0-105-generic',
    dmaBufRdma: true,
    commandLine: { iommu: ['intel_iommu=on', 'iommu=pt'], pcieAcs: [] },
  });
  assert.deepEqual(host.nvidiaModule, {
    loaded: true,
    flavor: 'proprietary',
    version: '535.129.03',
  });
  assert.deepEqual(host.peermem, { loaded: true, module: 'nvidia_peermem' });
  assert.equal(host.memoryPeers, true);
  assert.deepEqual(host.rdmaDevices, [
    {
      name: 'mlx5_0',
      pciAddress: '0000:04:00.0',
      numaNode: 0,
      ports: [{ port: 1, linkLayer: 'InfiniBand', state: 'ACTIVE' }],
    },
    {
      name: 'mlx5_1',
      pciAddress: '0000:05:00.0',
      numaNode: 0,
      ports: [{ port: 1, linkLayer: 'Ethernet', state: 'DOWN' }],
    },
  ]);
  assert.deepEqual(host.virtualization, {
    virtualMachine: false,
    hypervisorCpuFlag: false,
    sysVendor: 'Supermicro',
    productName: 'SYS-821GE-TNHR',
  });
  assert.equal(host.readiness.ready, true);
  assert.deepEqual(host.readiness.issues, []);
  assert.deepEqual(
    host.readiness.notes.map((note) => note.code),
    ['dma-buf-needs-open-module'],
  );
  assert.match(host.readiness.notes[0]!.message, /open kernel module/);

  // One entry per GPU with a PCI bus ID; the one without gets none.
  assert.deepEqual(
    host.gpuTopology.map((t) => t.gpuIndex),
    [0, 1, 2, 3, 4],
  );
  const [onSwitch, otherSocket, otherRootPort, otherBridge, missing] = host.gpuTopology;
  assert.equal(
    onSwitch!.sysfsPath,
    '/sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/0000:02:00.0/0000:03:00.0',
  );
  assert.equal(onSwitch!.numaNode, 0);
  assert.deepEqual(
    onSwitch!.rdmaDevices.map(({ name, pciAddress, relation }) => ({ name, pciAddress, relation })),
    [
      { name: 'mlx5_0', pciAddress: '0000:04:00.0', relation: 'same-pcie-switch' },
      { name: 'mlx5_1', pciAddress: '0000:05:00.0', relation: 'same-pcie-switch' },
    ],
  );
  assert.deepEqual(onSwitch!.nearest, onSwitch!.rdmaDevices[0]);
  assert.deepEqual(onSwitch!.issues, []);
  assert.equal(otherSocket!.nearest?.relation, 'other-numa-node');
  assert.deepEqual(codes(otherSocket!.issues), ['nic-other-numa-node']);
  assert.equal(otherRootPort!.nearest?.relation, 'same-host-bridge');
  assert.equal(otherBridge!.nearest?.relation, 'other-host-bridge');
  assert.deepEqual(missing, {
    gpuIndex: 4,
    pciBusId: '00000000:99:00.0',
    sysfsPath: null,
    numaNode: null,
    nearest: null,
    rdmaDevices: [],
    pcieBridges: [],
    acsRedirect: null,
    iommuGroup: null,
    bar1Bytes: null,
    issues: [],
    notes: [],
  });
  const views = gpuViews({ gpus: [0, 1].map((index) => gpuReport({ index })), host });
  assert.deepEqual(codes(views[0]!.hostReasons), []);
  assert.deepEqual(codes(views[1]!.hostReasons), ['nic-other-numa-node']);
});

test('virtual machine with no RDMA: peermem, memory_peers and NICs absent', () => {
  const host = readHost({
    fs: new HostFs(hostFixture('vm-no-rdma')),
    hostname: 'vm-01',
    gpus: [{ index: 0, pciBusId: '00000000:00:06.0' }],
  });
  assert.deepEqual(host.nvidiaModule, { loaded: true, flavor: 'open', version: '580.159.04' });
  assert.deepEqual(host.peermem, { loaded: false, module: null });
  assert.equal(host.memoryPeers, false);
  assert.deepEqual(host.rdmaDevices, []);
  assert.equal(host.virtualization.virtualMachine, true);
  assert.equal(host.virtualization.hypervisorCpuFlag, true);
  assert.equal(host.virtualization.sysVendor, 'QEMU');
  assert.equal(host.readiness.ready, false);
  assert.deepEqual(codes(host.readiness.issues), [
    'peermem-absent',
    'memory-peers-absent',
    'no-rdma-nic',
  ]);
  assert.deepEqual(
    host.readiness.notes.map((note) => note.code),
    ['virtual-machine'],
  );
  assert.match(host.readiness.notes[0]!.message, /virtual machine/);
  // numa_node -1 means no NUMA information.
  assert.equal(host.gpuTopology[0]!.numaNode, null);
  assert.equal(host.gpuTopology[0]!.sysfsPath, '/sys/devices/pci0000:00/0000:00:06.0');
  assert.equal(host.gpuTopology[0]!.nearest, null);
  const [view] = gpuViews({ gpus: [gpuReport({ index: 0 })], host });
  assert.deepEqual(codes(view!.hostReasons), codes(host.readiness.issues));
});

test('no /proc/driver/nvidia, old kernel, ports down, a NIC without PCI: all reported', () => {
  const host = readHost({
    fs: new HostFs(hostFixture('no-nvidia-driver')),
    hostname: 'old-01',
    gpus: [{ index: 0, pciBusId: '0000:01:00.0' }],
  });
  assert.deepEqual(host.nvidiaModule, { loaded: false, flavor: null, version: null });
  assert.deepEqual(host.kernel, {
    release: '4.18.0-513.el8.x86_64',
    dmaBufRdma: false,
    commandLine: null,
  });
  // No /proc/modules, but /sys/module lists the loaded modules: peermem is known absent.
  assert.deepEqual(host.peermem, { loaded: false, module: null });
  assert.deepEqual(
    host.rdmaDevices?.map((d) => [d.name, d.pciAddress]),
    [
      ['rocep2s0', '0000:02:00.0'],
      ['rxe0', null],
    ],
  );
  // No cpuinfo and no DMI: whether it is a VM is unknown, not false.
  assert.equal(host.virtualization.virtualMachine, null);
  assert.deepEqual(codes(host.readiness.issues), [
    'nvidia-module-absent',
    'peermem-absent',
    'memory-peers-absent',
    'rdma-ports-down',
    'kernel-too-old',
  ]);
  // The software NIC (rxe0) has no PCIe place; the RoCE one does.
  assert.deepEqual(
    host.gpuTopology[0]!.rdmaDevices.map((d) => d.name),
    ['rocep2s0'],
  );
  assert.equal(host.gpuTopology[0]!.nearest?.relation, 'same-host-bridge');
});

test('a root with nothing in it: every fact unknown, nothing thrown', () => {
  const empty = mkdtempSync(join(tmpdir(), 'rdma-probe-host-'));
  try {
    for (const root of [empty, join(empty, 'does-not-exist')]) {
      const host = readHost({
        fs: new HostFs(root),
        hostname: 'h',
        gpus: [{ index: 0, pciBusId: '00000000:03:00.0' }],
      });
      assert.deepEqual(host.kernel, { release: null, dmaBufRdma: null, commandLine: null });
      assert.deepEqual(host.nvidiaModule, { loaded: null, flavor: null, version: null });
      assert.deepEqual(host.iommu, { active: null, units: null });
      assert.equal(host.nvidiaParameters, null);
      assert.deepEqual(host.peermem, { loaded: null, module: null });
      assert.equal(host.memoryPeers, null);
      assert.equal(host.rdmaDevices, null);
      assert.equal(host.virtualization.virtualMachine, null);
      assert.deepEqual(host.readiness, { ready: null, issues: [], notes: [] });
      assert.equal(host.gpuTopology[0]!.sysfsPath, null);
    }
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});

test('kernel release parsing: dma-buf RDMA from 5.12', () => {
  assert.equal(supportsDmaBufRdma('5.12.0'), true);
  assert.equal(supportsDmaBufRdma('5.11.22-100.fc32.x86_64'), false);
  assert.equal(supportsDmaBufRdma('6.1.0-18-amd64'), true);
  assert.equal(supportsDmaBufRdma('4.18.0-513.el8.x86_64'), false);
  assert.equal(supportsDmaBufRdma('10.0.0'), true);
  assert.equal(supportsDmaBufRdma('garbage'), null);
});

test('NVIDIA module version line: open vs proprietary', () => {
  assert.deepEqual(
    parseNvidiaVersion(
      'NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  580.159.04  Release Build  (dvs-builder@U22)  Wed Aug 13 2025\nGCC version: 12',
    ),
    { flavor: 'open', version: '580.159.04' },
  );
  assert.deepEqual(
    parseNvidiaVersion(
      'NVRM version: NVIDIA UNIX x86_64 Kernel Module  535.129.03  Thu Oct 19 2023',
    ),
    { flavor: 'proprietary', version: '535.129.03' },
  );
  assert.deepEqual(
    parseNvidiaVersion(
      'NVRM version: NVIDIA UNIX aarch64 Kernel Module  550.54.15  Tue Mar 5 2024',
    ),
    { flavor: 'proprietary', version: '550.54.15' },
  );
  assert.deepEqual(parseNvidiaVersion('something else'), { flavor: 'proprietary', version: null });
});

test('PCIe relations from sysfs paths', () => {
  const at = (path: string, numaNode: number | null = null) => ({
    path: parsePciPath(path)!,
    numaNode,
  });
  const gpu = at('/sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/0000:02:00.0/0000:03:00.0');
  assert.deepEqual(gpu.path, {
    rootComplex: 'pci0000:00',
    chain: ['0000:00:01.0', '0000:01:00.0', '0000:02:00.0', '0000:03:00.0'],
  });
  assert.equal(
    pcieRelation(
      gpu,
      at('/sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/0000:02:04.0/0000:04:00.0'),
    ),
    'same-pcie-switch',
  );
  // Directly below the same root port, not below the switch.
  assert.equal(
    pcieRelation(gpu, at('/sys/devices/pci0000:00/0000:00:01.0/0000:01:00.1')),
    'same-root-port',
  );
  assert.equal(
    pcieRelation(gpu, at('/sys/devices/pci0000:00/0000:00:03.0/0000:06:00.0')),
    'same-host-bridge',
  );
  assert.equal(
    pcieRelation(gpu, at('/sys/devices/pci0000:40/0000:40:01.0/0000:41:00.0')),
    'other-host-bridge',
  );
  assert.equal(
    pcieRelation(
      at('/sys/devices/pci0000:00/0000:00:02.0', 0),
      at('/sys/devices/pci0000:80/0000:80:02.0', 1),
    ),
    'other-numa-node',
  );
  // Devices the hypervisor puts on the root bus (a VM): across the host bridge.
  assert.equal(
    pcieRelation(
      at('/sys/devices/pci0000:00/0000:00:06.0'),
      at('/sys/devices/pci0000:00/0000:00:07.0'),
    ),
    'same-host-bridge',
  );
  // Hyper-V style paths with more above the root complex, and PCI domains above ffff.
  assert.deepEqual(parsePciPath('/sys/devices/LNXSYSTM:00/VMBUS:00/abc/pci47d2:00/47d2:00:00.0'), {
    rootComplex: 'pci47d2:00',
    chain: ['47d2:00:00.0'],
  });
  assert.equal(parsePciPath('/sys/devices/platform/soc'), null);
  // A tree spelled in capitals (no kernel does) still compares in the kernel's spelling.
  assert.deepEqual(parsePciPath('/sys/devices/PCI0000:C0/0000:C0:01.0/0000:C1:00.0'), {
    rootComplex: 'pci0000:c0',
    chain: ['0000:c0:01.0', '0000:c1:00.0'],
  });
  assert.equal(sysfsPciAddress('00000000:C1:00.0'), '0000:c1:00.0');
  assert.equal(sysfsPciAddress('0000:c1:00.0'), '0000:c1:00.0');
  assert.equal(sysfsPciAddress('00010000:01:00.0'), '10000:01:00.0');
  assert.equal(sysfsPciAddress('nope'), null);
});

test('virtual machine names from DMI', () => {
  assert.equal(looksVirtual('QEMU', 'Standard PC (Q35 + ICH9, 2009)'), true);
  assert.equal(looksVirtual('Microsoft Corporation', 'Virtual Machine'), true);
  assert.equal(looksVirtual('VMware, Inc.', 'VMware7,1'), true);
  assert.equal(looksVirtual('Dell Inc.', 'PowerEdge XE9680'), false);
  // A cloud vendor name alone is not a VM: its bare-metal instances carry it too.
  assert.equal(looksVirtual('Amazon EC2', 'p5.48xlarge'), false);
  assert.equal(looksVirtual(null, null), false);
});

test('the CLI reads host facts under RDMA_PROBE_SYSFS_ROOT and shows them', async () => {
  const env = cleanEnv({ RDMA_PROBE_SYSFS_ROOT: hostFixture('vm-no-rdma') });
  const cli = (args: string[], runEnv = env) =>
    runMain(args, { config: LAVAPIPE_LIKE, env: runEnv });
  const json = await cli(['list', '--json']);
  assert.equal(json.exitCode, 0, json.stderr);
  const report = JSON.parse(json.stdout);
  assertValidReport(report);
  assert.equal(report.host.nvidiaModule.version, '580.159.04');
  assert.deepEqual(codes(report.host.readiness.issues), [
    'peermem-absent',
    'memory-peers-absent',
    'no-rdma-nic',
  ]);
  // Host problems never change what Vulkan said.
  for (const gpu of report.gpus) {
    assert.ok(!codes(gpu.verdict.reasons).some((code) => code.includes('peermem')));
  }

  const table = await cli(['list']);
  assert.equal(table.exitCode, 0, table.stderr);
  assert.match(table.stdout, /HOST NOT READY/);
  assert.match(table.stdout, /peermem-absent: neither nvidia_peermem nor nv_peer_mem is loaded/);
  assert.match(
    table.stdout,
    /Host readiness +│ not ready: peermem-absent, memory-peers-absent, no-rdma-nic/,
  );
  assert.match(table.stdout, /Host not ready: peermem-absent, memory-peers-absent, no-rdma-nic\./);

  const help = await cli(['list', '--help'], cleanEnv());
  assert.match(help.stdout, /RDMA_PROBE_SYSFS_ROOT/);
});

test('cpuinfo: the first CPU decides, however many CPUs and however long its flags', () => {
  const root = mkdtempSync(join(tmpdir(), 'rdma-probe-cpuinfo-'));
  const hypervisorFlagOf = (cpuinfo: string) => {
    mkdirSync(join(root, 'proc'), { recursive: true });
    writeFileSync(join(root, 'proc', 'cpuinfo'), cpuinfo);
    return readHost({ fs: new HostFs(root), hostname: 'h', gpus: [] }).virtualization
      .hypervisorCpuFlag;
  };
  const block = (cpu: number, flags: string) =>
    `processor\t: ${cpu}\nvendor_id\t: GenuineIntel\nflags\t\t: ${flags}\nbugs\t\t: spectre_v1\n\n`;
  const cpus = (count: number, flags: string) =>
    Array.from({ length: count }, (_, cpu) => block(cpu, flags)).join('');
  try {
    // A large server: far more text than the part that is read.
    assert.equal(hypervisorFlagOf(cpus(512, 'fpu vme hypervisor lahf_lm')), true);
    assert.equal(hypervisorFlagOf(cpus(512, 'fpu vme lahf_lm')), false);
    // The flag at the end of a first flags line longer than the part read at first.
    const longFlags = `${Array.from({ length: 4000 }, (_, n) => `f${n}`).join(' ')} hypervisor`;
    assert.equal(hypervisorFlagOf(cpus(2, longFlags)), true);
    // No flags line anywhere (arm64), small and large: unknown.
    const arm = (count: number) =>
      Array.from({ length: count }, (_, cpu) => `processor\t: ${cpu}\nFeatures\t: fp asimd\n\n`);
    assert.equal(hypervisorFlagOf(arm(2).join('')), null);
    assert.equal(hypervisorFlagOf(arm(2000).join('')), null);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

// Hostile trees: a FIFO blocks an ordinary open forever, /dev/zero never ends, a huge
// file is a read without bound, and a link out of the tree reads another machine's facts
// (here, a plausible file outside the root). Each is put in place of one fact file of a
// copy of a good fixture, built here (FIFOs cannot be committed), and read in a child
// process, so that a regression shows as a killed child instead of a test run that never
// ends.

const hostileRoot = mkdtempSync(join(tmpdir(), 'rdma-probe-hostile-'));
after(() => rmSync(hostileRoot, { recursive: true, force: true }));
const OUTSIDE_FILE = join(hostileRoot, 'outside-the-tree');
writeFileSync(OUTSIDE_FILE, '5.15.0 1 ACTIVE\n');

const HOSTILE_KINDS = {
  fifo: (file: string) => {
    const made = spawnSync('mkfifo', [file], { encoding: 'utf8' });
    assert.equal(made.status, 0, made.stderr);
  },
  'symlink to /dev/zero': (file: string) => symlinkSync('/dev/zero', file),
  // Sparse, so cheap to make; its first line looks like a real value.
  'huge file': (file: string) => {
    writeFileSync(file, '5.15.0 1 ACTIVE\n');
    truncateSync(file, 8 * MAX_TEXT_BYTES);
  },
  'symlink out of the tree': (file: string) => symlinkSync(OUTSIDE_FILE, file),
} as const;

const MLX5_0 = 'sys/class/infiniband/mlx5_0';

/** Each fact file of the bare-metal fixture, and the fact that must become unknown. */
const FACT_FILES: [file: string, fact: (host: HostReport) => unknown][] = [
  ['proc/sys/kernel/osrelease', (host) => host.kernel.release],
  ['proc/driver/nvidia/version', (host) => host.nvidiaModule.loaded],
  ['proc/modules', (host) => host.peermem.loaded],
  ['proc/cpuinfo', (host) => host.virtualization.hypervisorCpuFlag],
  ['sys/class/dmi/id/sys_vendor', (host) => host.virtualization.sysVendor],
  ['sys/class/dmi/id/product_name', (host) => host.virtualization.productName],
  ['sys/bus/pci/devices/0000:03:00.0/numa_node', (host) => host.gpuTopology[0]!.numaNode],
  [`${MLX5_0}/ports/1/state`, (host) => host.rdmaDevices![0]!.ports[0]!.state],
  [`${MLX5_0}/ports/1/link_layer`, (host) => host.rdmaDevices![0]!.ports[0]!.linkLayer],
  ['proc/cmdline', (host) => host.kernel.commandLine],
  ['proc/driver/nvidia/params', (host) => host.nvidiaParameters],
  ['sys/bus/pci/devices/0000:03:00.0/resource', (host) => host.gpuTopology[0]!.bar1Bytes],
  ['sys/kernel/iommu_groups/20/type', (host) => host.gpuTopology[0]!.iommuGroup?.type ?? null],
  // The GPU's downstream port, and the NIC's.
  [
    'sys/bus/pci/devices/0000:02:00.0/config',
    (host) => host.gpuTopology[0]!.pcieBridges.find((b) => b.pciAddress === '0000:02:00.0')?.acs,
  ],
  [
    'sys/bus/pci/devices/0000:02:01.0/config',
    (host) => host.gpuTopology[0]!.rdmaDevices[0]!.acsRedirect,
  ],
  // Folders that are listed or resolved, not read.
  ['sys/class/infiniband', (host) => host.rdmaDevices],
  ['sys/class/iommu', (host) => host.iommu.units],
  ['sys/bus/pci/devices/0000:03:00.0', (host) => host.gpuTopology[0]!.numaNode],
  [
    'sys/bus/pci/devices/0000:03:00.0/iommu_group',
    (host) => host.gpuTopology[0]!.iommuGroup?.type ?? null,
  ],
];
/** The fact files that are plain files, not folders or links to follow. */
const PLAIN_FACT_FILES = FACT_FILES.filter(
  ([file]) => !/infiniband$|iommu$|0000:03:00\.0$|iommu_group$/.test(file),
);

let treeCount = 0;
/** A copy of the bare-metal fixture with `file` (its real path) replaced by `make`'s. */
function hostileTree(file: string, make: (path: string) => void): string {
  const root = join(hostileRoot, `tree-${treeCount++}`);
  cpSync(hostFixture('bare-metal-peermem'), root, { recursive: true, verbatimSymlinks: true });
  const target = realpathSync(join(root, file));
  rmSync(target, { recursive: true });
  make(target);
  return root;
}

function readHostInChild(root: string): HostReport {
  const module = pathToFileURL(join(repoRoot, 'dist/src/host/read-host.js')).href;
  const fsModule = pathToFileURL(join(repoRoot, 'dist/src/host/host-fs.js')).href;
  const script = `
    import { HostFs } from ${JSON.stringify(fsModule)};
    import { readHost } from ${JSON.stringify(module)};
    const host = readHost({ fs: new HostFs(process.argv[1]), hostname: 'h', gpus: ${JSON.stringify(GPUS)} });
    process.stdout.write(JSON.stringify(host));`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script, root], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  assert.equal(child.status, 0, `readHost did not finish (${child.signal}): ${child.stderr}`);
  return JSON.parse(child.stdout) as HostReport;
}

test('host facts: a FIFO, /dev/zero or a huge file in place of a fact file is unknown', () => {
  const good = readHostInChild(hostFixture('bare-metal-peermem'));
  for (const [file, fact] of FACT_FILES) {
    assert.notEqual(fact(good), null, `${file} is known in the good fixture`);
    for (const [kind, make] of Object.entries(HOSTILE_KINDS)) {
      const started = Date.now();
      const host = readHostInChild(hostileTree(file, make));
      assert.equal(fact(host), null, `${kind} as ${file}`);
      assert.ok(Date.now() - started < 10_000, `${kind} as ${file} took too long`);
      // The rest is still read.
      assert.equal(host.virtualization.sysVendor === null, file.endsWith('sys_vendor'));
    }
  }
});

test('host facts: a folder with more entries than any real sysfs one is unknown', () => {
  const root = hostileTree('sys/class/infiniband', (folder) => {
    mkdirSync(folder);
    for (let n = 0; n <= MAX_LIST_ENTRIES; n++) mkdirSync(join(folder, `mlx5_${n}`));
  });
  assert.equal(readHostInChild(root).rdmaDevices, null);
});

test('the CLI with every fact file a FIFO: exits 0 at once, every fact unknown', () => {
  const root = join(hostileRoot, 'all-fifos');
  cpSync(hostFixture('bare-metal-peermem'), root, { recursive: true, verbatimSymlinks: true });
  for (const [file] of PLAIN_FACT_FILES) {
    const target = realpathSync(join(root, file));
    rmSync(target);
    HOSTILE_KINDS.fifo(target);
  }
  const result = runCli(['list', '--json'], cleanEnv({ RDMA_PROBE_SYSFS_ROOT: root }));
  assert.equal(result.exitCode, 0, result.stderr);
  const host = JSON.parse(result.stdout).host as HostReport;
  assert.deepEqual(host.kernel, { release: null, dmaBufRdma: null, commandLine: null });
  assert.deepEqual(host.nvidiaModule, { loaded: null, flavor: null, version: null });
  assert.deepEqual(host.peermem, { loaded: null, module: null });
  assert.equal(host.nvidiaParameters, null);
  assert.deepEqual(host.virtualization, {
    virtualMachine: null,
    hypervisorCpuFlag: null,
    sysVendor: null,
    productName: null,
  });
  assert.deepEqual(host.rdmaDevices?.[0]?.ports, [{ port: 1, linkLayer: null, state: null }]);
});
