/**
 * Reading predictions tables in the forms learners write them, and the
 * quantities in their cells.
 */
import { describe, expect, it } from 'vitest';
import { parseMarkdown } from '../../src/markdown/document.js';
import { classifyColumns, findPredictionsTable } from '../../src/experiment/predictions.js';
import { formatQuantity, parseQuantity } from '../../src/experiment/quantity.js';
import { readTables } from '../../src/experiment/tables.js';

const ascii = [
  '## Predictions (write them down BEFORE running)',
  '',
  'Metric                  | sinusoidal | RoPE | Δ',
  '------------------------+------------+------+------',
  'Train loss (final)      | 0.05       | 0.05 | ~0',
  'Val loss (OOD, T=10)    | 0.35       | 0.20 | -0.15',
  'Accuracy at T=20        | 65%        | 89%  | +24pp',
  '',
  'The big gap at T=20 is the headline.',
].join('\n');

describe('tables', () => {
  it('reads the template\'s pipe table with a +-joined rule, each cell located at its content', () => {
    const tables = readTables(parseMarkdown(ascii));
    expect(tables).toHaveLength(1);
    const t = tables[0]!;
    expect(t.form).toBe('text');
    expect(t.header.map((c) => c.text)).toEqual(['Metric', 'sinusoidal', 'RoPE', 'Δ']);
    expect(t.rows).toHaveLength(3);
    expect(t.rows[1]![3]).toEqual({ text: '-0.15', line: 6, column: 47 });
    expect(ascii.split('\n')[5]!.slice(46)).toBe('-0.15');
  });

  it('reads GFM tables from the mdast with their cells located', () => {
    const doc = parseMarkdown('# P\n\n| Metric | A | B | Δ |\n|---|---|---|---|\n| loss | 0.40 | 0.22 | **-0.18** |\n');
    const [t] = readTables(doc);
    expect(t!.form).toBe('gfm');
    expect(t!.rows[0]![3]).toEqual({ text: '-0.18', line: 5, column: 24 });
  });

  it('reads a pipe table pasted into a plain code block, and grid tables; never one inside program code', () => {
    const fenced = '```\nMetric | A | B | Δ\n-------+---+---+---\nloss | 1 | 2 | +1\n```\n';
    expect(readTables(parseMarkdown(fenced))).toHaveLength(1);
    const grid = '+--------+-----+-----+\n| Metric | A   | B   |\n+========+=====+=====+\n| loss   | 1.0 | 2.0 |\n+--------+-----+-----+\n';
    const [g] = readTables(parseMarkdown(grid));
    expect(g!.rows.map((r) => r.map((c) => c.text))).toEqual([['loss', '1.0', '2.0']]);
    const python = '```python\nx = a | b\n# ----+----\ny = c | d\n```\n';
    expect(readTables(parseMarkdown(python))).toEqual([]);
  });
});

describe('quantities', () => {
  it.each([
    ['0.35', { value: 0.35, decimals: 2, unit: '', approx: false, signed: false }],
    ['−1.05', { value: -1.05, decimals: 2, unit: '', signed: true }],
    ['+24pp', { value: 24, unit: 'pp', signed: true }],
    ['+24 p.p.', { value: 24, unit: 'pp' }],
    ['65%', { value: 65, unit: '%' }],
    ['~0', { value: 0, approx: true }],
    ['≈ 0.3', { value: 0.3, approx: true }],
    ['**0.45**', { value: 0.45 }],
    ['0.20 ± 0.02', { value: 0.2 }],
    ['12 ms', { value: 12, unit: 'ms' }],
    ['1e-3', { value: 0.001 }],
  ])('%s', (text, expected) => {
    expect(parseQuantity(text)).toMatchObject(expected);
  });

  it('reads a range as its bounds', () => {
    expect(parseQuantity('0.95–1.02')).toMatchObject({ range: { low: 0.95, high: 1.02 }, decimals: 2 });
  });

  it.each(['', 'n/a', 'TBD', '?', '—', 'lengths 10 / 15 / 20', '240 examples'])('%s is not a quantity', (text) => {
    expect(parseQuantity(text)).toBeUndefined();
  });

  it('formats like a table would', () => {
    expect(formatQuantity(-0.15, 2, '', true)).toBe('−0.15');
    expect(formatQuantity(24, 0, 'pp', true)).toBe('+24pp');
    expect(formatQuantity(0.0001, 2, '', true)).toBe('0.00');
  });
});

describe('the predictions table', () => {
  it('is the table under a predictions heading: metric, variants, Δ', () => {
    const found = findPredictionsTable(parseMarkdown(ascii))!;
    expect(found.foundBy).toBe('section');
    expect(found.columns).toEqual({ metric: 0, variants: [1, 2], delta: 3, observed: [] });
    expect(found.variantNames).toEqual(['sinusoidal', 'RoPE']);
    expect(found.rows.map((r) => r.label)).toEqual(['Train loss (final)', 'Val loss (OOD, T=10)', 'Accuracy at T=20']);
    expect(found.rows[2]!.delta).toMatchObject({ value: 24, unit: 'pp' });
  });

  it('is found by its shape when no heading names it, and an observed column is results, not a variant', () => {
    const doc = parseMarkdown('Some notes.\n\n| Metric | A | B | B − A | Observed B |\n|---|---|---|---|---|\n| loss | 0.4 | 0.2 | -0.2 | 0.25 |\n');
    const found = findPredictionsTable(doc)!;
    expect(found.foundBy).toBe('shape');
    expect(found.columns).toEqual({ metric: 0, variants: [1, 2], delta: 3, observed: [4] });
  });

  it('a table of variants (text only) is not a predictions table', () => {
    const doc = parseMarkdown('## Variants\n\n| Variant | Where | Formula |\n|---|---|---|\n| sinusoidal | input | x + PE |\n| RoPE | attention | R q |\n');
    expect(findPredictionsTable(doc)).toBeUndefined();
    expect(classifyColumns(readTables(doc)[0]!).variants).toEqual([]);
  });
});
