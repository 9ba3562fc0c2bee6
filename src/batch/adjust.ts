/**
 * What an instructor changes after the checks ran: score overrides (a check's
 * points set by hand, with a reason) and late penalties (a fraction of the
 * total per day after the due date, from the rubric's `late` policy).
 *
 * Both are applied to a graded report and recorded in it (`check.override`,
 * `report.late`) with what they replaced, so they can be undone: a report
 * reused from an earlier run is first restored (`unadjust`) and adjusted
 * again with today's overrides and due date, without grading the learner's
 * code again.
 */
import { readFile } from 'node:fs/promises';
import { ConfigError } from '../core/errors.js';
import { scoreChecks } from '../core/scoring.js';
import type { LatePolicy, Report, Rubric } from '../core/types.js';
import { decodeText } from '../input/text.js';
import { parseCsv } from './csv.js';

/** One line of an overrides file: the points `check` gets for `learner`, and why. */
export interface Override {
  learner: string;
  check: string;
  points: number;
  reason: string;
  /** Where it was given, for messages: `file:line`. */
  source: string;
}

/** When a submission was handed in, and how that is known. */
export interface SubmissionTime {
  at: Date;
  source: string;
}

export interface Adjustments {
  overrides?: readonly Override[];
  late?: { due: Date; policy: LatePolicy; submitted?: SubmissionTime };
}

/**
 * Reads an overrides file: CSV with the header `learner,check,points,reason`
 * (UTF-8, a BOM or UTF-16 as spreadsheets save it). `learner` is the
 * submission's name in the batch (its folder name) or its roster id.
 * Problems are configuration errors naming the file and line.
 */
export async function readOverrides(file: string): Promise<Override[]> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new ConfigError(`cannot read the overrides file ${file} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
  const decoded = decodeText(bytes, file);
  if (!decoded.ok) throw new ConfigError(`cannot read the overrides file: ${decoded.message}`);
  const rows = parseCsv(decoded.text).filter((row) => row.some((field) => field.trim() !== ''));
  const header = (rows[0] ?? []).map((h) => h.trim().toLowerCase());
  const column = (name: string) => header.indexOf(name);
  for (const name of ['learner', 'check', 'points']) {
    if (column(name) < 0) throw new ConfigError(`${file}:1: the overrides file needs the columns learner,check,points,reason (found: ${header.join(',') || 'nothing'})`);
  }
  const out: Override[] = [];
  rows.slice(1).forEach((row, i) => {
    const line = i + 2;
    const get = (name: string) => (column(name) >= 0 ? (row[column(name)] ?? '').trim() : '');
    const points = Number(get('points'));
    if (get('points') === '' || !Number.isFinite(points) || points < 0) throw new ConfigError(`${file}:${line}: points must be a number of 0 or more, found '${get('points')}'`);
    if (get('learner') === '' || get('check') === '') throw new ConfigError(`${file}:${line}: a learner and a check id are required`);
    out.push({ learner: get('learner'), check: get('check'), points, reason: get('reason'), source: `${file}:${line}` });
  });
  return out;
}

/**
 * Checks overrides against the rubric before grading: an unknown check id or
 * more points than the criterion has is a configuration error.
 */
export function checkOverrides(overrides: readonly Override[], rubric: Rubric): void {
  for (const o of overrides) {
    const criterion = rubric.criteria.find((c) => c.id === o.check);
    if (!criterion) throw new ConfigError(`${o.source}: no criterion '${o.check}' in rubric ${rubric.id}`);
    if (o.points > criterion.points) throw new ConfigError(`${o.source}: ${o.points} points for '${o.check}', which has ${criterion.points}`);
  }
}

/** The overrides of one learner: by submission name, or by roster id when the learner has one. */
export function overridesFor(overrides: readonly Override[] | undefined, names: readonly string[]): Override[] {
  return (overrides ?? []).filter((o) => names.includes(o.learner));
}

/** The report as graded: every override and late penalty recorded in it undone. */
export function unadjust(report: Report, rubric: Rubric): Report {
  if (!report.late && !report.checks.some((c) => c.override)) return report;
  const checks = report.checks.map((check) => {
    if (!check.override) return check;
    const { override, ...rest } = check;
    return { ...rest, points: override.originalPoints };
  });
  const { late: _late, ...rest } = report;
  return { ...rest, ...scoreChecks(rubric, checks), checks, notices: report.notices.filter((n) => !n.adjustment) };
}

/** The report with the overrides and the late penalty applied and recorded. Pure. */
export function adjust(report: Report, rubric: Rubric, adjustments: Adjustments): Report {
  const overrides = adjustments.overrides ?? [];
  if (overrides.length === 0 && !adjustments.late) return report;
  const notices = [...report.notices];
  const checks = report.checks.map((check) => {
    const o = overrides.find((x) => x.check === check.id);
    if (!o) return check;
    notices.push({ level: 'info', message: `${check.id}: ${o.points}/${check.maxPoints} points set by the instructor (was ${check.points})${o.reason ? `: ${o.reason}` : ''}`, adjustment: true });
    return { ...check, points: o.points, override: { points: o.points, originalPoints: check.points, reason: o.reason } };
  });
  const scored = { ...report, ...scoreChecks(rubric, checks), checks, notices };
  const late = adjustments.late;
  if (!late) return scored;
  if (!late.submitted) {
    notices.push({ level: 'warning', message: 'the submission time is unknown: no late penalty applied', adjustment: true });
    return scored;
  }
  const penalty = latePenalty(late.policy, late.due, late.submitted.at);
  const hoursLate = Math.max(0, (late.submitted.at.getTime() - late.due.getTime()) / 3_600_000);
  const record = {
    submittedAt: late.submitted.at.toISOString(),
    due: late.due.toISOString(),
    hoursLate: Math.round(hoursLate * 100) / 100,
    penalty,
    scoreBeforePenalty: scored.score,
    source: late.submitted.source,
  };
  if (penalty === 0) return { ...scored, late: record };
  const score = Math.round(scored.score * (1 - penalty) * 100) / 100;
  notices.push({
    level: 'warning',
    message: `handed in ${formatHours(hoursLate)} after the due date: ${Math.round(penalty * 100)}% late penalty (${scored.score} → ${score} points)`,
    adjustment: true,
  });
  return { ...scored, score, passed: scored.passed && score + 1e-9 >= scored.passThreshold * scored.maxScore, late: record };
}

/**
 * The fraction of the score a late submission loses: `perDay` for every
 * started day after the due date plus `graceMinutes`, at most `max`; 0 when
 * on time or when the time is unknown.
 */
export function latePenalty(policy: LatePolicy, due: Date, submitted: Date | undefined): number {
  if (!submitted) return 0;
  const lateMs = submitted.getTime() - due.getTime() - (policy.graceMinutes ?? 0) * 60_000;
  if (lateMs <= 0) return 0;
  const days = Math.ceil(lateMs / 86_400_000);
  return Math.min(policy.max ?? 1, Math.round(days * policy.perDay * 1e6) / 1e6);
}

function formatHours(hours: number): string {
  return hours < 48 ? `${Math.round(hours * 10) / 10} h` : `${Math.round((hours / 24) * 10) / 10} days`;
}
