#!/usr/bin/env node
// Times `rdma-probe list --json` (the built single binary) against `vulkaninfo --summary`
// and a minimal C program making the same Vulkan queries (the floor), interleaved, median
// of RUNS runs each, with peak RSS; `rdma-probe --version` shows Node's own start-up.
// The measuring is done by scripts/bench/bench-runner.c, which also runs on GPU servers
// that have no Node.js (see README: Performance).
//
// BENCH_PREVIOUS=PATH adds another binary (an earlier build) to the same runs.
//
// Usage: npm run build:binary && node scripts/bench-probe.mjs [RUNS]
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const runs = process.argv[2] ?? '21';
const built = join('dist', 'rdma-probe-linux-x64');
if (!existsSync(built)) {
  console.error(`bench-probe: ${built} is missing: run npm run build:binary first`);
  process.exit(1);
}
const work = mkdtempSync(join(tmpdir(), 'rdma-probe-bench-'));
try {
  const runner = join(work, 'bench-runner');
  const floor = join(work, 'vk-floor');
  // Measure a copy, as a user's installed file would be. Peak RSS counts the pages of the
  // executable that are mapped, and those of a file just written by the build sit in the
  // page cache in a way that maps more of them: 57 instead of 43 MiB for --version,
  // measured on the CI machine (the same bytes copied, or the cache dropped, give 43).
  const binary = join(work, 'rdma-probe');
  copyFileSync(built, binary);
  execFileSync('cc', ['-O2', '-Wall', '-o', runner, 'scripts/bench/bench-runner.c']);
  execFileSync('cc', ['-O2', '-Wall', '-o', floor, 'scripts/bench/vk-floor.c', '-lvulkan']);
  const result = spawnSync(
    runner,
    [
      '-n',
      runs,
      `rdma-probe=${binary} list --json`,
      'vulkaninfo=vulkaninfo --summary',
      `c-floor=${floor}`,
      `version=${binary} --version`,
      ...(process.env.BENCH_PREVIOUS ? [`previous=${process.env.BENCH_PREVIOUS} list --json`] : []),
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      encoding: 'utf8',
      // vulkaninfo wants a runtime folder for its window-system probing.
      env: { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? work },
    },
  );
  process.stdout.write(result.stdout);
  // Node's own start-up (--version) plus the floor's Vulkan work: what a Node program
  // making the same queries cannot go below.
  const median = (label) =>
    Number(new RegExp(`^${label}\\s+([\\d.]+)`, 'm').exec(result.stdout)?.[1]);
  const floorPlusNode = median('c-floor') + median('version');
  if (Number.isFinite(floorPlusNode)) {
    const ratio = (median('rdma-probe') / floorPlusNode).toFixed(2);
    console.log(`rdma-probe / (C floor + --version): wall ${ratio}x`);
  }
  process.exitCode = result.status ?? 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
