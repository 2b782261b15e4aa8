/**
 * Where and how the single binary puts koffi's native module before loading it (a shared
 * object must be a file to be loaded; it cannot be mapped from inside the executable). Used
 * only by the binary's loader, src/native/sea-koffi.ts; running from the sources, koffi
 * loads its module from node_modules as usual.
 *
 * Everything that depends on the host is a parameter (the environment, the user id, the
 * folders, the loader), so tests can point it at temporary folders and fake failures.
 *
 * Safety: the module is loaded into the process, so whoever can change the file loaded, or
 * any folder on the way to it, can run code as us: as root, on every GPU server. So
 * (folder-chain.ts) a folder is used only when it and every folder up to `/` belong to root
 * or to us and nobody else can write them (sticky folders like /tmp allowed above it), and
 * (image-file.ts) the file is proved to hold the embedded bytes through the descriptor that
 * is then loaded. A folder that fails is skipped; when the usual names are taken by someone
 * else, a fresh private folder with an unpredictable name is used once and removed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  makeFreshDir,
  preparePrivateDir,
  removeFreshDir,
  type PreparedDir,
} from './folder-chain.js';
import { describeFsError } from './fs-errors.js';
import { installImage, openCachedImage, openUnnamedImage, type NativeImage } from './image-file.js';

export type { NativeImage } from './image-file.js';

/** The environment variable that names the cache folder and disables the fallbacks. */
export const CACHE_DIR_ENV = 'RDMA_PROBE_CACHE_DIR';

export type CacheEnv = Readonly<Record<string, string | undefined>>;

export interface CacheDirCandidate {
  /** The folder the module goes into. */
  readonly dir: string;
  /** A folder that must exist already; the folders from it down to `dir` are created. */
  readonly base: string;
  /** Where the folder comes from, for messages (an environment variable or a fixed path). */
  readonly source: string;
  /**
   * A fresh folder is made in `base` (mkdtemp: `dir` with random letters for its XXXXXX)
   * and removed after loading: for when the shared fallback names are taken.
   */
  readonly fresh?: boolean;
}

/** What a fresh folder's name ends with in listings; mkdtemp puts random letters there. */
const FRESH_SUFFIX = 'XXXXXX';

/** One folder that could not be used, and why. */
export interface CacheAttempt {
  readonly dir: string;
  readonly source: string;
  readonly problem: string;
}

/** How the module was loaded: from an unnamed file or the named cache file, in `dir`. */
export type LoadedFrom = 'unnamed' | 'named';

export type CacheLoadResult<T> =
  | {
      readonly ok: true;
      readonly value: T;
      /** The real path of the folder used. */
      readonly dir: string;
      readonly from: LoadedFrom;
      readonly skipped: CacheAttempt[];
    }
  | { readonly ok: false; readonly skipped: CacheAttempt[] };

/** The file name for a module: one file per content, so versions never overwrite each other. */
export function nativeFileName(stem: string, sha256: string): string {
  return `${stem}-${sha256.slice(0, 16)}.node`;
}

/**
 * The folders to try, best first. RDMA_PROBE_CACHE_DIR, when set, is the only one.
 * Otherwise: $XDG_CACHE_HOME/rdma-probe, $HOME/.cache/rdma-probe, $XDG_RUNTIME_DIR/rdma-probe,
 * ${TMPDIR:-/tmp}/rdma-probe-<uid>, /dev/shm/rdma-probe-<uid>, then a fresh folder
 * rdma-probe-<uid>-XXXXXX in ${TMPDIR:-/tmp} and in /dev/shm (someone else may hold the
 * fixed names there). Relative or empty values are ignored, as the XDG base directory
 * specification asks.
 */
