/**
 * The one colour policy of the CLI, as the ecosystem expects it: chalk's own detection
 * (src/render/color-level.ts), then NO_COLOR and the --no-color option, which always win.
 * Only the tables are ever coloured; JSON, NDJSON, NFD, Prometheus and files written with
 * --output never are.
 */
import type { ColorLevel } from '../render/color-level.js';

/** Whether to colour, given what was detected: NO_COLOR (https://no-color.org) and --no-color win. */
export function useColor(
  detected: ColorLevel,
  env: NodeJS.ProcessEnv,
  colorOption: boolean | undefined,
): boolean {
  return colorOption !== false && !env['NO_COLOR'] && detected > 0;
}
