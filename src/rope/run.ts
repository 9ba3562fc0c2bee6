/**
 * The frame every RoPE code check runs in: defaults, the learner session,
 * and the diagnosis attached to any outcome that does not pass.
 */
import type { CheckContext } from '../checks/kind.js';
import type { CheckOutcome, Detail } from '../core/types.js';
import { judgePrecision, type Precision } from './precision.js';
import { diagnosisFor } from './diagnose.js';
import { withDefaults, type RopeCommonOptions, type RopeFunctionNames } from './options.js';
import { dotAt, maxRowNormGap, normAt, scaleRows, tileRows } from './kernels.js';
import { arr, gatherRows, Rng, type Arr } from './reference.js';
import { getRopeProbe, type ApplyResult, type Probed, type RopeProbe } from './session.js';

export interface Size {
  T: number;
  d: number;
}

export const sizeItems = {
  type: 'object',
  additionalProperties: false,
  required: ['T', 'd'],
  properties: { T: { type: 'integer', minimum: 1 }, d: { type: 'integer', minimum: 2, multipleOf: 2 } },
};

export const sizesSchema = (defaults: Size[]) => ({ type: 'array', minItems: 1, items: sizeItems, default: defaults });

/** The function each kind's findings point at when nothing more precise is known (default: apply_rope). */
const SUBJECT: Record<string, keyof RopeFunctionNames> = {
  'rope-frequencies': 'frequencies',
  'rope-decay': 'frequencies',
  'rope-composition': 'precompute',
};

export async function runRopeCheck<O extends RopeCommonOptions>(
  ctx: CheckContext,
  raw: Partial<O> | undefined,
  kind: string,
  defaults: Omit<O, keyof RopeCommonOptions>,
  body: (probe: RopeProbe, options: O) => Promise<CheckOutcome>,
): Promise<CheckOutcome> {
  const filled = { ...defaults } as Record<string, unknown>;
  for (const [key, value] of Object.entries(raw ?? {})) if (value !== undefined) filled[key] = value;
  const options = withDefaults<O>(filled as Partial<O>);
  const probe = await getRopeProbe(ctx, options);
  if (!probe.ok) return probe.outcome;
  const outcome = await body(probe.value, options);
  if (outcome.status !== 'pass' && outcome.status !== 'skip' && !outcome.diagnosis) {
    const diagnosis = await diagnosisFor(probe.value, kind);
    if (diagnosis) {
      outcome.diagnosis = diagnosis.text;
      // The catalogue ids (rubrics/variants/rope.yaml) behind the text, for tools and gradebooks.
      outcome.data = { ...(outcome.data ?? {}), variants: diagnosis.variants };
    }
  }
  // A finding without a place (wrong values, not an exception) points at the function the check is about.
  if (outcome.status !== 'pass' && !outcome.location) outcome.location = probe.value.definitionOf(options.functions[SUBJECT[kind] ?? 'apply']);
  outcome.data = { ...(outcome.data ?? {}), isolation: { ...probe.value.session.isolation } };
  return outcome;
}

/** Applies the learner's rotation to rows of q and k at the given positions of their own (T, d) tables. */
export async function applyAt(probe: RopeProbe, q: Arr, k: Arr, T: number, positions: number[], signs?: number[]): Promise<Probed<ApplyResult>> {
  const d = q.shape[1]!;
  const tables = await probe.tables(T, d);
  if (!tables.ok) return tables;
  const cos = gatherRows(tables.value.cos, positions);
  // gatherRows gives a fresh array: flipping its signs in place is safe.
  const sin = gatherRows(tables.value.sin, positions);
  if (signs) scaleRows(sin.data, d / 2, signs);
  return probe.apply(q, k, cos, sin);
}

/** `n` copies of the vector v as an (n, v.length) array. */
export function tile(v: Float64Array, n: number): Arr {
  return arr([n, v.length], tileRows(v, n));
}

export const LAB_PAIRS: Array<[number, number]> = [
  [0, 1],
  [3, 7],
  [5, 5],
  [10, 12],
  [20, 8],
];

export interface RelposMeasure {
  d: number;
  T: number;
  dtype: string;
  /** Per pair: m, n, raw-form |lhs - rhs|, Toeplitz-form |lhs(m,n) - lhs(m-s,n-s)|, and ||q|| ||k||. */
  pairs: Array<{ m: number; n: number; raw: number; toeplitz: number }>;
  scale: number;
}

/**
 * The lab's Block B on the learner's code: lhs = <R_m q, R_n k>, raw rhs =
 * <q, R_{n-m} k> built from their tables (sin sign-flipped for n < m), and the
 * Toeplitz form lhs(m, n) = lhs(m - min, n - min).
 */
