/**
 * The one colour policy of the CLI, as the ecosystem expects it: chalk's own detection
 * (its bundled supports-color: a terminal, FORCE_COLOR, TERM=dumb, --no-color on the
 * command line), then NO_COLOR and the --no-color option, which always win. Only the
 * tables are ever coloured; JSON, NDJSON, NFD, Prometheus and files written with
 * --output never are.
 */

/** What the terminal can show: 0 none, 1 basic, 2 256 colours, 3 true colour. */
export type ColorLevel = 0 | 1 | 2 | 3;

/**
 * chalk's verdict for standard output. Loaded on demand: chalk's detection loads node:tty,
 * which the formats without colour should not pay for at start-up.
 */
export async function detectStdoutColorLevel(): Promise<ColorLevel> {
  const { supportsColor } = await import('chalk');
  return supportsColor ? supportsColor.level : 0;
}

/** Whether to colour, given what was detected: NO_COLOR (https://no-color.org) and --no-color win. */
export function useColor(
  detected: ColorLevel,
  env: NodeJS.ProcessEnv,
  colorOption: boolean | undefined,
): boolean {
  return colorOption !== false && !env['NO_COLOR'] && detected > 0;
}
