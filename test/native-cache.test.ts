/**
 * The single binary's cache folder for koffi's native module: which folders it tries,
 * which it refuses, and that the module is written atomically, once, and reused.
 * Everything runs in temporary folders; the loader is a stand-in that can fail the way
 * dlopen fails on a noexec mount.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import {
  CACHE_DIR_ENV,
  cachedFileMatches,
  describeCacheFailure,
  installImage,
  isFolderLoadError,
  listCacheDirs,
  loadThroughCache,
  nativeFileName,
  parentDirProblem,
  preparePrivateDir,
  privateDirProblem,
  type CacheDirCandidate,
  type NativeImage,
  type StatsLike,
} from '../src/native/native-cache.js';

const uid = process.getuid?.() ?? 0;
const isRoot = uid === 0;

function makeImage(text = 'not really a shared object'): NativeImage {
  const bytes = new TextEncoder().encode(text);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return { fileName: nativeFileName('koffi-3.3.4', sha256), bytes };
}

function stats(mode: number, owner = uid, kind: 'dir' | 'link' | 'file' = 'dir'): StatsLike {
  return {
    uid: owner,
    mode,
    isDirectory: () => kind === 'dir',
    isSymbolicLink: () => kind === 'link',
  };
}

/** What dlopen throws for a file on a noexec mount. */
function noexecError(file: string): Error {
  return Object.assign(new Error(`${file}: failed to map segment from shared object`), {
    code: 'ERR_DLOPEN_FAILED',
  });
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

describe('listCacheDirs', () => {
  test('tries XDG cache, ~/.cache, the runtime dir, TMPDIR and /dev/shm, in that order', () => {
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
      dirs.map((c) => [c.dir, c.base, c.source]),
      [
        ['/x/cache/rdma-probe', '/x/cache', 'XDG_CACHE_HOME'],
        ['/home/u/.cache/rdma-probe', '/home/u', 'HOME'],
        ['/run/user/7/rdma-probe', '/run/user/7', 'XDG_RUNTIME_DIR'],
        ['/scratch/rdma-probe-7', '/scratch', 'TMPDIR'],
        ['/dev/shm/rdma-probe-7', '/dev/shm', '/dev/shm'],
      ],
    );
  });

  test('RDMA_PROBE_CACHE_DIR is the only folder when set', () => {
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
      ['/home/u/.cache/rdma-probe', '/tmp/rdma-probe-0', '/dev/shm/rdma-probe-0'],
    );
  });
});

describe('folder checks', () => {
  test('a private folder passes; symlinks, files, other owners and shared modes do not', () => {
    assert.equal(privateDirProblem(stats(0o40700), uid), null);
    assert.match(privateDirProblem(stats(0o120777, uid, 'link'), uid) ?? '', /symbolic link/);
    assert.match(privateDirProblem(stats(0o100600, uid, 'file'), uid) ?? '', /not a folder/);
    assert.match(privateDirProblem(stats(0o40700, uid + 1), uid) ?? '', /owned by uid/);
    assert.match(privateDirProblem(stats(0o40770), uid) ?? '', /writable by other users/);
    assert.match(privateDirProblem(stats(0o40702), uid) ?? '', /writable by other users/);
    assert.equal(privateDirProblem(stats(0o40755), uid), null);
  });

  test('a parent others can write must be sticky', () => {
    assert.equal(parentDirProblem(stats(0o40755, 0)), null);
    assert.equal(parentDirProblem(stats(0o41777, 0)), null);
    assert.match(parentDirProblem(stats(0o40777, 0)) ?? '', /not sticky/);
    assert.match(parentDirProblem(stats(0o40775, 0)) ?? '', /not sticky/);
  });

  test('preparePrivateDir creates the missing folders with mode 0700', () => {
    const dir = join(root, '.cache', 'rdma-probe');
    assert.equal(preparePrivateDir(candidate(dir), uid), null);
    assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
    assert.equal(fs.statSync(join(root, '.cache')).mode & 0o777, 0o700);
    // A second time finds it ready.
    assert.equal(preparePrivateDir(candidate(dir), uid), null);
  });

  test('never creates the base folder itself (a missing HOME stays missing)', () => {
    const base = join(root, 'no-such-home');
    const problem = preparePrivateDir(candidate(join(base, '.cache', 'rdma-probe'), base), uid);
    assert.match(problem ?? '', /does not exist/);
    assert.equal(fs.existsSync(base), false);
  });

  test('refuses a symlinked folder, a shared folder and a folder of another user', () => {
    const target = join(root, 'elsewhere');
    fs.mkdirSync(target, { mode: 0o700 });
    fs.symlinkSync(target, join(root, 'link'));
    assert.match(preparePrivateDir(candidate(join(root, 'link')), uid) ?? '', /symbolic link/);

    const shared = join(root, 'shared');
    fs.mkdirSync(shared);
    fs.chmodSync(shared, 0o777);
    assert.match(preparePrivateDir(candidate(shared), uid) ?? '', /writable by other users/);

    const mine = join(root, 'mine');
    assert.match(preparePrivateDir(candidate(mine), uid + 4242) ?? '', /owned by uid/);
  });

  test('refuses a folder whose parent others can write, unless it is sticky', () => {
    const open = join(root, 'open');
    fs.mkdirSync(open);
    fs.chmodSync(open, 0o777);
    assert.match(preparePrivateDir(candidate(join(open, 'c')), uid) ?? '', /not sticky/);
    fs.chmodSync(open, 0o1777);
    assert.equal(preparePrivateDir(candidate(join(open, 'c')), uid), null);
  });

  test('reports a path through a file', () => {
    fs.writeFileSync(join(root, 'file'), '');
    const problem = preparePrivateDir(candidate(join(root, 'file', 'c')), uid);
    assert.match(problem ?? '', /ENOTDIR/);
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
      assert.match(preparePrivateDir(candidate(join(ro, 'c')), uid) ?? '', /EACCES/);
    },
  );
});

