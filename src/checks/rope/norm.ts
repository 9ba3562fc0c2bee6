import type { CheckKind } from '../kind.js';
import { ropeSchema, type RopeCommonOptions } from '../../rope/options.js';
import type { CheckOutcome } from '../../core/types.js';
import { normAt, normScan } from '../../rope/kernels.js';
import { epsilonOf, Rng, widerTolerance } from '../../rope/reference.js';
import { fmt, runRopeCheck, sizesSchema, type Size } from '../../rope/run.js';
import type { RopeProbe } from '../../rope/session.js';

export interface NormOptions extends RopeCommonOptions {
  /** Every row 0..T-1 is checked; T = 101 covers the lab's positions 0, 1, 5, 100. */
  sizes: Size[];
}

const DEFAULTS = { sizes: [{ T: 101, d: 16 }, { T: 2048, d: 64 }] };

/** The judgement (a plain function: created once, optimised once; the row scan is a kernel). */
async function judge(probe: RopeProbe, options: NormOptions): Promise<CheckOutcome> {
  let worst = 0;
  for (const { T, d } of options.sizes) {
    const rng = new Rng(options.seed * 17 + d + T);
    const q = rng.normals([T, d]);
    const k = rng.normals([T, d]);
    const out = await probe.pipeline(q, k, T, d);
    if (!out.ok) return out.outcome;
    const tol = 64 * epsilonOf(widerTolerance(out.value.q.dtype, out.value.cos.dtype));
    for (let s = 0; s < 2; s++) {
      const slot = s === 0 ? 'q' : 'k';
      const x = s === 0 ? q.data : k.data;
      const y = s === 0 ? out.value.q.data : out.value.k.data;
      const scan = normScan(x, y, T, d, tol);
      worst = Math.max(worst, scan.worst);
      const t = scan.at;
      if (t >= 0) {
        const n = normAt(x, t * d, d);
        const rel = Math.abs(normAt(y, t * d, d) - n) / n;
        return {
          status: 'fail',
          message: `||${slot}_rot[${t}]|| = ${fmt(normAt(y, t * d, d))} but ||${slot}[${t}]|| = ${fmt(n)} (d_head=${d}), expected equal norms (relative error ${fmt(rel)} > ${fmt(tol)})`,
          data: { maxRelativeError: rel, position: t, d },
        };
      }
    }
  }
  return { status: 'pass', message: `norms are preserved at every position (${options.sizes.map((s) => `d_head=${s.d}, t < ${s.T}`).join('; ')}; max relative error ${fmt(worst)})`, data: { maxRelativeError: worst } };
}

/** rope-norm: rotations keep norms, ||R_t x|| = ||x||, at every position up to long sequences, for q and k. */
export const ropeNormKind: CheckKind<NormOptions> = {
  name: 'rope-norm',
  summary: 'RoPE preserves norms at positions 0, 1, 5, 100 and along long sequences',
  targets: ['lab'],
  optionsSchema: ropeSchema({ sizes: sizesSchema(DEFAULTS.sizes) }),
  run(ctx, raw) {
    return runRopeCheck<NormOptions>(ctx, raw, 'rope-norm', DEFAULTS, judge);
  },
};
