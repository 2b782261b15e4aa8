/**
 * The single binary's native-module cache: which folders it tries, which it refuses (the
 * whole chain up to `/`), that whatever it loads holds the embedded bytes (checked through
 * the descriptor that is loaded), that damaged or hostile files are replaced and never
 * loaded, and that taken fallback names fall through to a fresh folder. Everything runs in
 * temporary folders; the loader is a stand-in that reads back what it is given (so a test
 * sees exactly the bytes dlopen would map) and can fail the way dlopen fails on noexec.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import {
  ancestorDirProblem,
  cacheDirProblem,
  folderChainProblem,
  makeFreshDir,
  preparePrivateDir,
  type StatsLike,
} from '../src/native/folder-chain.js';
import {
  fdHoldsImage,
  installImage,
  openCachedImage,
  openUnnamedImage,
} from '../src/native/image-file.js';
import {
  CACHE_DIR_ENV,
  describeCacheFailure,
  isFolderLoadError,
  listCacheDirs,
  loadThroughCache,
  nativeFileName,
  type CacheDirCandidate,
  type LoadOptions,
  type NativeImage,
} from '../src/native/native-cache.js';
import { repoRoot } from './support/paths.js';

const uid = process.getuid?.() ?? 0;
const isRoot = uid === 0;
/** A uid that owns nothing here, for files root hands to "another user". */
const OTHER_UID = 4242;
const needsRoot = isRoot ? false : 'needs root to give a file to another user (chown)';

function makeImage(text = 'not really a shared object'): NativeImage {
  const bytes = new TextEncoder().encode(text);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return { fileName: nativeFileName('koffi-3.3.4', sha256), bytes };
}

type Kind = 'dir' | 'link' | 'file';
function stats(mode: number, owner = uid, kind: Kind = 'dir'): StatsLike {
  return {
    uid: owner,
    mode,
    isDirectory: () => kind === 'dir',
    isSymbolicLink: () => kind === 'link',
  };
}

/** A fake lstat over a map of paths, for chains no test machine has. */
function fakeLstat(tree: Record<string, StatsLike>): (file: string) => StatsLike {
  return (file) => {
    const st = tree[file];
    if (st === undefined) throw Object.assign(new Error(`ENOENT: ${file}`), { code: 'ENOENT' });
    return st;
  };
}

/** What dlopen throws for a file on a noexec mount. */
function noexecError(file: string): Error {
  return Object.assign(new Error(`${file}: failed to map segment from shared object`), {
    code: 'ERR_DLOPEN_FAILED',
  });
}

/** The stand-in loader: returns the bytes of what it was handed, as dlopen would map them. */
function readBack(file: string): Uint8Array {
  return new Uint8Array(fs.readFileSync(file));
}

