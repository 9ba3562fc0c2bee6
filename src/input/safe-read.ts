/**
 * Reading a file of a learner's submission safely: the one place where the
 * grader opens a learner path. Everything that reads submission files (the
 * checks through `DirectorySubmission`, the submission listing behind the
 * sandbox copy and the cache key, the language runners) goes through here.
 *
 * A submission is hostile data, names and file kinds included. A read:
 * - resolves the path inside the submission (`..`, absolute paths and links
 *   whose real path leaves the folder are refused: `outside-root`; links to
 *   folders are not followed, as the file list does not follow them);
 * - checks the file kind before opening (`refusal`: only a regular file with
 *   one hard link is read; a FIFO, socket or device never is, and a hard
 *   link may be the content of a file the learner may not read);
 * - opens without following a last link (`O_NOFOLLOW`), without blocking
 *   (`O_NONBLOCK`: a FIFO swapped in after the check opens at once) and
 *   without taking a terminal (`O_NOCTTY`), then checks the opened file again
 *   (`fstat`, and on Linux its real path through `/proc/self/fd`, so a folder
 *   swapped for a link mid-way is caught);
 * - reads at most `maxBytes + 1` bytes whatever the size says, so a file that
 *   grows while it is read, or claims size 0, is refused as too large and
 *   never read whole.
 *
 * Synchronous on purpose: a submission is a handful of small files, and
 * nothing here can block (no FIFO or device is ever read).
 *
 * Example:
 *   const read = readSubmissionFile('/class/alice', 'Cargo.toml', { maxBytes: 64 * 1024 });
 *   if (!read.ok) report(`${read.message}`); // "Cargo.toml is a FIFO (named pipe), not a regular file"
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readlinkSync, readSync, realpathSync, type Stats } from 'node:fs';
import { join, posix, sep } from 'node:path';
import type { FileFailure, FileProblem } from './files.js';

/** What a file-system entry is, named for a message. */
export type EntryKind = 'file' | 'folder' | 'symlink' | 'fifo' | 'socket' | 'character device' | 'block device' | 'unknown';

export function entryKind(stats: Stats): EntryKind {
  if (stats.isFile()) return 'file';
  if (stats.isDirectory()) return 'folder';
  if (stats.isSymbolicLink()) return 'symlink';
  if (stats.isFIFO()) return 'fifo';
  if (stats.isSocket()) return 'socket';
  if (stats.isCharacterDevice()) return 'character device';
  if (stats.isBlockDevice()) return 'block device';
  return 'unknown';
}

const KIND_PHRASE: Record<EntryKind, string> = {
  file: 'a regular file',
  folder: 'a folder',
  symlink: 'a symbolic link',
  fifo: 'a FIFO (named pipe)',
  socket: 'a socket',
  'character device': 'a character device',
  'block device': 'a block device',
  unknown: 'a special file',
};

/**
 * The one rule for a submission entry the grader reads, hashes or copies into
 * the sandbox: undefined when it may be read, else why not (a predicate to
 * follow its name: "README.md is a FIFO (named pipe), not a regular file").
 * `stats` are those of the entry itself or, for a link inside the submission,
 * of its target.
 */
export function refusal(stats: Stats): Refusal | undefined {
  const kind = entryKind(stats);
  if (kind === 'folder') return { problem: 'not-a-file', why: 'is a folder, not a file', reason: 'a folder' };
  if (kind !== 'file') {
    const what = `${KIND_PHRASE[kind]}, not a regular file`;
    return { problem: 'not-a-file', why: `is ${what}`, reason: what };
  }
  if (stats.nlink > 1) {
    return {
      problem: 'hard-link',
      why: `has ${stats.nlink} hard links; only files with one are read, since a hard link can be a file from outside the submission (copy the file instead of linking it)`,
      reason: `${stats.nlink} hard links; only files with one are copied`,
    };
  }
  return undefined;
}

/** Why an entry is not read: `why` follows its name in a sentence, `reason` stands in a list ("rope.py (a socket, not a regular file)"). */
export interface Refusal {
  problem: FileProblem;
  why: string;
  reason: string;
}

