/**
 * When the predictions and the results of an experiment entered its git
 * history, read from the commits themselves (src/experiment/git.ts).
 *
 * For every commit (oldest first) the files that matter are followed by
 * content: the Markdown files that may hold the predictions table, and the
 * results (a results file such as `results.json`, or "results numbers": a
 * section titled Results / Observed / Measured holding numbers, or observed
 * columns added to the predictions table). The analysis then says
 *
 * - which commit first holds the predictions table (P) and which first holds
 *   results (R), with their author and committer dates;
 * - whether P comes before R (P an ancestor of R), R before P, or both in
 *   one commit;
 * - which rows of the predictions table changed in commits after R (which
 *   metric, which cells, before and after, in which commit);
 * - signs of rewritten history: a commit committed before it was authored,
 *   a commit committed (or authored) before its parent, and P authored after
 *   R although it comes first in the history.
 */
import { parseMarkdown, type MarkdownDoc } from '../markdown/document.js';
import { matchSections } from '../text/match.js';
import { filesNamed } from './files.js';
import type { GitCommit, GitLog } from './git.js';
import { DEFAULT_PREDICTION_HEADINGS, DEFAULT_RESULT_HEADINGS, findPredictionsTable, type PredictionsTable } from './predictions.js';
import { plainCell } from './quantity.js';
import { readTables } from './tables.js';

export { DEFAULT_RESULT_HEADINGS };

/** Clock skew tolerated between dates before they count as out of order. */
export const SKEW_SECONDS = 60;

export interface HistoryOptions {
  /** Files that may hold the predictions table (alternatives, as in `predictions-table`). */
  predictions: string[];
  /** Title patterns of the predictions section. */
  predictionHeadings?: string[];
  /** Files (or folders, ending in `/`) whose presence means results exist. */
  results: string[];
  /** Title patterns of a section that reports results. */
  resultHeadings?: string[];
}

/** A snapshot of the predictions table: row label -> the predicted cells as written. */
export interface TableSnapshot {
  path: string;
  line: number;
  rows: Map<string, { label: string; cells: string[]; line: number }>;
  columns: string[];
}

export interface ResultEvidence {
  /** "results file", "results section", "observed column". */
  kind: 'file' | 'section' | 'column';
  path: string;
  /** For sections: the title; for columns: the header. */
  name?: string;
  line?: number;
}

export interface CommitInfo {
  id: string;
  short: string;
  authorDate: string;
  committerDate: string;
  subject: string;
}

export interface RowEdit {
  commit: CommitInfo;
  label: string;
  change: 'changed' | 'added' | 'removed';
  before?: string[];
  after?: string[];
  columns: string[];
}

export interface RewriteSign {
  commit: CommitInfo;
  message: string;
}

export interface HistoryAnalysis {
  commits: number;
  predictions?: { commit: CommitInfo; path: string; line: number; index: number };
  results?: { commit: CommitInfo; evidence: ResultEvidence[]; index: number };
  /** P and R's relation in the commit graph. */
  order?: 'predictions-first' | 'results-first' | 'same-commit' | 'parallel';
  edits: RowEdit[];
  signs: RewriteSign[];
  /** P comes first in the history but was authored after R. */
  reordered?: { predictions: CommitInfo; results: CommitInfo };
  /** The predictions table as the last commit has it. */
  head?: TableSnapshot;
  /** Blobs left unread (too large). */
  unread: string[];
}

export type BlobReader = (ids: string[]) => Promise<{ ok: true; blobs: Map<string, Buffer>; tooLarge: string[] } | { ok: false; message: string; fault?: 'grader' | 'repository' }>;

const TEXT_FILE = /\.(?:md|markdown|mdown|txt|json|csv|tsv)$/i;
const MARKDOWN = /\.(?:md|markdown|mdown|txt)$/i;
const MAX_TRACKED_FILES = 400;

function info(c: GitCommit): CommitInfo {
  // git's %f joins the subject's words with dashes.
  return { id: c.id, short: c.id.slice(0, 7), authorDate: c.authorDate, committerDate: c.committerDate, subject: c.subject.replace(/-/g, ' ') };
}

