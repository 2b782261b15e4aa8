/**
 * Read-only access to procfs and sysfs under an injectable root, so tests point it at a
 * fixture tree. Every read answers null when the file is absent or unreadable: a missing
 * fact is unknown, never a crash.
 *
 * The tree may be hostile (RDMA_PROBE_SYSFS_ROOT can name any folder, and rdma-probe runs
 * as root): a FIFO would block an ordinary open or read forever, /dev/zero would never end,
 * and opening some devices has side effects. So a fact is read only from a regular file
 * (every real procfs and sysfs attribute is one), opened non-blocking, checked again on
 * the descriptor, and read up to a bound; more than the bound is unknown too. Nothing here
 * opens anything but regular files and directories.
 *
 * Under a root other than '/', a path that leads out of the root once its symbolic links
 * are followed (a link to /etc/passwd, say) is unknown as well: the facts come from the
 * tree named, never from the machine the tests run on.
 */
import {
  closeSync,
  constants,
  fstatSync,
  openSync,
  opendirSync,
  readSync,
  realpathSync,
  statSync,
} from 'node:fs';
import path from 'node:path';

/**
 * The most a whole-file read takes. /proc/modules is some tens of kB on a large server;
 * /proc/cpuinfo, read whole only when its head was not enough, about 1.7 kB per CPU.
 */
export const MAX_TEXT_BYTES = 8 * 1024 * 1024;
/** A sysfs attribute is at most one page (4 kB, 64 kB on some arm64 kernels). */
export const MAX_LINE_BYTES = 64 * 1024;
/**
 * The most entries a listed folder may have (RDMA devices, ports). SR-IOV can give a host
 * hundreds of RDMA devices; thousands more means the tree is not a real sysfs.
 */
export const MAX_LIST_ENTRIES = 4096;

const READ_CHUNK_BYTES = 64 * 1024;
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY;

export class HostFs {
  private readonly realRoot: string | null;

  constructor(readonly root: string = '/') {
    this.realRoot = attempt(() => realpathSync(root));
  }

  /**
   * The whole file's text, surrounding whitespace trimmed; null when unreadable or larger
   * than `maxBytes`.
   */
  readText(file: string, maxBytes = MAX_TEXT_BYTES): string | null {
    const head = this.readHead(file, maxBytes);
    return head === null || !head.whole ? null : head.text.trim();
  }

  /**
   * At most the first `maxBytes` of a file, untrimmed, and whether that was all of it; null
   * when unreadable. For procfs files that cost the kernel per entry to produce.
   */
  readHead(file: string, maxBytes: number): { text: string; whole: boolean } | null {
    const head = this.readBytes(file, maxBytes);
    return head === null ? null : { text: head.bytes.toString('utf8'), whole: head.whole };
  }

  /**
   * At most the first `maxBytes` of a file as bytes, whether that was all of it, and the
   * size the file claims; null when unreadable. For binary attributes: sysfs gives a PCI
   * device's `config` its full size even where a reader is let read less of it.
   */
  readBytes(
    file: string,
    maxBytes: number,
  ): { bytes: Buffer; whole: boolean; size: number } | null {
    return attempt(() => {
      const absolute = this.inside(file);
      if (absolute === null) return null;
      const read = readRegularFile(absolute, maxBytes);
      if (read === null) return null;
      const { bytes, size } = read;
      return { bytes: bytes.subarray(0, maxBytes), whole: bytes.length <= maxBytes, size };
    });
  }

  /** The first line of a file, trimmed; null when unreadable, empty, or larger than one page. */
  readLine(file: string): string | null {
    const text = this.readText(file, MAX_LINE_BYTES);
    const line = text?.split('\n', 1)[0]?.trim();
    return line ? line : null;
  }

  /** Whether anything is at `file` (stat opens nothing, so a FIFO or device cannot block it). */
  exists(file: string): boolean {
    return attempt(() => statSync(this.absolute(file))) !== null;
  }

  /**
   * Entry names in natural order (mlx5_2 before mlx5_10); null when not a readable folder or
   * when it holds more than MAX_LIST_ENTRIES.
   */
  list(folder: string): string[] | null {
    return attempt(() => {
      const absolute = this.inside(folder);
      if (absolute === null) return null;
      // opendir on a FIFO fails at once (O_DIRECTORY), but a stat first keeps it obvious.
      if (!statSync(absolute).isDirectory()) return null;
      const dir = opendirSync(absolute);
      const names: string[] = [];
      try {
        for (let entry = dir.readSync(); entry !== null; entry = dir.readSync()) {
          if (names.length === MAX_LIST_ENTRIES) return null;
          names.push(entry.name);
        }
      } finally {
        dir.closeSync();
      }
      return names.sort(naturalOrder);
    });
  }

  /**
   * Where a path leads once every symbolic link is followed, as a path inside the root
   * (e.g. "/sys/devices/pci0000:00/0000:00:01.0"); null when it does not resolve there.
   * Resolving reads links only (lstat, readlink), never opens the file it ends at.
   */
  resolve(file: string): string | null {
    const real = attempt(() => realpathSync(this.absolute(file)));
    if (real === null || this.realRoot === null) return null;
    if (this.realRoot === path.sep) return real;
    if (real === this.realRoot) return '/';
    return real.startsWith(this.realRoot + path.sep) ? real.slice(this.realRoot.length) : null;
  }

  private absolute(file: string): string {
    return path.join(this.root, file);
  }

  /**
   * The path to open for `file`: as it is under '/', else its real path when that is inside
   * the root, and null when it leads out (or does not resolve). The real path is what is
   * opened, so a link changed after the check is not followed again. (A folder above it
   * swapped in between could still lead out; what is opened is still only a regular file.)
   */
  private inside(file: string): string | null {
    const absolute = this.absolute(file);
    if (this.realRoot === path.sep) return absolute;
    if (this.realRoot === null) return null;
    const real = realpathSync(absolute);
    return real === this.realRoot || real.startsWith(this.realRoot + path.sep) ? real : null;
  }
}

/**
 * Up to `maxBytes + 1` bytes of a regular file (the extra byte tells the caller the file
 * goes on) and the size its fstat reports; null when `file` is not a regular file. The stat
 * before opening keeps devices and FIFOs from being opened at all; the fstat after catches
 * one swapped in between.
 */
function readRegularFile(file: string, maxBytes: number): { bytes: Buffer; size: number } | null {
  if (!statSync(file).isFile()) return null;
  const fd = openSync(file, OPEN_FLAGS);
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return null;
    return { bytes: readUpTo(fd, maxBytes + 1), size: stat.size };
  } finally {
    closeSync(fd);
  }
}

/** Reads until end of file or `limit` bytes, growing the buffer as it goes. */
function readUpTo(fd: number, limit: number): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  while (total < limit) {
    const chunk = Buffer.allocUnsafe(Math.min(READ_CHUNK_BYTES, limit - total));
    const read = readSync(fd, chunk, 0, chunk.length, null);
    if (read === 0) break;
    chunks.push(chunk.subarray(0, read));
    total += read;
  }
  return Buffer.concat(chunks, total);
}

export function naturalOrder(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

function attempt<T>(read: () => T): T | null {
  try {
    return read();
  } catch {
    return null;
  }
}
