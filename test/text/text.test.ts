import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseMarkdown, type MarkdownDoc } from '../../src/markdown/document.js';
import { newBudget } from '../../src/text/linear.js';
import {
  Thesaurus,
  compileConcept,
  findConcept,
  findConcepts,
  findInText,
  findNumbers,
  formatNumber,
  matchSection,
  matchSections,
  normalizeNotation,
  phraseKeys,
  tokenizeText,
  wordCount,
} from '../../src/text/index.js';

function load(name: string): MarkdownDoc {
  return parseMarkdown(readFileSync(new URL(`../../fixtures/markdown/${name}`, import.meta.url), 'utf8'), { path: name });
}
const stems = (text: string) => tokenizeText(text).filter((t) => !t.stop).map((t) => t.stem);
const hits = (text: string, any: string[]) => findInText(text, { id: 'c', any });

describe('tokenizer', () => {
  it('lowercases, stems, drops stop words and keeps single-letter variables', () => {
    expect(stems('The Rotations are rotating the Queries and V')).toEqual(['rotat', 'rotat', 'queri', 'v']);
    expect(tokenizeText('the norm').map((t) => t.stop)).toEqual([true, false]);
  });

  it('reads numbers with their value, scientific notation included', () => {
    const nums = tokenizeText('diff 1e-5 vs 1E-05 and 4.4e-16 or 0.00001').filter((t) => t.kind === 'number');
    expect(nums.map((t) => t.value)).toEqual([1e-5, 1e-5, 4.4e-16, 1e-5]);
    expect(new Set(nums.map((t) => t.norm)).size).toBe(2);
  });

  it('splits numbers glued to letters and keeps signs only after non-words', () => {
    expect(tokenizeText('2i x-1 (-2i/d)').map((t) => t.norm)).toEqual(['2', 'i', 'x', '1', '-2', 'i', 'd']);
  });

  it('marks negation cues and ignores "not only"', () => {
    const t = tokenizeText("it isn't rotated, not only that");
    expect(t.filter((x) => x.negator).map((x) => x.norm)).toEqual(["isn't"]);
  });

  it('maps tokens back to the original text through notation rewrites', () => {
    const text = 'θᵢ = 1/10000^(2i/d)';
    const t = tokenizeText(text);
    expect(t[0]!.norm).toBe('theta');
    expect(text.slice(t[0]!.sourceStart, t[0]!.sourceEnd)).toBe('θ');
    expect(text.slice(t[2]!.sourceStart, t[t.length - 1]!.sourceEnd)).toBe('1/10000^(2i/d)');
  });

  it('counts words', () => {
    expect(wordCount('Max diff: 4.4e-16, fine.')).toBe(4);
  });
});

describe('notation', () => {
  it('gives one spelling to the frequency formula', () => {
    const forms = ['θ_i = base^(-2i/d)', 'θᵢ = 10000^(-2i/d)', '\\theta_i = base**(-2*i/d)', 'theta_i = 1/base^(2i/d)', 'Θ_i = 10000^{-2i/d}', 'theta_i = 1 / (10000^(2i/d))', 'theta_i = base^(-(2i/d))'];
    const expected = stems(forms[0]!);
    expect(expected).toEqual(['theta', 'i', 'base', '#-2'.slice(1), 'i', 'd']);
    for (const f of forms) expect(stems(f), f).toEqual(expected);
  });

  it('writes norms and inner products as words', () => {
    expect(stems('‖R q‖ = ||q||')).toEqual(['norm', 'r', 'q', 'norm', 'norm', 'q', 'norm']);
    expect(stems('\\|x\\|')).toEqual(stems('‖x‖'));
    expect(stems('⟨q, k⟩')).toEqual(['dot', 'q', 'k']);
    expect(stems('<q, k>')).toEqual(['dot', 'q', 'k']);
    expect(stems('\\langle q, k \\rangle')).toEqual(['dot', 'q', 'k']);
    expect(stems('q_m @ k_n')).toEqual(['q', 'm', 'dot', 'k', 'n']);
  });

  it('rewrites superscripts, subscripts and typographic characters', () => {
    expect(normalizeNotation('10⁻¹⁶').text).toBe('10^(-16)');
    expect(normalizeNotation('xᵢ’s − y').text).toBe("x_i's - y");
  });
});

