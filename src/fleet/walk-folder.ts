/**
 * The input files below a folder named on the command line: every *.json and *.ndjson, in
 * byte order of their paths, depth first.
 *
 * Symbolic links inside the folder are never followed, to files or to folders, and are
 * listed as not followed. Why not follow those that stay inside the folder: deciding that
 * takes a realpath of the link and then an open of the path, and anyone who can write in
 * the folder can swap a link between the two; it would also read a file twice under two
 * names. An operator who wants a linked file read names it (or the folder it is in) as an
 * argument: links named on the command line are followed, since the operator chose them.
 *
 * Names are handled as bytes (Buffer paths), so a name that is not UTF-8 is read too;
 * fileNameText spells it for messages. Folders are remembered by device and inode, so a
 * bind mount of a parent cannot loop the walk. Nesting is bounded by PATH_MAX.
 */
import * as fs from 'node:fs';
import { fileNameText } from './file-name.js';
import { fileKind } from '../file-kind.js';
import { errorText } from './read-file.js';

export const INPUT_FILE = /\.(json|ndjson)$/i;

export interface FolderEntry {
  path: Buffer;
  /** The path as text for messages and JSON (see fileNameText). */
  name: string;
}

export interface FolderProblem {
  name: string;
  code: 'unreadable' | 'not-a-file' | 'link-not-followed';
  message: string;
}

export interface FolderWalk {
  files: FolderEntry[];
  problems: FolderProblem[];
}

const SLASH = Buffer.from('/');

export function walkFolder(folder: string): FolderWalk {
  const walk: FolderWalk = { files: [], problems: [] };
  visit(Buffer.from(folder), true, new Set(), walk);
  return walk;
}

/** `named`: the folder on the command line, which may itself be a link to follow. */
function visit(folder: Buffer, named: boolean, visited: Set<string>, walk: FolderWalk): void {
  let names: Buffer[];
  try {
    // lstat below the named folder: a folder swapped for a link since its parent was
    // listed is then not a folder, and is skipped.
    const stats = named ? fs.statSync(folder) : fs.lstatSync(folder);
    if (!stats.isDirectory()) return;
    const identity = `${stats.dev}:${stats.ino}`;
    if (visited.has(identity)) return;
    visited.add(identity);
    names = fs.readdirSync(folder, { encoding: 'buffer' });
  } catch (error) {
    walk.problems.push({
      name: fileNameText(folder),
      code: 'unreadable',
      message: `cannot list: ${errorText(error)}`,
    });
    return;
  }
  names.sort(Buffer.compare);
  const prefix = folder.at(-1) === SLASH[0] ? folder : Buffer.concat([folder, SLASH]);
  for (const entry of names) {
    const path = Buffer.concat([prefix, entry]);
    const isInput = INPUT_FILE.test(entry.toString('latin1'));
    let stats: fs.Stats;
    try {
      stats = fs.lstatSync(path);
    } catch (error) {
      if (isInput) {
        const message = `cannot read: ${errorText(error)}`;
        walk.problems.push({ name: fileNameText(path), code: 'unreadable', message });
      }
      continue; // gone since the listing, or unreadable
    }
    if (stats.isSymbolicLink()) {
      walk.problems.push({
        name: fileNameText(path),
        code: 'link-not-followed',
        message:
          'a symbolic link inside a folder is not followed; name it as an argument to read it',
      });
    } else if (stats.isDirectory()) {
      visit(path, false, visited, walk);
    } else if (!isInput) {
      continue;
    } else if (stats.isFile()) {
      walk.files.push({ path, name: fileNameText(path) });
    } else {
      walk.problems.push({
        name: fileNameText(path),
        code: 'not-a-file',
        message: `${fileKind(stats)}, not a regular file: rdma-probe reads only regular files`,
      });
    }
  }
}
