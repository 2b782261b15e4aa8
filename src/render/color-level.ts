/**
 * What standard output can show, as chalk detects it (its bundled supports-color: a
 * terminal, FORCE_COLOR, TERM=dumb, --no-color on the command line). Here because chalk is
 * the render layer's; the policy that decides from it is src/cli/color.ts.
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
