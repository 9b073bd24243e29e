// Checks a file the user asked us to write (an export) before any work starts, so a run never ends in a raw
// EISDIR or EACCES after its data was made: the path must name a file, in a directory that exists or can be made,
// and that this process may write in.
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from '../core/usage-error.js';

/** The path's stat, or null when nothing is there (or a file sits where a directory of the path should be). */
function statOrNull(path: string) {
  try {
    return statSync(path, { throwIfNoEntry: false }) ?? null;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
    throw error;
  }
}

export function checkOutputFile(path: string, option: string): string {
  const file = resolve(path);
  const stat = statOrNull(file);
  if (stat?.isDirectory()) throw new UsageError(`${option} ${path} is a directory: name a file, e.g. ${join(path, 'train.jsonl')}`);
  if (stat && !stat.isFile()) throw new UsageError(`${option} ${path} exists and is not a regular file`);
  // The nearest existing ancestor is where the file (or the directories leading to it) will be created.
  let dir = dirname(file);
  let dirStat = statOrNull(dir);
  while (!dirStat && dirname(dir) !== dir) {
    dir = dirname(dir);
    dirStat = statOrNull(dir);
  }
  if (dirStat && !dirStat.isDirectory()) throw new UsageError(`${option} ${path}: ${dir} is a file, not a directory`);
  try {
    accessSync(dir, constants.W_OK);
  } catch (error) {
    throw new UsageError(`${option} ${path}: cannot write in ${dir} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return file;
}
