/**
 * Read-only access to procfs and sysfs under an injectable root, so tests point it at a
 * fixture tree. Every read answers null when the file is absent or unreadable: a missing
 * fact is unknown, never a crash.
 */
import {
  closeSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  realpathSync,
  statSync,
} from 'node:fs';
import path from 'node:path';

export class HostFs {
  private readonly realRoot: string | null;

  constructor(readonly root: string = '/') {
    this.realRoot = attempt(() => realpathSync(root));
  }

  /** The file's text with surrounding whitespace trimmed; null when unreadable. */
  readText(file: string): string | null {
    return attempt(() => readFileSync(this.absolute(file), 'utf8').trim());
  }

  /**
   * At most the first `maxBytes` of a file, untrimmed, and whether that was all of it; null
   * when unreadable. For procfs files that cost the kernel per entry to produce.
   */
  readHead(file: string, maxBytes: number): { text: string; whole: boolean } | null {
    return attempt(() => {
      const fd = openSync(this.absolute(file), 'r');
      try {
        // One byte more than asked tells whether the file goes on.
        const buffer = Buffer.alloc(maxBytes + 1);
        let length = 0;
        while (length < buffer.length) {
          const read = readSync(fd, buffer, length, buffer.length - length, null);
          if (read === 0) break;
          length += read;
        }
        const whole = length <= maxBytes;
        return { text: buffer.toString('utf8', 0, Math.min(length, maxBytes)), whole };
      } finally {
        closeSync(fd);
      }
    });
  }

  /** The first line of a file, trimmed; null when unreadable or empty. */
  readLine(file: string): string | null {
    const text = this.readText(file);
    const line = text?.split('\n', 1)[0]?.trim();
    return line ? line : null;
  }

  exists(file: string): boolean {
    return attempt(() => statSync(this.absolute(file))) !== null;
  }

  /** Entry names in natural order (mlx5_2 before mlx5_10); null when unreadable. */
  list(folder: string): string[] | null {
    return attempt(() => readdirSync(this.absolute(folder)).sort(naturalOrder));
  }

  /**
   * Where a path leads once every symbolic link is followed, as a path inside the root
   * (e.g. "/sys/devices/pci0000:00/0000:00:01.0"); null when it does not resolve there.
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
