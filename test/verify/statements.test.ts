import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { coverage, prepareForCoverage, type CoverageOptions } from '../../src/checks/coverage.js';
import { newBudget } from '../../src/text/linear.js';
import type { Rubric } from '../../src/core/types.js';
import { maskSource } from '../../src/verify/document.js';
import { repo } from './helpers.js';

/** The shipped rubric's own statements, so the tests cover the configuration users get. */
const rubric = parse(readFileSync(repo('rubrics/rope-build-prompt.yaml'), 'utf8')) as Pick<Rubric, 'subject' | 'conventions'> & {
  criteria: Array<{ id: string; options: CoverageOptions }>;
};
const options = (id: string) => rubric.criteria.find((c) => c.id === id)!.options;

function verdict(markdown: string, criterion: string) {
  const out = coverage(prepareForCoverage(markdown, 'doc.md', rubric), options(criterion));
  return { status: out.status, data: out.data as { statements: Array<{ id: string; status: string; line?: number }>; negated: string[]; contradicted: string[] }, outcome: out };
}
const found = (markdown: string, criterion: string, statement: string) => verdict(markdown, criterion).data.statements.find((s) => s.id === statement)!.status === 'found';

describe('notation: LaTeX, Unicode maths and code are read alike', () => {
  it.each([
    ['$\\theta_i = \\frac{1}{10000^{2i/d}}$'],
    ['θᵢ = 1 / (base^(2i/d))'],
    ['θ_i = 10000^(−2i/d) with a Unicode minus'],
    ['$\\Theta = \\{\\theta_i = 10000^{-2(i-1)/d}, i \\in [1, 2, \\dots, d/2]\\}$'],
    ['```python\ninv_freq = 1.0 / (base ** (torch.arange(0, dim, 2).float() / dim))\n```'],
    ['```python\ninv = base ** (-np.arange(0, d, 2) / d)\n```'],
    ['```python\ntheta = 1.0 / (\n    self.base\n    ** (torch.arange(0, self.dim, 2).float() / self.dim)\n)\n```'],
  ])('finds the frequencies in %s', (text) => {
    expect(found(`RoPE frequencies:\n\n${text}\n`, 'theta-frequencies', 'theta-formula')).toBe(true);
  });

  it('does not take a positive exponent (the sinusoidal wavelength, or a typo) for the frequencies', () => {
    expect(found('RoPE uses $\\theta_i = 10000^{\\frac{2(i-1)}{d}}$.\n', 'theta-frequencies', 'theta-formula')).toBe(false);
  });

  it.each([
    ['$R^d_{\\Theta,m}{}^\\top R^d_{\\Theta,n} = R^d_{\\Theta,n-m}$'],
    ['⟨R_m q, R_n k⟩ = ⟨q, R_(n−m) k⟩'],
    ['$\\langle f(q, m), f(k, n) \\rangle = g(q, k, m - n)$'],
    ['$\\langle \\mathrm{RoPE}(q_j, m), \\mathrm{RoPE}(k_j, n)\\rangle = \\mathrm{RoPE}(q_j k_j, m - n)$'],
    ['the product carries the factor $e^{i(m-n)\\theta}$'],
  ])('finds the relative-position identity in %s', (text) => {
    expect(found(`RoPE: ${text}\n`, 'relative-position', 'relative-identity')).toBe(true);
  });

  it('reads x cos θ − y sin θ (Unicode minus) as the real form of the rotation', () => {
    expect(found('RoPE turns a pair: x′ = x cos θ − y sin θ, y′ = x sin θ + y cos θ.\n', 'rotation-matrix', 'rotation-matrix')).toBe(true);
  });
});

