/**
 * Reads the inputs of `rdma-probe report`: files, folders (see walk-folder.ts) and stdin
 * ("-"). Every input may be broken or hostile; each problem is recorded against its
 * source and the rest is still read. Files are read by read-file.ts (regular files only,
 * capped); stdin is streamed through the splitter, so neither the time nor the memory a
 * run takes grows faster than what it reads, and both stop at the limits in types.ts.
 * Each host is kept as a summary (host-summary.ts) from the moment it is parsed: memory
 * grows with the hosts, not with the bytes read.
 */
import * as fs from 'node:fs';
import { readDocument, type ParsedDocument } from './host-entry.js';
import {
  addGpu,
  finishSummary,
  KeptHosts,
  StringPool,
  summaryOf,
  type HostSummary,
} from './host-summary.js';
import { parseJsonBytes } from './json-bytes.js';
import { LineParser } from './line-parser.js';
import { errorText, readInputFile } from './read-file.js';
import { JsonSplitter, MAX_DEPTH, soleDocumentStart, type SplitEvent } from './split-json.js';
import { DEFAULT_LIMITS, type FleetLimits, type FleetProblem } from './types.js';
import { walkFolder } from './walk-folder.js';

export interface InputRead {
  sources: number;
  documents: number;
  /** Host reports read, duplicates included; the NDJSON lines of one run count once. */
  reports: number;
  /** One per hostname (the newest; see KeptHosts), in the order hostnames were first read. */
  hosts: HostSummary[];
  problems: FleetProblem[];
  /** A duplicate-host problem for each report not kept, in the order they were read. */
  duplicates: FleetProblem[];
}

/** A document that is a host report or an NDJSON line of one. */
type ReportDocument = Exclude<ParsedDocument, { kind: 'problem' }>;

export type Stdin = AsyncIterable<Uint8Array | string>;

/** More problems than this from one input are summed up in one line. */
const PROBLEMS_LISTED_PER_SOURCE = 10;
/** Files are fed to the splitter in slices, so a file of many problems stops early. */
const SLICE_BYTES = 64 * 1024;

export async function readInputs(
  args: string[],
  stdin: Stdin | null,
  limits: FleetLimits = DEFAULT_LIMITS,
): Promise<InputRead> {
  const run = new InputRun(limits);
  for (const arg of args) {
    if (run.full) break;
    if (arg === '-') {
      if (run.seen.has('-')) continue;
      run.seen.add('-');
      await readStdin(stdin, run);
      continue;
    }
    let stats: fs.Stats;
    try {
      stats = fs.statSync(arg); // follows a link: the operator named it
    } catch (error) {
      run.result.problems.push(
        problem(arg, null, 'unreadable', `cannot read: ${errorText(error)}`),
      );
      continue;
    }
    if (stats.isDirectory()) readFolder(arg, run);
    else readFile(arg, arg, false, run);
  }
  run.result.hosts = run.kept.hosts();
  run.result.duplicates = run.kept.duplicates;
  return run.result;
}

function readFolder(folder: string, run: InputRun): void {
  const walk = walkFolder(folder);
  for (const p of walk.problems) {
    run.result.problems.push(problem(p.name, null, p.code, p.message));
  }
  // Only when nothing else explains it: links, FIFOs and unreadable folders have problems.
  if (walk.files.length === 0 && walk.problems.length === 0) {
    run.result.problems.push(
      problem(folder, null, 'no-input-files', 'no *.json or *.ndjson files in this folder'),
    );
  }
  for (const file of walk.files) {
    if (run.full) return;
    readFile(file.path, file.name, true, run);
  }
}

/** The state of one `report` run: its result, what was read already, its limits. */
class InputRun {
  readonly result: InputRead = {
    sources: 0,
    documents: 0,
    reports: 0,
    hosts: [],
    problems: [],
    duplicates: [],
  };
  readonly kept = new KeptHosts();
  readonly pool = new StringPool();
  /** Files by device and inode, and "-": each is read once. */
  readonly seen = new Set<string>();
  gpus = 0;
  /** A limit on hosts or GPUs was reached: nothing more is read. */
  full = false;

  constructor(readonly limits: FleetLimits) {}
}

