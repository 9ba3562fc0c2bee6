/**
 * A small on-disk memory of start-up probes (the interpreter probe, the
 * sandbox probe), so a warm machine does not run them again for every
 * `rubricate grade`. Each entry is stored under the facts that decide its
 * answer (paths, file identities, settings); a lookup gathers the facts
 * again and uses the entry only when they are all the same. The cache is
 * optional: no home, a read-only home, a folder owned by someone else or
 * writable by others, a broken file, all mean "no entry", and the probe runs
 * as before. `RUBRICATE_NO_CACHE=1` turns it off.
 *
 * Where: `$XDG_CACHE_HOME/rubricate`, else `~/.cache/rubricate`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { lstatSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, type Stats } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

/** Entries kept per kind (distinct PATHs, interpreters, settings); the oldest used goes first. */
const MAX_ENTRIES = 16;
/** Bump when the stored shape changes: older files are then ignored. */
const FORMAT = 1;

interface Stored<T> {
  format: number;
  entries: Array<{ key: string; value: T; used: number }>;
}

/** The per-user cache folder, or undefined when there is none to use. */
export function cacheDir(): string | undefined {
  if (process.env.RUBRICATE_NO_CACHE) return undefined;
  const xdg = process.env.XDG_CACHE_HOME;
  if (xdg && path.isAbsolute(xdg)) return path.join(xdg, 'rubricate');
  let home: string;
  try {
    home = process.env.HOME || homedir();
  } catch {
    return undefined;
  }
  return home && path.isAbsolute(home) ? path.join(home, '.cache', 'rubricate') : undefined;
}

/**
 * True when `info` is a folder or file only this user can change: owned by
 * us (or root) and not writable by group or others. A cache another user can
 * write is not read.
 */
function ours(info: Stats): boolean {
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  if (uid !== undefined && info.uid !== uid && info.uid !== 0) return false;
  return (info.mode & 0o022) === 0;
}

function fileOf(kind: string): string | undefined {
  const dir = cacheDir();
  return dir ? path.join(dir, `${kind}.json`) : undefined;
}

function readStored<T>(file: string): Stored<T> | undefined {
  try {
    const dir = statSync(path.dirname(file));
    if (!dir.isDirectory() || !ours(dir)) return undefined;
    const info = statSync(file);
    if (!info.isFile() || !ours(info) || info.size > 1 << 20) return undefined;
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Stored<T>;
    return parsed && parsed.format === FORMAT && Array.isArray(parsed.entries) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** A digest of the facts an answer depends on: entries are looked up by it. */
export function factsKey(facts: unknown): string {
  return createHash('sha256').update(JSON.stringify(facts)).digest('hex');
}

/** The value stored under `key` for `kind`, or undefined. */
export function readCached<T>(kind: string, key: string): T | undefined {
  const file = fileOf(kind);
  if (!file) return undefined;
  return readStored<T>(file)?.entries.find((entry) => entry.key === key)?.value;
}

/** Stores `value` under `key` (best effort: any failure leaves the cache as it was). */
export function writeCached<T>(kind: string, key: string, value: T): void {
  const file = fileOf(kind);
  if (!file) return;
  try {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    if (!ours(statSync(path.dirname(file)))) return;
  } catch {
    return;
  }
  const old = readStored<T>(file)?.entries.filter((entry) => entry.key !== key) ?? [];
  replaceStored(file, [{ key, value, used: Date.now() }, ...old].sort((a, b) => b.used - a.used).slice(0, MAX_ENTRIES));
}

/** Forgets the entry under `key` (an answer found wrong later). */
export function dropCached(kind: string, key: string): void {
  const file = fileOf(kind);
  if (!file) return;
  const stored = readStored(file);
  if (!stored || !stored.entries.some((entry) => entry.key === key)) return;
  replaceStored(file, stored.entries.filter((entry) => entry.key !== key));
}

/**
 * Writes `entries` to a fresh private file and renames it over `file`, so a
 * reader never sees half a file; two writers at once lose one entry, not the
 * file. Best effort: any failure leaves the cache as it was.
 */
function replaceStored<T>(file: string, entries: Stored<T>['entries']): void {
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    writeFileSync(temp, JSON.stringify({ format: FORMAT, entries } satisfies Stored<T>), { mode: 0o600, flag: 'wx' });
    renameSync(temp, file);
  } catch {
    removeQuietly(temp);
  }
}

function removeQuietly(file: string): void {
  try {
    rmSync(file, { force: true });
  } catch {
    /* nothing was written */
  }
}

/**
 * A file's identity for a cache key: device, inode, size, modification and
 * change times (any write or chmod changes the change time), or null when it
 * is missing. `follow` false describes a symbolic link itself.
 */
export function identity(file: string, follow = true): string | null {
  try {
    const info = follow ? statSync(file, { bigint: true }) : lstatSync(file, { bigint: true });
    return `${info.dev}:${info.ino}:${info.size}:${info.mtimeNs}:${info.ctimeNs}:${info.mode}`;
  } catch {
    return null;
  }
}
