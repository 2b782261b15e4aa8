/**
 * Splits a stream of bytes into JSON documents: one document, NDJSON, or pretty-printed
 * documents one after another (what cat of many files gives). It tracks only nesting and
 * strings to find where each document ends; JSON.parse does the real parsing.
 *
 * It works on bytes, not text: every byte JSON gives meaning to ({ } [ ] " \ and newline)
 * is ASCII, and UTF-8 never uses bytes below 0x80 inside a multi-byte character, so a byte
 * scan finds the same boundaries, and UTF-8 is decoded only for whole documents.
 *
 * Linear in time and bounded in memory whatever it is fed: each byte is looked at once
 * (a line that is not JSON is skipped with Buffer.indexOf), and it keeps at most the
 * current document, up to the cap; a longer one is still scanned to its end but its bytes
 * are dropped. Lines that are not JSON are never kept: the caller is told where they are,
 * not what they say (the input may be a secret file that is not a report at all).
 *
 * The byte scan costs about a third of what JSON.parse does, and an NDJSON line needs
 * none of it when it is one whole report: a caller's `takeLine` is offered the rest of the
 * line from each "{" that starts a document, when the line ends in "}" within the chunk,
 * and what it returns (it parsed the line and found a report) is passed on as it is; the
 * line is scanned only when it returns undefined. LineTaker says what that does to the
 * depth limit.
 */
import {
  BACKSLASH,
  CLOSE_BRACE,
  CLOSE_BRACKET,
  OPEN_BRACE,
  OPEN_BRACKET,
  QUOTE,
} from './json-bytes.js';

/**
 * Offered a line's `{...}` before it is scanned (its bytes, the line it is on): the caller's
 * value when it takes the line as one whole document, else undefined, and the line is then
 * scanned like any other. A taker parses what it is offered, so a line that is one JSON
 * object reaches JSON.parse whatever its nesting, and MAX_DEPTH decides only how one that
 * is not taken is reported. No protection is lost: JSON.parse's time grows with the bytes
 * and values it reads, not with their depth (measured on 16 MiB, Node 24 and 20: nested
 * brackets 1.4-1.8 s, arrays of depth 60 0.9-2.4 s, [{},{},...] 0.6-1.8 s), and the size
 * cap bounds those.
 */
export type LineTaker<T> = (bytes: Uint8Array, line: number) => T | undefined;

export type SplitEvent<T = never> =
  | { kind: 'document'; line: number; bytes: Uint8Array }
  /** A line takeLine took: its value. */
  | { kind: 'taken'; line: number; value: T }
  /** Lines `line` to `lastLine` (blank lines among them) hold no JSON document. */
  | { kind: 'garbage'; line: number; lastLine: number }
  | { kind: 'too-large'; line: number; bytes: number }
  /** Nested deeper than any report (see MAX_DEPTH); skipped like a document too large. */
  | { kind: 'too-deep'; line: number }
  | { kind: 'truncated'; line: number };

const NEWLINE = 0x0a;
const SPACE = 0x20;
const TAB = 0x09;
const CARRIAGE_RETURN = 0x0d;
/**
 * A report nests about 6 levels deep: a document the splitter scans that nests deeper is
 * not one, and is skipped unparsed (a line a LineTaker takes is not scanned).
 */
export const MAX_DEPTH = 64;
/** The UTF-8 byte order mark some editors write at the start of a file. */
const BOM = [0xef, 0xbb, 0xbf];

type State = 'between' | 'garbage' | 'document';

export class JsonSplitter<T = never> {
  private state: State = 'between';
  private line = 1;
  /** Bytes of the stream's start matched against the BOM so far; -1 once past it. */
  private bomMatched = 0;
  /** The run of lines without a document seen since the last document. */
  private garbage: { line: number; lastLine: number } | null = null;

