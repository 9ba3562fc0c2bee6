import { formatLocation } from '../core/errors.js';
import { verdictLine } from '../core/scoring.js';
import type { CheckResult, Report, Visibility } from '../core/types.js';
import { markdownCode, markdownText, plainText } from './escape.js';
import { fmtPoints, percent, type Reporter } from './types.js';

/**
 * Gradescope's autograder `results.json`: the total score, an overall
 * message, and one test per check with its points, a passed/failed status,
 * the feedback (Markdown, `output_format: md`) and the visibility the rubric
 * gives the criterion. One report gives one object; several give an array of
 * them (batch mode writes one file per submission).
 *
 * Visibility (docs/gradescope.md): `learner` -> `visible`, `instructor` ->
 * `hidden` (never shown to students), `after_due_date` and `after_published`
 * as they are. Gradescope hides a student's total score while any test is
 * hidden from them.
 */
export const gradescopeReporter: Reporter = (reports) => {
  const value = reports.length === 1 ? gradescopeResults(reports[0]!) : reports.map(gradescopeResults);
  return JSON.stringify(value, null, 2) + '\n';
};

type GradescopeVisibility = 'visible' | 'hidden' | 'after_due_date' | 'after_published';

export interface GradescopeTest {
  score: number;
  max_score: number;
  status: 'passed' | 'failed';
  name: string;
  number: string;
  output: string;
  output_format: 'md';
  tags: string[];
  visibility: GradescopeVisibility;
}

export interface GradescopeResults {
  score: number;
  execution_time: number;
  output: string;
  output_format: 'md';
  test_output_format: 'md';
  visibility: GradescopeVisibility;
  stdout_visibility: 'visible' | 'hidden';
  tests: GradescopeTest[];
}

const VISIBILITY: Record<Visibility, GradescopeVisibility> = {
  learner: 'visible',
  instructor: 'hidden',
  after_due_date: 'after_due_date',
  after_published: 'after_published',
};

export function gradescopeResults(report: Report): GradescopeResults {
  const s = report.summary;
  const output = [
    `**${markdownText(report.rubric.title)}**: ${fmtPoints(report.score)}/${fmtPoints(report.maxScore)} ` +
      `(${percent(report.score, report.maxScore)}), pass mark ${Math.round(report.passThreshold * 100)}%: ${markdownText(verdictLine(report))}.`,
    '',
    `${s.pass} passed, ${s.warn} warned, ${s.fail} failed, ${s.error} could not run, ${s.skip} skipped.`,
    ...(report.notices.length > 0 ? ['', ...report.notices.map((n) => `- ${n.level}: ${n.location ? `${markdownCode(formatLocation(n.location))}: ` : ''}${markdownText(n.message)}`)] : []),
  ].join('\n');
  return {
    score: report.score,
    execution_time: Math.max(0, Math.round((report.durationMs ?? 0) / 1000)),
    output,
    output_format: 'md',
    test_output_format: 'md',
    visibility: 'visible',
    stdout_visibility: 'hidden',
    tests: report.checks.map((check, i) => ({
      score: check.points,
      max_score: check.maxPoints,
      status: passedFor(check) ? 'passed' : 'failed',
      name: plainText(check.required ? `${check.title} (required)` : check.title).replace(/\n/g, ' '),
      number: String(i + 1),
      output: feedback(check),
      output_format: 'md',
      tags: check.required ? [check.dimension, check.kind, 'required'] : [check.dimension, check.kind],
      visibility: VISIBILITY[check.visibility],
    })),
  };
}

/** A warning with full points passed; a warning that lost points did not. */
function passedFor(check: CheckResult): boolean {
  return check.status === 'pass' || (check.status === 'warn' && check.points >= check.maxPoints);
}

/** The finding as Markdown: message and location, likely cause, details, hint. Learner text is escaped. */
function feedback(check: CheckResult): string {
  const lines = [markdownText(check.message) + (check.location ? ` (${markdownCode(formatLocation(check.location))})` : '')];
  if (check.required && check.status !== 'pass' && check.status !== 'warn') lines.push('', '**Required by the lab:** the submission does not pass until this check passes, whatever the score.');
  if (check.diagnosis) lines.push('', `**Likely cause:** ${markdownText(check.diagnosis)}`);
  const details = check.details ?? [];
  if (details.length > 0) lines.push('');
  for (const d of details.slice(0, 20)) {
    const at = d.location ? `${markdownCode(formatLocation(d.location))}: ` : '';
    const cmp = d.expected !== undefined ? ` (found ${markdownCode(d.actual ?? '?')}, expected ${markdownCode(d.expected)})` : '';
    lines.push(`- ${at}${markdownText(d.message)}${cmp}`);
  }
  if (details.length > 20) lines.push(`- ... and ${details.length - 20} more`);
  if (check.hint) lines.push('', `**Hint:** ${markdownText(check.hint)}`);
  return lines.join('\n');
}
