import { describe, expect, it } from 'vitest';
import { newBudget } from '../../src/text/linear.js';
import { compileRegex, regexSearch } from '../../src/text/regex.js';

function find(source: string, flags: string, text: string) {
  const c = compileRegex(source, flags);
  if (!c.ok) throw new Error(c.message);
  const r = regexSearch(c.regex, text, newBudget());
  if (r === 'budget') throw new Error('budget');
  return r === null ? null : text.slice(r.start, r.end);
}

function native(source: string, flags: string, text: string) {
  const m = new RegExp(source, flags).exec(text);
  return m === null ? null : m[0];
}

describe('linear-time regular expressions', () => {
  it.each([
    ['cos[^\\n]{0,40}?-\\s*\\\\?sin', 'i', '[[cos(m·θᵢ), -sin(m·θᵢ)], [sin, cos]]'],
    ['\\bR_?[({]\\s*[a-z]\\s*-\\s*[a-z]\\s*[)}]', '', '⟨q, R_(n-m) k⟩'],
    ['\\(\\s*x?\\[?\\s*2\\s*[ikj]\\s*\\]?\\s*,\\s*x?\\[?\\s*2\\s*[ikj]\\s*\\+\\s*1\\s*\\]?\\s*\\)', '', 'pairs (2i, 2i+1) and (x[2k], x[2k+1])'],
    ['a|ab', '', 'xxab'],
    ['a+?b', '', 'aaab'],
    ['(a|b)*c', '', 'ababd abc'],
    ['^the', 'm', 'one\nthe two'],
    ['colou?r$', '', 'the colour'],
    ['\\d{2,3}', '', 'a 1 22 4444'],
    ['[^a-z]+', 'i', 'abcDEF123ghi'],
    ['\\p{L}+', 'u', '12 θέμα 34'],
    ['x.y', '', 'x\ny xzy'],
    ['x.y', 's', 'x\ny xzy'],
    ['\\Bb', '', 'ab b'],
    ['', '', 'abc'],
  ])('agrees with JavaScript on /%s/%s', (source, flags, text) => {
    expect(find(source, flags, text)).toBe(native(source, flags, text));
  });

  it('refuses backreferences and lookaround with the offset of the construct', () => {
    expect(compileRegex('(a)\\1')).toMatchObject({ ok: false, offset: 3 });
    expect(compileRegex('x(?=y)')).toMatchObject({ ok: false, offset: 1, message: expect.stringContaining('lookahead') });
    expect(compileRegex('(?<!a)b')).toMatchObject({ ok: false, message: expect.stringContaining('lookbehind') });
    expect(compileRegex('a(b')).toMatchObject({ ok: false, message: expect.stringContaining('invalid regular expression') });
    expect(compileRegex('a', 'x')).toMatchObject({ ok: false, message: expect.stringContaining("flag 'x'") });
  });

  it('runs a pattern that is exponential for backtracking engines in linear time', () => {
    // /(a+)+$/ on 'aaaa...!' makes a backtracking engine try 2^n splits; here it is n·m steps.
    const c = compileRegex('(a+)+$');
    if (!c.ok) throw new Error(c.message);
    const budget = newBudget();
    expect(regexSearch(c.regex, `${'a'.repeat(5000)}!`, budget)).toBeNull();
    // Each position visits each instruction at most twice (once as a thread, once tested).
    expect(budget.spent).toBeLessThanOrEqual(2 * 5002 * c.regex.program.insts.length);
  });

  it('stops and says so when the document budget is spent', () => {
    const c = compileRegex('x+y');
    if (!c.ok) throw new Error(c.message);
    const budget = newBudget(1000);
    expect(regexSearch(c.regex, 'x'.repeat(10_000), budget)).toBe('budget');
    expect(budget.exhausted).toBe(true);
  });
});
