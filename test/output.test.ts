import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  closeSync,
  constants,
  existsSync,
  lchownSync,
  linkSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { rawOptionValue } from '../src/cli/argv-bytes.js';
import { outputName } from '../src/cli/options.js';
import { EnvironmentError, UsageError } from '../src/errors.js';
import { basenameBytes, dirnameBytes } from '../src/output/byte-path.js';
import { replaceFile, writeFileAtomic } from '../src/output/atomic-write.js';
import { STALE_AFTER_MS } from '../src/output/stale-temporaries.js';
import { temporaryName, temporaryNameWriter } from '../src/output/temporary-name.js';
import { rfc3339 } from '../src/render/nfd.js';
import { cleanEnv, type CliResult } from './support/cli.js';
import { LAVAPIPE_LIKE } from './support/driver-configs.js';
import { runMain } from './support/main-run.js';
import { cliPath, fixturesDir } from './support/paths.js';
import { assertValidReport, assertValidReportLine } from './support/schema.js';

const folder = mkdtempSync(join(tmpdir(), 'rdma-probe-output-'));
after(() => rmSync(folder, { recursive: true, force: true }));

/**
 * `rdma-probe ARGS` in this process, on a GPU like this machine's lavapipe (the in-memory
 * binding); the tests about the process's own descriptors and arguments run the built CLI.
 */
function rdmaProbe(args: string[], env?: NodeJS.ProcessEnv) {
  return runMain(args, { config: LAVAPIPE_LIKE, ...(env ? { env } : {}) });
}

test('atomic write: new file, replaced file, no temporary file left', () => {
  const target = join(folder, 'metrics.prom');
  writeFileAtomic(target, 'one\n');
  assert.equal(readFileSync(target, 'utf8'), 'one\n');
  assert.equal(statSync(target).mode & 0o777 & ~0o022, 0o644 & ~0o022);
  writeFileAtomic(target, 'two\n');
  assert.equal(readFileSync(target, 'utf8'), 'two\n');
  assert.deepEqual(readdirSync(folder), ['metrics.prom']);
});

test('atomic write: a failure is an EnvironmentError and leaves nothing behind', () => {
  const sub = mkdtempSync(join(folder, 'fail-'));
  // No such folder: the temporary file cannot even be created.
  assert.throws(
    () => writeFileAtomic(join(sub, 'missing', 'x.prom'), 'x'),
    (error: unknown) => error instanceof EnvironmentError && /cannot write/.test(error.message),
  );
  // A folder where the file should go: refused, and nothing is created beside it.
  mkdirSync(join(sub, 'taken.prom'));
  assert.throws(() => writeFileAtomic(join(sub, 'taken.prom'), 'x'), EnvironmentError);
  assert.deepEqual(readdirSync(sub), ['taken.prom']);
});

test('list --format prometheus --output: the file, written atomically; nothing on stdout', async () => {
  const target = join(folder, 'rdma_probe.prom');
  const result = await rdmaProbe(['list', '--format', 'prometheus', '--output', target]);
  assert.equal(result.exitCode, 0, result.stderr);
  assert.equal(result.stdout, '');
  const text = readFileSync(target, 'utf8');
  assert.match(text, /^rdma_probe_success 1$/m);
  assert.match(
    text,
    /^rdma_probe_gpu_rdma_capable\{uuid="GPU-[0-9a-f-]+",pci_bus_id="",name="llvmpipe[^"]*",driver="llvmpipe"\} 0$/m,
  );
  assert.ok(!readdirSync(folder).some((name) => name.endsWith('.tmp')));
});

test('list --format prometheus: a failed probe still writes rdma_probe_success 0', async () => {
  const target = join(folder, 'failed.prom');
  const env = cleanEnv({ RDMA_PROBE_VULKAN_LIBRARY: join(folder, 'no-such-libvulkan.so') });
  const result = await runMain(['list', '--format', 'prometheus', '--output', target], {
    binding: 'real',
    env,
  });
  assert.equal(result.exitCode, 3, result.stderr);
  assert.match(result.stderr, /^rdma-probe: /);
  assert.match(readFileSync(target, 'utf8'), /^rdma_probe_success 0$/m);
});

