/**
 * One host as the fleet report keeps it while reading: its counts and sums, not its GPUs.
 * Each document is folded into its host's summary as soon as it is parsed, so that what
 * `report` holds grows with the number of hosts, not with the bytes or GPUs it reads.
 * Duplicate hostnames are resolved on summaries as they come (see KeptHosts).
 */
import type { EntryGpu, HostEntry } from './host-entry.js';
import type { FleetProblem } from './types.js';

/** A code and how many of a host's GPUs name it (a code named twice by one GPU counts 2). */
export interface CodeCount {
  code: string;
  gpus: number;
}

export interface DriverCount {
  vendor: string;
  driverName: string | null;
  driverVersion: string;
  gpus: number;
  /**
   * Where its first GPU stands among the host's GPUs: hosts list their drivers, and the
   * fleet its driver rows on a tie, in the order of the host's GPUs (by index for NDJSON
   * lines, which may come in any order; as listed for a report), so that order is kept.
   */
  firstIndex: number;
  firstSeq: number;
}

/** A host as the fleet report keeps it: the report's own fields, its GPUs summed up. */
export interface HostSummary extends Omit<HostEntry, 'gpus'> {
  gpus: number;
  capableGpus: number;
  reasons: CodeCount[];
  /** The GPUs' own placement issue codes. */
  placementIssues: CodeCount[];
  /** In the order of the host's GPUs (see DriverCount.firstIndex). */
  drivers: DriverCount[];
  deviceLocalHeapBytes: number;
  deviceLocalBudgetBytes: number;
  rdmaHeapBudgetBytes: number;
  gpusWithBudget: number;
  gpusWithoutBudget: number;
}

/**
 * One copy of each code, driver and version string: every host repeats the same few, and
 * each parsed document brings its own copies. Unbounded only as the hosts kept are (a
 * string is kept here only while a summary would keep it anyway).
 */
export class StringPool {
  private readonly strings = new Map<string, string>();

  get(text: string): string {
    const known = this.strings.get(text);
    if (known !== undefined) return known;
    this.strings.set(text, text);
    return text;
  }
}

/** A host's summary with none of its GPUs counted yet (addGpu counts them). */
export function summaryOf(entry: HostEntry, pool: StringPool): HostSummary {
  return {
    hostname: entry.hostname,
    source: entry.source,
    line: entry.line,
    generatedAt: entry.generatedAt,
    time: entry.time,
    schemaVersion: entry.schemaVersion,
    toolVersion: pool.get(entry.toolVersion),
    ready: entry.ready,
    hostIssues: entry.hostIssues.map((code) => pool.get(code)),
    gpus: 0,
    capableGpus: 0,
    reasons: [],
    placementIssues: [],
    drivers: [],
    deviceLocalHeapBytes: 0,
    deviceLocalBudgetBytes: 0,
    rdmaHeapBudgetBytes: 0,
    gpusWithBudget: 0,
    gpusWithoutBudget: 0,
  };
}

/**
 * Counts one GPU into its host. `byIndex`: the host's GPUs are in index order (NDJSON
 * lines, merged from any order) rather than in the order they come (a report's list).
 */
export function addGpu(host: HostSummary, gpu: EntryGpu, byIndex: boolean, pool: StringPool): void {
  const seq = host.gpus++;
  if (gpu.capable) host.capableGpus++;
  for (const code of gpu.reasons) host.reasons = countCode(host.reasons, code, pool);
  for (const code of gpu.placementIssues) {
    host.placementIssues = countCode(host.placementIssues, code, pool);
  }
  const index = byIndex ? gpu.index : 0;
  const driver = host.drivers.find(
    (d) =>
      d.vendor === gpu.vendor &&
      d.driverName === gpu.driverName &&
      d.driverVersion === gpu.driverVersion,
  );
  if (driver === undefined) {
    host.drivers = appended(host.drivers, {
      vendor: pool.get(gpu.vendor),
      driverName: gpu.driverName === null ? null : pool.get(gpu.driverName),
      driverVersion: pool.get(gpu.driverVersion),
      gpus: 1,
      firstIndex: index,
      firstSeq: seq,
    });
  } else {
    driver.gpus++;
    if (index < driver.firstIndex) {
      driver.firstIndex = index;
      driver.firstSeq = seq;
    }
  }
  host.deviceLocalHeapBytes += gpu.deviceLocalHeapBytes;
  if (gpu.deviceLocalBudgetBytes === null) host.gpusWithoutBudget++;
  else {
    host.gpusWithBudget++;
    host.deviceLocalBudgetBytes += gpu.deviceLocalBudgetBytes;
  }
  host.rdmaHeapBudgetBytes += gpu.rdmaHeapBudgetBytes ?? 0;
}

/** Puts the host's drivers in the order of its GPUs, once all of them are counted. */
export function finishSummary(host: HostSummary): HostSummary {
  if (host.drivers.length > 1) {
    host.drivers.sort((a, b) => a.firstIndex - b.firstIndex || a.firstSeq - b.firstSeq);
  }
  return host;
}

/** `counts` with one more GPU for `code`: the same array, or a longer copy for a new code. */
function countCode(counts: CodeCount[], code: string, pool: StringPool): CodeCount[] {
  const count = counts.find((c) => c.code === code);
  if (count === undefined) return appended(counts, { code: pool.get(code), gpus: 1 });
  count.gpus++;
  return counts;
}

/**
 * A copy of `list` with `item` at its end, holding exactly its items. Not push: an array
 * grown by push keeps room for 16 more (128 bytes), and a host keeps three such lists of
 * one or two items each, for as long as the run.
 */
function appended<T>(list: T[], item: T): T[] {
  return list.concat([item]);
}

/**
 * The hosts kept so far, one per hostname: the newest generatedAt; of equal ones, the
 * first read. Each report that loses is a duplicate-host problem of its own source.
 */
export class KeptHosts {
  private readonly byName = new Map<string, HostSummary>();
  readonly duplicates: FleetProblem[] = [];

  add(host: HostSummary): void {
    const other = this.byName.get(host.hostname);
    if (other === undefined) {
      this.byName.set(host.hostname, host);
      return;
    }
    const [winner, loser] = host.time > other.time ? [host, other] : [other, host];
    this.byName.set(host.hostname, winner);
    this.duplicates.push({
      source: loser.source,
      line: loser.line,
      code: 'duplicate-host',
      message:
        `host "${loser.hostname}" (generatedAt ${loser.generatedAt}) is also in ${winner.source} ` +
        `(generatedAt ${winner.generatedAt}); kept ${winner.time === loser.time ? 'the first read' : 'the newer'}`,
    });
  }

  /** In the order their hostnames were first read. */
  hosts(): HostSummary[] {
    return [...this.byName.values()];
  }
}
