import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { coverage } from '../../src/checks/coverage.js';
import { conceptEvidence, parseDocument, type ConceptSpec } from '../../src/verify/match.js';

/** The rubric's own frequency concept, so the test covers the shipped configuration. */
const rubricText = readFileSync(fileURLToPath(new URL('../../rubrics/rope-build-prompt.yaml', import.meta.url)), 'utf8');
const rubric = parse(rubricText) as { criteria: Array<{ id: string; options: { concepts: ConceptSpec[] } }> };
const concept = (criterion: string) => rubric.criteria.find((c) => c.id === criterion)!.options.concepts[0]!;
const theta = concept('theta-frequencies');
const decay: ConceptSpec = { id: 'decay', any: ['long-term decay', 'attention decays'] };

function find(markdown: string, concept: ConceptSpec, options: Parameters<typeof conceptEvidence>[2] = {}) {
  return conceptEvidence(parseDocument(markdown, 'doc.md'), concept, options);
}

describe('notation normalisation', () => {
  it.each([
    ['θᵢ = 1 / (base^(2i/d))'],
    ['theta_i = base^(-2i/d)'],
    ['$\\theta_i = base^{-2i/d}$'],
    ['inv_freq = 1.0 / (10000 ** (np.arange(0, d, 2) / d))'],
    ['`theta = base ** (-2 * i / d)`'],
    ['θ_k = 10000^(-2k/d)'],
    ['Θᵢ = 1/base^(2i/d)'],
  ])('finds the frequency formula in %s', (text) => {
    expect(find(`# Frequencies\n\n${text}\n`, theta).matches).toHaveLength(1);
  });

  it('does not take base^(2i/d) without the reciprocal for the frequency', () => {
    expect(find('The angle grows as base^(2i/d).\n', theta).matches).toHaveLength(0);
  });

  it('matches notation inside fenced code blocks, located on the code line', () => {
    const result = find('# Code\n\n```python\nd = 64\ninv_freq = 1 / base ** (2 * i / d)\n```\n', theta);
    expect(result.matches[0]).toMatchObject({ line: 5 });
  });
});

describe('wording', () => {
  it('matches stemmed phrases ("decays", "decaying") with small gaps', () => {
    expect(find('In RoPE, attention naturally decays.\n', decay).matches).toHaveLength(1);
    expect(find('We see a long-term decaying effect.\n', { id: 'd', any: ['long term decay'] }).matches).toHaveLength(1);
    expect(find('Attention, measured per head, slowly decays.\n', decay).matches).toHaveLength(0);
  });

  it('accepts rubric synonyms', () => {
    const concept: ConceptSpec = { id: 'p', any: ['precompute tables'] };
    expect(find('Tabulate the tables once.\n', concept).matches).toHaveLength(0);
    expect(find('Tabulate the tables once.\n', concept, { synonyms: { precompute: ['tabulate'] } }).matches).toHaveLength(1);
  });

  it('finds a concept through `all` groups, as an alternative to `any`, within one sentence or the next', () => {
    const concept: ConceptSpec = { id: 'c', any: ['long-term decay'], all: [['shrink', 'decrease'], ['distance', 'apart']] };
    expect(find('Scores shrink as tokens move apart.\n', concept).matches).toHaveLength(1);
    expect(find('There is long-term decay.\n', concept).matches).toHaveLength(1);
    expect(find('Scores shrink.\n\n## Other\n\nA\n\nB\n\nTokens move apart.\n', concept).matches).toHaveLength(0);
  });

  it('skips sentences matching a `not` alternative', () => {
    const concept: ConceptSpec = { id: 'c', any: ['decay'], not: ['weight decay'] };
    expect(find('Use weight decay of 0.1.\n', concept).matches).toHaveLength(0);
  });
});

describe('negation', () => {
  it.each([
    'Attention does not decay with distance.',
    "Attention doesn't decay with distance.",
    'There is no long-term decay in RoPE.',
    'RoPE never shows long-term decay.',
    'A model without long-term decay.',
  ])('treats "%s" as a near miss', (sentence) => {
    const result = find(`${sentence}\n`, { id: 'd', any: ['decay'] });
    expect(result.matches).toHaveLength(0);
    expect(result.negated).toHaveLength(1);
  });

  it('extends negation to the whole clause before the match', () => {
    const performer: ConceptSpec = { id: 'p', any: ['Performer'] };
    const r = find('RoPE is not compatible with linear attention such as the Performer.\n', performer);
    expect(r.matches).toHaveLength(0);
    expect(r.negated).toHaveLength(1);
    expect(find('RoPE is not only for softmax attention; it also works with the Performer.\n', performer).matches).toHaveLength(1);
  });

  it('keeps negation inside its clause', () => {
    expect(find('It is not a hard cutoff, but attention decays smoothly.\n', decay).matches).toHaveLength(1);
    expect(find('Decay is smooth; it is not a mask.\n', { id: 'd', any: ['decay'] }).matches).toHaveLength(1);
  });

  it('accepts alternatives that carry their own "no"', () => {
    const concept: ConceptSpec = { id: 'x', any: ['no fixed maximum'] };
    expect(find('There is no fixed maximum sequence length.\n', concept).matches).toHaveLength(1);
  });
});

describe('section scope', () => {
  const md = '# Intro\n\nSinusoidal encodings came first.\n\n## History of encodings\n\nLearned tables followed.\n\n### Details\n\nSinusoidal again.\n';
  it('only looks inside sections whose title matches (nested sections included)', () => {
    const concept: ConceptSpec = { id: 's', any: ['sinusoidal'] };
    const scoped = find(md, concept, { sections: ['history'] });
    expect(scoped.matches.map((m) => m.line)).toEqual([11]);
    expect(find(md, concept).matches.map((m) => m.line)).toEqual([3, 11]);
  });

  it('says when no section matches', () => {
    expect(find(md, { id: 's', any: ['sinusoidal'] }, { sections: ['background'] }).scopeMissing).toBe(true);
  });
});

describe('coverage status', () => {
  const doc = parseDocument('# Notes\n\nRoPE rotates pairs. Attention decays with distance.\n', 'notes.md');
  const pairs: ConceptSpec = { id: 'pairs', label: 'pairs', any: ['rotates pairs'] };
  const reshape: ConceptSpec = { id: 'reshape', label: 'the reshape', any: ['reshape'] };

  it('passes when all concepts are found, warns with partial credit when some are, fails when none are', () => {
    expect(coverage(doc, { concepts: [pairs, decay] }).status).toBe('pass');
    const partly = coverage(doc, { concepts: [pairs, reshape] }, 'Pairs and reshape');
    expect(partly).toMatchObject({ status: 'warn', credit: 0.5 });
    expect(partly.message).toBe('Partly covers Pairs and reshape: found pairs; missing the reshape');
    expect(coverage(doc, { concepts: [reshape] }).status).toBe('fail');
  });

  it('honours minimum and partial', () => {
    expect(coverage(doc, { concepts: [pairs, reshape], minimum: 1 }).status).toBe('pass');
    expect(coverage(doc, { concepts: [pairs, reshape, { id: 'z', any: ['zebra'] }], partial: 2 }).status).toBe('fail');
  });

  it('locates a missing criterion at the document', () => {
    expect(coverage(doc, { concepts: [reshape] }).location).toEqual({ file: 'notes.md' });
  });
});
