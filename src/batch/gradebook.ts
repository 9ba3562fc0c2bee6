/**
 * The gradebook: one small row per submission, kept in memory while a batch
 * runs (reports themselves go straight to disk), written as `grades.csv` and
 * summarised in `summary.md`.
 */
import { verdictLine } from '../core/scoring.js';
import type { CheckResult, Report, Rubric, Status } from '../core/types.js';
import { csvRecord, safeText } from './csv.js';
import type { RosterMatch } from './roster.js';

/** `error`: at least one check could not be graded (crash, timeout of the batch guard, internal error). */
export type RowStatus = 'passed' | 'failed' | 'error';

export interface GradebookRow {
  /** Output name of the submission (its folder name, made unique and file-safe). */
  submission: string;
  /** The folder as given on the command line. */
  path: string;
  score: number;
  maxScore: number;
  /** Score per dimension id. */
  dimensions: Record<string, number>;
  status: RowStatus;
  /** The most important diagnosis: `check-id: diagnosis` (or the message when the check names no cause). */
  diagnosis: string;
  /** Check ids by status, for the instructor summary. */
  failed: string[];
  errored: string[];
  warned: string[];
  /** Distinct diagnoses of the checks that did not pass, `check-id: text`. */
  diagnoses: string[];
  /** Gates (required criteria) the submission does not meet: it is not passed whatever its score. */
  unmetRequirements?: string[];
  /** How many checks ended in each status. */
  summary: Record<Status, number>;
  /** Hash of the submission, rubric and tool version the report was graded with. */
  cacheKey?: string;
  durationMs?: number;
  /** The late penalty taken off `score` (a fraction), when the submission was late. */
  latePenalty?: number;
  /** Checks whose points the instructor set. */
  overridden?: string[];
}

/** What the gradebook and summary need to know about the rubric. */
export interface RubricOutline {
  id: string;
  title: string;
  version: number;
  passThreshold: number;
  dimensions: Array<{ id: string; title: string }>;
  criteria: Array<{ id: string; title: string; dimension: string; points: number; required?: boolean }>;
}

export function outlineOf(rubric: Rubric): RubricOutline {
  return {
    id: rubric.id,
    title: rubric.title,
    version: rubric.version,
    passThreshold: rubric.passThreshold,
    dimensions: rubric.dimensions.map((d) => ({ id: d.id, title: d.title })),
    criteria: rubric.criteria.map((c) => ({ id: c.id, title: c.title, dimension: c.dimension, points: c.points, ...(c.required === true ? { required: true } : {}) })),
  };
}

const GRAVITY: Record<Status, number> = { error: 0, fail: 1, warn: 2, skip: 3, pass: 4 };

/** The check whose problem matters most: errors first, then failures, then by points lost. */
export function mostImportant(checks: readonly CheckResult[]): CheckResult | undefined {
  const open = checks.filter((c) => c.status !== 'pass' && c.status !== 'skip');
  open.sort((a, b) => GRAVITY[a.status] - GRAVITY[b.status] || b.maxPoints - b.points - (a.maxPoints - a.points));
  return open[0];
}

