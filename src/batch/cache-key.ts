/**
 * The cache key of a graded submission: a SHA-256 over the tool version, the
 * rubric file, the grading settings and the submission's file list
 * (listing.ts), the same list the sandbox copy is made from: every folder,
 * every listed file (its relative path, size and content, read through
 * safe-read.ts) and every entry the list refused, with the reason. Same
 * key, same report: re-runs skip it.
 *
 * So whatever learner code sees in the sandbox, and whatever the checks
 * read, is in the key: a file under a folder the list skips
 * (.ipynb_checkpoints, __pycache__...) is neither copied nor hashed. A
 * listing cut short (over `MAX_LISTED_ENTRIES` entries) has no key: such a
 * submission is graded every time.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { schemasDir } from '../core/paths.js';
import type { Rubric } from '../core/types.js';
import { listSubmission, readListedFile, type SubmissionListing } from '../input/listing.js';
import { readSubmissionFile } from '../input/safe-read.js';

/** Bytes of one file that enter the hash: more than any cap a read or the sandbox copy uses; beyond it, its size and time stand in. */
export const MAX_HASHED_BYTES = 16 * 1024 * 1024;
/** Bytes of a submission that enter the hash; files after them are hashed by size and time (a submission is not a data set). */
export const MAX_HASHED_TOTAL = 256 * 1024 * 1024;

export interface CacheKeyInput {
  /** Absolute submission folder. */
  root: string;
  toolVersion: string;
  /** Content of the rubric file (or any text that identifies the rubric exactly). */
  rubricText: string;
  /** Other settings that change results (interpreter, isolation level), as text. */
  settings?: string;
  /** The submission's file list, when the caller has it (the one its sandbox copy is made from); else listed here. */
  listing?: SubmissionListing;
  /**
   * The rubric reads the git history (a `git-history` criterion): the key
   * also covers `.git`'s HEAD, refs and shallow list, which name the whole
   * history (commit ids hash their ancestry), so a rewritten history with
   * the same files is graded again.
   */
  gitState?: boolean;
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

/** The key, or undefined when the submission's file list was cut short (it cannot be covered). */
export async function cacheKey(input: CacheKeyInput): Promise<string | undefined> {
  const listing = input.listing ?? listSubmission(input.root);
  if (listing.truncated) return undefined;
  const hash = createHash('sha256');
  hash.update(`rubricate-cache-v2\0${input.toolVersion}\0`);
  hash.update(createHash('sha256').update(input.rubricText).digest('hex'));
  hash.update(`\0${input.settings ?? ''}\0`);
  for (const dir of listing.dirs) hash.update(`dir\0${dir}\0`);
  let budget = MAX_HASHED_TOTAL;
  for (const file of listing.files) {
    hash.update(`file\0${file.rel}\0${file.size}\0`);
    if (file.size > MAX_HASHED_BYTES || file.size > budget) {
      hash.update(`unhashed\0${file.mtimeMs}\0`);
      continue;
    }
    const read = readListedFile(listing, file, MAX_HASHED_BYTES);
    if (read.ok) {
      budget -= read.data.length;
      hash.update(read.data).update('\0');
    } else {
      hash.update(`unreadable\0${read.problem}\0`);
    }
  }
  for (const entry of listing.refused) hash.update(`refused\0${entry.rel}\0${entry.reason}\0`);
  if (input.gitState) hashGitState(hash, input.root);
  return hash.digest('hex');
}

/** `.git/HEAD`, `packed-refs`, `shallow` and every file under `.git/refs`, read safely (small caps, nothing followed out). */
function hashGitState(hash: ReturnType<typeof createHash>, root: string): void {
  hash.update('git\0');
  const refs = listSubmission(join(root, '.git', 'refs'), 5000);
  const names = ['HEAD', 'packed-refs', 'shallow', ...refs.files.map((f) => `refs/${f.rel}`)];
  for (const name of names) {
    const read = readSubmissionFile(root, `.git/${name}`, { maxBytes: 4 * 1024 * 1024 });
    hash.update(`${name}\0`);
    hash.update(read.ok ? read.data : `unreadable\0${read.problem}`);
    hash.update('\0');
  }
}

function code(error: unknown): string {
  return (error as NodeJS.ErrnoException | undefined)?.code ?? 'unknown';
}