/** True when `real` (a real path) is `realRoot` or inside it. */
export function isInside(realRoot: string, real: string): boolean {
  return real === realRoot || real.startsWith(realRoot.endsWith(sep) ? realRoot : realRoot + sep);
}

/**
 * Normalises a submission-relative path: forward slashes, no `.` segments, no
 * leading `./`. Returns undefined for absolute paths and paths that climb out with `..`.
 */
export function normalise(rel: string): string | undefined {
  // Already normal (the paths rubrics name): segments of word characters, dots and dashes, none "." or "..".
  if (PLAIN_PATH.test(rel)) return rel;
  const slashed = rel.replace(/\\/g, '/');
  if (slashed.startsWith('/') || /^[A-Za-z]:/.test(slashed) || slashed.includes('\u0000')) return undefined;
  if (slashed.split('/').includes('..')) return undefined;
  const norm = posix.normalize(slashed).replace(/\/+$/, '');
  if (norm === '' || norm === '.') return undefined;
  return norm.replace(/^\.\//, '');
}

const PLAIN_PATH = /^[\w-][\w.-]*(?:\/[\w-][\w.-]*)*$/;

/** A submission path resolved to a readable regular file inside the root. */
export interface ResolvedFile {
  ok: true;
  /** Normalised relative path (the name findings use). */
  rel: string;
  /** Real absolute path (links resolved). */
  real: string;
  size: number;
}

/** The submission folder's real path; the folder itself as given when it cannot be resolved. */
export function realRootOf(root: string): string {
  try {
    return realpathSync.native(root);
  } catch {
    return root;
  }
}

/**
 * Resolves `rel` inside the submission whose real path is `realRoot`: a
 * regular file with one link, inside the root after every link is followed.
 * Does not open anything.
 */
export function resolveSubmissionFile(realRoot: string, rel: string): ResolvedFile | FileFailure {
  const norm = normalise(rel);
  if (norm === undefined) {
    return { ok: false, path: rel, problem: 'outside-root', message: `${rel} is outside the submission folder (absolute paths and '..' are not allowed)` };
  }
  let real: string;
  try {
    real = realpathSync.native(join(realRoot, ...norm.split('/')));
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') return { ok: false, path: norm, problem: 'missing', message: `${norm} not found` };
    if (code === 'ELOOP') return { ok: false, path: norm, problem: 'unreadable', message: `${norm} is a symlink loop` };
    return { ok: false, path: norm, problem: 'unreadable', message: `${norm} could not be read (${code})` };
  }
  if (!isInside(realRoot, real)) {
    return { ok: false, path: norm, problem: 'outside-root', message: `${norm} is a link to a place outside the submission folder` };
  }
  // Folders on the way are real folders: a link to a folder is not followed, as the file list (and so the sandbox copy) does not follow it.
  const slash = norm.lastIndexOf('/');
  if (slash > 0) {
    const parent = join(realRoot, ...norm.slice(0, slash).split('/'));
    let realParent: string;
    try {
      realParent = realpathSync.native(parent);
    } catch (error) {
      return { ok: false, path: norm, problem: 'unreadable', message: `${norm} could not be read (${errorCode(error)})` };
    }
    if (realParent !== parent) {
      return { ok: false, path: norm, problem: 'unreadable', message: `${norm} is reached through a link to a folder, which is not followed (copy the folder instead of linking it)` };
    }
  }
  let stats: Stats;
  try {
    // The real path has no link left in it: lstat is the target's stat.
    stats = lstatSync(real);
  } catch (error) {
    return { ok: false, path: norm, problem: 'unreadable', message: `${norm} could not be read (${errorCode(error)})` };
  }
  const refused = refusal(stats);
  if (refused) return { ok: false, path: norm, problem: refused.problem, message: `${norm} ${refused.why}` };
  return { ok: true, rel: norm, real, size: stats.size };
}

/** Flags of every open of a learner file: read only, never blocking, never following a last link, never taking a terminal. */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0) | (constants.O_NOCTTY ?? 0);

