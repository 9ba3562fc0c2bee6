/**
 * The engine around the extractors: one module per structure, the kinds
 * filter (with the names of earlier versions), code blocks, and documents
 * that hold nothing to check. The structures themselves are covered by
 * structures.test.ts over fixtures/claims/structures/.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkClaimsText, CLAIM_KINDS, extractors, resolveClaimKind, type Claim } from '../../src/claims/index.js';

const brief = (c: Claim) => `${c.location.line}:${c.location.column} ${c.status} ${c.kind} ${c.stated} => ${c.expected}`;

describe('extractors', () => {
  it('are one module each, one per claim kind, each saying what it covers', () => {
    expect(extractors.map((e) => e.kind).sort()).toEqual([...CLAIM_KINDS].sort());
    const modules = readdirSync(new URL('../../src/claims/extractors/', import.meta.url)).map((f) => f.replace(/\.ts$/, ''));
    expect(modules.sort()).toEqual([...CLAIM_KINDS].sort());
    for (const e of extractors) {
      expect(e.summary.length, e.kind).toBeGreaterThan(20);
      expect(e.covers.length, e.kind).toBeGreaterThan(0);
    }
  });

  it('run selectively; earlier kind names still select what they named', () => {
    const text = '# Plan\n\n- A: 2 tests\n- B: 3 tests\n- Total: 4 tests\n\n512 × 128 = 65,535\n';
    expect(checkClaimsText(text).map(brief)).toEqual(['5:10 fail list-total 4 => 5', '7:13 fail product 65,535 => 65,536']);
    expect(checkClaimsText(text, 'a.md', { kinds: ['product'] }).map(brief)).toEqual(['7:13 fail product 65,535 => 65,536']);
    expect(resolveClaimKind('itemized-total')).toEqual(['list-total', 'table-total']);
    expect(resolveClaimKind('reduction')).toEqual(['change']);
    expect(resolveClaimKind('nonsense')).toBeUndefined();
  });

  it('read a total right under a list (a lazy continuation of its last item in Markdown)', () => {
    expect(checkClaimsText('# Tests\n\n- Unit tests: 3\n- CLI tests: 2\nTotal: 6 tests\n').map(brief)).toEqual(['5:8 fail list-total 6 => 5']);
  });
});

describe('code blocks', () => {
  it('source code is not a claim, listings and output are', () => {
    const text = ['```python', 'x = 2 * 3 = 7', '```', '', '```', '2 * 3 = 7', '```', '', '```text', '4 * 5 = 21', '```'].join('\n');
    expect(checkClaimsText(text).map(brief)).toEqual(['6:9 fail product 7 => 6', '10:9 fail product 21 => 20']);
  });

  it('arithmetic written with × in source code is written for the reader, and is checked with the lines continuing it', () => {
    const text = ['```python', 'tokens = vocab × dim', '       = 1,024 × 8', '       = 8,192', 'w = 1024 * 8 = 8,000', '```'].join('\n');
    expect(checkClaimsText(text).map(brief)).toEqual(['4:10 ok product 8,192 => 8,192']);
  });
});

describe('documents with nothing to check', () => {
  it('skip over-long lines (minified data, huge tables) without shifting line numbers', () => {
    const text = ['# Data', `${'1 x '.repeat(2000)}1 = 2`, '2 * 3 = 7', `| ${'1 | '.repeat(1500)}`].join('\n');
    expect(checkClaimsText(text).map(brief)).toEqual(['3:9 fail product 7 => 6']);
  });

  it('survive empty and markup-only documents', () => {
    expect(checkClaimsText('')).toEqual([]);
    expect(checkClaimsText('| a | b |\n|---|---|\n\n- \n* \n> |')).toEqual([]);
  });
});
