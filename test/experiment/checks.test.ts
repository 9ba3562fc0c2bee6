/**
 * The four check kinds of experiment labs, run as checks: each verdict and
 * each finding's file:line, on the fixture repositories of
 * fixtures/experiment-pe-compare (made into git repositories here) graded
 * with rubrics/pe-compare-experiment.yaml, and on small folders written by
 * the tests for the cases the fixtures do not cover.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gitHistoryKind, type GitHistoryOptions } from '../../src/checks/git-history.js';
import { predictionsTableKind, type PredictionsTableOptions } from '../../src/checks/predictions-table.js';
import { resultsVsPredictionsKind, type ResultsVsPredictionsOptions } from '../../src/checks/results-vs-predictions.js';
import { sectionsKind, type SectionsOptions } from '../../src/checks/sections.js';
import { grade } from '../../src/core/engine.js';
import type { CheckResult, Report, Rubric } from '../../src/core/types.js';
import { resolveRubric } from '../../src/rubric/load.js';
import { makeContext } from '../helpers/context.js';
import { materialiseRepository } from '../helpers/git-fixture.js';

const fixtures = new URL('../../fixtures/experiment-pe-compare/', import.meta.url).pathname;

let work: string;
let rubric: Rubric;
const reports = new Map<string, Report>();

function options<T>(id: string): T {
  return rubric.criteria.find((c) => c.id === id)!.options as T;
}

/** The report of a fixture repository, graded once. */
async function graded(name: string): Promise<Report> {
  let report = reports.get(name);
  if (!report) {
    const repo = materialiseRepository(join(fixtures, name), { parent: work });
    report = await grade({ rubric, target: repo });
    reports.set(name, report);
  }
  return report;
}

async function check(name: string, id: string): Promise<CheckResult> {
  return (await graded(name)).checks.find((c) => c.id === id)!;
}

function at(location: { file: string; line?: number; column?: number } | undefined): string {
  return location ? [location.file, location.line, location.column].filter((x) => x !== undefined).join(':') : '(none)';
}

