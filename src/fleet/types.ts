/**
 * The fleet report: `rdma-probe report` reads many hosts' JSON and sums it up. This is
 * its contract, printed as is by `report --json` and described by
 * schema/fleet-report.schema.json. Bump FLEET_SCHEMA_VERSION on an incompatible change.
 */

import type { Freshness } from './freshness.js';

export const FLEET_SCHEMA_VERSION = 1;
/** The most rdma-probe reads from one file, or from one document on stdin. */
export const MAX_INPUT_BYTES = 16 * 1024 * 1024;

/**
 * What one run of `report` reads at most, so that its time and memory stay bounded
 * whatever its inputs hold (a pipe or a hostile host can send without end).
 */
export interface FleetLimits {
  /** Bytes of one file, or of one document on stdin. */
  maxBytesPerInput: number;
  /** Bytes of stdin in all: well above a pdsh of 10,000 hosts' list --ndjson. */
  maxStdinBytes: number;
  /** Problems in one input after which the rest of it is not read (it is not reports). */
  maxProblemsPerInput: number;
  /**
   * Host reports and GPUs kept, over all inputs: what bounds memory (each costs a few
   * hundred bytes however small its JSON). Far above the largest fleets.
   */
  maxHostReports: number;
  maxGpus: number;
}

export const DEFAULT_LIMITS: Readonly<FleetLimits> = {
  maxBytesPerInput: MAX_INPUT_BYTES,
  maxStdinBytes: 1024 * 1024 * 1024,
  maxProblemsPerInput: 1000,
  maxHostReports: 200_000,
  maxGpus: 2_000_000,
};

export interface FleetReport {
  schemaVersion: typeof FLEET_SCHEMA_VERSION;
  kind: 'fleet-report';
  tool: { name: 'rdma-probe'; version: string };
  generatedAt: string;
  inputs: {
    /** Files (and stdin) read, after expanding folders. */
    sources: number;
    /** JSON documents or NDJSON lines parsed. */
    documents: number;
    maxBytesPerInput: number;
    /**
     * A host whose generatedAt is more than this before the report's is stale; null
     * with `--max-age off`, when none is.
     */
    maxAgeMs: number | null;
    /** A host whose generatedAt is more than this after the report's is from the future. */
    futureToleranceMs: number;
  };
  totals: FleetTotals;
  /** Every reason any GPU is not capable (Vulkan) or its host is not ready (host). */
  byReason: FleetReasonCount[];
  byDriverVersion: FleetDriverCount[];
  schemaVersions: { schemaVersion: number; hosts: number }[];
  budget: FleetBudget;
  /** Fleet-wide things to look at: inconsistent drivers, mixed schemas, duplicates. */
  flags: FleetFlag[];
  /** Inputs, or parts of them, that were not counted, and why. */
  problems: FleetProblem[];
  /** One row per host counted, sorted by hostname. */
  hosts: FleetHost[];
}

export interface FleetTotals {
  hosts: number;
  gpus: number;
  capableGpus: number;
  hostsWithCapableGpu: number;
  hostsReady: number;
  hostsNotReady: number;
  /** Readiness null, or reports without a readiness block. */
  hostsReadinessUnknown: number;
  /**
   * Hosts whose report is stale, and their GPUs: counted in every total above as well
   * (their last known state), so that these say how much of it may be out of date.
   */
  staleHosts: number;
  staleGpus: number;
  staleCapableGpus: number;
  /** Hosts whose report is dated in the future, and their GPUs: counted above as well. */
  futureHosts: number;
  futureGpus: number;
  futureCapableGpus: number;
}

export interface FleetReasonCount {
  source: 'vulkan' | 'host';
  code: string;
  /** GPUs the reason applies to (a host reason applies to every GPU of its host). */
  gpus: number;
  hosts: number;
}

export interface FleetDriverCount {
  vendor: string;
  driverName: string | null;
  driverVersion: string;
  hosts: number;
  gpus: number;
}

export interface FleetBudget {
  /** Sum of the sizes of every DEVICE_LOCAL heap. */
  deviceLocalHeapBytes: number;
  /** Sum of the budgets of DEVICE_LOCAL heaps, where the driver reports one. */
  deviceLocalBudgetBytes: number;
  /** Sum of the budgets of the heaps holding RDMA-capable memory types, on capable GPUs. */
  rdmaHeapBudgetBytes: number;
  gpusWithBudget: number;
  gpusWithoutBudget: number;
}

export type FleetFlagCode =
  | 'inconsistent-driver-versions'
  | 'mixed-schema-versions'
  | 'newer-schema-version'
  | 'duplicate-hosts'
  | 'stale-hosts'
  | 'future-hosts';

export interface FleetFlag {
  code: FleetFlagCode;
  message: string;
}

export type FleetProblemCode =
  | 'unreadable'
  /** A FIFO, device, socket...: only regular files are read (stdin excepted). */
  | 'not-a-file'
  /** A symbolic link inside a folder: never followed. */
  | 'link-not-followed'
  | 'too-large'
  | 'empty'
  | 'not-json'
  | 'truncated'
  | 'not-a-report'
  | 'invalid-report'
  | 'duplicate-host'
  | 'no-input-files'
  | 'too-many-problems'
  /** maxHostReports or maxGpus was reached: the inputs after it were not read. */
  | 'too-many-hosts';

export interface FleetProblem {
  /** The file, or "-" for stdin. */
  source: string;
  /** The line the document starts on; null for the whole input. */
  line: number | null;
  code: FleetProblemCode;
  message: string;
}

export interface FleetHost {
  hostname: string;
  source: string;
  generatedAt: string;
  /** The report's generatedAt minus this host's, in milliseconds: negative when later. */
  ageMs: number;
  freshness: Freshness;
  schemaVersion: number;
  toolVersion: string;
  gpus: number;
  capableGpus: number;
  /** "<vendor> <driverVersion>", one per distinct driver. */
  drivers: string[];
  ready: boolean | null;
  /** Host-wide readiness issue codes. */
  hostIssues: string[];
}
