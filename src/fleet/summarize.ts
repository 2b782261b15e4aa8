/**
 * The fleet report from the hosts that were read. Pure: duplicates are resolved here
 * (the newest generatedAt of a hostname wins), then everything is counted.
 */
import { SCHEMA_VERSION } from '../report.js';
import type { HostEntry } from './host-entry.js';
import type { InputRead } from './read-inputs.js';
import {
  FLEET_SCHEMA_VERSION,
  type FleetDriverCount,
  type FleetFlag,
  type FleetHost,
  type FleetProblem,
  type FleetReasonCount,
  type FleetReport,
} from './types.js';

export interface SummarizeOptions {
  toolVersion: string;
  generatedAt: string;
  maxBytesPerInput: number;
}

export function summarizeFleet(input: InputRead, options: SummarizeOptions): FleetReport {
  const problems: FleetProblem[] = [...input.problems];
  const hosts = dropDuplicates(input.entries, problems);
  const duplicates = problems.filter((p) => p.code === 'duplicate-host').length;

  const reasons = new Map<string, { count: FleetReasonCount; hosts: Set<string> }>();
  const drivers = new Map<string, { count: FleetDriverCount; hosts: Set<string> }>();
  const schemas = new Map<number, number>();
  /** vendor -> driver version -> hosts: what the inconsistency flag compares. */
  const versions = new Map<string, Map<string, Set<string>>>();
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
  };

  for (const host of hosts) {
    schemas.set(host.schemaVersion, (schemas.get(host.schemaVersion) ?? 0) + 1);
    if (host.ready === true) totals.hostsReady++;
    else if (host.ready === false) totals.hostsNotReady++;
    else totals.hostsReadinessUnknown++;
    totals.gpus += host.gpus.length;
    const capable = host.gpus.filter((gpu) => gpu.capable).length;
    totals.capableGpus += capable;
    if (capable > 0) totals.hostsWithCapableGpu++;

    for (const gpu of host.gpus) {
      for (const code of gpu.reasons) countReason(reasons, 'vulkan', code, host.hostname);
      for (const code of [...host.hostIssues, ...gpu.placementIssues]) {
        countReason(reasons, 'host', code, host.hostname);
      }
      const key = `${gpu.vendor}\u0000${gpu.driverName ?? ''}\u0000${gpu.driverVersion}`;
      let driver = drivers.get(key);
      if (!driver) {
        driver = {
          count: {
            vendor: gpu.vendor,
            driverName: gpu.driverName,
            driverVersion: gpu.driverVersion,
            hosts: 0,
            gpus: 0,
          },
          hosts: new Set(),
        };
        drivers.set(key, driver);
      }
      driver.count.gpus++;
      driver.hosts.add(host.hostname);
      const vendorVersions = versions.get(gpu.vendor) ?? new Map<string, Set<string>>();
      versions.set(gpu.vendor, vendorVersions);
      const versionHosts = vendorVersions.get(gpu.driverVersion) ?? new Set<string>();
      vendorVersions.set(gpu.driverVersion, versionHosts);
      versionHosts.add(host.hostname);

      budget.deviceLocalHeapBytes += gpu.deviceLocalHeapBytes;
      if (gpu.deviceLocalBudgetBytes === null) budget.gpusWithoutBudget++;
      else {
        budget.gpusWithBudget++;
        budget.deviceLocalBudgetBytes += gpu.deviceLocalBudgetBytes;
      }
      budget.rdmaHeapBudgetBytes += gpu.rdmaHeapBudgetBytes ?? 0;
    }
  }

  const byReason = [...reasons.values()]
    .map(({ count, hosts: set }) => ({ ...count, hosts: set.size }))
    .sort(
      (a, b) => b.gpus - a.gpus || a.source.localeCompare(b.source) || a.code.localeCompare(b.code),
    );
  const byDriverVersion = [...drivers.values()]
    .map(({ count, hosts: set }) => ({ ...count, hosts: set.size }))
    .sort(
      (a, b) =>
        b.hosts - a.hosts || b.gpus - a.gpus || a.driverVersion.localeCompare(b.driverVersion),
    );
  const schemaVersions = [...schemas.entries()]
    .map(([schemaVersion, count]) => ({ schemaVersion, hosts: count }))
    .sort((a, b) => a.schemaVersion - b.schemaVersion);

  return {
    schemaVersion: FLEET_SCHEMA_VERSION,
    kind: 'fleet-report',
    tool: { name: 'rdma-probe', version: options.toolVersion },
    generatedAt: options.generatedAt,
    inputs: {
      sources: input.sources,
      documents: input.documents,
      maxBytesPerInput: options.maxBytesPerInput,
    },
    totals,
    byReason,
    byDriverVersion,
    schemaVersions,
    budget,
    flags: flagsOf(versions, schemaVersions, duplicates),
    problems,
    hosts: hosts.map(fleetHost).sort((a, b) => a.hostname.localeCompare(b.hostname)),
  };
}

function countReason(
  reasons: Map<string, { count: FleetReasonCount; hosts: Set<string> }>,
  source: 'vulkan' | 'host',
  code: string,
  hostname: string,
): void {
  const key = `${source}\u0000${code}`;
  let reason = reasons.get(key);
  if (!reason) {
    reason = { count: { source, code, gpus: 0, hosts: 0 }, hosts: new Set() };
    reasons.set(key, reason);
  }
  reason.count.gpus++;
  reason.hosts.add(hostname);
}

/** One entry per hostname: the newest generatedAt; the first read on a tie. */
function dropDuplicates(entries: HostEntry[], problems: FleetProblem[]): HostEntry[] {
  const kept = new Map<string, HostEntry>();
  for (const entry of entries) {
    const other = kept.get(entry.hostname);
    if (!other) {
      kept.set(entry.hostname, entry);
      continue;
    }
    const [winner, loser] = entry.time > other.time ? [entry, other] : [other, entry];
    kept.set(entry.hostname, winner);
    problems.push({
      source: loser.source,
      line: loser.line,
      code: 'duplicate-host',
      message:
        `host "${loser.hostname}" (generatedAt ${loser.generatedAt}) is also in ${winner.source} ` +
        `(generatedAt ${winner.generatedAt}); kept ${winner.time === loser.time ? 'the first read' : 'the newer'}`,
    });
  }
  return [...kept.values()];
}

function flagsOf(
  versions: Map<string, Map<string, Set<string>>>,
  schemas: { schemaVersion: number; hosts: number }[],
  duplicates: number,
): FleetFlag[] {
  const flags: FleetFlag[] = [];
  for (const [vendor, byVersion] of versions) {
    if (byVersion.size < 2) continue;
    const list = [...byVersion]
      .map(([version, hosts]) => ({ version, hosts: hosts.size }))
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

function fleetHost(host: HostEntry): FleetHost {
  return {
    hostname: host.hostname,
    source: host.source,
    generatedAt: host.generatedAt,
    schemaVersion: host.schemaVersion,
    toolVersion: host.toolVersion,
    gpus: host.gpus.length,
    capableGpus: host.gpus.filter((gpu) => gpu.capable).length,
    drivers: [...new Set(host.gpus.map((gpu) => `${gpu.vendor} ${gpu.driverVersion}`))],
    ready: host.ready,
    hostIssues: host.hostIssues,
  };
}
