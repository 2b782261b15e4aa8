/**
 * The command line's options: what commander hands each command, and every parser that
 * turns a value into what the commands use. All of them are here, so a value is checked
 * once, the same way wherever it is accepted, and a bad one is a usage error whose message
 * names the option as the user typed it. The layers below never name an option: the
 * device selector carries the words its messages use (DeviceSelector.label).
 */
import { InvalidArgumentError } from 'commander';
import type { CheckRules } from '../check/judge.js';
import { parseVersion, type VersionParts } from '../check/version.js';
import { UsageError } from '../errors.js';
import { formatPciBusId, parsePciAddress } from '../pci-address.js';
import type { DeviceSelector } from '../probe/select.js';
import { rawOptionValue } from './argv-bytes.js';

/** `list`'s options as commander parses them. */
export interface ListOptions {
  json?: boolean;
  ndjson?: boolean;
  /** Every --format given, in order (see collectFormat). */
  format?: string[];
  output?: string;
  nfdExpiry: string;
  verbose?: boolean;
  device?: string;
  alloc?: string | true;
  validate?: boolean;
  color?: boolean;
}

/** `report`'s options as commander parses them. */
export interface ReportOptions {
  json?: boolean;
  color?: boolean;
  /** A duration, or off (or a zero one): see parseMaxAge. */
  maxAge: string;
}

/** `check`'s options as commander parses them. */
export interface CheckOptions {
  device?: string;
  gpus?: string;
  hostReady?: boolean;
  alloc?: string | true;
  minDriver?: string;
  validate?: boolean;
  json?: boolean;
}

/** `list`'s options, checked. */
export interface ListSettings {
  /** --output's file name as bytes; null for stdout. */
  output: Buffer | null;
  device: DeviceSelector | null;
  /** --alloc: the bytes to allocate on each capable GPU; null for no allocation. */
  allocateBytes: bigint | null;
  format: ListFormat;
  nfdExpiryMs: number;
  verbose: boolean;
  validate: boolean;
  /** false for --no-color; undefined leaves it to the environment. */
  color: boolean | undefined;
}

/**
 * @param args the user's arguments as Node decoded them, and `argvBytes` the same as bytes
 *   when known: an --output name that is not UTF-8 is taken from them (see outputName)
 */
export function parseListOptions(
  options: ListOptions,
  args: readonly string[],
  argvBytes: readonly Buffer[] | null,
): ListSettings {
  return {
    output: outputName(options.output, args, argvBytes),
    device: options.device !== undefined ? parseDeviceOption(options.device) : null,
    allocateBytes: parseAllocOption(options.alloc),
    format: resolveListFormat(options),
    nfdExpiryMs: parseDuration(options.nfdExpiry, '--nfd-expiry', MAX_NFD_EXPIRY),
    verbose: options.verbose === true,
    validate: options.validate === true,
    color: options.color,
  };
}

export function parseCheckRules(options: CheckOptions): CheckRules {
  return {
    device: options.device !== undefined ? parseDeviceOption(options.device) : null,
    gpuCount: options.gpus !== undefined ? parseGpuCount(options.gpus) : null,
    minDriver: options.minDriver !== undefined ? parseMinDriver(options.minDriver) : null,
    hostReady: options.hostReady === true,
    allocateBytes: parseAllocOption(options.alloc),
  };
}

// --device <index|uuid|pci>

const UUID_HEX =
  /^(?:gpu-)?([0-9a-f]{8})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{12})$/;

/** A GPU index, a UUID (with or without GPU-, dashes optional) or a PCI address, any case. */
export function parseDeviceOption(text: string): DeviceSelector {
  const named = { text, label: `--device '${text}'` };
  const value = text.trim().toLowerCase();
  if (/^\d+$/.test(value)) return { kind: 'index', index: Number(value), ...named };
  const uuid = UUID_HEX.exec(value);
  if (uuid) return { kind: 'uuid', uuid: uuid.slice(1).join('-'), ...named };
  const pci = parsePciAddress(value);
  if (pci) return { kind: 'pci', busId: formatPciBusId(pci), ...named };
  throw new UsageError(
    `--device '${text}' is not a GPU index, a UUID (with or without GPU-) or a PCI bus ID in any case (00000000:4F:00.0, 0000:4f:00.0, 4F:00.0)`,
  );
}

// --alloc[=SIZE]

export const DEFAULT_ALLOC_BYTES = 1n << 20n;
/** Larger than any GPU heap today; beyond it a size is a typo, not a request. */
export const MAX_ALLOC_BYTES = 1n << 40n;

/** null when --alloc is absent; its default size when given without one. */
export function parseAllocOption(value: string | true | undefined): bigint | null {
  if (value === undefined) return null;
  return value === true ? DEFAULT_ALLOC_BYTES : parseSize(value);
}

