import { describe, expect, it } from 'vitest';
import {
  argMaxAbsDiffF64,
  CONVENTION_CLOCKWISE,
  CONVENTION_LEAK,
  CONVENTION_OK,
  conventionScan,
  dotAt,
  firstNonFinite,
  firstRowDots,
  fitLineF64,
  gatherRowsF64,
  identityMatrix,
  matrixDiffAt,
  maxAbsAt,
  maxAbsDiffAt,
  maxRowNormGap,
  normAt,
  normScan,
  partnersAt,
  scaleRows,
  tileRows,
  unwrappedAngles,
} from '../../src/rope/kernels.js';
import { applyRope, Rng, tables } from '../../src/rope/reference.js';

/** Row r of a (rows, d) array as a plain number list (the row view the checks used before). */
const rowList = (a: Float64Array, r: number, d: number) => Array.from(a.subarray(r * d, (r + 1) * d));
const sumProducts = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);

describe('row kernels', () => {
  const T = 37;
  const d = 12;
  const x = new Rng(7).normals([T, d]).data;
  const y = new Rng(8).normals([T, d]).data;

  it('dot, norm, max abs and max abs diff over rows equal the same sums over row copies, bit for bit', () => {
    for (let r = 0; r < T; r++) {
      const a = rowList(x, r, d);
      const b = rowList(y, r, d);
      expect(dotAt(x, r * d, y, r * d, d)).toBe(sumProducts(a, b));
      expect(normAt(x, r * d, d)).toBe(Math.sqrt(sumProducts(a, a)));
      expect(maxAbsAt(x, r * d, d)).toBe(Math.max(...a.map(Math.abs)));
      expect(maxAbsDiffAt(x, r * d, y, r * d, d)).toBe(Math.max(...a.map((v, i) => Math.abs(v - b[i]!))));
    }
    expect(maxAbsAt(x, 0, 0)).toBe(0);
  });

  it('a NaN makes max abs and max abs diff Infinity; argMax points at the first largest difference', () => {
    const a = Float64Array.from([1, NaN, 3]);
    const b = Float64Array.from([1, 2, 0]);
    expect(maxAbsAt(a, 0, 3)).toBe(Infinity);
    expect(maxAbsDiffAt(a, 0, b, 0, 3)).toBe(Infinity);
    expect(argMaxAbsDiffF64(a, b, 3)).toBe(1);
    expect(argMaxAbsDiffF64(Float64Array.from([0, 5, 5]), Float64Array.from([0, 0, 0]), 3)).toBe(1);
    expect(argMaxAbsDiffF64(b, b, 3)).toBe(-1);
    expect(firstNonFinite(Float64Array.from([0, 1, Infinity, NaN]))).toBe(2);
    expect(firstNonFinite(b)).toBe(-1);
  });

  it('normScan: the worst relative row-norm error, and the first row over the bound', () => {
    const cos = tables(T, d);
    const rotated = applyRope({ shape: [T, d], data: x, dtype: 'float64' }, cos.cos, cos.sin).data;
    const ok = normScan(x, rotated, T, d, 1e-12);
    expect(ok.at).toBe(-1);
    let worst = 0;
    for (let t = 0; t < T; t++) {
      const n = normAt(x, t * d, d);
      worst = Math.max(worst, Math.abs(normAt(rotated, t * d, d) - n) / n);
    }
    expect(ok.worst).toBe(worst);
    const broken = rotated.slice();
    broken[5 * d + 3]! *= 1.5;
    broken[9 * d]! *= 2;
    const bad = normScan(x, broken, T, d, 1e-12);
    expect(bad.at).toBe(5);
    expect(bad.worst).toBeGreaterThan(1e-3);
    expect(maxRowNormGap(rotated, T, d, normAt(x, 0, d))).toBe(
      Math.max(...Array.from({ length: T }, (_, t) => Math.abs(normAt(rotated, t * d, d) - normAt(x, 0, d)))),
    );
  });

  it('tile, gather, scale rows and first-row dots', () => {
    const v = Float64Array.from([1, 2, 3]);
    expect(Array.from(tileRows(v, 2))).toEqual([1, 2, 3, 1, 2, 3]);
    const g = gatherRowsF64(Float64Array.from([0, 1, 10, 11, 20, 21]), 2, [2, 0, 2]);
    expect(Array.from(g)).toEqual([20, 21, 0, 1, 20, 21]);
    scaleRows(g, 2, [1, -1, 1]);
    expect(Array.from(g)).toEqual([20, 21, -0, -1, 20, 21]);
    const s = firstRowDots(x, T, d);
    for (let r = 0; r < T; r++) expect(s[r]).toBe(sumProducts(rowList(x, 0, d), rowList(x, r, d)) / d);
  });
});