function readFile(path: string | Buffer, name: string, inFolder: boolean, run: InputRun): void {
  const { limits } = run;
  const read = readInputFile(path, {
    maxBytes: limits.maxBytesPerInput,
    noFollow: inFolder,
    first: (identity) => {
      if (run.seen.has(identity)) return false;
      run.seen.add(identity);
      return true;
    },
  });
  if (read.kind === 'seen') return;
  run.result.sources++;
  const collector = new SourceCollector(name, run);
  switch (read.kind) {
    case 'not-a-file': {
      const hint = read.what.startsWith('a FIFO') ? ' (for a pipe, use - to read stdin)' : '';
      collector.problem(
        null,
        'not-a-file',
        `${read.what}, not a regular file: rdma-probe reads only regular files${hint}`,
      );
      return;
    }
    case 'unreadable':
      collector.problem(null, 'unreadable', read.message);
      return;
    case 'too-large':
      collector.problem(
        null,
        'too-large',
        `the file holds more than the ${formatCap(limits.maxBytesPerInput)} rdma-probe reads from one file; skipped`,
      );
      return;
  }
  // A `list --json` file is one document: parsed whole when it is a report (see
  // LineTaker in split-json.ts for why that needs no scan); anything else is read exactly
  // as stdin is, split first, so that it passes the splitter's depth and size checks
  // before JSON.parse sees it.
  const bytes = read.bytes;
  const sole = soleDocumentStart(bytes);
  const report = sole && collector.takeWhole(bytes.subarray(sole.start), sole.line);
  if (report) {
    collector.events([{ kind: 'taken', line: sole.line, value: report }]);
    collector.finish();
    return;
  }
  const splitter = new JsonSplitter(limits.maxBytesPerInput, collector.take);
  for (let at = 0; at < bytes.length && !collector.stopped; at += SLICE_BYTES) {
    collector.events(splitter.feed(bytes.subarray(at, at + SLICE_BYTES)));
  }
  if (!collector.stopped) collector.events(splitter.end());
  collector.finish();
}

async function readStdin(stdin: Stdin | null, run: InputRun): Promise<void> {
  run.result.sources++;
  const collector = new SourceCollector('-', run);
  if (stdin === null) {
    collector.problem(null, 'unreadable', 'no standard input');
    return;
  }
  const { maxStdinBytes, maxBytesPerInput } = run.limits;
  const splitter = new JsonSplitter(maxBytesPerInput, collector.take);
  let total = 0;
  try {
    for await (const chunk of stdin) {
      let bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      if (total + bytes.length > maxStdinBytes) {
        bytes = bytes.subarray(0, maxStdinBytes - total);
        total = maxStdinBytes + 1;
      } else {
        total += bytes.length;
      }
      collector.events(splitter.feed(bytes));
      if (total > maxStdinBytes || collector.stopped) break; // ends the stream too
    }
  } catch (error) {
    collector.problem(null, 'unreadable', `cannot read standard input: ${errorText(error)}`);
  }
  if (total > maxStdinBytes) {
    collector.problem(
      null,
      'too-large',
      `standard input holds more than the ${formatCap(maxStdinBytes)} rdma-probe reads from it; the rest was not read`,
    );
  }
  if (!collector.stopped) collector.events(splitter.end());
  collector.finish();
}

/** Turns one source's documents into host summaries and its troubles into problems. */
class SourceCollector {
  private problemCount = 0;
  private any = false;
  /** NDJSON runs by hostname and generatedAt, until the source ends. */
  private readonly lines = new Map<string, HostSummary>();
  /** Too many problems, or a run limit: the rest of this input is not read. */
  stopped = false;

  constructor(
    private readonly source: string,
    private readonly run: InputRun,
  ) {}

  /** Parses this source's NDJSON lines (see line-parser.ts for how it saves time). */
  private readonly lineParser = new LineParser();

  /**
   * The splitter's LineTaker: `bytes` parsed as one document, when that is a report or
   * an NDJSON line (anything else is left to the splitter, and parsed again there).
   */
  readonly take = (bytes: Uint8Array, line: number): ReportDocument | undefined =>
    this.reportOf(this.lineParser.parse(bytes), line);

  /** As take, for a whole file that is one document. */
  takeWhole(bytes: Uint8Array, line: number): ReportDocument | undefined {
    return this.reportOf(parseDocument(bytes), line);
  }

  private reportOf(parsed: { ok: boolean; value?: unknown }, line: number) {
    if (!parsed.ok) return undefined;
    const document = readDocument(parsed.value, this.source, line);
    return document.kind === 'problem' ? undefined : document;
  }

  events(events: SplitEvent<ReportDocument>[]): void {
    for (const event of events) {
      if (this.stopped) return;
      this.any = true;
      switch (event.kind) {
        case 'taken':
          this.run.result.documents++;
          this.add(event.value);
          break;
        case 'document': {
          const parsed = parseDocument(event.bytes);
          if (parsed.ok) this.document(parsed.value, event.line);
          else this.problem(event.line, 'not-json', parsed.message);
          break;
        }
        case 'garbage': {
          const lines =
            event.line === event.lastLine
              ? `line ${event.line} holds`
              : `lines ${event.line}-${event.lastLine} hold`;
          this.problem(event.line, 'not-json', `not JSON: ${lines} no JSON document`);
          break;
        }
        case 'too-large':
          this.problem(
            event.line,
            'too-large',
            `a document longer than the ${formatCap(this.run.limits.maxBytesPerInput)} rdma-probe reads at once; skipped`,
          );
          break;
        case 'too-deep':
          this.problem(
            event.line,
            'not-a-report',
            `not an rdma-probe report: a JSON document nested more than ${MAX_DEPTH} levels deep; skipped`,
          );
          break;
        case 'truncated':
          this.problem(
            event.line,
            'truncated',
            'the input ends inside a JSON document (truncated?)',
          );
          break;
      }
    }
  }

