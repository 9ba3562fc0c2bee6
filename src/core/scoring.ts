import type { CheckResult, DimensionScore, Gate, Rubric, Status } from './types.js';
import { STATUSES } from './types.js';

export interface Score {
  score: number;
  maxScore: number;
  passThreshold: number;
  passed: boolean;
  /** Present when the rubric has gates (criteria with `required: true`). */
  gates?: Gate[];
  dimensions: DimensionScore[];
  summary: Record<Status, number>;
}

/** A gate is met when its check passed or only warned; a failure, an error or a skip leaves the requirement unshown. */
export function gateMet(status: Status): boolean {
  return status === 'pass' || status === 'warn';
}

/**
 * Scores graded checks: a total, one score per dimension, the pass threshold
 * and a status count. A submission passes when its score reaches the pass
 * mark and every gate (a check stamped `required`) is met.
 */
export function scoreChecks(rubric: Rubric, checks: readonly CheckResult[]): Score {
  const dimensions: DimensionScore[] = rubric.dimensions.map((d) => {
    const mine = checks.filter((c) => c.dimension === d.id);
    return {
      id: d.id,
      title: d.title,
      score: round2(sum(mine.map((c) => c.points))),
      maxScore: round2(sum(mine.map((c) => c.maxPoints))),
    };
  });
  const score = round2(sum(checks.map((c) => c.points)));
  const maxScore = round2(sum(checks.map((c) => c.maxPoints)));
  const summary = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<Status, number>;
  for (const check of checks) summary[check.status]++;
  const gates: Gate[] = checks.filter((c) => c.required).map((c) => ({ id: c.id, title: c.title, status: c.status, met: gateMet(c.status) }));
  const passed = reachesPassMark(score, maxScore, rubric.passThreshold) && gates.every((g) => g.met);
  return { score, maxScore, passThreshold: rubric.passThreshold, passed, ...(gates.length > 0 ? { gates } : {}), dimensions, summary };
}

function reachesPassMark(score: number, maxScore: number, passThreshold: number): boolean {
  return maxScore === 0 ? true : score + 1e-9 >= passThreshold * maxScore;
}

/** What a report needs to say why it passed or not. */
export interface VerdictInput {
  score: number;
  maxScore: number;
  passThreshold: number;
  passed: boolean;
  gates?: readonly Gate[];
}

const UNMET: Record<Status, string> = { pass: 'passed', warn: 'warned', fail: 'failed', error: 'could not run', skip: 'was skipped' };

/**
 * Why a submission did not pass, one reason a line: each unmet gate
 * ("required check code-convention failed"), then a score below the pass mark.
 * Empty when it passed.
 */
export function notPassedReasons(report: VerdictInput): string[] {
  if (report.passed) return [];
  const reasons = (report.gates ?? []).filter((g) => !g.met).map((g) => `required check ${g.id} ${UNMET[g.status]}`);
  if (!reachesPassMark(report.score, report.maxScore, report.passThreshold)) {
    reasons.push(`the score ${fmtPoints(report.score)}/${fmtPoints(report.maxScore)} is below the pass mark of ${Math.round(report.passThreshold * 100)}%`);
  } else if (reasons.length > 0) {
    reasons.push(`the score ${fmtPoints(report.score)}/${fmtPoints(report.maxScore)} alone reaches the pass mark of ${Math.round(report.passThreshold * 100)}%`);
  }
  return reasons;
}

/** One line: "passed", or "not passed: required check code-convention failed (the score 95/110 alone reaches the pass mark of 70%)". */
export function verdictLine(report: VerdictInput): string {
  if (report.passed) return 'passed';
  const reasons = notPassedReasons(report);
  const gates = reasons.filter((r) => r.startsWith('required check '));
  if (gates.length === 0) return `not passed: ${reasons.join('; ')}`;
  const rest = reasons.slice(gates.length);
  return `not passed: ${gates.join('; ')}${rest.length > 0 ? ` (${rest.join('; ')})` : ''}`;
}

/** Exit code for one report or many: 1 when any check failed or errored, else 0. */
export function exitCodeFor(reports: ReadonlyArray<{ summary: Record<Status, number> }>): 0 | 1 {
  return reports.some((r) => r.summary.fail > 0 || r.summary.error > 0) ? 1 : 0;
}

/** Points as a report shows them: whole numbers plain, others with up to two decimals. */
export function fmtPoints(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(2).replace(/0$/, '');
}

function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