  // The current document (state 'document').
  private startLine = 1;
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** Its bytes from earlier chunks (copies), while it is within the cap. */
  private pieces: Uint8Array[] = [];
  /** Its length so far, kept or not. */
  private length = 0;
  /** It passed the cap or MAX_DEPTH: keep scanning to its end, keep none of its bytes. */
  private skipping = false;
  private tooDeep = false;

  constructor(
    private readonly maxBytes: number,
    private readonly takeLine: LineTaker<T> | null = null,
  ) {}

  /**
   * The events this chunk completes. The splitter keeps no reference to the chunk, but a
   * document's bytes may point into it: use them before the chunk is reused.
   */
  feed(chunk: Uint8Array): SplitEvent<T>[] {
    const events: SplitEvent<T>[] = [];
    let i = this.skipBom(chunk);
    /** Where the current document starts in this chunk. */
    let from = this.state === 'document' ? i : -1;
    const end = chunk.length;
    while (i < end) {
      const byte = chunk[i]!;
      if (this.state === 'between') {
        if (byte === NEWLINE) this.line++;
        else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
          const taken = byte === OPEN_BRACE ? this.offerLine(chunk, i, events) : -1;
          if (taken >= 0) {
            i = taken; // 'between' counts the newline
            continue;
          }
          this.flushGarbage(events);
          this.startDocument();
          from = i;
          continue; // the document loop counts this bracket
        } else if (byte !== SPACE && byte !== TAB && byte !== CARRIAGE_RETURN) {
          this.state = 'garbage';
          if (this.garbage) this.garbage.lastLine = this.line;
          else this.garbage = { line: this.line, lastLine: this.line };
          continue;
        }
        i++;
      } else if (this.state === 'garbage') {
        const newline = chunk.indexOf(NEWLINE, i);
        if (newline < 0) break;
        i = newline; // 'between' counts the newline
        this.state = 'between';
      } else {
        i = this.scanDocument(chunk, i);
        if (this.depth === 0) {
          events.push(this.finishDocument(chunk.subarray(from, i)));
          from = -1;
        }
      }
    }
    if (this.state === 'document') this.keep(chunk.subarray(from, end));
    return events;
  }

  /** What is left when the stream ends: an unfinished document, trailing non-JSON lines. */
  end(): SplitEvent<T>[] {
    const events: SplitEvent<T>[] = [];
    if (this.bomMatched > 0) this.leaveBom();
    if (this.state === 'document') {
      events.push(
        this.tooDeep
          ? { kind: 'too-deep', line: this.startLine }
          : this.skipping
            ? { kind: 'too-large', line: this.startLine, bytes: this.length }
            : { kind: 'truncated', line: this.startLine },
      );
      this.pieces = [];
    }
    this.flushGarbage(events);
    this.state = 'between';
    return events;
  }

  /**
   * Offers the line from `start` (a "{") to takeLine, if it ends in this chunk with "}";
   * returns where its newline is when takeLine took it, else -1.
   */
  private offerLine(chunk: Uint8Array, start: number, events: SplitEvent<T>[]): number {
    if (this.takeLine === null) return -1;
    const newline = chunk.indexOf(NEWLINE, start);
    if (newline < 0 || newline - start > this.maxBytes) return -1;
    let last = newline - 1;
    while (chunk[last] === CARRIAGE_RETURN || chunk[last] === SPACE || chunk[last] === TAB) last--;
    if (chunk[last] !== CLOSE_BRACE) return -1;
    const value = this.takeLine(chunk.subarray(start, newline), this.line);
    if (value === undefined) return -1;
    this.flushGarbage(events);
    events.push({ kind: 'taken', line: this.line, value });
    return newline;
  }

  /**
   * Scans the current document from `start` to its end or the chunk's, and returns where
   * it stopped (just past the closing bracket when depth is back to 0). The hot loop of
   * the splitter: its state is in locals, written back once.
   */
  private scanDocument(chunk: Uint8Array, start: number): number {
    const end = chunk.length;
    let { depth, inString, escaped, line } = this;
    let i = start;
    while (i < end) {
      const byte = chunk[i++]!;
      if (inString) {
        if (escaped) escaped = false;
        else if (byte === BACKSLASH) escaped = true;
        else if (byte === QUOTE) inString = false;
        else if (byte === NEWLINE) line++;
      } else if (byte === QUOTE) {
        inString = true;
      } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
        if (++depth > MAX_DEPTH && !this.tooDeep) {
          this.tooDeep = true;
          this.skipping = true;
          this.pieces = [];
        }
      } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
        if (--depth === 0) break;
      } else if (byte === NEWLINE) {
        line++;
      }
    }
    this.depth = depth;
    this.inString = inString;
    this.escaped = escaped;
    this.line = line;
    return i;
  }

  /** Skips a BOM at the very start of the stream, also when it comes split over chunks. */
  private skipBom(chunk: Uint8Array): number {
    let i = 0;
    while (this.bomMatched >= 0 && this.bomMatched < BOM.length && i < chunk.length) {
      if (chunk[i] !== BOM[this.bomMatched]) {
        this.leaveBom();
        return i;
      }
      this.bomMatched++;
      i++;
    }
    if (this.bomMatched === BOM.length) this.bomMatched = -1;
    return i;
  }

  /** Past the start: bytes that began like a BOM but were not one are not JSON either. */
  private leaveBom(): void {
    if (this.bomMatched > 0) {
      this.garbage = { line: 1, lastLine: 1 };
      this.state = 'garbage';
    }
    this.bomMatched = -1;
  }

  private startDocument(): void {
    this.state = 'document';
    this.startLine = this.line;
    this.depth = 0;
    this.inString = false;
    this.escaped = false;
    this.pieces = [];
    this.length = 0;
    this.skipping = false;
    this.tooDeep = false;
  }

  /** Keeps a piece of an unfinished document, copied, unless it is past the cap. */
  private keep(piece: Uint8Array): void {
    this.length += piece.length;
    if (this.skipping) return;
    if (this.length > this.maxBytes) {
      this.skipping = true;
      this.pieces = [];
      return;
    }
    this.pieces.push(Uint8Array.prototype.slice.call(piece));
  }

  private finishDocument(last: Uint8Array): SplitEvent<T> {
    this.state = 'between';
    const length = this.length + last.length;
    const pieces = this.pieces;
    this.pieces = [];
    if (this.tooDeep) return { kind: 'too-deep', line: this.startLine };
    if (this.skipping || length > this.maxBytes) {
      return { kind: 'too-large', line: this.startLine, bytes: length };
    }
    const bytes = pieces.length === 0 ? last : Buffer.concat([...pieces, last]);
    return { kind: 'document', line: this.startLine, bytes };
  }

  private flushGarbage(events: SplitEvent<T>[]): void {
    if (this.garbage === null) return;
    events.push({ kind: 'garbage', ...this.garbage });
    this.garbage = null;
  }
}

/**
 * Where the one document of a whole input would start, if the input is one object and
 * blanks (a `list --json` file): a BOM and blank lines skipped, and the line it is on.
 * null when it does not start with "{" or end with "}" (then it is split as a stream).
 */
export function soleDocumentStart(bytes: Uint8Array): { start: number; line: number } | null {
  let i = bytes[0] === BOM[0] && bytes[1] === BOM[1] && bytes[2] === BOM[2] ? BOM.length : 0;
  let line = 1;
  for (; i < bytes.length; i++) {
    const byte = bytes[i];
    if (byte === NEWLINE) line++;
    else if (byte !== SPACE && byte !== TAB && byte !== CARRIAGE_RETURN) break;
  }
  if (bytes[i] !== OPEN_BRACE) return null;
  let last = bytes.length - 1;
  while (last > i && isBlank(bytes[last]!)) last--;
  return bytes[last] === CLOSE_BRACE ? { start: i, line } : null;
}

function isBlank(byte: number): boolean {
  return byte === NEWLINE || byte === SPACE || byte === TAB || byte === CARRIAGE_RETURN;
}
