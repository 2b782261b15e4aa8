/**
 * PCIe ACS, IOMMU, BAR1 and NVIDIA driver parameters: the decoders, and readHost on
 * variants of the bare-metal fixture (its bridges' config spaces rewritten per case).
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  commandLineWords,
  parseCommandLine,
  parseNvidiaParameters,
} from '../src/host/parameters.js';
import { decodePciConfig } from '../src/host/pci-config.js';
import { bar1BytesOf } from '../src/host/pcie.js';
import { HostFs } from '../src/host/host-fs.js';
import { readHost } from '../src/host/read-host.js';
import { listReportJson } from '../src/list-report-json.js';
import { assessReadiness, pcieFindings } from '../src/host/readiness.js';
import { parsePciPath, peerPath } from '../src/host/topology.js';
import type { GpuTopology, HostReport } from '../src/list-report.js';
import { LABEL_PATTERN, renderNfd } from '../src/render/nfd.js';
import { reportLines } from '../src/render/ndjson.js';
import { renderPrometheus } from '../src/render/prometheus.js';
import { renderTable } from '../src/render/table.js';
import { fixturesDir } from './support/paths.js';
import { gpuReport, listReport } from './support/report-fixtures.js';
import { assertValidReport, assertValidReportLine } from './support/schema.js';
import { PORT_TYPE, bridgeConfig } from './support/pci-config.js';

const HEAP_80GB = 85_520_809_984;
const GPUS = [
  { index: 0, pciBusId: '00000000:03:00.0', deviceLocalBytes: HEAP_80GB }, // below the switch
  { index: 1, pciBusId: '00000000:83:00.0', deviceLocalBytes: HEAP_80GB }, // the other socket
  { index: 2, pciBusId: '00000000:06:00.0', deviceLocalBytes: HEAP_80GB }, // another root port
];
const BARE_METAL = join(fixturesDir, 'host', 'bare-metal-peermem');
const RP = '0000:00:01.0'; // root port above the switch
const USP = '0000:01:00.0';
const GPU0_DSP = '0000:02:00.0';
const MLX5_0_DSP = '0000:02:01.0';
const MLX5_1_DSP = '0000:02:02.0';
const SV_RR_CR_UF = 0x001d;

const work = mkdtempSync(join(tmpdir(), 'rdma-probe-pcie-'));
after(() => rmSync(work, { recursive: true, force: true }));
let trees = 0;

/** The bare-metal fixture with some files replaced, read as root would read it. */
function hostWith(files: Record<string, Buffer | string>, gpus = GPUS): HostReport {
  const root = join(work, `tree-${trees++}`);
  cpSync(BARE_METAL, root, { recursive: true, verbatimSymlinks: true });
  for (const [file, content] of Object.entries(files)) {
    writeFileSync(realpathSync(join(root, file)), content);
  }
  return readHost({ fs: new HostFs(root), hostname: 'h', gpus });
}

const config = (address: string) => `sys/bus/pci/devices/${address}/config`;
const downstream = (control: number, length?: number) =>
  bridgeConfig({ portType: PORT_TYPE.switchDownstreamPort, acs: { control }, length });
const rootPort = (control: number) =>
  bridgeConfig({ portType: PORT_TYPE.rootPort, vendorId: 0x8086, acs: { control } });
const topology = (host: HostReport, gpu: number): GpuTopology => host.gpuTopology[gpu]!;
const codes = (topology: GpuTopology) => topology.issues.map((issue) => issue.code);
const bridge = (topology: GpuTopology, address: string) =>
  topology.pcieBridges.find((b) => b.pciAddress === address);

test('config space: ACS Control decoded bit by bit, the port type from the PCIe capability', () => {
  for (let bit = 0; bit < 7; bit++) {
    const decoded = decodePciConfig(downstream(1 << bit));
    assert.equal(decoded.portType, 'switch-downstream-port');
    assert.equal(decoded.acs?.present, true);
    assert.equal(decoded.acs?.capability, 0x005f);
    assert.equal(decoded.acs?.control, 1 << bit);
    const set = Object.entries(decoded.acs!.controls!).filter(([, on]) => on);
    assert.equal(set.length, 1);
    const names = [
      'sourceValidation',
      'translationBlocking',
      'requestRedirect',
      'completionRedirect',
      'upstreamForwarding',
      'egressControl',
      'directTranslated',
    ];
    assert.equal(set[0]![0], names[bit]);
    // Redirect as Linux's P2PDMA code tests it: RR, CR or EC.
    assert.equal(decoded.acs?.redirect, [2, 3, 5].includes(bit), `bit ${bit}`);
  }
  assert.equal(
    decodePciConfig(bridgeConfig({ portType: PORT_TYPE.rootPort })).portType,
    'root-port',
  );
  assert.deepEqual(decodePciConfig(bridgeConfig({ portType: PORT_TYPE.switchUpstreamPort })), {
    portType: 'switch-upstream-port',
    acs: { present: false, capability: null, control: null, controls: null, redirect: false },
  });
  assert.equal(
    decodePciConfig(bridgeConfig({ portType: 0xc })).portType,
    'UNKNOWN_PciePortType_12',
  );
});

