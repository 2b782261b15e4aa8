/** A filesystem error as one short phrase for a message line. */

/**
 * "no space left on device (ENOSPC)" from Node's "ENOSPC: no space left on device, write":
 * the path Node appends is left out, as the message names the file itself.
 */
export function reasonOf(error: unknown): string {
  const errno = error as NodeJS.ErrnoException;
  if (typeof errno.code === 'string' && typeof errno.message === 'string') {
    const phrase = /^[A-Z0-9]+: ([^,]+)/.exec(errno.message)?.[1];
    if (phrase) return `${phrase} (${errno.code})`;
  }
  return error instanceof Error ? error.message : String(error);
}
