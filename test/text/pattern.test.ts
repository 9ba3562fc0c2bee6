import { describe, expect, it } from 'vitest';
import { newBudget } from '../../src/text/linear.js';
import { compilePattern, inflections, patternSearch } from '../../src/text/pattern.js';
import { tokenizeText } from '../../src/text/tokenize.js';

function matches(pattern: string, text: string): string | null {
  const c = compilePattern(pattern);
  if (!c.ok) throw new Error(c.message);
  const tokens = tokenizeText(text);
  const r = patternSearch(c.pattern, tokens, newBudget());
  if (r === 'budget') throw new Error('budget');
  return r === null ? null : text.slice(tokens[r.start]!.sourceStart, tokens[r.end - 1]!.sourceEnd);
}

describe('token patterns', () => {
  it('match a word with its inflections only, never a derived word', () => {
    expect(matches('decay', 'scores decayed fast')).toBe('decayed');
    expect(matches('rotate', 'it is rotating')).toBe('rotating');
    expect(matches('apply', 'RoPE applies a turn')).toBe('applies');
    expect(matches('performer', 'good task performance')).toBeNull();
    expect(matches('rotary', 'a rotation by theta')).toBeNull();
    expect(matches('even', 'spaced evenly')).toBeNull();
    expect([...inflections('drop')]).toEqual(expect.arrayContaining(['drops', 'dropped', 'dropping']));
  });

  it('take prefixes, numbers by value, any number, alternatives and optional items', () => {
    expect(matches('extrapolat*', 'it extrapolates well')).toBe('extrapolates');
    expect(matches('trained on 512', 'trained on 5.12e2 tokens')).toBe('trained on 5.12e2');
    expect(matches('train* ..4 # ..6 (run* | test*) ..3 #', 'trained on 512 tokens, run on 2048')).toBe('trained on 512 tokens, run on 2048');
    expect(matches('(head)? dimension must be even', 'the dimension must be even')).toMatch(/dimension must be even$/);
    expect(matches('long-term decay', 'a long term decay')).toBe('long term decay');
  });

  it('skip a few stop words between items, and allow explicit gaps', () => {
    expect(matches('decay distance', 'decays with the distance')).toBe('decays with the distance');
    expect(matches('decay distance', 'decays slowly with distance')).toBeNull();
    expect(matches('decay ..3 distance', 'decays slowly with distance')).toBe('decays slowly with distance');
  });

  it('report syntax errors with their offset', () => {
    expect(compilePattern('(a | b')).toMatchObject({ ok: false, message: "missing ')'" });
    expect(compilePattern('a ) b')).toMatchObject({ ok: false, offset: 2 });
    expect(compilePattern('a & b')).toMatchObject({ ok: false, offset: 2, message: "unexpected '&' in pattern" });
  });
});
