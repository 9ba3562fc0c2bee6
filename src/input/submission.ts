/**
 * `DirectorySubmission`: read access to one submission folder on disk.
 *
 * Every path is relative to the root, normalised to forward slashes, and must
 * stay inside it: `..` segments and absolute paths are refused, and so are
 * symlinks whose real path leaves the root (`outside-root`). Sizes are checked
 * with `stat` before reading (`too-large`), text goes through the hygiene of
 * `decodeText`, and every read is cached per path.
 */
import { open, readdir, realpath, stat } from 'node:fs/promises';
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
  private realRoot: Promise<string> | undefined;
  private readonly textCache = new Map<string, Promise<ReadTextResult>>();
  private readonly bytesCache = new Map<string, Promise<BinaryFile | FileFailure>>();
  private listing: Promise<string[]> | undefined;

  constructor(root: string, options: DirectorySubmissionOptions = {}) {
    this.root = root;
    this.maxText = options.maxBytes ?? DEFAULT_MAX_TEXT_BYTES;
    this.maxBinary = options.maxBinaryBytes ?? DEFAULT_MAX_BINARY_BYTES;
  }

  async exists(rel: string): Promise<boolean> {
    const resolved = await this.resolve(rel);
    return resolved.ok;
  }

  async findFirst(alternatives: readonly string[]): Promise<string | undefined> {
    for (const alternative of alternatives) {
      const resolved = await this.resolve(alternative);
      if (resolved.ok) return resolved.rel;
    }
    return undefined;
  }

  readText(rel: string, options: { maxBytes?: number } = {}): Promise<ReadTextResult> {
    const max = options.maxBytes ?? this.maxText;
    const key = `${normalise(rel) ?? rel}\u0000${max}`;
    let cached = this.textCache.get(key);
    if (!cached) {
      cached = this.load(rel, max).then((result) => (result.ok ? decodeText(result.bytes, result.path) : result));
      this.textCache.set(key, cached);
    }
    return cached;
  }

  readBytes(rel: string, options: { maxBytes?: number } = {}): Promise<BinaryFile | FileFailure> {
    const max = options.maxBytes ?? this.maxBinary;
    const key = `${normalise(rel) ?? rel}\u0000${max}`;
    let cached = this.bytesCache.get(key);
    if (!cached) {
      cached = this.load(rel, max);
      this.bytesCache.set(key, cached);
    }
    return cached;
  }

  list(): Promise<string[]> {
    this.listing ??= this.walk();
    return this.listing;
  }

  private async load(rel: string, max: number): Promise<BinaryFile | FileFailure> {
    const resolved = await this.resolve(rel);
    if (!resolved.ok) return resolved;
    if (resolved.size > max) {
      return {
        ok: false,
        path: resolved.rel,
        problem: 'too-large',
        message: `${resolved.rel} is too large (${formatBytes(resolved.size)}, limit ${formatBytes(max)})`,
      };
    }
    try {
      // Read at most max + 1 bytes: a file that grew after the stat is still refused, never read whole.
      const handle = await open(resolved.abs, 'r');
      try {
        const buffer = Buffer.alloc(Math.min(resolved.size, max) + 1);
        let length = 0;
        while (length < buffer.length) {
          const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
          if (bytesRead === 0) break;
          length += bytesRead;
        }
        if (length > max) {
          return { ok: false, path: resolved.rel, problem: 'too-large', message: `${resolved.rel} is too large (over ${formatBytes(max)}, the limit)` };
        }
        return { ok: true, path: resolved.rel, bytes: new Uint8Array(buffer.buffer, buffer.byteOffset, length) };
      } finally {
        await handle.close();
      }
    } catch (error) {
      return { ok: false, path: resolved.rel, problem: 'unreadable', message: `${resolved.rel} could not be read (${errorCode(error)})` };
    }
  }

  /** Normalises a relative path and checks that it names a regular file inside the root. */
  private async resolve(rel: string): Promise<Resolved> {
    const norm = normalise(rel);
    if (norm === undefined) {
      return { ok: false, path: rel, problem: 'outside-root', message: `${rel} is outside the submission folder (absolute paths and '..' are not allowed)` };
    }
    const abs = join(this.root, ...norm.split('/'));
    let info;
    try {
      info = await stat(abs);
    } catch (error) {
      const code = errorCode(error);
      if (code === 'ENOENT' || code === 'ENOTDIR') return { ok: false, path: norm, problem: 'missing', message: `${norm} not found` };
      if (code === 'ELOOP') return { ok: false, path: norm, problem: 'unreadable', message: `${norm} is a symlink loop` };
      return { ok: false, path: norm, problem: 'unreadable', message: `${norm} could not be read (${code})` };
    }
    // Follow symlinks, but only to places inside the root.
    let real: string;
    try {
      real = await realpath(abs);
    } catch (error) {
      return { ok: false, path: norm, problem: 'unreadable', message: `${norm} could not be read (${errorCode(error)})` };
    }
    const realRoot = await this.realRootPath();
    if (real !== realRoot && !real.startsWith(realRoot.endsWith(sep) ? realRoot : realRoot + sep)) {
      return { ok: false, path: norm, problem: 'outside-root', message: `${norm} is a link to a place outside the submission folder` };
    }
    if (!info.isFile()) return { ok: false, path: norm, problem: 'not-a-file', message: `${norm} is not a regular file` };
    return { ok: true, rel: norm, abs, size: info.size };
  }

  private realRootPath(): Promise<string> {
    this.realRoot ??= realpath(this.root).catch(() => this.root);
    return this.realRoot;
  }

  private async walk(): Promise<string[]> {
    const out: string[] = [];
    const visit = async (dirRel: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dirRel ? join(this.root, ...dirRel.split('/')) : this.root, { withFileTypes: true });
      } catch {
        return;
      }
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const entry of entries) {
        if (out.length >= MAX_LISTED_FILES) return;
        if (SKIPPED.has(entry.name) || entry.name.startsWith('.rubricate')) continue;
        const rel = dirRel ? `${dirRel}/${entry.name}` : entry.name;
        if (entry.isDirectory()) {
          await visit(rel);
        } else if (entry.isFile()) {
          out.push(rel);
        } else if (entry.isSymbolicLink()) {
          // Linked files count when they stay inside the root; linked folders are not followed (no cycles).
          const resolved = await this.resolve(rel);
          if (resolved.ok) out.push(rel);
        }
      }
    };
    await visit('');
    return out.sort();
  }
}

/**
 * Normalises a submission-relative path: forward slashes, no `.` segments, no
 * leading `./`. Returns undefined for absolute paths and paths that climb out with `..`.
 */
export function normalise(rel: string): string | undefined {
  const slashed = rel.replace(/\\/g, '/');
  if (slashed.startsWith('/') || /^[A-Za-z]:/.test(slashed) || slashed.includes('\u0000')) return undefined;
  if (slashed.split('/').includes('..')) return undefined;
  const norm = posix.normalize(slashed).replace(/\/+$/, '');
  if (norm === '' || norm === '.') return undefined;
  return norm.replace(/^\.\//, '');
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
