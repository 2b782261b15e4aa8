/**
 * The file the native module is loaded from, in a folder that folder-chain.ts has checked.
 * Whatever is loaded is first proved to hold the embedded module's bytes, through the very
 * descriptor that is then loaded (as /proc/self/fd/<fd>), so no name can be swapped between
 * the check and dlopen. Two kinds of file:
 *
 * - unnamed (O_TMPFILE): written afresh by every run and never linked into the folder, so
 *   there is nothing to find, race, damage or clean up;
 * - named (the cache): `<folder>/<koffi-version>-<hash>.node`, written once with an atomic
 *   rename and reused; a damaged one (wrong bytes, wrong kind of file) is replaced.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The module to load: its bytes and its cache file name (see nativeFileName). */
export interface NativeImage {
  readonly fileName: string;
  readonly bytes: Uint8Array;
}

/** Temporary files older than this were left by a process that died while writing. */
const STALE_TEMP_MS = 10 * 60 * 1000;
/** Compared a slice at a time: no second 1.1 MB buffer on every start. */
const COMPARE_CHUNK = 256 * 1024;
/**
 * O_TMPFILE as Linux defines it on x86-64 and arm64 (__O_TMPFILE | O_DIRECTORY); Node does
 * not export it. Other architectures (alpha, sparc, parisc) use other values, and the
 * binary is built for these two only.
 */
const O_TMPFILE = 0o20000000 | 0o200000;
const HAS_O_TMPFILE = process.platform === 'linux' && ['x64', 'arm64'].includes(process.arch);

/**
 * True when the open file `fd` holds exactly `bytes`: read through the descriptor, so what
 * is compared is the inode that will be loaded. Costs about 0.3 ms for 1.1 MB.
 */
export function fdHoldsImage(fd: number, bytes: Uint8Array): boolean {
  const chunk = Buffer.allocUnsafe(Math.max(1, Math.min(COMPARE_CHUNK, bytes.byteLength)));
  let offset = 0;
  while (offset < bytes.byteLength) {
    const wanted = Math.min(chunk.length, bytes.byteLength - offset);
    const read = fs.readSync(fd, chunk, 0, wanted, offset);
    if (read === 0) return false;
    if (!chunk.subarray(0, read).equals(bytes.subarray(offset, offset + read))) return false;
    offset += read;
  }
  // Nothing after the end either (the size was checked, but only by fstat).
  return fs.readSync(fd, chunk, 0, 1, offset) === 0;
}

export type OpenedImage = { readonly fd: number } | { readonly problem: string };

/**
 * Opens the cache file `file` when it is the module, and returns the descriptor to load.
 * lstat first, so a FIFO or device node there is never opened; the open itself refuses a
 * symbolic link (O_NOFOLLOW) and cannot block on a FIFO swapped in meanwhile (O_NONBLOCK);
 * fstat and the byte comparison then judge the opened inode itself.
 */
export function openCachedImage(file: string, image: NativeImage, uid: number): OpenedImage {
  try {
    const seen = fs.lstatSync(file);
    if (!seen.isFile()) return { problem: 'is not a regular file' };
  } catch (error) {
    return { problem: (error as NodeJS.ErrnoException).code ?? String(error) };
  }
  const { O_RDONLY, O_NOFOLLOW, O_NONBLOCK, O_NOCTTY } = fs.constants;
  let fd: number;
  try {
    fd = fs.openSync(file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
  } catch (error) {
    return { problem: (error as NodeJS.ErrnoException).code ?? String(error) };
  }
  let problem: string | null;
  try {
    problem = openedFileProblem(fd, image, uid);
  } catch (error) {
    problem = (error as NodeJS.ErrnoException).code ?? String(error);
  }
  if (problem === null) return { fd };
  fs.closeSync(fd);
  return { problem };
}

function openedFileProblem(fd: number, image: NativeImage, uid: number): string | null {
  const st = fs.fstatSync(fd);
  if (!st.isFile()) return 'is not a regular file';
  if (st.uid !== uid) return `is owned by uid ${st.uid}`;
  if ((st.mode & 0o022) !== 0) return 'is writable by other users';
  if (st.size !== image.bytes.byteLength)
    return `has ${st.size} bytes, not ${image.bytes.byteLength}`;
  if (!fdHoldsImage(fd, image.bytes)) return 'does not hold the embedded module (damaged)';
  return null;
}

/**
 * Writes `image` into `dir` under its cache name, replacing whatever is there (a damaged
 * file, a FIFO, a link): a temporary file is written, synced and renamed over the name, so
 * the name only ever shows a complete file, and concurrent writers each rename a complete
 * one. Throws the filesystem error (a folder in the way: EISDIR) after removing its
 * temporary file. Written here rather than with src/output/atomic-write.ts so that the
 * security of loading never depends on how --output writes.
 */
export function installImage(dir: string, image: NativeImage, now: number = Date.now()): string {
  const target = path.join(dir, image.fileName);
  removeStaleTemps(dir, image.fileName, now);
  const { fd, temporary } = openTemporary(dir, image.fileName);
  try {
    try {
      // Explicitly: a umask of 0777 would otherwise leave a file we cannot read back.
      fs.fchmodSync(fd, 0o700);
      for (let done = 0; done < image.bytes.byteLength; ) {
        done += fs.writeSync(fd, image.bytes, done);
      }
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temporary, target);
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    throw error;
  }
  syncDir(dir);
  return target;
}

let temporaryCounter = 0;

/**
 * A new temporary file beside the cache name. The name needs to be unique, not secret: the
 * folder is private, and O_EXCL | O_NOFOLLOW never write through anything found there.
 */
function openTemporary(dir: string, fileName: string): { fd: number; temporary: string } {
  const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = fs.constants;
  for (let attempt = 1; ; attempt += 1) {
    const unique = `${process.pid}-${Date.now().toString(36)}-${(temporaryCounter++).toString(36)}`;
    const temporary = path.join(dir, `.${fileName}.${unique}.tmp`);
    try {
      return {
        fd: fs.openSync(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o700),
        temporary,
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt === 16) throw error;
    }
  }
}

/**
 * Writes `image` into a new unnamed file in `dir` (O_TMPFILE) and returns its descriptor,
 * or null when the kernel or the file system cannot make one (EISDIR before Linux 3.11,
 * EOPNOTSUPP on NFS and others) or it cannot be written: the caller then uses the named
 * cache. The bytes are not read back: only this process holds the inode, by descriptor.
 */
export function openUnnamedImage(dir: string, image: NativeImage): number | null {
  if (!HAS_O_TMPFILE) return null;
  let fd: number;
  try {
    fd = fs.openSync(dir, O_TMPFILE | fs.constants.O_RDWR, 0o700);
  } catch {
    return null;
  }
  try {
    for (let done = 0; done < image.bytes.byteLength; ) {
      done += fs.writeSync(fd, image.bytes, done);
    }
    return fd;
  } catch {
    fs.closeSync(fd);
    return null;
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
    const fd = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // Best effort.
  }
}
