import type { CheckKind } from '../kind.js';
import type { CheckOutcome } from '../../core/types.js';
import { dHeads, ropeSchema, type RopeCommonOptions } from '../../rope/options.js';
import { maxAbsAt, maxAbsDiffAt } from '../../rope/kernels.js';
import { Rng, rotationTolerance, widerTolerance } from '../../rope/reference.js';
import { fmt, runRopeCheck } from '../../rope/run.js';
import type { RopeProbe } from '../../rope/session.js';

export interface IdentityOptions extends RopeCommonOptions {
  d: number[];
  T: number;
}

const DEFAULTS = { d: [16, 64], T: 8 };

/** The judgement (a plain function: created once per thread, so V8 optimises it once). */
async function judge(probe: RopeProbe, options: IdentityOptions): Promise<CheckOutcome> {
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
    for (let s = 0; s < 2; s++) {
      const slot = s === 0 ? 'q' : 'k';
      const x = s === 0 ? q.data : k.data;
      const y = s === 0 ? out.value.q.data : out.value.k.data;
      const diff = maxAbsDiffAt(y, 0, x, 0, d) / Math.max(1, maxAbsAt(x, 0, d));
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
}

/** rope-identity: position 0 is the identity rotation, for q and for k (R_0 = I). */
export const ropeIdentityKind: CheckKind<IdentityOptions> = {
  name: 'rope-identity',
  summary: 'position 0 leaves q and k unchanged (R_0 = I)',
  targets: ['lab'],
  optionsSchema: ropeSchema({ d: dHeads(DEFAULTS.d), T: { type: 'integer', minimum: 1, default: DEFAULTS.T } }),
  run(ctx, raw) {
    return runRopeCheck<IdentityOptions>(ctx, raw, 'rope-identity', DEFAULTS, judge);
  },
};