describe('numbers', () => {
  it('finds numbers in every spelling people use', () => {
    const text = 'max 1e-5, 4.4e-16, 2.2 × 10^-16, 2.2x10^{-16}, 2.2 \\times 10^{-16}, 2.2·10⁻¹⁶, 10^-16, 0.0000012, −3e−7, 1.2E-06.';
    const found = findNumbers(text);
    expect(found.map((n) => n.raw)).toEqual(['1e-5', '4.4e-16', '2.2 × 10^-16', '2.2x10^{-16}', '2.2 \\times 10^{-16}', '2.2·10⁻¹⁶', '10^-16', '0.0000012', '−3e−7', '1.2E-06']);
    expect(found.map((n) => n.value)).toEqual([1e-5, 4.4e-16, 2.2e-16, 2.2e-16, 2.2e-16, 2.2e-16, 1e-16, 1.2e-6, -3e-7, 1.2e-6].map((v, i) => (i >= 2 && i <= 5 ? found[i]!.value : v)));
    for (const n of found.slice(2, 6)) expect(n.value).toBeCloseTo(2.2e-16, 30);
    expect(found.every((n) => n.real)).toBe(true);
  });

  it('skips numbers glued to words and marks counts as not real', () => {
    const found = findNumbers('float32 x2 2i and 5 cases');
    expect(found.map((n) => [n.raw, n.real])).toEqual([['5', false]]);
  });

  it('formats numbers for messages', () => {
    expect(formatNumber(4.4e-16)).toBe('4.4e-16');
    expect(formatNumber(0.5)).toBe('0.5');
    expect(formatNumber(1e-5)).toBe('1e-5');
  });
});

describe('thesaurus', () => {
  it('expands phrases with synonyms, extendable by rubric options', () => {
    const t = new Thesaurus();
    const variants = t.variants(phraseKeys('norm preserved')).map((v) => v.join(' '));
    expect(variants).toContain('magnitud preserv');
    expect(variants).toContain('norm unchang');
    const extended = t.extend({ pairing: ['convention', 'layout'] });
    expect(extended.variants(phraseKeys('pairing')).map((v) => v.join(' '))).toEqual(['pair', 'convent', 'layout']);
    expect(t.variants(phraseKeys('pairing'))).toHaveLength(1);
  });

  it('compiles an alternative once per thesaurus, and again after the thesaurus gains a group', () => {
    const t = new Thesaurus();
    const concept = { id: 'layout', any: ['pairing layout'] };
    const first = compileConcept(concept, { thesaurus: t });
    expect(compileConcept({ id: 'other', any: ['pairing layout'] }, { thesaurus: t }).any[0]).toBe(first.any[0]);
    expect(findInText('the pairing arrangement', first, { thesaurus: t })).toHaveLength(0);
    t.addGroup(['layout', 'arrangement']);
    const second = compileConcept(concept, { thesaurus: t });
    expect(second.any[0]).not.toBe(first.any[0]);
    expect(findInText('the pairing arrangement', second, { thesaurus: t })).toHaveLength(1);
    // Rubric synonyms: one extended thesaurus per synonym set, whatever the options object.
    const a = compileConcept(concept, { thesaurus: t, synonyms: { layout: ['order'] } });
    const b = compileConcept(concept, { thesaurus: t, synonyms: { layout: ['order'] } });
    expect(b.any[0]).toBe(a.any[0]);
    expect(findInText('the pairing order', a, { thesaurus: t })).toHaveLength(1);
    expect(findInText('the pairing order', second, { thesaurus: t })).toHaveLength(0);
  });
});

