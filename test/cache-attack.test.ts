/**
 * The single binary run as root against another local user who attacks its native-module
 * cache: the case the cache is hardened for (rdma-probe runs as root on every GPU server).
 * The attacker is a real unprivileged user the test creates (useradd) and removes again;
 * its code is a module planted under the cache file's name that, if root ever loaded it,
 * would create a marker file (compiled with cc; without cc, bytes that are not the module).
 * Whatever it does, every run must work or fail with one line, and the marker never appear.
 *
 * Also: FIFOs and links where the binary expects its folders, which must never hang it.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { nativeFileName } from '../src/native/native-cache.js';
import { binaries, ensureBinaries } from './support/binary.js';
import { repoRoot } from './support/paths.js';

/** How long the attacker races the binary: bounded, and long enough for many runs. */
const ATTACK_MS = 3000;
const isRoot = process.getuid?.() === 0;
const MODULE = join(
  repoRoot,
  'node_modules',
  '.cache',
  'rdma-probe-binary',
  'koromix-koffi-linux-x64-3.3.4',
  'linux_x64',
  'koffi.node',
);

interface Result {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function runBinary(env: Record<string, string>, args = ['list', '--json']): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(binaries.x64, args, {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 30_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (exitCode, signal) => resolve({ exitCode, signal, stdout, stderr }));
  });
}

/** A run is fine when it worked, or failed with the one-line message: never anything else. */
function assertFine(result: Result, what: string): void {
  assert.equal(result.signal, null, `${what}: killed by ${result.signal} (hung?)`);
  if (result.exitCode === 0) {
    assert.ok(Array.isArray((JSON.parse(result.stdout) as { gpus: unknown }).gpus), what);
    return;
  }
  assert.equal(result.exitCode, 3, `${what}: exit ${result.exitCode}: ${result.stderr}`);
  assert.equal(result.stderr.trimEnd().split('\n').length, 1, `${what}: ${result.stderr}`);
}

interface Attacker {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

let scratch = '';
let attacker: Attacker | undefined;
/** The attacker's loop while it runs: stopped before its user is removed. */
let attackerLoop: ChildProcess | undefined;
let setupSkip: string | false = false;
/** The module file name the binary uses, and the attacker's module planted under it. */
let fileName = '';
let planted = '';
let marker = '';

function run(command: string, args: string[]): ReturnType<typeof spawnSync> {
  return spawnSync(command, args, { encoding: 'utf8' });
}

/** Creates the unprivileged attacker, or says why it cannot. */
function createAttacker(home: string): Attacker | string {
  if (!isRoot) return 'needs root to create an unprivileged user (useradd), as CI runs';
  if (run('useradd', ['--help']).error) return 'useradd is not installed';
  const name = `rpatk${process.pid}`.slice(0, 30);
  const made = run('useradd', [
    '--no-create-home',
    '--home-dir',
    home,
    '--shell',
    '/usr/sbin/nologin',
    '--user-group',
    name,
  ]);
  if (made.status !== 0) return `useradd failed: ${String(made.stderr).trim()}`;
  const uid = Number(String(run('id', ['-u', name]).stdout).trim());
  const gid = Number(String(run('id', ['-g', name]).stdout).trim());
  fs.mkdirSync(home, { mode: 0o755 });
  fs.chownSync(home, uid, gid);
  return { name, uid, gid, home };
}

/**
 * The planted module, as large as the real one (the old cache checked the size only): a
 * shared object that creates `marker` when loaded, padded; without cc, other bytes.
 */
function plantModule(file: string, size: number): void {
  const source = join(scratch, 'planted.c');
  fs.writeFileSync(
    source,
    '#include <fcntl.h>\n#include <unistd.h>\n' +
      '__attribute__((constructor)) static void planted(void) {\n' +
      `  int fd = open(${JSON.stringify(marker)}, O_WRONLY | O_CREAT, 0644);\n` +
      '  if (fd >= 0) close(fd);\n}\n',
  );
  const built = run('cc', ['-shared', '-fPIC', '-o', file, source]);
  if (built.status !== 0 || !fs.existsSync(file)) {
    fs.writeFileSync(file, Buffer.alloc(size, 'ATTACKER'));
  } else if (fs.statSync(file).size < size) {
    fs.truncateSync(file, size);
  }
  fs.chmodSync(file, 0o755);
}

before(() => {
  ensureBinaries();
  scratch = fs.mkdtempSync(join(tmpdir(), 'rdma-probe-attack-test-'));
  // Others must reach the attacker's home inside; only root writes here.
  fs.chmodSync(scratch, 0o755);
  marker = join(scratch, 'attacker-code-ran');
  if (!fs.existsSync(MODULE)) {
    setupSkip = `${MODULE} is missing (npm run build:binary fetches it)`;
    return;
  }
  const bytes = fs.readFileSync(MODULE);
  fileName = nativeFileName('koffi-3.3.4', createHash('sha256').update(bytes).digest('hex'));
  planted = join(scratch, 'planted.node');
  plantModule(planted, bytes.byteLength);
  const made = createAttacker(join(scratch, 'home'));
  if (typeof made === 'string') setupSkip = made;
  else attacker = made;
});

after(async () => {
  const loop = attackerLoop;
  if (loop && loop.exitCode === null && loop.signalCode === null) {
    const closed = new Promise((resolve) => loop.on('close', resolve));
    loop.kill('SIGKILL');
    await closed;
  }
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  if (attacker) removeUser(attacker.name);
});

/** userdel, retried: it fails while another useradd or userdel holds /etc/passwd's lock. */
function removeUser(name: string): void {
  let removed = run('userdel', [name]);
  for (let attempt = 1; removed.status !== 0 && attempt < 20; attempt += 1) {
    spawnSync('sleep', ['0.25']);
    removed = run('userdel', [name]);
  }
  assert.equal(removed.status, 0, `userdel ${name}: ${String(removed.stderr)}`);
}

/** A folder only root can use, for root's TMPDIR (so the test never touches /tmp's names). */
function rootTmp(): string {
  return fs.mkdtempSync(join(scratch, 'root-tmp-'));
}

/**
 * Runs, as the attacker, a loop that swaps ~/.cache/rdma-probe for the attacker's folder
 * holding the planted module and back, replaces it with a link to that folder, and plants
 * the module inside it, until `ms` have passed. Resolves with how many rounds it made.
 */
function raceAsAttacker(who: Attacker, ms: number): Promise<number> {
  const script = `
    const fs = require('node:fs');
    const path = require('node:path');
    const [home, planted, name, ms] = process.argv.slice(1);
    const cache = path.join(home, '.cache');
    fs.mkdirSync(cache, { recursive: true });
    const target = path.join(cache, 'rdma-probe');
    const evil = path.join(cache, 'evil');
    const aside = path.join(cache, 'aside');
    fs.mkdirSync(evil, { recursive: true });
    fs.copyFileSync(planted, path.join(evil, name));
    const attempt = (f) => { try { f(); } catch {} };
    let rounds = 0;
    for (const end = Date.now() + Number(ms); Date.now() < end; rounds++) {
      attempt(() => fs.renameSync(target, aside));
      attempt(() => fs.renameSync(evil, target));
      attempt(() => fs.renameSync(target, evil));
      attempt(() => fs.renameSync(aside, target));
      attempt(() => fs.renameSync(target, aside));
      attempt(() => fs.symlinkSync(evil, target));
      attempt(() => fs.unlinkSync(target));
      attempt(() => fs.renameSync(aside, target));
      attempt(() => fs.copyFileSync(planted, path.join(target, name)));
    }
    console.log(rounds);`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script, who.home, planted, fileName, String(ms)], {
      uid: who.uid,
      gid: who.gid,
      cwd: who.home,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    attackerLoop = child;
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(Number(out.trim()));
      else reject(new Error(`the attacker's loop exited ${code}`));
    });
  });
}

