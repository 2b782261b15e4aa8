/**
 * The one colour policy of the CLI, as the ecosystem expects it: chalk's own detection
 * (src/render/color-level.ts), then NO_COLOR and the --no-color option, which always win.
 * Only the tables are ever coloured; JSON, NDJSON, NFD, Prometheus and files written with
 * --output never are.
 */
import { detectStdoutColorLevel, type ColorLevel } from '../render/color-level.js';
import type { CliIo } from './io.js';

/** Whether to colour, given what was detected: NO_COLOR (https://no-color.org) and --no-color win. */
export function useColor(
  detected: ColorLevel,
  env: NodeJS.ProcessEnv,
  colorOption: boolean | undefined,
): boolean {
  return colorOption !== false && !env['NO_COLOR'] && detected > 0;
}

/** Whether to colour a table written to stdout: what stdout can show (chalk's detection, or the test's), then the policy above. */
export async function useColorOnStdout(
  io: CliIo,
  colorOption: boolean | undefined,
): Promise<boolean> {
  const detected = await (io.stdoutColorLevel ?? detectStdoutColorLevel)();
  return useColor(detected, io.env, colorOption);
}
