/**
 * Splits a stream of text into JSON documents: one document, NDJSON, or pretty-printed
 * documents one after another (what cat of many files gives). It tracks only nesting and
 * strings to find where each document ends; JSON.parse does the real parsing. A
 * document larger than the cap is skipped, not buffered.
 */

export type SplitEvent =
  | { kind: 'document'; line: number; text: string }
  | { kind: 'garbage'; line: number; text: string }
  | { kind: 'too-large'; line: number; bytes: number }
  | { kind: 'truncated'; line: number };

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const NEWLINE = 0x0a;

export class JsonSplitter {
  private buffer = '';
  /** Where scanning resumes in buffer. */
  private pos = 0;
  /** Start of the current document in buffer; -1 between documents. */
  private start = -1;
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** The current document passed the cap: keep scanning, stop keeping its text. */
  private skipping = false;
  private skippedChars = 0;
  private line = 1;
  private startLine = 1;

  constructor(private readonly maxChars: number) {}

  feed(chunk: string): SplitEvent[] {
    this.buffer += chunk;
    const events: SplitEvent[] = [];
    this.scan(events);
    this.compact();
    return events;
  }

  end(): SplitEvent[] {
    const events: SplitEvent[] = [];
    if (this.start >= 0) {
      if (this.skipping) events.push(this.tooLarge());
      else events.push({ kind: 'truncated', line: this.startLine });
    } else if (this.buffer.slice(this.pos).trim() !== '') {
      events.push({ kind: 'garbage', line: this.line, text: this.buffer.slice(this.pos) });
    }
    this.buffer = '';
    this.pos = 0;
    this.start = -1;
    return events;
  }

  private scan(events: SplitEvent[]): void {
    const text = this.buffer;
    while (this.pos < text.length) {
      const code = text.charCodeAt(this.pos);
      if (this.start < 0) {
        if (code === OPEN_BRACE || code === OPEN_BRACKET) {
          this.start = this.pos;
          this.startLine = this.line;
          this.depth = 0;
          this.inString = false;
          this.escaped = false;
        } else if (code === NEWLINE) {
          this.line++;
          this.pos++;
          continue;
        } else if (code === 0x20 || code === 0x09 || code === 0x0d || code === 0xfeff) {
          this.pos++;
          continue;
        } else {
          // Not a document: report the rest of the line once and go on with the next.
          const end = text.indexOf('\n', this.pos);
          if (end < 0) {
            if (text.length - this.pos <= this.maxChars) return; // wait for the line's end
            events.push({
              kind: 'garbage',
              line: this.line,
              text: text.slice(this.pos, this.pos + 200),
            });
            this.pos = text.length;
            return;
          }
          events.push({ kind: 'garbage', line: this.line, text: text.slice(this.pos, end) });
          this.pos = end;
          continue;
        }
      }
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (code === BACKSLASH) this.escaped = true;
        else if (code === QUOTE) this.inString = false;
        else if (code === NEWLINE) this.line++;
      } else if (code === QUOTE) {
        this.inString = true;
      } else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
        this.depth++;
      } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
        this.depth--;
        if (this.depth === 0) {
          this.pos++;
          if (this.skipping) {
            events.push(this.tooLarge());
          } else {
            events.push({
              kind: 'document',
              line: this.startLine,
              text: text.slice(this.start, this.pos),
            });
          }
          this.start = -1;
          this.skipping = false;
          this.skippedChars = 0;
          continue;
        }
      } else if (code === NEWLINE) {
        this.line++;
      }
      this.pos++;
    }
    if (this.start >= 0 && !this.skipping && this.pos - this.start > this.maxChars) {
      this.skipping = true;
    }
  }

  /** Drops what is no longer needed: finished documents, or a skipped one's text. */
  private compact(): void {
    if (this.start < 0) {
      // Keep an unfinished garbage line (scan stopped on it) for the next chunk.
      this.buffer = this.buffer.slice(this.pos);
      this.pos = 0;
    } else if (this.skipping) {
      this.skippedChars += this.pos - this.start;
      this.buffer = this.buffer.slice(this.pos);
      this.pos = 0;
      this.start = 0;
    } else if (this.start > 0) {
      this.buffer = this.buffer.slice(this.start);
      this.pos -= this.start;
      this.start = 0;
    }
  }

  private tooLarge(): SplitEvent {
    return {
      kind: 'too-large',
      line: this.startLine,
      bytes: this.skippedChars + this.pos - this.start,
    };
  }
}
