#!/usr/bin/env node
// Records what a real GPU machine shows of the host facts behind GPUDirect RDMA (PCIe ACS,
// IOMMU, BAR1, NVIDIA parameters) and checks rdma-probe's reading of them against the
// machine's own tools, where those are there. Any mismatch is a bug in rdma-probe.
//
//   npm run build && node scripts/record-host-pcie.mjs [DIR]
//
// It runs `rdma-probe list --json` (from bin/, or the binary RDMA_PROBE_BIN names), then reads the same sysfs and procfs
// files itself, `nvidia-smi -q -d MEMORY` (BAR1 total) and `lspci -vvv` (ACSCtl of each
// bridge), and prints a summary with the checks. With DIR, everything it read is also
// written there (probe.json, nvidia-smi-memory.txt, lspci.txt, summary.txt). Run it as
// root to see ACS: others read only the first 64 bytes of a config space.
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { pciBusIdOf } from '../dist/src/pci-address.js';

const dir = process.argv[2] ?? null;
const lines = [];
const say = (line = '') => lines.push(line);
const mismatches = [];
let checks = 0;
function same(what, ours, theirs) {
  checks++;
  const [a, b] = [JSON.stringify(ours), JSON.stringify(theirs)];
  if (a !== b) mismatches.push(`${what}: rdma-probe ${a}, reference ${b}`);
}
function run(command, args) {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    return error.code === 'ENOENT' ? null : `${error.stdout ?? ''}${error.stderr ?? ''}`;
  }
}
function read(file) {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (error) {
    return `<${error.code}>`;
  }
}

// RDMA_PROBE_BIN judges a built binary (the single binary, as shipped) instead of bin/.
const probeCommand = process.env.RDMA_PROBE_BIN
  ? [process.env.RDMA_PROBE_BIN, []]
  : [process.execPath, ['bin/rdma-probe.js']];
const probeText = execFileSync(probeCommand[0], [...probeCommand[1], 'list', '--json'], {
  encoding: 'utf8',
});
const report = JSON.parse(probeText);
const host = report.host;
const uid = process.getuid?.() ?? null;

say(
  `uid ${uid}; kernel ${host.kernel.release}; virtual machine: ${host.virtualization.virtualMachine}`,
);
say(`/proc/cmdline: ${read('/proc/cmdline')}`);
say(`rdma-probe kernel.commandLine: ${JSON.stringify(host.kernel.commandLine)}`);
const units = existsSync('/sys/class/iommu') ? readdirSync('/sys/class/iommu').sort() : [];
say(`/sys/class/iommu: ${JSON.stringify(units)}; rdma-probe iommu: ${JSON.stringify(host.iommu)}`);
same('IOMMU units', [...(host.iommu.units ?? [])].sort(), units);
say(`rdma-probe nvidiaParameters: ${JSON.stringify(host.nvidiaParameters)}`);
const params = read('/proc/driver/nvidia/params');
for (const parameter of host.nvidiaParameters ?? []) {
  const line = params.split('\n').find((l) => l.startsWith(`${parameter.name}:`));
  same(
    `NVIDIA parameter ${parameter.name}`,
    parameter.value,
    line?.slice(parameter.name.length + 1).trim(),
  );
}
say(
  `readiness: ready ${host.readiness.ready}; issues ${host.readiness.issues.map((i) => i.code).join(', ') || 'none'}`,
);
for (const note of host.readiness.notes) say(`  note: ${note}`);

const smiMemory = run('nvidia-smi', ['-q', '-d', 'MEMORY']);
// "BAR1 Memory Usage\n        Total                             : 262144 MiB", one per GPU.
const bar1Totals = [
  ...(smiMemory ?? '').matchAll(/BAR1 Memory Usage\s*\n\s*Total\s*:\s*(\d+) MiB/g),
].map((match) => Number(match[1]) * 1024 * 1024);
// "GPU 00000000:4F:00.0", one per GPU, in the form the report writes its bus IDs.
const smiBusIds = [...(smiMemory ?? '').matchAll(/^GPU (\S+)$/gm)].map((m) => pciBusIdOf(m[1]));
const lspciAll = [];

