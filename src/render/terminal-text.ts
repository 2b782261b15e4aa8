/**
 * Text from outside rdma-probe (driver strings, host names, file names, reason codes read
 * from other hosts' reports) made safe to show on a terminal. A driver or a hostile report
 * must not be able to retitle the terminal, clear it, move the cursor, or forge lines of
 * output: every control character is shown as an escape instead of being sent.
 *
 * Escaped: C0 controls (U+0000-U+001F, newline and tab included: a table cell or a message
 * line must stay one line), DEL, C1 controls (U+0080-U+009F: U+009B is a one-character
 * CSI on many terminals), the Unicode bidirectional overrides and isolates (which can make
 * a line read differently from the bytes it holds), and the line and paragraph separators.
 * Everything else, non-ASCII letters included, is shown as it is. JSON output never goes
 * through this: JSON.stringify escapes what JSON needs, and the values stay exact.
 */

const UNSAFE =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu;

const NAMED: Readonly<Record<string, string>> = {
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

function escapeOne(character: string): string {
  const named = NAMED[character];
  if (named !== undefined) return named;
  const code = character.codePointAt(0)!;
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** `text` with every control character replaced by a visible escape (see above). */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, escapeOne);
}

/**
 * A copy of `value` with terminalSafe applied to every string in it, however deep: what the
 * human renderers draw from. Escaping the whole report once, before any row is built, means
 * a row added later cannot forget it. Only plain JSON-like data (objects, arrays, strings,
 * numbers, booleans, null) is expected; anything else is returned as it is.
 */
export function terminalSafeDeep<T>(value: T): T {
  return escapeValue(value) as T;
}

function escapeValue(value: unknown): unknown {
  if (typeof value === 'string') return terminalSafe(value);
  if (Array.isArray(value)) return value.map(escapeValue);
  if (typeof value === 'object' && value !== null) {
    // fromEntries defines each key, so a "__proto__" key read from JSON stays a plain key.
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, escapeValue(item)]));
  }
  return value;
}
