/**
 * The project's few typed errors. Expected failures print one line; anything else is a
 * bug and prints a stack. Each says what kind of failure it is, and only the CLI turns
 * that kind into an exit code (src/cli/exit-code.ts), so the numbers are decided in one
 * place. This module imports nothing: every layer, the Vulkan one at the bottom included,
 * may use it. Errors that belong to one layer live there (VulkanCallError and the driver
 * faults in src/vulkan/driver-errors.ts).
 */

/**
 * What went wrong, as far as the user is concerned: the command line (`usage`), the
 * machine it runs on (`environment`: no loader, no driver, an output that cannot be
 * written...), or the Vulkan driver (`vulkan`: a call failed or answered nonsense).
 */
export type ProbeErrorKind = 'usage' | 'environment' | 'vulkan';

/** Base of every expected failure: one clear line, never a stack. */
export abstract class ProbeError extends Error {
  abstract readonly kind: ProbeErrorKind;
}

export class UsageError extends ProbeError {
  readonly kind = 'usage';
  override readonly name = 'UsageError';
}

/** The environment lacks something rdma-probe needs (loader, driver, cache folder). */
export class EnvironmentError extends ProbeError {
  readonly kind = 'environment';
  override readonly name = 'EnvironmentError';
}
