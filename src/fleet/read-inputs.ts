/**
 * Reads the inputs of `rdma-probe report`: files, folders (recursively, *.json and
 * *.ndjson) and stdin ("-"). Every input may be broken; each problem is recorded
 * against its source and the rest is still read.
 */
import { readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { readDocument, type HostEntry } from './host-entry.js';
import { JsonSplitter, type SplitEvent } from './split-json.js';
import { MAX_INPUT_BYTES, type FleetProblem } from './types.js';

export interface InputRead {
  sources: number;
  documents: number;
  /** Hosts as read, duplicates included; NDJSON lines of one run already merged. */
  entries: HostEntry[];
  problems: FleetProblem[];
}

export type Stdin = AsyncIterable<Uint8Array | string>;

/** More problems than this from one input are summed up in one line. */
const PROBLEMS_PER_SOURCE = 10;
const INPUT_FILE = /\.(json|ndjson)$/i;

export async function readInputs(
  args: string[],
  stdin: Stdin | null,
  maxBytes: number = MAX_INPUT_BYTES,
): Promise<InputRead> {
  const result: InputRead = { sources: 0, documents: 0, entries: [], problems: [] };
  const seen = new Set<string>();
  for (const arg of args) {
    if (arg === '-') {
      if (seen.has('-')) continue;
      seen.add('-');
      await readStdin(stdin, maxBytes, result);
      continue;
    }
    for (const file of expand(arg, result.problems)) {
      const real = attempt(() => realpathSync.native(file)) ?? file;
      if (seen.has(real)) continue;
      seen.add(real);
      readFile(file, maxBytes, result);
    }
  }
  return result;
}

/** The files an argument names: itself, or the input files below a folder, sorted. */
function expand(arg: string, problems: FleetProblem[]): string[] {
  let stats;
  try {
    stats = statSync(arg);
  } catch (error) {
    problems.push(problem(arg, null, 'unreadable', `cannot read: ${messageOf(error)}`));
    return [];
  }
  if (!stats.isDirectory()) return [arg];
  const files: string[] = [];
  walk(arg, files, new Set(), problems);
  if (files.length === 0) {
    problems.push(
      problem(arg, null, 'no-input-files', 'no *.json or *.ndjson files in this folder'),
    );
  }
  return files;
}

function walk(
  folder: string,
  files: string[],
  visited: Set<string>,
  problems: FleetProblem[],
): void {
  const real = attempt(() => realpathSync.native(folder));
  if (real === null || visited.has(real)) return; // a link loop, or gone
  visited.add(real);
  let names: string[];
  try {
    names = readdirSync(folder).sort();
  } catch (error) {
    problems.push(problem(folder, null, 'unreadable', `cannot list: ${messageOf(error)}`));
    return;
  }
  for (const name of names) {
    const full = path.join(folder, name);
    const stats = attempt(() => statSync(full));
    if (stats?.isDirectory()) walk(full, files, visited, problems);
    else if (stats?.isFile() && INPUT_FILE.test(name)) files.push(full);
  }
}

function readFile(file: string, maxBytes: number, result: InputRead): void {
  result.sources++;
  const collector = new SourceCollector(file, result, maxBytes);
  let text: string;
  try {
    const size = statSync(file).size;
    if (size > maxBytes) {
      collector.problem(
        null,
        'too-large',
        `${size} bytes is more than the ${formatCap(maxBytes)} rdma-probe reads from one file; skipped`,
      );
      return;
    }
    text = readFileSync(file, 'utf8');
  } catch (error) {
    collector.problem(null, 'unreadable', `cannot read: ${messageOf(error)}`);
    return;
  }
  if (text.trim() === '') {
    collector.problem(null, 'empty', 'the file is empty');
    return;
  }
  // Most inputs are one `list --json` document: parse it whole, and split only if that fails.
  let whole: unknown;
  try {
    whole = JSON.parse(text);
  } catch {
    const splitter = new JsonSplitter(maxBytes);
    collector.events([...splitter.feed(text), ...splitter.end()]);
    collector.finish();
    return;
  }
  collector.document(whole, 1);
  collector.finish();
}

async function readStdin(stdin: Stdin | null, maxBytes: number, result: InputRead): Promise<void> {
  result.sources++;
  const collector = new SourceCollector('-', result, maxBytes);
  if (stdin === null) {
    collector.problem(null, 'unreadable', 'no standard input');
    return;
  }
  const splitter = new JsonSplitter(maxBytes);
  const decoder = new TextDecoder();
  let any = false;
  try {
    for await (const chunk of stdin) {
      const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
      if (text.trim() !== '') any = true;
      collector.events(splitter.feed(text));
    }
    collector.events([...splitter.feed(decoder.decode()), ...splitter.end()]);
  } catch (error) {
    collector.problem(null, 'unreadable', `cannot read standard input: ${messageOf(error)}`);
  }
  if (!any) collector.problem(null, 'empty', 'standard input is empty');
  collector.finish();
}

/** Turns one source's documents into host entries and its troubles into problems. */
class SourceCollector {
  private problemCount = 0;
  private readonly lines = new Map<string, HostEntry>();

  constructor(
    private readonly source: string,
    private readonly result: InputRead,
    private readonly maxBytes: number,
  ) {}

  events(events: SplitEvent[]): void {
    for (const event of events) {
      switch (event.kind) {
        case 'document': {
          let doc: unknown;
          try {
            doc = JSON.parse(event.text);
          } catch (error) {
            this.problem(event.line, 'not-json', `not JSON: ${messageOf(error)}`);
            break;
          }
          this.document(doc, event.line);
          break;
        }
        case 'garbage':
          this.problem(
            event.line,
            'not-json',
            `not JSON: ${JSON.stringify(event.text.slice(0, 60))}`,
          );
          break;
        case 'too-large':
          this.problem(
            event.line,
            'too-large',
            `a document of ${event.bytes}+ characters is more than the ${formatCap(this.maxBytes)} rdma-probe reads at once; skipped`,
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
    const docs = Array.isArray(doc) ? doc : [doc];
    for (const item of docs) {
      this.result.documents++;
      const parsed = readDocument(item, this.source, line);
      if (parsed.kind === 'problem') {
        this.problem(line, parsed.code, parsed.message);
      } else if (parsed.kind === 'report') {
        this.result.entries.push(parsed.entry);
      } else {
        // NDJSON: the lines of one run (same host, same generatedAt) make one host.
        const key = `${parsed.entry.hostname}\u0000${parsed.entry.generatedAt}`;
        const run = this.lines.get(key);
        if (run) run.gpus.push(...parsed.entry.gpus);
        else this.lines.set(key, parsed.entry);
      }
    }
  }

  problem(line: number | null, code: FleetProblem['code'], message: string): void {
    this.problemCount++;
    if (this.problemCount <= PROBLEMS_PER_SOURCE) {
      this.result.problems.push(problem(this.source, line, code, message));
    }
  }

  finish(): void {
    for (const entry of this.lines.values()) {
      entry.gpus.sort((a, b) => a.index - b.index);
      this.result.entries.push(entry);
    }
    const hidden = this.problemCount - PROBLEMS_PER_SOURCE;
    if (hidden > 0) {
      this.result.problems.push(
        problem(
          this.source,
          null,
          'too-many-problems',
          `${hidden} more problems in this input not listed`,
        ),
      );
    }
  }
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

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function attempt<T>(read: () => T): T | null {
  try {
    return read();
  } catch {
    return null;
  }
}
