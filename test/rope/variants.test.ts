/**
 * The variant catalogue's frequency models and the precision estimator, on
 * frequencies and tables built the way real code builds them: each fit must
 * name its own variant with the parameters that made it, and nothing else.
 */
import { describe, expect, it } from 'vitest';
import { coarser, precisionBound, storageFormat, UNIT_ROUNDOFF } from '../../src/rope/precision.js';
import { frequencies } from '../../src/rope/reference.js';
import { catalogue, entry, fill } from '../../src/rope/variants/catalogue.js';
import { fitFrequencies, fitLlama3, fitYarn } from '../../src/rope/variants/models.js';

const d = 64;
const theta = frequencies(d);
const index = Array.from(theta, (_, k) => k);
const ctx = { T: 64, dependsOnT: false };

/** Llama 3.1's apply_scaling (factor 8, low 1, high 4, context 8192). */
function llama31(t: Float64Array): Float64Array {
  return t.map((f) => {
    const w = (2 * Math.PI) / f;
    if (w < 8192 / 4) return f;
    if (w > 8192) return f / 8;
    const smooth = (8192 / w - 1) / 3;
    return ((1 - smooth) * f) / 8 + smooth * f;
  });
}

/** HF's YaRN inv_freq (factor 4, ramp over pairs low..high). */
function yarn(t: Float64Array, low: number, high: number): Float64Array {
  return t.map((f, k) => {
    const ramp = Math.min(1, Math.max(0, (k - low) / (high - low)));
    return (f / 4) * ramp + f * (1 - ramp);
  });
}

describe('frequency models', () => {
  it('says nothing about the lab frequencies', () => {
    expect(fitFrequencies(theta, index, d, 10000, ctx)).toBeUndefined();
  });

  it('names Llama 3.1 scaling with its factor and wavelengths, not a power law', () => {
    const fit = fitFrequencies(llama31(theta), index, d, 10000, ctx)!;
    expect(fit.id).toBe('llama3-scaling');
    expect(fit.params).toMatchObject({ factor: 8, context: 8192, lowFactor: 1, highFactor: 4 });
    expect(fit.residual).toBeLessThan(1e-9);
    expect(fitLlama3(theta, d, 10000)).toBeUndefined();
  });

  it('names YaRN with its factor and ramp', () => {
    const fit = fitFrequencies(yarn(theta, 10, 23), index, d, 10000, ctx)!;
    expect(fit.id).toBe('yarn');
    expect(fit.params).toMatchObject({ factor: 4, low: 'pair 10', high: 'pair 23' });
    expect(fitYarn(llama31(theta), d, 10000)?.residual ?? Infinity).toBeGreaterThan(fitLlama3(llama31(theta), d, 10000)!.residual);
  });

  it('names NTK-aware base scaling with its factor, and a plain wrong exponent as an exponent', () => {
    const ntk = frequencies(d, 10000 * 4 ** (d / (d - 2)));
    expect(fitFrequencies(ntk, index, d, 10000, ctx)).toMatchObject({ id: 'ntk-aware', params: { factor: 4 } });
    const fourI = Float64Array.from(index, (k) => 10000 ** ((-4 * k) / d));
    const fit = fitFrequencies(fourI, index, d, 10000, ctx)!;
    expect(fit.id).toBe('frequency-formula');
    expect(String(fit.params.described)).toContain('base^(-4i/d)');
  });

  it('names linear interpolation, degrees and positions divided by T by their scale', () => {
    expect(fitFrequencies(theta.map((t) => t / 2), index, d, 10000, ctx)).toMatchObject({ id: 'linear-interpolation', params: { factor: '2' } });
    expect(fitFrequencies(theta.map((t) => (t * Math.PI) / 180), index, d, 10000, ctx)).toMatchObject({ id: 'positions-scaled', params: { kind: 'degrees' } });
    expect(fitFrequencies(theta.map((t) => t / 64), index, d, 10000, { T: 64, dependsOnT: true })).toMatchObject({ id: 'positions-scaled', params: { kind: 'divided-by-T' } });
  });

  it('names frequencies computed over the rotated dims only', () => {
    const r = 16;
    const over = Float64Array.from({ length: r / 2 }, (_, k) => 10000 ** ((-2 * k) / r));
    expect(fitFrequencies(over, Array.from(over, (_, k) => k), d, 10000, ctx)).toMatchObject({ id: 'frequencies-rotary-dims', params: { r: 16, d: 64 } });
  });

  it('tolerates the slope noise of low-precision tables and says so when nothing fits', () => {
    const noisy = theta.map((t, k) => t + (k % 2 ? 1 : -1) * 2e-7);
    expect(fitFrequencies(noisy, index, d, 10000, { ...ctx, slack: 8 * UNIT_ROUNDOFF.bfloat16 / 64 })).toBeUndefined();
    const random = Float64Array.from(index, (k) => [0.3, 0.9, 0.01, 0.5][k % 4]!);
    expect(fitFrequencies(random, index, d, 10000, ctx)?.unexplained).toBe(true);
  });
});

describe('precision estimator', () => {
  it('finds the smallest format holding the values', () => {
    expect(storageFormat(Float64Array.of(0.1, Math.PI))).toBe('float64');
    expect(storageFormat(Float64Array.of(Math.fround(0.1), Math.fround(Math.PI)))).toBe('float32');
    // 8 significant bits: bfloat16 (they fit float16 too; the coarser mantissa names the rounding).
    expect(storageFormat(Float64Array.of(0.5, 0.75, 1.5, 0.00390625 * 3))).toBe('bfloat16');
    // 11 significant bits: float16 only.
    expect(storageFormat(Float64Array.of(1 + 2 ** -10, 0.5))).toBe('float16');
    expect(coarser('float32', 'bfloat16')).toBe('bfloat16');
  });

  it('bounds rounding by the format and the angle: float32 angles grow with the position', () => {
    expect(precisionBound('float32', 255)).toBeGreaterThan(4.5e-5);
    expect(precisionBound('float32', 0)).toBeLessThan(1e-5);
    expect(precisionBound('float64', 4095)).toBeLessThan(1e-11);
    expect(precisionBound('bfloat16', 0)).toBeGreaterThan(2 * UNIT_ROUNDOFF.bfloat16);
  });
});

describe('variant catalogue', () => {
  it('has a text, the kinds it explains and a model for every variant, and fills its placeholders', () => {
    for (const e of catalogue().values()) {
      expect(e.explains.length, e.id).toBeGreaterThan(0);
      for (const kind of e.explains) expect(kind, e.id).toMatch(/^rope-/);
    }
    expect(fill(entry('partial-rotary').text, { fraction: 0.25, where: 'the first 16 of the 64 dims', d: 64, rotatedPairs: 8, pairs: 32 })).toMatch(/^rotary fraction 0.25: only the first 16 of the 64 dims are rotated/);
    // A variant that keeps norms and leaves position 0 alone explains no norm or identity failure.
    expect(entry('partial-rotary').explains).not.toContain('rope-norm');
    expect(entry('split-half').explains).toEqual(['rope-convention', 'rope-reference']);
  });
});
