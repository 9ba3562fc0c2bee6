/**
 * `DirectorySubmission`: read access to one submission folder on disk.
 *
 * Every path is relative to the root, normalised to forward slashes, and must
 * stay inside it: `..` segments and absolute paths are refused, and so are
 * symlinks whose real path leaves the root (`outside-root`). Sizes are checked
 * with `stat` before reading (`too-large`), text goes through the hygiene of
 * `decodeText`, and every read is cached per path.
 *
 * The file system calls are synchronous: a submission is a handful of small
 * files, and one `stat`, `realpath`, `open`, `read` and `close` a file cost
 * far less main-thread time than their promise versions (a thread-pool round
 * trip and a promise each). Each path is resolved and read once per instance
 * (one instance grades one submission): text and bytes of a file share one
 * read, and `exists`, `findFirst` and the reads share one `stat`.
 */
import { closeSync, openSync, readdirSync, readSync, realpathSync, statSync, type Dirent } from 'node:fs';
import { join, posix, sep } from 'node:path';
import type { BinaryFile, FileFailure, ReadTextResult, SubmissionFiles } from './files.js';
import { decodeText } from './text.js';

/** Default cap for text files (README.md, rope.py, manifest.json...). */
export const DEFAULT_MAX_TEXT_BYTES = 2 * 1024 * 1024;
/** Default cap for binary files (images). */
export const DEFAULT_MAX_BINARY_BYTES = 10 * 1024 * 1024;

/** `list()` stops after this many files (a submission is a handful of files, not a disk). */
export const MAX_LISTED_FILES = 20_000;

/** Folder and file names `list()` never descends into or returns. */
const SKIPPED = new Set(['.git', 'node_modules', '__pycache__', '.venv', '.ipynb_checkpoints', '.DS_Store']);

export interface DirectorySubmissionOptions {
  /** Cap for text reads, bytes (default 2 MiB). */
  maxBytes?: number;
  /** Cap for binary reads, bytes (default 10 MiB). */
  maxBinaryBytes?: number;
}

type Resolved = { ok: true; rel: string; abs: string; size: number } | FileFailure;

export class DirectorySubmission implements SubmissionFiles {
  readonly root: string;
  private readonly maxText: number;
  private readonly maxBinary: number;
  private realRoot: string | undefined;
  private readonly resolved = new Map<string, Resolved>();
  /** Contents per normalised path, read once whatever the cap (a file within any cap is read whole, plus one byte). */
  private readonly contents = new Map<string, BinaryFile | FileFailure>();
  private readonly textCache = new Map<string, Promise<ReadTextResult>>();
  private readonly bytesCache = new Map<string, Promise<BinaryFile | FileFailure>>();
  private listing: Promise<string[]> | undefined;

  constructor(root: string, options: DirectorySubmissionOptions = {}) {
    this.root = root;
    this.maxText = options.maxBytes ?? DEFAULT_MAX_TEXT_BYTES;
    this.maxBinary = options.maxBinaryBytes ?? DEFAULT_MAX_BINARY_BYTES;
  }

  async exists(rel: string): Promise<boolean> {
    return this.resolve(rel).ok;
  }

  async findFirst(alternatives: readonly string[]): Promise<string | undefined> {
    for (const alternative of alternatives) {
      const resolved = this.resolve(alternative);
      if (resolved.ok) return resolved.rel;
    }
    return undefined;
  }

  readText(rel: string, options: { maxBytes?: number } = {}): Promise<ReadTextResult> {
    const max = options.maxBytes ?? this.maxText;
    const key = `${normalise(rel) ?? rel}\u0000${max}`;
    let cached = this.textCache.get(key);
    if (!cached) {
      const result = this.load(rel, max);
      cached = Promise.resolve(result.ok ? decodeText(result.bytes, result.path) : result);
      this.textCache.set(key, cached);
    }
    return cached;
  }

  readBytes(rel: string, options: { maxBytes?: number } = {}): Promise<BinaryFile | FileFailure> {
    const max = options.maxBytes ?? this.maxBinary;
    const key = `${normalise(rel) ?? rel}\u0000${max}`;
    let cached = this.bytesCache.get(key);
    if (!cached) {
      cached = Promise.resolve(this.load(rel, max));
      this.bytesCache.set(key, cached);
    }
    return cached;
  }

  list(): Promise<string[]> {
    this.listing ??= Promise.resolve(this.walk());
    return this.listing;
  }

  private load(rel: string, max: number): BinaryFile | FileFailure {
    const resolved = this.resolve(rel);
    if (!resolved.ok) return resolved;
    if (resolved.size > max) {
      return {
        ok: false,
        path: resolved.rel,
        problem: 'too-large',
        message: `${resolved.rel} is too large (${formatBytes(resolved.size)}, limit ${formatBytes(max)})`,
      };
    }
    let read = this.contents.get(resolved.rel);
    if (!read) {
      read = this.read(resolved);
      this.contents.set(resolved.rel, read);
    }
    if (read.ok && read.bytes.length > max) {
      return { ok: false, path: resolved.rel, problem: 'too-large', message: `${resolved.rel} is too large (over ${formatBytes(max)}, the limit)` };
    }
    return read;
  }

