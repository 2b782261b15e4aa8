/**
 * Turns one parsed document (a `list --json` report or a `list --ndjson` line) into the
 * little the fleet report needs, checking the shape as it goes: input from other hosts
 * is untrusted, and anything unexpected is a problem to report, not a crash.
 *
 * Every field is read through an accessor typed by the published JSON types
 * (src/list-report.ts): a document is an Unchecked<ListReportJson>, whose keys are the
 * type's own and whose values are unknown until checked. A field renamed or removed in the
 * list report is then a compile error here, not a fleet report that silently reads nothing.
 */
import { topologyOf } from '../gpu-view.js';
import type {
  GpuReportJson,
  GpuTopologyJson,
  HostReportJson,
  ListReportJson,
  ListReportLine,
  MemoryHeapReport,
  MemoryReport,
  RdmaMemoryType,
} from '../list-report.js';

/** One host as the fleet report counts it. */
export interface HostEntry {
  hostname: string;
  source: string;
  line: number | null;
  generatedAt: string;
  /** generatedAt as milliseconds, for keeping the newest of duplicates. */
  time: number;
  schemaVersion: number;
  toolVersion: string;
  /** null for reports that carry no readiness block. */
  ready: boolean | null;
  /** Host-wide readiness issue codes: they apply to each of its GPUs. */
  hostIssues: string[];
  gpus: EntryGpu[];
}

export interface EntryGpu {
  index: number;
  vendor: string;
  driverName: string | null;
  driverVersion: string;
  capable: boolean;
  reasons: string[];
  /** This GPU's own placement issues (host-wide ones are on the host). */
  placementIssues: string[];
  deviceLocalHeapBytes: number;
  deviceLocalBudgetBytes: number | null;
  rdmaHeapBudgetBytes: number | null;
}

export type ParsedDocument =
  | { kind: 'list-report'; entry: HostEntry }
  | { kind: 'ndjson-line'; entry: HostEntry }
  | { kind: 'problem'; code: 'not-a-report' | 'invalid-report'; message: string };

/**
 * A JSON object not yet checked against T: T's keys, each value unknown. (Arrays and
 * primitives in T are checked where they are read; only objects are walked into.)
 */
type Unchecked<T> = { readonly [K in keyof T]?: unknown };
/** The object type of T's key K, unchecked: what object(parent, K) hands back. */
type Inner<T, K extends keyof T> = Unchecked<NonNullable<T[K]>>;
/** A document: a list report or an NDJSON line, told apart by "kind". */
type Document = Unchecked<ListReportJson> & Unchecked<ListReportLine>;
type GpuJson = Unchecked<GpuReportJson>;

class ShapeError extends Error {}

/**
 * The longest string kept (hostnames, names, versions, codes): Vulkan's own names are at
 * most 255 bytes, hostnames 253. Longer is not something rdma-probe wrote.
 */
const MAX_TEXT = 256;
/** The most reason or issue codes in one list: rdma-probe has about a dozen. */
const MAX_CODES = 64;

export function readDocument(doc: unknown, source: string, line: number | null): ParsedDocument {
  if (!isObject<Document>(doc)) {
    return notAReport(`a JSON ${Array.isArray(doc) ? 'array' : typeof doc}`);
  }
  if (doc.kind === 'fleet-report') return notAReport('a fleet report (report --json output)');
  const tool = doc.tool;
  if (
    !isObject<ListReportJson['tool']>(tool) ||
    tool.name !== 'rdma-probe' ||
    typeof doc.schemaVersion !== 'number'
  ) {
    return notAReport('a JSON document without rdma-probe\'s "tool" and "schemaVersion"');
  }
  try {
    const base = {
      source,
      line,
      schemaVersion: integer(doc, 'schemaVersion', 1),
      toolVersion: string(tool, 'version'),
      ...timeOf(doc),
      ...hostOf(object(doc, 'host')),
    };
    if (doc.kind === 'gpu') {
      const line = doc as Unchecked<ListReportLine>;
      const topology = line.topology;
      const gpu = gpuOf(object(line, 'gpu'), isObject<GpuTopologyJson>(topology) ? topology : null);
      return { kind: 'ndjson-line', entry: { ...base, gpus: [gpu] } };
    }
    const report = doc as Unchecked<ListReportJson>;
    const host = object(report, 'host');
    const topologies = Array.isArray(host.gpuTopology)
      ? host.gpuTopology.filter((topology) => isObject<GpuTopologyJson>(topology))
      : [];
    const gpus = array(report, 'gpus').map((gpu, i) => {
      if (!isObject<GpuReportJson>(gpu)) throw new ShapeError(`gpus[${i}] is not an object`);
      try {
        return gpuOf(gpu, topologyOf(topologies, gpu.index));
      } catch (error) {
        if (error instanceof ShapeError) throw new ShapeError(`gpus[${i}]: ${error.message}`);
        throw error;
      }
    });
    return { kind: 'list-report', entry: { ...base, gpus } };
  } catch (error) {
    if (!(error instanceof ShapeError)) throw error;
    return { kind: 'problem', code: 'invalid-report', message: error.message };
  }
}

