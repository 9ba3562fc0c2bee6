/**
 * A class roster (`--roster FILE`, CSV): who the learners are and which
 * submission folder is whose, so the gradebook carries learner ids and an
 * LMS can import it.
 *
 * Columns (header row, any order; only `id` is required):
 * - `id`: the learner's id in your records;
 * - `name`, `email`;
 * - `folder`: the submission folder's name, or a pattern with `*` and `?`
 *   (`*alice*` for an LMS export's `alice_12345_late`); default: the id;
 * - `canvas_id`, `sis_user_id`, `sis_login_id`, `section`: what Canvas's
 *   gradebook import matches students by (`--format canvas`).
 */
import { readFile } from 'node:fs/promises';
import { ConfigError } from '../core/errors.js';
import { decodeText } from '../input/text.js';
import { parseCsv } from './csv.js';

export interface Learner {
  id: string;
  name: string;
  email: string;
  /** Folder name or pattern. */
  folder: string;
  canvasId: string;
  sisUserId: string;
  sisLoginId: string;
  section: string;
  /** `file:line`, for messages. */
  source: string;
}

export interface Roster {
  learners: Learner[];
}

const COLUMNS: Record<string, keyof Learner> = {
  id: 'id',
  name: 'name',
  email: 'email',
  folder: 'folder',
  canvas_id: 'canvasId',
  sis_user_id: 'sisUserId',
  sis_login_id: 'sisLoginId',
  section: 'section',
};

export async function readRoster(file: string): Promise<Roster> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new ConfigError(`cannot read the roster ${file} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
  const decoded = decodeText(bytes, file);
  if (!decoded.ok) throw new ConfigError(`cannot read the roster: ${decoded.message}`);
  return parseRoster(decoded.text, file);
}

export function parseRoster(text: string, file = 'roster'): Roster {
  const rows = parseCsv(text).filter((row) => row.some((f) => f.trim() !== ''));
  const header = (rows[0] ?? []).map((h) => h.trim().toLowerCase());
  if (!header.includes('id')) throw new ConfigError(`${file}:1: the roster needs an id column (columns: ${Object.keys(COLUMNS).join(', ')})`);
  const unknown = header.filter((h) => h !== '' && !(h in COLUMNS));
  if (unknown.length > 0) throw new ConfigError(`${file}:1: unknown roster column${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (known: ${Object.keys(COLUMNS).join(', ')})`);
  const learners: Learner[] = [];
  const ids = new Map<string, number>();
  rows.slice(1).forEach((row, i) => {
    const line = i + 2;
    const learner: Learner = { id: '', name: '', email: '', folder: '', canvasId: '', sisUserId: '', sisLoginId: '', section: '', source: `${file}:${line}` };
    header.forEach((h, column) => {
      const key = COLUMNS[h];
      if (key && key !== 'source') learner[key] = (row[column] ?? '').trim();
    });
    if (learner.id === '') throw new ConfigError(`${file}:${line}: a learner without an id`);
    if (ids.has(learner.id)) throw new ConfigError(`${file}:${line}: the id ${learner.id} is listed twice (first on line ${ids.get(learner.id)})`);
    ids.set(learner.id, line);
    if (learner.folder === '') learner.folder = learner.id;
    learners.push(learner);
  });
  return { learners };
}

/** `*` and `?` patterns, matched against the whole name, case-insensitively. */
function matcher(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'iu');
}

export interface RosterMatch {
  /** Submission name -> its learner. */
  bySubmission: Map<string, Learner>;
  /** Learners with no submission. */
  missing: Learner[];
  /** Submissions no learner claims. */
  unclaimed: string[];
  /** Submissions two learners' patterns both match: `name: id, id`. */
  ambiguous: string[];
}

/**
 * Matches submissions (by batch name and folder name) to learners: an exact
 * folder name wins over a pattern; a submission matched by two patterns and
 * no exact name is ambiguous and left unclaimed.
 */
export function matchRoster(roster: Roster, submissions: ReadonlyArray<{ name: string; folder: string }>): RosterMatch {
  const patterns = roster.learners.map((learner) => ({ learner, re: matcher(learner.folder) }));
  const bySubmission = new Map<string, Learner>();
  const unclaimed: string[] = [];
  const ambiguous: string[] = [];
  for (const { name, folder } of submissions) {
    const exact = roster.learners.filter((l) => l.folder.toLowerCase() === folder.toLowerCase() || l.folder.toLowerCase() === name.toLowerCase());
    const hits = exact.length > 0 ? exact : patterns.filter((p) => p.re.test(folder) || p.re.test(name)).map((p) => p.learner);
    if (hits.length === 1) bySubmission.set(name, hits[0]!);
    else if (hits.length === 0) unclaimed.push(name);
    else ambiguous.push(`${name}: ${hits.map((l) => l.id).join(', ')}`);
  }
  const claimed = new Set([...bySubmission.values()].map((l) => l.id));
  return { bySubmission, missing: roster.learners.filter((l) => !claimed.has(l.id)), unclaimed, ambiguous };
}