test('config space: short, broken or foreign bytes are unknown, never a guess', () => {
  // What a reader other than root gets: the first 64 bytes. 256: no extended space.
  assert.deepEqual(decodePciConfig(downstream(SV_RR_CR_UF, 64)), { portType: null, acs: null });
  assert.deepEqual(decodePciConfig(downstream(SV_RR_CR_UF, 256)), {
    portType: 'switch-downstream-port',
    acs: null,
  });
  assert.deepEqual(decodePciConfig(Buffer.alloc(0)), { portType: null, acs: null });
  for (const extendedList of ['loop', 'below-0x100'] as const) {
    const decoded = decodePciConfig(
      bridgeConfig({ portType: PORT_TYPE.rootPort, acs: { control: 0 }, extendedList }),
    );
    assert.equal(decoded.acs, null, extendedList);
    assert.equal(decoded.portType, 'root-port');
  }
  // All ones: the device did not answer.
  assert.equal(decodePciConfig(Buffer.alloc(4096, 0xff)).acs, null);
  // All zeros: no capability list, no extended capabilities.
  assert.deepEqual(decodePciConfig(Buffer.alloc(4096)), {
    portType: null,
    acs: { present: false, capability: null, control: null, controls: null, redirect: false },
  });
  // A standard capability list that loops.
  const looping = bridgeConfig({ portType: PORT_TYPE.rootPort });
  looping.writeUInt8(0x40, 0x41);
  assert.equal(decodePciConfig(looping).portType, null);
  // An extended capability whose registers would run past 4 KiB.
  const tail = bridgeConfig({ portType: PORT_TYPE.rootPort });
  tail.writeUInt32LE((0x0001 | (1 << 16) | (0xffc << 20)) >>> 0, 0x100);
  tail.writeUInt32LE(0x0001000d, 0xffc);
  assert.equal(decodePciConfig(tail).acs, null);
});

test('the path between a GPU and a NIC: up to their lowest common bridge and down', () => {
  const path = (sysfs: string) => parsePciPath(sysfs)!;
  const gpu = path('/sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/0000:02:00.0/0000:03:00.0');
  const sameSwitch = path(
    '/sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/0000:02:01.0/0000:04:00.0',
  );
  assert.deepEqual(peerPath(gpu, sameSwitch), [GPU0_DSP, USP, MLX5_0_DSP]);
  // Below the same downstream port (two functions): that port alone.
  assert.deepEqual(
    peerPath(
      gpu,
      path('/sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/0000:02:00.0/0000:03:00.1'),
    ),
    [GPU0_DSP],
  );
  // Another root port: every bridge above either, root ports included.
  assert.deepEqual(peerPath(gpu, path('/sys/devices/pci0000:00/0000:00:03.0/0000:06:00.0')), [
    GPU0_DSP,
    USP,
    RP,
    '0000:00:03.0',
  ]);
  assert.deepEqual(peerPath(gpu, path('/sys/devices/pci0000:80/0000:80:01.0/0000:81:00.0')), [
    GPU0_DSP,
    USP,
    RP,
    '0000:80:01.0',
  ]);
  // A VM's devices on the root bus: no bridge at all.
  assert.deepEqual(
    peerPath(
      path('/sys/devices/pci0000:00/0000:00:06.0'),
      path('/sys/devices/pci0000:00/0000:00:07.0'),
    ),
    [],
  );
});