describe('installImage', () => {
  test('writes the module once, mode 0700, without leftovers, and then reuses it', () => {
    const image = makeImage();
    const file = installImage(root, image, uid);
    assert.equal(file, join(root, image.fileName));
    assert.deepEqual(new Uint8Array(fs.readFileSync(file)), image.bytes);
    assert.equal(fs.statSync(file).mode & 0o777, 0o700);
    assert.deepEqual(entries(root), [image.fileName]);

    const before = fs.statSync(file);
    assert.equal(installImage(root, image, uid), file);
    assert.equal(fs.statSync(file).ino, before.ino, 'a matching file was rewritten');
  });

  test('replaces a truncated file, atomically (a new inode)', () => {
    const image = makeImage('abcdef');
    const file = join(root, image.fileName);
    fs.writeFileSync(file, 'abc', { mode: 0o700 });
    const truncated = fs.statSync(file).ino;
    assert.equal(cachedFileMatches(file, image, uid), false);
    installImage(root, image, uid);
    assert.equal(fs.readFileSync(file, 'utf8'), 'abcdef');
    assert.notEqual(fs.statSync(file).ino, truncated);
  });

  test('does not trust a file others can write, or one of another user', () => {
    const image = makeImage();
    const file = installImage(root, image, uid);
    assert.equal(cachedFileMatches(file, image, uid), true);
    assert.equal(cachedFileMatches(file, image, uid + 1), false);
    fs.chmodSync(file, 0o766);
    assert.equal(cachedFileMatches(file, image, uid), false);
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
    installImage(root, image, uid, now);
    assert.deepEqual(entries(root), [basename(live), 'unrelated.tmp', image.fileName].sort());
  });

  test('many writers racing leave one complete file and no temporary files', () => {
    const image = makeImage('x'.repeat(1 << 20));
    const target = join(root, image.fileName);
    // Interleave: every writer finds no file, then all rename in turn.
    for (let i = 0; i < 20; i += 1) {
      fs.rmSync(target, { force: true });
      installImage(root, image, uid);
      assert.equal(cachedFileMatches(target, image, uid), true);
    }
    assert.deepEqual(entries(root), [image.fileName]);
  });

  test('throws the filesystem error and removes its temporary file on failure', () => {
    const image = makeImage();
    // A folder in the way of the final name makes the rename fail after the write.
    fs.mkdirSync(join(root, image.fileName));
    fs.writeFileSync(join(root, image.fileName, 'keep'), '');
    assert.throws(() => installImage(root, image, uid), { code: /^(EISDIR|ENOTEMPTY|EEXIST)$/ });
    assert.deepEqual(entries(root), [image.fileName]);
  });
});

describe('loadThroughCache', () => {
  test('loads from the first usable folder', () => {
    const image = makeImage();
    const dir = join(root, 'a');
    const loaded: string[] = [];
    const result = loadThroughCache({
      candidates: [candidate(dir)],
      uid,
      image,
      load: (file) => {
        loaded.push(file);
        return 'module';
      },
    });
    assert.ok(result.ok);
    assert.equal(result.value, 'module');
    assert.deepEqual(loaded, [join(dir, image.fileName)]);
    assert.deepEqual(result.skipped, []);
  });

  test('moves on from a folder that is not a folder, an unsafe one and a noexec one', () => {
    const image = makeImage();
    fs.writeFileSync(join(root, 'file'), '');
    const shared = join(root, 'shared');
    fs.mkdirSync(shared, { mode: 0o700 });
    fs.chmodSync(shared, 0o777);
    const noexec = join(root, 'noexec');
    const good = join(root, 'good');
    const result = loadThroughCache({
      candidates: [
        candidate(join(root, 'file', 'c'), root, 'XDG_CACHE_HOME'),
        candidate(shared, root, 'HOME'),
        candidate(noexec, root, 'XDG_RUNTIME_DIR'),
        candidate(good, root, 'TMPDIR'),
      ],
      uid,
      image,
      load: (file) => {
        if (file.startsWith(noexec)) throw noexecError(file);
        return file;
      },
    });
    assert.ok(result.ok);
    assert.equal(result.value, join(good, image.fileName));
    assert.deepEqual(
      result.skipped.map((s) => s.source),
      ['XDG_CACHE_HOME', 'HOME', 'XDG_RUNTIME_DIR'],
    );
    assert.match(result.skipped[2]?.problem ?? '', /noexec/);
  });

  test('rethrows a load error that is not about the folder (a broken module)', () => {
    assert.throws(
      () =>
        loadThroughCache({
          candidates: [candidate(join(root, 'a')), candidate(join(root, 'b'))],
          uid,
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
    const result = loadThroughCache({
      candidates: [candidate(join(root, 'a')), candidate(join(root, 'b'))],
      uid,
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

  test('names RDMA_PROBE_CACHE_DIR when that folder fails', () => {
    fs.writeFileSync(join(root, 'file'), '');
    const [override] = listCacheDirs({ [CACHE_DIR_ENV]: join(root, 'file', 'c') }, uid);
    assert.ok(override);
    const result = loadThroughCache({
      candidates: [override],
      uid,
      image: makeImage(),
      load: () => 1,
    });
    assert.equal(result.ok, false);
    assert.match(
      describeCacheFailure(result.skipped),
      /^cannot cache the native module in RDMA_PROBE_CACHE_DIR \(.*ENOTDIR/,
    );
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
