/**
 * `rdma-probe report --json`: the fleet report as JSON.stringify(report, null, 2) writes it,
 * byte for byte, but as pieces of about PIECE_CHARS each. The whole text of 25,000 hosts
 * is 11 MB, and building it (with the rows it is made from and its UTF-8 copy for the
 * write) was the run's peak; in pieces, one host row at a time, none of it is held at once.
 */
import type { FleetReportParts } from '../fleet/summarize.js';

/** Large enough that each write costs nothing, small enough to stay out of the peak. */
export const PIECE_CHARS = 64 * 1024;

/** The JSON text of the report as pieces; joined, they are JSON.stringify's text. */
export function* renderFleetJson(parts: FleetReportParts): Generator<string> {
  // `hosts` last, as in the report itself, and empty: its `[]` is where the rows go.
  const headText = JSON.stringify({ ...parts.head, hosts: [] }, null, 2);
  if (parts.hostCount === 0) {
    yield headText;
    return;
  }
  const empty = '[]\n}';
  if (!headText.endsWith(empty)) throw new Error('the fleet report does not end with its hosts');
  let piece = `${headText.slice(0, -empty.length)}[\n`;
  let first = true;
  for (const host of parts.hosts()) {
    // A row is two levels deep in the report: indented 4 more spaces on every line. JSON
    // text holds a newline only between values (inside a string it is written \n).
    const row = `    ${JSON.stringify(host, null, 2).replaceAll('\n', '\n    ')}`;
    piece += first ? row : `,\n${row}`;
    first = false;
    if (piece.length >= PIECE_CHARS) {
      yield piece;
      piece = '';
    }
  }
  yield `${piece}\n  ]\n}`;
}
