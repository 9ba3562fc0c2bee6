/**
 * The two states of a repository a summary is checked against: its working
 * tree (the files handed in, listed and read with the submission's safe
 * listing: regular files with one link, inside the folder, capped) and a
 * commit's tree (read through safe git, src/input/git.ts). Both are
 * `SourceTree`s: the test counters and the file checks read them alike.
 */
import { listSubmission, readListedFile, type ListedFile, type SubmissionListing } from '../input/listing.js';
import type { GitRepository, GitTreeFile } from '../input/git.js';
import type { SourceTree } from './tests/inventory.js';

/** Largest file read as text (a source file or a document). */
export const MAX_TEXT_BYTES = 2 * 1024 * 1024;
/** Text read from a commit's tree at most, all files together. */
const MAX_TREE_TEXT_BYTES = 96 * 1024 * 1024;

function decode(data: Buffer): string | undefined {
  if (data.includes(0)) return undefined;
  return data.toString('utf8').replace(/^\uFEFF/, '');
}

export class WorkingTree implements SourceTree {
  readonly label = 'the working tree';
  private readonly listing: SubmissionListing;
  private readonly byPath = new Map<string, ListedFile>();
  private readonly cache = new Map<string, string | undefined>();
  private readonly sorted: string[];

  constructor(root: string) {
    this.listing = listSubmission(root);
    for (const f of this.listing.files) this.byPath.set(f.rel, f);
    this.sorted = [...this.byPath.keys()].sort();
  }

  files(): string[] {
    return this.sorted;
  }

  has(rel: string): boolean {
    return this.byPath.has(rel);
  }

  read(rel: string): string | undefined {
    if (!this.cache.has(rel)) {
      const file = this.byPath.get(rel);
      const read = file ? readListedFile(this.listing, file, MAX_TEXT_BYTES) : undefined;
      this.cache.set(rel, read?.ok ? decode(read.data) : undefined);
    }
    return this.cache.get(rel);
  }

  /** Entries the listing left out (links leaving the folder, FIFOs...), with the reason. */
  refused(rel: string): string | undefined {
    return this.listing.refused.find((r) => r.rel === rel)?.reason;
  }

  get truncated(): boolean {
    return this.listing.truncated;
  }
}

/** Files a commit tree loads up front (what test counting reads); any other file is loaded with `load`. */
const COUNTED = /(\.rs|\.py|\.go|\.[cm]?[jt]sx?|Cargo\.toml|pytest\.ini|pyproject\.toml|setup\.cfg|tox\.ini|package\.json)$/;

export class CommitTree implements SourceTree {
  readonly label: string;
  private readonly byPath = new Map<string, GitTreeFile>();
  private readonly texts = new Map<string, string | undefined>();
  private readonly sorted: string[];

  private constructor(
    private readonly git: GitRepository,
    readonly commit: string,
    files: GitTreeFile[],
  ) {
    this.label = `commit ${commit.slice(0, 7)}`;
    for (const f of files) this.byPath.set(f.path, f);
    this.sorted = [...this.byPath.keys()].sort();
  }

  /** The tree of `commit`, with the files test counting reads loaded (blobs within the caps). */
  static async load(git: GitRepository, commit: string): Promise<CommitTree> {
    const tree = new CommitTree(git, commit, (await git.tree(commit)).filter((f) => !f.path.split('/').some((s) => s === 'node_modules' || s === '.git')));
    let budget = MAX_TREE_TEXT_BYTES;
    for (const f of tree.byPath.values()) {
      if (!COUNTED.test(f.path) || f.size > MAX_TEXT_BYTES || f.size > budget) continue;
      budget -= f.size;
      await tree.load(f.path);
    }
    return tree;
  }

  files(): string[] {
    return this.sorted;
  }

  has(rel: string): boolean {
    return this.byPath.has(rel);
  }

  read(rel: string): string | undefined {
    return this.texts.get(rel);
  }

  /** The blob id of a file, or undefined. */
  blobId(rel: string): string | undefined {
    return this.byPath.get(rel)?.id;
  }

  /** Loads one more file's text (any file; read() then has it). */
  async load(rel: string): Promise<string | undefined> {
    if (!this.texts.has(rel)) {
      const f = this.byPath.get(rel);
      const data = f ? await this.git.blob(f.id, MAX_TEXT_BYTES) : undefined;
      this.texts.set(rel, data ? decode(data) : undefined);
    }
    return this.texts.get(rel);
  }
}

/** Lines of a text as an editor numbers them: a last line without a newline counts. */
export function lineCount(text: string): { total: number; nonBlank: number } {
  if (text === '') return { total: 0, nonBlank: 0 };
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return { total: lines.length, nonBlank: lines.filter((l) => l.trim() !== '').length };
}
