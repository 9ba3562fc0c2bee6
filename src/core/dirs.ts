/**
 * Creating output folders. Node's own `mkdir(path, { recursive: true })`
 * never returns when a parent exists but cannot hold the child: under /proc
 * (or a dangling symlink) mkdir answers ENOENT, Node creates the "missing"
 * parent, which already exists, and tries the child again, forever, at full
 * CPU. `rubricate grade --out /proc/x` hung like that.
 */
import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Creates `dir` and its missing parents; rejects (never spins) when one cannot be created. */
export async function ensureDir(dir: string): Promise<void> {
  const first = await tryMkdir(dir);
  if (first === undefined) return;
  const parent = dirname(dir);
  if (first.code !== 'ENOENT' || parent === dir) throw first;
  await ensureDir(parent);
  // The parent is there now: a second ENOENT is final.
  const second = await tryMkdir(dir);
  if (second !== undefined) throw second;
}

/** undefined when `dir` is a folder now (made, or there already). */
async function tryMkdir(dir: string): Promise<NodeJS.ErrnoException | undefined> {
  try {
    await mkdir(dir);
    return undefined;
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    if (e.code === 'EEXIST' && (await stat(dir).then((s) => s.isDirectory(), () => false))) return undefined;
    return e;
  }
}

/** One line for a folder that could not be made: "permission denied", "no such file or directory"... */
export function reasonOf(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  const text: Record<string, string> = {
    ENOENT: 'a parent folder does not exist or cannot hold folders',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EROFS: 'read-only file system',
    EEXIST: 'something that is not a folder is in the way',
    ENOTDIR: 'a parent is a file, not a folder',
    ENOSPC: 'no space left on the device',
  };
  return (e.code && text[e.code]) ?? (e.message ?? String(error)).split('\n')[0]!;
}
