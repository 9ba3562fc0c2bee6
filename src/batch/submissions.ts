/**
 * The submission list of a batch: folders given as arguments and listed in
 * `--from` files, de-duplicated, each with a unique, file-safe output name
 * taken from its folder name (`alice` -> `reports/alice.json`), or from the
 * end of its path when folder names clash (`alice/latest` -> `alice-latest`).
 */
import { createReadStream, realpathSync, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { UsageError } from '../core/errors.js';
import { decodeText } from '../input/text.js';

export interface SubmissionEntry {
  /** Unique, file-safe name: the folder name, or on a clash its shortest distinguishing trailing path (`alice-latest`), with `-2`, `-3`... appended if that still clashes. */
  name: string;
  /** The path as given. */
  path: string;
  /** Absolute path. */
  abs: string;
  /** The learner's id, when a roster names the submission's learner. */
  learner?: string;
}

/**
 * Reads a list file: one folder per line; blank lines and lines starting with
 * `#` are ignored. Relative paths are relative to the current directory, as
 * when the list comes from `ls -d submissions/* > list.txt`.
 */
export async function readListFile(file: string, io: ListInput = { stdin: process.stdin, stderr: process.stderr }): Promise<string[]> {
  let bytes: Uint8Array;
  try {
    bytes = file === '-' ? await readStdin(io) : await readList(file);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new UsageError(`cannot read the submission list ${file} (${code})`);
  }
  // Decoded like learners' text: a list that PowerShell wrote (UTF-16 with a BOM) or Notepad (BOM, CRLF) reads the same.
  const decoded = decodeText(bytes, file === '-' ? 'the standard input' : file);
  if (!decoded.ok) throw new UsageError(`cannot read the submission list: ${decoded.message}`);
  return decoded.text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/** Where `--from -` reads the list, and says so when a person is to type it. */
export interface ListInput {
  stdin: AsyncIterable<unknown> & { isTTY?: boolean };
  stderr: { write(text: string): unknown };
}

/** The largest submission list read (a class of 100,000 folders of 160-byte paths). */
export const MAX_LIST_BYTES = 16 * 1024 * 1024;

async function readStdin(io: ListInput): Promise<Buffer> {
  // On a terminal, a silent wait looks like a hang.
  if (io.stdin.isTTY) io.stderr.write('rubricate: reading the submission list from standard input, one folder per line (end with Ctrl-D)\n');
  return readCapped(io.stdin, 'the standard input');
}

/**
 * A list file: a regular file, or a pipe (`--from <(ls -d class/*)` names
 * one), read up to `MAX_LIST_BYTES`; a device such as /dev/zero stops at the
 * cap instead of filling memory.
 */
async function readList(file: string): Promise<Buffer> {
  const info = await stat(file);
  if (info.isDirectory()) throw new UsageError(`the submission list ${file} is a folder; --from takes a file with one folder per line`);
  if (info.isFile() && info.size > MAX_LIST_BYTES) throw tooLong(file);
  return readCapped(createReadStream(file), file);
}

async function readCapped(stream: AsyncIterable<unknown>, name: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    length += buffer.length;
    if (length > MAX_LIST_BYTES) {
      (stream as { destroy?: () => void }).destroy?.();
      throw tooLong(name);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

function tooLong(name: string): UsageError {
  return new UsageError(`the submission list ${name} is over ${MAX_LIST_BYTES / (1024 * 1024)} MiB; split it into several lists, each read by its own --from`);
}

/** A file-safe version of a folder name. */
export function safeName(name: string): string {
  const cleaned = name
    .normalize('NFC')
    .replace(/[^\p{L}\p{N}._-]+/gu, '_')
    .replace(/^[.-]+/, '_')
    .slice(0, 120);
  return cleaned === '' ? 'submission' : cleaned;
}

/**
 * De-duplicates paths (the same folder, also when reached through a link:
 * the smallest absolute path names it) and names them. A folder is named by
 * its base name; folders whose base names clash (`class/*\/latest`, as LMS
 * exports lay them out) are each named by the shortest run of trailing path
 * components that no other folder of the clash ends with (`alice-latest`,
 * `bob-latest`). A name that still clashes gets `-2`, `-3`... in sorted order
 * of the absolute paths. Names depend on the whole list, not its order, so
 * every shard of a CI matrix computes the same names.
 */
export function nameSubmissions(paths: readonly string[]): SubmissionEntry[] {
  const byReal = new Map<string, { abs: string; path: string }>();
  for (const path of paths) {
    const abs = resolve(path);
    const real = realPathOf(abs);
    const seen = byReal.get(real);
    if (!seen || abs < seen.abs) byReal.set(real, { abs, path });
  }
  const sorted = [...byReal.values()].sort((a, b) => (a.abs < b.abs ? -1 : a.abs > b.abs ? 1 : 0));
  const bases = distinctTails(sorted.map(({ abs }) => abs.split(sep).filter((part) => part !== '')));
  const used = new Set<string>();
  const out: SubmissionEntry[] = [];
  sorted.forEach(({ abs, path }, i) => {
    const base = bases[i]!;
    let name = base;
    for (let k = 2; used.has(name.toLowerCase()); k++) name = `${base}-${k}`;
    used.add(name.toLowerCase());
    out.push({ name, path, abs });
  });
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * For each list of path components, the file-safe name of its shortest run
 * of trailing components that no other list with the same file-safe base
 * name ends with (all its components when every run is shared).
 */
function distinctTails(paths: readonly string[][]): string[] {
  const named = (parts: readonly string[], k: number) => safeName(parts.slice(-k).join('-'));
  const tail = (parts: readonly string[], k: number) => parts.slice(-k).join(sep);
  const groups = new Map<string, number[]>();
  paths.forEach((parts, i) => {
    const key = named(parts, 1).toLowerCase();
    const group = groups.get(key);
    if (group) group.push(i);
    else groups.set(key, [i]);
  });
  const out: string[] = [];
  for (const group of groups.values()) {
    // Lengthen the tails of the members still sharing one, a component at a time.
    let open = group;
    for (let k = 1; open.length > 0; k++) {
      const count = new Map<string, number>();
      for (const i of group) if (k <= paths[i]!.length) count.set(tail(paths[i]!, k), (count.get(tail(paths[i]!, k)) ?? 0) + 1);
      open = open.filter((i) => {
        const parts = paths[i]!;
        if (k < parts.length && count.get(tail(parts, k))! > 1) return true;
        out[i] = named(parts, k);
        return false;
      });
    }
  }
  return out;
}

/** Folders an archive or LMS export adds beside the submissions (macOS resource forks). */
const NOT_SUBMISSIONS = new Set(['__MACOSX']);

export interface BatchPaths {
  /** The paths that name submission folders, in their order. */
  folders: string[];
  /** Paths left out: files beside the folders (an LMS's metadata, `*.json`, `*.yml`), archive debris. */
  skipped: string[];
}

/**
 * Sorts the paths of a batch into submission folders and what an LMS export
 * or a glob brings along (files, `__MACOSX`): those are skipped, not graded
 * as broken submissions. A path that does not exist is a usage error, as in
 * single mode: a typo must not become a 0-point row.
 */
export function batchFolders(paths: readonly string[]): BatchPaths {
  const out: BatchPaths = { folders: [], skipped: [] };
  for (const path of paths) {
    let isFolder: boolean;
    try {
      isFolder = statSync(path).isDirectory();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') throw new UsageError(`submission not found: ${path}`);
      // A folder that exists but cannot be read is a submission with a problem: its report says so.
      out.folders.push(path);
      continue;
    }
    if (isFolder && !NOT_SUBMISSIONS.has(basename(resolve(path)))) out.folders.push(path);
    else out.skipped.push(path);
  }
  return out;
}

/** The paths in their order, without those naming a folder already listed (compared by real path). */
export function distinctFolders(paths: readonly string[]): string[] {
  const seen = new Set<string>();
  return paths.filter((path) => {
    const real = realPathOf(path);
    return !seen.has(real) && Boolean(seen.add(real));
  });
}

/**
 * The submission whose folder is `dir` or holds it, comparing real paths
 * (`dir` need not exist yet); undefined when none does. A batch refuses an
 * output folder inside a submission: the reports would become part of that
 * submission, its learner code would see the class's reports, and every run
 * would regrade it.
 */
export function submissionHolding(dir: string, entries: readonly SubmissionEntry[]): SubmissionEntry | undefined {
  const target = realPathOf(dir);
  return entries.find((entry) => {
    const root = realPathOf(entry.abs);
    return target === root || target.startsWith(root.endsWith(sep) ? root : root + sep);
  });
}

/** The real path of the deepest part of `path` that exists, with the rest appended. */
function realPathOf(path: string): string {
  const abs = resolve(path);
  try {
    return realpathSync.native(abs);
  } catch {
    const parent = dirname(abs);
    return parent === abs ? abs : join(realPathOf(parent), basename(abs));
  }
}
