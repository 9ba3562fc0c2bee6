/**
 * The working precision of a learner's RoPE, estimated from its outputs
 * (RESEARCH.md sections 4 and 7), not from the dtype it returns: a float32
 * implementation that hands back float64 arrays is still float32 code.
 *
 * Two probes, memoised per submission and run only when a check's error
 * exceeds the float64 bound:
 * - the tables at (T = 256, d = 64) against the float64 tables: the error and
 *   the smallest format holding every value (bfloat16, float16, float32);
 * - apply_rope with the float64 tables at the lab's size: the error of the
 *   arithmetic alone and the format of its outputs.
 * A part whose error fits the rounding of a format is said to work in it; a
 * part whose error does not is wrong maths, left to the diagnosis. The
 * submission's precision is the coarsest of the parts that fit.
 *
 * A check then has three outcomes: within the float64 bound (pass), within
 * the bound of the estimated precision and within the lab's own tolerance at
 * the lab's size (pass, with a precision note), within the estimated
 * precision but beyond the lab's tolerance (fail, named by the precision), or
 * beyond every rounding bound (wrong maths: fail, with the bug's diagnosis).
 */
import type { Detail } from '../core/types.js';
import { maxAbsAt } from './kernels.js';
import { applyRope, Rng, tables as referenceTables } from './reference.js';
import type { RopeProbe } from './session.js';

export type Precision = 'float64' | 'float32' | 'float16' | 'bfloat16';

/** Unit roundoff of each format (half an ulp at 1). */
export const UNIT_ROUNDOFF: Record<Precision, number> = { float64: 2 ** -53, float32: 2 ** -24, float16: 2 ** -11, bfloat16: 2 ** -8 };

/** From finest to coarsest. */
const ORDER: Precision[] = ['float64', 'float32', 'float16', 'bfloat16'];

export const coarser = (a: Precision, b: Precision): Precision => (ORDER.indexOf(a) >= ORDER.indexOf(b) ? a : b);

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/** Whether x is exactly a float16 value (11 significant bits, exponent -24 .. 15). */
function isFloat16(x: number): boolean {
  const a = Math.abs(x);
  if (a === 0) return true;
  if (a > 65504) return false;
  if (a < 2 ** -14) return Number.isInteger(a * 2 ** 24);
  const e = Math.floor(Math.log2(a));
  return Number.isInteger(a * 2 ** (10 - e));
}

/** The smallest of float16, bfloat16, float32, float64 that holds every value of `data` exactly. */
export function storageFormat(data: Float64Array): Precision {
  let f32 = true;
  let bf16 = true;
  let f16 = true;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (Math.fround(v) !== v) return 'float64';
    if (bf16) {
      F32[0] = v;
      if ((U32[0]! & 0xffff) !== 0) bf16 = false;
    }
    if (f16 && !isFloat16(v)) f16 = false;
    if (!bf16 && !f16 && !f32) break;
  }
  // bfloat16 values (8 significant bits) mostly fit float16 too: the coarser mantissa is what the learner rounded to.
  if (bf16) return 'bfloat16';
  if (f16) return 'float16';
  return f32 ? 'float32' : 'float64';
}

/**
 * Largest error of a rotation (relative to the input's size) that rounding in
 * `p` explains, for angles up to `maxAngle` radians: float32 angles carry an
 * error growing with the angle; float16 and bfloat16 are reached only through
 * tables rounded after float32 (or better) angles.
 */
export function precisionBound(p: Precision, maxAngle: number): number {
  const grow = (u: number) => 16 * u * (Math.abs(maxAngle) + 1) + 128 * u;
  if (p === 'float64') return grow(UNIT_ROUNDOFF.float64);
  if (p === 'float32') return grow(UNIT_ROUNDOFF.float32);
  return 8 * UNIT_ROUNDOFF[p] + grow(UNIT_ROUNDOFF.float32);
}

export interface PrecisionProfile {
  /** The coarsest precision of the parts whose errors are rounding. */
  precision: Precision;
  /** Where the precision is lost, e.g. "float32 tables and arithmetic", "bfloat16 tables". */
  label: string;
  tables: { precision: Precision | 'maths'; error: number; format: Precision } | undefined;
  apply: { precision: Precision | 'maths'; error: number; format: Precision } | undefined;
}

/** The precision a measured error at angles up to `maxAngle` fits, trying formats the stored values allow. */
function fit(error: number, maxAngle: number, format: Precision): Precision | 'maths' {
  for (const p of ORDER) {
    // float16 and bfloat16 need evidence in the values themselves: an error of 1e-3 in float32 values is a bug.
    if ((p === 'float16' || p === 'bfloat16') && format !== p) continue;
    if (error <= precisionBound(p, maxAngle)) return p;
  }
  return 'maths';
}

const TABLES_T = 256;
const TABLES_D = 64;
const APPLY_T = 32;
const APPLY_D = 16;

