/**
 * The numeric judgement of the RoPE checks as small, plain functions over
 * `Float64Array`s plus offsets and dimensions (row-major (rows, width)
 * arrays): no row views, no closures, no allocation per row, and always the
 * same argument types, so V8 optimises each of them once per thread instead
 * of recompiling the async check bodies that call them (docs/performance.md,
 * "Compiler, heap and page faults").
 *
 * Every function sums and compares in the same order as the generic helpers
 * of reference.ts did over row views, so results are bit-identical.
 */

/** sum_i a[ao + i] * b[bo + i] for i < n, summed from i = 0. */
export function dotAt(a: Float64Array, ao: number, b: Float64Array, bo: number, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[ao + i]! * b[bo + i]!;
  return s;
}

/** Euclidean norm of a[ao .. ao + n). */
export function normAt(a: Float64Array, ao: number, n: number): number {
  return Math.sqrt(dotAt(a, ao, a, ao, n));
}

/** Largest |a[ao + i]| (0 when n = 0; Infinity when a value is NaN). */
export function maxAbsAt(a: Float64Array, ao: number, n: number): number {
  let m = 0;
  for (let i = 0; i < n; i++) {
    const v = Math.abs(a[ao + i]!);
    if (!(v <= m)) m = Number.isNaN(v) ? Infinity : v;
  }
  return m;
}

/** Largest |a[ao + i] - b[bo + i]| (Infinity when a difference is NaN). */
export function maxAbsDiffAt(a: Float64Array, ao: number, b: Float64Array, bo: number, n: number): number {
  let m = 0;
  for (let i = 0; i < n; i++) {
    const v = Math.abs(a[ao + i]! - b[bo + i]!);
    if (!(v <= m)) m = Number.isNaN(v) ? Infinity : v;
  }
  return m;
}

/** Index of the first largest |a[i] - b[i]|, i < n (a NaN difference counts when nothing larger came first), or -1 when equal. */
export function argMaxAbsDiffF64(a: Float64Array, b: Float64Array, n: number): number {
  let m = 0;
  let at = -1;
  for (let i = 0; i < n; i++) {
    const v = Math.abs(a[i]! - b[i]!);
    if (v > m || (Number.isNaN(v) && at === -1)) {
      m = Number.isNaN(v) ? Infinity : v;
      at = i;
    }
  }
  return at;
}

/** Index of the first value that is not finite, or -1. */
export function firstNonFinite(a: Float64Array): number {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) return i;
  return -1;
}

/** `rows` copies of v[0 .. width) stacked into a (rows, width) array. */
export function tileRows(v: Float64Array, rows: number): Float64Array {
  const width = v.length;
  const out = new Float64Array(rows * width);
  for (let r = 0; r < rows; r++) out.set(v, r * width);
  return out;
}

/** Rows of a (?, width) array gathered at the given row indices into a new (indices.length, width) array. */
export function gatherRowsF64(a: Float64Array, width: number, indices: readonly number[]): Float64Array {
  const out = new Float64Array(indices.length * width);
  for (let r = 0; r < indices.length; r++) {
    const t = indices[r]!;
    out.set(a.subarray(t * width, (t + 1) * width), r * width);
  }
  return out;
}

/** Multiplies row r of a (rows, width) array by signs[r], in place. */
export function scaleRows(a: Float64Array, width: number, signs: readonly number[]): void {
  for (let r = 0; r < signs.length; r++) {
    const s = signs[r]!;
    const o = r * width;
    for (let i = 0; i < width; i++) a[o + i] = s * a[o + i]!;
  }
}

/** The (d, d) identity. */
export function identityMatrix(d: number): Float64Array {
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) out[i * d + i] = 1;
  return out;
}

/** Where a row scan stopped: the first row over the bound (or -1) and the worst error up to it. */
export class RowScan {
  at = -1;
  worst = 0;
}

/**
 * rope-norm's judgement over two (T, d) arrays x and y: the relative error
 * |‖y_t‖ - ‖x_t‖| / ‖x_t‖ row by row; stops at the first row whose error is
 * not within tol. `worst` is the largest error seen (NaN once one is NaN).
 */
export function normScan(x: Float64Array, y: Float64Array, T: number, d: number, tol: number): RowScan {
  const scan = new RowScan();
  let worst = 0;
  for (let t = 0; t < T; t++) {
    const n = normAt(x, t * d, d);
    const rel = Math.abs(normAt(y, t * d, d) - n) / n;
    worst = Math.max(worst, rel);
    if (!(rel <= tol)) {
      scan.at = t;
      break;
    }
  }
  scan.worst = worst;
  return scan;
}

/** max_t | ‖a_t‖ - target | over the rows of a (rows, d) array. */
export function maxRowNormGap(a: Float64Array, rows: number, d: number, target: number): number {
  let m = 0;
  for (let t = 0; t < rows; t++) m = Math.max(m, Math.abs(normAt(a, t * d, d) - target));
  return m;
}

/** s(r) = <y_0, y_r> / d for every row r of a (T, d) array. */
export function firstRowDots(y: Float64Array, T: number, d: number): Float64Array {
  const s = new Float64Array(T);
  for (let r = 0; r < T; r++) s[r] = dotAt(y, 0, y, r * d, d) / d;
  return s;
}

/** What rope-convention's scan of one (d, d) basis response found. */
export const CONVENTION_OK = 0;
/** e_i moved into an index j that is neither i nor its partner i^1. */
export const CONVENTION_LEAK = 1;
/** e_{2i} gained a negative component in 2i+1 (clockwise). */
export const CONVENTION_CLOCKWISE = 2;

