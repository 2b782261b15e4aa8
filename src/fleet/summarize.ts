/**
 * The fleet report from the hosts that were read. Pure: the hosts come one per hostname
 * already (duplicates were resolved on their summaries as they were read), and are
 * counted here, each judged stale or not against the report's own generatedAt.
 */
import { SCHEMA_VERSION } from '../list-report.js';
import { formatAge, freshnessOf, FUTURE_TOLERANCE_MS, type Freshness } from './freshness.js';
import type { HostSummary } from './host-summary.js';
import type { InputRead } from './read-inputs.js';
import {
  FLEET_SCHEMA_VERSION,
  type FleetDriverCount,
  type FleetFlag,
  type FleetHost,
  type FleetReasonCount,
  type FleetReport,
} from './types.js';

export interface SummarizeOptions {
  toolVersion: string;
  /** The report's own time, which every host's age is measured from. */
  generatedAt: string;
  maxBytesPerInput: number;
  /** Older than this is stale; null: no report is too old. */
  maxAgeMs: number | null;
}

/** The stale hosts, or those from the future: how many, and the one furthest off. */
interface AgeGroup {
  hosts: number;
  /** Its age when stale, how far ahead when from the future. */
  furthest: { hostname: string; distanceMs: number } | null;
}

/**
 * The fleet report without its host rows, and the rows, sorted by hostname, made one at a
 * time as they are asked for: for 25,000 hosts the rows and their text were 37 MiB of the
 * run's peak when made all at once, so `report --json` writes them one after another
 * (see render/fleet-json.ts).
 */
export interface FleetReportParts {
  head: Omit<FleetReport, 'hosts'>;
  /** How many rows hosts() gives. */
  hostCount: number;
  hosts(): Iterable<FleetHost>;
}

export function summarizeFleet(input: InputRead, options: SummarizeOptions): FleetReport {
  const parts = summarizeFleetParts(input, options);
  return { ...parts.head, hosts: [...parts.hosts()] };
}