  /** Reads at most size + 1 bytes: a file that grew after the stat is still refused, never read whole. */
  private read(resolved: Extract<Resolved, { ok: true }>): BinaryFile | FileFailure {
    let fd: number;
    try {
      fd = openSync(resolved.abs, 'r');
    } catch (error) {
      const code = errorCode(error);
      // Deleted since the stat: what the stat would now say.
      if (code === 'ENOENT' || code === 'ENOTDIR') return { ok: false, path: resolved.rel, problem: 'missing', message: `${resolved.rel} not found` };
      return { ok: false, path: resolved.rel, problem: 'unreadable', message: `${resolved.rel} could not be read (${code})` };
    }
    try {
      const buffer = Buffer.allocUnsafeSlow(resolved.size + 1);
      let length = 0;
      while (length < buffer.length) {
        const bytesRead = readSync(fd, buffer, length, buffer.length - length, length);
        if (bytesRead === 0) break;
        length += bytesRead;
      }
      return { ok: true, path: resolved.rel, bytes: new Uint8Array(buffer.buffer, buffer.byteOffset, length) };
    } catch (error) {
      return { ok: false, path: resolved.rel, problem: 'unreadable', message: `${resolved.rel} could not be read (${errorCode(error)})` };
    } finally {
      closeSync(fd);
    }
  }

  /** Normalises a relative path and checks that it names a regular file inside the root (once per path). */
  private resolve(rel: string): Resolved {
    const norm = normalise(rel);
    if (norm === undefined) {
      return { ok: false, path: rel, problem: 'outside-root', message: `${rel} is outside the submission folder (absolute paths and '..' are not allowed)` };
    }
    let resolved = this.resolved.get(norm);
    if (!resolved) {
      resolved = this.resolveOnDisk(norm);
      this.resolved.set(norm, resolved);
    }
    return resolved;
  }

  private resolveOnDisk(norm: string): Resolved {
    const abs = join(this.root, ...norm.split('/'));
    let info;
    try {
      info = statSync(abs);
    } catch (error) {
      const code = errorCode(error);
      if (code === 'ENOENT' || code === 'ENOTDIR') return { ok: false, path: norm, problem: 'missing', message: `${norm} not found` };
      if (code === 'ELOOP') return { ok: false, path: norm, problem: 'unreadable', message: `${norm} is a symlink loop` };
      return { ok: false, path: norm, problem: 'unreadable', message: `${norm} could not be read (${code})` };
    }
    // Follow symlinks, but only to places inside the root.
    let real: string;
    try {
      real = realpathSync.native(abs);
    } catch (error) {
      return { ok: false, path: norm, problem: 'unreadable', message: `${norm} could not be read (${errorCode(error)})` };
    }
    const realRoot = this.realRootPath();
    if (real !== realRoot && !real.startsWith(realRoot.endsWith(sep) ? realRoot : realRoot + sep)) {
      return { ok: false, path: norm, problem: 'outside-root', message: `${norm} is a link to a place outside the submission folder` };
    }
    if (!info.isFile()) return { ok: false, path: norm, problem: 'not-a-file', message: `${norm} is not a regular file` };
    return { ok: true, rel: norm, abs, size: info.size };
  }

  private realRootPath(): string {
    if (this.realRoot === undefined) {
      try {
        this.realRoot = realpathSync.native(this.root);
      } catch {
        this.realRoot = this.root;
      }
    }
    return this.realRoot;
  }

  private walk(): string[] {
    const out: string[] = [];
    const visit = (dirRel: string): void => {
      let entries: Dirent[];
      try {
        entries = readdirSync(dirRel ? join(this.root, ...dirRel.split('/')) : this.root, { withFileTypes: true });
      } catch {
        return;
      }
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const entry of entries) {
        if (out.length >= MAX_LISTED_FILES) return;
        if (SKIPPED.has(entry.name) || entry.name.startsWith('.rubricate')) continue;
        const rel = dirRel ? `${dirRel}/${entry.name}` : entry.name;
        if (entry.isDirectory()) {
          visit(rel);
        } else if (entry.isFile()) {
          out.push(rel);
        } else if (entry.isSymbolicLink()) {
          // Linked files count when they stay inside the root; linked folders are not followed (no cycles).
          if (this.resolve(rel).ok) out.push(rel);
        }
      }
    };
    visit('');
    return out.sort();
  }
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

/** "2.0 MiB", "512 KiB", "37 bytes". */
export function formatBytes(size: number): string {
  if (size >= 1024 * 1024) return `${(size / (1024 * 1024)).toFixed(1)} MiB`;
  if (size >= 1024) return `${(size / 1024).toFixed(1)} KiB`;
  return `${size} bytes`;
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException | undefined)?.code ?? (error instanceof Error ? error.message : String(error));
}
