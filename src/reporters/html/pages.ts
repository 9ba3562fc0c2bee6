/**
 * The HTML report: static, self-contained pages (inline CSS, charts as inline
 * SVG, one small inline script to sort the class table) that an instructor
 * opens from the output folder, with no network at view time.
 *
 * - `learnerPage`: one submission's findings, each with its message,
 *   diagnosis, location and the plots its check drew of what the learner's
 *   code did; instructor-only checks are left out for learners.
 * - `classPage`: score distribution, pass rate, per-check failure rates, the
 *   most common diagnoses and a sortable table of learners linking to their
 *   pages.
 *
 * Every report text goes through `htmlText`; no learner string becomes
 * markup.
 */
import { formatLocation } from '../../core/errors.js';
import type { CheckResult, Report, Status } from '../../core/types.js';
import type { GradebookRow, RubricOutline } from '../../batch/gradebook.js';
import { htmlText as h } from '../escape.js';
import { fmtPoints, percent, visibleChecks } from '../types.js';
import { barChartSpec, lineChartSpec, plotsOf, renderSvg, shareChartSpec } from './charts.js';

const LABEL: Record<Status, string> = { pass: 'passed', warn: 'warning', fail: 'failed', error: 'could not run', skip: 'skipped' };
const SYMBOL: Record<Status, string> = { pass: '✓', warn: '!', fail: '✗', error: '⚠', skip: '–' };

const STYLE = `
:root { color-scheme: light; --fail: #b91c1c; --warn: #a16207; --pass: #15803d; --muted: #57534e; --line: #e7e5e4; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1c1917; background: #fafaf9; }
main { max-width: 960px; margin: 0 auto; padding: 24px 20px 64px; }
h1 { font-size: 1.6rem; margin: 0 0 4px; overflow-wrap: anywhere; }
h2 { font-size: 1.2rem; margin: 32px 0 12px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 1rem; margin: 0 0 6px; }
a { color: #1d4ed8; }
code { font: 13px ui-monospace, SFMono-Regular, Menlo, monospace; background: #f5f5f4; padding: 1px 4px; border-radius: 3px; overflow-wrap: anywhere; }
.muted { color: var(--muted); }
.verdict { font-weight: 600; }
.verdict.passed { color: var(--pass); } .verdict.failed { color: var(--fail); } .verdict.error { color: var(--warn); }
table { border-collapse: collapse; width: 100%; background: white; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th[data-sort] { cursor: pointer; user-select: none; white-space: nowrap; }
th[data-sort]::after { content: " ↕"; color: #a8a29e; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.check { background: white; border: 1px solid var(--line); border-left: 4px solid var(--line); border-radius: 6px; padding: 12px 16px; margin: 12px 0; }
.check.fail { border-left-color: var(--fail); } .check.error { border-left-color: var(--warn); } .check.warn { border-left-color: #eab308; } .check.pass { border-left-color: var(--pass); }
.check .points { float: right; color: var(--muted); font-variant-numeric: tabular-nums; }
.check ul { margin: 6px 0; padding-left: 20px; }
.cause { margin: 6px 0; }
figure { margin: 12px 0 4px; overflow-x: auto; }
figure svg { max-width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: 13px; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; }
.stats { display: flex; flex-wrap: wrap; gap: 24px; margin: 12px 0; }
.stats div { background: white; border: 1px solid var(--line); border-radius: 6px; padding: 8px 14px; }
.stats strong { display: block; font-size: 1.3rem; }
.works li { margin: 2px 0; }
`;

const SORT_SCRIPT = `
for (const table of document.querySelectorAll('table[data-sortable]')) {
  const body = table.tBodies[0];
  table.querySelectorAll('th[data-sort]').forEach((th, column) => {
    th.addEventListener('click', () => {
      const numeric = th.dataset.sort === 'number';
      const ascending = th.getAttribute('aria-sort') !== 'ascending';
      table.querySelectorAll('th').forEach((other) => other.removeAttribute('aria-sort'));
      th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
      const key = (row) => row.cells[column].dataset.value ?? row.cells[column].textContent;
      const rows = [...body.rows].sort((a, b) => {
        const x = key(a), y = key(b);
        const order = numeric ? Number(x) - Number(y) : String(x).localeCompare(String(y));
        return ascending ? order : -order;
      });
      body.append(...rows);
    });
  });
}
`;

