/**
 * Removes the temporary files that killed runs left beside a target, so they do not pile
 * up in a folder a timer writes to every minute. Only what is surely such a leftover goes:
 *
 * - its name is exactly one of ours for this target (temporary-name.ts),
 * - it is a regular file with one link, owned by the user running now,
 * - it is older than STALE_AFTER_MS, and
 * - the process its name records is gone.
 *
 * The age rule is there because "gone" is only known for this pid namespace: a writer in
 * another container sharing the folder may have the same pid and be alive. A write takes
 * milliseconds, so a temporary file ten minutes old has no live writer in any namespace.
 * Everything here is best effort: a file that cannot be checked or removed is left alone.
 */
import * as fs from 'node:fs';
import { joinBytes } from './byte-path.js';
import { temporaryNameWriter } from './temporary-name.js';

export const STALE_AFTER_MS = 10 * 60 * 1000;

export function removeStaleTemporaries(folder: Buffer, name: Buffer, now = Date.now()): void {
  let entries: Buffer[];
  try {
    entries = fs.readdirSync(folder, { encoding: 'buffer' });
  } catch {
    return;
  }
  const uid = process.geteuid?.() ?? -1;
  for (const entry of entries) {
    const pid = temporaryNameWriter(entry, name);
    if (pid === null || pid === process.pid) continue;
    const file = joinBytes(folder, entry);
    try {
      const stats = fs.lstatSync(file);
      const ours = stats.isFile() && stats.nlink === 1 && stats.uid === uid;
      if (ours && now - stats.mtimeMs > STALE_AFTER_MS && !processExists(pid)) {
        fs.unlinkSync(file);
      }
    } catch {
      // Removed by another run first, or not ours to remove.
    }
  }
}

/** False only when this pid namespace surely has no such process (ESRCH). */
function processExists(pid: number): boolean {
  if (pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, run by another user.
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}