/** Binary units (KiB... and the bare K, M, G, T) are powers of 1024; KB, MB... of 1000. */
const SIZE_MULTIPLIERS: Record<string, bigint> = {
  '': 1n,
  b: 1n,
  k: 1n << 10n,
  kib: 1n << 10n,
  kb: 1000n,
  m: 1n << 20n,
  mib: 1n << 20n,
  mb: 1000n ** 2n,
  g: 1n << 30n,
  gib: 1n << 30n,
  gb: 1000n ** 3n,
  t: 1n << 40n,
  tib: 1n << 40n,
  tb: 1000n ** 4n,
};

/** --alloc's SIZE: bytes, or a number (a fraction too) with a unit. */
export function parseSize(text: string): bigint {
  const match = /^\s*(\d+)(?:\.(\d+))?\s*([a-z]*)\s*$/i.exec(text);
  const multiplier = match ? SIZE_MULTIPLIERS[match[3]!.toLowerCase()] : undefined;
  if (!match || multiplier === undefined) {
    throw new UsageError(
      `--alloc size '${text}' is not a size (examples: 4096, 64KiB, 1MiB, 2GiB)`,
    );
  }
  const fraction = match[2] ?? '';
  const scale = 10n ** BigInt(fraction.length);
  const scaled = BigInt(match[1]! + fraction) * multiplier;
  if (scaled % scale !== 0n) {
    throw new UsageError(`--alloc size '${text}' is not a whole number of bytes`);
  }
  const bytes = scaled / scale;
  if (bytes === 0n) throw new UsageError('--alloc size must be greater than zero');
  if (bytes > MAX_ALLOC_BYTES) {
    throw new UsageError(`--alloc size '${text}' is larger than the 1 TiB rdma-probe accepts`);
  }
  return bytes;
}

// Durations: --nfd-expiry, --max-age

const DURATION_UNITS: Record<string, number> = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 };

export interface DurationLimit {
  text: string;
  ms: number;
}

/**
 * The longest --nfd-expiry: ten years. Anything longer is surely a typo, and a bound keeps
 * the expiry date within the four-digit years RFC 3339 (and NFD's Go parser) can hold.
 */
export const MAX_NFD_EXPIRY: DurationLimit = { text: '3650d', ms: 3650 * 86400e3 };

/** The longest report --max-age: ten years too, past which it is surely a typo. */
export const MAX_REPORT_AGE: DurationLimit = { text: '3650d', ms: 3650 * 86400e3 };

/** "90s", "30m", "24h", "7d" -> milliseconds, more than zero and at most `max`. */
export function parseDuration(text: string, option: string, max: DurationLimit): number {
  const match = /^\s*(\d+)\s*([smhd])\s*$/i.exec(text);
  const ms = match ? Number(match[1]) * DURATION_UNITS[match[2]!.toLowerCase()]! : 0;
  if (!match || ms <= 0) {
    throw new UsageError(`${option} '${text}' is not a duration (examples: 90s, 30m, 24h, 7d)`);
  }
  if (ms > max.ms) {
    throw new UsageError(`${option} '${text}' is longer than ${max.text}, the most allowed`);
  }
  return ms;
}

/** --max-age as milliseconds; null for `off` or a duration of zero (0, 0s...): none is stale. */
export function parseMaxAge(text: string): number | null {
  if (/^\s*(off|0+\s*[smhd]?)\s*$/i.test(text)) return null;
  return parseDuration(text, '--max-age', MAX_REPORT_AGE);
}

// check: --gpus N, --min-driver VERSION

/** The most GPUs --gpus accepts: the probe enumerates at most 4096. */
export const MAX_GPU_COUNT = 4096;

export function parseGpuCount(text: string): number {
  const count = /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(count) || count < 1 || count > MAX_GPU_COUNT) {
    throw new UsageError(`--gpus '${text}' is not a GPU count from 1 to ${MAX_GPU_COUNT}`);
  }
  return count;
}

export function parseMinDriver(text: string): { text: string; parts: VersionParts } {
  const trimmed = text.trim();
  const parts = parseVersion(trimmed);
  if (parts === null) {
    throw new UsageError(
      `--min-driver '${text}' is not a version: digits separated by dots (examples: 580, 575.64.05)`,
    );
  }
  return { text: trimmed, parts };
}

// list: --format, --json, --ndjson

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

// list: -o, --output FILE

const REPLACEMENT = '\uFFFD';

/**
 * The --output value as the file name to write: null for stdout ('-'), the exact bytes
 * the user typed otherwise, a usage error when empty.
 *
 * @param value what commander parsed
 * @param args the user's arguments as Node decoded them
 * @param argvBytes the same arguments as bytes, when known
 */
export function outputName(
  value: string | undefined,
  args: readonly string[],
  argvBytes: readonly Buffer[] | null,
): Buffer | null {
  if (value === undefined || value === '-') return null;
  if (value === '') throw new UsageError('--output needs a file name (or - for stdout)');
  // Only a name Node had to repair can differ from its UTF-8 encoding.
  if (!value.includes(REPLACEMENT) || argvBytes === null) return Buffer.from(value);
  const bytes = rawOptionValue(value, args, argvBytes);
  if (bytes === null) {
    throw new UsageError(
      `the --output name '${value}' is not valid UTF-8 and its bytes could not be found ` +
        'on the command line; give it as --output=NAME',
    );
  }
  return bytes;
}