/** The submission's precision profile (memoised). */
export function precisionProfile(probe: RopeProbe): Promise<PrecisionProfile> {
  return probe.memo('precision', async () => {
    let tablesPart: PrecisionProfile['tables'];
    const learner = await probe.tables(TABLES_T, TABLES_D);
    if (learner.ok) {
      const ref = referenceTables(TABLES_T, TABLES_D);
      const error = Math.max(maxDiff(learner.value.cos.data, ref.cos.data), maxDiff(learner.value.sin.data, ref.sin.data));
      const format = coarser(storageFormat(learner.value.cos.data), storageFormat(learner.value.sin.data));
      tablesPart = { precision: fit(error, TABLES_T - 1, format), error, format };
    }
    let applyPart: PrecisionProfile['apply'];
    const rng = new Rng(4242);
    const q = rng.normals([APPLY_T, APPLY_D]);
    const k = rng.normals([APPLY_T, APPLY_D]);
    const ref = referenceTables(APPLY_T, APPLY_D);
    const out = await probe.apply(q, k, ref.cos, ref.sin);
    if (out.ok) {
      const want = applyRope(q, ref.cos, ref.sin);
      const wantK = applyRope(k, ref.cos, ref.sin);
      const scale = Math.max(1, maxAbsAt(q.data, 0, q.data.length), maxAbsAt(k.data, 0, k.data.length));
      const error = Math.max(maxDiff(out.value.q.data, want.data), maxDiff(out.value.k.data, wantK.data)) / scale;
      const format = coarser(storageFormat(out.value.q.data), storageFormat(out.value.k.data));
      // The arithmetic of apply_rope alone: no angle grows here (the tables are exact), so the bound is that of angle 0.
      applyPart = { precision: fit(error, 0, format), error, format };
    }
    const parts: Precision[] = [];
    for (const part of [tablesPart, applyPart]) {
      if (!part) continue;
      // A part with wrong maths still shows its storage format (float32 outputs of a split-half rotation).
      parts.push(part.precision === 'maths' ? (part.format === 'float64' ? 'float64' : 'float32') : part.precision);
    }
    const precision = parts.reduce<Precision>((a, b) => coarser(a, b), 'float64');
    return { precision, label: labelOf(tablesPart, applyPart), tables: tablesPart, apply: applyPart };
  });
}

function labelOf(tables: PrecisionProfile['tables'], apply: PrecisionProfile['apply']): string {
  const t = tables && tables.precision !== 'maths' && tables.precision !== 'float64' ? tables.precision : undefined;
  const a = apply && apply.precision !== 'float64' ? (apply.precision === 'maths' ? (apply.format === 'float64' ? undefined : 'float32') : apply.precision) : undefined;
  if (t && a && t === a) return `${t} tables and arithmetic`;
  if (t && a) return `${t} tables, ${a} arithmetic`;
  if (t) return `${t} tables`;
  if (a) return `${a} arithmetic`;
  return 'float64';
}

function maxDiff(a: Float64Array, b: Float64Array): number {
  let m = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const v = Math.abs(a[i]! - b[i]!);
    if (!(v <= m)) m = Number.isNaN(v) ? Infinity : v;
  }
  return m;
}

const fmt = (x: number) => (x === 0 ? '0' : Math.abs(x) >= 1e-3 && Math.abs(x) < 1e4 ? Number(x.toPrecision(3)).toString() : x.toExponential(1));

/** What a check decides about an error above its float64 bound. */
export type PrecisionVerdict =
  | { kind: 'maths' }
  | { kind: 'note'; note: Detail; profile: PrecisionProfile }
  | { kind: 'fail'; message: string; diagnosis: string; profile: PrecisionProfile };

/**
 * The three-way judgement of one check: `errors` are the check's own errors
 * (relative to its input's size) with the largest angle each saw, `labError`
 * its error at the lab's size in the lab's own measure, `labTolerance` the
 * lab's bar for it (rubric data).
 */
export async function judgePrecision(
  probe: RopeProbe,
  errors: Array<{ error: number; maxAngle: number }>,
  lab: { error: number | undefined; tolerance: number; what: string },
  /** The storage format of the check's own values when they are not rotations (rope_frequencies): it decides instead of the tables' and rotation's. */
  own?: Precision,
): Promise<PrecisionVerdict> {
  const measured = await precisionProfile(probe);
  const profile = own && own !== 'float64' ? { ...measured, precision: own, label: own } : measured;
  if (profile.precision === 'float64') return { kind: 'maths' };
  for (const e of errors) if (!(e.error <= precisionBound(profile.precision, e.maxAngle))) return { kind: 'maths' };
  const worst = Math.max(...errors.map((e) => e.error));
  if (lab.error === undefined || lab.error <= lab.tolerance) {
    const within = lab.error === undefined ? '' : `; ${fmt(lab.error)} at the lab's size, within its ${fmt(lab.tolerance)}`;
    return { kind: 'note', note: { note: true, message: `precision note: computed in ${profile.label}: max error ${fmt(worst)}${within}. Errors grow with the position; compute the angles in float64 for long contexts.` }, profile };
  }
  const text = `${profile.label}: errors of ${fmt(lab.error)} in ${lab.what} exceed the lab's ${fmt(lab.tolerance)}`;
  return {
    kind: 'fail',
    message: text,
    diagnosis: `${text}. The maths is right but the precision is not: keep cos_pe and sin_pe (and the rotation) in float64, or at least float32.`,
    profile,
  };
}
