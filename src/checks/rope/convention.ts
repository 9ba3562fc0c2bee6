import type { CheckKind } from '../kind.js';
import type { CheckOutcome } from '../../core/types.js';
import { CONVENTION_CLOCKWISE, CONVENTION_LEAK, conventionScan, identityMatrix } from '../../rope/kernels.js';
import { dHeads, ropeSchema, type RopeCommonOptions } from '../../rope/options.js';
import { arr } from '../../rope/reference.js';
import { applyAt, fmt, runRopeCheck } from '../../rope/run.js';
import type { RopeProbe } from '../../rope/session.js';

export interface ConventionOptions extends RopeCommonOptions {
  d: number[];
}

const DEFAULTS = { d: [16, 64] };

/** The judgement (a plain function: created once, optimised once; the scan of each response is a kernel). */
async function judge(probe: RopeProbe, options: ConventionOptions): Promise<CheckOutcome> {
  for (const d of options.d) {
    const eye = arr([d, d], identityMatrix(d));
    const out = await applyAt(probe, eye, eye, 8, new Array<number>(d).fill(1));
    if (!out.ok) return out.outcome;
    for (let s = 0; s < 2; s++) {
      const slot = s === 0 ? 'q' : 'k';
      const m = s === 0 ? out.value.q.data : out.value.k.data;
      const scan = conventionScan(m, d);
      const { i, j } = scan;
      if (scan.kind === CONVENTION_LEAK) {
        const splitHalf = j === (i + d / 2) % d;
        return {
          status: 'fail',
          message: `e_${i} at position 1 moves into index ${j} of ${slot}_rot (${fmt(m[i * d + j]!)}) at d_head=${d}${splitHalf ? ': pairs (i, i+d/2) are rotated together (split-half)' : ''}, expected interleaved pairs (2i, 2i+1)`,
        };
      }
      if (scan.kind === CONVENTION_CLOCKWISE) {
        return {
          status: 'fail',
          message: `e_${i} at position 1 becomes (${fmt(m[i * d + i]!)}, ${fmt(m[i * d + j]!)}) in ${slot}_rot at d_head=${d}: a clockwise rotation, expected counter-clockwise (cos, +sin)`,
        };
      }
      if (slot === 'q' && scan.rotatedPairs === 0) return { status: 'fail', message: `no pair of q is rotated at position 1 (d_head=${d}), expected interleaved pairs (2i, 2i+1) to rotate` };
    }
  }
  return { status: 'pass', message: `pairs (2i, 2i+1) rotate counter-clockwise in q and k (d_head ${options.d.join(', ')})` };
}

/**
 * rope-convention: the lab's convention, interleaved pairs (2i, 2i+1) rotated
 * counter-clockwise. Basis vectors e_i at position 1 go through the q slot and
 * the k slot: e_i may only move into its partner i^1, and e_{2i} must gain a
 * positive component in 2i+1. A correct split-half implementation fails here
 * (and only here and in rope-reference).
 */
export const ropeConventionKind: CheckKind<ConventionOptions> = {
  name: 'rope-convention',
  summary: 'interleaved pairs (2i, 2i+1), rotated counter-clockwise, in q and in k',
  targets: ['lab'],
  optionsSchema: ropeSchema({ d: dHeads(DEFAULTS.d) }),
  run(ctx, raw) {
    return runRopeCheck<ConventionOptions>(ctx, raw, 'rope-convention', DEFAULTS, judge);
  },
};
