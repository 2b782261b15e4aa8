/**
 * Writes a file so that readers see the old content or the new, never half of it: a
 * temporary file in the same folder (same filesystem, so rename is atomic), flushed to
 * disk, then renamed over the target. The temporary name starts with a dot and does not
 * end in the target's extension: NFD skips hidden files and node_exporter reads only
 * *.prom, so neither picks up a half-written file.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { EnvironmentError } from '../errors.js';

export function writeFileAtomic(target: string, content: string, mode = 0o644): void {
  const folder = path.dirname(path.resolve(target));
  const temporary = path.join(
    folder,
    `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
  );
  let fd: number | null = null;
  try {
    fd = openSync(temporary, 'wx', mode);
    writeSync(fd, content);
    fsyncSync(fd);
    closeSync(fd);
    fd = null;
    renameSync(temporary, target);
  } catch (error) {
    if (fd !== null) closeSync(fd);
    rmSync(temporary, { force: true });
    const reason = error instanceof Error ? error.message : String(error);
    throw new EnvironmentError(`cannot write ${target}: ${reason}`);
  }
}
