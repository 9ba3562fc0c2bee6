import type { CheckKind } from '../kind.js';
import type { CheckOutcome, Detail } from '../../core/types.js';
import { ropeSchema, type RopeCommonOptions } from '../../rope/options.js';
import { maxAbsAt, maxAbsDiffAt } from '../../rope/kernels.js';
import { Rng, rotationTolerance } from '../../rope/reference.js';
import { applyAt, beyondFloat64, fmt, runRopeCheck, sizesSchema, type Size } from '../../rope/run.js';
import type { RopeProbe } from '../../rope/session.js';

export interface CompositionOptions extends RopeCommonOptions {
  sizes: Size[];
  /** Random (m, n) pairs per size, on top of a few fixed ones. */
  pairs: number;
  /** The lab's bar on |R_m R_n x - R_{m+n} x| at its size (d_head 16, T 32): rounding of a low working precision passes within it. */
  labTolerance: number;
}

const DEFAULTS = { sizes: [{ T: 32, d: 16 }, { T: 128, d: 64 }], pairs: 8, labTolerance: 1e-5 };

/** The judgement (a plain function: created once per thread, so V8 optimises it once). */
async function judge(probe: RopeProbe, options: CompositionOptions): Promise<CheckOutcome> {
  let worst = 0;
  let labError: number | undefined;
  const beyond: Array<{ error: number; maxAngle: number }> = [];
  let firstFail: CheckOutcome | undefined;
  for (const { T, d } of options.sizes) {
    const rng = new Rng(options.seed * 13 + d);
    const pairs: Array<[number, number]> = [[1, 2], [3, 7], [0, 5]].filter(([m, n]) => m! + n! < T) as Array<[number, number]>;
    for (let i = 0; i < options.pairs && T > 1; i++) {
      const m = rng.int(0, T - 1);
      pairs.push([m, rng.int(0, T - 1 - m)]);
    }
    if (pairs.length === 0) continue;
    const x = rng.normals([pairs.length, d]);
    const y = rng.normals([pairs.length, d]);
    const byN = await applyAt(probe, x, y, T, pairs.map(([, n]) => n));
    if (!byN.ok) return byN.outcome;
    const thenM = await applyAt(probe, byN.value.q, byN.value.k, T, pairs.map(([m]) => m));
    if (!thenM.ok) return thenM.outcome;
    const direct = await applyAt(probe, x, y, T, pairs.map(([m, n]) => m + n));
    if (!direct.ok) return direct.outcome;
    const tol = rotationTolerance('float64', T) * 2;
    for (let s = 0; s < 2; s++) {
      const slot = s === 0 ? 'q' : 'k';
      const a = s === 0 ? thenM.value.q.data : thenM.value.k.data;
      const b = s === 0 ? direct.value.q.data : direct.value.k.data;
      const input = s === 0 ? x.data : y.data;
      for (let i = 0; i < pairs.length; i++) {
        const diff = maxAbsDiffAt(a, i * d, b, i * d, d) / Math.max(1, maxAbsAt(input, i * d, d));
        worst = Math.max(worst, diff);
        if (T === 32 && d === 16) labError = Math.max(labError ?? 0, diff);
        if (!(diff <= tol)) {
          beyond.push({ error: diff, maxAngle: T });
          const [m, n] = pairs[i]!;
          firstFail ??= {
            status: 'fail',
            message: `R_${m} R_${n} ${slot} differs from R_${m + n} ${slot} by ${fmt(diff)} (d_head=${d}, T=${T}), expected equal within ${fmt(tol)}`,
            data: { maxDiff: diff, m, n, d, T },
          };
        }
      }
    }
  }
  const passed = (details?: Detail[]): CheckOutcome => ({ status: 'pass', message: `R_m R_n = R_{m+n} for q and k (${options.sizes.map((s) => `d_head=${s.d}, T=${s.T}`).join('; ')}; max diff ${fmt(worst)})`, data: { maxDiff: worst }, ...(details ? { details } : {}) });
  if (!firstFail) return passed();
  const failed = firstFail;
  return beyondFloat64(probe, beyond, { error: labError, tolerance: options.labTolerance, what: 'R_m R_n x - R_{m+n} x at d_head=16, T=32' }, () => failed, (note) => passed([note]));
}

/**
 * rope-composition: rotating by n then by m equals rotating by m + n
 * (R_m R_n = R_{m+n}), with the learner's own tables, for the q and k slots.
 */
export const ropeCompositionKind: CheckKind<CompositionOptions> = {
  name: 'rope-composition',
  summary: 'rotations compose: R_m R_n x = R_{m+n} x, for q and k',
  targets: ['lab'],
  optionsSchema: ropeSchema({
    sizes: sizesSchema(DEFAULTS.sizes),
    pairs: { type: 'integer', minimum: 0, default: DEFAULTS.pairs },
    labTolerance: { type: 'number', exclusiveMinimum: 0, default: DEFAULTS.labTolerance },
  }),
  run(ctx, raw) {
    return runRopeCheck<CompositionOptions>(ctx, raw, 'rope-composition', DEFAULTS, judge);
  },
};
