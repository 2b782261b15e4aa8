/**
 * The single binary (npm run build:binary) as an operator meets it on a server: no Node.js,
 * an almost empty environment, a fresh cache folder, many copies started at once, and
 * folders it must not or cannot use. The arm64 binary is checked by its ELF header and,
 * where qemu-user and an arm64 sysroot are installed, run.
 *
 * The binaries are rebuilt first when missing or older than the sources.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { binaries, ensureBinaries } from './support/binary.js';
import { cleanEnv, runCli } from './support/cli.js';
import { repoRoot } from './support/paths.js';

const version = (
  JSON.parse(fs.readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }
).version;
const NATIVE_FILE = /^koffi-3\.3\.4-[0-9a-f]{16}\.node$/;
const EM_X86_64 = 62;
const EM_AARCH64 = 183;
const isRoot = process.getuid?.() === 0;

interface Result {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

let scratch: string;
before(() => {
  ensureBinaries();
  scratch = fs.mkdtempSync(join(tmpdir(), 'rdma-probe-binary-test-'));
});
after(() => {
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
});

/** A fresh, empty folder (mode 0755: like a home folder). */
function freshDir(name: string): string {
  const dir = fs.mkdtempSync(join(scratch, `${name}-`));
  fs.chmodSync(dir, 0o755);
  return dir;
}

/**
 * The environment of a bare server login: no node on PATH, a home, a runtime dir, and a
 * TMPDIR of its own (so that a test can tell that the fallbacks there were not needed).
 */
function serverEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: '/nonexistent',
    HOME: freshDir('home'),
    XDG_RUNTIME_DIR: freshDir('run'),
    TMPDIR: freshDir('tmp'),
    ...extra,
  };
}

function toResult(result: SpawnSyncReturns<string>): Result {
  if (result.error) throw result.error;
  return { exitCode: result.status, stdout: result.stdout, stderr: result.stderr };
}

function runBinary(args: string[], env: Record<string, string>): Result {
  return toResult(spawnSync(binaries.x64, args, { env, encoding: 'utf8', timeout: 60_000 }));
}

function runBinaryAsync(args: string[], env: Record<string, string>): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(binaries.x64, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (exitCode) => resolve({ exitCode, stdout, stderr }));
  });
}

interface Mount {
  target: string;
  options: string;
}

/**
 * Runs the binary in a private mount namespace with tmpfs mounts (read-only, noexec) laid
 * over some folders; they vanish with the process. Needs root and unshare(1).
 */
function runBinaryWithMounts(args: string[], env: Record<string, string>, mounts: Mount[]): Result {
  const script = [
    'set -e',
    ...mounts.map((_, i) => `mount -t tmpfs -o "$${2 * i + 1}",size=4m tmpfs "$${2 * i + 2}"`),
    `shift ${2 * mounts.length}`,
    'exec "$@"',
  ].join('\n');
  const envArgs = Object.entries(env).map(([name, value]) => `${name}=${value}`);
  return toResult(
    spawnSync(
      'unshare',
      [
        '--mount',
        'sh',
        '-c',
        script,
        'sh',
        ...mounts.flatMap((m) => [m.options, m.target]),
        'env',
        '-i',
        ...envArgs,
        binaries.x64,
        ...args,
      ],
      { encoding: 'utf8', timeout: 60_000 },
    ),
  );
}

let mountsWork: boolean | undefined;
/** Why mount tests cannot run here, or false when they can. */
function mountSkipReason(): string | false {
  if (!isRoot) return 'needs root to mount a tmpfs in a private mount namespace';
  if (mountsWork === undefined) {
    const probe = fs.mkdtempSync(join(tmpdir(), 'rdma-probe-mount-probe-'));
    mountsWork =
      spawnSync('unshare', ['--mount', 'sh', '-c', 'mount -t tmpfs -o size=1m tmpfs "$0"', probe])
        .status === 0;
    fs.rmSync(probe, { recursive: true, force: true });
  }
  return mountsWork ? false : 'unshare --mount or mount -t tmpfs is not permitted here';
}

