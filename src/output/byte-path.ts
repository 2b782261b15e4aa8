/**
 * File paths as bytes. Linux file names are bytes, not text: a name that is not valid
 * UTF-8 (`-o $'\xff.prom'`) survives only as a Buffer, which Node's fs accepts anywhere a
 * path goes. These are path.dirname / basename / join for such paths; '/' is one byte in
 * every encoding Linux names use, so splitting on it is exact.
 */

const SLASH = 0x2f;

export function pathBytes(file: string | Buffer): Buffer {
  return typeof file === 'string' ? Buffer.from(file, 'utf8') : file;
}

/** The path shown to a person (invalid UTF-8 as U+FFFD); print it through terminalSafe. */
export function showPath(file: Buffer): string {
  return file.toString('utf8');
}

export function isAbsoluteBytes(file: Buffer): boolean {
  return file[0] === SLASH;
}

export function endsWithSlash(file: Buffer): boolean {
  return file.length > 0 && file[file.length - 1] === SLASH;
}

/** The folder part, as path.dirname: "a/b" -> "a", "b" -> ".", "/b" -> "/". */
export function dirnameBytes(file: Buffer): Buffer {
  const trimmed = trimTrailingSlashes(file);
  const slash = trimmed.lastIndexOf(SLASH);
  if (slash < 0) return Buffer.from('.');
  const folder = trimTrailingSlashes(trimmed.subarray(0, slash));
  return folder.length === 0 ? Buffer.from('/') : folder;
}

/** The last part, as path.basename: "a/b" -> "b". */
export function basenameBytes(file: Buffer): Buffer {
  const trimmed = trimTrailingSlashes(file);
  return trimmed.subarray(trimmed.lastIndexOf(SLASH) + 1);
}

export function joinBytes(folder: Buffer, name: Buffer): Buffer {
  return endsWithSlash(folder)
    ? Buffer.concat([folder, name])
    : Buffer.concat([folder, Buffer.from('/'), name]);
}

function trimTrailingSlashes(file: Buffer): Buffer {
  let end = file.length;
  while (end > 1 && file[end - 1] === SLASH) end--;
  return file.subarray(0, end);
}
