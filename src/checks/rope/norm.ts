import type { CheckKind } from '../kind.js';
import { ropeSchema, type RopeCommonOptions } from '../../rope/options.js';
import { epsilonOf, norm, Rng, widerTolerance } from '../../rope/reference.js';
import { fmt, rowOf, runRopeCheck, sizesSchema, type Size } from '../../rope/run.js';

export interface NormOptions extends RopeCommonOptions {
  /** Every row 0..T-1 is checked; T = 101 covers the lab's positions 0, 1, 5, 100. */
  sizes: Size[];
}

const DEFAULTS = { sizes: [{ T: 101, d: 16 }, { T: 2048, d: 64 }] };

/** rope-norm: rotations keep norms, ||R_t x|| = ||x||, at every position up to long sequences, for q and k. */
export const ropeNormKind: CheckKind<NormOptions> = {
  name: 'rope-norm',
  summary: 'RoPE preserves norms at positions 0, 1, 5, 100 and along long sequences',
  targets: ['lab'],
  optionsSchema: ropeSchema({ sizes: sizesSchema(DEFAULTS.sizes) }),
  run(ctx, raw) {
    return runRopeCheck<NormOptions>(ctx, raw, 'rope-norm', DEFAULTS, async (probe, options) => {
      let worst = 0;
      for (const { T, d } of options.sizes) {
        const rng = new Rng(options.seed * 17 + d + T);
        const q = rng.normals([T, d]);
        const k = rng.normals([T, d]);
        const out = await probe.pipeline(q, k, T, d);
        if (!out.ok) return out.outcome;
        const tol = 64 * epsilonOf(widerTolerance(out.value.q.dtype, out.value.cos.dtype));
        for (const [slot, x, y] of [['q', q, out.value.q], ['k', k, out.value.k]] as const) {
          for (let t = 0; t < T; t++) {
            const n = norm(rowOf(x, t));
            const rel = Math.abs(norm(rowOf(y, t)) - n) / n;
            worst = Math.max(worst, rel);
            if (!(rel <= tol)) {
              return {
                status: 'fail',
                message: `||${slot}_rot[${t}]|| = ${fmt(norm(rowOf(y, t)))} but ||${slot}[${t}]|| = ${fmt(n)} (d_head=${d}), expected equal norms (relative error ${fmt(rel)} > ${fmt(tol)})`,
                data: { maxRelativeError: rel, position: t, d },
              };
            }
          }
        }
      }
      return { status: 'pass', message: `norms are preserved at every position (${options.sizes.map((s) => `d_head=${s.d}, t < ${s.T}`).join('; ')}; max relative error ${fmt(worst)})`, data: { maxRelativeError: worst } };
    });
  },
};