export function summarizeFleetParts(input: InputRead, options: SummarizeOptions): FleetReportParts {
  const { hosts } = input;
  const judge = judgeAgainst(options);
  const stale: AgeGroup = { hosts: 0, furthest: null };
  const future: AgeGroup = { hosts: 0, furthest: null };
  const problems = [...input.problems, ...input.duplicates];
  const duplicates = input.duplicates.length;

  const reasons = new Map<string, FleetReasonCount>();
  const drivers = new Map<string, FleetDriverCount>();
  const schemas = new Map<number, number>();
  /** vendor -> driver version -> hosts: what the inconsistency flag compares. */
  const versions = new Map<string, Map<string, number>>();
  const budget = {
    deviceLocalHeapBytes: 0,
    deviceLocalBudgetBytes: 0,
    rdmaHeapBudgetBytes: 0,
    gpusWithBudget: 0,
    gpusWithoutBudget: 0,
  };
  const totals = {
    hosts: hosts.length,
    gpus: 0,
    capableGpus: 0,
    hostsWithCapableGpu: 0,
    hostsReady: 0,
    hostsNotReady: 0,
    hostsReadinessUnknown: 0,
    staleHosts: 0,
    staleGpus: 0,
    staleCapableGpus: 0,
    futureHosts: 0,
    futureGpus: 0,
    futureCapableGpus: 0,
  };

  for (const host of hosts) {
    const { ageMs, freshness } = judge(host);
    if (freshness === 'stale') {
      totals.staleHosts++;
      totals.staleGpus += host.gpus;
      totals.staleCapableGpus += host.capableGpus;
      countAged(stale, host.hostname, ageMs);
    } else if (freshness === 'future') {
      totals.futureHosts++;
      totals.futureGpus += host.gpus;
      totals.futureCapableGpus += host.capableGpus;
      countAged(future, host.hostname, -ageMs);
    }
    schemas.set(host.schemaVersion, (schemas.get(host.schemaVersion) ?? 0) + 1);
    if (host.ready === true) totals.hostsReady++;
    else if (host.ready === false) totals.hostsNotReady++;
    else totals.hostsReadinessUnknown++;
    totals.gpus += host.gpus;
    totals.capableGpus += host.capableGpus;
    if (host.capableGpus > 0) totals.hostsWithCapableGpu++;

    for (const { code, gpus } of host.reasons) countReason(reasons, 'vulkan', code, gpus);
    // A host-wide issue applies to each of the host's GPUs, a placement issue to its own.
    const hostCodes = new Map<string, number>();
    if (host.gpus > 0) {
      for (const code of host.hostIssues) {
        hostCodes.set(code, (hostCodes.get(code) ?? 0) + host.gpus);
      }
    }
    for (const { code, gpus } of host.placementIssues) {
      hostCodes.set(code, (hostCodes.get(code) ?? 0) + gpus);
    }
    for (const [code, gpus] of hostCodes) countReason(reasons, 'host', code, gpus);

    for (const gpuDriver of host.drivers) {
      const key = `${gpuDriver.vendor}\u0000${gpuDriver.driverName ?? ''}\u0000${gpuDriver.driverVersion}`;
      let driver = drivers.get(key);
      if (!driver) {
        driver = {
          vendor: gpuDriver.vendor,
          driverName: gpuDriver.driverName,
          driverVersion: gpuDriver.driverVersion,
          hosts: 0,
          gpus: 0,
        };
        drivers.set(key, driver);
      }
      driver.gpus += gpuDriver.gpus;
      driver.hosts++;
    }
    // Once per host for each vendor and version it runs, whatever the driver's name.
    const counted = new Set<string>();
    for (const { vendor, driverVersion } of host.drivers) {
      const key = `${vendor}\u0000${driverVersion}`;
      if (counted.has(key)) continue;
      counted.add(key);
      const byVersion = versions.get(vendor) ?? new Map<string, number>();
      versions.set(vendor, byVersion);
      byVersion.set(driverVersion, (byVersion.get(driverVersion) ?? 0) + 1);
    }

    budget.deviceLocalHeapBytes += host.deviceLocalHeapBytes;
    budget.deviceLocalBudgetBytes += host.deviceLocalBudgetBytes;
    budget.rdmaHeapBudgetBytes += host.rdmaHeapBudgetBytes;
    budget.gpusWithBudget += host.gpusWithBudget;
    budget.gpusWithoutBudget += host.gpusWithoutBudget;
  }

  const byReason = [...reasons.values()].sort(
    (a, b) => b.gpus - a.gpus || a.source.localeCompare(b.source) || a.code.localeCompare(b.code),
  );
  const byDriverVersion = [...drivers.values()].sort(
    (a, b) =>
      b.hosts - a.hosts || b.gpus - a.gpus || a.driverVersion.localeCompare(b.driverVersion),
  );
  const schemaVersions = [...schemas.entries()]
    .map(([schemaVersion, count]) => ({ schemaVersion, hosts: count }))
    .sort((a, b) => a.schemaVersion - b.schemaVersion);

  const head: Omit<FleetReport, 'hosts'> = {
    schemaVersion: FLEET_SCHEMA_VERSION,
    kind: 'fleet-report',
    tool: { name: 'rdma-probe', version: options.toolVersion },
    generatedAt: options.generatedAt,
    inputs: {
      sources: input.sources,
      documents: input.documents,
      maxBytesPerInput: options.maxBytesPerInput,
      maxAgeMs: options.maxAgeMs,
      futureToleranceMs: FUTURE_TOLERANCE_MS,
    },
    totals,
    byReason,
    byDriverVersion,
    schemaVersions,
    budget,
    flags: [
      ...flagsOf(versions, schemaVersions, duplicates),
      ...ageFlagsOf(stale, future, options.maxAgeMs),
    ],
    problems,
  };
  // Sorted as summaries: a row's hostname is its summary's.
  const sorted = [...hosts].sort((a, b) => a.hostname.localeCompare(b.hostname));
  return {
    head,
    hostCount: sorted.length,
    *hosts() {
      for (const host of sorted) yield fleetHost(host, judge(host));
    },
  };
}

function countReason(
  reasons: Map<string, FleetReasonCount>,
  source: 'vulkan' | 'host',
  code: string,
  gpus: number,
): void {
  const key = `${source}\u0000${code}`;
  const reason = reasons.get(key);
  if (reason) {
    reason.gpus += gpus;
    reason.hosts++;
  } else {
    reasons.set(key, { source, code, gpus, hosts: 1 });
  }
}