test('bare metal, read as root: every bridge decoded, ACS on but no redirect on any path', () => {
  const host = readHost({ fs: new HostFs(BARE_METAL), hostname: 'h', gpus: GPUS });
  const gpu0 = topology(host, 0);
  assert.deepEqual(
    gpu0.pcieBridges.map((b) => [b.pciAddress, b.portType, b.configBytes, b.acs?.control]),
    [
      [RP, 'root-port', 4096, 0],
      [USP, 'switch-upstream-port', 4096, null],
      [GPU0_DSP, 'switch-downstream-port', 4096, 0x0011],
      [MLX5_0_DSP, 'switch-downstream-port', 4096, 0],
      [MLX5_1_DSP, 'switch-downstream-port', 4096, 0],
    ],
  );
  assert.equal(bridge(gpu0, USP)?.acs?.present, false);
  assert.deepEqual(bridge(gpu0, GPU0_DSP)?.acs?.controls, {
    sourceValidation: true,
    translationBlocking: false,
    requestRedirect: false,
    completionRedirect: false,
    upstreamForwarding: true,
    egressControl: false,
    directTranslated: false,
  });
  assert.deepEqual(
    gpu0.rdmaDevices.map((r) => [r.name, r.path, r.acsRedirectPorts, r.acsRedirect]),
    [
      ['mlx5_0', [GPU0_DSP, USP, MLX5_0_DSP], [], false],
      ['mlx5_1', [GPU0_DSP, USP, MLX5_1_DSP], [], false],
    ],
  );
  assert.deepEqual(gpu0.nearest, gpu0.rdmaDevices[0]);
  assert.equal(gpu0.acsRedirect, false);
  assert.deepEqual(codes(gpu0), []);
  assert.equal(
    host.gpuTopology.every((t) => t.acsRedirect === false),
    true,
  );
  assert.equal(host.readiness.ready, true);
});

test('ACS redirect on the GPU downstream port: an acs-redirect issue naming the port', () => {
  const host = hostWith({ [config(GPU0_DSP)]: downstream(SV_RR_CR_UF) });
  const gpu0 = topology(host, 0);
  assert.equal(gpu0.acsRedirect, true);
  assert.deepEqual(
    gpu0.rdmaDevices.map((r) => [r.name, r.acsRedirectPorts, r.acsRedirect]),
    [
      ['mlx5_0', [GPU0_DSP], true],
      ['mlx5_1', [GPU0_DSP], true],
    ],
  );
  assert.deepEqual(codes(gpu0), ['acs-redirect']);
  const message = gpu0.issues[0]!.message;
  assert.match(
    message,
    /at 0000:02:00\.0 \(switch-downstream-port, ReqRedir CmpltRedir; to mlx5_0, mlx5_1\)/,
  );
  assert.match(message, /pci=disable_acs_redir=0000:02:00\.0 /);
  // The port is not between the GPU on the other root port and the NICs.
  assert.equal(topology(host, 2).acsRedirect, false);
  assert.deepEqual(codes(topology(host, 2)), []);
  // Per GPU, never host-wide, and never the Vulkan verdict (not in the host block at all).
  assert.deepEqual(host.readiness.issues, []);
});

test('ACS redirect on the root port: on the path of GPUs below other root ports only', () => {
  const host = hostWith({ [config(RP)]: rootPort(SV_RR_CR_UF) });
  // GPU 0 and the NICs share the switch: their traffic never reaches the root port.
  assert.equal(topology(host, 0).acsRedirect, false);
  assert.deepEqual(codes(topology(host, 0)), []);
  for (const gpu of [1, 2]) {
    const t = topology(host, gpu);
    assert.equal(t.acsRedirect, true, `gpu ${gpu}`);
    assert.ok(codes(t).includes('acs-redirect'), `gpu ${gpu}`);
    const issue = t.issues.find((i) => i.code === 'acs-redirect')!;
    assert.match(
      issue.message,
      /at 0000:00:01\.0 \(root-port, ReqRedir CmpltRedir; to mlx5_0, mlx5_1\)/,
    );
  }
});

test('ACS egress control counts as a redirect; only the NIC whose path it is on is named', () => {
  const host = hostWith({ [config(MLX5_0_DSP)]: downstream(0x0020) });
  const gpu0 = topology(host, 0);
  assert.deepEqual(
    gpu0.rdmaDevices.map((r) => [r.name, r.acsRedirect]),
    [
      ['mlx5_0', true],
      ['mlx5_1', false],
    ],
  );
  assert.match(
    gpu0.issues[0]!.message,
    /0000:02:01\.0 \(switch-downstream-port, EgressCtrl; to mlx5_0\)/,
  );
});