describe('convention scan', () => {
  const d = 8;
  const at1 = (clockwise: boolean, splitHalf: boolean) => {
    const m = new Float64Array(d * d);
    const c = Math.cos(1);
    const s = Math.sin(1) * (clockwise ? -1 : 1);
    for (let p = 0; p < d / 2; p++) {
      const [i, j] = splitHalf ? [p, p + d / 2] : [2 * p, 2 * p + 1];
      m[i * d + i] = c;
      m[i * d + j] = s;
      m[j * d + i] = -s;
      m[j * d + j] = c;
    }
    return m;
  };

  it('passes interleaved counter-clockwise, names the first leak and the first clockwise pair', () => {
    const ok = conventionScan(at1(false, false), d);
    expect([ok.kind, ok.rotatedPairs]).toEqual([CONVENTION_OK, d / 2]);
    const cw = conventionScan(at1(true, false), d);
    expect([cw.kind, cw.i, cw.j, cw.rotatedPairs]).toEqual([CONVENTION_CLOCKWISE, 0, 1, 1]);
    const split = conventionScan(at1(false, true), d);
    expect([split.kind, split.i, split.j]).toEqual([CONVENTION_LEAK, 0, d / 2]);
    const still = conventionScan(identityMatrix(d), d);
    expect([still.kind, still.rotatedPairs]).toEqual([CONVENTION_OK, 0]);
  });

  it('partners and matrix differences over flat (d, d) blocks', () => {
    const m = at1(false, true);
    const partner = new Int32Array(d);
    partnersAt(m, 0, d, partner);
    expect(Array.from(partner)).toEqual([4, 5, 6, 7, 0, 1, 2, 3]);
    partnersAt(identityMatrix(d), 0, d, partner);
    expect(Array.from(partner)).toEqual(new Array(d).fill(-1));
    const both = new Float64Array(2 * d * d);
    both.set(m, d * d);
    expect(matrixDiffAt(both, d * d, m, 0, d, 1, false)).toBe(0);
    expect(matrixDiffAt(both, d * d, m, 0, d, 2, false)).toBe(Math.max(...Array.from(m, Math.abs)));
    // The transpose of a rotation is its inverse: sin changes sign.
    expect(matrixDiffAt(m, 0, m, 0, d, 1, true)).toBeCloseTo(2 * Math.sin(1), 15);
  });
});

describe('angle fit', () => {
  it('unwraps the angle of a pair and fits its line', () => {
    const T = 64;
    const width = 4;
    const x = new Float64Array(T * width);
    for (let t = 0; t < T; t++) {
      x[t * width + 2] = Math.cos(0.3 + 0.9 * t);
      x[t * width + 3] = Math.sin(0.3 + 0.9 * t);
    }
    const phi = new Float64Array(T);
    unwrappedAngles(x, T, width, 2, 3, phi);
    const ts = Float64Array.from({ length: T }, (_, t) => t);
    const line = fitLineF64(ts, phi, T);
    expect(line.a).toBeCloseTo(0.3, 12);
    expect(line.b).toBeCloseTo(0.9, 12);
    expect(line.maxResidual).toBeLessThan(1e-12);
  });
});