let root: string;
beforeEach(() => {
  root = fs.mkdtempSync(join(tmpdir(), 'rdma-probe-cache-test-'));
});
afterEach(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

function candidate(dir: string, base = root, source = 'test'): CacheDirCandidate {
  return { dir, base, source };
}

function entries(dir: string): string[] {
  return fs.readdirSync(dir).sort();
}

function load<T>(
  options: Partial<LoadOptions<T>> & Pick<LoadOptions<T>, 'candidates' | 'image' | 'load'>,
) {
  return loadThroughCache<T>({ uid, unnamed: false, ...options });
}

function mkfifo(file: string): void {
  const made = spawnSync('mkfifo', [file]);
  assert.equal(made.status, 0, `mkfifo failed: ${made.stderr}`);
}

describe('listCacheDirs', () => {
  test('tries XDG cache, ~/.cache, the runtime dir, TMPDIR and /dev/shm, then fresh folders', () => {
    const dirs = listCacheDirs(
      {
        XDG_CACHE_HOME: '/x/cache',
        HOME: '/home/u',
        XDG_RUNTIME_DIR: '/run/user/7',
        TMPDIR: '/scratch',
      },
      7,
    );
    assert.deepEqual(
      dirs.map((c) => [c.dir, c.base, c.source, c.fresh ?? false]),
      [
        ['/x/cache/rdma-probe', '/x/cache', 'XDG_CACHE_HOME', false],
        ['/home/u/.cache/rdma-probe', '/home/u', 'HOME', false],
        ['/run/user/7/rdma-probe', '/run/user/7', 'XDG_RUNTIME_DIR', false],
        ['/scratch/rdma-probe-7', '/scratch', 'TMPDIR', false],
        ['/dev/shm/rdma-probe-7', '/dev/shm', '/dev/shm', false],
        ['/scratch/rdma-probe-7-XXXXXX', '/scratch', 'TMPDIR', true],
        ['/dev/shm/rdma-probe-7-XXXXXX', '/dev/shm', '/dev/shm', true],
      ],
    );
  });

  test('RDMA_PROBE_CACHE_DIR is the only folder when set (no fresh fallback either)', () => {
    const dirs = listCacheDirs({ [CACHE_DIR_ENV]: '/opt/cache', HOME: '/home/u' }, 7);
    assert.deepEqual(dirs, [{ dir: '/opt/cache', base: '/', source: CACHE_DIR_ENV }]);
  });

  test('ignores empty and relative values, falls back to /tmp, drops duplicates', () => {
    const dirs = listCacheDirs(
      {
        [CACHE_DIR_ENV]: '',
        XDG_CACHE_HOME: '/home/u/.cache',
        HOME: '/home/u',
        XDG_RUNTIME_DIR: 'relative/run',
        TMPDIR: '',
      },
      0,
    );
    assert.deepEqual(
      dirs.map((c) => c.dir),
      [
        '/home/u/.cache/rdma-probe',
        '/tmp/rdma-probe-0',
        '/dev/shm/rdma-probe-0',
        '/tmp/rdma-probe-0-XXXXXX',
        '/dev/shm/rdma-probe-0-XXXXXX',
      ],
    );
  });
});

describe('folder chain', () => {
  test('the cache folder must be ours, a folder, not a link, and writable by nobody else', () => {
    assert.equal(cacheDirProblem(stats(0o40700), uid), null);
    assert.equal(cacheDirProblem(stats(0o40755), uid), null);
    assert.match(cacheDirProblem(stats(0o120777, uid, 'link'), uid) ?? '', /symbolic link/);
    assert.match(cacheDirProblem(stats(0o100600, uid, 'file'), uid) ?? '', /not a folder/);
    assert.match(cacheDirProblem(stats(0o40700, uid + 1), uid) ?? '', /owned by uid/);
    assert.match(cacheDirProblem(stats(0o40770), uid) ?? '', /writable by other users/);
    assert.match(cacheDirProblem(stats(0o40702), uid) ?? '', /writable by other users/);
    // Sticky helps only above the cache folder: in it, others could add files.
    assert.match(cacheDirProblem(stats(0o41777), uid) ?? '', /writable by other users/);
  });

  test('a folder above it may be root’s or ours, and writable by others only if sticky', () => {
    assert.equal(ancestorDirProblem(stats(0o40755, 0), 1000), null);
    assert.equal(ancestorDirProblem(stats(0o40700, 1000), 1000), null);
    assert.equal(ancestorDirProblem(stats(0o41777, 0), 1000), null);
    assert.match(ancestorDirProblem(stats(0o40755, 1001), 1000) ?? '', /owned by uid 1001/);
    assert.match(ancestorDirProblem(stats(0o40777, 0), 1000) ?? '', /not sticky/);
    assert.match(ancestorDirProblem(stats(0o40775, 0), 1000) ?? '', /not sticky/);
    assert.match(ancestorDirProblem(stats(0o120777, 0, 'link'), 1000) ?? '', /symbolic link/);
  });

  const safeChain = {
    '/': stats(0o40755, 0),
    '/home': stats(0o40755, 0),
    '/home/u': stats(0o40700, 1000),
    '/home/u/.cache': stats(0o40700, 1000),
    '/home/u/.cache/rdma-probe': stats(0o40700, 1000),
  };
  const check = (tree: Record<string, StatsLike>, owner = 1000): string | null =>
    folderChainProblem('/home/u/.cache/rdma-probe', owner, { lstat: fakeLstat(tree) });

  test('checks every folder up to /, naming the first that fails', () => {
    assert.equal(check(safeChain), null);
    // Root running with another user's HOME (sudo -E): that user owns a folder on the way.
    assert.match(check(safeChain, 0) ?? '', /^\/home\/u is owned by uid 1000$/);
    assert.match(
      check({ ...safeChain, '/home': stats(0o40755, 1001) }) ?? '',
      /^\/home is owned by uid 1001/,
    );
    assert.match(check({ ...safeChain, '/': stats(0o40777, 0) }) ?? '', /^\/ is writable/);
  });

  test('refuses a group- or other-writable folder on the way unless it is sticky', () => {
    assert.match(
      check({ ...safeChain, '/home': stats(0o40775, 0) }) ?? '',
      /^\/home is writable by other users and not sticky/,
    );
    assert.equal(check({ ...safeChain, '/home': stats(0o41777, 0) }), null);
    assert.match(
      check({ ...safeChain, '/home/u/.cache/rdma-probe': stats(0o41777, 1000) }) ?? '',
      /^\/home\/u\/\.cache\/rdma-probe is writable by other users/,
    );
  });

  test('refuses a symbolic link anywhere in the (already resolved) chain', () => {
    assert.match(
      check({ ...safeChain, '/home/u/.cache': stats(0o120777, 1000, 'link') }) ?? '',
      /^\/home\/u\/\.cache is a symbolic link/,
    );
    assert.match(
      check({ ...safeChain, '/home': stats(0o120777, 0, 'link') }) ?? '',
      /^\/home is a symbolic link/,
    );
  });

  test('a folder that vanished on the way is a problem, not an exception', () => {
    const { '/home/u/.cache': _gone, ...rest } = safeChain;
    assert.match(check(rest) ?? '', /^\/home\/u\/\.cache: does not exist/);
  });
});

describe('preparePrivateDir', () => {
  const prepare = (dir: string, base = root, owner = uid) => preparePrivateDir(dir, base, owner);
  const dirOf = (prepared: ReturnType<typeof prepare>): string => {
    assert.ok('dir' in prepared, `refused: ${'problem' in prepared ? prepared.problem : ''}`);
    return prepared.dir;
  };
  const problemOf = (prepared: ReturnType<typeof prepare>): string => {
    assert.ok('problem' in prepared, 'was accepted');
    return prepared.problem;
  };

  test('creates the missing folders with mode 0700 and returns the real path', () => {
    const dir = join(root, '.cache', 'rdma-probe');
    assert.equal(dirOf(prepare(dir)), fs.realpathSync(dir));
    assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
    assert.equal(fs.statSync(join(root, '.cache')).mode & 0o777, 0o700);
    assert.equal(dirOf(prepare(dir)), fs.realpathSync(dir), 'a second time finds it ready');
  });

  test('never creates the base folder itself (a missing HOME stays missing)', () => {
    const base = join(root, 'no-such-home');
    assert.match(problemOf(prepare(join(base, '.cache', 'rdma-probe'), base)), /does not exist/);
    assert.equal(fs.existsSync(base), false);
  });

  test('follows a link to a private folder, and uses where it points', () => {
    const target = join(root, 'elsewhere');
    fs.mkdirSync(target, { mode: 0o700 });
    fs.symlinkSync(target, join(root, 'link'));
    assert.equal(dirOf(prepare(join(root, 'link'))), fs.realpathSync(target));
    fs.mkdirSync(join(root, 'home'), { mode: 0o700 });
    fs.symlinkSync(target, join(root, 'home', '.cache'));
    assert.equal(
      dirOf(prepare(join(root, 'home', '.cache', 'rdma-probe'), join(root, 'home'))),
      join(fs.realpathSync(target), 'rdma-probe'),
    );
  });

  test('refuses a link into a folder others can write, and creates nothing there', () => {
    const open = join(root, 'open');
    fs.mkdirSync(open);
    fs.chmodSync(open, 0o777);
    fs.symlinkSync(open, join(root, 'link'));
    assert.match(problemOf(prepare(join(root, 'link', 'c'))), /open is writable by other users/);
    assert.deepEqual(entries(open), []);
  });

  test('refuses a shared folder, and one whose parent others can write unless sticky', () => {
    const shared = join(root, 'shared');
    fs.mkdirSync(shared);
    fs.chmodSync(shared, 0o777);
    assert.match(problemOf(prepare(shared)), /shared is writable by other users/);
    assert.match(problemOf(prepare(join(shared, 'c'))), /not sticky/);
    assert.equal(fs.existsSync(join(shared, 'c')), false, 'created a folder in a refused one');
    fs.chmodSync(shared, 0o1777);
    dirOf(prepare(join(shared, 'c')));
  });

  test('refuses a folder that is not ours', () => {
    assert.match(problemOf(prepare(join(root, 'mine'), root, uid + 4242)), /owned by uid/);
  });

  test(
    'refuses a folder on the way that another user owns, even one they made private',
    { skip: needsRoot },
    () => {
      const home = join(root, 'home');
      fs.mkdirSync(join(home, '.cache'), { recursive: true, mode: 0o700 });
      fs.chownSync(home, OTHER_UID, OTHER_UID);
      assert.match(
        problemOf(prepare(join(home, '.cache', 'rdma-probe'), home)),
        new RegExp(`${home} is owned by uid ${OTHER_UID}`),
      );
      assert.equal(fs.existsSync(join(home, '.cache', 'rdma-probe')), false);
    },
  );

  test('reports a path through a file', () => {
    fs.writeFileSync(join(root, 'file'), '');
    assert.match(problemOf(prepare(join(root, 'file', 'c'))), /ENOTDIR/);
  });

  test('a FIFO, a device node or a dangling link where a folder should be: refused, no hang', () => {
    mkfifo(join(root, 'fifo'));
    assert.match(problemOf(prepare(join(root, 'fifo'))), /fifo is not a folder/);
    assert.match(problemOf(prepare(join(root, 'fifo', 'c'))), /ENOTDIR|not a folder/);
    assert.match(problemOf(prepare(join(root, 'fifo', 'c'), join(root, 'fifo'))), /ENOTDIR/);
    fs.symlinkSync('/dev/null', join(root, 'null'));
    assert.match(problemOf(prepare(join(root, 'null'))), /\/dev\/null is not a folder/);
    fs.symlinkSync(join(root, 'nowhere'), join(root, 'dangling'));
    assert.match(problemOf(prepare(join(root, 'dangling', 'c'))), /dangling is a symbolic link/);
    assert.equal(fs.existsSync(join(root, 'nowhere')), false, 'created through a link');
  });

  test(
    'reports a read-only folder as such',
    {
      skip: isRoot
        ? 'root writes through mode 0555 (the binary test mounts a read-only tmpfs)'
        : false,
    },
    () => {
      const ro = join(root, 'ro');
      fs.mkdirSync(ro, { mode: 0o555 });
      assert.match(problemOf(prepare(join(ro, 'c'))), /EACCES/);
    },
  );
});

describe('makeFreshDir', () => {
  test('makes an unpredictable private folder in a sticky shared one', () => {
    const shared = join(root, 'tmp');
    fs.mkdirSync(shared);
    fs.chmodSync(shared, 0o1777);
    const a = makeFreshDir(shared, 'rdma-probe-0-', uid);
    const b = makeFreshDir(shared, 'rdma-probe-0-', uid);
    assert.ok('dir' in a && 'dir' in b);
    assert.notEqual(a.dir, b.dir);
    assert.match(basename(a.dir), /^rdma-probe-0-[A-Za-z0-9]{6}$/);
    assert.equal(fs.statSync(a.dir).mode & 0o777, 0o700);
  });

  test('refuses a FIFO or a device as its base, without hanging', () => {
    mkfifo(join(root, 'fifo'));
    for (const base of [join(root, 'fifo'), '/dev/null']) {
      const made = makeFreshDir(base, 'x-', uid);
      assert.ok('problem' in made);
      assert.match(made.problem, /is not a folder/);
    }
  });

  test('refuses a base others can write that is not sticky', () => {
    const open = join(root, 'open');
    fs.mkdirSync(open);
    fs.chmodSync(open, 0o777);
    const made = makeFreshDir(open, 'x-', uid);
    assert.ok('problem' in made);
    assert.match(made.problem, /not sticky/);
    assert.deepEqual(entries(open), []);
  });
});

describe('the cache file', () => {
  test('fdHoldsImage compares every byte, and notices a shorter or longer file', () => {
    const image = makeImage('x'.repeat(300 * 1024) + 'end');
    const file = join(root, 'f');
    const check = (content: Uint8Array): boolean => {
      fs.writeFileSync(file, content);
      const fd = fs.openSync(file, 'r');
      try {
        return fdHoldsImage(fd, image.bytes);
      } finally {
        fs.closeSync(fd);
      }
    };
    assert.equal(check(image.bytes), true);
    const lastByte = Buffer.from(image.bytes);
    lastByte[lastByte.length - 1] = lastByte.at(-1)! ^ 1;
    assert.equal(check(lastByte), false);
    assert.equal(check(image.bytes.subarray(1)), false);
    assert.equal(check(Buffer.concat([image.bytes, Buffer.from('!')])), false);
  });

  test('a file of the right size with wrong or zeroed bytes is damaged', () => {
    const image = makeImage('abcdef');
    const file = join(root, image.fileName);
    for (const content of ['abcdeF', '\0\0\0\0\0\0']) {
      fs.writeFileSync(file, content, { mode: 0o700 });
      const opened = openCachedImage(file, image, uid);
      assert.ok('problem' in opened);
      assert.match(opened.problem, /damaged/);
    }
  });

  test('refuses a file of another owner, one others can write, and a missing one', () => {
    const image = makeImage();
    const file = join(root, image.fileName);
    fs.writeFileSync(file, image.bytes, { mode: 0o700 });
    const ok = openCachedImage(file, image, uid);
    assert.ok('fd' in ok);
    fs.closeSync(ok.fd);
    const other = openCachedImage(file, image, uid + 1);
    assert.ok('problem' in other && /owned by uid/.test(other.problem));
    fs.chmodSync(file, 0o766);
    const shared = openCachedImage(file, image, uid);
    assert.ok('problem' in shared && /writable by other users/.test(shared.problem));
    fs.rmSync(file);
    const missing = openCachedImage(file, image, uid);
    assert.ok('problem' in missing && missing.problem === 'ENOENT');
  });

  test('a FIFO, a symbolic link or a device node there is refused without opening it', () => {
    const image = makeImage();
    const fifo = join(root, 'fifo');
    mkfifo(fifo);
    // Opening a FIFO for reading would block until a writer came: this must return at once.
    const fromFifo = openCachedImage(fifo, image, uid);
    assert.ok('problem' in fromFifo && /not a regular file/.test(fromFifo.problem));
    const good = join(root, 'good');
    fs.writeFileSync(good, image.bytes, { mode: 0o700 });
    fs.symlinkSync(good, join(root, 'link'));
    const fromLink = openCachedImage(join(root, 'link'), image, uid);
    assert.ok('problem' in fromLink && /not a regular file/.test(fromLink.problem));
    fs.symlinkSync('/dev/zero', join(root, 'zero'));
    const fromDevice = openCachedImage(join(root, 'zero'), image, uid);
    assert.ok('problem' in fromDevice && /not a regular file/.test(fromDevice.problem));
  });
});

describe('installImage', () => {
  test('writes the module mode 0700, without leftovers, even under umask 0777', () => {
    const image = makeImage();
    const old = process.umask(0o777);
    let file: string;
    try {
      file = installImage(root, image);
    } finally {
      process.umask(old);
    }
    assert.equal(file, join(root, image.fileName));
    assert.deepEqual(readBack(file), image.bytes);
    assert.equal(fs.statSync(file).mode & 0o777, 0o700);
    assert.deepEqual(entries(root), [image.fileName]);
  });

  test('replaces a damaged file, a FIFO and a symbolic link with a new file', () => {
    const image = makeImage('abcdef');
    const file = join(root, image.fileName);
    const outside = join(root, 'outside');
    fs.writeFileSync(outside, 'keep');
    for (const plant of [
      () => fs.writeFileSync(file, 'abcdeF', { mode: 0o700 }),
      () => mkfifo(file),
      () => fs.symlinkSync(outside, file),
    ]) {
      fs.rmSync(file, { force: true });
      plant();
      installImage(root, image);
      assert.ok(fs.lstatSync(file).isFile());
      assert.equal(fs.readFileSync(file, 'utf8'), 'abcdef');
    }
    assert.equal(fs.readFileSync(outside, 'utf8'), 'keep', 'wrote through the link');
  });

  test('removes temporary files a crashed writer left behind, not a live writer’s', () => {
    const image = makeImage();
    const now = Date.now();
    const stale = join(root, `.${image.fileName}.1234-aaaaaaaaaaaa.tmp`);
    const live = join(root, `.${image.fileName}.5678-bbbbbbbbbbbb.tmp`);
    const other = join(root, 'unrelated.tmp');
    for (const f of [stale, live, other]) fs.writeFileSync(f, 'partial');
    const old = new Date(now - 60 * 60 * 1000);
    fs.utimesSync(stale, old, old);
    fs.utimesSync(other, old, old);
    installImage(root, image, now);
    assert.deepEqual(entries(root), [basename(live), 'unrelated.tmp', image.fileName].sort());
  });

  test('throws the filesystem error and removes its temporary file on failure', () => {
    const image = makeImage();
    // A folder in the way of the final name makes the rename fail after the write.
    fs.mkdirSync(join(root, image.fileName));
    fs.writeFileSync(join(root, image.fileName, 'keep'), '');
    assert.throws(() => installImage(root, image), { code: /^(EISDIR|ENOTEMPTY|EEXIST)$/ });
    assert.deepEqual(entries(root), [image.fileName]);
  });
});

describe('loadThroughCache, named file', () => {
  test('loads the checked inode itself, through /proc/self/fd, and reuses the file', () => {
    const image = makeImage();
    const dir = join(root, 'a');
    const seen: { path: string; ino: number; bytes: Uint8Array }[] = [];
    const loader = (file: string): string => {
      seen.push({ path: file, ino: fs.statSync(file).ino, bytes: readBack(file) });
      return 'module';
    };
    const first = load({ candidates: [candidate(dir)], image, load: loader });
    assert.ok(first.ok);
    assert.equal(first.value, 'module');
    assert.equal(first.from, 'named');
    assert.deepEqual(first.skipped, []);
    const cached = join(dir, image.fileName);
    const inode = fs.statSync(cached).ino;
    assert.ok(load({ candidates: [candidate(dir)], image, load: loader }).ok);
    for (const s of seen) {
      assert.match(s.path, /^\/proc\/self\/fd\/\d+$/);
      assert.equal(s.ino, inode, 'loaded another inode than the one checked');
      assert.deepEqual(s.bytes, image.bytes);
    }
    assert.deepEqual(entries(dir), [image.fileName]);
  });

  test('a damaged file (right size; wrong or zeroed bytes) is replaced, never loaded', () => {
    const image = makeImage('the real module');
    const dir = join(root, 'a');
    fs.mkdirSync(dir, { mode: 0o700 });
    const file = join(dir, image.fileName);
    for (const damage of ['the real modulE', '\0'.repeat(image.bytes.byteLength)]) {
      fs.writeFileSync(file, damage, { mode: 0o700 });
      const result = load({ candidates: [candidate(dir)], image, load: readBack });
      assert.ok(result.ok);
      assert.deepEqual(result.value, image.bytes);
      assert.deepEqual(readBack(file), image.bytes);
    }
  });

  test('a FIFO, link, device node or folder at the file’s name: replaced or skipped', () => {
    const image = makeImage();
    const dir = join(root, 'a');
    fs.mkdirSync(dir, { mode: 0o700 });
    const file = join(dir, image.fileName);
    const attacker = join(root, 'attacker.node');
    fs.writeFileSync(attacker, 'x'.repeat(image.bytes.byteLength));
    const plants = [() => mkfifo(file), () => fs.symlinkSync(attacker, file)];
    if (isRoot) {
      plants.push(() => {
        const made = spawnSync('mknod', [file, 'c', '1', '3']);
        assert.equal(made.status, 0, `mknod failed: ${made.stderr}`);
      });
    }
    for (const plant of plants) {
      fs.rmSync(file, { force: true });
      plant();
      const result = load({ candidates: [candidate(dir)], image, load: readBack });
      assert.ok(result.ok);
      assert.deepEqual(result.value, image.bytes);
      assert.ok(fs.lstatSync(file).isFile());
    }
    // A folder cannot be renamed over: that folder is skipped for the next one.
    fs.rmSync(file, { force: true });
    fs.mkdirSync(file);
    const next = join(root, 'b');
    const result = load({
      candidates: [candidate(dir), candidate(next)],
      image,
      load: readBack,
    });
    assert.ok(result.ok);
    assert.equal(result.dir, fs.realpathSync(next));
    assert.match(result.skipped[0]?.problem ?? '', /is a folder|EISDIR|ENOTEMPTY|EEXIST/);
    assert.deepEqual(entries(dir), [image.fileName], 'left a temporary file');
  });

  test('without /proc, loads the checked file by its path', () => {
    const image = makeImage();
    const dir = join(root, 'a');
    const result = load({
      candidates: [candidate(dir)],
      image,
      procFd: false,
      unnamed: true,
      load: (file) => file,
    });
    assert.ok(result.ok);
    assert.equal(result.value, join(fs.realpathSync(dir), image.fileName));
    assert.equal(result.from, 'named');
  });
});

describe('loadThroughCache, unnamed file', () => {
  const skip = openUnnamedSkip();
  function openUnnamedSkip(): string | false {
    const fd = openUnnamedImage(tmpdir(), makeImage());
    if (fd === null) return `this kernel or ${tmpdir()} makes no O_TMPFILE files`;
    fs.closeSync(fd);
    return false;
  }

  test('loads an unnamed file holding the bytes, and leaves nothing behind', { skip }, () => {
    const image = makeImage();
    const dir = join(root, 'a');
    let links = -1;
    const result = load({
      candidates: [candidate(dir)],
      image,
      unnamed: true,
      load: (file) => {
        assert.match(file, /^\/proc\/self\/fd\/\d+$/);
        links = fs.statSync(file).nlink;
        return readBack(file);
      },
    });
    assert.ok(result.ok);
    assert.equal(result.from, 'unnamed');
    assert.deepEqual(result.value, image.bytes);
    assert.equal(links, 0, 'the file had a name');
    assert.deepEqual(entries(dir), []);
  });

  test('a noexec folder is skipped, unnamed or not', { skip }, () => {
    const image = makeImage();
    const noexec = join(root, 'noexec');
    const good = join(root, 'good');
    const tried: string[] = [];
    const result = load({
      candidates: [candidate(noexec, root, 'HOME'), candidate(good, root, 'TMPDIR')],
      image,
      unnamed: true,
      load: (file) => {
        const where = fs.readlinkSync(file);
        tried.push(where);
        if (where.startsWith(noexec)) throw noexecError(file);
        return 'ok';
      },
    });
    assert.ok(result.ok);
    assert.equal(result.dir, fs.realpathSync(good));
    assert.equal(tried.length, 2, 'tried the named file too in a noexec folder');
    assert.match(result.skipped[0]?.problem ?? '', /noexec/);
  });
});

describe('loadThroughCache, fallbacks', () => {
  test('moves on from a folder that is not a folder, an unsafe one and a noexec one', () => {
    const image = makeImage();
    fs.writeFileSync(join(root, 'file'), '');
    const shared = join(root, 'shared');
    fs.mkdirSync(shared, { mode: 0o700 });
    fs.chmodSync(shared, 0o777);
    const noexec = join(root, 'noexec');
    const good = join(root, 'good');
    const result = load({
      candidates: [
        candidate(join(root, 'file', 'c'), root, 'XDG_CACHE_HOME'),
        candidate(shared, root, 'HOME'),
        candidate(noexec, root, 'XDG_RUNTIME_DIR'),
        candidate(good, root, 'TMPDIR'),
      ],
      image,
      load: (file) => {
        const where = fs.readlinkSync(file);
        if (where.startsWith(noexec)) throw noexecError(file);
        return where;
      },
    });
    assert.ok(result.ok);
    assert.equal(result.value, join(fs.realpathSync(good), image.fileName));
    assert.deepEqual(
      result.skipped.map((s) => s.source),
      ['XDG_CACHE_HOME', 'HOME', 'XDG_RUNTIME_DIR'],
    );
    assert.match(result.skipped[2]?.problem ?? '', /noexec/);
  });

  test(
    'names another user took in the shared folders fall through to a fresh folder',
    { skip: needsRoot },
    () => {
      const image = makeImage();
      const shm = join(root, 'shm');
      const tmp = join(root, 'tmp');
      for (const dir of [shm, tmp]) {
        fs.mkdirSync(dir);
        fs.chmodSync(dir, 0o1777);
      }
      // In tmp: their own folder under our name, holding a planted module. In shm: a link
      // to it. Both are theirs.
      const squat = join(tmp, 'rdma-probe-0');
      fs.mkdirSync(squat, { mode: 0o755 });
      fs.writeFileSync(join(squat, image.fileName), 'x'.repeat(image.bytes.byteLength));
      fs.symlinkSync(squat, join(shm, 'rdma-probe-0'));
      for (const f of [squat, join(squat, image.fileName)]) fs.chownSync(f, OTHER_UID, OTHER_UID);
      fs.lchownSync(join(shm, 'rdma-probe-0'), OTHER_UID, OTHER_UID);

      const candidates = listCacheDirs({ TMPDIR: tmp }, 0).map((c) =>
        c.base === '/dev/shm' ? { ...c, base: shm, dir: c.dir.replace('/dev/shm', shm) } : c,
      );
      for (const unnamed of [false, true]) {
        const result = load({ candidates, image, unnamed, load: readBack });
        assert.ok(result.ok, JSON.stringify(result.skipped));
        assert.deepEqual(result.value, image.bytes);
        assert.match(result.dir, new RegExp(`^${tmp}/rdma-probe-0-[A-Za-z0-9]{6}$`));
        assert.deepEqual(
          result.skipped.map((s) => s.problem.replace(/ \(mode .*/, '')),
          [
            `${squat} is owned by uid ${OTHER_UID}, not 0`,
            `${squat} is owned by uid ${OTHER_UID}, not 0`,
          ],
        );
        // The fresh folder is gone again: nothing is left behind.
        assert.deepEqual(entries(tmp), ['rdma-probe-0']);
        assert.deepEqual(entries(shm), ['rdma-probe-0']);
      }
    },
  );

  test('rethrows a load error that is not about the folder (a broken module)', () => {
    assert.throws(
      () =>
        load({
          candidates: [candidate(join(root, 'a')), candidate(join(root, 'b'))],
          image: makeImage(),
          load: () => {
            throw new Error('undefined symbol: napi_foo');
          },
        }),
      /undefined symbol/,
    );
    assert.equal(fs.existsSync(join(root, 'b')), false, 'went on after a real error');
  });

  test('reports every folder when none works, in one line naming RDMA_PROBE_CACHE_DIR', () => {
    const result = load({
      candidates: [candidate(join(root, 'a')), candidate(join(root, 'b'))],
      image: makeImage(),
      load: (file) => {
        throw noexecError(file);
      },
    });
    assert.equal(result.ok, false);
    const message = describeCacheFailure(result.skipped);
    assert.doesNotMatch(message, /\n/);
    assert.match(message, new RegExp(`${join(root, 'a')}: .*noexec.*; ${join(root, 'b')}: `));
    assert.match(message, /set RDMA_PROBE_CACHE_DIR/);
  });

  test('names RDMA_PROBE_CACHE_DIR when that folder fails (a FIFO: no hang)', () => {
    mkfifo(join(root, 'fifo'));
    for (const dir of [join(root, 'fifo'), join(root, 'fifo', 'c')]) {
      const [override] = listCacheDirs({ [CACHE_DIR_ENV]: dir }, uid);
      assert.ok(override);
      const result = load({ candidates: [override], image: makeImage(), load: () => 1 });
      assert.equal(result.ok, false);
      assert.match(
        describeCacheFailure(result.skipped),
        /^cannot cache the native module in RDMA_PROBE_CACHE_DIR \(.*(not a folder|ENOTDIR)/,
      );
    }
  });
});

test('isFolderLoadError knows dlopen’s noexec and permission messages only', () => {
  assert.equal(isFolderLoadError(noexecError('/x.node')), true);
  assert.equal(
    isFolderLoadError(new Error('/x.node: cannot open shared object file: Permission denied')),
    true,
  );
  assert.equal(isFolderLoadError(new Error('/x.node: Operation not permitted')), true);
  assert.equal(isFolderLoadError(new Error('/x.node: undefined symbol: napi_foo')), false);
  assert.equal(isFolderLoadError('weird'), false);
});

describe('with the real module and dlopen', () => {
  const MODULE = join(
    repoRoot,
    'node_modules',
    '@koromix',
    'koffi-linux-x64',
    'linux_x64',
    'koffi.node',
  );
  const skip =
    process.platform === 'linux' && process.arch === 'x64' && fs.existsSync(MODULE)
      ? false
      : 'needs koffi’s linux-x64 module (npm ci on linux-x64)';
  const nativeCache = join(repoRoot, 'dist', 'src', 'native', 'native-cache.js');
  // A module loads once per process: each load runs in a fresh node.
  const script = `
    const fs = require('node:fs');
    import(${JSON.stringify(nativeCache)}).then(({ loadThroughCache }) => {
      const [module, dir, unnamed] = process.argv.slice(1);
      const result = loadThroughCache({
        candidates: [{ dir, base: dir, source: 'test' }],
        uid: process.getuid(),
        image: { fileName: 'koffi-test.node', bytes: fs.readFileSync(module) },
        unnamed: unnamed === 'unnamed',
        load: (file) => { const m = { exports: {} }; process.dlopen(m, file); return m.exports; },
      });
      if (!result.ok || typeof result.value.load !== 'function') process.exit(9);
      console.log(result.from);
    });`;
  const runLoad = (dir: string, mode: string) =>
    new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, ['-e', script, MODULE, dir, mode], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
      child.on('close', (code) => resolve({ code, out: out.trim() }));
    });

  test(
    '30 concurrent first loads of the named file all work and leave one file',
    { skip },
    async () => {
      const dir = join(root, 'cache');
      fs.mkdirSync(dir, { mode: 0o700 });
      const results = await Promise.all(Array.from({ length: 30 }, () => runLoad(dir, 'named')));
      for (const r of results) assert.deepEqual(r, { code: 0, out: 'named' });
      assert.deepEqual(entries(dir), ['koffi-test.node']);
    },
  );

  test('the unnamed file loads where O_TMPFILE works', { skip }, async () => {
    const dir = join(root, 'cache');
    fs.mkdirSync(dir, { mode: 0o700 });
    const result = await runLoad(dir, 'unnamed');
    assert.equal(result.code, 0);
    assert.match(result.out, /^(unnamed|named)$/);
    if (result.out === 'unnamed') assert.deepEqual(entries(dir), []);
  });
});
