/**
 * `DirectorySubmission`: read access to one submission folder on disk.
 *
 * Every path is relative to the root, normalised to forward slashes, and must
 * stay inside it: `..` segments and absolute paths are refused, and so are
 * symlinks whose real path leaves the root (`outside-root`). Only regular
 * files with one hard link are read (`not-a-file`, `hard-link`), opened
 * without blocking and read up to the size cap (`too-large`), all through
 * safe-read.ts; text goes through the hygiene of `decodeText`, and every read
 * is cached per path. `list()` is the submission's one file list
 * (listing.ts), the same the sandbox copy and the cache key use.
 *
 * The file system calls are synchronous: a submission is a handful of small
 * files, and one `realpath`, `open`, `read` and `close` a file cost far less
 * main-thread time than their promise versions (a thread-pool round trip and
 * a promise each). Each path is resolved and read once per instance (one
 * instance grades one submission): text and bytes of a file share one read,
 * and `exists`, `findFirst` and the reads share one resolution.
 */
import type { BinaryFile, FileFailure, ReadTextResult, SubmissionFiles } from './files.js';
import { listedPaths, listSubmission, type SubmissionListing } from './listing.js';
import { formatBytes, normalise, readResolvedFile, realRootOf, resolveSubmissionFile, type ResolvedFile } from './safe-read.js';
import { decodeText } from './text.js';

export { formatBytes, normalise } from './safe-read.js';

/** Default cap for text files (README.md, rope.py, manifest.json...). */
export const DEFAULT_MAX_TEXT_BYTES = 2 * 1024 * 1024;
/** Default cap for binary files (images). */
export const DEFAULT_MAX_BINARY_BYTES = 10 * 1024 * 1024;

export interface DirectorySubmissionOptions {
  /** Cap for text reads, bytes (default 2 MiB). */
  maxBytes?: number;
  /** Cap for binary reads, bytes (default 10 MiB). */
  maxBinaryBytes?: number;
}

type Resolved = ResolvedFile | FileFailure;

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
  private listed: SubmissionListing | undefined;

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
    return Promise.resolve(listedPaths(this.listing()));
  }

  /** The submission's file list (walked once per instance): what the sandbox copy and the cache key use too. */
  listing(): SubmissionListing {
    this.listed ??= listSubmission(this.root);
    return this.listed;
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
      // Read once whatever the cap: a file within any cap is read whole (the largest cap any caller uses).
      const got = readResolvedFile(this.realRootPath(), resolved, Math.max(this.maxText, this.maxBinary, max));
      read = got.ok ? { ok: true, path: got.path, bytes: new Uint8Array(got.data.buffer, got.data.byteOffset, got.data.length) } : got;
      this.contents.set(resolved.rel, read);
    }
    if (read.ok && read.bytes.length > max) {
      return { ok: false, path: resolved.rel, problem: 'too-large', message: `${resolved.rel} is too large (over ${formatBytes(max)}, the limit)` };
    }
    return read;
  }

  /** Normalises a relative path and checks that it names a readable regular file inside the root (once per path). */
  private resolve(rel: string): Resolved {
    const key = normalise(rel) ?? rel;
    let resolved = this.resolved.get(key);
    if (!resolved) {
      resolved = resolveSubmissionFile(this.realRootPath(), rel);
      this.resolved.set(key, resolved);
    }
    return resolved;
  }

  private realRootPath(): string {
    this.realRoot ??= realRootOf(this.root);
    return this.realRoot;
  }
}
