/**
 * The cache key of a graded submission: a SHA-256 over the tool version, the
 * rubric file, the grading settings and every file of the submission (its
 * relative path, kind and content). Same key, same report: re-runs skip it.
 *
 * Only regular files are read, through a bounded stream; FIFOs, sockets and
 * devices are named but never opened (opening a FIFO would block), symlinks
 * contribute their target text, and a file that cannot be read contributes
 * its error code, so hashing never hangs and never throws on learner input.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { schemasDir } from '../core/paths.js';
import type { Rubric } from '../core/types.js';

/** Folders that never influence grading. */
const SKIPPED = new Set(['.git', 'node_modules', '__pycache__', '.ipynb_checkpoints', '.venv']);
/** Bytes of one file that enter the hash; beyond that its size and mtime stand in for the rest. */
const MAX_HASHED_BYTES = 64 * 1024 * 1024;
/** Entries visited per submission; a folder with more is hashed by its first ones plus the count. */
const MAX_ENTRIES = 20_000;

export interface CacheKeyInput {
  /** Absolute submission folder. */
  root: string;
  toolVersion: string;
  /** Content of the rubric file (or any text that identifies the rubric exactly). */
  rubricText: string;
  /** Other settings that change results (interpreter, isolation level), as text. */
  settings?: string;
}

/**
 * The text that identifies a rubric for the cache key: its file, plus every
 * package file its criteria name in their options (the manifest check's
 * `schema`), so that editing such a file regrades like editing the rubric.
 */
export function rubricIdentity(rubric: Rubric, rubricText: string, readSchema: (name: string) => string = readPackageSchema): string {
  const named = new Set<string>();
  for (const criterion of rubric.criteria) {
    const schema = (criterion.options as Record<string, unknown> | undefined)?.schema;
    if (typeof schema === 'string') named.add(schema);
  }
  let text = rubricText;
  for (const name of [...named].sort()) {
    let content: string;
    try {
      content = readSchema(name);
    } catch (error) {
      content = `unreadable: ${code(error)}`;
    }
    text += `\0schema:${name}\0${content}`;
  }
  return text;
}

function readPackageSchema(name: string): string {
  if (!/^[A-Za-z0-9_.-]+\.json$/.test(name)) throw Object.assign(new Error('not a schema file name'), { code: 'EINVAL' });
  return readFileSync(join(schemasDir, name), 'utf8');
}

export async function cacheKey(input: CacheKeyInput): Promise<string> {
  const hash = createHash('sha256');
  hash.update(`rubricate-cache-v1\0${input.toolVersion}\0`);
  hash.update(createHash('sha256').update(input.rubricText).digest('hex'));
  hash.update(`\0${input.settings ?? ''}\0`);
  await hashTree(hash, input.root);
  return hash.digest('hex');
}

async function hashTree(hash: Hash, root: string): Promise<void> {
  let visited = 0;
  const visit = async (abs: string, rel: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(abs, { withFileTypes: true });
    } catch (error) {
      hash.update(`dir-error\0${rel}\0${code(error)}\0`);
      return;
    }
    const names = entries.map((e) => e.name).filter((name) => !SKIPPED.has(name)).sort();
    for (const name of names) {
      if (++visited > MAX_ENTRIES) {
        hash.update(`truncated\0${rel}\0${names.length}\0`);
        return;
      }
      const childAbs = join(abs, name);
      const childRel = rel ? `${rel}/${name}` : name;
      let info;
      try {
        info = await lstat(childAbs);
      } catch (error) {
        hash.update(`stat-error\0${childRel}\0${code(error)}\0`);
        continue;
      }
      if (info.isDirectory()) {
        hash.update(`dir\0${childRel}\0`);
        await visit(childAbs, childRel);
      } else if (info.isSymbolicLink()) {
        const target = await readlink(childAbs).catch((error: unknown) => `?${code(error)}`);
        hash.update(`link\0${childRel}\0${target}\0`);
      } else if (info.isFile()) {
        hash.update(`file\0${childRel}\0${info.size}\0`);
        if (info.size > MAX_HASHED_BYTES) hash.update(`mtime\0${info.mtimeMs}\0`);
        await hashFile(hash, childAbs, Math.min(info.size, MAX_HASHED_BYTES));
      } else {
        hash.update(`special\0${childRel}\0${info.mode}\0`);
      }
    }
  };
  await visit(root, '');
}

async function hashFile(hash: Hash, abs: string, limit: number): Promise<void> {
  if (limit === 0) return;
  try {
    const stream = createReadStream(abs, { start: 0, end: limit - 1 });
    for await (const chunk of stream) hash.update(chunk as Buffer);
    hash.update('\0');
  } catch (error) {
    hash.update(`read-error\0${code(error)}\0`);
  }
}

function code(error: unknown): string {
  return (error as NodeJS.ErrnoException | undefined)?.code ?? 'unknown';
}
