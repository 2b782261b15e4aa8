/**
 * JSON.parse for the NDJSON lines of `report -`, parsing only what a line does not share
 * with the line before it.
 *
 * `list --ndjson` repeats the host's fields on each GPU's line, so the lines of one host
 * begin with the same 2 KB or so (everything up to "gpu"), and pdsh passes each host's
 * lines on together. When a line starts with exactly the bytes of such a shared beginning
 * (a run of whole members `{"k1":v1,...,"kn":vn,` of the previous line), only the rest
 * is parsed, as `{` + rest, and the object is the shared members' parsed values followed
 * by the rest's. That is JSON.parse's own answer for the whole line, value for value and
 * in the same key order:
 *
 * - the line is valid JSON exactly when `{` + rest is: the shared members parse (as
 *   `{...}`, at least one of them), and after a comma between members JSON allows what
 *   it allows after `{`, except `}`, and the rest must begin with `"`;
 * - it is valid UTF-8 exactly when both parts are, since they meet at a comma (ASCII);
 * - a key in both parts keeps its first place and takes the later value, in JSON.parse
 *   and in object spread alike, and spread defines keys as JSON.parse does (`__proto__`
 *   is an own key, not the prototype).
 *
 * Measured on 25,000 hosts' lines (765 MiB): JSON.parse's time down by a third, the whole
 * run by a fifth. Lines of 64 hosts interleaved line by line gain nothing and cost 2% (a
 * copy of each line and a comparison); remembering the beginnings of many hosts at once
 * to serve that case too measured worse: they outlive V8's young generation, and the old
 * one then grows by 50 MiB of beginnings no longer used.
 * The shared values are the same objects for every line that shares them: the caller must
 * not change what it is given.
 */
import {
  BACKSLASH,
  CLOSE_BRACE,
  CLOSE_BRACKET,
  COMMA,
  OPEN_BRACE,
  OPEN_BRACKET,
  QUOTE,
  parseJsonBytes,
} from './json-bytes.js';

/** The beginning of a line, through the comma after its last whole member, and their values. */
interface SharedStart {
  bytes: Buffer;
  members: Record<string, unknown>;
}

export type LineParse = { ok: true; value: unknown } | { ok: false };

/** Shorter beginnings are not worth a second parse of their own. */
const MIN_SHARED_BYTES = 256;

export class LineParser {
  private shared: SharedStart | null = null;
  /**
   * The last line parsed whole while no shared beginning fitted, copied (chunks are
   * reused) into one buffer kept for it: lines that share nothing come one after another
   * when pdsh interleaves hosts, and a copy of each would be garbage by the megabyte.
   */
  private previous = Buffer.alloc(0);
  private previousLength = 0;

  /** The line's value, as JSON.parse of its UTF-8 text gives it; ok false where that throws. */
  parse(line: Uint8Array): LineParse {
    const shared = this.shared;
    if (shared !== null && startsWith(line, shared.bytes)) return restOf(line, shared);
    if (this.previousLength > 0) {
      const previous = this.previous.subarray(0, this.previousLength);
      this.previousLength = 0;
      const start = sharedStart(line, commonPrefixLength(previous, line));
      if (start !== null) {
        this.shared = start;
        return restOf(line, start);
      }
    }
    this.remember(line);
    return parseText(line);
  }

  private remember(line: Uint8Array): void {
    if (this.previous.length < line.length) {
      this.previous = Buffer.allocUnsafeSlow(Math.max(line.length, 2 * this.previous.length));
    }
    this.previous.set(line);
    this.previousLength = line.length;
  }
}

function restOf(line: Uint8Array, shared: SharedStart): LineParse {
  // Only a member may follow the comma: `,}` or `, "` are for JSON.parse to judge whole.
  if (line[shared.bytes.length] !== QUOTE) return parseText(line);
  const rest = parseText(line.subarray(shared.bytes.length), '{');
  if (!rest.ok) return rest;
  return { ok: true, value: { ...shared.members, ...(rest.value as Record<string, unknown>) } };
}

/**
 * The beginning of `line` through the last comma between members of the line's own
 * object within its first `length` bytes, when a member starts right after it (a `"`)
 * and it is long enough; null otherwise, or when those members do not parse.
 */
function sharedStart(line: Uint8Array, length: number): SharedStart | null {
  if (length < MIN_SHARED_BYTES || line[0] !== OPEN_BRACE) return null;
  const comma = lastMemberComma(line, length);
  if (comma < MIN_SHARED_BYTES || line[comma + 1] !== QUOTE) return null;
  const members = parseText(line.subarray(0, comma), '', '}');
  // It is an object whenever it parses (it starts with `{`); one of at least one member,
  // or the comma would follow a bare `{` (and `{,` is no JSON at all).
  if (!members.ok || Object.keys(members.value as object).length === 0) return null;
  return {
    bytes: Buffer.from(line.subarray(0, comma + 1)),
    members: members.value as Record<string, unknown>,
  };
}

/** The last comma at depth 1 (between the members of the outer object) before `end`; -1 if none. */
function lastMemberComma(line: Uint8Array, end: number): number {
  let depth = 0;
  let inString = false;
  let escaped = false;
  let last = -1;
  for (let i = 0; i < end; i++) {
    const byte = line[i]!;
    if (inString) {
      if (escaped) escaped = false;
      else if (byte === BACKSLASH) escaped = true;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) inString = true;
    else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) depth++;
    else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
      // Past the outer object's end: nothing after this is a member of it.
      if (--depth === 0) return last;
    } else if (byte === COMMA && depth === 1) last = i;
  }
  return last;
}

/**
 * How many bytes two lines begin with alike, or 0 when that is under MIN_SHARED_BYTES (one
 * comparison, where interleaved hosts differ); found by a binary search of comparisons.
 */
function commonPrefixLength(a: Buffer, b: Uint8Array): number {
  if (Math.min(a.length, b.length) < MIN_SHARED_BYTES) return 0;
  if (a.compare(b, 0, MIN_SHARED_BYTES, 0, MIN_SHARED_BYTES) !== 0) return 0;
  let low = MIN_SHARED_BYTES;
  let high = Math.min(a.length, b.length);
  while (low < high) {
    const middle = (low + high + 1) >>> 1;
    if (a.compare(b, 0, middle, 0, middle) === 0) low = middle;
    else high = middle - 1;
  }
  return low;
}

function startsWith(line: Uint8Array, start: Buffer): boolean {
  return line.length > start.length && start.compare(line, 0, start.length) === 0;
}

function parseText(bytes: Uint8Array, before = '', after = ''): LineParse {
  const parsed = parseJsonBytes(bytes, before, after);
  return parsed.ok ? parsed : { ok: false };
}