export function listCacheDirs(env: CacheEnv, uid: number): CacheDirCandidate[] {
  const override = env[CACHE_DIR_ENV];
  if (override !== undefined && override !== '') {
    const dir = path.resolve(override);
    return [{ dir, base: path.parse(dir).root, source: CACHE_DIR_ENV }];
  }
  const candidates: CacheDirCandidate[] = [];
  const add = (candidate: CacheDirCandidate): void => {
    const { base, dir, fresh } = candidate;
    if (!path.isAbsolute(base)) return;
    if (!candidates.some((c) => c.dir === dir && c.fresh === fresh)) candidates.push(candidate);
  };
  const below = (base: string | undefined, source: string, ...parts: string[]): void => {
    if (base !== undefined) add({ dir: path.join(base, ...parts), base, source });
  };
  below(env.XDG_CACHE_HOME, 'XDG_CACHE_HOME', 'rdma-probe');
  below(env.HOME, 'HOME', '.cache', 'rdma-probe');
  below(env.XDG_RUNTIME_DIR, 'XDG_RUNTIME_DIR', 'rdma-probe');
  const tmp = env.TMPDIR !== undefined && path.isAbsolute(env.TMPDIR) ? env.TMPDIR : '/tmp';
  const shared = [
    { base: tmp, source: tmp === env.TMPDIR ? 'TMPDIR' : '/tmp' },
    { base: '/dev/shm', source: '/dev/shm' },
  ];
  for (const { base, source } of shared) below(base, source, `rdma-probe-${uid}`);
  for (const { base, source } of shared) {
    add({ dir: path.join(base, `rdma-probe-${uid}-${FRESH_SUFFIX}`), base, source, fresh: true });
  }
  return candidates;
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

export interface LoadOptions<T> {
  readonly candidates: readonly CacheDirCandidate[];
  readonly uid: number;
  readonly image: NativeImage;
  /** Loads the shared object at `file` (a /proc/self/fd path, or a real path without /proc). */
  readonly load: (file: string) => T;
  /** Try an unnamed file (O_TMPFILE) in each folder before the named cache file. */
  readonly unnamed: boolean;
  /** False where /proc is not mounted: load the checked named file by its path. */
  readonly procFd?: boolean;
  readonly now?: number;
}

/**
 * Tries the folders in order: prepares and checks each, then loads the module from an
 * unnamed file or the cache file there. Skips folders that are unsafe, read-only, full, or
 * mounted noexec; rethrows any other load error (a real bug: the bytes are the module's).
 */
export function loadThroughCache<T>(options: LoadOptions<T>): CacheLoadResult<T> {
  const skipped: CacheAttempt[] = [];
  const procFd = options.procFd ?? fs.existsSync('/proc/self/fd');
  for (const candidate of options.candidates) {
    const prepared: PreparedDir = candidate.fresh
      ? makeFreshDir(candidate.base, path.basename(candidate.dir, FRESH_SUFFIX), options.uid)
      : preparePrivateDir(candidate.dir, candidate.base, options.uid);
    if ('problem' in prepared) {
      skipped.push({ dir: candidate.dir, source: candidate.source, problem: prepared.problem });
      continue;
    }
    let loaded: FolderLoad<T>;
    try {
      loaded = loadInFolder(prepared.dir, { ...options, procFd });
    } finally {
      if (candidate.fresh) removeFreshDir(prepared.dir);
    }
    if ('problem' in loaded) {
      skipped.push({ dir: prepared.dir, source: candidate.source, problem: loaded.problem });
      continue;
    }
    return { ok: true, value: loaded.value, dir: prepared.dir, from: loaded.from, skipped };
  }
  return { ok: false, skipped };
}

type FolderLoad<T> =
  | { readonly value: T; readonly from: LoadedFrom }
  | { readonly problem: string };

const NOEXEC = 'cannot load a native module from there (mounted noexec?)';

/** Loads the module from a checked folder: an unnamed file if asked and possible, else named. */
function loadInFolder<T>(
  dir: string,
  options: LoadOptions<T> & { procFd: boolean },
): FolderLoad<T> {
  const { image, uid, load, procFd } = options;
  if (options.unnamed && procFd) {
    const fd = openUnnamedImage(dir, image);
    if (fd !== null) {
      try {
        return { value: load(`/proc/self/fd/${fd}`), from: 'unnamed' };
      } catch (error) {
        // The named file would be mapped from the same file system, and fail the same way.
        if (!isFolderLoadError(error)) throw error;
        return { problem: NOEXEC };
      } finally {
        fs.closeSync(fd);
      }
    }
  }
  const file = path.join(dir, image.fileName);
  let opened = openCachedImage(file, image, uid);
  if ('problem' in opened) {
    try {
      installImage(dir, image, options.now);
    } catch (error) {
      return { problem: `${file}: ${describeFsError(error)}` };
    }
    opened = openCachedImage(file, image, uid);
    // Only we can write here, and we write only the module: this is not expected.
    if ('problem' in opened) return { problem: `${file} ${opened.problem} after writing it` };
  }
  try {
    // Without /proc the path is loaded: only root and we can change it (the chain says so).
    return { value: load(procFd ? `/proc/self/fd/${opened.fd}` : file), from: 'named' };
  } catch (error) {
    if (!isFolderLoadError(error)) throw error;
    return { problem: NOEXEC };
  } finally {
    fs.closeSync(opened.fd);
  }
}

/** The message (one line) when no folder worked; it names RDMA_PROBE_CACHE_DIR. */
export function describeCacheFailure(skipped: readonly CacheAttempt[]): string {
  // Most problems name the folder they are about already (a folder on the way, often).
  const tried = skipped
    .map((a) => (a.problem.startsWith(`${a.dir}`) ? a.problem : `${a.dir}: ${a.problem}`))
    .join('; ');
  const wanted = 'a private, writable folder on a file system mounted without noexec';
  return skipped.length === 1 && skipped[0]?.source === CACHE_DIR_ENV
    ? `cannot cache the native module in ${CACHE_DIR_ENV} (${tried}); it must be ${wanted}`
    : `found no folder to cache the native module in (${tried === '' ? 'none to try' : tried}); ` +
        `set ${CACHE_DIR_ENV} to ${wanted}`;
}
