/**
 * Each extractor on fixtures that hold (every claim ok, none missed) and on
 * fixtures that do not (flagged at the right line and column, with the
 * expected value), plus the false-positive guards.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkClaimsText, type Claim, type ClaimKind } from '../../src/claims/index.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/claims/${name}`, import.meta.url), 'utf8');
const claimsOf = (name: string, kinds?: ClaimKind[]) => checkClaimsText(fixture(name), name, kinds ? { kinds } : {});
const brief = (c: Claim) => ({ line: c.location.line, column: c.location.column, status: c.status, expected: c.expected });

describe('itemized-total', () => {
  it('accepts totals that match their list and table rows', () => {
    const claims = claimsOf('itemized-total.ok.md');
    expect(claims.map((c) => [c.kind, c.location.line, c.status])).toEqual([
      ['itemized-total', 3, 'ok'], // All 20 tests pass (list below, shared noun)
      ['itemized-total', 9, 'ok'], // **Total**: 20 tests passing
      ['itemized-total', 18, 'ok'], // Hours column
      ['itemized-total', 18, 'ok'], // Cost column
    ]);
  });

  it('flags a stated total that is not the sum, at the stated number, with the sum', () => {
    const claims = claimsOf('itemized-total.not-ok.md').filter((c) => c.status !== 'ok');
    expect(claims.map(brief)).toEqual([
      { line: 3, column: 5, status: 'fail', expected: '20 tests' },
      { line: 9, column: 12, status: 'fail', expected: '20 tests' },
      { line: 18, column: 24, status: 'fail', expected: '1600' },
    ]);
    expect(claims[0]!.message).toBe('Stated total 21 tests does not match the itemized list: 12 + 5 + 3 = 20 (3 items, lines 5-7)');
    expect(claims[0]!.basis).toEqual({ line: 5, endLine: 7 });
    expect(claims[2]!.message).toContain('column "Cost"');
  });
});

describe('totals right under a list (a lazy continuation of its last item in Markdown)', () => {
  it('are still read as totals of that list', () => {
    const itemized = checkClaimsText('# Tests\n\n- Unit tests: 3\n- CLI tests: 2\nTotal: 6 tests\n');
    expect(itemized.map(brief)).toEqual([{ line: 5, column: 8, status: 'fail', expected: '5 tests' }]);
    const implied = checkClaimsText('# Plan\n\n- Design (2 hours)\n- Build (3 hours)\nTotal so far: 5 hours\n');
    expect(implied.map(brief)).toEqual([{ line: 5, column: 15, status: 'ok', expected: '5 hours' }]);
  });
});

describe('percent-of', () => {
  it('accepts percentages right at their stated precision (rounded or truncated, ~ for approximate), in X / Y (Z%), Z% (X/Y), X (Z% of Y) and Z% of Y is X forms', () => {
    const claims = claimsOf('percent-of.ok.md');
    expect(claims.map((c) => [c.location.line, c.stated, c.status])).toEqual([
      [3, '75%', 'ok'],
      [5, '72%', 'ok'],
      [7, '66%', 'ok'],
      [9, '87.5%', 'ok'],
      [11, '~33%', 'ok'],
      [13, '75%', 'ok'], // 3 steps (75% of 4)
      [15, '50%', 'ok'], // 50% of 10 runs is 5 runs
    ]);
  });

  it('flags wrong percentages; the stated precision decides (71.0% is not 71.875%)', () => {
    const claims = claimsOf('percent-of.not-ok.md');
    expect(claims.map(brief)).toEqual([
      { line: 3, column: 29, status: 'fail', expected: '75%' },
      { line: 5, column: 30, status: 'fail', expected: '71.9% (exactly 71.875%)' },
      { line: 7, column: 11, status: 'fail', expected: '88% (exactly 87.5%)' },
      { line: 9, column: 17, status: 'fail', expected: '75%' },
      { line: 11, column: 7, status: 'fail', expected: '40%' },
    ]);
    expect(claims[0]!.message).toBe('Stated 80% does not match 3 / 4 steps = 75%');
  });
});

describe('product', () => {
  it('accepts products with ×, x, *, chains, thousands separators and K suffixes', () => {
    const claims = claimsOf('product.ok.md');
    expect(claims.map((c) => [c.location.line, c.stated, c.status])).toEqual([
      [3, '65,536', 'ok'],
      [4, '24', 'ok'],
      [5, '12', 'ok'],
      [6, '65.5K', 'ok'],
      [7, '1.5', 'ok'],
    ]);
  });

  it('flags wrong products with the right result', () => {
    expect(claimsOf('product.not-ok.md').map(brief)).toEqual([
      { line: 3, column: 36, status: 'fail', expected: '65,536' },
      { line: 4, column: 17, status: 'fail', expected: '24' },
      { line: 5, column: 23, status: 'fail', expected: '66K (exactly 65.536K)' },
    ]);
  });
});

describe('reduction', () => {
  it('accepts consistent reductions and increases, "Zero ... (100% reduction)" and a labelled reduction under its two values', () => {
    const claims = claimsOf('reduction.ok.md', ['reduction']);
    expect(claims.map((c) => [c.location.line, c.expected, c.status])).toEqual([
      [3, '75% reduction', 'ok'],
      [5, '50% increase', 'ok'],
      [7, '75% reduction', 'ok'],
      [9, '100% reduction', 'ok'],
      [14, '100% reduction', 'ok'],
    ]);
    // "50% reduction in normalization parameters" states no values: not a claim.
    expect(claims.some((c) => c.location.line === 16)).toBe(false);
  });

  it('flags reductions that the values contradict', () => {
    const claims = claimsOf('reduction.not-ok.md');
    expect(claims.map(brief)).toEqual([
      { line: 3, column: 37, status: 'fail', expected: '75% reduction' },
      { line: 5, column: 18, status: 'fail', expected: '100% reduction' },
      { line: 10, column: 16, status: 'fail', expected: '75% reduction' },
    ]);
    expect(claims[2]!.message).toBe('Stated 50% reduction does not match 65,536 → 16,384: 75% reduction');
  });
});

describe('implied-sum', () => {
  it('accepts a total equal to the done items (pending estimates left out)', () => {
    expect(claimsOf('implied-sum.ok.md').map((c) => [c.kind, c.location.line, c.status])).toEqual([['implied-sum', 7, 'ok']]);
  });

  it('only warns when the listed hours do not add up to the total, saying the relation is implied', () => {
    const claims = claimsOf('implied-sum.not-ok.md');
    expect(claims.map(brief)).toEqual([{ line: 7, column: 26, status: 'warn', expected: '9 or 13 hours' }]);
    expect(claims[0]!.message).toContain('implied');
    expect(claims[0]!.message).toContain('4 + 5 = 9');
  });
});

describe('table-delta', () => {
  it('accepts consistent deltas: GFM and plain-text tables, code blocks, pp, ~0, signs, declared direction, unsigned improvements', () => {
    const claims = claimsOf('table-delta.ok.md');
    expect(claims.every((c) => c.kind === 'table-delta' && c.status === 'ok')).toBe(true);
    expect(claims.map((c) => c.location.line)).toEqual([5, 6, 7, 8, 9, 15, 21, 22, 27, 32, 38, 39]);
    // A % delta between plain numbers is the relative change.
    expect(claims.at(-2)!.message).toContain('(100 − 400) / 400 = -75%');
  });

  it('flags wrong deltas at the delta cell, and names a column that runs the other way', () => {
    const claims = claimsOf('table-delta.not-ok.md');
    expect(claims.map(brief)).toEqual([
      { line: 5, column: 24, status: 'fail', expected: '-0.15' },
      { line: 6, column: 26, status: 'fail', expected: '+24pp' },
      { line: 7, column: 25, status: 'fail', expected: '+0.20' },
      { line: 13, column: 26, status: 'fail', expected: '-1.05' },
      { line: 14, column: 34, status: 'fail', expected: '-0.15' },
      { line: 20, column: 30, status: 'fail', expected: '-75%' },
    ]);
    expect(claims[3]!.message).toContain('the column reads as sinusoidal − RoPE, which its header does not say');
  });
});

describe('false positives', () => {
  it('finds no claim in versions, dates, sections, ranges, phases, 2K-4K, O(N²), identifiers, hex, partial expressions or code', () => {
    expect(claimsOf('false-positives.md')).toEqual([]);
  });

  it('ignores fenced source code but reads unlabelled blocks', () => {
    const text = ['```python', 'x = 2 * 3 = 7', '```', '', '```', '2 * 3 = 7', '```'].join('\n');
    expect(checkClaimsText(text).map(brief)).toEqual([{ line: 6, column: 9, status: 'fail', expected: '6' }]);
  });

  it('skips over-long lines (minified data, huge tables) without shifting line numbers', () => {
    const text = ['# Data', `${'1 x '.repeat(2000)}1 = 2`, '2 * 3 = 7', `| ${'1 | '.repeat(1500)}`].join('\n');
    expect(checkClaimsText(text).map(brief)).toEqual([{ line: 3, column: 9, status: 'fail', expected: '6' }]);
  });

  it('survives empty and markup-only documents', () => {
    expect(checkClaimsText('')).toEqual([]);
    expect(checkClaimsText('| a | b |\n|---|---|\n\n- \n* \n> |')).toEqual([]);
  });
});
