/**
 * Reads one input file the way a root process must read a path someone else chose: only a
 * regular file, never more than the cap, never blocking.
 *
 * - O_NONBLOCK: opening a FIFO with no writer returns at once instead of waiting forever
 *   (it is then refused below); on a regular file the flag changes nothing.
 * - O_NOFOLLOW for files found inside folders: a link swapped in after the folder was
 *   listed fails to open (ELOOP) instead of being followed out of the folder.
 * - fstat on the open descriptor decides, not a stat of the path before it: what is read
 *   is what was checked. Devices (/dev/zero, /dev/urandom), FIFOs, sockets and folders are
 *   refused.
 * - The cap is counted on the bytes read, not taken from the size stat gives: /proc files
 *   say 0 and a file may grow while it is read. At most cap + 1 bytes are read, the one
 *   extra byte to tell "exactly the cap" from "more".
 */
import * as fs from 'node:fs';
import { fileKind } from '../file-kind.js';

export type FileRead =
  | { kind: 'bytes'; bytes: Buffer }
  | { kind: 'too-large'; bytes: number }
  /** Not a regular file; `what` names what it is ("a FIFO"). */
  | { kind: 'not-a-file'; what: string }
  | { kind: 'unreadable'; message: string }
  /** Read already under another name (options.first said so): skipped. */
  | { kind: 'seen' };

export interface FileReadOptions {
  maxBytes: number;
  /** Refuse a symbolic link as the last part of the path (files found inside folders). */
  noFollow: boolean;
  /**
   * Called with the open file's identity (device and inode); returning false skips it,
   * for a file named twice or both named and found in a folder.
   */
  first: (identity: string) => boolean;
}

const FIRST_BUFFER_BYTES = 64 * 1024;

export function readInputFile(path: string | Buffer, options: FileReadOptions): FileRead {
  const flags =
    fs.constants.O_RDONLY |
    fs.constants.O_NONBLOCK |
    (options.noFollow ? fs.constants.O_NOFOLLOW : 0);
  let fd: number;
  try {
    fd = fs.openSync(path, flags);
  } catch (error) {
    return openFailure(path, error, options.noFollow);
  }
  try {
    const stats = fs.fstatSync(fd);
    if (!stats.isFile()) return { kind: 'not-a-file', what: fileKind(stats) };
    if (!options.first(`${stats.dev}:${stats.ino}`)) return { kind: 'seen' };
    return readCapped(fd, stats.size, options.maxBytes);
  } catch (error) {
    return { kind: 'unreadable', message: `cannot read: ${errorText(error)}` };
  } finally {
    fs.closeSync(fd);
  }
}

function readCapped(fd: number, sizeHint: number, maxBytes: number): FileRead {
  const limit = maxBytes + 1;
  // stat's size is only a hint for the first buffer (0 for /proc files): the loop reads
  // until end of file or the cap, growing the buffer, whatever the size said.
  let buffer = Buffer.allocUnsafe(
    Math.min(limit, sizeHint > 0 ? sizeHint + 1 : FIRST_BUFFER_BYTES),
  );
  let length = 0;
  while (length < limit) {
    if (length === buffer.length) {
      const bigger = Buffer.allocUnsafe(Math.min(limit, buffer.length * 2));
      buffer.copy(bigger, 0, 0, length);
      buffer = bigger;
    }
    const read = fs.readSync(fd, buffer, length, buffer.length - length, null);
    if (read === 0) break;
    length += read;
  }
  if (length > maxBytes) return { kind: 'too-large', bytes: length };
  return { kind: 'bytes', bytes: buffer.subarray(0, length) };
}

function openFailure(path: string | Buffer, error: unknown, noFollow: boolean): FileRead {
  const code = (error as NodeJS.ErrnoException).code;
  // A unix socket cannot be opened at all; say what it is rather than "ENXIO".
  if (code === 'ENXIO' || code === 'EOPNOTSUPP') {
    const stats = attempt(() => fs.lstatSync(path));
    if (stats && !stats.isFile()) return { kind: 'not-a-file', what: fileKind(stats) };
  }
  if (code === 'ELOOP' && noFollow) {
    return {
      kind: 'not-a-file',
      what: 'a symbolic link (it replaced a file while the folder was read)',
    };
  }
  return { kind: 'unreadable', message: `cannot read: ${errorText(error)}` };
}

/**
 * "ENOENT: no such file or directory": Node's message without the path it appends (the
 * path is the problem's source already, and a Buffer path would be printed lossily).
 */
export function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  const head = error.message.split(', ', 1)[0] ?? error.message;
  return code && !head.startsWith(code) ? `${code}: ${head}` : head;
}

function attempt<T>(read: () => T): T | null {
  try {
    return read();
  } catch {
    return null;
  }
}