function page(title: string, body: string, script = ''): string {
  return (
    '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n' +
    `<meta name="generator" content="rubricate">\n<title>${h(title)}</title>\n<style>${STYLE}</style>\n</head>\n<body>\n<main>\n${body}\n</main>\n` +
    (script ? `<script>${script}</script>\n` : '') +
    '</body>\n</html>\n'
  );
}

export interface LearnerPageOptions {
  audience?: 'learner' | 'instructor';
  /** Link back to the class page (batch mode). */
  classLink?: string;
}

/** One submission's page. */
export async function learnerPage(report: Report, options: LearnerPageOptions = {}): Promise<string> {
  const audience = options.audience ?? 'learner';
  const checks = visibleChecks(report, audience);
  const hidden = report.checks.length - checks.length;
  const failing = report.summary.fail + report.summary.error;
  const verdict = !report.passed ? ['failed', 'not passed yet'] : failing > 0 ? ['error', `above the pass mark, ${failing} check${failing === 1 ? '' : 's'} to fix`] : ['passed', 'passed'];
  const out: string[] = [];
  if (options.classLink) out.push(`<nav><a href="${h(options.classLink)}">← the class</a></nav>`);
  out.push(`<h1>Feedback: ${h(report.submission.name)}</h1>`);
  out.push(`<p class="muted">${h(report.rubric.title)} (<code>${h(report.rubric.id)}</code> v${report.rubric.version})</p>`);
  out.push(
    `<p><strong>Score ${fmtPoints(report.score)} / ${fmtPoints(report.maxScore)}</strong> (${percent(report.score, report.maxScore)}), ` +
      `pass mark ${Math.round(report.passThreshold * 100)}%: <span class="verdict ${verdict[0]}">${verdict[1]}</span></p>`,
  );
  if (report.late && report.late.penalty > 0) {
    out.push(`<p class="muted">Late by ${h(String(report.late.hoursLate))} h: ${Math.round(report.late.penalty * 100)}% penalty (${fmtPoints(report.late.scoreBeforePenalty)} → ${fmtPoints(report.score)}).</p>`);
  }
  out.push('<table><thead><tr><th>Dimension</th><th class="num">Score</th></tr></thead><tbody>');
  for (const d of report.dimensions) out.push(`<tr><td>${h(d.title)}</td><td class="num">${fmtPoints(d.score)} / ${fmtPoints(d.maxScore)}</td></tr>`);
  out.push('</tbody></table>');
  if (hidden > 0) out.push(`<p class="muted">${hidden} instructor-only check${hidden > 1 ? 's are' : ' is'} not shown; ${hidden > 1 ? 'their' : 'its'} points are in the totals.</p>`);
  if (report.notices.length > 0) {
    out.push('<h2>About your files</h2><ul>');
    for (const n of report.notices) out.push(`<li>${n.location ? `<code>${h(formatLocation(n.location))}</code>: ` : ''}${h(n.message)}</li>`);
    out.push('</ul>');
  }
  const order: Status[] = ['error', 'fail', 'warn', 'skip'];
  const todo = checks.filter((c) => c.status !== 'pass').sort((a, b) => order.indexOf(a.status) - order.indexOf(b.status));
  const done = checks.filter((c) => c.status === 'pass');
  out.push(todo.length > 0 ? '<h2 id="fix">What to fix</h2>' : '<h2 id="fix">Everything checked passed</h2>');
  for (const check of todo) out.push(await checkSection(check));
  // Plots of passing checks are worth seeing too: what the code did, against the reference.
  const plotted = done.filter((c) => plotsOf(c).length > 0 || c.table);
  if (plotted.length > 0) {
    out.push(plotted.some((c) => plotsOf(c).length > 0) ? '<h2 id="plots">What your code did</h2>' : '<h2 id="plots">Your numbers</h2>');
    for (const check of plotted) out.push(await checkSection(check));
  }
  const plain = done.filter((c) => plotsOf(c).length === 0 && !c.table);
  if (plain.length > 0) {
    out.push('<h2 id="works">What already works</h2><ul class="works">');
    for (const check of plain) out.push(`<li>✓ <strong>${h(check.title)}</strong> <span class="muted">(${fmtPoints(check.points)}/${fmtPoints(check.maxPoints)})</span>: ${h(check.message)}</li>`);
    out.push('</ul>');
  }
  return page(`Feedback: ${report.submission.name}`, out.join('\n'));
}

