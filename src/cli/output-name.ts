/**
 * The --output value as the file name to write: null for stdout ('-'), the exact bytes
 * the user typed otherwise (see argv-bytes.ts), a usage error when empty.
 */
import { UsageError } from '../errors.js';
import { sameText } from './argv-bytes.js';

const REPLACEMENT = '\uFFFD';

/**
 * @param value what commander parsed
 * @param args the user's arguments as Node decoded them
 * @param argvBytes the same arguments as bytes, when known
 */
export function outputName(
  value: string | undefined,
  args: readonly string[],
  argvBytes: readonly Buffer[] | null,
): Buffer | null {
  if (value === undefined || value === '-') return null;
  if (value === '') throw new UsageError('--output needs a file name (or - for stdout)');
  // Only a name Node had to repair can differ from its UTF-8 encoding.
  if (!value.includes(REPLACEMENT) || argvBytes === null) return Buffer.from(value);
  const bytes = rawOptionValue(value, args, argvBytes);
  if (bytes === null) {
    throw new UsageError(
      `the --output name '${value}' is not valid UTF-8 and its bytes could not be found ` +
        'on the command line; give it as --output=NAME',
    );
  }
  return bytes;
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
