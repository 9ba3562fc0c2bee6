/**
 * The file list of a submission: computed once per submission and used for
 * everything that depends on "which files are there": the sandbox copy (or
 * the fork server's in-memory image), the batch cache key, and the checks'
 * `list()`. One walk, one set of rules, so the cache key covers exactly what
 * learner code gets to see and run.
 *
 * Rules (`refusal` in safe-read.ts decides what a file may be):
 * - tool folders and files (`SKIPPED_NAMES`: .git, node_modules,
 *   __pycache__, .ipynb_checkpoints...) are left out silently, everywhere;
 * - a regular file with one hard link is listed; a FIFO, socket, device or a
 *   file with more than one hard link is refused, with the reason;
 * - a symlink is listed as the file it points to when its real path stays
 *   inside the submission and that file passes the same rule; links to
 *   folders are not followed (no cycles), links leaving the folder are refused;
 * - a name that is not valid UTF-8 is refused (it could not be named in a
 *   report, nor created the same in the sandbox);
 * - the walk stops after `MAX_LISTED_ENTRIES` entries (`truncated`), reading
 *   folders entry by entry, so a folder of a million files costs no more.
 *
 * Nothing is opened here but folders: file contents are read later, through
 * `readListedFile`, with the checks of safe-read.ts.
 */
import { lstatSync, opendirSync, readlinkSync, realpathSync, type Dir, type Stats } from 'node:fs';
import { join } from 'node:path';
import { isInside, readResolvedFile, realRootOf, refusal, type SafeRead } from './safe-read.js';

/** Folder and file names never listed, copied, hashed or descended into. */
export const SKIPPED_NAMES: ReadonlySet<string> = new Set([
  '.git',
  'node_modules',
  '__pycache__',
  '.venv',
  'venv',
  '.mypy_cache',
  '.pytest_cache',
  '.tox',
  '.ipynb_checkpoints',
  '.DS_Store',
]);

/** True for a name the listing leaves out silently (tool folders, rubricate's own `.rubricate*` files). */
export function isSkippedName(name: string): boolean {
  return SKIPPED_NAMES.has(name) || name.startsWith('.rubricate');
}

/** Entries (files, folders, refused ones) one listing visits at most. */
export const MAX_LISTED_ENTRIES = 20_000;

export interface ListedFile {
  /** Relative path with forward slashes (a link's own path, not its target's). */
  rel: string;
  /** Real absolute path of the file (a link's target). */
  real: string;
  size: number;
  mtimeMs: number;
  /** `st_mode` of the file (its permission bits are kept in the sandbox copy). */
  mode: number;
}

export interface RefusedEntry {
  /** Relative path, a plain string (a name that is not UTF-8 has U+FFFD in place of its bad bytes). */
  rel: string;
  /** Why it was left out, a noun phrase: "a FIFO (named pipe), not a regular file". */
  reason: string;
}

export interface SubmissionListing {
  /** The submission folder as given. */
  root: string;
  realRoot: string;
  /** Folders, relative, parents first. */
  dirs: string[];
  /** Readable regular files, in walk order (sorted by name within each folder, depth first). */
  files: ListedFile[];
  /** Entries left out, in walk order. */
  refused: RefusedEntry[];
  /** True when the walk stopped at `MAX_LISTED_ENTRIES`: entries beyond it are unknown. */
  truncated: boolean;
}

/** Walks the submission at `root` (see the module comment). Never throws for what the folder holds. */
export function listSubmission(root: string, maxEntries: number = MAX_LISTED_ENTRIES): SubmissionListing {
  const realRoot = realRootOf(root);
  const listing: SubmissionListing = { root, realRoot, dirs: [], files: [], refused: [], truncated: false };
  let visited = 0;
  const refuse = (rel: string, reason: string) => void listing.refused.push({ rel, reason });

  const walk = (rel: string): void => {
    let names: string[];
    try {
      names = readNames(join(realRoot, rel), maxEntries - visited, (bad) => {
        visited++;
        refuse(rel ? `${rel}/${bad}` : bad, 'name is not valid UTF-8');
      });
    } catch (error) {
      if (rel === '') throw error;
      refuse(rel, `unreadable: ${errorCode(error)}`);
      return;
    }
    for (const name of names) {
      if (visited >= maxEntries) {
        listing.truncated = true;
        return;
      }
      visited++;
      const relPath = rel ? `${rel}/${name}` : name;
      try {
        visit(name, relPath);
      } catch (error) {
        // A path too long for the system (ENAMETOOLONG), an entry gone since the listing: left out, the rest is listed.
        refuse(relPath, `unreadable: ${errorCode(error)}`);
      }
    }
  };

  const visit = (name: string, relPath: string): void => {
    if (isSkippedName(name)) return;
    const source = join(realRoot, relPath);
    let info: Stats = lstatSync(source);
    let real = source;
    if (info.isSymbolicLink()) {
      try {
        real = realpathSync.native(source);
      } catch {
        refuse(relPath, 'dangling symlink');
        return;
      }
      if (!isInside(realRoot, real)) {
        refuse(relPath, `symlink leaving the submission: ${readlinkSync(source)}`);
        return;
      }
      info = lstatSync(real);
      if (info.isDirectory()) {
        refuse(relPath, 'symlink to a folder');
        return;
      }
    }
    if (info.isDirectory()) {
      listing.dirs.push(relPath);
      walk(relPath);
      return;
    }
    const refused = refusal(info);
    if (refused) {
      refuse(relPath, refused.reason);
      return;
    }
    listing.files.push({ rel: relPath, real, size: info.size, mtimeMs: info.mtimeMs, mode: info.mode });
  };

  try {
    walk('');
  } catch (error) {
    refuse('.', `unreadable: ${errorCode(error)}`);
  }
  return listing;
}

