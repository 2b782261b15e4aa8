/** `rdma-probe report FILES...|-`: many hosts' JSON summed up as a fleet report. */
import { readInputs, type Stdin } from '../fleet/read-inputs.js';
import { summarizeFleet } from '../fleet/summarize.js';
import { DEFAULT_LIMITS } from '../fleet/types.js';
import { TOOL_VERSION } from '../version.js';
import { useColorOnStdout } from './color.js';
import { parseMaxAge, type ReportOptions } from './options.js';
import type { Outcome } from './exit-code.js';
import type { CliIo } from './io.js';

export async function runReport(
  inputs: string[],
  options: ReportOptions,
  io: CliIo,
  stdin: Stdin | null,
): Promise<Outcome> {
  // Before any input is read: a typo should not wait for a gigabyte of stdin.
  const maxAgeMs = parseMaxAge(options.maxAge);
  const read = await readInputs(inputs, stdin, DEFAULT_LIMITS);
  // Taken once everything is read, so that no host that reported while report was
  // reading (a slow pdsh) is dated after the report.
  const generatedAt = (io.now?.() ?? new Date()).toISOString();
  const fleet = summarizeFleet(read, {
    toolVersion: TOOL_VERSION,
    generatedAt,
    maxBytesPerInput: DEFAULT_LIMITS.maxBytesPerInput,
    maxAgeMs,
  });
  if (options.json) {
    // Two writes: appending the newline would copy the whole text once more (9 MB for
    // 25,000 hosts) at the run's peak memory.
    io.stdout.write(JSON.stringify(fleet, null, 2));
    io.stdout.write('\n');
  } else {
    const { renderFleetTable } = await import('../render/fleet-table.js');
    const color = await useColorOnStdout(io, options.color);
    io.stdout.write(renderFleetTable(fleet, { color }));
  }
  // stderr carries no text from the inputs (counts only), so it needs no escaping.
  if (fleet.problems.length > 0) {
    const where = options.json ? '.problems in the JSON' : 'Problems above';
    io.stderr.write(`rdma-probe: ${fleet.problems.length} input problem(s), see ${where}\n`);
  }
  if (fleet.totals.hosts === 0) {
    io.stderr.write('rdma-probe: no host report could be read\n');
    return { kind: 'no-hosts-read' };
  }
  return { kind: 'done' };
}
