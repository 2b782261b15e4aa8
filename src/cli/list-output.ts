/**
 * `list`'s output formats and where they go. Renderers are loaded on demand: each costs
 * startup time that only its own format should pay.
 */
import { InvalidArgumentError } from 'commander';
import { UsageError } from '../errors.js';
import type { ListReport } from '../list-report.js';
import type { CliIo } from './io.js';

export const LIST_FORMATS = ['table', 'json', 'ndjson', 'nfd', 'prometheus'] as const;
export type ListFormat = (typeof LIST_FORMATS)[number];

export interface FormatFlags {
  /** Every --format given, in order (see collectFormat). */
  format?: string[];
  json?: boolean;
  ndjson?: boolean;
}

/**
 * Commander's parser for --format: checks the choice and keeps every value given, because
 * by default commander keeps only the last one and `--format json --format nfd` would
 * silently mean nfd.
 */
export function collectFormat(value: string, previous: string[] | undefined): string[] {
  if (!(LIST_FORMATS as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`Allowed choices are ${LIST_FORMATS.join(', ')}.`);
  }
  return [...(previous ?? []), value];
}

/**
 * --json and --ndjson are short for --format json / ndjson; two different formats conflict,
 * however they were asked for.
 */
export function resolveListFormat(flags: FormatFlags): ListFormat {
  const asked = new Set<string>(flags.format ?? []);
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
  report: ListReport,
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

/** To --output FILE (atomically; `output` is its name as bytes) or, when null, to stdout. */
export async function deliver(io: CliIo, output: Buffer | null, text: string): Promise<void> {
  if (output === null) {
    io.stdout.write(text);
    return;
  }
  (await import('../output/atomic-write.js')).writeFileAtomic(output, text);
}

/** Refuses a bad --output target (a device, a FIFO, a folder...) before the probe runs. */
export async function checkOutput(output: Buffer | null): Promise<void> {
  if (output !== null) (await import('../output/atomic-write.js')).checkOutputTarget(output);
}

const DURATION_UNITS: Record<string, number> = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 };

/**
 * The longest --nfd-expiry: ten years. Anything longer is surely a typo, and a bound keeps
 * the expiry date within the four-digit years RFC 3339 (and NFD's Go parser) can hold.
 */
export const MAX_NFD_EXPIRY = { text: '3650d', ms: 3650 * 86400e3 } as const;

/** The longest report --max-age: ten years too, past which it is surely a typo. */
export const MAX_REPORT_AGE = { text: '3650d', ms: 3650 * 86400e3 } as const;

/** "90s", "30m", "24h", "7d" -> milliseconds, at most `max`. */
export function parseDuration(
  text: string,
  flag: string,
  max: { text: string; ms: number } = MAX_NFD_EXPIRY,
): number {
  const match = /^\s*(\d+)\s*([smhd])\s*$/i.exec(text);
  const ms = match ? Number(match[1]) * DURATION_UNITS[match[2]!.toLowerCase()]! : 0;
  if (!match || ms <= 0) {
    throw new UsageError(`${flag} '${text}' is not a duration (examples: 90s, 30m, 24h, 7d)`);
  }
  if (ms > max.ms) {
    throw new UsageError(`${flag} '${text}' is longer than ${max.text}, the most allowed`);
  }
  return ms;
}