async function checkSection(check: CheckResult): Promise<string> {
  const out: string[] = [`<article class="check ${check.status}" id="check-${h(check.id)}">`];
  out.push(`<span class="points">${fmtPoints(check.points)} / ${fmtPoints(check.maxPoints)}</span>`);
  out.push(`<h3>${SYMBOL[check.status]} ${h(check.title)} <span class="muted">· ${LABEL[check.status]}</span></h3>`);
  out.push(`<p>${h(check.message)}${check.location ? ` <code>${h(formatLocation(check.location))}</code>` : ''}</p>`);
  if (check.override) out.push(`<p class="muted">Points set by the instructor (was ${fmtPoints(check.override.originalPoints)})${check.override.reason ? `: ${h(check.override.reason)}` : ''}</p>`);
  if (check.diagnosis) out.push(`<p class="cause"><strong>Likely cause:</strong> ${h(check.diagnosis)}</p>`);
  const details = check.details ?? [];
  if (details.length > 0) {
    out.push('<ul>');
    for (const d of details.slice(0, 20)) {
      const at = d.location ? `<code>${h(formatLocation(d.location))}</code>: ` : '';
      const cmp = d.expected !== undefined ? ` (found <code>${h(d.actual ?? '?')}</code>, expected <code>${h(d.expected)}</code>)` : '';
      out.push(`<li>${at}${h(d.message)}${cmp}</li>`);
    }
    if (details.length > 20) out.push(`<li>… and ${details.length - 20} more</li>`);
    out.push('</ul>');
  }
  if (check.hint && check.status !== 'pass') out.push(`<p class="muted"><strong>Hint:</strong> ${h(check.hint)}</p>`);
  if (check.table && check.table.columns.length > 0) {
    out.push('<table class="comparison">');
    if (check.table.caption) out.push(`<caption>${h(check.table.caption)}</caption>`);
    out.push(`<thead><tr>${check.table.columns.map((col) => `<th>${h(col)}</th>`).join('')}</tr></thead><tbody>`);
    for (const row of check.table.rows) out.push(`<tr>${check.table.columns.map((_, i) => `<td>${h(row[i] ?? '')}</td>`).join('')}</tr>`);
    out.push('</tbody></table>');
  }
  const plots = plotsOf(check);
  if (plots.length > 0) {
    out.push('<div class="charts">');
    for (const plot of plots) {
      out.push(`<figure>${await renderSvg(lineChartSpec(plot))}<figcaption>${h(plot.title)}${plot.note ? `: ${h(plot.note)}` : ''}</figcaption></figure>`);
    }
    out.push('</div>');
  }
  out.push('</article>');
  return out.join('\n');
}

export interface ClassPageOptions {
  /** Learner page of a row, relative to the class page; no link when undefined. */
  linkOf?: (row: GradebookRow) => string | undefined;
  scope?: string;
}