test('ACS absent on every bridge: known, no redirect', () => {
  const noAcs = (portType: number) => bridgeConfig({ portType });
  const host = hostWith({
    [config(RP)]: noAcs(PORT_TYPE.rootPort),
    [config(GPU0_DSP)]: noAcs(PORT_TYPE.switchDownstreamPort),
    [config(MLX5_0_DSP)]: noAcs(PORT_TYPE.switchDownstreamPort),
    [config(MLX5_1_DSP)]: noAcs(PORT_TYPE.switchDownstreamPort),
  });
  const gpu0 = topology(host, 0);
  assert.ok(gpu0.pcieBridges.every((b) => b.acs?.present === false));
  assert.equal(gpu0.acsRedirect, false);
  assert.deepEqual(gpu0.notes, []);
});

/**
 * What a reader other than root sees of `address`: sysfs gives the file its full 4096 bytes
 * but the read stops at what was written (a fixture file cannot claim more than it holds).
 * The notes are worked out again from the facts, as readHost does.
 */
function asNonRoot(host: HostReport, address: string): HostReport {
  const gpuTopology = host.gpuTopology.map((t, i) => {
    const pcieBridges = t.pcieBridges.map((b) =>
      b.pciAddress === address ? { ...b, configSize: 4096 } : b,
    );
    const { notes } = pcieFindings({
      topology: { ...t, pcieBridges },
      deviceLocalBytes: GPUS[i]?.deviceLocalBytes ?? null,
      virtualMachine: host.virtualization.virtualMachine,
      nvidiaParameters: host.nvidiaParameters,
    });
    return { ...t, pcieBridges, notes };
  });
  return { ...host, gpuTopology };
}