test('list --format nfd --output: labels with an expiry; --nfd-expiry sets it', async () => {
  const target = join(folder, 'rdma-probe');
  const env = cleanEnv({ RDMA_PROBE_SYSFS_ROOT: join(fixturesDir, 'host', 'vm-no-rdma') });
  const before = Date.now();
  const result = await rdmaProbe(
    ['list', '--format', 'nfd', '--output', target, '--nfd-expiry', '2h'],
    env,
  );
  assert.equal(result.exitCode, 0, result.stderr);
  const text = readFileSync(target, 'utf8');
  const expiry = /^# \+expiry-time=(\S+)$/m.exec(text)?.[1];
  assert.ok(expiry, text);
  const hours = (Date.parse(expiry) - before) / 3600e3;
  assert.ok(hours > 1.9 && hours < 2.1, `expires in ${hours} h`);
  assert.match(
    text,
    /^feature\.node\.kubernetes\.io\/rdma-probe\.host-issue\.peermem-absent=true$/m,
  );
  assert.match(text, /^feature\.node\.kubernetes\.io\/rdma-probe\.gpu0\.capable=false$/m);

  const bad = await rdmaProbe(['list', '--format', 'nfd', '--nfd-expiry', 'soon']);
  assert.equal(bad.exitCode, 2);
  assert.match(bad.stderr, /--nfd-expiry 'soon' is not a duration/);
});

/** Go's time.RFC3339 layout, "2006-01-02T15:04:05Z07:00", which NFD parses the directive with. */
const GO_RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:Z|[+-]\d{2}:\d{2})$/;

test('--nfd-expiry: at most ten years, and the directive is always RFC 3339', async () => {
  const env = cleanEnv({ RDMA_PROBE_SYSFS_ROOT: join(fixturesDir, 'host', 'vm-no-rdma') });
  for (const longest of ['3650d', '87600h']) {
    const result = await rdmaProbe(['list', '--format', 'nfd', '--nfd-expiry', longest], env);
    assert.equal(result.exitCode, 0, result.stderr);
    const expiry = /^# \+expiry-time=(.*)$/m.exec(result.stdout)?.[1] ?? '';
    assert.match(expiry, GO_RFC3339);
    const years = (Date.parse(expiry) - Date.now()) / (365.25 * 86400e3);
    assert.ok(years > 9.9 && years < 10.1, `${longest}: expires in ${years} years`);
  }
  // Beyond ten years, up to what once wrote year +029405 or threw a RangeError.
  for (const tooLong of ['3651d', '87601h', '9999999d', '100000000d', '1'.repeat(400) + 's']) {
    const result = await rdmaProbe(['list', '--format', 'nfd', '--nfd-expiry', tooLong], env);
    assert.equal(result.exitCode, 2, `${tooLong}: ${result.stderr}`);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /^rdma-probe: --nfd-expiry '\d+[dhs]' is longer than 3650d/);
    assert.equal(result.stderr.trimEnd().split('\n').length, 1, result.stderr);
  }
});

test('the NFD directive: RFC 3339 for every year Go reads, an error past them', () => {
  assert.equal(rfc3339(new Date('2026-03-04T05:06:07.890Z')), '2026-03-04T05:06:07Z');
  assert.equal(rfc3339(new Date('9999-12-31T23:59:59.999Z')), '9999-12-31T23:59:59Z');
  assert.throws(() => rfc3339(new Date(Date.UTC(10000, 0, 1))), RangeError);
  assert.throws(() => rfc3339(new Date(NaN)), RangeError);
});