  /** A parsed document; a top-level array holds several. */
  document(doc: unknown, line: number): void {
    this.any = true;
    const docs = Array.isArray(doc) ? doc : [doc];
    if (docs.length === 0)
      this.problem(line, 'not-a-report', 'not an rdma-probe report: an empty JSON array');
    for (const item of docs) {
      if (this.stopped) return;
      this.run.result.documents++;
      const parsed = readDocument(item, this.source, line);
      if (parsed.kind === 'problem') this.problem(line, parsed.code, parsed.message);
      else this.add(parsed);
    }
  }

  /** A report or NDJSON line, folded into its host's summary; its GPUs are not kept. */
  private add(parsed: ReportDocument): void {
    const { entry } = parsed;
    if (parsed.kind === 'list-report') {
      if (!this.admit(entry.gpus.length, true)) return;
      const host = summaryOf(entry, this.run.pool);
      for (const gpu of entry.gpus) addGpu(host, gpu, false, this.run.pool);
      this.keep(finishSummary(host));
      return;
    }
    // NDJSON: the lines of one run (same host, same generatedAt) make one host.
    const key = `${entry.hostname}\u0000${entry.generatedAt}`;
    let host = this.lines.get(key);
    if (!this.admit(entry.gpus.length, host === undefined)) return;
    if (host === undefined) {
      host = summaryOf(entry, this.run.pool);
      this.lines.set(key, host);
    }
    for (const gpu of entry.gpus) addGpu(host, gpu, true, this.run.pool);
  }

  private keep(host: HostSummary): void {
    this.run.result.reports++;
    this.run.kept.add(host);
  }

  /** Counts a report's GPUs against the run's limits; false (and the run stops) past them. */
  private admit(gpus: number, newHost: boolean): boolean {
    const { run } = this;
    const { maxHostReports, maxGpus } = run.limits;
    const hosts = run.result.reports + this.lines.size + (newHost ? 1 : 0);
    if (hosts <= maxHostReports && run.gpus + gpus <= maxGpus) {
      run.gpus += gpus;
      return true;
    }
    run.full = true;
    this.stopped = true;
    run.result.problems.push(
      problem(
        this.source,
        null,
        'too-many-hosts',
        `rdma-probe keeps at most ${maxHostReports} host reports and ${maxGpus} GPUs; the inputs from here on were not read`,
      ),
    );
    return false;
  }

  problem(line: number | null, code: FleetProblem['code'], message: string): void {
    this.any = true;
    this.problemCount++;
    if (this.problemCount <= PROBLEMS_LISTED_PER_SOURCE) {
      this.run.result.problems.push(problem(this.source, line, code, message));
    }
    if (this.problemCount >= this.run.limits.maxProblemsPerInput) this.stopped = true;
  }

  finish(): void {
    if (!this.any) {
      const what = this.source === '-' ? 'standard input is' : 'the file is';
      this.problem(null, 'empty', `${what} empty`);
    }
    for (const host of this.lines.values()) this.keep(finishSummary(host));
    const hidden = this.problemCount - PROBLEMS_LISTED_PER_SOURCE;
    if (hidden > 0) {
      const rest = this.stopped && !this.run.full ? '; the rest of this input was not read' : '';
      this.run.result.problems.push(
        problem(
          this.source,
          null,
          'too-many-problems',
          `${hidden} more problems in this input not listed${rest}`,
        ),
      );
    }
  }
}

/**
 * One document's bytes as a value, or why not. JSON.parse's own message is not passed
 * on: it quotes the input, which may be a secret file that is not a report at all.
 */
function parseDocument(
  bytes: Uint8Array,
): { ok: true; value: unknown } | { ok: false; message: string } {
  const parsed = parseJsonBytes(bytes); // drops a leading BOM
  if (parsed.ok) return parsed;
  return {
    ok: false,
    message:
      parsed.failed === 'utf8'
        ? 'not JSON: not UTF-8 text'
        : 'not JSON: a document here does not parse',
  };
}

function problem(
  source: string,
  line: number | null,
  code: FleetProblem['code'],
  message: string,
): FleetProblem {
  return { source, line, code, message };
}

function formatCap(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes} bytes`;
}
