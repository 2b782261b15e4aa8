/**
 * The command-line arguments as the kernel holds them. Node decodes argv as UTF-8 and
 * turns every invalid byte into U+FFFD, so `-o $'\xff.prom'` would otherwise write a file
 * with another name; the exact bytes are in /proc/self/cmdline, and rawOptionValue finds
 * an option's value among them.
 */
import { readFileSync } from 'node:fs';

/**
 * The last `count` arguments of this process (the user's, after node and the script, or
 * after the single binary), or null when /proc is not there or they do not match `decoded`.
 */
export function readArgvBytes(decoded: readonly string[]): Buffer[] | null {
  let cmdline: Buffer;
  try {
    cmdline = readFileSync('/proc/self/cmdline');
  } catch {
    return null;
  }
  const all = splitOnNul(cmdline);
  if (all.length < decoded.length) return null;
  // The user's arguments are always last: node's own options come before the script.
  const mine = all.slice(all.length - decoded.length);
  return mine.every((bytes, i) => sameText(bytes.toString('utf8'), decoded[i]!)) ? mine : null;
}

function splitOnNul(bytes: Buffer): Buffer[] {
  const parts: Buffer[] = [];
  let start = 0;
  for (let nul = bytes.indexOf(0); nul >= 0; nul = bytes.indexOf(0, start)) {
    parts.push(bytes.subarray(start, nul));
    start = nul + 1;
  }
  if (start < bytes.length) parts.push(bytes.subarray(start));
  return parts;
}

/**
 * Equal once each run of U+FFFD counts as one: V8 and Buffer may replace a broken
 * sequence with a different number of them.
 */
export function sameText(a: string, b: string): boolean {
  const squeeze = (text: string) => text.replace(/\uFFFD+/g, '\uFFFD');
  return squeeze(a) === squeeze(b);
}

/**
 * The bytes of the last -o/--output on the command line whose decoded value is `value`:
 * `-o V`, `--output V`, `--output=V` or `-oV`. The last one, as commander keeps the last.
 */
export function rawOptionValue(
  value: string,
  args: readonly string[],
  argvBytes: readonly Buffer[],
): Buffer | null {
  if (argvBytes.length !== args.length) return null;
  for (let i = args.length - 1; i >= 0; i--) {
    const arg = args[i]!;
    const previous = args[i - 1];
    if ((previous === '-o' || previous === '--output') && sameText(arg, value)) {
      return argvBytes[i]!;
    }
    for (const prefix of ['--output=', '-o']) {
      if (arg.startsWith(prefix) && arg !== prefix && sameText(arg.slice(prefix.length), value)) {
        return argvBytes[i]!.subarray(prefix.length);
      }
    }
  }
  return null;
}
