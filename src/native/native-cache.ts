/**
 * The private cache folder where the single binary puts koffi's native module before it
 * loads it (a shared object must be a file to be loaded; it cannot be mapped from inside
 * the executable). Used only by the binary's loader, src/native/sea-koffi.ts; running from
 * the sources, koffi loads its module from node_modules as usual.
 *
 * Everything that depends on the host is a parameter (the environment, the user id, the
 * folders, the loader), so tests can point it at temporary folders and fake failures.
 *
 * Safety: the module is loaded into the process, so whoever can write the file can run
 * code as us. A folder is used only when it is ours, not a symbolic link and writable by
 * nobody else, and when its parent does not let others swap it (or has the sticky bit,
 * like /tmp). The file is written once per content hash under a temporary name, synced,
 * then renamed into place, so a file under the final name is always complete; a file
 * found there is used when it is ours, private and of the right size.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { replaceFile } from '../output/atomic-write.js';

/** The environment variable that names the cache folder and disables the fallbacks. */
export const CACHE_DIR_ENV = 'RDMA_PROBE_CACHE_DIR';

/** Temporary files older than this were left by a process that died while writing. */
const STALE_TEMP_MS = 10 * 60 * 1000;

export type CacheEnv = Readonly<Record<string, string | undefined>>;

export interface CacheDirCandidate {
  /** The folder the module goes into. */
  readonly dir: string;
  /** A folder that must exist already; the folders from it down to `dir` are created. */
  readonly base: string;
  /** Where the folder comes from, for messages (an environment variable or a fixed path). */
  readonly source: string;
}

/** The module to cache: its bytes and its file name (see nativeFileName). */
export interface NativeImage {
  readonly fileName: string;
  readonly bytes: Uint8Array;
}

/** One folder that could not be used, and why. */
export interface CacheAttempt {
  readonly dir: string;
  readonly source: string;
  readonly problem: string;
}

export type CacheLoadResult<T> =
  | {
      readonly ok: true;
      readonly value: T;
      readonly file: string;
      readonly skipped: CacheAttempt[];
    }
  | { readonly ok: false; readonly skipped: CacheAttempt[] };

/** The subset of fs.Stats the checks read. */
export interface StatsLike {
  readonly uid: number;
  readonly mode: number;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
}

/** The file name for a module: one file per content, so versions never overwrite each other. */
export function nativeFileName(stem: string, sha256: string): string {
  return `${stem}-${sha256.slice(0, 16)}.node`;
}

/**
 * The folders to try, best first. RDMA_PROBE_CACHE_DIR, when set, is the only one.
 * Otherwise: $XDG_CACHE_HOME/rdma-probe, $HOME/.cache/rdma-probe, $XDG_RUNTIME_DIR/rdma-probe,
 * ${TMPDIR:-/tmp}/rdma-probe-<uid>, /dev/shm/rdma-probe-<uid>. Relative or empty values
 * are ignored, as the XDG base directory specification asks.
 */
export function listCacheDirs(env: CacheEnv, uid: number): CacheDirCandidate[] {
  const override = env[CACHE_DIR_ENV];
  if (override !== undefined && override !== '') {
    const dir = path.resolve(override);
    return [{ dir, base: path.parse(dir).root, source: CACHE_DIR_ENV }];
  }
  const candidates: CacheDirCandidate[] = [];
  const add = (base: string | undefined, source: string, ...below: string[]): void => {
    if (base === undefined || !path.isAbsolute(base)) return;
    const dir = path.join(base, ...below);
    if (!candidates.some((c) => c.dir === dir)) candidates.push({ dir, base, source });
  };
  add(env.XDG_CACHE_HOME, 'XDG_CACHE_HOME', 'rdma-probe');
  add(env.HOME, 'HOME', '.cache', 'rdma-probe');
  add(env.XDG_RUNTIME_DIR, 'XDG_RUNTIME_DIR', 'rdma-probe');
  const tmp = env.TMPDIR !== undefined && path.isAbsolute(env.TMPDIR) ? env.TMPDIR : '/tmp';
  add(tmp, tmp === env.TMPDIR ? 'TMPDIR' : '/tmp', `rdma-probe-${uid}`);
  add('/dev/shm', '/dev/shm', `rdma-probe-${uid}`);
  return candidates;
}

/** Why a cache folder (as lstat sees it) is unsafe for `uid`, or null when it is private. */
export function privateDirProblem(st: StatsLike, uid: number): string | null {
  if (st.isSymbolicLink()) return 'is a symbolic link';
  if (!st.isDirectory()) return 'is not a folder';
  if (st.uid !== uid) return `is owned by uid ${st.uid}, not ${uid}`;
  if ((st.mode & 0o022) !== 0) return `is writable by other users (mode ${octal(st.mode)})`;
  return null;
}

/** Why the parent of a cache folder is unsafe: others could rename our folder away. */
export function parentDirProblem(st: StatsLike): string | null {
  if (!st.isDirectory()) return 'parent is not a folder';
  const sticky = (st.mode & 0o1000) !== 0;
  if ((st.mode & 0o022) !== 0 && !sticky) {
    return `parent is writable by other users and not sticky (mode ${octal(st.mode)})`;
  }
  return null;
}

