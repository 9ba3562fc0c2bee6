/**
 * When each submission was handed in, for late penalties: from the LMS
 * export's own record when there is one (`--times FILE`: Gradescope's
 * `submission_metadata.yml`, or a CSV `submission,time`), else from the
 * newest modification time of the submission's files (what a download or a
 * `git clone` keeps is not always the hand-in time: the report names the
 * source).
 */
import { lstat, readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../core/errors.js';
import { decodeText } from '../input/text.js';
import type { SubmissionTime } from './adjust.js';
import { parseCsv } from './csv.js';

/** Submission folder name -> hand-in time. */
export type TimesTable = ReadonlyMap<string, Date>;

/** Parses a time as ISO 8601, or as Gradescope writes it (`2026-12-01 23:59:01.123 -0800`). */
export function parseTime(text: string): Date | undefined {
  const trimmed = text.trim();
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(Z|[+-]\d{2}:?\d{2})?$/.exec(trimmed);
  if (!m) return undefined;
  const zone = m[3] === undefined ? 'Z' : m[3] === 'Z' ? 'Z' : m[3].replace(/^([+-]\d{2})(\d{2})$/, '$1:$2');
  const time = m[2]!.replace(/(\.\d{3})\d+$/, '$1');
  const date = new Date(`${m[1]}T${time}${zone}`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * Reads a times file: YAML as Gradescope exports it (`submission_<id>:` with
 * `:created_at:`), or CSV with the columns `submission,time`. Configuration
 * errors name the file and the entry.
 */
export async function readTimes(file: string): Promise<TimesTable> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new ConfigError(`cannot read the times file ${file} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
  const decoded = decodeText(bytes, file);
  if (!decoded.ok) throw new ConfigError(`cannot read the times file: ${decoded.message}`);
  const table = new Map<string, Date>();
  if (/\.ya?ml$/i.test(file)) {
    let doc: unknown;
    try {
      doc = parseYaml(decoded.text, { maxAliasCount: 100 });
    } catch (error) {
      throw new ConfigError(`${file}: not YAML (${(error as Error).message.split('\n')[0]})`);
    }
    if (!doc || typeof doc !== 'object') throw new ConfigError(`${file}: expected a map of submissions to their metadata`);
    for (const [name, meta] of Object.entries(doc as Record<string, unknown>)) {
      const raw = meta && typeof meta === 'object' ? ((meta as Record<string, unknown>)[':created_at'] ?? (meta as Record<string, unknown>).created_at) : undefined;
      const at = raw instanceof Date ? raw : typeof raw === 'string' ? parseTime(raw) : undefined;
      if (!at) throw new ConfigError(`${file}: submission ${name} has no readable created_at`);
      table.set(name, at);
    }
    return table;
  }
  const rows = parseCsv(decoded.text).filter((row) => row.some((f) => f.trim() !== ''));
  const header = (rows[0] ?? []).map((h) => h.trim().toLowerCase());
  const [nameAt, timeAt] = [header.indexOf('submission'), header.indexOf('time')];
  if (nameAt < 0 || timeAt < 0) throw new ConfigError(`${file}:1: the times file needs the columns submission,time`);
  rows.slice(1).forEach((row, i) => {
    const at = parseTime(row[timeAt] ?? '');
    if (!at) throw new ConfigError(`${file}:${i + 2}: '${row[timeAt] ?? ''}' is not a time (ISO 8601, e.g. 2026-12-01T23:59:00Z)`);
    table.set((row[nameAt] ?? '').trim(), at);
  });
  return table;
}

/**
 * The hand-in time of the submission at `folder`: its entry in `times`
 * (by folder name), else the newest modification time of its files (tool
 * folders such as .git left out; links not followed).
 */
export async function submissionTime(folder: string, times?: TimesTable): Promise<SubmissionTime | undefined> {
  const listed = times?.get(basename(folder));
  if (listed) return { at: listed, source: 'the LMS export' };
  let newest = 0;
  let seen = 0;
  const walk = async (dir: string, depth: number): Promise<void> => {
    if (depth > 20 || seen > 10_000) return;
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules' || entry.name === '__pycache__') continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path, depth + 1);
      else if (entry.isFile()) {
        seen++;
        const info = await lstat(path).catch(() => undefined);
        if (info && info.mtimeMs > newest) newest = info.mtimeMs;
      }
    }
  };
  await walk(folder, 0);
  return newest > 0 ? { at: new Date(newest), source: "the files' modification times" } : undefined;
}
