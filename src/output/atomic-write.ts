/**
 * Writes a file so that readers see the old content or the new, never half of it: a
 * temporary file in the same folder (same filesystem, so rename is atomic), flushed to
 * disk, then renamed over the target. The temporary name starts with a dot and ends in
 * `.tmp`, not the target's extension: NFD skips hidden files and node_exporter reads only
 * *.prom, so neither picks up a half-written file.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import path from 'node:path';
import { EnvironmentError } from '../errors.js';

/**
 * Replaces `target` with `content` atomically, creating it with `mode`. The temporary file
 * is `.<name>.<pid>-<random>.tmp` beside the target, opened exclusively and never through a
 * symbolic link, and removed again on failure. Throws the filesystem error.
 */
export function replaceFile(target: string, content: string | Uint8Array, mode: number): void {
  const temporary = path.join(
    path.dirname(path.resolve(target)),
    `.${path.basename(target)}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`,
  );
  const bytes = typeof content === 'string' ? Buffer.from(content) : content;
  const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = fs.constants;
  const fd = fs.openSync(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode);
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

/** replaceFile for the CLI's --output: a failure is an environment problem (exit 3). */
export function writeFileAtomic(target: string, content: string, mode = 0o644): void {
  try {
    replaceFile(target, content, mode);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new EnvironmentError(`cannot write ${target}: ${reason}`);
  }
}
