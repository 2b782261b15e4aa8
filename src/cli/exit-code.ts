/**
 * Exit codes: the one place where what a run came to becomes a number. Commands and the
 * error handler describe what happened as an Outcome; exitCodeOf alone maps it. The
 * numbers are a contract with scripts and health checkers, listed in `--help` and the
 * README, so they must not be decided anywhere else.
 */
import { ProbeError, type ProbeErrorKind } from '../errors.js';

/** The documented exit codes. */
export const ExitCode = {
  /** The probe ran, whatever the verdicts; `report` read at least one host. */
  OK: 0,
  /** A bug in rdma-probe (prints a stack trace). */
  INTERNAL: 1,
  /** Bad command line. */
  USAGE: 2,
  /** No Vulkan loader, no Vulkan driver, or the host environment prevents running. */
  ENVIRONMENT: 3,
  /** A Vulkan call failed unexpectedly (names the call and the VkResult). */
  VULKAN: 4,
  /** --alloc was requested and failed (or was skipped) on at least one selected GPU. */
  ALLOCATION_FAILED: 5,
  /** `report` could read no host report from its inputs. */
  NO_HOSTS_READ: 6,
  /**
   * `check`: a rule does not hold (FAIL). The same number as INTERNAL on purpose: health
   * checkers read 1 as "not healthy" (node-problem-detector's NonOK), so `check` never
   * exits 1 for a bug.
   */
  CHECK_FAILED: 1,
  /**
   * `check` could not judge (UNKNOWN): no loader, no driver, a Vulkan failure before any
   * GPU could be judged, an output that cannot be written, or a bug in rdma-probe.
   */
  CHECK_UNKNOWN: 3,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** What a run of rdma-probe came to. */
export type Outcome =
  /** --help or --version was asked for and printed. */
  | { kind: 'help' }
  /** The command did its job: list probed (whatever the verdicts), report read a host. */
  | { kind: 'done' }
  /** list --alloc failed, or was skipped, on at least one selected GPU. */
  | { kind: 'allocation-failed' }
  /** report could read no host report from its inputs. */
  | { kind: 'no-hosts-read' }
  /** check judged the rules: every one holds. */
  | { kind: 'check-passed' }
  /** check judged the rules: one does not hold. */
  | { kind: 'check-failed' }
  /** The command line was refused before any command ran (or named no command). */
  | { kind: 'usage' }
  /**
   * A command threw. `check` tells whether check was the command: it speaks the health
   * checkers' protocol, where an error means UNKNOWN.
   */
  | { kind: 'error'; error: unknown; check: boolean };

export function exitCodeOf(outcome: Outcome): ExitCodeValue {
  switch (outcome.kind) {
    case 'help':
    case 'done':
    case 'check-passed':
      return ExitCode.OK;
    case 'allocation-failed':
      return ExitCode.ALLOCATION_FAILED;
    case 'no-hosts-read':
      return ExitCode.NO_HOSTS_READ;
    case 'check-failed':
      return ExitCode.CHECK_FAILED;
    case 'usage':
      return ExitCode.USAGE;
    case 'error':
      return outcome.check ? checkErrorCode(outcome.error) : errorCode(outcome.error);
  }
}

const ERROR_CODES: Record<ProbeErrorKind, ExitCodeValue> = {
  usage: ExitCode.USAGE,
  environment: ExitCode.ENVIRONMENT,
  vulkan: ExitCode.VULKAN,
};

/** An expected failure by its kind; anything else is a bug. */
function errorCode(error: unknown): ExitCodeValue {
  return error instanceof ProbeError ? ERROR_CODES[error.kind] : ExitCode.INTERNAL;
}

/**
 * `check` has four outcomes only: 0 OK, 1 FAIL, 2 usage error, 3 UNKNOWN. An error means
 * the rules could not be judged, so it is never 1: node-problem-detector reads anything
 * but 0 and 1 as Unknown, and a bug in rdma-probe must not mark a healthy node as failing
 * (nor pass it).
 */
function checkErrorCode(error: unknown): ExitCodeValue {
  return error instanceof ProbeError && error.kind === 'usage'
    ? ExitCode.USAGE
    : ExitCode.CHECK_UNKNOWN;
}