test('list --output with json writes the report to the file; formats conflict as usage errors', async () => {
  const target = join(folder, 'report.json');
  const result = await rdmaProbe(['list', '--json', '--output', target]);
  assert.equal(result.exitCode, 0, result.stderr);
  assertValidReport(JSON.parse(readFileSync(target, 'utf8')));

  const table = await rdmaProbe(['list', '--output', join(folder, 'table.txt')]);
  assert.equal(table.exitCode, 0);
  assert.match(readFileSync(join(folder, 'table.txt'), 'utf8'), /RDMA-capable\./);
  // eslint-disable-next-line no-control-regex -- no colour codes in a file
  assert.doesNotMatch(readFileSync(join(folder, 'table.txt'), 'utf8'), /\u001b\[/);

  for (const args of [
    ['--json', '--ndjson'],
    ['--json', '--format', 'nfd'],
  ]) {
    const conflict = await rdmaProbe(['list', ...args]);
    assert.equal(conflict.exitCode, 2, args.join(' '));
    assert.match(conflict.stderr, /choose one output format/);
  }
  const unknown = await rdmaProbe(['list', '--format', 'xml']);
  assert.equal(unknown.exitCode, 2);
});

test('list --ndjson: one valid line per GPU, host fields on each', async () => {
  const env = cleanEnv({ RDMA_PROBE_SYSFS_ROOT: join(fixturesDir, 'host', 'bare-metal-peermem') });
  const result = await rdmaProbe(['list', '--ndjson'], env);
  assert.equal(result.exitCode, 0, result.stderr);
  const lines = result.stdout.trimEnd().split('\n');
  assert.ok(lines.length >= 1);
  for (const text of lines) {
    const line = JSON.parse(text);
    assertValidReportLine(line);
    assert.equal(line.kind, 'gpu');
    assert.equal(line.schemaVersion, 1);
    assert.equal(line.gpuCount, lines.length);
    assert.equal(line.host.peermem.module, 'nvidia_peermem');
    assert.deepEqual(line.hostReasons, []);
  }
});

// --output against hostile targets. rdma-probe runs as root; a rename replaces whatever
// entry has the target's name, so every kind of non-file must be refused and left alone.

const isRoot = process.geteuid?.() === 0;
const ROOT_ONLY = isRoot ? false : 'needs root (mknod, chown to another user)';

/** Everything about an entry that must not change when rdma-probe refuses it. */
function entryState(file: string) {
  const stats = lstatSync(file);
  const kind = stats.isSymbolicLink() ? `link to ${readlinkSync(file)}` : stats.mode >> 12;
  return { kind, ino: stats.ino, rdev: stats.rdev, mode: stats.mode, size: stats.size };
}

function mkfifo(file: string): void {
  const made = spawnSync('mkfifo', [file], { encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
}

function assertRefused(result: CliResult, pattern: RegExp): void {
  assert.equal(result.exitCode, 3, result.stderr);
  assert.equal(result.stdout, '');
  assert.equal(result.stderr.trimEnd().split('\n').length, 1, result.stderr);
  assert.match(result.stderr, pattern);
  assert.doesNotMatch(result.stderr, /internal error|\n\s+at /);
}

test('--output refuses a device, FIFO, socket or folder, and a link to one; touches nothing', async () => {
  const sub = mkdtempSync(join(folder, 'hostile-'));
  const things: [name: string, kind: RegExp][] = [
    ['fifo', /a FIFO/],
    ['socket', /a socket/],
    ['folder', /a folder/],
  ];
  mkfifo(join(sub, 'fifo'));
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(join(sub, 'socket'), resolve));
  mkdirSync(join(sub, 'folder'));
  writeFileSync(join(sub, 'folder', 'inside'), 'kept');
  if (isRoot) {
    // A copy of /dev/null's node (1:3): never a real /dev entry.
    const made = spawnSync('mknod', [join(sub, 'device'), 'c', '1', '3'], { encoding: 'utf8' });
    assert.equal(made.status, 0, made.stderr);
    things.push(['device', /a character device/]);
  }
  for (const [name] of [...things]) {
    symlinkSync(name, join(sub, `link-to-${name}`));
    things.push([`link-to-${name}`, new RegExp(`leads to .*${name}, which is`)]);
  }
  try {
    const before = readdirSync(sub).map((name) => [name, entryState(join(sub, name))]);
    for (const [name, kind] of things) {
      for (const format of ['prometheus', 'nfd', 'json']) {
        const result = await rdmaProbe(['list', '--format', format, '-o', join(sub, name)]);
        assertRefused(result, new RegExp(`^rdma-probe: not writing .*${name}: it `));
        assert.match(result.stderr, kind);
      }
    }
    const now = readdirSync(sub).map((name) => [name, entryState(join(sub, name))]);
    assert.deepEqual(now, before);
    assert.equal(readFileSync(join(sub, 'folder', 'inside'), 'utf8'), 'kept');
  } finally {
    server.close();
  }
});

test('--output through a link to a regular file: the real file is replaced, in its folder', async () => {
  const sub = mkdtempSync(join(folder, 'link-'));
  mkdirSync(join(sub, 'real'));
  mkdirSync(join(sub, 'exported'));
  const real = join(sub, 'real', 'rdma.prom');
  writeFileSync(real, 'old\n', { mode: 0o640 });
  chmodSync(real, 0o640);
  // A chain of two links, the first relative: both are followed.
  symlinkSync(real, join(sub, 'real', 'second'));
  symlinkSync('../real/second', join(sub, 'exported', 'rdma.prom'));
  const result = await rdmaProbe([
    'list',
    '--format',
    'prometheus',
    '-o',
    join(sub, 'exported', 'rdma.prom'),
  ]);
  assert.equal(result.exitCode, 0, result.stderr);
  assert.match(readFileSync(real, 'utf8'), /^rdma_probe_success 1$/m);
  assert.equal(lstatSync(real).mode & 0o7777, 0o640, 'the mode was kept');
  assert.ok(lstatSync(join(sub, 'exported', 'rdma.prom')).isSymbolicLink(), 'the link was kept');
  assert.deepEqual(readdirSync(join(sub, 'exported')), ['rdma.prom']);
  assert.deepEqual(readdirSync(join(sub, 'real')).sort(), ['rdma.prom', 'second']);

  // A link to nothing would let the link choose where a new file appears.
  symlinkSync(join(sub, 'real', 'missing.prom'), join(sub, 'dangling'));
  assertRefused(
    await rdmaProbe(['list', '--format', 'prometheus', '-o', join(sub, 'dangling')]),
    /not writing .*dangling: it is a symbolic link to .*missing\.prom, which does not exist/,
  );
  assert.ok(!existsSync(join(sub, 'real', 'missing.prom')));
});

test('--output does not follow a link another user owns', { skip: ROOT_ONLY }, async () => {
  const sub = mkdtempSync(join(folder, 'planted-'));
  const victim = join(sub, 'victim');
  writeFileSync(victim, 'precious\n');
  const planted = join(sub, 'rdma.prom');
  symlinkSync(victim, planted);
  lchownSync(planted, 54321, 54321); // as if another local user had planted it
  assertRefused(
    await rdmaProbe(['list', '--format', 'prometheus', '-o', planted]),
    /is a symbolic link owned by uid 54321, not by root or the user running rdma-probe/,
  );
  assert.equal(readFileSync(victim, 'utf8'), 'precious\n');
  assert.ok(lstatSync(planted).isSymbolicLink());
});

/** Runs the CLI under a umask, as a shell or a systemd unit would set one. */
async function withUmask(umask: string, args: string[]) {
  const previous = process.umask(parseInt(umask, 8));
  try {
    return await rdmaProbe(args);
  } finally {
    process.umask(previous);
  }
}

test('--output: a new file is 0644 under any umask; an existing file keeps its mode', async () => {
  const sub = mkdtempSync(join(folder, 'mode-'));
  for (const umask of ['077', '027', '000']) {
    const target = join(sub, `new-${umask}.prom`);
    const result = await withUmask(umask, ['list', '--format', 'prometheus', '-o', target]);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.equal(statSync(target).mode & 0o7777, 0o644, `umask ${umask}`);
  }
  for (const mode of [0o600, 0o640, 0o664]) {
    const target = join(sub, `existing-${mode.toString(8)}.prom`);
    writeFileSync(target, 'old\n');
    chmodSync(target, mode);
    const result = await withUmask('077', ['list', '--format', 'prometheus', '-o', target]);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.equal(statSync(target).mode & 0o7777, mode);
    assert.match(readFileSync(target, 'utf8'), /^rdma_probe_success 1$/m);
  }
  // Set-id bits are not carried over to the new file.
  const setuid = join(sub, 'setuid.prom');
  writeFileSync(setuid, 'old\n');
  chmodSync(setuid, 0o4755);
  writeFileAtomic(setuid, 'new\n');
  assert.equal(statSync(setuid).mode & 0o7777, 0o755);
});

test('replaceFile: exactly the mode asked for, whatever the umask (the native-module cache)', () => {
  const target = join(mkdtempSync(join(folder, 'replace-')), 'koffi.node');
  const previous = process.umask(0o077);
  try {
    replaceFile(target, new Uint8Array([1, 2, 3]), 0o755);
    assert.equal(statSync(target).mode & 0o7777, 0o755);
    replaceFile(target, 'again', 0o700);
    assert.equal(statSync(target).mode & 0o7777, 0o700);
    assert.equal(readFileSync(target, 'utf8'), 'again');
  } finally {
    process.umask(previous);
  }
  // Its last look before the rename refuses what the CLI's first look would have.
  const fifo = join(folder, 'replace-fifo');
  mkfifo(fifo);
  assert.throws(() => replaceFile(fifo, 'x', 0o644), /it is a FIFO/);
  assert.ok(lstatSync(fifo).isFIFO());
  assert.ok(!readdirSync(folder).some((name) => name.startsWith('.replace-fifo.')));
});

test('--output: names up to 255 bytes work (bytes, not characters)', async () => {
  const sub = mkdtempSync(join(folder, 'long-'));
  // 240 and 255 bytes in 2-byte characters: half as many UTF-16 units.
  for (const name of ['é'.repeat(120), `${'ü'.repeat(127)}x`, 'a'.repeat(255)]) {
    const target = join(sub, name);
    const result = await rdmaProbe(['list', '--json', '-o', target]);
    assert.equal(result.exitCode, 0, `${Buffer.byteLength(name)} bytes: ${result.stderr}`);
    assertValidReport(JSON.parse(readFileSync(target, 'utf8')));
  }
  assert.equal(readdirSync(sub).length, 3, 'no temporary file left');
  // A name one byte over the kernel's limit is one line and exit 3.
  assertRefused(
    await rdmaProbe(['list', '--json', '-o', join(sub, 'b'.repeat(256))]),
    /cannot write .*: name too long \(ENAMETOOLONG\)/,
  );
});

test('temporary names: at most 255 bytes for any target name, and recognised exactly', () => {
  const parts = { pid: 4194304, time: Date.now(), counter: 123456 };
  for (let length = 1; length <= 255; length++) {
    for (const unit of ['a', 'é', '€', '😀']) {
      const name = Buffer.from(unit.repeat(Math.ceil(length / Buffer.byteLength(unit)))).subarray(
        0,
        length,
      );
      const temporary = temporaryName(name, parts);
      assert.ok(temporary.length <= 255, `${length}-byte name: ${temporary.length}`);
      assert.equal(temporaryNameWriter(temporary, name), parts.pid);
    }
  }
  const name = Buffer.from('rdma.prom');
  const ours = (text: string) => temporaryNameWriter(Buffer.from(text), name);
  assert.equal(ours('.rdma.prom.123-abc-0.tmp'), 123);
  assert.equal(ours('.rdma.prom.123-abc.tmp'), null); // the older two-part form is not ours
  assert.equal(ours('.rdma.prom.x123-abc-0.tmp'), null);
  assert.equal(ours('.other.prom.123-abc-0.tmp'), null);
  assert.equal(ours('.rdma.prom.123-abc-0.tmp.swp'), null);
  assert.equal(ours('rdma.prom.123-abc-0.tmp'), null);
});

test('--output removes what killed runs left, and nothing else', async () => {
  const sub = mkdtempSync(join(folder, 'leftovers-'));
  const name = Buffer.from('rdma.prom');
  const dead = spawnSync('true').pid!; // exited: its pid is free in this namespace
  const old = new Date(Date.now() - 2 * STALE_AFTER_MS);
  const make = (pid: number, made: Date | null, counter = 0, target = name) => {
    const entry = temporaryName(target, { pid, time: Date.now(), counter }).toString();
    writeFileSync(join(sub, entry), 'partial');
    if (made) utimesSync(join(sub, entry), made, made);
    return entry;
  };
  const stale = [make(dead, old, 0), make(dead, old, 1)];
  const kept = [
    make(dead, null, 2), // too recent: another pid namespace could have a live writer
    make(process.pid === dead ? 1 : process.pid, old), // a live process
    make(dead, old, 3, Buffer.from('other.prom')), // another target's
    '.rdma.prom.123-abc.tmp', // not exactly our pattern
  ];
  writeFileSync(join(sub, kept[3]!), 'x');
  const folderLike = temporaryName(name, { pid: dead, time: 1, counter: 9 }).toString();
  mkdirSync(join(sub, folderLike));
  const linkLike = temporaryName(name, { pid: dead, time: 2, counter: 9 }).toString();
  symlinkSync('/etc/hostname', join(sub, linkLike));
  const linked = make(dead, old, 4);
  linkSync(join(sub, linked), join(sub, 'hard-link'));
  kept.push(folderLike, linkLike, linked, 'hard-link');
  if (isRoot) {
    const others = make(dead, old, 5);
    chownSync(join(sub, others), 54321, 54321);
    utimesSync(join(sub, others), old, old);
    kept.push(others);
  }
  for (const entry of [folderLike, linkLike]) lutimesSync(join(sub, entry), old, old);
  const result = await rdmaProbe(['list', '--format', 'prometheus', '-o', join(sub, 'rdma.prom')]);
  assert.equal(result.exitCode, 0, result.stderr);
  const left = readdirSync(sub);
  for (const entry of stale) assert.ok(!left.includes(entry), `${entry} was not removed`);
  assert.deepEqual(left.sort(), [...kept, 'rdma.prom'].sort());
});

test('-o with an empty name is a usage error', async () => {
  for (const args of [['-o', ''], ['--output='], ['--output', '']]) {
    const result = await rdmaProbe(['list', '--json', ...args]);
    assert.equal(result.exitCode, 2, args.join(' '));
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /^rdma-probe: --output needs a file name \(or - for stdout\)\n$/);
  }
});

test('a failed write to stdout (ENOSPC) is exit 3 with one line, not an internal error', () => {
  const full = openSync('/dev/full', constants.O_WRONLY);
  try {
    for (const args of [
      ['list', '--json'],
      ['list', '--format', 'prometheus'],
      ['list'],
      ['--help'],
    ]) {
      const result = spawnSync(process.execPath, [cliPath, ...args], {
        env: cleanEnv(),
        stdio: ['ignore', full, 'pipe'],
        encoding: 'utf8',
        timeout: 60_000,
      });
      assert.equal(result.status, 3, `${args.join(' ')}: ${result.stderr}`);
      assert.equal(
        result.stderr,
        'rdma-probe: cannot write to standard output: no space left on device (ENOSPC)\n',
      );
    }
  } finally {
    closeSync(full);
  }
});

test('--output with a name that is not UTF-8 writes exactly that name', () => {
  const sub = mkdtempSync(join(folder, 'bytes-'));
  // Through a shell: Node's child_process cannot pass invalid UTF-8 as an argument.
  const script = `
    dir="$0"; node="$1"; cli="$2"
    sub="$dir/$(printf 'sub\\377')"; mkdir "$sub" || exit 9
    "$node" "$cli" list --json -o "$sub/$(printf 'a\\377\\376.json')" || exit 1
    "$node" "$cli" list --json --output="$dir/$(printf 'b\\303.json')" || exit 2
    "$node" "$cli" list --json "-o$dir/$(printf 'c\\355\\240\\200.json')" || exit 3
    "$node" "$cli" list --json -o "$dir/$(printf 'd\\357\\277\\275.json')" || exit 4`;
  const result = spawnSync('sh', ['-c', script, sub, process.execPath, cliPath], {
    env: cleanEnv(),
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(result.status, 0, result.stderr);
  const names = (dir: Buffer | string) =>
    readdirSync(dir, { encoding: 'buffer' }).map((name) => name.toString('hex'));
  const hex = (text: string) => Buffer.from(text, 'latin1').toString('hex');
  assert.deepEqual(
    names(sub).sort(),
    [
      hex('b\xc3.json'),
      hex('c\xed\xa0\x80.json'),
      hex('d\xef\xbf\xbd.json'),
      hex('sub\xff'),
    ].sort(),
  );
  const inner = Buffer.concat([Buffer.from(sub + '/'), Buffer.from('sub\xff', 'latin1')]);
  assert.deepEqual(names(inner), [hex('a\xff\xfe.json')]);
  const file = Buffer.concat([inner, Buffer.from('/a\xff\xfe.json', 'latin1')]);
  assertValidReport(JSON.parse(readFileSync(file, 'utf8')));
});

test('a file name in a message cannot send terminal controls', async () => {
  const sub = mkdtempSync(join(folder, 'escape-'));
  const name = 'x\x1b]0;retitled\x07\x1b[2J';
  mkfifo(join(sub, name));
  const result = await rdmaProbe(['list', '--json', '-o', join(sub, name)]);
  assertRefused(result, /not writing .*x\\x1b\]0;retitled\\x07\\x1b\[2J: it is a FIFO/);
  assert.ok(!result.stderr.includes('\x1b'));
});

test('the --output name: bytes from the command line only where Node had to repair it', () => {
  const bytes = (text: string) => Buffer.from(text, 'latin1');
  const typed = ['list', '--json', '-o', 'first', '--output', 'x\ufffd.json'];
  const raw = typed.map((arg) => Buffer.from(arg));
  raw[5] = bytes('x\xff.json');
  assert.deepEqual(outputName('x\ufffd.json', typed, raw), bytes('x\xff.json'));
  assert.deepEqual(outputName('first', typed, raw), Buffer.from('first'));
  assert.equal(outputName(undefined, typed, raw), null);
  assert.equal(outputName('-', typed, raw), null);
  assert.throws(() => outputName('', typed, raw), UsageError);
  // A name whose bytes cannot be found is not guessed.
  assert.throws(() => outputName('y\ufffd', typed, raw), /not valid UTF-8/);
  // Several runs of invalid bytes, each repaired to one U+FFFD or more.
  const args = ['--output=a\ufffd\ufffdb'];
  assert.deepEqual(
    rawOptionValue('a\ufffdb', args, [bytes('--output=a\xe2\x82\xffb')]),
    bytes('a\xe2\x82\xffb'),
  );
});

test('byte paths: dirname and basename as node:path has them', () => {
  for (const file of ['a/b', 'b', '/b', '/', 'a/b/', './x', '/a/b/c.prom', '..']) {
    assert.equal(dirnameBytes(Buffer.from(file)).toString(), dirname(file), `dirname ${file}`);
    assert.equal(basenameBytes(Buffer.from(file)).toString(), basename(file), `basename ${file}`);
  }
});