for (const gpu of report.gpus) {
  const topology = host.gpuTopology.find((t) => t.gpuIndex === gpu.index);
  say();
  say(`GPU ${gpu.index} ${gpu.identity.name} ${gpu.identity.pciBusId}`);
  if (!topology) {
    say('  no PCI bus ID: no topology');
    continue;
  }
  say(`  sysfs ${topology.sysfsPath}`);
  const address = topology.sysfsPath?.split('/').pop();
  if (address) {
    const device = `/sys/bus/pci/devices/${address}`;
    say(`  resource lines 0-3:`);
    for (const line of read(`${device}/resource`).split('\n').slice(0, 4)) say(`    ${line}`);
    let group = null;
    try {
      group = readlinkSync(`${device}/iommu_group`);
    } catch {
      group = null;
    }
    say(`  iommu_group link: ${group}; type ${group ? read(`${device}/iommu_group/type`) : '-'}`);
    const id = group?.split('/').pop() ?? null;
    same(
      `GPU ${gpu.index} IOMMU group`,
      topology.iommuGroup?.id ?? null,
      id === null ? null : Number(id),
    );
    if (id !== null) {
      same(
        `GPU ${gpu.index} IOMMU type`,
        topology.iommuGroup?.type,
        read(`${device}/iommu_group/type`),
      );
    }
  }
  say(`  BAR1 ${topology.bar1Bytes} bytes`);
  const smiIndex = smiBusIds.findIndex((id) => id !== null && id === gpu.identity.pciBusId);
  if (smiIndex >= 0 && bar1Totals[smiIndex] !== undefined) {
    same(`GPU ${gpu.index} BAR1 (nvidia-smi)`, topology.bar1Bytes, bar1Totals[smiIndex]);
  }
  say(`  bridges above it and on its NIC paths: ${topology.pcieBridges.length}`);
  for (const bridge of topology.pcieBridges) {
    const acs =
      bridge.acs === null
        ? 'unknown'
        : bridge.acs.present
          ? `control 0x${bridge.acs.control.toString(16).padStart(4, '0')}`
          : 'absent';
    say(
      `    ${bridge.pciAddress} ${bridge.portType} ${bridge.configBytes} of ${bridge.configSize} config bytes read, ACS ${acs}`,
    );
    const lspci = run('lspci', ['-vvv', '-s', bridge.pciAddress]);
    if (lspci === null) continue;
    lspciAll.push(lspci);
    const control = /ACSCtl:\s*(.*)$/m.exec(lspci)?.[1];
    if (control && bridge.acs?.present) {
      // lspci: "SrcValid+ TransBlk- ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl- DirectTrans-"
      const bits = Object.fromEntries(
        [...control.matchAll(/(\w+)([+-])/g)].map((m) => [m[1], m[2] === '+']),
      );
      const names = {
        SrcValid: 'sourceValidation',
        TransBlk: 'translationBlocking',
        ReqRedir: 'requestRedirect',
        CmpltRedir: 'completionRedirect',
        UpstreamFwd: 'upstreamForwarding',
        EgressCtrl: 'egressControl',
        DirectTrans: 'directTranslated',
      };
      for (const [short, name] of Object.entries(names)) {
        if (short in bits)
          same(
            `bridge ${bridge.pciAddress} ${short} (lspci)`,
            bridge.acs.controls[name],
            bits[short],
          );
      }
    }
  }
  for (const relation of topology.rdmaDevices) {
    say(
      `  to ${relation.name}: path ${relation.path.join(' ') || '(none)'}; ACS redirect ${relation.acsRedirect}`,
    );
  }
  say(
    `  acsRedirect ${topology.acsRedirect}; issues ${topology.issues.map((i) => i.code).join(', ') || 'none'}`,
  );
  for (const note of topology.notes) say(`  note: ${note}`);
}

say();
say(
  mismatches.length === 0
    ? `all ${checks} checks matched`
    : `${mismatches.length} of ${checks} checks differ:`,
);
for (const mismatch of mismatches) say(`  ${mismatch}`);
const summary = `${lines.join('\n')}\n`;
process.stdout.write(summary);
if (dir) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'probe.json'), probeText);
  writeFileSync(join(dir, 'nvidia-smi-memory.txt'), smiMemory ?? '<nvidia-smi not found>\n');
  writeFileSync(join(dir, 'lspci.txt'), lspciAll.join('\n') || '<lspci not found or no bridges>\n');
  writeFileSync(join(dir, 'summary.txt'), summary);
}
process.exit(mismatches.length === 0 ? 0 : 1);