function notAReport(what: string): ParsedDocument {
  return { kind: 'problem', code: 'not-a-report', message: `not an rdma-probe report: ${what}` };
}

/** The last generatedAt read and its time: the NDJSON lines of one host all repeat it. */
let lastTime = { generatedAt: '', time: Number.NaN };

function timeOf(doc: Document): { generatedAt: string; time: number } {
  const generatedAt = string(doc, 'generatedAt');
  if (generatedAt !== lastTime.generatedAt) {
    lastTime = { generatedAt, time: Date.parse(generatedAt) };
  }
  if (Number.isNaN(lastTime.time)) throw new ShapeError('"generatedAt" is not a date');
  return { generatedAt, time: lastTime.time };
}

function hostOf(
  host: Unchecked<HostReportJson>,
): Pick<HostEntry, 'hostname' | 'ready' | 'hostIssues'> {
  const hostname = string(host, 'hostname');
  if (hostname === '') throw new ShapeError('host.hostname is empty');
  const readiness = host.readiness;
  if (!isObject<HostReportJson['readiness']>(readiness)) {
    return { hostname, ready: null, hostIssues: [] };
  }
  const ready = readiness.ready;
  return {
    hostname,
    ready: typeof ready === 'boolean' ? ready : null,
    hostIssues: codes(readiness.issues, 'host.readiness.issues'),
  };
}

function gpuOf(gpu: GpuJson, topology: Unchecked<GpuTopologyJson> | null): EntryGpu {
  const identity = object(gpu, 'identity');
  const verdict = object(gpu, 'verdict');
  const rdma = verdict.rdma;
  if (rdma !== 'capable' && rdma !== 'not-capable') {
    throw new ShapeError('verdict.rdma is not "capable" or "not-capable"');
  }
  const driverName = identity.driverName;
  if (driverName !== null && driverName !== undefined && typeof driverName !== 'string') {
    throw new ShapeError('identity.driverName is not a string or null');
  }
  return {
    index: integer(gpu, 'index', 0),
    vendor: string(identity, 'vendor'),
    driverName: typeof driverName === 'string' ? text(driverName, 'identity.driverName') : null,
    driverVersion: string(identity, 'driverVersion'),
    capable: rdma === 'capable',
    reasons: codes(verdict.reasons, 'verdict.reasons'),
    placementIssues: codes(topology?.issues, 'host.gpuTopology[].issues'),
    ...budgetOf(gpu, rdma === 'capable'),
  };
}

/**
 * The GPU's memory totals. Sizes and budgets must be whole, non-negative byte counts a
 * double holds exactly: a string, a negative size, 1e400 (Infinity once parsed) or a sum
 * past 2^53 is this input's problem, never counted as 0 or summed into nonsense.
 */
