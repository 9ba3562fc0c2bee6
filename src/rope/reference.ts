/**
 * The float64 RoPE reference every code check is judged against.
 *
 * Convention (the lab's, RoFormer's, Meta LLaMA's): interleaved pairs
 * `(x[2i], x[2i+1])` at position `t` are rotated counter-clockwise by the
 * angle `t * theta_i`, with `theta_i = base^(-2i/d)`:
 *
 *   y[2i]   = x[2i] cos(t theta_i) - x[2i+1] sin(t theta_i)
 *   y[2i+1] = x[2i] sin(t theta_i) + x[2i+1] cos(t theta_i)
 *
 * Arrays are row-major `Float64Array`s with an explicit shape, like NumPy's.
 */

import { markShared } from '../runner/refs.js';
import { argMaxAbsDiffF64, dotAt, gatherRowsF64, maxAbsAt, maxAbsDiffAt, range } from './kernels.js';

export const DEFAULT_BASE = 10000;

/** A real array in float64 with its NumPy shape and the dtype the learner produced (`float64` for ours). */
export interface Arr {
  shape: number[];
  data: Float64Array;
  dtype: string;
}

export function arr(shape: number[], data: Float64Array | number[], dtype = 'float64'): Arr {
  const values = toF64(data);
  if (values.length !== size(shape)) throw new Error(`shape (${shape.join(', ')}) does not hold ${values.length} values`);
  return { shape: [...shape], data: values, dtype };
}

export function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** `theta_i = base^(-2i/d)` for `i = 0 .. d/2 - 1`. */
export function frequencies(d: number, base = DEFAULT_BASE): Float64Array {
  if (!Number.isInteger(d) || d <= 0 || d % 2 !== 0) throw new Error(`d_head must be a positive even integer, got ${d}`);
  const out = new Float64Array(d / 2);
  for (let i = 0; i < d / 2; i++) out[i] = Math.pow(base, (-2 * i) / d);
  return out;
}

export interface Tables {
  /** (T, d/2) */
  cos: Arr;
  /** (T, d/2) */
  sin: Arr;
}

/** `cos(t theta_i)` and `sin(t theta_i)` for positions `0..T-1` (or the given positions), shape (T, d/2). */
export function tables(T: number, d: number, base = DEFAULT_BASE, positions?: ArrayLike<number>): Tables {
  if (positions !== undefined) return computeTables(T, d, base, positions);
  // Positions 0..T-1 depend only on (T, d, base): computed once per process, handed out as copies.
  const key = `${T}:${d}:${base}`;
  let cached = tablesCache.get(key);
  if (cached === undefined) {
    cached = computeTables(T, d, base);
    if (tablesCache.size >= 64) tablesCache.clear();
    tablesCache.set(key, cached);
  }
  return { cos: arr(cached.cos.shape, cached.cos.data.slice()), sin: arr(cached.sin.shape, cached.sin.data.slice()) };
}

const tablesCache = new Map<string, Tables>();

function computeTables(T: number, d: number, base: number, positions?: ArrayLike<number>): Tables {
  const theta = frequencies(d, base);
  const pos = positions === undefined ? range(T) : toF64(positions);
  const rows = pos.length;
  const half = d / 2;
  const cos = new Float64Array(rows * half);
  const sin = new Float64Array(rows * half);
  for (let t = 0; t < rows; t++) {
    for (let i = 0; i < half; i++) {
      const angle = pos[t]! * theta[i]!;
      cos[t * half + i] = Math.cos(angle);
      sin[t * half + i] = Math.sin(angle);
    }
  }
  return { cos: arr([rows, half], cos), sin: arr([rows, half], sin) };
}

/**
 * Rotates `x` shaped (..., T, d) with tables shaped (T, d/2): interleaved
 * pairs, counter-clockwise. Leading dimensions broadcast over the tables.
 */
