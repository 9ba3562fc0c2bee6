/**
 * `summary.md`: what an instructor reads after a batch. The score
 * distribution, how many submissions failed each check, the most common
 * diagnoses, and which submissions could not be graded completely.
 */
import { markdownCode, markdownText as md } from '../reporters/escape.js';
import { fmtPoints } from '../reporters/types.js';
import type { GradebookRow, RubricOutline } from './gradebook.js';
import { sortRows } from './gradebook.js';

export interface SummaryMeta {
  /** e.g. "shard 1/4", "merged from 4 parts". */
  scope?: string;
  durationMs?: number;
  graded?: number;
  reused?: number;
  /** Rows kept from earlier runs into the same folder. */
  kept?: number;
}

export function renderSummary(outline: RubricOutline, rows: readonly GradebookRow[], meta: SummaryMeta = {}): string {
  const out: string[] = [];
  const n = rows.length;
  const passed = rows.filter((r) => r.status === 'passed').length;
  const failed = rows.filter((r) => r.status === 'failed').length;
  const errored = rows.filter((r) => r.status === 'error').length;
  out.push(`# Grading summary: ${md(outline.title)}`);
  out.push('');
  out.push(`Rubric ${markdownCode(outline.id)} v${outline.version}; pass mark ${Math.round(outline.passThreshold * 100)}%.${meta.scope ? ` ${md(meta.scope)}.` : ''}`);
  out.push('');
  out.push(`**${n} submission${n === 1 ? '' : 's'}**: ${passed} passed, ${failed} not passed, ${errored} with grading errors.`);
  const held = rows.filter((r) => r.status !== 'passed' && (r.unmetRequirements?.length ?? 0) > 0 && r.maxScore > 0 && r.score >= outline.passThreshold * r.maxScore - 1e-9);
  if (held.length > 0) {
    out.push(`${held.length} of the not passed reach the pass mark by score but miss a lab requirement (see below).`);
  }
  if (meta.graded !== undefined || meta.reused !== undefined) {
    const time = meta.durationMs !== undefined ? ` in ${(meta.durationMs / 1000).toFixed(1)} s` : '';
    const kept = meta.kept ? `, ${meta.kept} kept from earlier runs into this folder` : '';
    out.push(`${meta.graded ?? 0} graded${time}, ${meta.reused ?? 0} unchanged since the last run (reports reused)${kept}.`);
  }
  out.push('');
  if (n === 0) return out.join('\n') + '\n';

  const max = Math.max(...rows.map((r) => r.maxScore));
  const fractions = rows.map((r) => (r.maxScore > 0 ? r.score / r.maxScore : 1)).sort((a, b) => a - b);
  const scores = rows.map((r) => r.score).sort((a, b) => a - b);
  out.push('## Scores');
  out.push('');
  out.push('| mean | median | min | max | out of |');
  out.push('| --- | --- | --- | --- | --- |');
  const mean = scores.reduce((a, b) => a + b, 0) / n;
  out.push(`| ${fmtPoints(round2(mean))} | ${fmtPoints(round2(median(scores)))} | ${fmtPoints(scores[0]!)} | ${fmtPoints(scores[n - 1]!)} | ${fmtPoints(max)} |`);
  out.push('');
  out.push('| score | submissions | |');
  out.push('| --- | ---: | --- |');
  const buckets = new Array<number>(10).fill(0);
  for (const f of fractions) buckets[Math.min(9, Math.floor(f * 10 + 1e-9))]!++;
  const widest = Math.max(...buckets, 1);
  for (let b = 9; b >= 0; b--) {
    const label = b === 9 ? '90-100%' : `${b * 10}-${b * 10 + 9}%`;
    const bar = '█'.repeat(Math.round((20 * buckets[b]!) / widest));
    out.push(`| ${label} | ${buckets[b]} | ${bar} |`);
  }
  out.push('');

  out.push('## Checks');
  out.push('');
  out.push('| check | title | failed | errored | warned |');
  out.push('| --- | --- | ---: | ---: | ---: |');
  const required = new Set(outline.criteria.filter((c) => c.required).map((c) => c.id));
  const count = (ids: (r: GradebookRow) => string[]) => {
    const m = new Map<string, number>();
    for (const r of rows) for (const id of ids(r)) m.set(id, (m.get(id) ?? 0) + 1);
    return m;
  };
  const f = count((r) => r.failed);
  const e = count((r) => r.errored);
  const w = count((r) => r.warned);
  const criteria = [...outline.criteria].sort(
    (a, b) => (f.get(b.id) ?? 0) + (e.get(b.id) ?? 0) - ((f.get(a.id) ?? 0) + (e.get(a.id) ?? 0)),
  );
  for (const c of criteria) {
    out.push(`| ${markdownCode(c.id, { cell: true })}${required.has(c.id) ? ' (required)' : ''} | ${md(c.title)} | ${f.get(c.id) ?? 0} | ${e.get(c.id) ?? 0} | ${w.get(c.id) ?? 0} |`);
  }
  out.push('');
  if (required.size > 0) {
    out.push('_(required)_: a lab requirement; a submission that does not pass it is not passed, whatever its score.');
    out.push('');
  }
  if (held.length > 0) {
    out.push('## Not passed because of a requirement');
    out.push('');
    out.push('These submissions reach the pass mark by score, but a check the lab requires did not pass.');
    out.push('');
    out.push('| submission | score | required check not passed |');
    out.push('| --- | ---: | --- |');
    for (const r of sortRows(held).slice(0, 100)) {
      out.push(`| ${markdownCode(r.submission, { cell: true })} | ${fmtPoints(r.score)}/${fmtPoints(r.maxScore)} | ${r.unmetRequirements!.map((id) => markdownCode(id, { cell: true })).join(', ')} |`);
    }
    if (held.length > 100) out.push(`| ... | | and ${held.length - 100} more (see grades.csv) |`);
    out.push('');
  }

  const diagnoses = new Map<string, number>();
  for (const r of rows) for (const d of r.diagnoses) diagnoses.set(d, (diagnoses.get(d) ?? 0) + 1);
  const common = [...diagnoses.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 15);
  out.push('## Most common diagnoses');
  out.push('');
  if (common.length === 0) out.push('None: every check passed in every submission.');
  else {
    out.push('| submissions | diagnosis |');
    out.push('| ---: | --- |');
    for (const [text, k] of common) out.push(`| ${k} | ${md(text)} |`);
  }
  out.push('');

  const broken = sortRows(rows.filter((r) => r.status === 'error'));
  if (broken.length > 0) {
    out.push('## Submissions with grading errors');
    out.push('');
    out.push('Look at these by hand: a check could not run to the end.');
    out.push('');
    for (const r of broken.slice(0, 100)) out.push(`- ${markdownCode(r.submission)}: ${md(r.diagnosis)}`);
    if (broken.length > 100) out.push(`- ... and ${broken.length - 100} more (see grades.csv)`);
    out.push('');
  }
  return out.join('\n');
}

function median(sorted: readonly number[]): number {
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