test('config space readable only in part: ACS unknown, a note that says why, no issue', () => {
  for (const length of [64, 256]) {
    const host = hostWith({ [config(GPU0_DSP)]: downstream(SV_RR_CR_UF, length) });
    const gpu0 = topology(host, 0);
    assert.equal(bridge(gpu0, GPU0_DSP)?.configBytes, length);
    assert.equal(bridge(gpu0, GPU0_DSP)?.configSize, length);
    assert.equal(bridge(gpu0, GPU0_DSP)?.acs, null);
    assert.deepEqual(
      gpu0.rdmaDevices.map((r) => r.acsRedirect),
      [null, null],
    );
    assert.equal(gpu0.acsRedirect, null);
    assert.deepEqual(codes(gpu0), []);
    // The whole file, and short: the kernel has no extended config space for it (a VM's
    // virtual devices, conventional PCI).
    assert.deepEqual(gpu0.notes, [
      {
        code: 'acs-unknown',
        message: `PCIe ACS unknown at 0000:02:00.0 (the kernel gives it ${length} config bytes, no extended capabilities; to mlx5_0, mlx5_1)`,
      },
    ]);
    // A 4096-byte file read short: the reader is not root.
    assert.deepEqual(topology(asNonRoot(host, GPU0_DSP), 0).notes, [
      {
        code: 'acs-unknown',
        message: `PCIe ACS unknown at 0000:02:00.0 (only ${length} of 4096 config bytes readable: needs root; to mlx5_0, mlx5_1)`,
      },
    ]);
  }
  // A known redirect elsewhere on the path still counts.
  const mixed = hostWith({
    [config(GPU0_DSP)]: downstream(0, 64),
    [config(MLX5_0_DSP)]: downstream(SV_RR_CR_UF),
  });
  assert.deepEqual(
    topology(mixed, 0).rdmaDevices.map((r) => r.acsRedirect),
    [true, null],
  );
  assert.equal(topology(mixed, 0).acsRedirect, true);
  // A malformed list says so.
  const broken = hostWith({
    [config(GPU0_DSP)]: bridgeConfig({
      portType: PORT_TYPE.switchDownstreamPort,
      acs: { control: 0 },
      extendedList: 'loop',
    }),
  });
  assert.match(topology(broken, 0).notes[0]!.message, /0000:02:00\.0 \(malformed capability list;/);
});

test('BAR1 from the resource file: sizes, and a note when smaller than the device-local heap', () => {
  const host = readHost({ fs: new HostFs(BARE_METAL), hostname: 'h', gpus: GPUS });
  assert.equal(topology(host, 0).bar1Bytes, 128 * 1024 ** 3);
  const bar1Note = (t: GpuTopology) => t.notes.find((n) => n.code === 'bar1-smaller-than-memory');
  assert.equal(bar1Note(topology(host, 0)), undefined);
  assert.equal(topology(host, 2).bar1Bytes, 256 * 1024 ** 2);
  assert.equal(
    bar1Note(topology(host, 2))?.message,
    'BAR1 is 256 MiB, smaller than the 79.6 GiB device-local heap: a NIC can reach at most that much GPU memory at a time. ' +
      'With resizable BAR enabled in the firmware and NVreg_EnableResizableBar=1 (here: 0), the NVIDIA driver resizes BAR1 to the framebuffer',
  );
  // No resource file (GPU 1): unknown. No heap known: no comparison.
  assert.equal(topology(host, 1).bar1Bytes, null);
  const noHeap = readHost({
    fs: new HostFs(BARE_METAL),
    hostname: 'h',
    gpus: [{ index: 2, pciBusId: '00000000:06:00.0' }],
  });
  assert.equal(bar1Note(noHeap.gpuTopology[0]!), undefined);
  // Another vendor's BARs are not NVIDIA's: no BAR1.
  const amd = hostWith({ 'sys/bus/pci/devices/0000:03:00.0/vendor': '0x1002\n' });
  assert.equal(topology(amd, 0).bar1Bytes, null);

  const line = (bar1: string) =>
    `0x00000000e2000000 0x00000000e2ffffff 0x0000000000040200\n${bar1}\n`;
  assert.equal(
    bar1BytesOf(line('0x000021c000000000 0x000021dfffffffff 0x000000000014220c')),
    2 ** 37,
  );
  assert.equal(bar1BytesOf(line('0x0000000000000000 0x0000000000000000 0x0000000000000000')), null);
  // An I/O resource, a reversed range, garbage, no line, more than 2^53 bytes.
  assert.equal(bar1BytesOf(line('0x0000000000001000 0x000000000000107f 0x0000000000040101')), null);
  assert.equal(bar1BytesOf(line('0x00000000d0000000 0x00000000c0000000 0x000000000014220c')), null);
  assert.equal(bar1BytesOf(line('0xzz 0x1 0x200')), null);
  assert.equal(bar1BytesOf('0x00000000e2000000 0x00000000e2ffffff 0x0000000000040200\n'), null);
  assert.equal(bar1BytesOf(line('0x0000000000000001 0xffffffffffffffff 0x000000000014220c')), null);

  // The real H200 (driver 580.159.04, measured): BAR0 is 64-bit, so line 1 is its upper
  // half, all zeros, and BAR1 is line 2: 256 GiB, as `nvidia-smi -q -d MEMORY` says.
  const zeros = '0x0000000000000000 0x0000000000000000 0x0000000000000000';
  const h200 = [
    '0x0000104002000000 0x0000104002ffffff 0x000000000014220c',
    zeros,
    '0x0000100000000000 0x0000103fffffffff 0x000000000014220c',
    zeros,
    '0x0000104000000000 0x0000104001ffffff 0x000000000014220c',
    zeros,
    zeros,
  ].join('\n');
  assert.equal(bar1BytesOf(`${h200}\n`), 256 * 2 ** 30);
  // BAR0 not a memory BAR, or unassigned: no BAR1 is guessed.
  assert.equal(bar1BytesOf(`${zeros}\n${h200.split('\n').slice(1).join('\n')}\n`), null);
});

test('IOMMU: units, each GPU group and its type; translated mode on bare metal is a note', () => {
  const host = readHost({ fs: new HostFs(BARE_METAL), hostname: 'h', gpus: GPUS });
  assert.deepEqual(host.iommu, { active: true, units: ['dmar0', 'dmar1'] });
  assert.deepEqual(host.kernel.commandLine?.iommu, ['intel_iommu=on', 'iommu=pt']);
  assert.deepEqual(topology(host, 0).iommuGroup, { id: 20, type: 'identity' });
  const iommuNote = (t: GpuTopology) => t.notes.find((n) => n.code === 'iommu-translates');
  assert.equal(iommuNote(topology(host, 0)), undefined);
  assert.deepEqual(topology(host, 2).iommuGroup, { id: 31, type: 'DMA-FQ' });
  assert.equal(
    iommuNote(topology(host, 2))?.message,
    "IOMMU group 31 translates this GPU's DMA (DMA-FQ): peer-to-peer traffic from a NIC then needs ATS on the NIC, or IOMMU passthrough (iommu=pt)",
  );
  assert.equal(topology(host, 1).iommuGroup, null);
  const dma = hostWith({ 'sys/kernel/iommu_groups/20/type': 'DMA\n' });
  assert.deepEqual(topology(dma, 0).iommuGroup, { id: 20, type: 'DMA' });
  assert.match(
    iommuNote(topology(dma, 0))?.message ?? '',
    /IOMMU group 20 translates this GPU's DMA \(DMA\)/,
  );

  // The VM: no IOMMU unit, no group, and no translated-mode note either way.
  const vm = readHost({
    fs: new HostFs(join(fixturesDir, 'host', 'vm-no-rdma')),
    hostname: 'vm',
    gpus: [{ index: 0, pciBusId: '00000000:00:06.0', deviceLocalBytes: 150_754_820_096 }],
  });
  assert.deepEqual(vm.iommu, { active: false, units: [] });
  assert.deepEqual(vm.kernel.commandLine, { iommu: [], pcieAcs: [] });
  const vmGpu = vm.gpuTopology[0]!;
  assert.equal(vmGpu.iommuGroup, null);
  // Its GPU sits on the root bus: no bridge, no NIC, so nothing to say about ACS.
  assert.deepEqual(vmGpu.pcieBridges, []);
  assert.equal(vmGpu.acsRedirect, null);
  assert.equal(vmGpu.bar1Bytes, 256 * 1024 ** 3);
  assert.deepEqual(vmGpu.notes, []);
});

test('kernel command line: IOMMU and ACS parameters as written, ACS ones as notes', () => {
  assert.deepEqual(commandLineWords('a b="c d" "e=f g"  h'), ['a', 'b="c d"', '"e=f g"', 'h']);
  // After a lone "--" the words are init's.
  assert.deepEqual(commandLineWords('ro iommu=pt -- iommu=off --x'), ['ro', 'iommu=pt']);
  assert.deepEqual(
    parseCommandLine(
      'BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro amd_iommu=on iommu=pt iommu.strict=0 pci=realloc,noacs ' +
        'pcie_acs_override=downstream,multifunction pci=disable_acs_redir=0000:00:01.0;0000:02:00.0 ' +
        'iommu.passthrough=1 intel_iommu=on,sm_on pci=nomsi "pci=config_acs=xx111x@0000:02:00.0" iommuX=1',
    ),
    {
      iommu: [
        'amd_iommu=on',
        'iommu=pt',
        'iommu.strict=0',
        'iommu.passthrough=1',
        'intel_iommu=on,sm_on',
      ],
      pcieAcs: [
        'pci=realloc,noacs',
        'pcie_acs_override=downstream,multifunction',
        'pci=disable_acs_redir=0000:00:01.0;0000:02:00.0',
        '"pci=config_acs=xx111x@0000:02:00.0"',
      ],
    },
  );
  const host = hostWith({
    'proc/cmdline':
      'ro iommu=pt pci=noacs pcie_acs_override=downstream pci=disable_acs_redir=0000:02:00.0 ' +
      'pci=config_acs=xx111x@0000:02:00.0\n',
  });
  const notes = host.readiness.notes.filter((note) => /acs/i.test(note.message));
  assert.deepEqual(
    notes.map((note) => note.code),
    ['pci-noacs', 'acs-override-patch', 'pci-disable-acs-redir', 'pci-config-acs'],
  );
  assert.match(
    notes[3]!.message,
    /^pci=config_acs=xx111x@0000:02:00\.0: the kernel sets ACS on the ports named at boot/,
  );
  assert.match(notes[0]!.message, /^pci=noacs is on the kernel command line/);
  assert.match(notes[1]!.message, /^pcie_acs_override=downstream \(an out-of-tree kernel patch\)/);
  assert.match(
    notes[2]!.message,
    /^pci=disable_acs_redir=0000:02:00\.0: the kernel clears ACS redirect/,
  );
  // Notes only: readiness is what it was.
  assert.equal(host.readiness.ready, true);
});

test('NVIDIA driver parameters: the peer-DMA ones as read; notes only for documented values', () => {
  const bare = readHost({ fs: new HostFs(BARE_METAL), hostname: 'h', gpus: [] });
  // Driver 535 has no GrdmaPciTopoCheckOverride.
  assert.deepEqual(bare.nvidiaParameters, [
    { name: 'DmaRemapPeerMmio', value: '1' },
    { name: 'EnableResizableBar', value: '0' },
    { name: 'RegistryDwords', value: '""' },
  ]);
  const vm = readHost({
    fs: new HostFs(join(fixturesDir, 'host', 'vm-no-rdma')),
    hostname: 'h',
    gpus: [],
  });
  assert.deepEqual(vm.nvidiaParameters?.slice(0, 2), [
    { name: 'DmaRemapPeerMmio', value: '1' },
    { name: 'GrdmaPciTopoCheckOverride', value: '0' },
  ]);
  const none = readHost({
    fs: new HostFs(join(fixturesDir, 'host', 'no-nvidia-driver')),
    hostname: 'h',
    gpus: [],
  });
  assert.equal(none.nvidiaParameters, null);

  assert.deepEqual(
    parseNvidiaParameters(
      'DmaRemapPeerMmio: 0\nDmaRemapPeerMmio: 1\n# GrdmaPciTopoCheckOverride: 1\nMyGrdmaPciTopoCheckOverride: 1\n' +
        'GrdmaPciTopoCheckOverride:   1  \nRegistryDwords: "PeerMappingOverride=1;"\ngarbage\n',
    ),
    [
      { name: 'DmaRemapPeerMmio', value: '0' },
      { name: 'GrdmaPciTopoCheckOverride', value: '1' },
      { name: 'RegistryDwords', value: '"PeerMappingOverride=1;"' },
    ],
  );
  const knobs = hostWith({
    'proc/driver/nvidia/params': 'DmaRemapPeerMmio: 0\nGrdmaPciTopoCheckOverride: 1\n',
  });
  const parameterNotes = (host: HostReport) =>
    host.readiness.notes.filter((note) => note.message.startsWith('NVreg_'));
  assert.deepEqual(parameterNotes(knobs), [
    {
      code: 'dma-remap-peer-mmio-off',
      message:
        'NVreg_DmaRemapPeerMmio is 0: the NVIDIA driver makes DMA addresses for peer MMIO (BAR1) by a fixed offset and creates no IOMMU mappings for them',
    },
    {
      code: 'rdma-topology-check-overridden',
      message:
        "NVreg_GrdmaPciTopoCheckOverride is 1: the driver's GPUDirect RDMA topology check is overridden (NVIDIA documents it for coherent systems with BAR1 enabled only)",
    },
  ]);
  // The defaults say nothing.
  assert.deepEqual(parameterNotes(vm), []);
});

test('readiness notes come from the facts alone (pure)', () => {
  const host = readHost({ fs: new HostFs(BARE_METAL), hostname: 'h', gpus: [] });
  const { hostname: _h, gpuTopology: _t, readiness, ...facts } = host;
  assert.deepEqual(assessReadiness(facts), readiness);
});

// The outputs: a report whose host is read from a variant of the fixture, its GPUs at the
// fixture's PCI addresses.

function reportOn(host: HostReport) {
  const gpus = GPUS.map((gpu) =>
    gpuReport({ index: gpu.index, identity: { pciBusId: gpu.pciBusId } }),
  );
  return { ...listReport(gpus), host };
}

test('outputs: ACS redirect, BAR1, IOMMU in the table, NDJSON, Prometheus and NFD', () => {
  const report = reportOn(
    hostWith({
      [config(GPU0_DSP)]: downstream(SV_RR_CR_UF),
      'proc/cmdline': 'ro intel_iommu=on pcie_acs_override=downstream\n',
    }),
  );
  assertValidReport(listReportJson(report));
  const table = renderTable(report, { color: false, verbose: false });
  assert.match(table, /PCIe ACS +│ redirect at 0000:02:00\.0 \(to mlx5_0, mlx5_1\) +│/);
  assert.match(
    table,
    /PCIe ACS +│ redirect on the paths of GPU 0; pcie_acs_override=downstream +│/,
  );
  assert.match(table, /IOMMU group +│ 31 \(DMA-FQ, translated\) +│/);
  assert.match(table, /BAR1 +│ 256\.0 MiB +│/);
  assert.match(table, /not ready: acs-redirect/);
  assert.match(table, /IOMMU +│ active \(dmar0, dmar1\); intel_iommu=on +│/);

  const lines = reportLines(report);
  assert.deepEqual(
    lines[0]!.hostReasons.map((r) => r.code),
    ['acs-redirect'],
  );
  assert.equal(lines[0]!.topology?.acsRedirect, true);
  for (const line of lines) assertValidReportLine(JSON.parse(JSON.stringify(line)));

  const prometheus = renderPrometheus(report);
  assert.match(
    prometheus,
    /^rdma_probe_gpu_acs_redirect\{uuid="[^"]+00",pci_bus_id="00000000:03:00\.0",name="[^"]+",driver="NVIDIA"\} 1$/m,
  );
  assert.match(
    prometheus,
    /^rdma_probe_gpu_acs_redirect\{[^}]*pci_bus_id="00000000:06:00\.0"[^}]*\} 0$/m,
  );
  assert.match(
    prometheus,
    /^rdma_probe_gpu_bar1_bytes\{[^}]*pci_bus_id="00000000:03:00\.0"[^}]*\} 137438953472$/m,
  );
  assert.match(prometheus, /^rdma_probe_host_iommu_active 1$/m);
  // One acs-redirect reason per GPU however many ports: no duplicate series.
  const reasons = prometheus
    .split('\n')
    .filter((line) => line.startsWith('rdma_probe_gpu_reason{'));
  assert.equal(new Set(reasons).size, reasons.length);
  assert.equal(reasons.filter((line) => line.includes('acs-redirect')).length, 1);

  const nfd = renderNfd(report, { expiresAt: new Date('2026-01-02T00:00:00Z') });
  assert.match(nfd, /^feature\.node\.kubernetes\.io\/rdma-probe\.gpu0\.acs-redirect=true$/m);
  assert.match(nfd, /^feature\.node\.kubernetes\.io\/rdma-probe\.gpu2\.acs-redirect=false$/m);
  assert.match(nfd, /^feature\.node\.kubernetes\.io\/rdma-probe\.gpu0\.bar1-bytes=137438953472$/m);
  assert.match(nfd, /^feature\.node\.kubernetes\.io\/rdma-probe\.gpu2\.iommu-domain=DMA-FQ$/m);
});