export function applyRope(x: Arr, cos: Arr, sin: Arr): Arr {
  const d = x.shape[x.shape.length - 1] ?? 0;
  const T = x.shape[x.shape.length - 2] ?? 1;
  const half = d / 2;
  if (x.shape.length < 2 || d % 2 !== 0) throw new Error(`expected x shaped (..., T, d) with even d, got (${x.shape.join(', ')})`);
  if (cos.shape[0] !== T || cos.shape[1] !== half || sin.shape[0] !== T || sin.shape[1] !== half) {
    throw new Error(`tables of shape (${cos.shape.join(', ')}) do not fit x of shape (${x.shape.join(', ')})`);
  }
  const xd = x.data;
  const cd = cos.data;
  const sd = sin.data;
  const out = new Float64Array(xd.length);
  const batches = xd.length / (T * d);
  for (let b = 0; b < batches; b++) {
    for (let t = 0; t < T; t++) {
      const row = (b * T + t) * d;
      for (let i = 0; i < half; i++) {
        const c = cd[t * half + i]!;
        const s = sd[t * half + i]!;
        const x0 = xd[row + 2 * i]!;
        const x1 = xd[row + 2 * i + 1]!;
        out[row + 2 * i] = x0 * c - x1 * s;
        out[row + 2 * i + 1] = x0 * s + x1 * c;
      }
    }
  }
  return arr(x.shape, out);
}

/** `R_t x` for one vector at one (possibly negative or fractional) position. */
export function rotateVector(x: ArrayLike<number>, position: number, base = DEFAULT_BASE): Float64Array {
  const d = x.length;
  const theta = frequencies(d, base);
  const out = new Float64Array(d);
  for (let i = 0; i < d / 2; i++) {
    const c = Math.cos(position * theta[i]!);
    const s = Math.sin(position * theta[i]!);
    out[2 * i] = x[2 * i]! * c - x[2 * i + 1]! * s;
    out[2 * i + 1] = x[2 * i]! * s + x[2 * i + 1]! * c;
  }
  return out;
}

// ---- small linear algebra -------------------------------------------------

/** The values as a `Float64Array` (the array itself when it is one), so the kernels see one type. */
export function toF64(a: ArrayLike<number>): Float64Array {
  return a instanceof Float64Array ? a : Float64Array.from(a);
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`dot of vectors of length ${a.length} and ${b.length}`);
  return dotAt(toF64(a), 0, toF64(b), 0, a.length);
}

export function norm(a: ArrayLike<number>): number {
  return Math.sqrt(dot(a, a));
}

/** Largest absolute value (0 for an empty array; Infinity when any value is not finite). */
export function maxAbs(a: ArrayLike<number>): number {
  return maxAbsAt(toF64(a), 0, a.length);
}

/** max |a - b| elementwise; Infinity when a value is not finite or the lengths differ. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  return maxAbsDiffAt(toF64(a), 0, toF64(b), 0, a.length);
}

/** Index of the largest |a - b| (first one), or -1 when equal. */
export function argMaxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return argMaxAbsDiffF64(toF64(a), toF64(b), Math.min(a.length, b.length));
}

/** ||a - b|| / ||b|| (absolute difference when b is zero). */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let num = 0;
  for (let i = 0; i < a.length; i++) num += (a[i]! - b[i]!) ** 2;
  const den = norm(b);
  return den > 0 ? Math.sqrt(num) / den : Math.sqrt(num);
}

/** Row `t` of a 2-D array (a view). */
export function row(a: Arr, t: number): Float64Array {
  const width = a.shape[a.shape.length - 1]!;
  return a.data.subarray(t * width, (t + 1) * width);
}

/** Rows of a 2-D array gathered at the given indices. */
export function gatherRows(a: Arr, indices: readonly number[]): Arr {
  const width = a.shape[1]!;
  return arr([indices.length, width], gatherRowsF64(a.data, width, indices), a.dtype);
}

// ---- deterministic random inputs -------------------------------------------

/** Arrays smaller than this are drawn afresh: cheaper than a cache lookup. */
const NORMALS_CACHE_MIN = 256;
/** At most this many cached draws (8 bytes each) per process; the cache starts over beyond it. */
const NORMALS_CACHE_MAX_VALUES = 4_000_000;
const normalsCache = new Map<string, { data: Float64Array; state: number; spare: number | undefined }>();
let normalsCacheValues = 0;