/** Creates the folder (mode 0700) when missing and checks it; returns the problem, if any. */
export function preparePrivateDir(candidate: CacheDirCandidate, uid: number): string | null {
  try {
    if (!fs.statSync(candidate.base).isDirectory()) return `${candidate.base} is not a folder`;
  } catch (error) {
    return `${candidate.base}: ${describeFsError(error)}`;
  }
  try {
    makeDirs(candidate.base, candidate.dir);
    const problem = privateDirProblem(fs.lstatSync(candidate.dir), uid);
    if (problem !== null) return problem;
    return parentDirProblem(fs.statSync(path.dirname(candidate.dir)));
  } catch (error) {
    return describeFsError(error);
  }
}

/**
 * True when `file` can be used as it is: a regular file of ours that nobody else can write,
 * of the image's size. Its bytes are not read again: its name carries their hash, a file
 * appears under that name only complete (synced, then renamed), and only we can write in
 * the folder; reading and hashing 1.1 MB on every start cost 7-15 ms on a small VM.
 */
export function cachedFileMatches(file: string, image: NativeImage, uid: number): boolean {
  try {
    const st = fs.lstatSync(file);
    return (
      st.isFile() && st.uid === uid && (st.mode & 0o022) === 0 && st.size === image.bytes.byteLength
    );
  } catch {
    return false;
  }
}

/**
 * Puts `image` into `dir` (a folder preparePrivateDir accepted) and returns its path.
 * Reuses a matching file; otherwise writes a temporary file, syncs it and renames it over
 * the final name. Concurrent writers each rename a complete file, so readers never see a
 * partial one. Throws the filesystem error when the folder cannot take the file.
 */
export function installImage(
  dir: string,
  image: NativeImage,
  uid: number,
  now: number = Date.now(),
): string {
  const target = path.join(dir, image.fileName);
  if (cachedFileMatches(target, image, uid)) return target;
  removeStaleTemps(dir, image.fileName, now);
  replaceFile(target, image.bytes, 0o700);
  syncDir(dir);
  return target;
}

/**
 * True for a load error that says the file may not be mapped executable there (a noexec
 * mount, or a security policy), as opposed to a broken module: try the next folder.
 */
export function isFolderLoadError(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /failed to map segment from shared object|Operation not permitted|Permission denied/.test(
    message,
  );
}

/**
 * Tries the folders in order: prepares each, installs the image, loads it. Skips folders
 * that are unsafe, read-only, full, or mounted noexec; rethrows any other load error.
 */
export function loadThroughCache<T>(options: {
  candidates: readonly CacheDirCandidate[];
  uid: number;
  image: NativeImage;
  load: (file: string) => T;
  now?: number;
}): CacheLoadResult<T> {
  const skipped: CacheAttempt[] = [];
  for (const candidate of options.candidates) {
    const skip = (problem: string): void => {
      skipped.push({ dir: candidate.dir, source: candidate.source, problem });
    };
    const problem = preparePrivateDir(candidate, options.uid);
    if (problem !== null) {
      skip(problem);
      continue;
    }
    let file: string;
    try {
      file = installImage(candidate.dir, options.image, options.uid, options.now);
    } catch (error) {
      skip(describeFsError(error));
      continue;
    }
    try {
      return { ok: true, value: options.load(file), file, skipped };
    } catch (error) {
      if (!isFolderLoadError(error)) throw error;
      skip('cannot load a native module from there (mounted noexec?)');
    }
  }
  return { ok: false, skipped };
}

/** The message (one line) when no folder worked; it names RDMA_PROBE_CACHE_DIR. */
export function describeCacheFailure(skipped: readonly CacheAttempt[]): string {
  const tried = skipped.map((a) => `${a.dir}: ${a.problem}`).join('; ');
  const wanted = 'a private, writable folder on a file system mounted without noexec';
  return skipped.length === 1 && skipped[0]?.source === CACHE_DIR_ENV
    ? `cannot cache the native module in ${CACHE_DIR_ENV} (${tried}); it must be ${wanted}`
    : `found no folder to cache the native module in (${tried === '' ? 'none to try' : tried}); ` +
        `set ${CACHE_DIR_ENV} to ${wanted}`;
}

/**
 * Creates the folders below `base` down to `dir`, one at a time: a recursive mkdirSync
 * reports ENOENT instead of EROFS on a read-only file system.
 */
function makeDirs(base: string, dir: string): void {
  const below = path
    .relative(base, dir)
    .split(path.sep)
    .filter((part) => part !== '');
  let current = base;
  for (const part of below) {
    current = path.join(current, part);
    try {
      fs.mkdirSync(current, { mode: 0o700 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

function removeStaleTemps(dir: string, fileName: string, now: number): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(`.${fileName}.`) || !name.endsWith('.tmp')) continue;
    try {
      const file = path.join(dir, name);
      if (now - fs.lstatSync(file).mtimeMs > STALE_TEMP_MS) fs.rmSync(file, { force: true });
    } catch {
      // Another process removed it first.
    }
  }
}

/** Makes the rename durable; a failure only risks redoing the write after a crash. */
function syncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, fs.constants.O_RDONLY);
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // Best effort.
  }
}

const fsErrorText: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOENT: 'does not exist',
  ENOTDIR: 'a part of the path is not a folder',
  EEXIST: 'exists and is not a folder',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  ELOOP: 'is a symbolic link',
};

export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code !== undefined && code in fsErrorText) return `${fsErrorText[code]} (${code})`;
  return error instanceof Error ? error.message : String(error);
}

function octal(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}