/** Drops what changes from run to run: timestamps and timings. */
function withoutVolatile(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutVolatile);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== 'generatedAt' && !key.endsWith('Ms'))
      .map(([key, inner]) => [key, withoutVolatile(inner)]),
  );
}

function cachedFiles(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
}

/**
 * Asserts that the module was loaded from `dir`: the folder is there, private, and holds no
 * temporary files, and at most the named cache file (none where the module was loaded from
 * an unnamed file, as wherever O_TMPFILE works). The folders after it were never made.
 */
function assertLoadedFrom(dir: string, notTried: string[] = []): void {
  assert.equal(fs.statSync(dir).mode & 0o777, 0o700, `${dir} was not made private`);
  const files = cachedFiles(dir);
  assert.ok(files.length <= 1 && files.every((f) => NATIVE_FILE.test(f)), files.join(', '));
  for (const later of notTried) assert.equal(fs.existsSync(later), false, `${later} was made`);
}

function assertOneLine(result: Result, exitCode: number, pattern: RegExp): void {
  assert.equal(result.exitCode, exitCode, `stderr: ${result.stderr}`);
  assert.equal(result.stdout, '');
  assert.equal(result.stderr.trimEnd().split('\n').length, 1, `not one line: ${result.stderr}`);
  assert.match(result.stderr, pattern);
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'stack trace printed');
}

function elfMachine(file: string): number {
  const header = Buffer.alloc(20);
  const fd = fs.openSync(file, 'r');
  try {
    fs.readSync(fd, header, 0, header.length, 0);
  } finally {
    fs.closeSync(fd);
  }
  assert.deepEqual([...header.subarray(0, 4)], [0x7f, 0x45, 0x4c, 0x46], `${file} is not ELF`);
  assert.equal(header[4], 2, 'not a 64-bit ELF file');
  assert.equal(header[5], 1, 'not little-endian');
  return header.readUInt16LE(18);
}

test('with no Node.js and a bare environment, list --json equals the sources’ output', () => {
  const env = serverEnv();
  const binary = runBinary(['list', '--json'], env);
  assert.equal(binary.exitCode, 0, binary.stderr);
  assert.equal(binary.stderr, '');
  const sources = runCli(['list', '--json'], cleanEnv());
  assert.equal(sources.exitCode, 0, sources.stderr);
  assert.deepEqual(
    withoutVolatile(JSON.parse(binary.stdout)),
    withoutVolatile(JSON.parse(sources.stdout)),
  );
  // The module was loaded from the first candidate, ~/.cache/rdma-probe, and nowhere else.
  assertLoadedFrom(join(env.HOME!, '.cache', 'rdma-probe'), [
    join(env.XDG_RUNTIME_DIR!, 'rdma-probe'),
  ]);
});

test('check: the same line, exit code and document as the sources; UNKNOWN without a loader', () => {
  const env = serverEnv();
  const binary = runBinary(['check'], env);
  const sources = runCli(['check'], cleanEnv());
  // lavapipe is not RDMA-capable: FAIL, exit 1.
  assert.equal(binary.exitCode, 1, binary.stderr);
  assert.equal(sources.exitCode, 1, sources.stderr);
  assert.match(binary.stdout, /^FAIL: GPU 0[^\n]*\n$/);
  assert.equal(binary.stdout, sources.stdout);
  const doc = JSON.parse(runBinary(['check', '--json'], env).stdout) as unknown;
  assert.deepEqual(
    withoutVolatile(doc),
    withoutVolatile(JSON.parse(runCli(['check', '--json'], cleanEnv()).stdout)),
  );
  const noLoader = runBinary(['check'], { ...env, RDMA_PROBE_VULKAN_LIBRARY: '/nonexistent.so' });
  assert.equal(noLoader.exitCode, 3, noLoader.stderr);
  assert.match(noLoader.stdout, /^UNKNOWN: Vulkan loader not found/);
  assert.equal(runBinary(['check', '--help'], env).stdout, runCli(['check', '--help']).stdout);
});