export class ConventionScan {
  kind = CONVENTION_OK;
  i = 0;
  j = 0;
  rotatedPairs = 0;
}

/**
 * Scans the response m (row i: the output for e_i) of a (d, d) basis probe:
 * the first row that leaks into an index other than itself and its partner
 * (above 1e-9), or the first even row that turns clockwise; counts the even
 * rows whose partner component exceeds 1e-12 up to where it stopped.
 */
export function conventionScan(m: Float64Array, d: number): ConventionScan {
  const scan = new ConventionScan();
  for (let i = 0; i < d; i++) {
    const o = i * d;
    const partner = i ^ 1;
    for (let j = 0; j < d; j++) {
      if (j !== i && j !== partner && Math.abs(m[o + j]!) > 1e-9) {
        scan.kind = CONVENTION_LEAK;
        scan.i = i;
        scan.j = j;
        return scan;
      }
    }
    if (i % 2 === 0 && Math.abs(m[o + partner]!) > 1e-12) {
      scan.rotatedPairs++;
      if (m[o + partner]! < 0) {
        scan.kind = CONVENTION_CLOCKWISE;
        scan.i = i;
        scan.j = partner;
        return scan;
      }
    }
  }
  return scan;
}

/** A least-squares line y = a + b x and its largest residual. */
export interface Line {
  a: number;
  b: number;
  maxResidual: number;
}

/** Least-squares line through (xs[i], ys[i]), i < n; means summed from i = 0. */
export function fitLineF64(xs: Float64Array, ys: Float64Array, n: number): Line {
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < n; i++) sx += xs[i]!;
  for (let i = 0; i < n; i++) sy += ys[i]!;
  const mx = sx / n;
  const my = sy / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
  }
  const b = sxx > 0 ? sxy / sxx : 0;
  const a = my - b * mx;
  let maxResidual = 0;
  for (let i = 0; i < n; i++) maxResidual = Math.max(maxResidual, Math.abs(ys[i]! - (a + b * xs[i]!)));
  return { a, b, maxResidual };
}

/**
 * The angle of the pair (column ca, column cb) of a (T, width) array at
 * every row, unwrapped (each within pi of the one before), into phi[0 .. T).
 */
export function unwrappedAngles(x: Float64Array, T: number, width: number, ca: number, cb: number, phi: Float64Array): void {
  for (let t = 0; t < T; t++) {
    let angle = Math.atan2(x[t * width + cb]!, x[t * width + ca]!);
    if (t > 0) {
      const prev = phi[t - 1]!;
      while (angle - prev > Math.PI) angle -= 2 * Math.PI;
      while (angle - prev < -Math.PI) angle += 2 * Math.PI;
    }
    phi[t] = angle;
  }
}

/**
 * The input of the angle probe: a (T, d) array with a 1 in the first column
 * of every pair at every row (pairs (2i, 2i+1) when interleaved, else (i, i + d/2)).
 */
export function pairStarts(T: number, d: number, interleaved: boolean): Float64Array {
  const x = new Float64Array(T * d);
  for (let t = 0; t < T; t++) for (let i = 0; i < d / 2; i++) x[t * d + (interleaved ? 2 * i : i)] = 1;
  return x;
}

/**
 * For each pair i of a (T, d) answer (pairs as in pairStarts): the line
 * through its unwrapped angle over t = 0..T-1, phase into phases[i] and
 * slope into slopes[i].
 */
export function pairLines(y: Float64Array, T: number, d: number, interleaved: boolean, phases: Float64Array, slopes: Float64Array): void {
  const ts = range(T);
  const phi = new Float64Array(T);
  const half = d / 2;
  for (let i = 0; i < half; i++) {
    unwrappedAngles(y, T, d, interleaved ? 2 * i : i, interleaved ? 2 * i + 1 : i + half, phi);
    const line = fitLineF64(ts, phi, T);
    phases[i] = line.a;
    slopes[i] = line.b;
  }
}

/** Positions 0 .. n-1 as doubles. */
export function range(n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}

/**
 * max over rows i, j < d of |a[ao + i d + j] - s * b[bo + i d + j]| (b read
 * transposed, b[bo + j d + i], when `transposeB`): two (d, d) matrices.
 */
export function matrixDiffAt(a: Float64Array, ao: number, b: Float64Array, bo: number, d: number, scaleB: number, transposeB: boolean): number {
  let m = 0;
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      const bij = (transposeB ? b[bo + j * d + i]! : b[bo + i * d + j]!) * scaleB;
      m = Math.max(m, Math.abs(a[ao + i * d + j]! - bij));
    }
  }
  return m;
}

/**
 * For each row i of a (d, d) matrix at offset ao: the column j != i with the
 * largest |value| (the first such), or -1 when every |value| off i is at most
 * 1e-12; into partner[0 .. d).
 */
export function partnersAt(a: Float64Array, ao: number, d: number, partner: Int32Array): void {
  for (let i = 0; i < d; i++) {
    const o = ao + i * d;
    let best = -1;
    let bestAbs = 0;
    for (let j = 0; j < d; j++) {
      if (j !== i && Math.abs(a[o + j]!) > bestAbs) {
        bestAbs = Math.abs(a[o + j]!);
        best = j;
      }
    }
    partner[i] = bestAbs > 1e-12 ? best : -1;
  }
}