function oneLine(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export function rowFromReport(report: Report, submission: string, path: string): GradebookRow {
  const dimensions: Record<string, number> = {};
  for (const d of report.dimensions) dimensions[d.id] = d.score;
  // A report with grading errors leads with its error (a person looks at it), not with the gates it could not check.
  const unmet = report.summary.error > 0 ? [] : (report.gates ?? []).filter((g) => !g.met).map((g) => g.id);
  // A submission held back by a requirement says so first; the requirement's own finding follows.
  const top = unmet.length > 0 ? report.checks.find((c) => c.id === unmet[0]) : mostImportant(report.checks);
  const topText = top ? `${top.id}: ${oneLine(top.diagnosis ?? top.message)}` : '';
  const diagnosis = unmet.length > 0 ? oneLine(`${verdictLine(report)}. ${topText}`) : topText;
  const diagnoses: string[] = [];
  const seen = new Set<string>();
  for (const check of report.checks) {
    if (check.status === 'pass' || check.status === 'skip') continue;
    const text = `${check.id}: ${oneLine(check.diagnosis ?? check.message, 200)}`;
    if (!seen.has(text)) {
      seen.add(text);
      diagnoses.push(text);
    }
  }
  const cacheKey = report.environment?.cacheKey;
  return {
    submission,
    path,
    score: report.score,
    maxScore: report.maxScore,
    dimensions,
    status: report.summary.error > 0 ? 'error' : report.passed ? 'passed' : 'failed',
    diagnosis,
    failed: report.checks.filter((c) => c.status === 'fail').map((c) => c.id),
    errored: report.checks.filter((c) => c.status === 'error').map((c) => c.id),
    warned: report.checks.filter((c) => c.status === 'warn').map((c) => c.id),
    diagnoses,
    ...(unmet.length > 0 ? { unmetRequirements: unmet } : {}),
    summary: { ...report.summary },
    ...(typeof cacheKey === 'string' ? { cacheKey } : {}),
    ...(report.late && report.late.penalty > 0 ? { latePenalty: report.late.penalty } : {}),
    ...(report.checks.some((c) => c.override) ? { overridden: report.checks.filter((c) => c.override).map((c) => c.id) } : {}),
    ...(report.durationMs !== undefined ? { durationMs: report.durationMs } : {}),
  };
}

export interface GradebookOptions {
  /** The roster matched to the submissions: adds learner columns, and a row for each learner without a submission. */
  roster?: RosterMatch;
  /** Start with a UTF-8 byte order mark, so Excel reads names such as José right. */
  bom?: boolean;
}

/**
 * `grades.csv`: submission, total, max, one column per dimension, status,
 * diagnosis; with a roster, the learner's id, name and email first, and
 * learners without a submission as `missing` rows; a `late_penalty` column
 * when a penalty was applied, `overridden` when the instructor set points.
 * Rows sorted by submission (learners without one last, by id).
 */
export function gradebookCsv(outline: RubricOutline, rows: readonly GradebookRow[], options: GradebookOptions = {}): string {
  const roster = options.roster;
  const late = rows.some((r) => r.latePenalty !== undefined);
  const overridden = rows.some((r) => r.overridden !== undefined);
  const header = [
    ...(roster ? ['learner_id', 'name', 'email'] : []),
    'submission',
    'total',
    'max',
    ...outline.dimensions.map((d) => d.id),
    'status',
    ...(late ? ['late_penalty'] : []),
    ...(overridden ? ['overridden'] : []),
    'diagnosis',
  ];
  let out = (options.bom ? '\uFEFF' : '') + csvRecord(header);
  for (const row of sortRows(rows)) {
    const learner = roster?.bySubmission.get(row.submission);
    out += csvRecord([
      ...(roster ? [learner?.id ?? '', learner?.name ?? '', learner?.email ?? ''].map(safeText) : []),
      safeText(row.submission),
      row.score,
      row.maxScore,
      ...outline.dimensions.map((d) => row.dimensions[d.id] ?? 0),
      row.status,
      ...(late ? [row.latePenalty ?? 0] : []),
      ...(overridden ? [(row.overridden ?? []).join(' ')] : []),
      safeText(row.diagnosis),
    ]);
  }
  for (const learner of roster?.missing ?? []) {
    out += csvRecord([
      ...[learner.id, learner.name, learner.email].map(safeText),
      '',
      '',
      rows[0]?.maxScore ?? '',
      ...outline.dimensions.map(() => ''),
      'missing',
      ...(late ? [''] : []),
      ...(overridden ? [''] : []),
      'no submission',
    ]);
  }
  return out;
}

/**
 * Canvas's gradebook import (Grades > Import): `Student, ID, SIS User ID, SIS
 * Login ID, Section` and one column for the assignment, named as in Canvas
 * (`Lab 02 (1234)` with the assignment id matches an existing column), then
 * a `Points Possible` row. Canvas matches students by ID or SIS ids, so every
 * learner comes from the roster; a learner without a submission gets an
 * empty cell (Canvas leaves the grade as it is).
 */
export function canvasCsv(outline: RubricOutline, rows: readonly GradebookRow[], roster: RosterMatch, assignment: string): string {
  const byLearner = new Map<string, GradebookRow>();
  for (const row of rows) {
    const learner = roster.bySubmission.get(row.submission);
    if (learner) byLearner.set(learner.id, row);
  }
  const learners = [...roster.bySubmission.values(), ...roster.missing].filter((l, i, all) => all.findIndex((m) => m.id === l.id) === i);
  learners.sort((a, b) => (a.name || a.id).localeCompare(b.name || b.id));
  const max = rows[0]?.maxScore ?? outline.criteria.reduce((sum, c) => sum + c.points, 0);
  let out = csvRecord(['Student', 'ID', 'SIS User ID', 'SIS Login ID', 'Section', assignment]);
  out += csvRecord(['Points Possible', '', '', '', '', max]);
  for (const learner of learners) {
    const row = byLearner.get(learner.id);
    out += csvRecord([safeText(learner.name || learner.id), learner.canvasId, learner.sisUserId, learner.sisLoginId, safeText(learner.section), row ? row.score : '']);
  }
  return out;
}

export function sortRows<T extends { submission: string }>(rows: readonly T[]): T[] {
  return [...rows].sort((a, b) => (a.submission < b.submission ? -1 : a.submission > b.submission ? 1 : 0));
}
