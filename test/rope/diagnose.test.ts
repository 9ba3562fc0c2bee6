import { describe, expect, it } from 'vitest';
import { describeFrequencies, fitLine } from '../../src/rope/diagnose.js';
import { frequencies } from '../../src/rope/reference.js';

describe('diagnosis helpers', () => {
  it('fits a line exactly through collinear points', () => {
    const { a, b, maxResidual } = fitLine([0, 1, 2, 3], [1, 3, 5, 7]);
    expect(a).toBeCloseTo(1, 12);
    expect(b).toBeCloseTo(2, 12);
    expect(maxResidual).toBeLessThan(1e-12);
  });

  it('says nothing about correct frequencies', () => {
    expect(describeFrequencies(frequencies(64), 64)).toBeUndefined();
    expect(describeFrequencies(frequencies(64, 500), 64, 500)).toBeUndefined();
  });

  it('names the fitted exponent, base and scale of wrong frequencies', () => {
    const iOverD = Float64Array.from({ length: 32 }, (_, i) => 10000 ** (-i / 64));
    expect(describeFrequencies(iOverD, 64)).toMatch(/base\^\(-i\/d\).*exponent 1·i\/d.*base 100 with 2i\/d/);
    const wrongBase = frequencies(64, 100000);
    expect(describeFrequencies(wrongBase, 64)).toMatch(/exponent 2\.5·i\/d.*base 1\.00e\+5 with 2i\/d/);
    const degrees = frequencies(64).map((t) => (t * Math.PI) / 180);
    expect(describeFrequencies(degrees, 64)).toContain('theta_0 = 0.01745 = pi/180 (degrees)');
    const halfZero = frequencies(16).map((t, i) => (i < 4 ? t : 0));
    expect(describeFrequencies(halfZero, 16)).toContain('4 of the 8 frequencies are zero');
  });
});
