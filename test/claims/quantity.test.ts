/**
 * The arithmetic model all extractors share: what a written number stands
 * for (its precision, suffix, unit, approximation or bound) and when a stated
 * number agrees with a recomputed interval.
 */
import { describe, expect, it } from 'vitest';
import { agrees, countAt, firstQuantity, formatInterval, of, sum, type Quantity } from '../../src/claims/quantity.js';

const q = (text: string): Quantity => {
  const found = firstQuantity(text);
  if (!found) throw new Error(`no quantity in ${text}`);
  return found;
};
const ok = (stated: string, lo: number, hi = lo) => agrees(q(stated), { lo, hi }).ok;

describe('a written number', () => {
  it('stands for the interval its digits allow', () => {
    expect([q('0.20').lo, q('0.20').hi].map((v) => +v.toFixed(6))).toEqual([0.195, 0.205]);
    expect(q('0.20').decimals).toBe(2);
  });

  it('K/M/B suffixes scale it, and trailing zeros before a suffix are not significant', () => {
    expect([q('800K').value, q('800K').step, q('800K').lo, q('800K').hi]).toEqual([800_000, 100_000, 750_000, 850_000]);
    expect([q('24M').value, q('24M').step]).toEqual([24_000_000, 1_000_000]);
    expect(q('2 million').value).toBe(2_000_000);
    expect(q('24M').scaled).toBe(true);
  });

  it('has a dimension and a unit that converts within it', () => {
    expect([q('800ms').dimension, q('800ms').value]).toEqual(['time', 0.8]);
    expect([q('1.2 GB').dimension, q('1.2 GB').value]).toEqual(['bytes', 1.2e9]);
    expect([q('+8 pp').dimension, q('+8 pp').signed]).toEqual(['points', true]);
    expect(q('3.0x').dimension).toBe('ratio');
    expect(q('72%').dimension).toBe('percent');
    const total = sum([of(q('800ms')), of(q('15.7s'))]);
    expect([total.lo, total.hi].map((v) => +v.toFixed(6))).toEqual([16.45, 16.55]); // 800 ms exact, 15.7 s to its digit
  });

  it('~, about and ≈ make it approximate; 30+ and at least are lower bounds; < is an upper bound', () => {
    expect([q('~40').approx, q('~40').lo, q('~40').hi]).toEqual([true, 38, 42]);
    expect(q('about 12').approx).toBe(true);
    expect([q('30+').atLeast, q('30+').hi]).toEqual([true, Number.POSITIVE_INFINITY]);
    expect([q('<2%').atMost, q('<2%').lo]).toEqual([true, 0]);
  });

  it('as an input, a whole number written plainly is exact; anything else keeps its interval', () => {
    expect(of(q('145'))).toEqual({ lo: 145, hi: 145 });
    expect(of(q('800K'))).toEqual({ lo: 750_000, hi: 850_000 });
    expect(of(q('~40'))).toEqual({ lo: 38, hi: 42 });
  });

  it('small counts may be written as words', () => {
    expect(countAt('Five modules remain', 0)?.value).toBe(5);
    expect(countAt('the three services', 4)?.value).toBe(3);
    expect(countAt('one module', 0)).toBeUndefined();
  });
});

describe('agreement', () => {
  it('accepts the value rounded or truncated to the digits written, nothing further', () => {
    expect(ok('72%', 71.875)).toBe(true); // rounded
    expect(ok('19', 19.7)).toBe(true); // truncated
    expect(ok('19', 20)).toBe(false);
    expect(ok('71.0%', 71.875)).toBe(false); // 71.0 says one decimal
    expect(ok('-7.2', -7.26)).toBe(true);
    expect(ok('-7.2', -7.31)).toBe(false);
  });

  it('respects the significant figures of a K-suffixed value', () => {
    expect(ok('800K', 802_816)).toBe(true);
    expect(ok('229K', 229_400)).toBe(true);
    expect(ok('300K', 229_000)).toBe(false);
  });

  it('widens ~ to 5% (or one unit of the last digit) and reads 30+ as at least 30', () => {
    expect(ok('~40', 41.9)).toBe(true);
    expect(ok('~40', 43)).toBe(false);
    expect(ok('30+', 45)).toBe(true);
    expect(ok('30+', 29)).toBe(false);
  });

  it('overlaps intervals: a recomputed value carries the precision of its inputs', () => {
    expect(ok('-17.6', -17.7, -17.5)).toBe(true);
    expect(ok('-16.6', -17.7, -17.5)).toBe(false);
  });

  it('says which tolerance it applied, in the stated number’s own terms', () => {
    expect(agrees(q('800K'), { lo: 1e6, hi: 1e6 }).tolerance).toBe('rounded or truncated to 100K');
    expect(agrees(q('~40'), { lo: 50, hi: 50 }).tolerance).toBe('~40 is approximate (5% or one unit of its last digit, 1)');
    expect(agrees(q('30+'), { lo: 20, hi: 20 }).tolerance).toBe('30+ is a lower bound');
    expect(formatInterval({ lo: 4.9e9, hi: 5.1e9 }, q('5.0 GB'))).toBe('5.0 GB (4.90 GB to 5.10 GB from the precision of its terms)');
  });
});