describe('root with another user’s HOME', () => {
  test('a user swapping ~/.cache/rdma-probe in a loop never gets their module loaded', async (t) => {
    if (setupSkip || !attacker) {
      t.skip(setupSkip || 'no attacker');
      return;
    }
    const who = attacker;
    const env = { PATH: '/nonexistent', HOME: who.home, TMPDIR: rootTmp() };
    const race = raceAsAttacker(who, ATTACK_MS);
    const deadline = Date.now() + ATTACK_MS;
    let runs = 0;
    // Three runners at a time, as several units starting at once would.
    const runner = async (): Promise<void> => {
      while (Date.now() < deadline) {
        const result = await runBinary(env);
        runs += 1;
        // The marker first: a planted module that ran also breaks the run, less clearly.
        assert.equal(
          fs.existsSync(marker),
          false,
          `the attacker's module ran as root (run ${runs})`,
        );
        assertFine(result, `run ${runs}`);
      }
    };
    const outcomes = await Promise.allSettled([runner(), runner(), runner()]);
    // The attacker's loop ends on its own: wait for it, so that its user can be removed.
    const rounds = await race;
    for (const outcome of outcomes) if (outcome.status === 'rejected') throw outcome.reason;
    assert.ok(rounds > 100, `the attacker made only ${rounds} rounds`);
    assert.ok(runs >= 3, `only ${runs} runs`);
    assert.equal(fs.existsSync(marker), false, "the attacker's module ran as root");
    // Root never wrote into the attacker's home: it refused the whole chain up front.
    const found = fs.readdirSync(join(who.home, '.cache'));
    for (const name of found) {
      const owner = fs.lstatSync(join(who.home, '.cache', name)).uid;
      assert.equal(owner, who.uid, `root left ${name} in the attacker's home`);
    }
  });

  test('names the attacker took in TMPDIR and /dev/shm fall through to a fresh folder', (t) => {
    if (setupSkip || !attacker) {
      t.skip(setupSkip || 'no attacker');
      return;
    }
    const who = attacker;
    if (run('unshare', ['--mount', 'true']).status !== 0) {
      t.skip('unshare --mount is not permitted here (needed to lay a private /dev/shm)');
      return;
    }
    // A shared, sticky TMPDIR where the attacker made rdma-probe-0 first, with their module.
    const shared = fs.mkdtempSync(join(scratch, 'shared-tmp-'));
    fs.chmodSync(shared, 0o1777);
    const squat = join(shared, 'rdma-probe-0');
    fs.mkdirSync(squat, { mode: 0o755 });
    fs.copyFileSync(planted, join(squat, fileName));
    for (const f of [squat, join(squat, fileName)]) fs.chownSync(f, who.uid, who.gid);
    // /dev/shm, private to the binary's mount namespace, with their link at our name.
    const script = [
      'set -e',
      'mount -t tmpfs -o mode=1777,size=8m tmpfs /dev/shm',
      'ln -s "$1" /dev/shm/rdma-probe-0',
      'chown -h "$2" /dev/shm/rdma-probe-0',
      'shift 2',
      'exec "$@"',
    ].join('\n');
    const result = spawnSync(
      'unshare',
      [
        '--mount',
        'sh',
        '-c',
        script,
        'sh',
        squat,
        `${who.uid}:${who.gid}`,
        'env',
        '-i',
        'PATH=/nonexistent',
        `HOME=${who.home}`,
        `TMPDIR=${shared}`,
        binaries.x64,
        'list',
        '--json',
      ],
      { encoding: 'utf8', timeout: 30_000 },
    );
    assert.equal(result.status, 0, result.stderr);
    assert.ok(Array.isArray((JSON.parse(result.stdout) as { gpus: unknown }).gpus));
    assert.equal(fs.existsSync(marker), false, "the attacker's module ran as root");
    // The fresh folder is removed again: only the attacker's squat is left.
    assert.deepEqual(fs.readdirSync(shared), ['rdma-probe-0']);
  });
});