function flagsOf(
  versions: Map<string, Map<string, number>>,
  schemas: { schemaVersion: number; hosts: number }[],
  duplicates: number,
): FleetFlag[] {
  const flags: FleetFlag[] = [];
  for (const [vendor, byVersion] of versions) {
    if (byVersion.size < 2) continue;
    const list = [...byVersion]
      .map(([version, hosts]) => ({ version, hosts }))
      .sort((a, b) => b.hosts - a.hosts || a.version.localeCompare(b.version))
      .map((v) => `${v.version} (${v.hosts} hosts)`)
      .join(', ');
    flags.push({
      code: 'inconsistent-driver-versions',
      message: `${vendor}: ${byVersion.size} driver versions across hosts: ${list}`,
    });
  }
  if (schemas.length > 1) {
    const list = schemas.map((s) => `${s.schemaVersion} (${s.hosts} hosts)`).join(', ');
    flags.push({
      code: 'mixed-schema-versions',
      message: `reports of several schema versions: ${list}`,
    });
  }
  const newer = schemas.filter((s) => s.schemaVersion > SCHEMA_VERSION);
  if (newer.length > 0) {
    const hosts = newer.reduce((sum, s) => sum + s.hosts, 0);
    flags.push({
      code: 'newer-schema-version',
      message: `${hosts} hosts sent schema versions newer than ${SCHEMA_VERSION}, which this rdma-probe knows: counted as far as understood`,
    });
  }
  if (duplicates > 0) {
    flags.push({
      code: 'duplicate-hosts',
      message: `${duplicates} reports repeated a hostname already read; only the newest of each host is counted`,
    });
  }
  return flags;
}

/** A host's age and freshness, against the report's generatedAt. */
function judgeAgainst(
  options: SummarizeOptions,
): (host: HostSummary) => { ageMs: number; freshness: Freshness } {
  const now = Date.parse(options.generatedAt);
  return (host) => {
    const ageMs = now - host.time;
    return { ageMs, freshness: freshnessOf(ageMs, options.maxAgeMs) };
  };
}

/**
 * Counts a host into its group. `distance`: how far off it is (its age, or how far ahead);
 * of equal ones the first by hostname is named, so the flag does not depend on input order.
 */
function countAged(group: AgeGroup, hostname: string, distance: number): void {
  group.hosts++;
  const best = group.furthest;
  if (
    best === null ||
    distance > best.distanceMs ||
    (distance === best.distanceMs && hostname.localeCompare(best.hostname) < 0)
  ) {
    group.furthest = { hostname, distanceMs: distance };
  }
}

/** Stale hosts, then hosts from the future: how many, and the one furthest off. */
function ageFlagsOf(stale: AgeGroup, future: AgeGroup, maxAgeMs: number | null): FleetFlag[] {
  const flags: FleetFlag[] = [];
  if (stale.furthest !== null && maxAgeMs !== null) {
    flags.push({
      code: 'stale-hosts',
      message:
        `${hostsText(stale.hosts)} older than ${formatAge(maxAgeMs)} (--max-age); the oldest, ` +
        `"${stale.furthest.hostname}", is ${formatAge(stale.furthest.distanceMs)} old. Counted in the totals all the same`,
    });
  }
  if (future.furthest !== null) {
    flags.push({
      code: 'future-hosts',
      message:
        `${hostsText(future.hosts)} dated more than ${formatAge(FUTURE_TOLERANCE_MS)} after this report ` +
        `(a clock is wrong); the furthest, "${future.furthest.hostname}", by ${formatAge(future.furthest.distanceMs)}. ` +
        'Counted in the totals all the same',
    });
  }
  return flags;
}

function hostsText(count: number): string {
  return count === 1 ? "1 host's report is" : `${count} hosts' reports are`;
}

function fleetHost(
  host: HostSummary,
  { ageMs, freshness }: { ageMs: number; freshness: Freshness },
): FleetHost {
  return {
    hostname: host.hostname,
    source: host.source,
    generatedAt: host.generatedAt,
    ageMs,
    freshness,
    schemaVersion: host.schemaVersion,
    toolVersion: host.toolVersion,
    gpus: host.gpus,
    capableGpus: host.capableGpus,
    drivers: [...new Set(host.drivers.map((d) => `${d.vendor} ${d.driverVersion}`))],
    ready: host.ready,
    hostIssues: host.hostIssues,
  };
}
