#!/usr/bin/env node
// Times `rdma-probe report --json` on two fleets of generated `list` output, 8 GPUs a host
// (an HGX H100 server), every GPU the real H100 of the test fixture with its own IDs:
//
// - a folder of HOSTS `list --json` files (default 10,000), in racks of 100;
// - NDJSON_HOSTS hosts' `list --ndjson` lines (default 25,000 hosts: 200,000 lines, about
//   600 MB) on stdin, what `pdsh ... rdma-probe list --ndjson | rdma-probe report -` gives.
//
// Each is run by the built single binary (a copy, as installed) and by node bin/rdma-probe.js,
// interleaved, RUNS runs each after an unmeasured first one, by scripts/bench/bench-runner.c:
// median wall time and peak RSS (the child's ru_maxrss). BENCH_PREVIOUS=PATH adds another
// binary (an earlier build) to the same runs. One checked run of each fleet comes first.
//
// Usage: npm run build && npm run build:binary && node scripts/bench-report.mjs
//        [HOSTS [RUNS [NDJSON_HOSTS]]]; BENCH_KEEP=1 keeps the generated inputs.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { renderNdjson } from '../dist/src/render/ndjson.js';

const hosts = Number(process.argv[2] ?? 10_000);
const runs = Number(process.argv[3] ?? 5);
const ndjsonHosts = Number(process.argv[4] ?? 25_000);
const built = join('dist', 'rdma-probe-linux-x64');
if (!existsSync(built)) {
  console.error(`bench-report: ${built} is missing: run npm run build:binary first`);
  process.exit(1);
}

/** The real H100 of test/fixtures/real, as the GPUs of every host, each with its own IDs. */
const REAL_H100 = JSON.parse(
  readFileSync(join('test', 'fixtures', 'real', 'nvidia-h100-80gb-hbm3.json'), 'utf8'),
).gpus[0];

function gpu(index, host) {
  const uuid = `5c8a6f01-${String(host).padStart(4, '0')}-6789-abcd-ef00112233${String(index).padStart(2, '0')}`;
  const copy = structuredClone(REAL_H100);
  copy.index = index;
  Object.assign(copy.identity, {
    // One host in fifty lags a driver version behind: the report flags it.
    driverVersion: host % 50 === 0 ? '570.86.15' : copy.identity.driverVersion,
    deviceUUID: uuid,
    nvidiaSmiUUID: `GPU-${uuid}`,
    pciBusId: `00000000:${(0x18 + index * 0x10).toString(16)}:00.0`,
  });
  return copy;
}

function report(host) {
  const gpus = Array.from({ length: 8 }, (_, index) => gpu(index, host));
  const issues = [
    { code: 'peermem-absent', message: 'neither nvidia_peermem nor nv_peer_mem is loaded' },
    { code: 'memory-peers-absent', message: '/sys/kernel/mm/memory_peers is absent' },
  ];
  return {
    schemaVersion: 1,
    tool: { name: 'rdma-probe', version: '0.1.0' },
    generatedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, host % 3600)).toISOString(),
    host: {
      hostname: `gpu-${String(host).padStart(5, '0')}`,
      kernel: { release: '6.8.0-45-generic', dmaBufRdma: true },
      nvidiaModule: { loaded: true, flavor: 'open', version: '580.159.04' },
      peermem: { loaded: false, module: null },
      memoryPeers: false,
      rdmaDevices: gpus.map((g) => ({
        name: `mlx5_${g.index}`,
        pciAddress: `0000:${(0x19 + g.index * 0x10).toString(16)}:00.0`,
        numaNode: g.index < 4 ? 0 : 1,
        ports: [{ port: 1, linkLayer: 'InfiniBand', state: 'ACTIVE' }],
      })),
      virtualization: {
        virtualMachine: false,
        hypervisorCpuFlag: false,
        sysVendor: 'Supermicro',
        productName: 'SYS-821GE-TNHR',
      },
      gpuTopology: gpus.map((g) => {
        const nearest = {
          name: `mlx5_${g.index}`,
          pciAddress: `0000:${(0x19 + g.index * 0x10).toString(16)}:00.0`,
          relation: 'same-pcie-switch',
        };
        return {
          gpuIndex: g.index,
          pciBusId: g.identity.pciBusId,
          sysfsPath: `/sys/devices/pci0000:${(0x10 + g.index * 0x10).toString(16)}/0000:${(0x10 + g.index * 0x10).toString(16)}:01.0/0000:${(0x18 + g.index * 0x10).toString(16)}:00.0`,
          numaNode: g.index < 4 ? 0 : 1,
          nearest,
          rdmaDevices: [nearest],
          issues: [],
          notes: [],
        };
      }),
      readiness: { ready: false, issues, notes: [] },
    },
    loader: { apiVersion: '1.4.312', requestedApiVersion: '1.3.0' },
    validation: null,
    durationMs: 95.3,
    gpus,
  };
}