/** Caps of the sandbox copy of a submission. */
export interface CopyLimits {
  maxFileBytes: number;
  maxTotalBytes: number;
  maxFiles: number;
}

export const DEFAULT_COPY_LIMITS: CopyLimits = { maxFileBytes: 5 * 1024 * 1024, maxTotalBytes: 50 * 1024 * 1024, maxFiles: 5000 };

/** What the sandbox gets of a submission: the listing's folders, and its files within the caps. */
export interface CopyPlan {
  dirs: string[];
  files: ListedFile[];
  /** Entries left out, each "path (reason)": refused by the listing, or over a cap. */
  skipped: string[];
}

/**
 * The copy of a submission's file list (listing.ts: the same list the cache
 * key covers) for the sandbox: every folder, every listed file in walk order
 * until a cap is reached; refused entries and files over the caps are named
 * in `skipped`.
 */
export function planCopy(listing: SubmissionListing, limits: CopyLimits = DEFAULT_COPY_LIMITS): CopyPlan {
  const plan: CopyPlan = { dirs: listing.dirs, files: [], skipped: listing.refused.map((r) => skippedEntry(r.rel, r.reason)) };
  if (listing.truncated) plan.skipped.push(`entries after the first ${listing.dirs.length + listing.files.length + listing.refused.length} (too many files)`);
  let total = 0;
  for (const file of listing.files) {
    if (file.size > limits.maxFileBytes) {
      plan.skipped.push(skippedEntry(file.rel, `${file.size} bytes, over the per-file cap`));
    } else if (total + file.size > limits.maxTotalBytes || plan.files.length >= limits.maxFiles) {
      plan.skipped.push(skippedEntry(file.rel, 'submission size cap reached'));
    } else {
      plan.files.push(file);
      total += file.size;
    }
  }
  return plan;
}

/** "path (why)", the path cut to a readable length: a folder nested hundreds deep has a name of kilobytes. */
export function skippedEntry(rel: string, why: string): string {
  return `${rel.length > 200 ? `${rel.slice(0, 120)}...${rel.slice(-60)}` : rel} (${why})`;
}

/** Reads a listed file with the checks of safe-read.ts (it may have changed since it was listed). */
export function readListedFile(listing: SubmissionListing, file: ListedFile, maxBytes: number): SafeRead {
  return readResolvedFile(listing.realRoot, { ok: true, rel: file.rel, real: file.real, size: file.size }, maxBytes);
}

/** The regular files of the listing, relative and sorted (what `SubmissionFiles.list()` returns). */
export function listedPaths(listing: SubmissionListing): string[] {
  return listing.files.map((f) => f.rel).sort();
}

/**
 * Up to `max` names of a folder, sorted, read entry by entry (a folder of a
 * million files is not read whole). Names that are not valid UTF-8 go to `bad`
 * (with U+FFFD for their bad bytes) instead.
 */
function readNames(dir: string, max: number, bad: (shown: string) => void): string[] {
  const names: string[] = [];
  let handle: Dir | undefined;
  try {
    // Names as bytes (Node's types know only text encodings here): a name that is not UTF-8 is seen as it is.
    handle = opendirSync(dir, { encoding: 'buffer' as BufferEncoding });
    // One more than allowed tells the caller the folder had more.
    for (let read = 0; read <= max; read++) {
      const entry = handle.readSync();
      if (entry === null) break;
      const raw = entry.name as unknown as Buffer;
      const name = raw.toString('utf8');
      if (!Buffer.from(name).equals(raw)) bad(name);
      else names.push(name);
    }
  } finally {
    if (handle) closeDir(handle);
  }
  return names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function closeDir(handle: Dir): void {
  try {
    handle.closeSync();
  } catch {
    // Already closed.
  }
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException | undefined)?.code ?? 'error';
}