export async function measureRelativePosition(probe: RopeProbe, size: Size, pairs: Array<[number, number]>, seed: number): Promise<Probed<RelposMeasure>> {
  const { T, d } = size;
  const rng = new Rng(seed * 7919 + d * 31 + T);
  const q = rng.normals([d]).data;
  const k = rng.normals([d]).data;
  // The awaits only: the index lists and the measurement are plain functions (cheap for V8 to optimise).
  const plan = relposPlan(pairs);
  const Q = tile(q, plan.m.length);
  const K = tile(k, plan.m.length);
  const atM = await applyAt(probe, Q, K, T, plan.m);
  if (!atM.ok) return atM;
  const atN = await applyAt(probe, Q, K, T, plan.n);
  if (!atN.ok) return atN;
  const atDelta = await applyAt(probe, tile(q, pairs.length), tile(k, pairs.length), T, plan.distance, plan.sign);
  if (!atDelta.ok) return atDelta;
  return { ok: true, value: relposMeasure(T, d, q, k, pairs, atM.value.q, atN.value.k, atDelta.value.k) };
}

/**
 * Positions for measureRelativePosition: rows 0..P-1 are the pairs (m, n),
 * rows P..2P-1 the same pairs shifted to (m - min, n - min); and per pair
 * |n - m| with the sign of n - m (1 for n = m).
 */
function relposPlan(pairs: ReadonlyArray<readonly [number, number]>): { m: number[]; n: number[]; distance: number[]; sign: number[] } {
  const m: number[] = [];
  const n: number[] = [];
  const distance: number[] = [];
  const sign: number[] = [];
  for (let i = 0; i < pairs.length; i++) {
    const pair = pairs[i]!;
    m.push(pair[0]);
    n.push(pair[1]);
    distance.push(Math.abs(pair[1] - pair[0]));
    sign.push(pair[1] - pair[0] < 0 ? -1 : 1);
  }
  for (let i = 0; i < pairs.length; i++) {
    const pair = pairs[i]!;
    const s = Math.min(pair[0], pair[1]);
    m.push(pair[0] - s);
    n.push(pair[1] - s);
  }
  return { m, n, distance, sign };
}

/** lhs = <R_m q, R_n k> per row of atM.q and atN.k; raw and Toeplitz forms per pair (see relposPlan for the rows). */
function relposMeasure(T: number, d: number, q: Float64Array, k: Float64Array, pairs: ReadonlyArray<readonly [number, number]>, qAtM: Arr, kAtN: Arr, kAtDelta: Arr): RelposMeasure {
  const rows = 2 * pairs.length;
  const lhs = new Float64Array(rows);
  for (let i = 0; i < rows; i++) lhs[i] = dotAt(qAtM.data, i * d, kAtN.data, i * d, d);
  const measured: RelposMeasure['pairs'] = [];
  for (let i = 0; i < pairs.length; i++) {
    const pair = pairs[i]!;
    measured.push({ m: pair[0], n: pair[1], raw: Math.abs(lhs[i]! - dotAt(q, 0, kAtDelta.data, i * d, d)), toeplitz: Math.abs(lhs[i]! - lhs[pairs.length + i]!) });
  }
  return { d, T, dtype: qAtM.dtype, scale: normAt(q, 0, d) * normAt(k, 0, d), pairs: measured };
}

/** The lab's Block D on the learner's code: | ||R_p q|| - ||q|| | at the given positions. */
export async function measureNorm(probe: RopeProbe, d: number, positions: number[], seed: number): Promise<Probed<{ maxDiff: number; dtype: string; norm: number }>> {
  const rng = new Rng(seed * 104729 + d);
  const q = rng.normals([d]).data;
  const T = Math.max(...positions) + 1;
  const Q = tile(q, positions.length);
  const res = await applyAt(probe, Q, Q, T, positions);
  if (!res.ok) return res;
  const nq = normAt(q, 0, d);
  const maxDiff = maxRowNormGap(res.value.q.data, positions.length, d, nq);
  return { ok: true, value: { maxDiff, dtype: res.value.q.dtype, norm: nq } };
}

/** Random pairs (m, n) in [0, T). */
export function randomPairs(T: number, count: number, seed: number): Array<[number, number]> {
  const rng = new Rng(seed * 31337 + T);
  return Array.from({ length: count }, () => [rng.int(0, T - 1), rng.int(0, T - 1)] as [number, number]);
}

export const fmt = (x: number) => (x === 0 ? '0' : Math.abs(x) >= 1e-3 && Math.abs(x) < 1e4 ? Number(x.toPrecision(3)).toString() : x.toExponential(2));

/**
 * The outcome of a check whose error exceeds its float64 bound: wrong maths
 * (`maths()`, the check's own failure, diagnosed later), or rounding of the
 * learner's working precision, which passes with a note within the lab's own
 * tolerance at the lab's size (`pass(note)`) and fails, named, beyond it.
 */
export async function beyondFloat64(
  probe: RopeProbe,
  errors: Array<{ error: number; maxAngle: number }>,
  lab: { error: number | undefined; tolerance: number; what: string },
  maths: () => CheckOutcome | Promise<CheckOutcome>,
  pass: (note: Detail) => CheckOutcome,
  own?: Precision,
): Promise<CheckOutcome> {
  const verdict = await judgePrecision(probe, errors, lab, own);
  if (verdict.kind === 'maths') return maths();
  if (verdict.kind === 'note') return pass(verdict.note);
  return { status: 'fail', message: verdict.message, diagnosis: verdict.diagnosis, data: { precision: verdict.profile.precision, labError: lab.error, variants: [`precision-${verdict.profile.precision}`] } };
}