describe('concept matching', () => {
  it('matches phrases with small gaps, in either order for short phrases, through synonyms', () => {
    expect(hits('The norm is preserved', ['preserves the norm'])).toHaveLength(1);
    expect(hits('the length of every vector stays unchanged', ['norm preserved'])).toHaveLength(1);
    expect(hits('we use x[2i] and x[2i+1] as one pair', ['(2i, 2i+1)'])).toHaveLength(1);
    expect(hits('theta = 1/10000^(2i/d)', ['base^(-2i/d)'])).toEqual([{ alternative: 'base^(-2i/d)', start: 8, end: 22, negated: false }]);
    expect(hits('the norm, as the paper explains in its third section, is preserved', ['norm preserved'])).toHaveLength(0);
  });

  it('marks negated mentions', () => {
    expect(hits('RoPE does not decay with distance', ['decay'])[0]).toMatchObject({ negated: true, cue: 'not' });
    expect(hits('There is no decay.', ['decay'])[0]).toMatchObject({ negated: true, cue: 'no' });
    expect(hits('Rotations never preserve the norm', ['preserve norm'])[0]).toMatchObject({ negated: true, cue: 'never' });
    expect(hits("V isn't rotated", ['rotate v'])[0]).toMatchObject({ negated: true, cue: "isn't" });
    expect(hits('rotating without preserving the norm', ['preserve norm'])[0]).toMatchObject({ negated: true, cue: 'without' });
    expect(hits('the norm is not preserved', ['norm preserved'])[0]).toMatchObject({ negated: true, cue: 'not' });
    // Negation in another clause, in the phrase itself, or "not only" does not count.
    expect(hits('No, the attention scores decay with distance', ['decay'])[0]!.negated).toBe(false);
    expect(hits('Values are not rotated', ['v not rotated'])[0]!.negated).toBe(false);
    expect(hits('it is not only rotated but scaled', ['rotated'])[0]!.negated).toBe(false);
    // Every negation cue compares as "not" inside phrases.
    expect(hits("We don't rotate V", ['not rotate v'])[0]!.negated).toBe(false);
    expect(hits('V is never rotated', ['v not rotated'])).toHaveLength(1);
  });

  it('looks further back for negation when asked', () => {
    const text = 'We never observed that the scores decay';
    expect(findInText(text, { id: 'c', any: ['decay'] })[0]!.negated).toBe(false);
    expect(findInText(text, { id: 'c', any: ['decay'] }, { negationWindow: 8 })[0]).toMatchObject({ negated: true, cue: 'never' });
  });

  it('accepts regular expressions written /.../', () => {
    expect(hits('pairs (x[2k], x[2k+1])', ['/2k\\s*\\+\\s*1/'])).toHaveLength(1);
    expect(hits('nothing here', ['/2k\\+1/'])).toHaveLength(0);
  });

  it('finds a concept in a document with located evidence', () => {
    const doc = load('numbered-headings.md');
    const r = findConcept(doc, { id: 'interleaved', any: ['interleaved', '(2i, 2i+1)'] });
    expect(r.found).toBe(true);
    expect(r.matches[0]).toMatchObject({ concept: 'interleaved', alternative: '(2i, 2i+1)', text: '2i, 2i+1', line: 3, column: 63, section: 'Lab 02: RoPE' });
    expect(r.matches[1]).toMatchObject({ alternative: 'interleaved', line: 4, column: 6 });
  });

  it('finds the convention written in every README style', () => {
    const concept = compileConcept({ id: 'interleaved', any: ['interleaved', '(2i, 2i+1)', 'adjacent pairs'] });
    for (const name of ['numbered-headings.md', 'bold-labels.md', 'list-answers.md', 'no-headings.md']) {
      expect(findConcept(load(name), concept).found, name).toBe(true);
    }
    expect(findConcept(load('questions-as-headings.md'), concept).found).toBe(false);
  });

  it('reports negated mentions as near-misses, not coverage', () => {
    const doc = load('negated.md');
    const r = findConcept(doc, { id: 'interleaved', any: ['interleaved convention'] });
    expect(r.found).toBe(false);
    expect(r.negated).toHaveLength(1);
    expect(r.negated[0]).toMatchObject({ line: 10, column: 20, cue: 'not', section: 'Convention' });
    const decay = findConcept(doc, { id: 'decay', any: ['decay'] }, { titles: false });
    expect(decay.found).toBe(false);
    expect(decay.negated[0]!.line).toBe(5);
  });

  it('requires every "all" group near the anchor and honours "not"', () => {
    const doc = load('numbered-headings.md');
    const both = findConcept(doc, { id: 'norm', any: ['orthogonal'], all: [['norm']] });
    expect(both.found).toBe(true);
    const missing = findConcept(doc, { id: 'norm', any: ['orthogonal'], all: [['decay']] });
    expect(missing.found).toBe(false);
    const allOnly = findConcept(doc, { id: 'pairs', all: [['pairs'], ['counter-clockwise']] });
    expect(allOnly.found).toBe(true);
    const blocked = findConcept(doc, { id: 'mix', any: ['attention mixes'], not: ['scramble'] });
    expect(blocked.found).toBe(false);
    expect(blocked.excluded[0]).toMatchObject({ excludedBy: 'scramble' });
  });

  it('restricts the search to sections whose titles match', () => {
    const doc = load('numbered-headings.md');
    const r = findConcept(doc, { id: 'interleaved', any: ['interleaved'] }, { sections: ['norm preservation'] });
    expect(r).toMatchObject({ found: false, scope: ['3. Norm preservation'] });
    const none = findConcept(doc, { id: 'x', any: ['norm'] }, { sections: ['long-term decay'] });
    expect(none).toMatchObject({ found: false, scope: [] });
  });

  it('matches several concepts at once with rubric synonyms', () => {
    const doc = load('bold-labels.md');
    const [a, b] = findConcepts(doc, [{ id: 'avg', any: ['blended'] }, { id: 'norm', any: ['norm'] }], { synonyms: { blended: ['averaged'] } });
    expect(a!.found).toBe(true);
    expect(a!.matches[0]!.text).toBe('averaged');
    expect(b!.found).toBe(true);
  });
});