describe('hostile paths', () => {
  let dir = '';
  before(() => {
    dir = fs.mkdtempSync(join(tmpdir(), 'rdma-probe-hostile-test-'));
    for (const fifo of ['fifo', 'home-fifo']) {
      assert.equal(run('mkfifo', [join(dir, fifo)]).status, 0, 'mkfifo failed');
    }
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('RDMA_PROBE_CACHE_DIR at a FIFO, a device or through one: one line, exit 3, no hang', async () => {
    for (const cacheDir of [join(dir, 'fifo'), join(dir, 'fifo', 'x'), '/dev/null']) {
      const result = await runBinary(
        { PATH: '/nonexistent', HOME: dir, RDMA_PROBE_CACHE_DIR: cacheDir },
        ['list'],
      );
      assert.equal(result.signal, null, `${cacheDir}: hung`);
      assert.equal(result.exitCode, 3, result.stderr);
      assert.equal(result.stdout, '');
      assert.match(
        result.stderr,
        /^rdma-probe: cannot cache the native module in RDMA_PROBE_CACHE_DIR .*(not a folder|ENOTDIR)/,
      );
      assert.equal(result.stderr.trimEnd().split('\n').length, 1, result.stderr);
    }
  });

  test('a FIFO or device as HOME, XDG_CACHE_HOME or the cache folder: skipped', async () => {
    const home = fs.mkdtempSync(join(dir, 'home-'));
    fs.mkdirSync(join(home, '.cache'));
    assert.equal(run('mkfifo', [join(home, '.cache', 'rdma-probe')]).status, 0);
    const runtime = fs.mkdtempSync(join(dir, 'run-'));
    fs.symlinkSync('/dev/null', join(dir, 'null-link'));
    const envs: Record<string, string>[] = [
      { HOME: join(dir, 'home-fifo'), XDG_RUNTIME_DIR: runtime },
      { HOME: home, XDG_RUNTIME_DIR: runtime },
      { XDG_CACHE_HOME: join(dir, 'fifo'), HOME: join(dir, 'null-link'), XDG_RUNTIME_DIR: runtime },
    ];
    for (const env of envs) {
      const result = await runBinary({ PATH: '/nonexistent', ...env });
      assertFine(result, JSON.stringify(env));
      assert.equal(result.exitCode, 0, result.stderr);
      assert.ok(fs.statSync(join(runtime, 'rdma-probe')).isDirectory());
    }
  });

  test('a cache file that is a FIFO, or a link out of the folder: replaced or not used', async () => {
    if (!fileName) assert.fail('no module name (see the skip above)');
    const cache = fs.mkdtempSync(join(dir, 'cache-'));
    const outside = join(dir, 'outside.node');
    fs.writeFileSync(outside, 'not the module');
    for (const plant of [
      () => run('mkfifo', [join(cache, fileName)]),
      () => fs.symlinkSync(outside, join(cache, fileName)),
    ]) {
      fs.rmSync(join(cache, fileName), { force: true });
      plant();
      const result = await runBinary({ PATH: '/nonexistent', RDMA_PROBE_CACHE_DIR: cache });
      assertFine(result, 'planted');
      assert.equal(result.exitCode, 0, result.stderr);
      assert.equal(fs.readFileSync(outside, 'utf8'), 'not the module', 'wrote through the link');
    }
  });
});
