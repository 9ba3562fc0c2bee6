import type { CheckKind } from '../kind.js';
import type { CheckOutcome, Detail } from '../../core/types.js';
import { dHeads, ropeSchema, type RopeCommonOptions } from '../../rope/options.js';
import { maxAbsAt, maxAbsDiffAt } from '../../rope/kernels.js';
import { Rng, rotationTolerance } from '../../rope/reference.js';
import { beyondFloat64, fmt, runRopeCheck } from '../../rope/run.js';
import type { RopeProbe } from '../../rope/session.js';

export interface IdentityOptions extends RopeCommonOptions {
  d: number[];
  T: number;
  /** The lab's bar on |q_rot[0] - q[0]| at the first d (rounding of a low working precision passes within it). */
  labTolerance: number;
}

const DEFAULTS = { d: [16, 64], T: 8, labTolerance: 1e-5 };

/** The judgement (a plain function: created once per thread, so V8 optimises it once). */
async function judge(probe: RopeProbe, options: IdentityOptions): Promise<CheckOutcome> {
  const ds = options.d;
  const T = options.T;
  const rng = new Rng(options.seed + 1);
  let worst = 0;
  let labError: number | undefined;
  const beyond: Array<{ error: number; maxAngle: number }> = [];
  let firstFail: CheckOutcome | undefined;
  for (const d of ds) {
    const q = rng.normals([T, d]);
    const k = rng.normals([T, d]);
    const out = await probe.pipeline(q, k, T, d);
    if (!out.ok) return out.outcome;
    const tol = rotationTolerance('float64', 0);
    for (let s = 0; s < 2; s++) {
      const slot = s === 0 ? 'q' : 'k';
      const x = s === 0 ? q.data : k.data;
      const y = s === 0 ? out.value.q.data : out.value.k.data;
      const diff = maxAbsDiffAt(y, 0, x, 0, d) / Math.max(1, maxAbsAt(x, 0, d));
      worst = Math.max(worst, diff);
      if (d === ds[0]) labError = Math.max(labError ?? 0, diff);
      if (!(diff <= tol)) {
        beyond.push({ error: diff, maxAngle: 0 });
        firstFail ??= {
          status: 'fail',
          message: `at position 0, ${slot}_rot[0] differs from ${slot}[0] by ${fmt(diff)} (d_head=${d}), expected it unchanged (R_0 = I)`,
          data: { maxDiff: diff },
        };
      }
    }
  }
  const passed = (details?: Detail[]): CheckOutcome => ({ status: 'pass', message: `position 0 leaves q and k unchanged (d_head ${ds.join(', ')}, max diff ${fmt(worst)})`, data: { maxDiff: worst }, ...(details ? { details } : {}) });
  if (!firstFail) return passed();
  const failed = firstFail;
  return beyondFloat64(probe, beyond, { error: labError, tolerance: options.labTolerance, what: `q_rot[0] - q[0] at d_head=${ds[0]}` }, () => failed, (note) => passed([note]));
}

/** rope-identity: position 0 is the identity rotation, for q and for k (R_0 = I). */
export const ropeIdentityKind: CheckKind<IdentityOptions> = {
  name: 'rope-identity',
  summary: 'position 0 leaves q and k unchanged (R_0 = I)',
  targets: ['lab'],
  optionsSchema: ropeSchema({ d: dHeads(DEFAULTS.d), T: { type: 'integer', minimum: 1, default: DEFAULTS.T }, labTolerance: { type: 'number', exclusiveMinimum: 0, default: DEFAULTS.labTolerance } }),
  run(ctx, raw) {
    return runRopeCheck<IdentityOptions>(ctx, raw, 'rope-identity', DEFAULTS, judge);
  },
};