function seconds(iso: string): number {
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t / 1000 : NaN;
}

/** "2024-03-04 16:30:00 +01:00" */
export function showDate(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})([+-]\d{2}:\d{2}|Z)$/.exec(iso);
  return m ? `${m[1]} ${m[2]} ${m[3] === 'Z' ? '+00:00' : m[3]}` : iso;
}

function normaliseCell(text: string): string {
  return plainCell(text).replace(/[−–]/g, '-').replace(/\s+/g, ' ').trim().toLowerCase();
}

function labelKey(label: string): string {
  return normaliseCell(label).replace(/[^\p{L}\p{N}=≤<>%.]+/gu, ' ').trim();
}

/** The predictions table as comparable data. */
export function snapshot(path: string, found: PredictionsTable): TableSnapshot {
  const cols = [...found.columns.variants, ...(found.columns.delta !== undefined ? [found.columns.delta] : [])];
  const rows = new Map<string, { label: string; cells: string[]; line: number }>();
  for (const row of found.table.rows) {
    const label = plainCell(row[found.columns.metric ?? 0]?.text ?? '');
    if (!label) continue;
    rows.set(labelKey(label), { label, cells: cols.map((c) => normaliseCell(row[c]?.text ?? '')), line: row[0]?.line ?? found.table.line });
  }
  return { path, line: found.table.line, rows, columns: cols.map((c) => plainCell(found.table.header[c]?.text ?? '')) };
}

/** Rows that differ between two snapshots of the table. */
export function diffTables(before: TableSnapshot, after: TableSnapshot): Array<Omit<RowEdit, 'commit'>> {
  const out: Array<Omit<RowEdit, 'commit'>> = [];
  for (const [key, row] of after.rows) {
    const old = before.rows.get(key);
    if (!old) out.push({ label: row.label, change: 'added', after: row.cells, columns: after.columns });
    else if (old.cells.join('\u0000') !== row.cells.join('\u0000')) out.push({ label: row.label, change: 'changed', before: old.cells, after: row.cells, columns: after.columns });
  }
  for (const [key, row] of before.rows) if (!after.rows.has(key)) out.push({ label: row.label, change: 'removed', before: row.cells, columns: before.columns });
  return out;
}

interface BlobFacts {
  predictions?: TableSnapshot;
  resultSections: ResultEvidence[];
}

/** Numbers that report a measurement: decimals and percentages (integers such as lengths and seeds do not count). */
const MEASURED = /(?<![\w.])[-+−]?\d*\.\d+(?![\w.])|(?<![\w.])\d+(?:\.\d+)?\s?%/g;

/** What one Markdown blob holds: a predictions table, results sections, observed columns. */
export function blobFacts(path: string, text: string, options: HistoryOptions, isPredictionsFile: boolean): BlobFacts {
  const doc: MarkdownDoc = parseMarkdown(text.replace(/\r\n?/g, '\n').replace(/^\uFEFF/, ''), { path });
  const facts: BlobFacts = { resultSections: [] };
  const predictionHeadings = options.predictionHeadings ?? DEFAULT_PREDICTION_HEADINGS;
  const found = isPredictionsFile ? findPredictionsTable(doc, predictionHeadings, options.resultHeadings ?? DEFAULT_RESULT_HEADINGS) : undefined;
  if (found) {
    facts.predictions = snapshot(path, found);
    // Results written into the predictions table: an observed column with numbers.
    for (const c of found.columns.observed) {
      const numbers = found.table.rows.filter((row) => /\d/.test(row[c]?.text ?? '')).length;
      if (numbers > 0) facts.resultSections.push({ kind: 'column', path, name: plainCell(found.table.header[c]!.text), line: found.table.line });
    }
  }
  const predictionSections = new Set(matchSections(doc, predictionHeadings).map((m) => m.section.index));
  const tables = readTables(doc);
  for (const m of matchSections(doc, options.resultHeadings ?? DEFAULT_RESULT_HEADINGS)) {
    const s = m.section;
    if (predictionSections.has(s.index)) continue;
    if (found && found.table.line >= s.start.line && found.table.line <= s.end.line) continue;
    const inTables = tables
      .filter((t) => t.line >= s.start.line && t.line <= s.end.line)
      .flatMap((t) => t.rows.flat())
      .filter((cell) => /\d/.test(cell.text) && /\d\.\d|%/.test(cell.text)).length;
    const inText = (s.text.match(MEASURED) ?? []).length;
    if (inTables >= 2 || inText >= 2) facts.resultSections.push({ kind: 'section', path, name: s.title, line: s.start.line });
  }
  return facts;
}

