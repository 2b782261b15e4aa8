#!/usr/bin/env node
// Measures what loading koffi's native module costs the single binary, for the two ways
// src/native/native-cache.ts can do it: an unnamed file (O_TMPFILE, written every run) and
// the named cache file (written once, then opened and compared byte for byte every run).
//
// 1. In process: a fresh Node (the same Node 24 the binary embeds) times loadThroughCache
//    alone, with the real module and the real process.dlopen, per mode; the named cache is
//    warm (written by an untimed run first), "named, first run" writes and syncs it.
// 2. Whole runs of the built binary (`list --json`, and `list` with no Vulkan loader, which
//    stops right after koffi is loaded), the cache warm; with --baseline=FILE also an older
//    binary, for before/after.
// Runs are interleaved so that drift hits each mode alike; medians of RUNS (default 21).
//
// Usage: npm run build && npm run build:binary && node scripts/bench-cache.mjs [RUNS] [--baseline=FILE]
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CACHE = join(ROOT, 'node_modules', '.cache', 'rdma-probe-binary');
const NODE = join(CACHE, `node-linux-${process.arch}-24.21.0`, 'bin', 'node');
const MODULE = join(
  CACHE,
  `koromix-koffi-linux-${process.arch}-3.3.4`,
  `linux_${process.arch}`,
  'koffi.node',
);
const NATIVE_CACHE = join(ROOT, 'dist', 'src', 'native', 'native-cache.js');
const BINARY = join(ROOT, 'dist', `rdma-probe-linux-${process.arch}`);

const args = process.argv.slice(2);
const runs = Number(args.find((a) => /^\d+$/.test(a)) ?? 21);
const baseline = args.find((a) => a.startsWith('--baseline='))?.slice('--baseline='.length);

for (const [file, hint] of [
  [NODE, 'npm run build:binary'],
  [MODULE, 'npm run build:binary'],
  [NATIVE_CACHE, 'npm run build'],
  [BINARY, 'npm run build:binary'],
]) {
  if (!fs.existsSync(file)) {
    console.error(`bench-cache: ${file} is missing: run ${hint} first`);
    process.exit(1);
  }
}

// The timed part runs in a fresh process each time: a module can be loaded once per process.
const probe = `
import * as fs from 'node:fs';
const { loadThroughCache, nativeFileName } = await import(${JSON.stringify(pathToFileURL(NATIVE_CACHE).href)});
const [moduleFile, dir, mode] = process.argv.slice(1);
const image = { fileName: nativeFileName('koffi-3.3.4', 'bench0000000000000'), bytes: fs.readFileSync(moduleFile) };
const started = performance.now();
const result = loadThroughCache({
  candidates: [{ dir, base: dir, source: 'bench' }],
  uid: process.getuid(),
  image,
  unnamed: mode === 'unnamed',
  load: (file) => { const m = { exports: {} }; process.dlopen(m, file); return m.exports; },
});
const ms = performance.now() - started;
if (!result.ok || result.from !== (mode === 'unnamed' ? 'unnamed' : 'named')) {
  console.error(JSON.stringify(result));
  process.exit(1);
}
console.log(ms.toFixed(3));
`;

const work = fs.mkdtempSync(join(tmpdir(), 'rdma-probe-bench-cache-'));
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
const format = (values) =>
  `median ${median(values).toFixed(2)} ms (min ${Math.min(...values).toFixed(2)}, max ${Math.max(...values).toFixed(2)})`;

function timeLoad(mode, dir) {
  const result = spawnSync(NODE, ['--input-type=module', '-e', probe, MODULE, dir, mode], {
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`${mode}: ${result.stderr}`);
  return Number(result.stdout.trim());
}

function timeRun(binary, argv, env) {
  const started = process.hrtime.bigint();
  const result = spawnSync(binary, argv, { env, stdio: 'ignore' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0 && result.status !== 3)
    throw new Error(`${binary} exited ${result.status}`);
  return ms;
}

try {
  const folder = join(work, 'cache');
  fs.mkdirSync(folder, { mode: 0o700 });
  timeLoad('named', folder); // warms the named cache file
  const load = { unnamed: [], 'named (cache warm)': [], 'named, first run': [] };
  for (let i = 0; i < runs; i += 1) {
    load.unnamed.push(timeLoad('unnamed', folder));
    load['named (cache warm)'].push(timeLoad('named', folder));
    const cold = join(work, `cold-${i}`);
    fs.mkdirSync(cold, { mode: 0o700 });
    load['named, first run'].push(timeLoad('named', cold));
  }
  console.log(
    `loadThroughCache alone (Node 24, ${MODULE.split('/').pop()} ${fs.statSync(MODULE).size} bytes, ${runs} runs each):`,
  );
  for (const [mode, values] of Object.entries(load))
    console.log(`  ${mode.padEnd(20)} ${format(values)}`);

  const home = join(work, 'home');
  fs.mkdirSync(home, { mode: 0o700 });
  const env = { PATH: '/usr/bin:/bin', HOME: home };
  const noLoader = { ...env, RDMA_PROBE_VULKAN_LIBRARY: '/nonexistent/libvulkan.so.1' };
  const binaries = { current: BINARY, ...(baseline ? { baseline } : {}) };
  const cases = Object.entries(binaries).flatMap(([label, binary]) => [
    { label: `${label}: list --json`, binary, argv: ['list', '--json'], env },
    { label: `${label}: list, no Vulkan loader`, binary, argv: ['list'], env: noLoader },
  ]);
  for (const c of cases) timeRun(c.binary, c.argv, c.env); // warm the cache and page cache
  const whole = Object.fromEntries(cases.map((c) => [c.label, []]));
  for (let i = 0; i < runs; i += 1) {
    for (const c of cases) whole[c.label].push(timeRun(c.binary, c.argv, c.env));
  }
  console.log(`whole runs (wall clock from spawn to exit, ${runs} runs each, interleaved):`);
  for (const [label, values] of Object.entries(whole))
    console.log(`  ${label.padEnd(38)} ${format(values)}`);
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
