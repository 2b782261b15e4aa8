/** The one colour policy of the CLI: only on a terminal, never with NO_COLOR or --no-color. */
import type { OutputStream } from './main.js';

export function useColor(
  stdout: OutputStream,
  env: NodeJS.ProcessEnv,
  colorOption: boolean | undefined,
): boolean {
  return colorOption !== false && stdout.isTTY === true && !env['NO_COLOR'];
}