describe('section titles', () => {
  it('picks the best section for a question in every heading style', () => {
    const patterns = ['why does v not get rotated', 'why v is not rotated', 'why not v'];
    expect(matchSection(load('numbered-headings.md'), patterns)?.title).toBe('4. Why V is not rotated');
    expect(matchSection(load('bold-labels.md'), patterns)?.title).toBe('Q4 - Why not V?');
    expect(matchSection(load('questions-as-headings.md'), patterns)?.title).toBe('Why does V not get rotated?');
    expect(matchSection(load('list-answers.md'), patterns)?.title).toBe('Why is V not rotated?');
    expect(matchSection(load('no-headings.md'), patterns)).toBeUndefined();
  });

  it('scores partial title matches and prefers the more specific pattern', () => {
    const doc = load('numbered-headings.md');
    const m = matchSections(doc, ['relative position property', 'max diff']);
    expect(m.map((x) => [x.section.title, x.pattern, Number(x.score.toFixed(2))])).toEqual([
      ['1. Relative-position property', 'relative position property', 1],
      ['2. Max diff (Block B)', 'max diff', 1],
    ]);
    expect(matchSections(doc, ['/^\\d+\\. Norm/'])[0]!.section.title).toBe('3. Norm preservation');
  });
});

describe('matching budget (issue 20)', () => {
  it('finds a concept after thousands of repetitions of its first word', () => {
    const doc = parseMarkdown(`${'attention '.repeat(8000)}attention decays.\n`);
    expect(findConcept(doc, { id: 'd', any: ['attention decays'] }).found).toBe(true);
  });

  it('says the search stopped when the budget is spent, instead of a silent miss', () => {
    const doc = parseMarkdown(`${'attention '.repeat(8000)}attention decays.\n`);
    const r = findConcept(doc, { id: 'd', any: ['attention decays'] }, { budget: newBudget(1000) });
    expect(r).toMatchObject({ found: false, stopped: 1000 });
  });

  it('runs rubric regular expressions in linear time', () => {
    const doc = parseMarkdown(`${'a'.repeat(20_000)}!\n`);
    // Exponential for a backtracking engine; here a few hundred thousand steps.
    expect(findConcept(doc, { id: 'r', any: ['/(a+)+$/'] }).found).toBe(false);
  });
});
