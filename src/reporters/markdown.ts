import { formatLocation } from '../core/errors.js';
import { notPassedReasons } from '../core/scoring.js';
import type { CheckResult, Report, Status } from '../core/types.js';
import { markdownCode, markdownText } from './escape.js';
import { fmtPoints, notesOf, percent, visibleChecks, type Reporter } from './types.js';

const LABEL: Record<Status, string> = { pass: '✅ pass', warn: '⚠️ warning', fail: '❌ fail', error: '🛑 error', skip: '⏭️ skipped' };

/**
 * Feedback a learner can read: the score per dimension, what to fix first
 * (with where, why and a hint), then what already works. By default it is
 * written for learners, so instructor-only checks are left out (their points
 * still count in the totals, which says so). Report text is literal: prose
 * through `markdownText`, locations and values through `markdownCode`, so no
 * learner string renders as HTML, an image, a link or a heading.
 */
export const markdownReporter: Reporter = (reports, options = {}) => {
  const audience = options.audience ?? 'learner';
  return reports.map((report) => renderOne(report, audience)).join('\n---\n\n');
};

function renderOne(report: Report, audience: 'learner' | 'instructor'): string {
  const out: string[] = [];
  const checks = visibleChecks(report, audience);
  const hidden = report.checks.length - checks.length;
  out.push(`# Feedback: ${markdownText(report.submission.name)}`);
  out.push('');
  out.push(`Rubric: **${markdownText(report.rubric.title)}** (${markdownCode(report.rubric.id)} v${report.rubric.version})`);
  out.push('');
  const verdict = report.passed ? '**passed**' : '**not passed yet**';
  const unmet = (report.gates ?? []).filter((g) => !g.met);
  if (unmet.length === 0) {
    out.push(
      `**Score: ${fmtPoints(report.score)} / ${fmtPoints(report.maxScore)}** (${percent(report.score, report.maxScore)}); ` +
        `the pass mark is ${Math.round(report.passThreshold * 100)}%, so this submission has ${verdict}.`,
    );
  } else {
    // Learners see why a high score did not pass: the lab's requirements come before points.
    const names = unmet.map((g) => `**${markdownText(g.title)}** (${markdownCode(g.id)})`);
    const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
    out.push(
      `**Score: ${fmtPoints(report.score)} / ${fmtPoints(report.maxScore)}** (${percent(report.score, report.maxScore)}); ` +
        `the pass mark is ${Math.round(report.passThreshold * 100)}%, but this submission has ${verdict}: ` +
        `the lab requires ${list}, and ${unmet.length === 1 ? 'that check does' : 'those checks do'} not pass yet.`,
    );
    out.push('');
    out.push(`_Not passed: ${markdownText(notPassedReasons(report).join('; '))}._`);
  }
  out.push('');
  out.push('| Dimension | Score |');
  out.push('| --- | --- |');
  for (const d of report.dimensions) out.push(`| ${markdownText(d.title)} | ${fmtPoints(d.score)} / ${fmtPoints(d.maxScore)} |`);
  out.push('');
  if (hidden > 0) {
    out.push(`_${hidden} instructor-only check${hidden > 1 ? 's are' : ' is'} not shown here; ${hidden > 1 ? 'their' : 'its'} points are included in the totals._`);
    out.push('');
  }
  if (report.notices.length > 0) {
    out.push('## About your files');
    out.push('');
    for (const n of report.notices) out.push(`- ${n.location ? `${markdownCode(formatLocation(n.location))}: ` : ''}${markdownText(n.message)}`);
    out.push('');
  }
  const todo = checks.filter((c) => c.status !== 'pass');
  const done = checks.filter((c) => c.status === 'pass');
  if (todo.length > 0) {
    out.push('## What to fix');
    out.push('');
    const order: Status[] = ['error', 'fail', 'warn', 'skip'];
    // Unmet requirements first: they decide whether the submission passes.
    const rank = (c: CheckResult) => (c.required ? 0 : 1) * 10 + order.indexOf(c.status);
    for (const check of [...todo].sort((a, b) => rank(a) - rank(b))) {
      out.push(...renderCheck(check));
    }
  } else {
    out.push('## Everything checked passed');
    out.push('');
  }
  if (done.length > 0) {
    out.push('## What already works');
    out.push('');
    const notes = notesOf(done);
    for (const check of done) {
      out.push(`- ${LABEL.pass} **${markdownText(check.title)}** (${fmtPoints(check.points)}/${fmtPoints(check.maxPoints)}): ${markdownText(check.message)}`);
      for (const note of notes.get(check.id) ?? []) out.push(`  - _Note:_ ${markdownText(note.message)}`);
    }
    out.push('');
    for (const check of done.filter((c) => c.table)) {
      out.push(`### ${markdownText(check.title)}`, '');
      out.push(...renderTable(check));
    }
  }
  return out.join('\n');
}

function renderCheck(check: CheckResult): string[] {
  const out: string[] = [];
  out.push(`### ${LABEL[check.status]}: ${markdownText(check.title)} (${fmtPoints(check.points)}/${fmtPoints(check.maxPoints)})`);
  out.push('');
  if (check.required) {
    out.push('**Required by the lab:** the submission does not pass until this check passes, whatever the score.');
    out.push('');
  }
  const where = check.location ? ` (${markdownCode(formatLocation(check.location))})` : '';
  out.push(`${markdownText(check.message)}${where}`);
  out.push('');
  if (check.diagnosis) {
    out.push(`**Likely cause:** ${markdownText(check.diagnosis)}`);
    out.push('');
  }
  const details = check.details ?? [];
  if (details.length > 0) {
    for (const d of details.slice(0, 20)) {
      const at = d.location ? `${markdownCode(formatLocation(d.location))}: ` : '';
      const cmp = d.expected !== undefined ? ` (found ${markdownCode(d.actual ?? '?')}, expected ${markdownCode(d.expected)})` : '';
      out.push(`- ${at}${markdownText(d.message)}${cmp}`);
    }
    if (details.length > 20) out.push(`- ... and ${details.length - 20} more`);
    out.push('');
  }
  if (check.hint) {
    out.push(`> **Hint:** ${markdownText(check.hint)}`);
    out.push('');
  }
  out.push(...renderTable(check));
  return out;
}

/** A check's table as a GFM table; every cell is learner-derived text, escaped as prose. */
function renderTable(check: CheckResult): string[] {
  const table = check.table;
  if (!table || table.columns.length === 0) return [];
  const out: string[] = [];
  if (table.caption) out.push(`_${markdownText(table.caption)}_`, '');
  const row = (cells: readonly string[]) => `| ${table.columns.map((_, i) => markdownText(cells[i] ?? '') || ' ').join(' | ')} |`;
  out.push(row(table.columns));
  out.push(`| ${table.columns.map(() => '---').join(' | ')} |`);
  for (const cells of table.rows) out.push(row(cells));
  out.push('');
  return out;
}