const work = mkdtempSync(join(tmpdir(), 'rdma-probe-bench-'));
try {
  const dir = join(work, 'fleet');
  mkdirSync(dir);
  let bytes = 0;
  let writing = performance.now();
  for (let host = 0; host < hosts; host++) {
    // Racks of 100 hosts, as collection jobs tend to store them.
    const rack = join(dir, `rack-${String(Math.floor(host / 100)).padStart(3, '0')}`);
    if (host % 100 === 0) mkdirSync(rack);
    const text = `${JSON.stringify(report(host), null, 2)}\n`;
    bytes += text.length;
    writeFileSync(join(rack, `gpu-${String(host).padStart(5, '0')}.json`), text);
  }
  console.log(
    `wrote ${hosts} host reports (${(bytes / 1024 ** 2).toFixed(0)} MiB) in ${seconds(writing)} s`,
  );

  const ndjson = join(work, 'fleet.ndjson');
  const fd = openSync(ndjson, 'w');
  bytes = 0;
  writing = performance.now();
  for (let host = 0; host < ndjsonHosts; host++) {
    const text = Buffer.from(renderNdjson(report(host)));
    bytes += text.length;
    writeSync(fd, text);
  }
  closeSync(fd);
  console.log(
    `wrote ${ndjsonHosts * 8} NDJSON lines of ${ndjsonHosts} hosts (${(bytes / 1024 ** 2).toFixed(0)} MiB) in ${seconds(writing)} s`,
  );

  const runner = join(work, 'bench-runner');
  execFileSync('cc', ['-O2', '-Wall', '-o', runner, 'scripts/bench/bench-runner.c']);
  // Measure a copy, as a user's installed file would be (see bench-probe.mjs).
  const binary = join(work, 'rdma-probe');
  copyFileSync(built, binary);
  const programs = [
    ['binary', binary],
    ['node', `${process.execPath} bin/rdma-probe.js`],
  ];
  if (process.env.BENCH_PREVIOUS) programs.push(['previous', process.env.BENCH_PREVIOUS]);

  check(binary, [dir], 'ignore', hosts);
  check(binary, ['-'], openSync(ndjson, 'r'), ndjsonHosts);
  console.log(
    `${hosts} host files (${hosts * 8} GPUs), then ${ndjsonHosts * 8} NDJSON lines on stdin:`,
  );
  const result = spawnSync(
    runner,
    [
      '-n',
      String(runs),
      ...programs.map(([label, command]) => `folder-${label}=${command} report ${dir} --json`),
      ...programs.map(([label, command]) => `stdin-${label}=${command} report - --json <${ndjson}`),
    ],
    { stdio: 'inherit' },
  );
  process.exitCode = result.status ?? 1;
} finally {
  if (!process.env.BENCH_KEEP) rmSync(work, { recursive: true, force: true });
  else console.log(`kept ${work}`);
}

/** One run whose output is read back: every host counted, no problems. */
function check(command, args, stdin, expected) {
  const result = spawnSync(command, ['report', ...args, '--json'], {
    stdio: [stdin, 'pipe', 'pipe'],
    encoding: 'utf8',
    maxBuffer: 1024 ** 3,
  });
  if (typeof stdin === 'number') closeSync(stdin);
  if (result.status !== 0) {
    console.error(result.stderr);
    throw new Error(`report ${args.join(' ')} exited with ${result.status}`);
  }
  const fleet = JSON.parse(result.stdout);
  if (
    fleet.totals.hosts !== expected ||
    fleet.totals.gpus !== expected * 8 ||
    fleet.problems.length !== 0
  ) {
    throw new Error(
      `report ${args.join(' ')}: expected ${expected} hosts, ${expected * 8} GPUs and no problems, got ${fleet.totals.hosts}, ${fleet.totals.gpus} and ${fleet.problems.length}`,
    );
  }
}

function seconds(since) {
  return ((performance.now() - since) / 1000).toFixed(1);
}
