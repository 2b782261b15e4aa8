/**
 * The names of replaceFile's temporary files: `.<name>.<pid>-<time>-<n>.tmp` beside the
 * target. The leading dot and the `.tmp` ending keep readers away from a half-written
 * file (NFD skips hidden files, node_exporter reads only *.prom). The pid says which
 * process wrote it, so a later run can tell a dead writer's leftover from a live one's.
 *
 * A name is at most NAME_MAX (255) bytes, counted in bytes, not UTF-16 units: the target's
 * name is cut to MAX_NAME_PART_BYTES in the temporary name, so a 255-byte target still
 * gets a temporary name that the kernel accepts.
 */

export const NAME_MAX_BYTES = 255;
/** Room for the dots, "<pid>-<time>-<n>" (at most 10+1+9+1+8 bytes) and ".tmp". */
export const MAX_NAME_PART_BYTES = NAME_MAX_BYTES - 40;

const UNIQUE = /^(\d{1,10})-([0-9a-z]{1,9})-([0-9a-z]{1,8})$/;
const SUFFIX = Buffer.from('.tmp');
const DOT = Buffer.from('.');

export interface TemporaryNameParts {
  pid: number;
  /** When it was made (milliseconds), and a per-process counter: together unique. */
  time: number;
  counter: number;
}

/** The temporary name for a target named `name` (its last path component). */
export function temporaryName(name: Buffer, parts: TemporaryNameParts): Buffer {
  const unique = `${parts.pid}-${parts.time.toString(36)}-${parts.counter.toString(36)}`;
  return Buffer.concat([DOT, namePart(name), DOT, Buffer.from(unique), SUFFIX]);
}

/**
 * The writer's pid when `entry` is exactly a temporary name of the target `name`; null for
 * anything else (another target's, another tool's, or a look-alike).
 */
export function temporaryNameWriter(entry: Buffer, name: Buffer): number | null {
  const head = Buffer.concat([DOT, namePart(name), DOT]);
  if (entry.length <= head.length + SUFFIX.length) return null;
  if (!entry.subarray(0, head.length).equals(head)) return null;
  if (!entry.subarray(entry.length - SUFFIX.length).equals(SUFFIX)) return null;
  const unique = entry.subarray(head.length, entry.length - SUFFIX.length).toString('latin1');
  const match = UNIQUE.exec(unique);
  return match ? Number(match[1]) : null;
}

/** The target's name, cut to MAX_NAME_PART_BYTES without splitting a UTF-8 character. */
function namePart(name: Buffer): Buffer {
  if (name.length <= MAX_NAME_PART_BYTES) return name;
  let end = MAX_NAME_PART_BYTES;
  // Back off continuation bytes (10xxxxxx) to the start of the character.
  for (let back = 0; back < 3 && (name[end]! & 0xc0) === 0x80; back++) end--;
  return name.subarray(0, end);
}