test('outputs: ACS unknown (not root) is no sample and no label, and the table says why', () => {
  const report = reportOn(asNonRoot(hostWith({ [config(GPU0_DSP)]: downstream(0, 64) }), GPU0_DSP));
  const table = renderTable(report, { color: false, verbose: false });
  assert.match(table, /PCIe ACS +│ unknown \(reading PCIe config space needs root\) +│/);
  assert.match(table, /note: PCIe ACS unknown at 0000:02:00\.0 \(only 64 of 4096 config bytes/);
  assert.doesNotMatch(renderPrometheus(report), /acs_redirect\{[^}]*03:00\.0/);
  assert.doesNotMatch(
    renderNfd(report, { expiresAt: new Date('2026-01-02T00:00:00Z') }),
    /gpu0\.acs-redirect/,
  );
});

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

test('outputs: hostile parameter values and domain types stay escaped and label-safe', () => {
  const escape = '\u001b]0;owned\u0007\u001b[2J';
  const report = reportOn(
    hostWith({
      'proc/driver/nvidia/params': `DmaRemapPeerMmio: 1${escape}\nRegistryDwords: "a\u009bb"\n`,
      'sys/kernel/iommu_groups/20/type': `DMA${escape}${'x'.repeat(80)}\n`,
      'proc/cmdline': `iommu=pt${escape}\n`,
    }),
  );
  assertValidReport(listReportJson(report));
  // JSON keeps the value exact; the table shows the escapes, never sends them.
  assert.equal(report.host.nvidiaParameters?.[0]?.value, `1${escape}`);
  const table = renderTable(report, { color: false, verbose: false });
  assert.ok(!CONTROL.test(table), 'no control character but line feeds');
  assert.match(table, /DmaRemapPeerMmio=1\\x1b\]0;owned\\x07\\x1b\[2J/);
  assert.match(table, /RegistryDwords="a\\x9bb"/);
  const nfd = renderNfd(report, { expiresAt: new Date('2026-01-02T00:00:00Z') });
  const domain = /^feature\.node\.kubernetes\.io\/rdma-probe\.gpu0\.iommu-domain=(.*)$/m.exec(
    nfd,
  )?.[1];
  assert.ok(domain !== undefined && domain.length <= 63 && LABEL_PATTERN.test(domain), domain);
  assert.ok(!CONTROL.test(nfd + renderPrometheus(report)));
});
