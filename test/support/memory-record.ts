/**
 * What the test driver records about the calls it gets (test/driver/state.c), kept by the
 * in-memory binding the same way: live and created objects, the valid-usage rules broken,
 * the last instance, device and allocation, its fault table, and the calls only a program
 * makes. state() is what a test reads, as it reads the driver's state file.
 */
import { DEVICE_COMMANDS } from '../../src/vulkan/commands.js';
import type { ModelFault } from './memory-config.js';
import type { TestDriverState } from './test-driver.js';

/** What a test reads of the driver's state file, whether the driver or this binding ran. */
export type DriverStateView = Pick<
  TestDriverState,
  | 'live'
  | 'created'
  | 'violations'
  | 'configErrors'
  | 'lastInstance'
  | 'lastDevice'
  | 'lastAllocation'
>;

/** The commands only a program calls, never the loader on its own. */
export const DEVICE_LEVEL_CALLS: readonly string[] = ['vkCreateDevice', ...DEVICE_COMMANDS];

export interface MemoryDriverState extends DriverStateView {
  /**
   * The driver's calls per command (faulted ones included) for DEVICE_LEVEL_CALLS only:
   * the loader makes the others too, as often as it needs, so their counts would differ.
   */
  deviceCalls: Record<string, number>;
}

const VK_SUCCESS = 0;

export class DriverRecord {
  readonly live = { instances: 0, devices: 0, buffers: 0, memory: 0 };
  readonly created = { instances: 0, devices: 0, buffers: 0, memory: 0 };
  lastInstance: MemoryDriverState['lastInstance'] = null;
  lastDevice: MemoryDriverState['lastDevice'] = null;
  lastAllocation: MemoryDriverState['lastAllocation'] = null;
  private readonly violations: string[] = [];
  private readonly deviceCalls: Record<string, number> = {};
  /** How many calls each fault has matched, as the driver counts them. */
  private readonly matches: number[];

  constructor(private readonly faults: readonly ModelFault[]) {
    this.matches = faults.map(() => 0);
  }

  /** A copy: later calls do not change it. */
  state(): MemoryDriverState {
    return structuredClone({
      live: this.live,
      created: this.created,
      violations: this.violations,
      configErrors: [],
      lastInstance: this.lastInstance,
      lastDevice: this.lastDevice,
      lastAllocation: this.lastAllocation,
      deviceCalls: this.deviceCalls,
    });
  }

  violation(id: string, text: string): void {
    this.violations.push(`${id}: ${text}`);
  }

  /** icd_state_count_call, for the calls the counts are kept of. */
  count(call: string): void {
    if (DEVICE_LEVEL_CALLS.includes(call)) {
      this.deviceCalls[call] = (this.deviceCalls[call] ?? 0) + 1;
    }
  }

  /**
   * icd_state_enter: counts the call and answers the VkResult a fault puts in place of its
   * work, or 0. Every matching fault counts the call, even once an earlier one has fired.
   */
  enter(call: string, device: number): number {
    this.count(call);
    let result = VK_SUCCESS;
    this.faults.forEach((fault, i) => {
      if (fault.call !== call) return;
      if (fault.device >= 0 && fault.device !== device) return;
      const seen = this.matches[i]!++;
      if (result !== VK_SUCCESS || seen < fault.skip) return;
      if (fault.count !== 0 && seen - fault.skip >= fault.count) return;
      result = fault.result;
    });
    return result;
  }
}
