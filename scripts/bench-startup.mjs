#!/usr/bin/env node
// Start-up time of a command: runs it a few times to warm the page cache, then --runs
// times, and prints the median, the fastest and the slowest wall-clock time, and the mean
// CPU time (user + system, from /proc: steadier than wall time on a busy machine).
//
// Usage: node scripts/bench-startup.mjs [--runs=21] [--json] [-- command args...]
// Default command: dist/rdma-probe-linux-x64 --version
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const argv = process.argv.slice(2);
const split = argv.indexOf('--');
const options = split === -1 ? argv : argv.slice(0, split);
const command =
  split === -1 ? [`${root}dist/rdma-probe-linux-x64`, '--version'] : argv.slice(split + 1);
const runs = Number(
  /^--runs=(\d+)$/.exec(options.find((o) => o.startsWith('--runs=')) ?? '')?.[1] ?? 21,
);
const json = options.includes('--json');
const WARM_UP = 3;

if (!(runs >= 1) || command.length === 0) {
  process.stderr.write('usage: bench-startup.mjs [--runs=N] [--json] [-- command args...]\n');
  process.exit(2);
}

/** CPU time of this process's waited-for children, in ms (cutime + cstime, 100 Hz ticks). */
function childrenCpuMs() {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  return (Number(fields[13]) + Number(fields[14])) * 10;
}

const times = [];
let cpuStart = 0;
for (let i = 0; i < WARM_UP + runs; i += 1) {
  if (i === WARM_UP) cpuStart = childrenCpuMs();
  const start = performance.now();
  const result = spawnSync(command[0], command.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  const elapsed = performance.now() - start;
  if (result.error || result.status !== 0) {
    process.stderr.write(
      `bench-startup: ${command.join(' ')} failed: ${result.error?.message ?? `exit ${result.status}`}\n${result.stderr}`,
    );
    process.exit(1);
  }
  if (i >= WARM_UP) times.push(elapsed);
}
times.sort((a, b) => a - b);
const median =
  times.length % 2 === 1
    ? times[(times.length - 1) / 2]
    : (times[times.length / 2 - 1] + times[times.length / 2]) / 2;
const summary = {
  command: command.join(' '),
  runs,
  medianMs: Number(median.toFixed(1)),
  minMs: Number(times[0].toFixed(1)),
  maxMs: Number(times[times.length - 1].toFixed(1)),
  cpuMeanMs: Number(((childrenCpuMs() - cpuStart) / runs).toFixed(1)),
};
process.stdout.write(
  json
    ? `${JSON.stringify(summary)}\n`
    : `${summary.command}: median ${summary.medianMs} ms, min ${summary.minMs} ms, ` +
        `max ${summary.maxMs} ms over ${runs} runs; CPU ${summary.cpuMeanMs} ms a run\n`,
);
