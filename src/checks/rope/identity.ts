import type { CheckKind } from '../kind.js';
import { dHeads, ropeSchema, type RopeCommonOptions } from '../../rope/options.js';
import { maxAbs, maxAbsDiff, Rng, rotationTolerance, widerTolerance } from '../../rope/reference.js';
import { fmt, rowOf, runRopeCheck } from '../../rope/run.js';

export interface IdentityOptions extends RopeCommonOptions {
  d: number[];
  T: number;
}

const DEFAULTS = { d: [16, 64], T: 8 };

/** rope-identity: position 0 is the identity rotation, for q and for k (R_0 = I). */
export const ropeIdentityKind: CheckKind<IdentityOptions> = {
  name: 'rope-identity',
  summary: 'position 0 leaves q and k unchanged (R_0 = I)',
  targets: ['lab'],
  optionsSchema: ropeSchema({ d: dHeads(DEFAULTS.d), T: { type: 'integer', minimum: 1, default: DEFAULTS.T } }),
  run(ctx, raw) {
    return runRopeCheck<IdentityOptions>(ctx, raw, 'rope-identity', DEFAULTS, async (probe, options) => {
      const ds = options.d;
      const T = options.T;
      const rng = new Rng(options.seed + 1);
      let worst = 0;
      for (const d of ds) {
        const q = rng.normals([T, d]);
        const k = rng.normals([T, d]);
        const out = await probe.pipeline(q, k, T, d);
        if (!out.ok) return out.outcome;
        const tol = rotationTolerance(widerTolerance(out.value.q.dtype, out.value.cos.dtype), 0);
        for (const [slot, x, y] of [['q', q, out.value.q], ['k', k, out.value.k]] as const) {
          const diff = maxAbsDiff(rowOf(y, 0), rowOf(x, 0)) / Math.max(1, maxAbs(rowOf(x, 0)));
          worst = Math.max(worst, diff);
          if (diff > tol) {
            return {
              status: 'fail',
              message: `at position 0, ${slot}_rot[0] differs from ${slot}[0] by ${fmt(diff)} (d_head=${d}), expected it unchanged (R_0 = I)`,
              data: { maxDiff: diff },
            };
          }
        }
      }
      return { status: 'pass', message: `position 0 leaves q and k unchanged (d_head ${ds.join(', ')}, max diff ${fmt(worst)})`, data: { maxDiff: worst } };
    });
  },
};