/**
 * Reads the predictions and results through the history (see the module
 * comment). `readBlobs` gives blob contents (the sandboxed git reader).
 */
export async function analyseHistory(log: GitLog, readBlobs: BlobReader, options: HistoryOptions): Promise<{ ok: true; analysis: HistoryAnalysis } | { ok: false; message: string; fault?: 'grader' | 'repository' }> {
  const commits = log.commits;
  const analysis: HistoryAnalysis = { commits: commits.length, edits: [], signs: [], unread: [] };
  if (commits.length === 0) return { ok: true, analysis };

  // The tracked state of each commit: path -> blob, for text files only.
  const index = new Map(commits.map((c, i) => [c.id, i]));
  const states: Array<Map<string, string>> = [];
  const isResultPath = (p: string) => options.results.some((alt) => filesNamed([p], alt).length > 0);
  const wanted = new Set<string>();
  for (const c of commits) {
    const parent = c.parents[0] !== undefined ? index.get(c.parents[0]) : undefined;
    const state = new Map(parent !== undefined ? states[parent]! : []);
    for (const change of c.changes) {
      if (change.from !== undefined && change.status === 'R') state.delete(change.from);
      const tracked = TEXT_FILE.test(change.path) || isResultPath(change.path);
      if (change.status === 'D' || !tracked || !change.mode.startsWith('100')) state.delete(change.path);
      else if (state.size < MAX_TRACKED_FILES || state.has(change.path)) {
        state.set(change.path, change.blob);
        wanted.add(change.blob);
      }
    }
    states.push(state);
  }
  const predictionFiles = (paths: string[]) => new Set(options.predictions.flatMap((p) => filesNamed(paths, p)));
  const resultFiles = (paths: string[]) => options.results.flatMap((p) => filesNamed(paths, p));

  // Only the blobs of Markdown files (predictions, results sections) and of results files.
  const needed = new Set<string>();
  for (const state of states) {
    const paths = [...state.keys()];
    for (const p of paths) if (MARKDOWN.test(p)) needed.add(state.get(p)!);
    for (const p of resultFiles(paths)) if (TEXT_FILE.test(p)) needed.add(state.get(p)!);
  }
  const read = await readBlobs([...needed]);
  if (!read.ok) return read;
  analysis.unread = read.tooLarge;
  const facts = new Map<string, BlobFacts>();
  const factsOf = (path: string, blob: string, isPredictions: boolean): BlobFacts => {
    const key = `${isPredictions ? 'p' : 'r'}:${blob}`;
    let f = facts.get(key);
    if (!f) {
      const data = read.blobs.get(blob);
      f = data ? blobFacts(path, data.toString('utf8'), options, isPredictions) : { resultSections: [] };
      facts.set(key, f);
    }
    return f;
  };

  const predictionsAt: Array<TableSnapshot | undefined> = [];
  const resultsAt: ResultEvidence[][] = [];
  commits.forEach((_, i) => {
    const state = states[i]!;
    const paths = [...state.keys()];
    const pfiles = predictionFiles(paths);
    // The first predictions file (in the rubric's order) that holds the table.
    let table: TableSnapshot | undefined;
    for (const p of options.predictions.flatMap((alt) => filesNamed(paths, alt))) {
      table = factsOf(p, state.get(p)!, true).predictions;
      if (table) break;
    }
    predictionsAt.push(table);
    // A text results file counts once it holds a number (an empty placeholder committed early is not a result).
    const evidence: ResultEvidence[] = resultFiles(paths)
      .filter((p) => {
        const blob = state.get(p)!;
        return !TEXT_FILE.test(p) || read.tooLarge.includes(blob) || /\d/.test(read.blobs.get(blob)?.toString('utf8') ?? '');
      })
      .map((p) => ({ kind: 'file', path: p }));
    for (const p of paths) {
      if (!MARKDOWN.test(p)) continue;
      evidence.push(...factsOf(p, state.get(p)!, pfiles.has(p)).resultSections);
    }
    resultsAt.push(evidence);
  });

  const pIndex = predictionsAt.findIndex((t) => t !== undefined);
  const rIndex = resultsAt.findIndex((e) => e.length > 0);
  if (pIndex >= 0) analysis.predictions = { commit: info(commits[pIndex]!), path: predictionsAt[pIndex]!.path, line: predictionsAt[pIndex]!.line, index: pIndex };
  if (rIndex >= 0) analysis.results = { commit: info(commits[rIndex]!), evidence: resultsAt[rIndex]!, index: rIndex };
  analysis.head = predictionsAt[commits.length - 1];

  // Ancestry, for the order of P and R.
  const ancestorsOf = (i: number): Set<number> => {
    const seen = new Set<number>();
    const stack = [i];
    while (stack.length > 0) {
      const j = stack.pop()!;
      for (const p of commits[j]!.parents) {
        const k = index.get(p);
        if (k !== undefined && !seen.has(k)) {
          seen.add(k);
          stack.push(k);
        }
      }
    }
    return seen;
  };
  if (pIndex >= 0 && rIndex >= 0) {
    if (pIndex === rIndex) analysis.order = 'same-commit';
    else if (ancestorsOf(rIndex).has(pIndex)) analysis.order = 'predictions-first';
    else if (ancestorsOf(pIndex).has(rIndex)) analysis.order = 'results-first';
    else analysis.order = 'parallel';
    const p = commits[pIndex]!;
    const r = commits[rIndex]!;
    if (analysis.order === 'predictions-first' && seconds(p.authorDate) > seconds(r.authorDate) + SKEW_SECONDS) {
      analysis.reordered = { predictions: info(p), results: info(r) };
    }
  }

  // Edits of the predictions table in commits that already had results (in them or in an ancestor).
  if (rIndex >= 0) {
    const withResults = new Set<number>();
    commits.forEach((_, i) => {
      if (resultsAt[i]!.length > 0) withResults.add(i);
    });
    commits.forEach((c, i) => {
      const parent = c.parents[0] !== undefined ? index.get(c.parents[0]) : undefined;
      const before = parent !== undefined ? predictionsAt[parent] : undefined;
      const after = predictionsAt[i];
      if (!before || !after) return;
      // Results existed when this commit was made: in its parent's tree (the same-commit case is reported on its own).
      if (parent === undefined || !withResults.has(parent)) return;
      for (const edit of diffTables(before, after)) analysis.edits.push({ ...edit, commit: info(c) });
    });
  }

  // Signs of rewritten history.
  for (const c of commits) {
    const a = seconds(c.authorDate);
    const k = seconds(c.committerDate);
    if (k + SKEW_SECONDS < a) analysis.signs.push({ commit: info(c), message: `committed (${showDate(c.committerDate)}) before it was authored (${showDate(c.authorDate)})` });
    for (const p of c.parents) {
      const j = index.get(p);
      if (j === undefined) continue;
      const parent = commits[j]!;
      if (k + SKEW_SECONDS < seconds(parent.committerDate)) {
        analysis.signs.push({ commit: info(c), message: `committed (${showDate(c.committerDate)}) before its parent ${parent.id.slice(0, 7)} (${showDate(parent.committerDate)})` });
      } else if (a + SKEW_SECONDS < seconds(parent.authorDate) && c.parents.length === 1) {
        analysis.signs.push({ commit: info(c), message: `authored (${showDate(c.authorDate)}) before its parent ${parent.id.slice(0, 7)} (${showDate(parent.authorDate)}): commits were reordered or backdated` });
      }
    }
  }
  return { ok: true, analysis };
}
