/**
 * What main() is handed: the process's streams, environment and clock (CliIo) and the
 * Vulkan binding it opens (CliDeps). Their own module, so that the commands main() loads
 * can name them without importing main.ts back.
 */
import type { Stdin } from '../fleet/read-inputs.js';
import type { VulkanBinding } from '../vulkan/binding.js';
import type { ColorLevel } from '../render/color-level.js';

export interface OutputStream {
  write(text: string): unknown;
  isTTY?: boolean;
  /** The terminal's width, if it is one: help text wraps to it. */
  columns?: number | undefined;
}

export interface CliIo {
  stdout: OutputStream;
  stderr: OutputStream;
  env: NodeJS.ProcessEnv;
  /** For `report -`; none when absent (`report -` then says there is no standard input). */
  stdin?: Stdin;
  /**
   * The user's arguments (argv after the script) as bytes, when they can be known: a file
   * name that is not UTF-8 is written with exactly its bytes (see argv-bytes.ts).
   */
  argvBytes?: (decoded: readonly string[]) => Buffer[] | null;
  /** What stdout can show; chalk's detection when absent (tests pass their own). */
  stdoutColorLevel?: () => Promise<ColorLevel>;
  /**
   * The wall clock; `new Date()` when absent. `list` and `check` date their report by it;
   * `report` dates its output by it, and judges every host's age against that date (tests
   * pass a fixed one).
   */
  now?: () => Date;
}

export interface CliDeps {
  /** Opens the Vulkan binding; the real one loads libvulkan.so.1 through koffi. */
  loadBinding: (env: NodeJS.ProcessEnv) => VulkanBinding | Promise<VulkanBinding>;
}