function budgetOf(
  gpu: GpuJson,
  capable: boolean,
): Pick<EntryGpu, 'deviceLocalHeapBytes' | 'deviceLocalBudgetBytes' | 'rdmaHeapBudgetBytes'> {
  const memory = gpu.memory;
  const heaps = isObject<MemoryReport>(memory) ? array(memory, 'heaps', 'memory.heaps') : [];
  let size = 0;
  let budget: number | null = null;
  heaps.forEach((heap, i) => {
    const where = `memory.heaps[${i}]`;
    if (!isObject<MemoryHeapReport>(heap)) throw new ShapeError(`${where} is not an object`);
    if (!Array.isArray(heap.flags) || !heap.flags.includes('DEVICE_LOCAL')) return;
    size = sum(size, bytes(heap, 'size', `${where}.size`), 'DEVICE_LOCAL heap sizes');
    const heapBudget = bytesOrNull(heap, 'budget', `${where}.budget`);
    if (heapBudget !== null) budget = sum(budget ?? 0, heapBudget, 'DEVICE_LOCAL heap budgets');
  });
  let rdmaBudget: number | null = null;
  if (capable && Array.isArray(gpu.rdmaMemoryTypes)) {
    const seen = new Set<unknown>();
    gpu.rdmaMemoryTypes.forEach((type: unknown, i: number) => {
      if (!isObject<RdmaMemoryType>(type)) {
        throw new ShapeError(`rdmaMemoryTypes[${i}] is not an object`);
      }
      const heapBudget = bytesOrNull(type, 'heapBudget', `rdmaMemoryTypes[${i}].heapBudget`);
      if (seen.has(type.heapIndex) || heapBudget === null) return;
      seen.add(type.heapIndex);
      rdmaBudget = sum(rdmaBudget ?? 0, heapBudget, 'RDMA heap budgets');
    });
  }
  return {
    deviceLocalHeapBytes: size,
    deviceLocalBudgetBytes: budget,
    rdmaHeapBudgetBytes: rdmaBudget,
  };
}

/** A byte count: a safe, non-negative integer. */
function bytes<T>(parent: Unchecked<T>, key: keyof T & string, where: string): number {
  const value = parent[key];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new ShapeError(`${where} is missing or not a whole number of bytes below 2^53`);
  }
  return value;
}

/** A byte count, or null (or absent) for "not known". */
function bytesOrNull<T>(parent: Unchecked<T>, key: keyof T & string, where: string): number | null {
  return parent[key] === null || parent[key] === undefined ? null : bytes(parent, key, where);
}

function sum(total: number, value: number, what: string): number {
  const result = total + value;
  if (!Number.isSafeInteger(result)) {
    throw new ShapeError(`the ${what} of one GPU add up past 2^53 bytes`);
  }
  return result;
}

/** The codes of a list of { code, message } (reasons, issues), bounded. */
function codes(list: unknown, where: string): string[] {
  if (!Array.isArray(list)) return [];
  if (list.length > MAX_CODES) throw new ShapeError(`${where} holds more than ${MAX_CODES} items`);
  // A loop, not flatMap: this runs for every list of every document (a fifth of the time
  // `report` spent outside JSON.parse).
  const found: string[] = [];
  for (const item of list) {
    if (isObject<{ code: string }>(item) && typeof item.code === 'string') {
      found.push(text(item.code, `a code in ${where}`));
    }
  }
  return found;
}

/** A JSON object, to be read as an unchecked T. */
function isObject<T>(value: unknown): value is Unchecked<T> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function object<T, K extends keyof T & string>(parent: Unchecked<T>, key: K): Inner<T, K> {
  const value = parent[key];
  if (!isObject<NonNullable<T[K]>>(value)) {
    throw new ShapeError(`"${key}" is missing or not an object`);
  }
  return value;
}

function array<T, K extends keyof T & string>(
  parent: Unchecked<T>,
  key: K,
  where = `"${key}"`,
): unknown[] {
  const value = parent[key];
  if (!Array.isArray(value)) throw new ShapeError(`${where} is missing or not an array`);
  return value;
}

function string<T>(parent: Unchecked<T>, key: keyof T & string): string {
  const value = parent[key];
  if (typeof value !== 'string') throw new ShapeError(`"${key}" is missing or not a string`);
  return text(value, `"${key}"`);
}

/** Bounded, so that no input can make a table cell or the memory kept per host huge. */
function text(value: string, where: string): string {
  if (value.length > MAX_TEXT)
    throw new ShapeError(`${where} is longer than ${MAX_TEXT} characters`);
  return value;
}

/** A safe integer of at least `min`: 1e300 parses as an integer too. */
function integer<T>(parent: Unchecked<T>, key: keyof T & string, min: number): number {
  const value = parent[key];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new ShapeError(`"${key}" is missing or not a whole number of at least ${min}`);
  }
  return value;
}
