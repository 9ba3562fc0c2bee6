/**
 * Files of a batch are written whole or not at all (`writeAtomic`, from
 * src/core/dirs.ts): to a `*.tmp` sibling first, then renamed over the
 * target. A run that is killed leaves at most `*.tmp` files, which the next
 * run deletes.
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

export { writeAtomic } from '../core/dirs.js';

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
