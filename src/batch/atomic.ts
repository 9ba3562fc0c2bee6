/**
 * Files of a batch are written whole or not at all: to a `*.tmp` sibling
 * first, then renamed over the target (atomic on one file system). A run that
 * is killed leaves at most `*.tmp` files, which the next run deletes.
 */
import { readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { ensureDir } from '../core/dirs.js';

let counter = 0;

export async function writeAtomic(file: string, text: string): Promise<void> {
  await ensureDir(dirname(file));
  // Unique across the grading threads of one process too.
  const temp = `${file}.${process.pid}.${threadId}.${++counter}.tmp`;
  try {
    await writeFile(temp, text);
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
}

/** Deletes leftover `*.tmp` files in the given folders (not recursive). Returns how many. */
export async function removeTemps(folders: readonly string[]): Promise<number> {
  let removed = 0;
  for (const folder of folders) {
    let names: string[];
    try {
      names = await readdir(folder);
    } catch {
      continue;
    }
    for (const name of names) {
      if (!name.endsWith('.tmp')) continue;
      await rm(join(folder, name), { force: true });
      removed++;
    }
  }
  return removed;
}
