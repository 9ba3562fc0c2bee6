import { describe, expect, it } from 'vitest';
import {
  applyRope,
  arr,
  bucketMeans,
  decayCurve,
  dot,
  frequencies,
  maxAbsDiff,
  norm,
  relativeError,
  rotateVector,
  rotationTolerance,
  Rng,
  row,
  tables,
} from '../../src/rope/reference.js';

describe('rope reference', () => {
  it('frequencies at d = 4 are [1, 0.01] (hand values)', () => {
    expect(Array.from(frequencies(4))).toEqual([1, 0.01]);
    const f = frequencies(8, 100);
    expect(f[1]).toBeCloseTo(Math.pow(100, -0.25), 15);
    expect(() => frequencies(5)).toThrow(/even/);
  });

  it('rotates d = 4 at t = 1 by theta = [1, 0.01] counter-clockwise', () => {
    const y = rotateVector([1, 0, 0, 1], 1);
    expect(y[0]).toBeCloseTo(Math.cos(1), 15);
    expect(y[1]).toBeCloseTo(Math.sin(1), 15); // counter-clockwise: e_0 turns towards e_1
    expect(y[2]).toBeCloseTo(-Math.sin(0.01), 15);
    expect(y[3]).toBeCloseTo(Math.cos(0.01), 15);
  });

  it('tables and applyRope agree with rotateVector, also for batched input', () => {
    const rng = new Rng(1);
    const x = rng.normals([2, 5, 8]);
    const { cos, sin } = tables(5, 8);
    expect(cos.shape).toEqual([5, 4]);
    const y = applyRope(x, cos, sin);
    expect(y.shape).toEqual([2, 5, 8]);
    for (let b = 0; b < 2; b++) {
      for (let t = 0; t < 5; t++) {
        const xr = x.data.subarray((b * 5 + t) * 8, (b * 5 + t + 1) * 8);
        expect(maxAbsDiff(y.data.subarray((b * 5 + t) * 8, (b * 5 + t + 1) * 8), rotateVector(xr, t))).toBeLessThan(1e-15);
      }
    }
    expect(() => applyRope(arr([3, 8], new Float64Array(24)), cos, sin)).toThrow(/do not fit/);
  });

  it("has the lab's properties: identity at 0, norm, composition, relative position", () => {
    const rng = new Rng(0);
    const q = rng.normals([16]).data;
    const k = rng.normals([16]).data;
    expect(maxAbsDiff(rotateVector(q, 0), q)).toBe(0);
    for (const p of [1, 5, 100, 4096]) expect(Math.abs(norm(rotateVector(q, p)) - norm(q))).toBeLessThan(1e-13);
    expect(maxAbsDiff(rotateVector(rotateVector(q, 3), 7), rotateVector(q, 10))).toBeLessThan(1e-14);
    for (const [m, n] of [[0, 1], [3, 7], [5, 5], [10, 12], [20, 8]] as const) {
      const lhs = dot(rotateVector(q, m), rotateVector(k, n));
      const rhs = dot(q, rotateVector(k, n - m));
      expect(Math.abs(lhs - rhs)).toBeLessThan(1e-13);
    }
    const { cos, sin } = tables(32, 16);
    expect(maxAbsDiff(row(cos, 0), new Float64Array(8).fill(1))).toBe(0);
    expect(relativeError(row(sin, 1), Float64Array.from(frequencies(16), Math.sin))).toBe(0);
  });

  it('decay curve matches RESEARCH.md: s(1) near 0.96, bucket means fall at d = 128', () => {
    const s = decayCurve(128, 4095);
    expect(s[0]).toBe(1);
    expect(s[1]!).toBeGreaterThan(0.9);
    expect(s[1]!).toBeLessThan(0.98);
    const means = bucketMeans(s);
    expect(means).toHaveLength(12);
    for (let j = 1; j < means.length; j++) expect(means[j]!).toBeLessThan(means[j - 1]!);
  });

  it('scales tolerances with dtype and position', () => {
    expect(rotationTolerance('float64', 4096)).toBeLessThan(1e-11);
    expect(rotationTolerance('float64', 4096)).toBeGreaterThan(1.8e-12);
    expect(rotationTolerance('float32', 4096)).toBeGreaterThan(1e-3);
    expect(rotationTolerance('float32', 31)).toBeLessThan(1e-4);
    expect(rotationTolerance('float64', 31)).toBeLessThan(1e-13);
  });

  it('draws the same normals for the same seed', () => {
    expect(Array.from(new Rng(3).normals([4]).data)).toEqual(Array.from(new Rng(3).normals([4]).data));
    expect(Array.from(new Rng(3).normals([4]).data)).not.toEqual(Array.from(new Rng(4).normals([4]).data));
  });

  it('hands out the per-process tables and decay curve as copies equal to a fresh computation', () => {
    const first = tables(40, 16);
    first.cos.data.fill(7);
    first.sin.data[3] = 9;
    const again = tables(40, 16);
    const fresh = tables(40, 16, 10000, Float64Array.from({ length: 40 }, (_, t) => t)); // explicit positions: never cached
    expect(Array.from(again.cos.data)).toEqual(Array.from(fresh.cos.data));
    expect(Array.from(again.sin.data)).toEqual(Array.from(fresh.sin.data));
    const s = decayCurve(16, 63);
    s.fill(0);
    expect(decayCurve(16, 63)[0]).toBe(1);
  });

  it('serves large draws from the per-process cache exactly as a fresh generator would, as independent copies', () => {
    // Reference: the same draws one normal at a time (never cached).
    const fresh = new Rng(77);
    const expected = Array.from({ length: 2 * 301 * 3 + 5 }, () => fresh.normal());
    for (let round = 0; round < 2; round++) {
      const rng = new Rng(77);
      const a = rng.normals([301, 3]); // odd count: leaves a spare draw
      const b = rng.normals([3, 301]);
      const c = rng.normals([5]);
      expect([...a.data, ...b.data, ...c.data]).toEqual(expected);
      a.data[0] = 1234; // mutating one copy must not leak into the next submission's inputs
    }
  });
});