test('--version and --help print what the sources print, without touching the cache', () => {
  const env = serverEnv();
  const versionRun = runBinary(['--version'], env);
  assert.equal(versionRun.exitCode, 0, versionRun.stderr);
  assert.equal(versionRun.stdout, `${version}\n`);
  assert.equal(versionRun.stderr, '');
  const help = runBinary(['--help'], env);
  assert.equal(help.exitCode, 0, help.stderr);
  assert.equal(help.stdout, runCli(['--help']).stdout);
  assert.match(help.stdout, /Exit codes:/);
  assert.deepEqual(cachedFiles(join(env.HOME!, '.cache')), []);
});

test('an unknown option exits 2 with one line and no stack', () => {
  assertOneLine(runBinary(['list', '--bogus'], serverEnv()), 2, /unknown option '--bogus'/);
});

test('NODE_OPTIONS meant for other programs does not change the binary', () => {
  const result = runBinary(['--version'], serverEnv({ NODE_OPTIONS: '--require /nonexistent.js' }));
  assert.equal(result.exitCode, 0, result.stderr);
  assert.equal(result.stdout, `${version}\n`);
});

test('30 concurrent first runs all succeed and leave no temporary files', async () => {
  const env = serverEnv();
  const results = await Promise.all(
    Array.from({ length: 30 }, () => runBinaryAsync(['list', '--json'], env)),
  );
  for (const [index, result] of results.entries()) {
    assert.equal(result.exitCode, 0, `run ${index}: ${result.stderr}`);
    assert.ok(Array.isArray((JSON.parse(result.stdout) as { gpus: unknown }).gpus));
  }
  assertLoadedFrom(join(env.HOME!, '.cache', 'rdma-probe'));
});

test('a read-only HOME falls back to XDG_RUNTIME_DIR', (t) => {
  const env = serverEnv();
  let result: Result;
  if (isRoot) {
    // Root writes through mode 0555: lay a read-only mount over HOME instead.
    const skip = mountSkipReason();
    if (skip) {
      t.skip(skip);
      return;
    }
    result = runBinaryWithMounts(['list', '--json'], env, [{ target: env.HOME!, options: 'ro' }]);
  } else {
    fs.chmodSync(env.HOME!, 0o555);
    result = runBinary(['list', '--json'], env);
  }
  assert.equal(result.exitCode, 0, result.stderr);
  assertLoadedFrom(join(env.XDG_RUNTIME_DIR!, 'rdma-probe'), [
    join(env.TMPDIR!, `rdma-probe-${process.getuid?.()}`),
  ]);
});

test('an unusable XDG_CACHE_HOME falls back to ~/.cache', () => {
  // A cache folder others can write is refused whoever runs the test (root included).
  const xdg = freshDir('xdg');
  fs.mkdirSync(join(xdg, 'rdma-probe'));
  fs.chmodSync(join(xdg, 'rdma-probe'), 0o777);
  const env = serverEnv({ XDG_CACHE_HOME: xdg });
  const result = runBinary(['list', '--json'], env);
  assert.equal(result.exitCode, 0, result.stderr);
  assert.deepEqual(cachedFiles(join(xdg, 'rdma-probe')), []);
  assertLoadedFrom(join(env.HOME!, '.cache', 'rdma-probe'), [
    join(env.XDG_RUNTIME_DIR!, 'rdma-probe'),
  ]);
});

test('a noexec cache folder falls back to the next one', (t) => {
  const skip = mountSkipReason();
  if (skip) {
    t.skip(`${skip}; test/native-cache.test.ts covers it with a loader that fails like noexec`);
    return;
  }
  const env = serverEnv();
  const result = runBinaryWithMounts(['list', '--json'], env, [
    { target: env.HOME!, options: 'noexec' },
  ]);
  assert.equal(result.exitCode, 0, result.stderr);
  assertLoadedFrom(join(env.XDG_RUNTIME_DIR!, 'rdma-probe'));
});

