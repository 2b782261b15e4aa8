/**
 * Which folders may hold the native module the single binary loads. Whoever can change a
 * folder on the way to that file can swap the file, and so run code as us (as root, on a GPU
 * server). A folder is trusted only when every folder from it up to `/` is owned by root or
 * by us and not writable by anyone else; a folder above the cache folder may be writable by
 * others when it is sticky (like /tmp: nobody can rename or remove what is ours in it).
 *
 * Symbolic links are resolved once (realpath), then the real path is checked with lstat from
 * `/` down, and only the real path is used afterwards. Top-down matters: once a folder has
 * passed, nobody else can change it or its entry in its (passed) parent, so the chain checked
 * so far stays true while the rest is checked. A link that appears in the real path after
 * realpath means someone is swapping folders: lstat sees it and the folder is refused.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeFsError, errorCode, octal } from './fs-errors.js';

/** The subset of fs.Stats the checks read. */
export interface StatsLike {
  readonly uid: number;
  readonly mode: number;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
}

export type Lstat = (file: string) => StatsLike;

const WRITABLE_BY_OTHERS = 0o022;
const STICKY = 0o1000;

/**
 * Why a folder above the cache folder (as lstat sees it) lets someone other than root or
 * `uid` change what lies below it, or null.
 */
export function ancestorDirProblem(st: StatsLike, uid: number): string | null {
  if (st.isSymbolicLink()) return 'is a symbolic link';
  if (!st.isDirectory()) return 'is not a folder';
  if (st.uid !== 0 && st.uid !== uid) return `is owned by uid ${st.uid}`;
  if ((st.mode & WRITABLE_BY_OTHERS) !== 0 && (st.mode & STICKY) === 0) {
    return `is writable by other users and not sticky (mode ${octal(st.mode)})`;
  }
  return null;
}

/** Why the cache folder itself (as lstat sees it) is not private to `uid`, or null. */
export function cacheDirProblem(st: StatsLike, uid: number): string | null {
  if (st.isSymbolicLink()) return 'is a symbolic link';
  if (!st.isDirectory()) return 'is not a folder';
  if (st.uid !== uid) return `is owned by uid ${st.uid}, not ${uid}`;
  if ((st.mode & WRITABLE_BY_OTHERS) !== 0) {
    return `is writable by other users (mode ${octal(st.mode)})`;
  }
  return null;
}

/**
 * Checks the absolute path `dir` from `/` down: every folder above it by ancestorDirProblem,
 * `dir` itself by cacheDirProblem (or, with `dirIsAncestor`, as a folder above the cache
 * folder). Returns the first problem, naming the folder, or null.
 */
export function folderChainProblem(
  dir: string,
  uid: number,
  options: { dirIsAncestor?: boolean; lstat?: Lstat } = {},
): string | null {
  const lstat = options.lstat ?? fs.lstatSync;
  const parts = dir.split('/').filter((part) => part !== '');
  let current = '/';
  for (let depth = 0; depth <= parts.length; depth += 1) {
    if (depth > 0) current = path.posix.join(current, parts[depth - 1]!);
    let st: StatsLike;
    try {
      st = lstat(current);
    } catch (error) {
      return `${current}: ${describeFsError(error)}`;
    }
    const isCacheDir = depth === parts.length && options.dirIsAncestor !== true;
    const problem = isCacheDir ? cacheDirProblem(st, uid) : ancestorDirProblem(st, uid);
    if (problem !== null) return `${current} ${problem}`;
  }
  return null;
}

export type PreparedDir = { readonly dir: string } | { readonly problem: string };

/**
 * Makes `dir` ready to hold the module: the deepest part of it that exists (at or below
 * `base`, which must exist: a missing HOME stays missing) is resolved and its chain checked;
 * the missing folders are then created one at a time, mode 0700, each checked with lstat
 * before the next is made in it. Nothing is created in a folder that failed its check.
 * Returns the real path of the folder, the one to use from then on, or the problem.
 */
export function preparePrivateDir(dir: string, base: string, uid: number): PreparedDir {
  const missing: string[] = [];
  let existing = dir;
  let real: string;
  for (;;) {
    try {
      real = fs.realpathSync.native(existing);
      break;
    } catch (error) {
      if (
        errorCode(error) !== 'ENOENT' ||
        existing === base ||
        existing === path.dirname(existing)
      ) {
        return { problem: `${existing}: ${describeFsError(error)}` };
      }
      missing.unshift(path.basename(existing));
      existing = path.dirname(existing);
    }
  }
  const chain = folderChainProblem(real, uid, { dirIsAncestor: missing.length > 0 });
  if (chain !== null) return { problem: chain };
  for (const [index, part] of missing.entries()) {
    real = path.join(real, part);
    try {
      fs.mkdirSync(real, { mode: 0o700 });
    } catch (error) {
      // Another copy of rdma-probe may have made it first; lstat judges what is there.
      if (errorCode(error) !== 'EEXIST') return { problem: `${real}: ${describeFsError(error)}` };
    }
    let st: StatsLike;
    try {
      st = fs.lstatSync(real);
    } catch (error) {
      return { problem: `${real}: ${describeFsError(error)}` };
    }
    const isCacheDir = index === missing.length - 1;
    const problem = isCacheDir ? cacheDirProblem(st, uid) : ancestorDirProblem(st, uid);
    if (problem !== null) return { problem: `${real} ${problem}` };
  }
  return { dir: real };
}

/**
 * Creates a new private folder with an unpredictable name (mkdtemp: mode 0700, created
 * exclusively) in `base`, after checking the chain up to `/`: for when the usual names are
 * taken by someone else. The caller removes it (removeFreshDir) once the module is loaded.
 */
export function makeFreshDir(base: string, prefix: string, uid: number): PreparedDir {
  let real: string;
  try {
    real = fs.realpathSync.native(base);
  } catch (error) {
    return { problem: `${base}: ${describeFsError(error)}` };
  }
  const chain = folderChainProblem(real, uid, { dirIsAncestor: true });
  if (chain !== null) return { problem: chain };
  let dir: string;
  try {
    dir = fs.mkdtempSync(path.join(real, prefix));
  } catch (error) {
    return { problem: `${real}: ${describeFsError(error)}` };
  }
  const problem = cacheDirProblem(fs.lstatSync(dir), uid);
  if (problem !== null) {
    removeFreshDir(dir);
    return { problem: `${dir} ${problem}` };
  }
  return { dir };
}

/** Removes a folder made by makeFreshDir; a loaded module stays mapped without its file. */
export function removeFreshDir(dir: string): void {
  try {
    fs.rmSync(dir, { recursive: true, force: true });
  } catch {
    // Best effort: a private, empty-or-one-file folder in a temporary place.
  }
}
