/**
 * Teaching texts written for these tests in other words and notations than
 * the seed prompt (Unicode maths with split-half pairs, LaTeX notes,
 * annotated NumPy, a text with front matter and captions, a prompt that
 * denies properties). Their verdicts are in `<file>.expected.json`, checked
 * by test/fixtures.test.ts; here, what the findings say about them.
 */
import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/core/types.js';
import { renderFindings } from '../../src/verify/findings.js';
import { COMPLETE, verifyFixture } from './helpers.js';

const SPLIT_HALF = 'fixtures/verify/teaching-unicode-split-half.md';
const LATEX = 'fixtures/verify/teaching-latex-notes.md';
const FRONT_MATTER = 'fixtures/verify/teaching-front-matter-captions.md';
const DENIALS = 'fixtures/verify/build-prompt-denials.md';
const NUMPY = 'fixtures/verify/teaching-annotated-numpy.md';

function style(report: Report) {
  return (report.checks[0]!.data as { document: { title?: string; style: { conventions: Record<string, string>; notation: string } } }).document;
}

/** The fenced suggestion under one gap of a findings document. */
function suggestionFor(text: string, id: string): string {
  const at = text.indexOf(`(\`${id}\`)\n`);
  const from = text.indexOf('```markdown\n', at);
  return text.slice(from, text.indexOf('\n```\n', from));
}

describe('conventions and notation of a document', () => {
  it('tells split-half from interleaved pairing, and LaTeX from Unicode maths', async () => {
    expect(style((await verifyFixture(SPLIT_HALF)).report).style).toEqual({ conventions: { pairing: 'split-half' }, notation: 'unicode' });
    expect(style((await verifyFixture(NUMPY)).report).style).toEqual({ conventions: { pairing: 'interleaved' }, notation: 'unicode' });
    expect(style((await verifyFixture(LATEX)).report).style).toMatchObject({ conventions: { pairing: 'interleaved' }, notation: 'latex' });
  });

  it('suggests split-half additions to a text that pairs i with i + d/2, never interleaved code', async () => {
    const { report, rubric } = await verifyFixture(SPLIT_HALF);
    const text = renderFindings(report, rubric);
    const reshape = suggestionFor(text, 'pair-reshape');
    expect(reshape).toContain('rotate_half');
    expect(reshape).not.toContain('(..., seq_len, d/2, 2)');
    expect(text).not.toMatch(/x₂ᵢ|x_\{2i\}|\(2i, 2i\+1\)/);
  });

  it('writes the suggestion in LaTeX for a LaTeX text', async () => {
    const { report, rubric } = await verifyFixture(LATEX);
    const rotation = suggestionFor(renderFindings(report, rubric), 'rotation-matrix');
    expect(rotation).toContain('$e^{i m \\theta_i}$');
    expect(rotation).toContain('$(x_{2i}, x_{2i+1})$');
  });
});

describe('a text with front matter, figures, captions, paths and comments', () => {
  it('credits nothing from them, and is named by its own heading', async () => {
    const { report, rubric } = await verifyFixture(FRONT_MATTER);
    // Lines 1-5 front matter, 9-12 figure, 14 image, 16-17 caption, 22-23 path and address, 26 comment.
    const excluded = new Set([1, 2, 3, 4, 5, 9, 10, 11, 12, 14, 16, 17, 22, 23, 26]);
    for (const check of report.checks) {
      for (const d of check.details ?? []) {
        if (d.location?.line !== undefined) expect(excluded.has(d.location.line), `${check.id}: ${d.message} at line ${d.location.line}`).toBe(false);
      }
    }
    const text = renderFindings(report, rubric);
    expect(text).toContain('## Document: Rotary encoding in one page\n');
    expect(text).toContain('This document compares “Rotary encoding in one page” (`teaching-front-matter-captions.md`)');
    expect(text).not.toMatch(/our build prompt/i);
  });
});

describe('a prompt that denies properties', () => {
  it('quotes each denial and the inverted frequencies with their lines', async () => {
    const { report, rubric } = await verifyFixture(DENIALS);
    const text = renderFindings(report, rubric);
    expect(text).toContain('### Verification Status: ⚠️ CORE MATERIAL MISSING');
    for (const line of [13, 14, 15, 16]) expect(text).toMatch(new RegExp(`\\*\\*Stated the opposite\\*\\* \\(denied in the text, so not counted\\):\\n- "[^"]+" \\(\`build-prompt-denials\\.md:${line}:\\d+\`\\)`));
    expect(text).toContain('**Contradicted** (the text says otherwise; correct it):\n- "The first pairs turn slowest and the last pairs fastest." (`build-prompt-denials.md:17:7`)');
  });
});

describe('verification status', () => {
  it('follows from the verdicts of core criteria and enhancements', async () => {
    const { report, rubric } = await verifyFixture(COMPLETE);
    const status = (r: Report) => /### Verification Status: (.*)/.exec(renderFindings(r, rubric))![1];
    const withStatus = (id: string, s: 'warn' | 'fail') => ({ ...report, checks: report.checks.map((c) => (c.id === id ? { ...c, status: s } : c)) });
    expect(status(report)).toBe('✅ ACCURATE and complete');
    expect(status(withStatus('distance-decay', 'fail'))).toBe('✅ ACCURATE with opportunities for enhancement');
    expect(status(withStatus('pair-reshape', 'warn'))).toBe('⚠️ ACCURATE WITH GAPS (core material partly covered)');
    expect(status(withStatus('pair-reshape', 'fail'))).toBe('⚠️ CORE MATERIAL MISSING (1 of 9 core criteria: pair-reshape)');
  });
});
