import type { CheckKind } from '../kind.js';
import { ropeSchema, type RopeCommonOptions } from '../../rope/options.js';
import type { CheckOutcome, Detail } from '../../core/types.js';
import { normAt, normScan } from '../../rope/kernels.js';
import { epsilonOf, Rng } from '../../rope/reference.js';
import { beyondFloat64, fmt, runRopeCheck, sizesSchema, type Size } from '../../rope/run.js';
import type { RopeProbe } from '../../rope/session.js';

export interface NormOptions extends RopeCommonOptions {
  /** Every row 0..T-1 is checked; T = 101 covers the lab's positions 0, 1, 5, 100. */
  sizes: Size[];
  /** The lab's Block D bar (atol) on | ||R_p q|| - ||q|| | at the first size: rounding of a low working precision passes within it. */
  labTolerance: number;
}

const DEFAULTS = { sizes: [{ T: 101, d: 16 }, { T: 2048, d: 64 }], labTolerance: 1e-6 };

/** The judgement (a plain function: created once, optimised once; the row scan is a kernel). */
async function judge(probe: RopeProbe, options: NormOptions): Promise<CheckOutcome> {
  let worst = 0;
  let labError: number | undefined;
  const beyond: Array<{ error: number; maxAngle: number }> = [];
  let firstFail: CheckOutcome | undefined;
  for (const [index, { T, d }] of options.sizes.entries()) {
    const rng = new Rng(options.seed * 17 + d + T);
    const q = rng.normals([T, d]);
    const k = rng.normals([T, d]);
    const out = await probe.pipeline(q, k, T, d);
    if (!out.ok) return out.outcome;
    const tol = 64 * epsilonOf('float64');
    for (let s = 0; s < 2; s++) {
      const slot = s === 0 ? 'q' : 'k';
      const x = s === 0 ? q.data : k.data;
      const y = s === 0 ? out.value.q.data : out.value.k.data;
      // The whole scan (no early stop at tol): the largest error decides between rounding and maths.
      const scan = normScan(x, y, T, d, Infinity);
      worst = Math.max(worst, scan.worst);
      if (index === 0) labError = Math.max(labError ?? 0, maxRowNormGapTo(x, y, T, d));
      if (scan.worst > tol) beyond.push({ error: scan.worst, maxAngle: T });
      const t = firstOver(x, y, T, d, tol);
      if (t >= 0 && !firstFail) {
        const n = normAt(x, t * d, d);
        const rel = Math.abs(normAt(y, t * d, d) - n) / n;
        firstFail = {
          status: 'fail',
          message: `||${slot}_rot[${t}]|| = ${fmt(normAt(y, t * d, d))} but ||${slot}[${t}]|| = ${fmt(n)} (d_head=${d}), expected equal norms (relative error ${fmt(rel)} > ${fmt(tol)})`,
          data: { maxRelativeError: rel, position: t, d },
        };
      }
    }
  }
  const passed = (note?: Detail): CheckOutcome => ({ status: 'pass', message: `norms are preserved at every position (${options.sizes.map((s) => `d_head=${s.d}, t < ${s.T}`).join('; ')}; max relative error ${fmt(worst)})`, data: { maxRelativeError: worst }, ...(note ? { details: [note] } : {}) });
  if (!firstFail) return passed();
  const failed = firstFail;
  const first = options.sizes[0]!;
  return beyondFloat64(probe, beyond, { error: labError, tolerance: options.labTolerance, what: `| ||R_t q|| - ||q|| | (d_head=${first.d}, t < ${first.T})` }, () => failed, passed);
}

/** The first row whose relative norm error exceeds tol, or -1. */
function firstOver(x: Float64Array, y: Float64Array, T: number, d: number, tol: number): number {
  return normScan(x, y, T, d, tol).at;
}

/** max_t | ||y_t|| - ||x_t|| | (absolute, as the lab's Block D). */
function maxRowNormGapTo(x: Float64Array, y: Float64Array, T: number, d: number): number {
  let m = 0;
  for (let t = 0; t < T; t++) m = Math.max(m, Math.abs(normAt(y, t * d, d) - normAt(x, t * d, d)));
  return m;
}

/** rope-norm: rotations keep norms, ||R_t x|| = ||x||, at every position up to long sequences, for q and k. */
export const ropeNormKind: CheckKind<NormOptions> = {
  name: 'rope-norm',
  summary: 'RoPE preserves norms at positions 0, 1, 5, 100 and along long sequences',
  targets: ['lab'],
  optionsSchema: ropeSchema({ sizes: sizesSchema(DEFAULTS.sizes), labTolerance: { type: 'number', exclusiveMinimum: 0, default: DEFAULTS.labTolerance } }),
  run(ctx, raw) {
    return runRopeCheck<NormOptions>(ctx, raw, 'rope-norm', DEFAULTS, judge);
  },
};
