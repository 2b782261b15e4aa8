/**
 * What the fleet reader's byte scanners (split-json.ts, line-parser.ts) and its parsing
 * share: the bytes of JSON's syntax, and the one way bytes become a value: strict UTF-8
 * (a leading BOM dropped), then JSON.parse.
 */
export const OPEN_BRACE = 0x7b;
export const CLOSE_BRACE = 0x7d;
export const OPEN_BRACKET = 0x5b;
export const CLOSE_BRACKET = 0x5d;
export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const COMMA = 0x2c;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * `before` + the bytes as UTF-8 + `after`, parsed; or which step refused them. JSON.parse's
 * own message is not kept: it quotes the input.
 */
export function parseJsonBytes(
  bytes: Uint8Array,
  before = '',
  after = '',
): { ok: true; value: unknown } | { ok: false; failed: 'utf8' | 'json' } {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { ok: false, failed: 'utf8' };
  }
  try {
    return { ok: true, value: JSON.parse(before + text + after) };
  } catch {
    return { ok: false, failed: 'json' };
  }
}
