/**
 * Output folders, and files written whole or not at all (a `*.tmp` sibling
 * first, then renamed over the target: atomic on one file system).
 *
 * Folders: Node's own `mkdir(path, { recursive: true })`
 * never returns when a parent exists but cannot hold the child: under /proc
 * (or a dangling symlink) mkdir answers ENOENT, Node creates the "missing"
 * parent, which already exists, and tries the child again, forever, at full
 * CPU. `rubricate grade --out /proc/x` hung like that.
 */
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { threadId } from 'node:worker_threads';
import { ConfigError } from './errors.js';

let counter = 0;

/** A `*.tmp` name beside `file`, unique across processes, the threads of one process and calls. */
export function tempSibling(file: string): string {
  return `${file}.${process.pid}.${threadId}.${++counter}.tmp`;
}

/** Writes `text` to `file` whole or not at all (making its folder); the temp file goes on failure. */
export async function writeAtomic(file: string, text: string): Promise<void> {
  await ensureDir(dirname(file));
  const temp = tempSibling(file);
  try {
    await writeFile(temp, text);
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
}

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

/** `ensureDir` for a folder the user named (`--out`): one that cannot be made is a configuration error (exit 2). */
export async function ensureOutputFolder(dir: string): Promise<void> {
  await ensureDir(dir).catch((error: unknown) => {
    throw new ConfigError(`cannot create the output folder ${dir} (${reasonOf(error)})`);
  });
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
    EISDIR: 'it is a folder',
    ENOSPC: 'no space left on the device',
  };
  return (e.code && text[e.code]) ?? (e.message ?? String(error)).split('\n')[0]!;
}
