/**
 * Writes a file so that readers see the old content or the new, never half of it: a
 * temporary file in the same folder (same filesystem, so rename is atomic), flushed to
 * disk, then renamed over the target. The temporary name starts with a dot and ends in
 * `.tmp`, not the target's extension: NFD skips hidden files and node_exporter reads only
 * *.prom, so neither picks up a half-written file.
 */
import * as fs from 'node:fs';
import path from 'node:path';
import { EnvironmentError } from '../errors.js';

/**
 * How many temporary names replaceFile tries before giving up. A name is taken only if
 * another writer (or someone guessing names) holds it; O_EXCL turns that into EEXIST.
 */
const TEMPORARY_NAME_ATTEMPTS = 16;
let temporaryCounter = 0;

/**
 * Replaces `target` with `content` atomically, creating it with `mode`. The temporary file
 * is `.<name>.<pid>-<time>-<n>.tmp` beside the target, opened exclusively and never through
 * a symbolic link, and removed again on failure. Throws the filesystem error.
 *
 * The name needs to be unique, not secret: O_EXCL | O_NOFOLLOW already make a planted file
 * or link harmless (it is never written through), and a taken name is simply skipped.
 * node:crypto is avoided on purpose: loading it costs the single binary 10 ms at start-up,
 * and this module is on that path (the native-module cache uses it).
 */
export function replaceFile(target: string, content: string | Uint8Array, mode: number): void {
  const { fd, temporary } = openTemporaryBeside(target, mode);
  const bytes = typeof content === 'string' ? Buffer.from(content) : content;
  try {
    try {
      for (let done = 0; done < bytes.byteLength; ) {
        done += fs.writeSync(fd, bytes, done);
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
}

function openTemporaryBeside(target: string, mode: number): { fd: number; temporary: string } {
  const folder = path.dirname(path.resolve(target));
  const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = fs.constants;
  for (let attempt = 1; ; attempt++) {
    const unique = `${process.pid}-${Date.now().toString(36)}-${(temporaryCounter++).toString(36)}`;
    const temporary = path.join(folder, `.${path.basename(target)}.${unique}.tmp`);
    try {
      return {
        fd: fs.openSync(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode),
        temporary,
      };
    } catch (error) {
      const taken = (error as NodeJS.ErrnoException).code === 'EEXIST';
      if (!taken || attempt === TEMPORARY_NAME_ATTEMPTS) throw error;
    }
  }
}

/** replaceFile for the CLI's --output: a failure is an environment problem (exit 3). */
export function writeFileAtomic(target: string, content: string, mode = 0o644): void {
  try {
    replaceFile(target, content, mode);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new EnvironmentError(`cannot write ${target}: ${reason}`);
  }
}