/** A folder with these files (a submission without history). */
function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(work, 'case-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'rubricate-experiment-checks-'));
  rubric = await resolveRubric('pe-compare-experiment');
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('the four fixture repositories of the issue, graded with pe-compare-experiment', () => {
  it('honest: every graded check passes; the feedback names the one miss at its results.json line', async () => {
    const report = await graded('ok-honest');
    expect(report.checks.filter((c) => c.status !== 'pass').map((c) => `${c.id} ${c.status}`)).toEqual(['results-vs-predictions warn']);
    expect(report.score).toBe(report.maxScore);
    const history = await check('ok-honest', 'predictions-first');
    expect(history.message).toMatch(/^predictions committed in [0-9a-f]{7} 'Predictions before running' \(authored and committed 2024-03-04 16:30:00 \+01:00\), before the first results in [0-9a-f]{7} 'Results of the three seeds' \(authored and committed 2024-03-08 18:00:00 \+01:00\), and not edited since$/);
    expect(at(history.location)).toBe('notes/predictions.md:7:1');
    const feedback = await check('ok-honest', 'results-vs-predictions');
    expect(feedback.details?.map((d) => `${at(d.location)} ${d.message}`)).toEqual([
      "notes/predictions.md:16:1 headline \"The headline is the gap at T=20: sinusoidal falls apart there, RoPE does not.\": confirmed: observed Δ −1.13 on 'Val loss (OOD, T=20)' (predicted −0.98), Δ +23pp on 'Conjugation accuracy at T=20' (predicted +24pp)",
      "results.json:9:5 'Val loss (OOD, T=20)': outside the tolerance: sinusoidal predicted 1.40, observed 1.71; RoPE predicted 0.42, observed 0.58",
    ]);
    expect(feedback.table?.rows[4]).toEqual(['Val loss (OOD, T=20)', '1.40 → 1.71 ✗', '0.42 → 0.58 ✗', '−0.98 → −1.13', '0 of 2', 'right']);
  });

  it('predictions after the results: predictions-first fails at the table, naming both commits in order', async () => {
    const history = await check('not-ok-predictions-after-results', 'predictions-first');
    expect(history.status).toBe('fail');
    expect(history.points).toBe(0);
    expect(at(history.location)).toBe('notes/predictions.md:5:1');
    expect(history.message).toMatch(/^results \(results\.json, results\.md, .*\) were committed in [0-9a-f]{7} 'Results of the three seeds' \(authored and committed 2024-03-08 18:00:00 \+01:00\), before the predictions in [0-9a-f]{7} 'Add predictions' \(authored and committed 2024-03-08 21:00:00 \+01:00\)$/);
    expect(history.data).toMatchObject({ order: 'results-first', commits: 5 });
    const others = (await graded('not-ok-predictions-after-results')).checks.filter((c) => c.id !== 'predictions-first' && c.status === 'fail');
    expect(others).toEqual([]);
  });

  it('an inconsistent Δ: predictions-table fails at the Δ cell, with the value found and the one expected', async () => {
    const table = await check('not-ok-inconsistent-delta', 'predictions-table');
    expect(table.status).toBe('fail');
    expect(at(table.location)).toBe('notes/predictions.md:12:53');
    expect(table.details).toHaveLength(1);
    expect(table.details![0]).toMatchObject({ actual: '-0.45', expected: expect.stringMatching(/^-0\.540? /), location: { file: 'notes/predictions.md', line: 12, column: 53 } });
    expect(table.message).toContain('Val loss (OOD, T=15)');
    // 5 of 6 rows add up.
    expect(table.points / table.maxPoints).toBeCloseTo(5 / 6);
    expect((await graded('not-ok-inconsistent-delta')).checks.filter((c) => c.status === 'fail').map((c) => c.id)).toEqual(['predictions-table']);
  });

  it('no OOD split: spec-sections fails, locating the missing part after the data splits; the nine others are found where they are', async () => {
    const sections = await check('not-ok-no-ood-split', 'spec-sections');
    expect(sections.status).toBe('fail');
    expect(sections.points / sections.maxPoints).toBeCloseTo(9 / 10);
    expect(at(sections.location)).toBe('spec.md:36:1');
    expect(sections.message).toMatch(/^spec\.md has 9 of 10 parts of the template\. Out-of-distribution split: missing; /);
    expect(sections.details?.map((d) => `${at(d.location)} ${d.message.split(':')[0]}`)).toEqual([
      'spec.md:3:1 Hypothesis',
      'spec.md:10:1 Null hypothesis',
      'spec.md:16:1 Shared setup and what is frozen',
      'spec.md:24:1 Variants',
      'spec.md:31:1 Data splits',
      'spec.md:36:1 Out-of-distribution split',
      'spec.md:37:1 Metrics',
      'spec.md:43:1 Predictions',
      'spec.md:48:1 Why we expect this',
      'spec.md:55:1 What this does not prove',
    ]);
    // In the honest spec the same part is the list item that names it.
    const honest = await check('ok-honest', 'spec-sections');
    expect(honest.details?.find((d) => d.message.startsWith('Out-of-distribution split'))).toMatchObject({ location: { file: 'spec.md', line: 35, column: 3 } });
  });
});

describe('git-history on the other fixture repositories', () => {
  it('a row edited after the results: located at the row, before → after per cell', async () => {
    const history = await check('not-ok-predictions-edited', 'predictions-first');
    expect(history.status).toBe('fail');
    expect(at(history.location)).toBe('notes/predictions.md:13:1');
    expect(history.message).toMatch(/^the predictions table was edited after results existed, in [0-9a-f]{7} 'Fix predictions table' .*: 'Val loss \(OOD, T=20\)' changed: sinusoidal 1\.40 → 1\.70, RoPE 0\.42 → 0\.58, Δ -0\.98 → -1\.12$/);
  });

  it('an uncommitted edit after the results: located at the row', async () => {
    const history = await check('not-ok-uncommitted-edit', 'predictions-first');
    expect(history.status).toBe('fail');
    expect(at(history.location)).toBe('notes/predictions.md:14:1');
    expect(history.message).toContain("differs from the last commit: 'Conjugation accuracy at T=20' changed: sinusoidal 62% → 58%");
  });

  it('same commit, reordered history: failures at the table with the commits named', async () => {
    const same = await check('not-ok-same-commit', 'predictions-first');
    expect(same).toMatchObject({ status: 'fail', data: { order: 'same-commit' } });
    expect(at(same.location)).toBe('notes/predictions.md:7:1');
    const reordered = await check('not-ok-reordered', 'predictions-first');
    expect(reordered.status).toBe('fail');
    expect(reordered.message).toMatch(/^the history was reordered: the predictions commit [0-9a-f]{7} comes before the results commit [0-9a-f]{7} but was authored after it \(2024-03-09 09:00:00 \+01:00 vs 2024-03-08 18:00:00 \+01:00\)$/);
    expect(reordered.details?.some((d) => d.message.includes("sign of rewritten history") && d.message.includes("'Training script'"))).toBe(true);
  });

  it('a folder without .git fails (it cannot tell when the predictions were written), located at the table', async () => {
    const dir = folder({ 'notes/predictions.md': '# P\n\n## Predictions\n\n| Metric | sinusoidal | RoPE | Δ |\n|---|---|---|---|\n| loss | 0.4 | 0.2 | -0.2 |\n' });
    const outcome = await gitHistoryKind.run(makeContext({ root: dir, services: { isolation: 'none' } }), options<GitHistoryOptions>('predictions-first'));
    expect(outcome).toMatchObject({ status: 'fail', credit: 0, location: { file: 'notes/predictions.md', line: 5, column: 1 } });
    expect(outcome.message).toContain('there is no .git folder');
  });
});

describe('sections, on specs written here', () => {
  const run = (files: Record<string, string>) => sectionsKind.run(makeContext({ root: folder(files) }), options<SectionsOptions>('spec-sections'));

  it('no spec at all: fail, naming the files looked for', async () => {
    const outcome = await run({ 'notes.md': '# Notes\n' });
    expect(outcome).toMatchObject({ status: 'fail', credit: 0, location: { file: 'experiments/16-pe-compare/spec.md' } });
    expect(outcome.message).toContain('no spec found');
  });

  it('an empty section is a finding at its heading; the others are found', async () => {
    const spec = [
      '# Spec',
      '## Hypothesis',
      'RoPE keeps its loss on sequences longer than in training; sinusoidal does not.',
      '## Null hypothesis',
      'TBD',
      '## Shared setup (frozen)',
      'Same decoder, optimiser, steps and three seeds; only the position encoding changes.',
      '## Variants',
      'Variant A is sinusoidal, added to the inputs; variant B is RoPE, rotating q and k.',
      '## Data splits',
      '- Train: 240 sentences of at most five tokens.',
      '- OOD validation: 90 sequences of lengths 10, 15 and 20, longer than any in training.',
      '## Metrics',
      'Cross-entropy per length and conjugation accuracy at length 20.',
      '## Predictions',
      'See notes/predictions.md, written before running anything at all.',
      '## Why we expect this',
      'RoPE depends only on offsets, which stay rotations of a familiar kind at any length.',
      '## What this does not prove',
      'Nothing about large models or much longer contexts than twenty tokens.',
    ].join('\n\n');
    const outcome = await run({ 'spec.md': `${spec}\n` });
    expect(outcome.status).toBe('fail');
    expect(at(outcome.location)).toBe('spec.md:7:1');
    expect(outcome.message).toContain("Null hypothesis: the section 'Null hypothesis' is empty: only 'TBD'");
    expect(outcome.credit).toBeCloseTo(9 / 10);
  });

  it('only an optional part missing: warn, keeps full credit', async () => {
    const optional = { ...options<SectionsOptions>('spec-sections') };
    optional.parts = optional.parts.map((p) => (p.id === 'limits' ? { ...p, required: false } : p));
    const dir = folder({ 'spec.md': '# S\n\n## Hypothesis\n\nRoPE keeps its loss on sequences longer than in training.\n' });
    const slim = { ...optional, parts: optional.parts.filter((p) => p.id === 'hypothesis' || p.id === 'limits') };
    const outcome = await sectionsKind.run(makeContext({ root: dir }), slim);
    expect(outcome).toMatchObject({ status: 'warn', credit: 1 });
    expect(outcome.message).toContain('What this does not prove: missing (optional)');
  });
});

describe('predictions-table, on tables written here', () => {
  const run = (text: string, file = 'predictions.md') => predictionsTableKind.run(makeContext({ root: folder({ [file]: text }) }), options<PredictionsTableOptions>('predictions-table'));
  const head = '# Predictions\n\n## Predictions (before running)\n\n| Metric | sinusoidal | RoPE | Δ |\n|---|---|---|---|\n';

  it('a consistent table passes, counting the Δ it checked', async () => {
    const outcome = await run(`${head}| loss T=10 | 0.40 | 0.22 | -0.18 |\n| acc T=20 | 62% | 86% | +24pp |\n| train loss | 0.06 | 0.06 | ~0 |\n`);
    expect(outcome).toMatchObject({ status: 'pass', credit: 1, data: { rows: 3, deltasChecked: 3 } });
    expect(at(outcome.location)).toBe('predictions.md:5:3');
  });

  it('a difference of percentages written with %: at the Δ cell, with the points expected', async () => {
    const outcome = await run(`${head}| loss T=10 | 0.40 | 0.22 | -0.18 |\n| acc T=20 | 62% | 86% | +24% |\n`);
    expect(outcome.status).toBe('fail');
    expect(outcome.details).toEqual([
      expect.objectContaining({ actual: '+24%', expected: '+24pp', location: { file: 'predictions.md', line: 8, column: 26 } }),
    ]);
    expect(outcome.details![0]!.message).toContain('relative change');
    expect(outcome.credit).toBeCloseTo(1 / 2);
  });

  it('values of one row in different units: at the odd cell', async () => {
    const outcome = await run(`${head}| acc T=20 | 0.62 | 86% | +24pp |\n`);
    expect(outcome.status).toBe('fail');
    expect(outcome.details![0]).toMatchObject({ actual: '86%', location: { file: 'predictions.md', line: 7, column: 21 } });
    expect(outcome.details![0]!.message).toContain('a fraction next to a percentage?');
  });

  it('no Δ column and a missing value: form problems at the header, the empty cell located', async () => {
    const outcome = await run('# P\n\n## Predictions\n\n| Metric | sinusoidal | RoPE |\n|---|---|---|\n| loss T=10 | 0.40 | 0.22 |\n| loss T=20 | 1.40 | ? |\n');
    expect(outcome.status).toBe('fail');
    expect(outcome.details?.map((d) => `${at(d.location)} ${d.message}`)).toEqual([
      'predictions.md:5:3 no Δ column (headed Δ, delta, diff or "B − A")',
      "predictions.md:8:22 no predicted value for RoPE in 'loss T=20': '?'",
    ]);
    // Half the rows are complete, halved again for the incomplete form.
    expect(outcome.credit).toBeCloseTo(1 / 4);
  });

  it('no predictions table: fail naming the files searched', async () => {
    const outcome = await run('# Predictions\n\nRoPE will do better at T=20.\n');
    expect(outcome).toMatchObject({ status: 'fail', credit: 0, location: { file: 'predictions.md' } });
    expect(outcome.message).toMatch(/^no predictions table in predictions\.md; /);
  });
});

describe('results-vs-predictions, on results written here', () => {
  const predictions = '# P\n\n## Predictions\n\n| Metric | sinusoidal | RoPE | Δ |\n|---|---|---|---|\n| Val loss (T=10) | 0.40 | 0.22 | -0.18 |\n| Val loss (T=20) | 1.40 | 0.42 | -0.98 |\n\nThe headline is the gap at T=20.\n';
  const run = (files: Record<string, string>) => resultsVsPredictionsKind.run(makeContext({ root: folder({ 'predictions.md': predictions, ...files }) }), options<ResultsVsPredictionsOptions>('results-vs-predictions'));

  it('every prediction within tolerance and the headline held: pass, with the table', async () => {
    const outcome = await run({ 'results.json': JSON.stringify({ metrics: [{ metric: 'Val loss (T=10)', sinusoidal: 0.45, rope: 0.23 }, { metric: 'Val loss (T=20)', sinusoidal: 1.5, rope: 0.45 }] }) });
    expect(outcome).toMatchObject({ status: 'pass', data: { hit: 2, directionRight: 2, headline: true } });
    expect(outcome.table?.rows.map((r) => r.slice(-2))).toEqual([['2 of 2', 'right'], ['2 of 2', 'right']]);
  });

  it('Δ the other way and the headline not held: warn (feedback, no points), located at the results row', async () => {
    const results = '{\n  "metrics": [\n    {"metric": "Val loss (T=10)", "sinusoidal": 0.41, "rope": 0.23},\n    {"metric": "Val loss (T=20)", "sinusoidal": 0.50, "rope": 0.90}\n  ]\n}\n';
    const outcome = await run({ 'results.json': results });
    expect(outcome.status).toBe('warn');
    expect(outcome.data).toMatchObject({ hit: 1, directionRight: 1, directionJudged: 2, headline: false });
    expect(outcome.details?.map((d) => `${at(d.location)} ${d.message.split(':')[0]}`)).toEqual([
      'predictions.md:10:1 headline "The headline is the gap at T=20."',
      "results.json:4:5 'Val loss (T=20)'",
      "results.json:4:5 'Val loss (T=20)'",
    ]);
    expect(outcome.details![2]!.message).toBe("'Val loss (T=20)': Δ went the other way: predicted −0.98, observed +0.40");
    expect(outcome.message).toContain('not confirmed');
  });

  it('results in a Markdown table, one metric missing: the miss named at the prediction row', async () => {
    const outcome = await run({ 'results.md': '# Results\n\n| Metric | sinusoidal | RoPE |\n|---|---|---|\n| Val loss (T=10) | 0.47 | 0.24 |\n' });
    expect(outcome.status).toBe('warn');
    expect(outcome.details?.find((d) => d.message.startsWith('no result'))).toMatchObject({ message: "no result for 'Val loss (T=20)' in results.md", location: { file: 'predictions.md', line: 8 } });
  });

  it('no results yet: skip; results.json that is not JSON: warn at the error', async () => {
    expect((await run({})).status).toBe('skip');
    const broken = await run({ 'results.json': '{"metrics": [\n  {"metric": "Val loss (T=10)", "sinusoidal": 0.4,}\n]}\n' });
    expect(broken.status).toBe('warn');
    expect(broken.location).toMatchObject({ file: 'results.json', line: 2 });
  });
});