export type SafeRead = { ok: true; path: string; data: Buffer } | FileFailure;

/**
 * Reads a resolved file: opened with `OPEN_FLAGS`, checked again once open,
 * at most `maxBytes` bytes (`too-large` beyond, without reading further).
 */
export function readResolvedFile(realRoot: string, file: ResolvedFile, maxBytes: number): SafeRead {
  const rel = file.rel;
  let fd: number;
  try {
    fd = openSync(file.real, OPEN_FLAGS);
  } catch (error) {
    const code = errorCode(error);
    // Deleted since the check: what the check would now say.
    if (code === 'ENOENT' || code === 'ENOTDIR') return { ok: false, path: rel, problem: 'missing', message: `${rel} not found` };
    if (code === 'ELOOP') return { ok: false, path: rel, problem: 'unreadable', message: `${rel} was replaced by a symbolic link while it was read` };
    return { ok: false, path: rel, problem: 'unreadable', message: `${rel} could not be read (${code})` };
  }
  try {
    const stats = fstatSync(fd);
    const refused = refusal(stats);
    if (refused) return { ok: false, path: rel, problem: refused.problem, message: `${rel} ${refused.why}` };
    const opened = openedPath(fd);
    if (opened !== undefined && !isInside(realRoot, opened.replace(/ \(deleted\)$/, ''))) {
      return { ok: false, path: rel, problem: 'outside-root', message: `${rel} is a link to a place outside the submission folder` };
    }
    if (stats.size > maxBytes) return tooLarge(rel, maxBytes, stats.size);
    // At most maxBytes + 1 bytes, whatever the size said: one more than the cap tells a file that grew.
    let buffer = Buffer.allocUnsafeSlow(Math.min(stats.size, maxBytes) + 1);
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        if (length > maxBytes) return tooLarge(rel, maxBytes);
        const grown = Buffer.allocUnsafeSlow(Math.min(maxBytes + 1, Math.max(64 * 1024, buffer.length * 2)));
        buffer.copy(grown, 0, 0, length);
        buffer = grown;
      }
      const bytesRead = readSync(fd, buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > maxBytes) return tooLarge(rel, maxBytes);
    return { ok: true, path: rel, data: buffer.subarray(0, length) };
  } catch (error) {
    return { ok: false, path: rel, problem: 'unreadable', message: `${rel} could not be read (${errorCode(error)})` };
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads one file of the submission at `root` safely (see the module
 * comment): `{ ok: true, data }`, or a failure naming the file and what is
 * wrong with it (`problem`: missing, outside-root, not-a-file, hard-link,
 * too-large, unreadable).
 */
export function readSubmissionFile(root: string, rel: string, options: { maxBytes: number }): SafeRead {
  const realRoot = realRootOf(root);
  const resolved = resolveSubmissionFile(realRoot, rel);
  if (!resolved.ok) return resolved;
  return readResolvedFile(realRoot, resolved, options.maxBytes);
}

/** The path an open descriptor names (Linux `/proc/self/fd`), or undefined where that is not available. */
function openedPath(fd: number): string | undefined {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return undefined;
  }
}

function tooLarge(rel: string, maxBytes: number, size?: number): FileFailure {
  return {
    ok: false,
    path: rel,
    problem: 'too-large',
    message: size !== undefined ? `${rel} is too large (${formatBytes(size)}, limit ${formatBytes(maxBytes)})` : `${rel} is too large (over ${formatBytes(maxBytes)}, the limit)`,
  };
}

/** "2.0 MiB", "512 KiB", "37 bytes". */
export function formatBytes(size: number): string {
  if (size >= 1024 * 1024) return `${(size / (1024 * 1024)).toFixed(1)} MiB`;
  if (size >= 1024) return `${(size / 1024).toFixed(1)} KiB`;
  return `${size} bytes`;
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException | undefined)?.code ?? (error instanceof Error ? error.message : String(error));
}
