import type { CheckKind } from '../kind.js';
import type { CheckOutcome, Detail } from '../../core/types.js';
import { ropeSchema, type RopeCommonOptions } from '../../rope/options.js';
import { dot, rotateVector, rotationTolerance, Rng } from '../../rope/reference.js';
import { dotAt } from '../../rope/kernels.js';
import type { Plot } from '../../reporters/html/charts.js';
import { applyAt, beyondFloat64, fmt, LAB_PAIRS, measureRelativePosition, randomPairs, runRopeCheck, sizesSchema, tile, type Size } from '../../rope/run.js';
import type { RopeProbe } from '../../rope/session.js';

export interface RelativePositionOptions extends RopeCommonOptions {
  sizes: Size[];
  /** Random (m, n) pairs per size, on top of the lab's five. */
  pairs: number;
  /** The lab's Block B bar on max |lhs - rhs| over its five pairs (d_head 16, T 32): rounding of a low working precision passes within it. */
  labTolerance: number;
}

const DEFAULTS = { sizes: [{ T: 32, d: 16 }, { T: 256, d: 64 }], pairs: 12, labTolerance: 1e-5 };

/** The judgement (a plain function: created once per thread, so V8 optimises it once). */
async function judge(probe: RopeProbe, options: RelativePositionOptions): Promise<CheckOutcome> {
  const details: Detail[] = [];
  const data: Record<string, unknown> = {};
  let labError: number | undefined;
  const beyond: Array<{ error: number; maxAngle: number }> = [];
  let firstFail: CheckOutcome | undefined;
  for (const size of options.sizes) {
    const pairs = [...LAB_PAIRS.filter(([m, n]) => m < size.T && n < size.T), ...randomPairs(size.T, options.pairs, options.seed)];
    const measured = await measureRelativePosition(probe, size, pairs, options.seed);
    if (!measured.ok) return measured.outcome;
    const { scale, dtype } = measured.value;
    const tol = rotationTolerance('float64', size.T) * 4;
    let raw = { err: 0, m: 0, n: 0 };
    let toeplitz = { err: 0, m: 0, n: 0 };
    let labMax = 0;
    for (const p of measured.value.pairs) {
      const r = p.raw / scale;
      const t = p.toeplitz / scale;
      if (r > raw.err || Number.isNaN(r)) raw = { err: r, m: p.m, n: p.n };
      if (t > toeplitz.err || Number.isNaN(t)) toeplitz = { err: t, m: p.m, n: p.n };
      if (LAB_PAIRS.some(([m, n]) => m === p.m && n === p.n)) labMax = Math.max(labMax, p.raw);
    }
    data[`d${size.d}_T${size.T}`] = { rawMaxRelative: raw.err, toeplitzMaxRelative: toeplitz.err, labPairsMaxAbs: labMax, dtype };
    details.push({ message: `d_head=${size.d}, T=${size.T}: raw form max ${fmt(raw.err)}, Toeplitz form max ${fmt(toeplitz.err)} (relative to ||q|| ||k||); lab pairs max |lhs - rhs| = ${fmt(labMax)}` });
    if (size.T === 32 && size.d === 16) labError = labMax;
    if (!(Math.max(toeplitz.err, raw.err) <= tol)) beyond.push({ error: Math.max(toeplitz.err, raw.err), maxAngle: size.T });
    if (firstFail) continue;
    if (toeplitz.err > tol) {
      const s = Math.min(toeplitz.m, toeplitz.n);
      firstFail = {
        status: 'fail',
        message: `<R_m q, R_n k> depends on more than n - m: (m, n) = (${toeplitz.m}, ${toeplitz.n}) and (${toeplitz.m - s}, ${toeplitz.n - s}) differ by ${fmt(toeplitz.err)} of ||q|| ||k|| (d_head=${size.d}), expected below ${fmt(tol)}`,
        details,
        data,
      };
    } else if (raw.err > tol) {
      firstFail = {
        status: 'fail',
        message: `<R_m q, R_n k> - <q, R_{n-m} k> = ${fmt(raw.err)} of ||q|| ||k|| at (m, n) = (${raw.m}, ${raw.n}) (d_head=${size.d}, T=${size.T}), expected below ${fmt(tol)}`,
        details,
        data,
      };
    }
  }
  const curve = await blockCPlot(probe, options.seed);
  if (curve) data.plot = curve;
  const passed = (note?: Detail): CheckOutcome => ({ status: 'pass', message: `<R_m q, R_n k> = <q, R_{n-m} k> on the lab's pairs and ${options.pairs} random pairs per size`, details: note ? [note, ...details] : details, data });
  if (!firstFail) return passed();
  const failed = firstFail;
  return beyondFloat64(probe, beyond, { error: labError, tolerance: options.labTolerance, what: "Block B's max |lhs - rhs|" }, () => failed, passed);
}

/**
 * The lab's Block C plot, drawn from the learner's own apply_rope: q at
 * position 0 and k at n = 0..31 (d_head 16, T 32), <R_0 q, R_n k> against
 * n - m, beside the reference RoPE's. Undefined when the call fails (the
 * checks above report that).
 */
async function blockCPlot(probe: RopeProbe, seed: number): Promise<Plot | undefined> {
  const T = 32;
  const d = 16;
  const rng = new Rng(seed * 7919 + 17);
  const q = rng.normals([d]).data;
  const k = rng.normals([d]).data;
  const positions = Array.from({ length: T }, (_, n) => n);
  const rotated = await applyAt(probe, tile(q, T), tile(k, T), T, positions);
  if (!rotated.ok) return undefined;
  const yours: Array<[number, number]> = [];
  const reference: Array<[number, number]> = [];
  for (let n = 0; n < T; n++) {
    const score = dotAt(rotated.value.q.data, 0, rotated.value.k.data, n * d, d);
    if (!Number.isFinite(score)) return undefined;
    yours.push([n, Number(score.toPrecision(6))]);
    reference.push([n, Number(dot(q, rotateVector(k, n)).toPrecision(6))]);
  }
  return {
    title: "Block C: <R_m q, R_n k> for m = 0 (the lab's plot, from your apply_rope)",
    x: { title: 'n - m' },
    y: { title: '<R_m q, R_n k>' },
    series: [
      { name: 'your apply_rope', points: yours },
      { name: 'reference RoPE', points: reference, dashed: true },
    ],
    note: 'the curves coincide when the rotation is right; a property that holds with wrong frequencies gives a curve of another shape',
  };
}

/**
 * rope-relative-position: <R_m q, R_n k> = <q, R_{n-m} k> (the lab's Block B
 * "raw" form, R_{n-m} from the learner's tables with sin sign-flipped when
 * n < m) and <R_m q, R_n k> depends on n - m only (Toeplitz form), for the
 * lab's pairs (0,1), (3,7), (5,5), (10,12), (20,8) and random ones.
 * Errors are relative to ||q|| ||k||.
 */
export const ropeRelativePositionKind: CheckKind<RelativePositionOptions> = {
  name: 'rope-relative-position',
  summary: "the relative-position property <R_m q, R_n k> = <q, R_{n-m} k> holds (the lab's pairs plus random ones)",
  targets: ['lab'],
  optionsSchema: ropeSchema({
    sizes: sizesSchema(DEFAULTS.sizes),
    pairs: { type: 'integer', minimum: 0, default: DEFAULTS.pairs },
    labTolerance: { type: 'number', exclusiveMinimum: 0, default: DEFAULTS.labTolerance },
  }),
  run(ctx, raw) {
    return runRopeCheck<RelativePositionOptions>(ctx, raw, 'rope-relative-position', DEFAULTS, judge);
  },
};