test('an unusable RDMA_PROBE_CACHE_DIR gives one line and exit 3', () => {
  const blocker = join(freshDir('blocker'), 'file');
  fs.writeFileSync(blocker, '');
  const result = runBinary(['list'], serverEnv({ RDMA_PROBE_CACHE_DIR: join(blocker, 'cache') }));
  assertOneLine(
    result,
    3,
    /^rdma-probe: cannot cache the native module in RDMA_PROBE_CACHE_DIR .*ENOTDIR/,
  );
});

test('when every folder fails: one line naming RDMA_PROBE_CACHE_DIR and exit 3', (t) => {
  const skip = mountSkipReason();
  if (skip) {
    t.skip(`${skip}; test/native-cache.test.ts covers the message`);
    return;
  }
  const tmp = freshDir('tmp');
  const env = serverEnv({ TMPDIR: tmp });
  delete env.XDG_RUNTIME_DIR;
  const result = runBinaryWithMounts(['list'], env, [
    { target: env.HOME!, options: 'ro' },
    { target: tmp, options: 'noexec' },
    { target: '/dev/shm', options: 'ro' },
  ]);
  assertOneLine(
    result,
    3,
    /^rdma-probe: found no folder to cache the native module in .*read-only.*noexec.*set RDMA_PROBE_CACHE_DIR/,
  );
});

test('the arm64 binary is an aarch64 executable', () => {
  assert.equal(elfMachine(binaries.arm64), EM_AARCH64);
  assert.equal(elfMachine(binaries.x64), EM_X86_64);
});

const readelfSkip =
  spawnSync('readelf', ['--version']).status === 0 ? false : 'readelf (binutils) is not installed';

test(
  'the binaries need at most glibc 2.28 (RHEL 8, Debian 10, Ubuntu 20.04)',
  { skip: readelfSkip },
  () => {
    for (const bin of Object.values(binaries)) {
      const result = spawnSync('readelf', ['--version-info', '--wide', bin], {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      });
      assert.equal(result.status, 0, result.stderr);
      const versions = [...result.stdout.matchAll(/GLIBC_(\d+)\.(\d+)/g)].map(
        ([, major, minor]) => Number(major) * 1000 + Number(minor),
      );
      assert.ok(versions.length > 0, `no glibc symbol versions in ${bin}`);
      assert.ok(Math.max(...versions) <= 2028, `${bin} needs glibc newer than 2.28`);
    }
  },
);

const QEMU = ['/usr/bin/qemu-aarch64-static', '/usr/bin/qemu-aarch64'].find((f) =>
  fs.existsSync(f),
);
const ARM64_SYSROOT = '/usr/aarch64-linux-gnu';
const qemuSkip =
  QEMU === undefined
    ? 'qemu-user is not installed (apt-get install qemu-user-static)'
    : !fs.existsSync(join(ARM64_SYSROOT, 'lib', 'ld-linux-aarch64.so.1'))
      ? 'no arm64 sysroot (apt-get install libc6-arm64-cross libstdc++6-arm64-cross libgcc-s1-arm64-cross)'
      : false;

test(
  'the arm64 binary runs under qemu-user and loads its own koffi module',
  { skip: qemuSkip },
  () => {
    const env = serverEnv({ QEMU_LD_PREFIX: ARM64_SYSROOT });
    const run = (args: string[], extra: Record<string, string> = {}): Result =>
      toResult(
        spawnSync(QEMU!, [binaries.arm64, ...args], {
          env: { ...env, ...extra },
          encoding: 'utf8',
          timeout: 60_000,
        }),
      );
    const versionRun = run(['--version']);
    assert.equal(versionRun.exitCode, 0, versionRun.stderr);
    assert.equal(versionRun.stdout, `${version}\n`);
    // No arm64 Vulkan loader here: reaching that error proves koffi's arm64 module loaded.
    const list = run(['list'], { RDMA_PROBE_VULKAN_LIBRARY: '/nonexistent/libvulkan.so.1' });
    assertOneLine(list, 3, /Vulkan loader not found/);
    assertLoadedFrom(join(env.HOME!, '.cache', 'rdma-probe'));
  },
);
