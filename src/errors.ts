/**
 * The project's few typed errors and the one table that maps them to exit codes.
 * Expected failures print one line and exit with their code; anything else is a bug
 * and prints a stack (see src/cli/main.ts). This module imports nothing: every layer,
 * the Vulkan one at the bottom included, may use it. Errors that belong to one layer
 * live there (VulkanCallError and the driver faults in src/vulkan/driver-errors.ts).
 */
/** Exit codes, documented in README.md and `--help`. */
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
   * exits 1 for a bug; see checkExitCodeOf.
   */
  CHECK_FAILED: 1,
  /**
   * `check` could not judge (UNKNOWN): no loader, no driver, a Vulkan failure before any
   * GPU could be judged, an output that cannot be written, or a bug in rdma-probe.
   */
  CHECK_UNKNOWN: 3,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** Base of every expected failure: carries its exit code, never prints a stack. */
export abstract class ProbeError extends Error {
  abstract readonly exitCode: ExitCodeValue;
}

export class UsageError extends ProbeError {
  readonly exitCode = ExitCode.USAGE;
  override readonly name = 'UsageError';
}

/** The environment lacks something rdma-probe needs (loader, driver, cache folder). */
export class EnvironmentError extends ProbeError {
  readonly exitCode = ExitCode.ENVIRONMENT;
  override readonly name = 'EnvironmentError';
}

export function exitCodeOf(error: unknown): ExitCodeValue {
  return error instanceof ProbeError ? error.exitCode : ExitCode.INTERNAL;
}

/**
 * `check` speaks the health checkers' protocol, with four outcomes only: 0 OK, 1 FAIL,
 * 2 usage error, 3 UNKNOWN. An error means the rules could not be judged, so it is never
 * 1: node-problem-detector reads anything but 0 and 1 as Unknown, and a bug in rdma-probe
 * must not mark a healthy node as failing (nor pass it).
 */
export function checkExitCodeOf(error: unknown): ExitCodeValue {
  return error instanceof UsageError ? ExitCode.USAGE : ExitCode.CHECK_UNKNOWN;
}