/** A small seeded generator (mulberry32) with standard normal draws (Box-Muller). */
export class Rng {
  private state: number;
  private spare: number | undefined;

  constructor(seed: number) {
    this.state = (seed >>> 0) ^ 0x9e3779b9;
  }

  uniform(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  normal(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /**
   * Standard normal draws shaped `shape`. The draws depend only on the
   * generator's state, so they are kept per process (keyed by that state and
   * the shape) and every batch submission after the first gets a fresh copy
   * instead of recomputing them; the generator ends in the same state either way.
   */
  normals(shape: number[]): Arr {
    const n = size(shape);
    if (n < NORMALS_CACHE_MIN) return arr(shape, this.draw(n));
    const key = `${this.state}:${this.spare ?? ''}:${shape.join(',')}`;
    let hit = normalsCache.get(key);
    if (hit === undefined) {
      const data = this.draw(n);
      hit = { data, state: this.state, spare: this.spare };
      if (normalsCacheValues + n > NORMALS_CACHE_MAX_VALUES) {
        normalsCache.clear();
        normalsCacheValues = 0;
      }
      normalsCache.set(key, hit);
      normalsCacheValues += n;
    } else {
      this.state = hit.state;
      this.spare = hit.spare;
    }
    // A copy per caller; marked as the same input for every submission (a fork server loads it once).
    return arr(shape, markShared(hit.data.slice(), `normals:${key}`));
  }

  private draw(n: number): Float64Array {
    const data = new Float64Array(n);
    for (let i = 0; i < n; i++) data[i] = this.normal();
    return data;
  }

  int(lo: number, hi: number): number {
    return lo + Math.floor(this.uniform() * (hi - lo + 1));
  }
}

// ---- float precision -------------------------------------------------------

/** Machine epsilon of a NumPy floating dtype (float64 for unknown names). */
export function epsilonOf(dtype: string): number {
  if (dtype === 'bfloat16') return 7.81e-3;
  if (dtype === 'float16') return 9.77e-4;
  if (dtype === 'float32') return 1.19e-7;
  return 2.22e-16;
}

/**
 * Tolerance for a rotated value relative to the size of the input, for
 * positions up to `maxPosition`: the angle `t * theta_0` carries an error of
 * about eps * t, so the error grows with the position (float32 angles: about
 * 1e-3 at t = 4096; float64: about 2e-12).
 */
export function rotationTolerance(dtype: string, maxPosition: number): number {
  const eps = epsilonOf(dtype);
  return 8 * eps * (Math.abs(maxPosition) + 1) + 64 * eps;
}

// ---- long-term decay probe (RESEARCH.md section 1) -------------------------

/** s(r) = mean_k cos(r theta_k): the score of the all-ones vector against itself at distance r, divided by d. */
export function decayCurve(d: number, maxDistance: number, base = DEFAULT_BASE): Float64Array {
  const key = `${d}:${maxDistance}:${base}`;
  let cached = decayCache.get(key);
  if (cached === undefined) {
    cached = computeDecayCurve(d, maxDistance, base);
    if (decayCache.size >= 64) decayCache.clear();
    decayCache.set(key, cached);
  }
  return cached.slice();
}

const decayCache = new Map<string, Float64Array>();

function computeDecayCurve(d: number, maxDistance: number, base: number): Float64Array {
  const theta = frequencies(d, base);
  const out = new Float64Array(maxDistance + 1);
  for (let r = 0; r <= maxDistance; r++) {
    let s = 0;
    for (const th of theta) s += Math.cos(r * th);
    out[r] = s / theta.length;
  }
  return out;
}

/** Means of s(r) over log-spaced buckets [2^j, 2^(j+1)) for r in 1..s.length-1 (full buckets only). */
export function bucketMeans(s: ArrayLike<number>): number[] {
  const means: number[] = [];
  for (let lo = 1; lo * 2 <= s.length; lo *= 2) {
    let sum = 0;
    for (let r = lo; r < lo * 2; r++) sum += s[r]!;
    means.push(sum / lo);
  }
  return means;
}
