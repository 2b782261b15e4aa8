import type { Note } from '../list-report.js';

/**
 * Text a driver wrote, quoted inside one of rdma-probe's own one-line messages (a
 * reason, a note). A hostile driver's bytes must not break the line or the terminal:
 * anything outside printable ASCII becomes '?', and long text is cut.
 */
export function quoteDriverText(text: string, max = 64): string {
  const printable = text.replace(/[^\x20-\x7e]/g, '?');
  return JSON.stringify(printable.length > max ? `${printable.slice(0, max)}...` : printable);
}

/** The note for a fixed-size string the driver filled to its last byte. */
export function unterminatedNote(call: string, field: string): Note {
  return {
    code: 'unterminated-string',
    message: `${call} filled ${field} to its last byte without a NUL terminator: it is shown cut at 256 bytes`,
  };
}
