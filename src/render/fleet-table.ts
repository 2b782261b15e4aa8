/**
 * `rdma-probe report` as text: a pure function of the fleet report. Hostnames, driver
 * names and versions, reason codes and file names all come from the inputs, which other
 * hosts wrote: every string is escaped (terminalSafeDeep) before it is laid out, so no
 * input can send a terminal escape, a carriage return or a line of its own.
 */
import { Chalk } from 'chalk';
import { formatAge } from '../fleet/freshness.js';
import type { FleetReport } from '../fleet/types.js';
import { formatBytes, plural } from './format.js';
import { terminalSafeDeep } from './terminal-text.js';

export interface FleetTableOptions {
  color: boolean;
  /** Problems listed before "and N more". */
  maxProblems?: number;
  /** Stale hosts and hosts from the future listed before "and N more". */
  maxAgedHosts?: number;
}

export function renderFleetTable(report: FleetReport, options: FleetTableOptions): string {
  const fleet = terminalSafeDeep(report);
  const c = new Chalk({ level: options.color ? 1 : 0 });
  const t = fleet.totals;
  const out: string[] = [];
  out.push(
    c.bold(`rdma-probe ${fleet.tool.version} fleet report`) +
      ` · ${plural(t.hosts, 'host')} · ${plural(t.gpus, 'GPU')} · ${t.capableGpus} RDMA-capable` +
      ` · ${plural(fleet.problems.length, 'problem')}` +
      (t.staleHosts > 0 ? ` · ${t.staleHosts} stale` : '') +
      (t.futureHosts > 0 ? ` · ${t.futureHosts} from the future` : ''),
  );
  out.push(
    `Read ${plural(fleet.inputs.sources, 'input')}, ${plural(fleet.inputs.documents, 'document')}. ` +
      `Hosts with an RDMA-capable GPU: ${t.hostsWithCapableGpu}. ` +
      `Host readiness: ${t.hostsReady} ready, ${t.hostsNotReady} not ready, ${t.hostsReadinessUnknown} unknown.`,
  );

  if (fleet.byReason.length > 0) {
    out.push('', c.bold('By reason'));
    out.push(
      ...columns(
        ['Source', 'Reason', 'GPUs', 'Hosts'],
        fleet.byReason.map((r) => [r.source, r.code, String(r.gpus), String(r.hosts)]),
        [false, false, true, true],
      ),
    );
  }
  if (fleet.byDriverVersion.length > 0) {
    out.push('', c.bold('By driver version'));
    out.push(
      ...columns(
        ['Vendor', 'Driver', 'Version', 'Hosts', 'GPUs'],
        fleet.byDriverVersion.map((d) => [
          d.vendor,
          d.driverName ?? '-',
          d.driverVersion,
          String(d.hosts),
          String(d.gpus),
        ]),
        [false, false, false, true, true],
      ),
    );
  }
  const b = fleet.budget;
  out.push(
    '',
    c.bold('Budget totals'),
    `  device-local heaps   ${formatBytes(b.deviceLocalHeapBytes)}`,
    `  their budget         ${formatBytes(b.deviceLocalBudgetBytes)} (${b.gpusWithBudget} GPUs report one, ${b.gpusWithoutBudget} do not)`,
    `  RDMA-capable heaps   ${formatBytes(b.rdmaHeapBudgetBytes)} of budget on capable GPUs`,
  );
  if (fleet.schemaVersions.length > 0) {
    const list = fleet.schemaVersions.map((s) => `${s.schemaVersion} (${plural(s.hosts, 'host')})`);
    out.push('', `Schema versions: ${list.join(', ')}`);
  }
  if (fleet.flags.length > 0) {
    out.push('', c.bold(c.yellow('Flags')));
    for (const flag of fleet.flags) out.push(`  ${c.yellow('!')} ${flag.code}: ${flag.message}`);
  }
  const aged = fleet.hosts.filter((h) => h.freshness !== 'current');
  if (aged.length > 0) {
    const max = options.maxAgedHosts ?? 50;
    const limit =
      fleet.inputs.maxAgeMs === null
        ? '--max-age off'
        : `--max-age ${formatAge(fleet.inputs.maxAgeMs)}`;
    out.push('', c.bold(c.yellow(`Stale or future reports (${aged.length}; ${limit})`)));
    out.push(
      ...columns(
        ['Host', 'State', 'Generated at', 'Age', 'Source'],
        aged
          .slice(0, max)
          .map((h) => [
            h.hostname,
            h.freshness,
            h.generatedAt,
            h.ageMs < 0 ? `${formatAge(h.ageMs)} ahead` : formatAge(h.ageMs),
            h.source,
          ]),
        [false, false, false, false, false],
      ),
    );
    if (aged.length > max) {
      out.push(`  ... and ${aged.length - max} more (report --json marks every host's freshness)`);
    }
  }
  if (fleet.problems.length > 0) {
    const max = options.maxProblems ?? 50;
    out.push('', c.bold(c.red(`Problems (${fleet.problems.length})`)));
    for (const p of fleet.problems.slice(0, max)) {
      const where = p.line === null ? p.source : `${p.source}:${p.line}`;
      out.push(`  ${where}: ${p.code}: ${p.message}`);
    }
    if (fleet.problems.length > max) {
      out.push(`  ... and ${fleet.problems.length - max} more (report --json lists them all)`);
    }
  }
  return `${out.join('\n')}\n`;
}

/** Plain aligned columns, two spaces apart: easy to read, grep and diff. */
function columns(head: string[], rows: string[][], right: boolean[]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    `  ${cells.map((cell, i) => (right[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ')}`.trimEnd();
  return [line(head), ...rows.map(line)];
}
