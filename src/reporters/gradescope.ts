import { formatLocation } from '../core/errors.js';
import { verdictLine } from '../core/scoring.js';
import type { CheckResult, Report } from '../core/types.js';
import { fmtPoints, percent, type Reporter } from './types.js';

/**
 * Gradescope's autograder `results.json`: the total score, an overall
 * message, and one test per check with its points, a passed/failed status,
 * the feedback and the rubric's visibility (learner checks `visible`,
 * instructor checks `hidden`: instructors see them, students do not).
 * One report gives one object; several give an array of them.
 */
export const gradescopeReporter: Reporter = (reports) => {
  const value = reports.length === 1 ? gradescopeResults(reports[0]!) : reports.map(gradescopeResults);
  return JSON.stringify(value, null, 2) + '\n';
};

export interface GradescopeTest {
  score: number;
  max_score: number;
  status: 'passed' | 'failed';
  name: string;
  number: string;
  output: string;
  tags: string[];
  visibility: 'visible' | 'hidden' | 'after_due_date' | 'after_published';
}

export interface GradescopeResults {
  score: number;
  execution_time: number;
  output: string;
  visibility: 'visible' | 'hidden' | 'after_due_date' | 'after_published';
  stdout_visibility: 'visible' | 'hidden';
  tests: GradescopeTest[];
}

export function gradescopeResults(report: Report): GradescopeResults {
  const s = report.summary;
  const output = [
    `${report.rubric.title} (${report.rubric.id} v${report.rubric.version}): ${fmtPoints(report.score)}/${fmtPoints(report.maxScore)} ` +
      `(${percent(report.score, report.maxScore)}), pass mark ${Math.round(report.passThreshold * 100)}%: ${verdictLine(report)}.`,
    `${s.pass} passed, ${s.warn} warned, ${s.fail} failed, ${s.error} could not run, ${s.skip} skipped.`,
    ...report.notices.map((n) => `${n.level}: ${n.location ? `${formatLocation(n.location)}: ` : ''}${n.message}`),
  ].join('\n');
  return {
    score: report.score,
    execution_time: Math.max(0, Math.round((report.durationMs ?? 0) / 1000)),
    output,
    visibility: 'visible',
    stdout_visibility: 'hidden',
    tests: report.checks.map((check, i) => ({
      score: check.points,
      max_score: check.maxPoints,
      status: passedFor(check) ? 'passed' : 'failed',
      name: check.required ? `${check.title} (required)` : check.title,
      number: String(i + 1),
      output: feedback(check),
      tags: check.required ? [check.dimension, check.kind, 'required'] : [check.dimension, check.kind],
      visibility: check.visibility === 'instructor' ? 'hidden' : 'visible',
    })),
  };
}

/** A warning with full points passed; a warning that lost points did not. */
function passedFor(check: CheckResult): boolean {
  return check.status === 'pass' || (check.status === 'warn' && check.points >= check.maxPoints);
}

function feedback(check: CheckResult): string {
  const lines = [check.message + (check.location ? ` (${formatLocation(check.location)})` : '')];
  if (check.required && check.status !== 'pass' && check.status !== 'warn') lines.push('Required by the lab: the submission does not pass until this check passes, whatever the score.');
  if (check.diagnosis) lines.push(`Likely cause: ${check.diagnosis}`);
  for (const d of check.details?.slice(0, 20) ?? []) {
    const at = d.location ? `${formatLocation(d.location)}: ` : '';
    lines.push(`- ${at}${d.message}${d.expected !== undefined ? ` (found ${d.actual ?? '?'}, expected ${d.expected})` : ''}`);
  }
  if ((check.details?.length ?? 0) > 20) lines.push(`- ... and ${check.details!.length - 20} more`);
  if (check.hint) lines.push(`Hint: ${check.hint}`);
  return lines.join('\n');
}
