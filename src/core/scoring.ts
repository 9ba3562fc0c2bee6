import type { CheckResult, DimensionScore, Rubric, Status } from './types.js';
import { STATUSES } from './types.js';

export interface Score {
  score: number;
  maxScore: number;
  passThreshold: number;
  passed: boolean;
  dimensions: DimensionScore[];
  summary: Record<Status, number>;
}

/** Scores graded checks: a total, one score per dimension, the pass threshold and a status count. */
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
  const passed = maxScore === 0 ? true : score + 1e-9 >= rubric.passThreshold * maxScore;
  return { score, maxScore, passThreshold: rubric.passThreshold, passed, dimensions, summary };
}

/** Exit code for one report or many: 1 when any check failed or errored, else 0. */
export function exitCodeFor(reports: ReadonlyArray<{ summary: Record<Status, number> }>): 0 | 1 {
  return reports.some((r) => r.summary.fail > 0 || r.summary.error > 0) ? 1 : 0;
}

function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
