import { formatLocation } from '../core/errors.js';
import { notPassedReasons } from '../core/scoring.js';
import type { CheckResult, Report, Status } from '../core/types.js';
import { githubData, githubProperty, htmlText, markdownCode, markdownText } from './escape.js';
import { locationPath } from './sarif.js';
import { fmtPoints, percent, visibleChecks, type Reporter } from './types.js';

/**
 * GitHub Actions: one workflow command per check that did not pass
 * (`::error file=...,line=...,col=...,title=...::message`), so the finding
 * shows on the line it points at in the pull request. Paths are the
 * submission's path joined with the finding's file (for a document, its
 * folder's), i.e. relative to the working directory (the repository root in a workflow). Every value is
 * escaped per the workflow-command rules, so learner text can neither end the
 * command nor start a new one.
 */
export const githubReporter: Reporter = (reports, options = {}) =>
  reports.map((report) => githubAnnotations(report, options.audience)).join('');

const LEVEL: Partial<Record<Status, 'error' | 'warning' | 'notice'>> = { fail: 'error', error: 'error', warn: 'warning' };

export function githubAnnotations(report: Report, audience?: 'learner' | 'instructor'): string {
  let out = '';
  for (const check of visibleChecks(report, audience)) {
    const level = LEVEL[check.status];
    if (!level) continue;
    const props: string[] = [];
    if (check.location) {
      props.push(`file=${githubProperty(locationPath(report.submission.path, check.location.file))}`);
      if (check.location.line !== undefined) props.push(`line=${check.location.line}`);
      if (check.location.endLine !== undefined) props.push(`endLine=${check.location.endLine}`);
      if (check.location.column !== undefined) props.push(`col=${check.location.column}`);
      if (check.location.endColumn !== undefined && (check.location.endLine ?? check.location.line) === check.location.line) {
        props.push(`endColumn=${check.location.endColumn}`);
      }
    }
    const required = check.required ? ', required' : '';
    props.push(`title=${githubProperty(`${report.submission.name}: ${check.title} (${fmtPoints(check.points)}/${fmtPoints(check.maxPoints)}${required})`)}`);
    out += `::${level} ${props.join(',')}::${githubData(message(check))}\n`;
  }
  // A score above the pass mark that does not pass: say which requirement holds it back, once per submission.
  const reasons = notPassedReasons(report);
  if (reasons.some((r) => r.startsWith('required check '))) {
    const title = `${report.submission.name}: not passed (${fmtPoints(report.score)}/${fmtPoints(report.maxScore)})`;
    // At the first unmet requirement's place, so that it shows on the file too.
    const gate = report.checks.find((c) => c.id === report.gates?.find((g) => !g.met)?.id);
    const place = gate?.location ? `file=${githubProperty(locationPath(report.submission.path, gate.location.file))},${gate.location.line !== undefined ? `line=${gate.location.line},` : ''}` : '';
    out += `::error ${place}title=${githubProperty(title)}::${githubData(`not passed: ${reasons.join('; ')}`)}\n`;
  }
  return out;
}

function message(check: CheckResult): string {
  const parts = [check.message];
  if (check.diagnosis) parts.push(`Likely cause: ${check.diagnosis}`);
  if (check.hint) parts.push(`Hint: ${check.hint}`);
  return parts.join('\n');
}

/** Markdown for `$GITHUB_STEP_SUMMARY`: one table row per submission, then the findings of those that need work. */
export function githubStepSummary(reports: readonly Report[], audience?: 'learner' | 'instructor'): string {
  const out: string[] = ['### rubricate', '', '| submission | score | result | checks |', '| --- | ---: | --- | --- |'];
  for (const r of reports) {
    const s = r.summary;
    const unmet = (r.gates ?? []).filter((g) => !g.met).map((g) => g.id);
    const result = r.passed ? '✅ passed' : unmet.length > 0 ? `❌ not passed (required: ${markdownText(unmet.join(', '))})` : '❌ not passed';
    out.push(
      `| ${markdownText(r.submission.path)} | ${fmtPoints(r.score)}/${fmtPoints(r.maxScore)} (${percent(r.score, r.maxScore)}) | ` +
        `${result} | ${s.pass} passed, ${s.warn} warned, ${s.fail} failed, ${s.error} errored |`,
    );
  }
  out.push('');
  for (const r of reports) {
    const open = visibleChecks(r, audience).filter((c) => c.status === 'fail' || c.status === 'error');
    if (open.length === 0) continue;
    // The summary line is raw HTML (an HTML block), where Markdown escapes do not apply.
    out.push(`<details><summary>${htmlText(r.submission.path)}: ${open.length} check${open.length > 1 ? 's' : ''} to fix</summary>`, '');
    for (const c of open) {
      const where = c.location ? ` (${markdownCode(formatLocation(c.location))})` : '';
      out.push(`- **${markdownText(c.title)}**${where}: ${markdownText(c.message)}${c.diagnosis ? ` _Likely cause:_ ${markdownText(c.diagnosis)}` : ''}`);
    }
    out.push('', '</details>', '');
  }
  return out.join('\n') + '\n';
}
