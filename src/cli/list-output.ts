/**
 * `list`'s output formats and where they go. Renderers are loaded on demand: each costs
 * startup time that only its own format should pay.
 */
import { UsageError } from '../errors.js';
import type { ProbeReport } from '../report.js';
import type { CliIo } from './main.js';

export const LIST_FORMATS = ['table', 'json', 'ndjson', 'nfd', 'prometheus'] as const;
export type ListFormat = (typeof LIST_FORMATS)[number];

export interface FormatFlags {
  format?: string;
  json?: boolean;
  ndjson?: boolean;
}

/** --json and --ndjson are short for --format json / ndjson; two different ones conflict. */
export function resolveListFormat(flags: FormatFlags): ListFormat {
  const asked = new Set<string>();
  if (flags.format !== undefined) asked.add(flags.format);
  if (flags.json) asked.add('json');
  if (flags.ndjson) asked.add('ndjson');
  if (asked.size > 1) {
    throw new UsageError(`choose one output format (got ${[...asked].join(', ')})`);
  }
  const format = [...asked][0] ?? 'table';
  if (!(LIST_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`--format '${format}' is not one of ${LIST_FORMATS.join(', ')}`);
  }
  return format as ListFormat;
}

export interface RenderListOptions {
  color: boolean;
  verbose: boolean;
  /** NFD: labels expire this long after the run. */
  nfdExpiryMs: number;
}

export async function renderList(
  report: ProbeReport,
  format: ListFormat,
  options: RenderListOptions,
): Promise<string> {
  switch (format) {
    case 'table':
      return (await import('../render/table.js')).renderTable(report, options);
    case 'json':
      return (await import('../render/json.js')).renderJson(report);
    case 'ndjson':
      return (await import('../render/ndjson.js')).renderNdjson(report);
    case 'nfd': {
      const expiresAt = new Date(Date.parse(report.generatedAt) + options.nfdExpiryMs);
      return (await import('../render/nfd.js')).renderNfd(report, { expiresAt });
    }
    case 'prometheus':
      return (await import('../render/prometheus.js')).renderPrometheus(report);
  }
}

/** To --output FILE (atomically) or to stdout. */
export async function deliver(io: CliIo, output: string | undefined, text: string): Promise<void> {
  if (output === undefined || output === '-') {
    io.stdout.write(text);
    return;
  }
  (await import('../output/atomic-write.js')).writeFileAtomic(output, text);
}

const DURATION_UNITS: Record<string, number> = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 };

/** "90s", "30m", "24h", "7d" -> milliseconds. */
export function parseDuration(text: string, flag: string): number {
  const match = /^\s*(\d+)\s*([smhd])\s*$/i.exec(text);
  const ms = match ? Number(match[1]) * DURATION_UNITS[match[2]!.toLowerCase()]! : 0;
  if (!match || ms <= 0) {
    throw new UsageError(`${flag} '${text}' is not a duration (examples: 90s, 30m, 24h, 7d)`);
  }
  return ms;
}
