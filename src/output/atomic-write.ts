/**
 * Writes a file so that readers see the old content or the new, never half of it: a
 * temporary file in the same folder (same filesystem, so rename is atomic), flushed to
 * disk, then renamed over the target. The temporary names are in temporary-name.ts;
 * leftovers of killed runs are removed by stale-temporaries.ts.
 *
 * replaceFile is the mechanism; writeFileAtomic is the CLI's --output on top of it, which
 * first decides what the target is (output-target.ts) and keeps an existing file's mode.
 */
import * as fs from 'node:fs';
import { EnvironmentError, ProbeError } from '../errors.js';
import { basenameBytes, dirnameBytes, joinBytes, pathBytes, showPath } from './byte-path.js';
import { reasonOf } from './fs-reason.js';
import { fileKind } from '../file-kind.js';
import { NotRegularFileError, resolveOutputTarget } from './output-target.js';
import { removeStaleTemporaries } from './stale-temporaries.js';
import { temporaryName } from './temporary-name.js';

/**
 * How many temporary names replaceFile tries before giving up. A name is taken only if
 * another writer (or someone guessing names) holds it; O_EXCL turns that into EEXIST.
 */
const TEMPORARY_NAME_ATTEMPTS = 16;
let temporaryCounter = 0;

/**
 * Replaces `target` with `content` atomically; the file gets exactly `mode`, whatever the
 * umask. The temporary file is opened exclusively and never through a symbolic link, and
 * removed again on failure. Just before the rename the target is checked once more: a
 * regular file, a symbolic link (the link is replaced, never followed) or nothing is
 * replaced; a device node, FIFO or socket is not (NotRegularFileError), nor is a folder
 * (the rename's own EISDIR). Throws the filesystem error otherwise.
 *
 * The name needs to be unique, not secret: O_EXCL | O_NOFOLLOW already make a planted file
 * or link harmless (it is never written through), and a taken name is simply skipped.
 * node:crypto is avoided on purpose: loading it costs the single binary 10 ms at start-up.
 * (The native-module cache has its own writer, src/native/image-file.ts: in its private
 * folder it replaces whatever is at its file's name, where --output refuses anything but a
 * regular file.)
 */
export function replaceFile(
  target: string | Buffer,
  content: string | Uint8Array,
  mode: number,
): void {
  const file = pathBytes(target);
  const folder = dirnameBytes(file);
  removeStaleTemporaries(folder, basenameBytes(file));
  const { fd, temporary } = openTemporaryBeside(file);
  const bytes = typeof content === 'string' ? Buffer.from(content) : content;
  try {
    try {
      // fchmod, not open's mode argument: that one is filtered through the umask.
      fs.fchmodSync(fd, mode);
      for (let done = 0; done < bytes.byteLength; ) {
        done += fs.writeSync(fd, bytes, done);
      }
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    checkReplaceable(file);
    fs.renameSync(temporary, file);
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    throw error;
  }
  syncFolder(folder);
}

function openTemporaryBeside(target: Buffer): { fd: number; temporary: Buffer } {
  const folder = dirnameBytes(target);
  const name = basenameBytes(target);
  const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = fs.constants;
  for (let attempt = 1; ; attempt++) {
    const temporary = joinBytes(
      folder,
      temporaryName(name, { pid: process.pid, time: Date.now(), counter: temporaryCounter++ }),
    );
    try {
      return {
        fd: fs.openSync(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600),
        temporary,
      };
    } catch (error) {
      const taken = (error as NodeJS.ErrnoException).code === 'EEXIST';
      if (!taken || attempt === TEMPORARY_NAME_ATTEMPTS) throw error;
    }
  }
}

/**
 * The last look before the rename, which would replace a device node, FIFO or socket as
 * readily as a file. A folder is left to the rename itself: it fails (EISDIR, ENOTEMPTY)
 * and changes nothing.
 */
function checkReplaceable(target: Buffer): void {
  let stats: fs.Stats;
  try {
    stats = fs.lstatSync(target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (!stats.isFile() && !stats.isSymbolicLink() && !stats.isDirectory()) {
    throw new NotRegularFileError(
      `not writing ${showPath(target)}: it is ${fileKind(stats)}, and only a regular file is replaced`,
    );
  }
}

/** Makes the rename itself durable. Some filesystems cannot sync a folder: that is fine. */
function syncFolder(folder: Buffer): void {
  try {
    const fd = fs.openSync(folder, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // EINVAL on filesystems without directory sync; the data itself is already synced.
  }
}

/**
 * --output FILE: throws an EnvironmentError (exit 3) with one line when FILE is not a
 * regular file, a link to one, or a new name in an existing folder; nothing is changed then.
 * Run before the probe so a bad target is reported before any work is done.
 */
export function checkOutputTarget(target: string | Buffer): void {
  resolveOutputTarget(pathBytes(target));
}

/**
 * The CLI's --output: replaces the regular file FILE leads to (following trusted links,
 * see output-target.ts) keeping its permission bits, or creates FILE with `newFileMode`
 * (0644: node_exporter and NFD read it as other users). Any failure is an
 * EnvironmentError (exit 3) naming the file.
 */
export function writeFileAtomic(
  target: string | Buffer,
  content: string,
  newFileMode = 0o644,
): void {
  const requested = pathBytes(target);
  const { file, mode } = resolveOutputTarget(requested);
  try {
    replaceFile(file, content, mode ?? newFileMode);
  } catch (error) {
    if (error instanceof ProbeError) throw error;
    const real = file.equals(requested) ? '' : ` (the file it links to, ${showPath(file)})`;
    throw new EnvironmentError(`cannot write ${showPath(requested)}${real}: ${reasonOf(error)}`);
  }
}
