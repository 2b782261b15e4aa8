/**
 * Turns one parsed document (a `list --json` report or a `list --ndjson` line) into the
 * little the fleet report needs, checking the shape as it goes: input from other hosts
 * is untrusted, and anything unexpected is a problem to report, not a crash.
 */

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
  | { kind: 'report'; entry: HostEntry }
  | { kind: 'line'; entry: HostEntry }
  | { kind: 'problem'; code: 'not-a-report' | 'invalid-report'; message: string };

type Json = Record<string, unknown>;

class ShapeError extends Error {}

export function readDocument(doc: unknown, source: string, line: number | null): ParsedDocument {
  if (!isObject(doc)) return notAReport(`a JSON ${Array.isArray(doc) ? 'array' : typeof doc}`);
  if (doc['kind'] === 'fleet-report') return notAReport('a fleet report (report --json output)');
  const tool = doc['tool'];
  if (
    !isObject(tool) ||
    tool['name'] !== 'rdma-probe' ||
    typeof doc['schemaVersion'] !== 'number'
  ) {
    return notAReport('a JSON document without rdma-probe\'s "tool" and "schemaVersion"');
  }
  try {
    const base = {
      source,
      line,
      schemaVersion: integer(doc, 'schemaVersion'),
      toolVersion: string(tool, 'version'),
      ...timeOf(doc),
      ...hostOf(object(doc, 'host')),
    };
    if (doc['kind'] === 'gpu') {
      const topology = doc['topology'];
      const gpu = gpuOf(object(doc, 'gpu'), isObject(topology) ? topology : null);
      return { kind: 'line', entry: { ...base, gpus: [gpu] } };
    }
    const host = object(doc, 'host');
    const topologies = Array.isArray(host['gpuTopology'])
      ? host['gpuTopology'].filter(isObject)
      : [];
    const gpus = array(doc, 'gpus').map((gpu, i) => {
      if (!isObject(gpu)) throw new ShapeError(`gpus[${i}] is not an object`);
      const index = gpu['index'];
      return gpuOf(gpu, topologies.find((t) => t['gpuIndex'] === index) ?? null);
    });
    return { kind: 'report', entry: { ...base, gpus } };
  } catch (error) {
    if (!(error instanceof ShapeError)) throw error;
    return { kind: 'problem', code: 'invalid-report', message: error.message };
  }
}

function notAReport(what: string): ParsedDocument {
  return { kind: 'problem', code: 'not-a-report', message: `not an rdma-probe report: ${what}` };
}

function timeOf(doc: Json): { generatedAt: string; time: number } {
  const generatedAt = string(doc, 'generatedAt');
  const time = Date.parse(generatedAt);
  if (Number.isNaN(time)) throw new ShapeError(`generatedAt '${generatedAt}' is not a date`);
  return { generatedAt, time };
}

function hostOf(host: Json): Pick<HostEntry, 'hostname' | 'ready' | 'hostIssues'> {
  const hostname = string(host, 'hostname');
  if (hostname === '') throw new ShapeError('host.hostname is empty');
  const readiness = host['readiness'];
  if (!isObject(readiness)) return { hostname, ready: null, hostIssues: [] };
  const ready = readiness['ready'];
  return {
    hostname,
    ready: typeof ready === 'boolean' ? ready : null,
    hostIssues: codes(readiness['issues']),
  };
}

function gpuOf(gpu: Json, topology: Json | null): EntryGpu {
  const identity = object(gpu, 'identity');
  const verdict = object(gpu, 'verdict');
  const rdma = verdict['rdma'];
  if (rdma !== 'capable' && rdma !== 'not-capable') {
    throw new ShapeError(`verdict.rdma is ${JSON.stringify(rdma)}, not "capable" or "not-capable"`);
  }
  const driverName = identity['driverName'];
  return {
    index: integer(gpu, 'index'),
    vendor: string(identity, 'vendor'),
    driverName: typeof driverName === 'string' ? driverName : null,
    driverVersion: string(identity, 'driverVersion'),
    capable: rdma === 'capable',
    reasons: codes(verdict['reasons']),
    placementIssues: codes(topology?.['issues']),
    ...budgetOf(gpu, rdma === 'capable'),
  };
}

function budgetOf(
  gpu: Json,
  capable: boolean,
): Pick<EntryGpu, 'deviceLocalHeapBytes' | 'deviceLocalBudgetBytes' | 'rdmaHeapBudgetBytes'> {
  const memory = gpu['memory'];
  const heaps =
    isObject(memory) && Array.isArray(memory['heaps']) ? memory['heaps'].filter(isObject) : [];
  let size = 0;
  let budget: number | null = null;
  for (const heap of heaps) {
    if (!Array.isArray(heap['flags']) || !heap['flags'].includes('DEVICE_LOCAL')) continue;
    size += finite(heap['size']) ?? 0;
    const heapBudget = finite(heap['budget']);
    if (heapBudget !== null) budget = (budget ?? 0) + heapBudget;
  }
  let rdmaBudget: number | null = null;
  if (capable && Array.isArray(gpu['rdmaMemoryTypes'])) {
    const seen = new Set<unknown>();
    for (const type of gpu['rdmaMemoryTypes'].filter(isObject)) {
      const heapBudget = finite(type['heapBudget']);
      if (seen.has(type['heapIndex']) || heapBudget === null) continue;
      seen.add(type['heapIndex']);
      rdmaBudget = (rdmaBudget ?? 0) + heapBudget;
    }
  }
  return {
    deviceLocalHeapBytes: size,
    deviceLocalBudgetBytes: budget,
    rdmaHeapBudgetBytes: rdmaBudget,
  };
}

function codes(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return list.flatMap((item) =>
    isObject(item) && typeof item['code'] === 'string' ? [item['code']] : [],
  );
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function object(parent: Json, key: string): Json {
  const value = parent[key];
  if (!isObject(value)) throw new ShapeError(`"${key}" is missing or not an object`);
  return value;
}

function array(parent: Json, key: string): unknown[] {
  const value = parent[key];
  if (!Array.isArray(value)) throw new ShapeError(`"${key}" is missing or not an array`);
  return value;
}

function string(parent: Json, key: string): string {
  const value = parent[key];
  if (typeof value !== 'string') throw new ShapeError(`"${key}" is missing or not a string`);
  return value;
}

function integer(parent: Json, key: string): number {
  const value = parent[key];
  if (!Number.isInteger(value)) throw new ShapeError(`"${key}" is missing or not an integer`);
  return value as number;
}

function finite(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