describe('jargon is matched as written, not stemmed', () => {
  it('does not take "performance" for the Performer', () => {
    expect(verdict('RoPE improves task performance on long documents.\n', 'linear-attention').status).toBe('fail');
    expect(verdict('RoPE also works inside the Performer.\n', 'linear-attention').status).toBe('pass');
  });

  it('does not take "rotation" for "rotary" when telling what a sentence is about', () => {
    // The sentence is about T5; "rotation" names no subject, so T5's relative bias is no evidence for RoPE.
    expect(verdict('T5 adds a learned relative position bias that depends only on the offset, a rotation-free scheme.\n', 'relative-position').status).toBe('fail');
  });

  it('does not take even rows or even and odd positions for an even head dimension', () => {
    expect(verdict('RoPE writes the even rows first. Even and odd positions share one angle.\n', 'even-dimension').status).toBe('fail');
    expect(verdict('RoPE needs the head dimension to be even.\n', 'even-dimension').status).toBe('pass');
    expect(verdict('For RoPE the head dimension must be even.\n', 'even-dimension').status).toBe('pass');
  });
});

describe('what never counts as the text\'s own statement', () => {
  const decay = (markdown: string) => verdict(markdown, 'distance-decay');

  it('front matter', () => {
    const r = decay('---\ntitle: RoPE attention decays with distance\n---\n\n# Notes on RoPE\n\nRoPE rotates pairs.\n');
    expect(r.status).toBe('fail');
  });

  it('captions, figures, shortcodes and image alt text', () => {
    expect(decay('<figure><figcaption>RoPE attention decays with distance</figcaption></figure>\n\nRoPE rotates pairs.\n').status).toBe('fail');
    expect(decay('{{< figure caption="RoPE attention decays with distance" >}}\n\nRoPE rotates pairs.\n').status).toBe('fail');
    expect(decay('![RoPE attention decays with distance](decay.png)\n\nRoPE rotates pairs.\n').status).toBe('fail');
    expect(decay('Figure 3: RoPE attention decays with distance.\n\nRoPE rotates pairs.\n').status).toBe('fail');
  });

  it('addresses, paths and file names', () => {
    expect(verdict('See notes/Holistic-Performance-Enhancement/rope/analysis.md for RoPE.\n', 'linear-attention').status).toBe('fail');
    expect(verdict('See https://example.org/rope-with-performer-attention for RoPE.\n', 'linear-attention').status).toBe('fail');
  });

  it('code comments, though code itself counts', () => {
    expect(decay('RoPE in code:\n\n```python\n# attention decays with distance\nq = rope(q)\n```\n').status).toBe('fail');
    expect(verdict('RoPE in code:\n\n```python\nassert d % 2 == 0\n```\n', 'even-dimension').status).toBe('pass');
  });

  it('headings and bibliographies', () => {
    expect(decay('# RoPE attention decays with distance\n\nRoPE rotates pairs.\n').status).toBe('fail');
    expect(verdict('RoPE rotates pairs.\n\n## References\n\n- Sun et al. A length-extrapolatable transformer: extrapolation beyond training length.\n', 'length-extrapolation').status).toBe('fail');
  });

  it('leaves the document the same length with the same line breaks', () => {
    const text = '---\ntitle: x\n---\n\n![alt](a.png) and https://x.org/y\n';
    const masked = maskSource(text);
    expect(masked.length).toBe(text.length);
    expect(masked.split('\n').length).toBe(text.split('\n').length);
  });
});

describe('what a sentence is about', () => {
  it('does not credit RoPE with what a sentence says of another method or a cited work', () => {
    expect(verdict('ALiBi extrapolates to longer sequences than seen in training.\n\nRoPE rotates pairs.\n', 'length-extrapolation').status).toBe('fail');
    expect(verdict('Wang+ [2020] model positions in complex space.\n\nRoPE rotates pairs with a rotation matrix.\n', 'rotation-matrix').status).toBe('warn');
  });

  it('takes the topic of the section when a sentence names no method', () => {
    const md = '## Learned absolute embeddings\n\nThey cannot handle sequences longer than those seen in training.\n\n## RoPE\n\nIt rotates pairs.\n';
    const r = verdict(md, 'length-extrapolation');
    expect(r.status).toBe('fail');
    // Said of learned embeddings: not reported as RoPE denying extrapolation either.
    expect(r.data.negated).toEqual([]);
  });

  it('reads a bold label with the rest of its paragraph, and a table row as one sentence', () => {
    expect(found('1. **Sinusoidal encodings** (Vaswani et al., 2017) are added to the embeddings.\n\nThen RoPE.\n', 'history', 'sinusoidal')).toBe(true);
    expect(found('| Method | How |\n| --- | --- |\n| Sinusoidal | Fixed sine/cosine added to the input |\n| Learned embedding | A trainable vector per slot |\n\nRoPE rotates instead.\n', 'history', 'learned')).toBe(true);
  });
});

