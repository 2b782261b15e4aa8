/** `rdma-probe report FILES...|-`: many hosts' JSON summed up as a fleet report. */
import { readInputs, type Stdin } from '../fleet/read-inputs.js';
import { summarizeFleet, summarizeFleetParts } from '../fleet/summarize.js';
import { DEFAULT_LIMITS, type FleetReport } from '../fleet/types.js';
import { renderFleetJson } from '../render/fleet-json.js';
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
  const summary = {
    toolVersion: TOOL_VERSION,
    generatedAt,
    maxBytesPerInput: DEFAULT_LIMITS.maxBytesPerInput,
    maxAgeMs,
  };
  let fleet: Omit<FleetReport, 'hosts'>;
  if (options.json) {
    const parts = summarizeFleetParts(read, summary);
    for (const piece of renderFleetJson(parts)) io.stdout.write(piece);
    io.stdout.write('\n');
    fleet = parts.head;
  } else {
    const { renderFleetTable } = await import('../render/fleet-table.js');
    const color = await useColorOnStdout(io, options.color);
    const report = summarizeFleet(read, summary);
    io.stdout.write(renderFleetTable(report, { color }));
    fleet = report;
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