/** The class page of a batch: what an instructor reads first after grading. */
export async function classPage(outline: RubricOutline, rows: readonly GradebookRow[], options: ClassPageOptions = {}): Promise<string> {
  const n = rows.length;
  const passed = rows.filter((r) => r.status === 'passed').length;
  const errored = rows.filter((r) => r.status === 'error').length;
  const out: string[] = [];
  out.push(`<h1>${h(outline.title)}</h1>`);
  out.push(`<p class="muted">Rubric <code>${h(outline.id)}</code> v${outline.version}; pass mark ${Math.round(outline.passThreshold * 100)}%.${options.scope ? ` ${h(options.scope)}.` : ''}</p>`);
  const scores = rows.map((r) => r.score).sort((a, b) => a - b);
  const mean = n > 0 ? scores.reduce((a, b) => a + b, 0) / n : 0;
  const median = n === 0 ? 0 : n % 2 ? scores[(n - 1) / 2]! : (scores[n / 2 - 1]! + scores[n / 2]!) / 2;
  const max = Math.max(0, ...rows.map((r) => r.maxScore));
  out.push('<div class="stats">');
  out.push(`<div><strong>${n}</strong>submissions</div>`);
  out.push(`<div><strong>${n > 0 ? Math.round((100 * passed) / n) : 0}%</strong>passed (${passed})</div>`);
  out.push(`<div><strong>${fmtPoints(Math.round(mean * 100) / 100)}</strong>mean score of ${fmtPoints(max)}</div>`);
  out.push(`<div><strong>${fmtPoints(median)}</strong>median</div>`);
  if (errored > 0) out.push(`<div><strong>${errored}</strong>with grading errors</div>`);
  out.push('</div>');
  if (n === 0) return page(outline.title, out.join('\n'));

  const buckets = Array.from({ length: 10 }, (_, b) => ({ label: b === 9 ? '90–100%' : `${b * 10}–${b * 10 + 9}%`, count: 0 }));
  for (const r of rows) buckets[Math.min(9, Math.floor((r.maxScore > 0 ? r.score / r.maxScore : 1) * 10 + 1e-9))]!.count++;
  const failing = outline.criteria
    .map((c) => ({ label: c.id, share: rows.filter((r) => r.failed.includes(c.id) || r.errored.includes(c.id)).length / n }))
    .filter((b) => b.share > 0)
    .sort((a, b) => b.share - a.share);
  out.push('<h2>Scores and checks</h2><div class="charts">');
  out.push(`<figure>${await renderSvg(barChartSpec({ x: 'score (share of the maximum)', y: 'submissions' }, buckets))}<figcaption>Score distribution</figcaption></figure>`);
  if (failing.length > 0) out.push(`<figure>${await renderSvg(shareChartSpec('share of submissions failing', failing))}<figcaption>Failure rate per check</figcaption></figure>`);
  out.push('</div>');

  const diagnoses = new Map<string, number>();
  for (const r of rows) for (const d of r.diagnoses) diagnoses.set(d, (diagnoses.get(d) ?? 0) + 1);
  const common = [...diagnoses].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 15);
  out.push('<h2>Most common diagnoses</h2>');
  if (common.length === 0) out.push('<p>None: every check passed in every submission.</p>');
  else {
    out.push('<table><thead><tr><th class="num">submissions</th><th>diagnosis</th></tr></thead><tbody>');
    for (const [text, k] of common) out.push(`<tr><td class="num">${k}</td><td>${h(text)}</td></tr>`);
    out.push('</tbody></table>');
  }

  out.push('<h2>Learners</h2>');
  out.push('<table data-sortable id="learners"><thead><tr><th data-sort="text">submission</th><th data-sort="number" class="num">score</th>');
  for (const d of outline.dimensions) out.push(`<th data-sort="number" class="num">${h(d.title)}</th>`);
  out.push('<th data-sort="text">status</th><th data-sort="text">most important finding</th></tr></thead><tbody>');
  for (const r of rows) {
    const link = options.linkOf?.(r);
    const name = link ? `<a href="${h(link)}">${h(r.submission)}</a>` : h(r.submission);
    out.push(`<tr><td data-value="${h(r.submission)}">${name}</td><td class="num" data-value="${r.score}">${fmtPoints(r.score)} / ${fmtPoints(r.maxScore)}</td>`);
    for (const d of outline.dimensions) out.push(`<td class="num" data-value="${r.dimensions[d.id] ?? 0}">${fmtPoints(r.dimensions[d.id] ?? 0)}</td>`);
    out.push(`<td class="verdict ${r.status}">${h(r.status)}</td><td>${h(r.diagnosis)}</td></tr>`);
  }
  out.push('</tbody></table>');
  return page(outline.title, out.join('\n'), SORT_SCRIPT);
}
