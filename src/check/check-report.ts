/**
 * `rdma-probe check --json`: the rules, each rule's result per GPU (or for the host), and
 * the list report they were judged on. Published as schema/check.schema.json; bump
 * CHECK_SCHEMA_VERSION on any incompatible change.
 */
import type { ListReportJson } from '../list-report.js';

export const CHECK_SCHEMA_VERSION = 1;

/**
 * The rules, in the order they are judged and their problems listed: whether the GPUs
 * are there, then the driver (a driver too old explains the rest), the Vulkan verdict,
 * the host, and last the allocation, which needs all of them.
 */
export const CHECK_RULE_IDS = [
  'device',
  'gpu-count',
  'min-driver',
  'rdma-capable',
  'host-ready',
  'alloc',
] as const;

export type CheckRuleId = (typeof CHECK_RULE_IDS)[number];

/** ok: every rule holds (exit 0); fail: one does not (1); unknown: no judgement (2 or 3). */
export type CheckStatus = 'ok' | 'fail' | 'unknown';

/** Reason codes of the check's own; the others are the verdict's and the host's codes. */
export type CheckReasonCode =
  | 'device-not-found'
  | 'gpu-count-mismatch'
  | 'driver-version-unknown'
  | 'driver-too-old'
  | 'host-readiness-unknown'
  | 'allocation-failed'
  | 'allocation-skipped';

/** One rule's result for one GPU, or for the host as a whole. */
export interface CheckTargetResult {
  /** The GPU's index in the report; null for a result about the host. */
  gpuIndex: number | null;
  /** The GPU's PCI bus ID (nvidia-smi form); null for the host or when unknown. */
  pciBusId: string | null;
  pass: boolean;
  /** Why not: a verdict reason, a host reason or a CheckReasonCode; null when it passes. */
  code: string | null;
  /** One line for a person. */
  message: string;
}

export interface CheckRuleResult {
  id: CheckRuleId;
  /** What the rule asks, for a person: "exactly 8 GPUs are found". */
  requirement: string;
  /** The option's value: --device's text, --gpus N, --min-driver's VERSION, --alloc's bytes. */
  parameter: string | number | null;
  /** Every result passes (true as well when there is nothing to judge). */
  pass: boolean;
  results: CheckTargetResult[];
}

/** A failing result, with the rule it belongs to. */
export interface CheckProblem extends CheckTargetResult {
  rule: CheckRuleId;
}

/** What judging a probe gave. */
export interface CheckJudgement {
  status: 'ok' | 'fail';
  /** How many GPUs the probe found before --device selected. */
  gpusFound: number;
  rules: CheckRuleResult[];
  /** Every failing result, rule by rule in CHECK_RULE_IDS order, GPUs in index order. */
  problems: CheckProblem[];
}

export interface CheckReport {
  schemaVersion: typeof CHECK_SCHEMA_VERSION;
  kind: 'check';
  tool: { name: 'rdma-probe'; version: string };
  generatedAt: string;
  status: CheckStatus;
  /** The exit code of the run: 0, 1, 2 or 3. */
  exitCode: number;
  /** The line `check` prints without --json (at most 200 bytes). */
  line: string;
  /** Null when the probe could not run. */
  gpusFound: number | null;
  /** The indices of the GPUs judged (all found, or those --device selected). */
  gpusSelected: number[];
  /** Empty when the probe could not run. */
  rules: CheckRuleResult[];
  problems: CheckProblem[];
  /** Why nothing could be judged (status unknown); null otherwise. */
  error: { message: string } | null;
  /**
   * The list report the rules were judged on, as `list --json` writes it; null when the
   * probe could not run.
   */
  report: ListReportJson | null;
}
