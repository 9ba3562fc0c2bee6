/**
 * What the diagnosis probes show of a learner's apply_rope at d_head = 64:
 *
 * - structure: the basis response at position 1 (row i: the output for e_i)
 *   splits the inputs into rotated pairs (two inputs sharing two outputs, the
 *   output slots assigned so that the 2x2 block is a proper rotation), inputs
 *   passed through to one output, and inputs mixed into more;
 * - angles: a vector with a 1 at the first input of every rotated pair, at
 *   t = 0..T-1 with the learner's tables: per pair the line through its
 *   unwrapped angle (phase, slope) and its mean length.
 *
 * Plain functions over typed arrays (kernels.ts style); the async probe calls
 * live in index.ts.
 */
import { fitLineF64, range, unwrappedAngles } from '../kernels.js';

export interface RotatedPair {
  /** Input dims, a < b. */
  a: number;
  b: number;
  /** Output slots: e_a lands as (cos, sin) in (outA, outB). */
  outA: number;
  outB: number;
}

export interface Structure {
  d: number;
  pairs: RotatedPair[];
  /** Inputs that land in exactly one output (unrotated, possibly moved). */
  still: Array<{ from: number; to: number }>;
  /** Inputs whose image is neither a pair's nor a single output. */
  mixed: number[];
}

/** Below this an entry of the basis response is zero (products with zero inputs are exactly zero in every precision). */
const ZERO = 1e-13;

/** The structure of the (d, d) response m (row i: output for e_i) at offset mo. */
export function structureOf(m: Float64Array, mo: number, d: number): Structure {
  const supports: number[][] = [];
  for (let i = 0; i < d; i++) {
    const s: number[] = [];
    for (let j = 0; j < d; j++) if (Math.abs(m[mo + i * d + j]!) > ZERO) s.push(j);
    supports.push(s);
  }
  const byKey = new Map<string, number[]>();
  const still: Structure['still'] = [];
  const mixed: number[] = [];
  for (let i = 0; i < d; i++) {
    const s = supports[i]!;
    if (s.length === 1) still.push({ from: i, to: s[0]! });
    else if (s.length === 2) {
      const key = s.join(',');
      const list = byKey.get(key) ?? [];
      list.push(i);
      byKey.set(key, list);
    } else mixed.push(i);
  }
  const pairs: RotatedPair[] = [];
  for (const [key, inputs] of byKey) {
    if (inputs.length !== 2) {
      mixed.push(...inputs);
      continue;
    }
    const [o1, o2] = key.split(',').map(Number) as [number, number];
    const [a, b] = inputs as [number, number];
    const at = (i: number, j: number) => m[mo + i * d + j]!;
    const det = at(a, o1) * at(b, o2) - at(a, o2) * at(b, o1);
    pairs.push(det > 0 ? { a, b, outA: o1, outB: o2 } : { a, b, outA: o2, outB: o1 });
  }
  pairs.sort((x, y) => x.a - y.a);
  mixed.sort((x, y) => x - y);
  return { d, pairs, still, mixed };
}

/** The angle probe's input: (T, d) with a 1 at every pair's first input, every row. */
export function pairInputs(T: number, d: number, pairs: RotatedPair[]): Float64Array {
  const x = new Float64Array(T * d);
  for (let t = 0; t < T; t++) for (const p of pairs) x[t * d + p.a] = 1;
  return x;
}

export interface PairAngles {
  phase: Float64Array;
  slope: Float64Array;
  /** Mean length of the rotated (1, 0) over t. */
  length: Float64Array;
}

/** Per pair: the line through its unwrapped angle over t (from the (T, d) answer y) and its mean length. */
export function pairAngles(y: Float64Array, T: number, d: number, pairs: RotatedPair[]): PairAngles {
  const n = pairs.length;
  const out: PairAngles = { phase: new Float64Array(n), slope: new Float64Array(n), length: new Float64Array(n) };
  const ts = range(T);
  const phi = new Float64Array(T);
  for (let k = 0; k < n; k++) {
    const p = pairs[k]!;
    unwrappedAngles(y, T, d, p.outA, p.outB, phi);
    const line = fitLineF64(ts, phi, T);
    out.phase[k] = line.a;
    out.slope[k] = line.b;
    let len = 0;
    for (let t = 0; t < T; t++) len += Math.hypot(y[t * d + p.outA]!, y[t * d + p.outB]!);
    out.length[k] = len / T;
  }
  return out;
}

/** How the rotated pairs take their inputs. */
export function pairingKind(s: Structure): { kind: 'interleaved' | 'split-half' | 'split-half-rotary' | 'other'; half?: number; example?: string } {
  const { d, pairs } = s;
  if (pairs.length === 0) return { kind: 'other' };
  if (pairs.every((p) => p.a % 2 === 0 && p.b === p.a + 1)) return { kind: 'interleaved' };
  if (pairs.every((p) => p.b === p.a + d / 2)) return { kind: 'split-half' };
  const h = pairs[0]!.b - pairs[0]!.a;
  const start = pairs[0]!.a;
  if (pairs.every((p, i) => p.b - p.a === h && p.a === start + i) && pairs.length === h) return { kind: 'split-half-rotary', half: h };
  const odd = pairs.find((p) => !(p.a % 2 === 0 && p.b === p.a + 1))!;
  return { kind: 'other', example: `e_${odd.a} at position 1 moves into index ${odd.a === odd.outA ? odd.outB : odd.outA}` };
}

/** Whether every rotated pair and still input stays in place (out[a], out[b] written at a, b). */
export function inPlace(s: Structure): boolean {
  return s.pairs.every((p) => p.outA === p.a && p.outB === p.b) && s.still.every((x) => x.from === x.to);
}
