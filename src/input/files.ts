import type { Notice } from '../core/types.js';
import type { SubmissionListing } from './listing.js';

/** Why a file could not be read as text. */
export type FileProblem = 'missing' | 'not-a-file' | 'hard-link' | 'outside-root' | 'too-large' | 'binary' | 'encoding' | 'unreadable';

/** A text file read with input hygiene: BOM stripped, CRLF turned into LF, double-encoded UTF-8 repaired. */
export interface TextFile {
  ok: true;
  /** Path relative to the submission root, with forward slashes. */
  path: string;
  text: string;
  /** What the hygiene did (BOM, CRLF, repaired mojibake with its first location). Also sent to the report once. */
  notices: Notice[];
}

export interface FileFailure {
  ok: false;
  path: string;
  problem: FileProblem;
  /** One sentence for the finding, e.g. "README.md is binary (NUL byte at offset 12), expected Markdown text". */
  message: string;
}

export type ReadTextResult = TextFile | FileFailure;

export interface BinaryFile {
  ok: true;
  path: string;
  bytes: Uint8Array;
}

/** Read access to one submission folder. Paths are relative to the root; nothing escapes it (symlinks included). */
export interface SubmissionFiles {
  readonly root: string;
  /** True when a regular file exists at the relative path (inside the root). */
  exists(rel: string): Promise<boolean>;
  /** The first of the alternatives that exists, or undefined. */
  findFirst(alternatives: readonly string[]): Promise<string | undefined>;
  /** Reads and decodes a text file; cached per path. */
  readText(rel: string, options?: { maxBytes?: number }): Promise<ReadTextResult>;
  /** Reads raw bytes (images); cached per path. */
  readBytes(rel: string, options?: { maxBytes?: number }): Promise<BinaryFile | FileFailure>;
  /** Every regular file under the root, relative, sorted; skips .git and node_modules. */
  list(): Promise<string[]>;
  /** The submission's file list (listing.ts) for folders on disk: what the sandbox copy and the cache key are made from. */
  listing?(): SubmissionListing;
}
