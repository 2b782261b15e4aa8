#!/usr/bin/env node
// Times `rdma-probe report <dir> --json` over a fleet of 10,000 hosts: writes one
// `list --json`-shaped report per host (8 GPUs each, like an HGX H100 server) into a
// temporary folder, runs the report a few times and prints the median wall time.
// Usage: npm run build && npm run bench [-- HOSTS RUNS]; BENCH_KEEP=1 keeps the folder.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const hosts = Number(process.argv[2] ?? 10_000);
const runs = Number(process.argv[3] ?? 5);

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

const dir = mkdtempSync(join(tmpdir(), 'rdma-probe-bench-'));
try {
  let bytes = 0;
  const writing = performance.now();
  for (let host = 0; host < hosts; host++) {
    // Racks of 100 hosts, as collection jobs tend to store them.
    const rack = join(dir, `rack-${String(Math.floor(host / 100)).padStart(3, '0')}`);
    if (host % 100 === 0) mkdirSync(rack);
    const text = `${JSON.stringify(report(host), null, 2)}\n`;
    bytes += text.length;
    writeFileSync(join(rack, `gpu-${String(host).padStart(5, '0')}.json`), text);
  }
  console.log(
    `wrote ${hosts} host reports (${(bytes / 1024 ** 2).toFixed(0)} MiB) in ${((performance.now() - writing) / 1000).toFixed(1)} s`,
  );

  const times = [];
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    const result = spawnSync(process.execPath, ['bin/rdma-probe.js', 'report', dir, '--json'], {
      encoding: 'utf8',
      maxBuffer: 1024 ** 3,
    });
    times.push((performance.now() - started) / 1000);
    if (result.status !== 0) {
      console.error(result.stderr);
      throw new Error(`report exited with ${result.status}`);
    }
    const fleet = JSON.parse(result.stdout);
    if (fleet.totals.hosts !== hosts || fleet.problems.length !== 0) {
      throw new Error(
        `expected ${hosts} hosts and no problems, got ${fleet.totals.hosts} and ${fleet.problems.length}`,
      );
    }
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  console.log(`runs: ${times.map((t) => t.toFixed(2)).join(' ')} s`);
  console.log(
    `rdma-probe report (${hosts} hosts, ${hosts * 8} GPUs) --json: median ${median.toFixed(2)} s over ${runs} runs`,
  );
} finally {
  if (!process.env.BENCH_KEEP) rmSync(dir, { recursive: true, force: true });
  else console.log(`kept ${dir}`);
}
