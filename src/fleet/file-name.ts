/**
 * File names as text. Linux file names are bytes, not UTF-8: a folder may hold a name that
 * no string can spell. The fleet report reads such files (by their Buffer path) and names
 * them with each byte that is not part of valid UTF-8 written as \xNN, the way Python's
 * "backslashreplace" does, so the name stays readable and distinct in JSON and on a
 * terminal. Control characters are left to terminalSafe, which the table applies.
 */

/** `bytes` as UTF-8, each byte of an invalid sequence shown as \xNN. */
export function fileNameText(bytes: Uint8Array): string {
  let text = '';
  let run = 0; // start of the current run of valid UTF-8
  let i = 0;
  while (i < bytes.length) {
    const length = sequenceLength(bytes, i);
    if (length > 0) {
      i += length;
      continue;
    }
    text += Buffer.from(bytes.subarray(run, i)).toString('utf8');
    text += `\\x${bytes[i]!.toString(16).padStart(2, '0')}`;
    i++;
    run = i;
  }
  return text + Buffer.from(bytes.subarray(run)).toString('utf8');
}

/** The length of the valid UTF-8 sequence at `i`, or 0 (RFC 3629, table 3-7 of Unicode). */
function sequenceLength(bytes: Uint8Array, i: number): number {
  const lead = bytes[i]!;
  if (lead < 0x80) return 1;
  const within = (k: number, low = 0x80, high = 0xbf) =>
    i + k < bytes.length && bytes[i + k]! >= low && bytes[i + k]! <= high;
  if (lead >= 0xc2 && lead <= 0xdf) return within(1) ? 2 : 0;
  if (lead >= 0xe0 && lead <= 0xef) {
    const [low, high] = lead === 0xe0 ? [0xa0, 0xbf] : lead === 0xed ? [0x80, 0x9f] : [0x80, 0xbf];
    return within(1, low, high) && within(2) ? 3 : 0;
  }
  if (lead >= 0xf0 && lead <= 0xf4) {
    const [low, high] = lead === 0xf0 ? [0x90, 0xbf] : lead === 0xf4 ? [0x80, 0x8f] : [0x80, 0xbf];
    return within(1, low, high) && within(2) && within(3) ? 4 : 0;
  }
  return 0;
}
