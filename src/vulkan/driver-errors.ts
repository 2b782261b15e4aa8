/**
 * The failures of the Vulkan layer. VulkanCallError: a command returned a negative
 * VkResult. The rest carry no VkResult: a driver (or the loader in front of it) that returns
 * NULL for a command the probe needs, or answers with data a correct driver never gives
 * (a count that never settles, more items than there was room for). Like VulkanCallError
 * they are expected failures: one line, exit 4 at the top level, and data on the GPU they
 * concern: one GPU's failure is recorded on it, and the others are still probed.
 */
import { ProbeError } from '../errors.js';
import { vkResultName } from './constants.js';

/** A Vulkan command returned a negative VkResult. */
export class VulkanCallError extends ProbeError {
  readonly kind = 'vulkan';
  override readonly name = 'VulkanCallError';
  constructor(
    readonly call: string,
    readonly result: number,
  ) {
    super(`${call} failed: ${vkResultName(result)}`);
  }
  get resultName(): string {
    return vkResultName(this.result);
  }
}

/** What the report records for a failed call: the same three fields for every kind. */
export interface CallFailure {
  /** The Vulkan command concerned. */
  call: string;
  /** The VkResult name, or NULL_ENTRY_POINT / INVALID_DRIVER_OUTPUT. */
  result: string;
  message: string;
}

/** Base of the failures that have no VkResult. */
export abstract class DriverFaultError extends ProbeError {
  readonly kind = 'vulkan';
  abstract readonly call: string;
  abstract readonly resultName: string;
}

/** vkGetInstanceProcAddr or vkGetDeviceProcAddr gave NULL for a command the probe needs. */
export class MissingEntryPointError extends DriverFaultError {
  override readonly name = 'MissingEntryPointError';
  readonly resultName = 'NULL_ENTRY_POINT';
  constructor(
    /** The lookup that answered NULL: vkGetInstanceProcAddr or vkGetDeviceProcAddr. */
    readonly resolver: string,
    /** The command it was asked for. */
    readonly call: string,
    detail = '',
  ) {
    super(`${resolver} returned NULL for ${call}${detail ? `: ${detail}` : ''}`);
  }
}

/** A command returned data no correct driver returns; `message` says what was wrong. */
export class DriverOutputError extends DriverFaultError {
  override readonly name = 'DriverOutputError';
  readonly resultName = 'INVALID_DRIVER_OUTPUT';
  constructor(
    readonly call: string,
    what: string,
  ) {
    super(`${call} ${what}`);
  }
}

/** Every failure that belongs to one GPU rather than to rdma-probe. */
export function isVulkanFailure(error: unknown): error is VulkanCallError | DriverFaultError {
  return error instanceof VulkanCallError || error instanceof DriverFaultError;
}

export function callFailureOf(error: VulkanCallError | DriverFaultError): CallFailure {
  return { call: error.call, result: error.resultName, message: error.message };
}