describe('negation and contradiction', () => {
  it.each([
    ['RoPE does not extrapolate to longer sequences than seen in training.', 'length-extrapolation', 'extrapolation'],
    ['There is no long-term decay under RoPE.', 'distance-decay', 'decay'],
    ['RoPE is incompatible with linear attention.', 'linear-attention', 'linear-attention'],
    ['The RoPE score never depends on the relative offset.', 'relative-position', 'depends-on-offset'],
    ['Under RoPE the score does not depend on m - n.', 'relative-position', 'depends-on-offset'],
  ])('"%s" is reported as stating the opposite, with its line', (sentence, criterion, statement) => {
    const r = verdict(`# RoPE\n\n${sentence}\n`, criterion);
    expect(r.data.statements.find((s) => s.id === statement)).toMatchObject({ status: 'negated', line: 3 });
    expect(r.outcome.message).toContain('line 3 states the opposite');
  });

  it('keeps a negation inside its clause', () => {
    expect(verdict('RoPE is not a hard window, but attention decays with distance.\n', 'distance-decay').status).toBe('pass');
    expect(verdict('RoPE has no fixed maximum sequence length.\n', 'length-extrapolation').status).toBe('pass');
  });

  it('reports a text that inverts the frequencies, and does not call it covered', () => {
    const md = 'RoPE pairs rotate fast to resolve nearby tokens and slow to resolve distant ones.\n\nHere θ_1 = 0.01 is the slow rotation and θ_2 = 0.0001 the fast one.\n';
    const r = verdict(md, 'multi-scale');
    expect(r.status).toBe('warn');
    expect(r.data.contradicted.length).toBeGreaterThan(0);
    expect(r.outcome.message).toContain('contradicted at line 3');
  });
});

describe('partial credit says what was found where', () => {
  it('lists the statement found with its line and the one missing', () => {
    const r = verdict('# RoPE\n\nRoPE multiplies each pair by the 2x2 rotation matrix.\n', 'rotation-matrix');
    expect(r.status).toBe('warn');
    expect(r.outcome.message).toBe(
      'Partly covers criterion: found in real form each pair is multiplied by the 2x2 rotation matrix of cos and -sin (line 3); missing each pair is a complex number multiplied by e^(i·m·θ), a rotation in the complex plane',
    );
    expect(r.outcome.credit).toBe(0.5);
  });
});

describe('matching budget (issue 20)', () => {
  it('finds a statement placed after thousands of repetitions of a word', () => {
    const md = `RoPE ${'distance '.repeat(6000)}.\n\nUnder RoPE attention decays with distance.\n`;
    expect(verdict(md, 'distance-decay').status).toBe('pass');
  });

  it('says when the evidence search stopped, on the finding', () => {
    const prepared = prepareForCoverage('# RoPE\n\nRoPE rotates pairs of features.\n'.repeat(50), 'big.md', rubric, newBudget(2_000));
    const out = coverage(prepared, options('distance-decay'));
    expect(out.message).toMatch(/evidence search stopped after 2,000 steps/);
    expect(out.details?.some((d) => /^evidence search stopped after 2,000 steps/.test(d.message))).toBe(true);
    expect(out.data).toMatchObject({ stoppedAfter: 2000 });
  });
});
