/**
 * stdout and stderr as plain file descriptors, written synchronously.
 *
 * Why not process.stdout: its first use builds a Node stream (a tty, pipe or file stream,
 * and with it the stream, net and tty modules), which costs the single binary 5-9 ms at
 * start-up, more than all of `list --json`'s own JavaScript. The CLI prints one finished
 * text at the end, so a blocking write is all it needs.
 */
import * as fs from 'node:fs';
import { EnvironmentError } from '../errors.js';
import { reasonOf } from '../output/fs-reason.js';
import type { OutputStream } from './io.js';

/** Waits this long before writing again to a non-blocking descriptor that is full. */
const FULL_PIPE_WAIT_MS = 1;

export class FdOutput implements OutputStream {
  private readerGone = false;
  private tty: boolean | undefined;

  constructor(private readonly fd: 1 | 2) {}

  /**
   * Writes all of `text`. A reader that has gone away (EPIPE, as in `rdma-probe list --json
   * | head`) is the reader's choice, not an error: the rest of the output is dropped and the
   * run ends with its own exit code. Any other failure on stdout (ENOSPC from `> /dev/full`,
   * EIO) means the output is lost: an EnvironmentError, exit 3. On stderr there is nowhere
   * left to report it, so the message is dropped and the run keeps its own exit code.
   */
  write(text: string): boolean {
    if (this.readerGone) return false;
    const bytes = Buffer.from(text);
    for (let done = 0; done < bytes.byteLength; ) {
      try {
        done += fs.writeSync(this.fd, bytes, done);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EPIPE') {
          this.readerGone = true;
          return false;
        }
        // Another process may have made the shared descriptor non-blocking.
        if (code === 'EAGAIN') {
          sleepSync(FULL_PIPE_WAIT_MS);
          continue;
        }
        if (this.fd === 2) return false;
        throw new EnvironmentError(`cannot write to standard output: ${reasonOf(error)}`);
      }
    }
    return true;
  }

  /** Asked only by the table and help paths, so the tty module loads only there. */
  get isTTY(): boolean {
    this.tty ??= process.getBuiltinModule('node:tty').isatty(this.fd);
    return this.tty;
  }

  /** The terminal's width, for help text; undefined when not a terminal. */
  get columns(): number | undefined {
    if (!this.isTTY) return undefined;
    const stream = this.fd === 2 ? process.stderr : process.stdout;
    return stream.columns;
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
