/**
 * What an --output path leads to, decided before anything is written. rdma-probe runs as
 * root, and a rename replaces whatever directory entry has the target's name: pointed at
 * /dev/full it would turn the device node into a regular file. So --output replaces only
 * a regular file, or creates a new one; anything else is refused and left as it is.
 *
 * A symbolic link to a regular file is followed, and the real file is replaced in its own
 * folder (its temporary file is made there too, so the rename stays on one filesystem):
 * that is what `-o /etc/.../features.d/rdma-probe` means when an operator has linked that
 * name to a file kept elsewhere, and replacing the link itself with a file would silently
 * break their layout. A link is followed only when root or the user running rdma-probe
 * owns it: resolving links here bypasses the kernel's protected_symlinks check, and a link
 * another user planted (in /tmp, say) must not choose which file root overwrites. A link to
 * nothing is refused too, for the same reason: it would let a link choose where a new file
 * appears.
 */
import * as fs from 'node:fs';
import { EnvironmentError } from '../errors.js';
import { fileKind } from '../file-kind.js';
import { dirnameBytes, endsWithSlash, isAbsoluteBytes, joinBytes, showPath } from './byte-path.js';
import { reasonOf } from './fs-reason.js';

/** Linux's own limit on links followed in one lookup (ELOOP beyond). */
const MAX_LINKS_FOLLOWED = 40;

export interface OutputTarget {
  /** The file to replace or create: the path given, or the regular file its links lead to. */
  file: Buffer;
  /** The existing file's permission bits, to keep; null for a new file. */
  mode: number | null;
}

/** Thrown when the target is there but is not a regular file (or a link to one). */
export class NotRegularFileError extends EnvironmentError {}

/**
 * Follows `requested` to the file --output may write, or throws an EnvironmentError
 * naming what is in the way. Reads only (lstat, readlink, stat): nothing is changed.
 */
export function resolveOutputTarget(requested: Buffer): OutputTarget {
  const refuse = (why: string): never => {
    throw new NotRegularFileError(`not writing ${showPath(requested)}: ${why}`);
  };
  if (endsWithSlash(requested)) refuse('the name ends in "/", so it names a folder');
  const uid = process.geteuid?.() ?? -1;
  let file = requested;
  for (let links = 0; ; links++) {
    const stats = lstatOrNull(file, requested);
    if (stats === null) {
      if (links > 0) {
        refuse(`it is a symbolic link to ${showPath(file)}, which does not exist`);
      }
      checkFolder(file, requested);
      return { file, mode: null };
    }
    if (stats.isFile()) {
      checkFolder(file, requested);
      // Set-id and sticky bits are dropped: they were never ours to give a new file.
      return { file, mode: stats.mode & 0o777 };
    }
    if (!stats.isSymbolicLink()) {
      const what = links === 0 ? 'it is' : `it leads to ${showPath(file)}, which is`;
      refuse(`${what} ${fileKind(stats)}, and --output only replaces a regular file`);
    }
    if (stats.uid !== 0 && stats.uid !== uid) {
      refuse(
        `${showPath(file)} is a symbolic link owned by uid ${stats.uid}, not by root or ` +
          'the user running rdma-probe, so it is not followed',
      );
    }
    if (links === MAX_LINKS_FOLLOWED) refuse('too many levels of symbolic links');
    const link = fs.readlinkSync(file, { encoding: 'buffer' });
    file = isAbsoluteBytes(link) ? link : joinBytes(dirnameBytes(file), link);
  }
}

function lstatOrNull(file: Buffer, requested: Buffer): fs.Stats | null {
  try {
    return fs.lstatSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new EnvironmentError(`cannot write ${showPath(requested)}: ${reasonOf(error)}`);
  }
}

/** The folder the file goes in must be one: said now, before the probe runs. */
function checkFolder(file: Buffer, requested: Buffer): void {
  const folder = dirnameBytes(file);
  let stats: fs.Stats;
  try {
    stats = fs.statSync(folder);
  } catch (error) {
    throw new EnvironmentError(
      `cannot write ${showPath(requested)}: its folder ${showPath(folder)}: ${reasonOf(error)}`,
    );
  }
  if (!stats.isDirectory()) {
    throw new EnvironmentError(
      `cannot write ${showPath(requested)}: ${showPath(folder)} is not a folder`,
    );
  }
}
