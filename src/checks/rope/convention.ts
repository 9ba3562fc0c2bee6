import type { CheckKind } from '../kind.js';
import { dHeads, ropeSchema, type RopeCommonOptions } from '../../rope/options.js';
import { arr } from '../../rope/reference.js';
import { applyAt, fmt, rowOf, runRopeCheck } from '../../rope/run.js';

export interface ConventionOptions extends RopeCommonOptions {
  d: number[];
}

const DEFAULTS = { d: [16, 64] };

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
    return runRopeCheck<ConventionOptions>(ctx, raw, 'rope-convention', DEFAULTS, async (probe, options) => {
      for (const d of options.d) {
        const eye = arr([d, d], Float64Array.from({ length: d * d }, (_, i) => (Math.floor(i / d) === i % d ? 1 : 0)));
        const out = await applyAt(probe, eye, eye, 8, new Array<number>(d).fill(1));
        if (!out.ok) return out.outcome;
        for (const [slot, m] of [['q', out.value.q], ['k', out.value.k]] as const) {
          let rotatedPairs = 0;
          for (let i = 0; i < d; i++) {
            const v = rowOf(m, i);
            const partner = i ^ 1;
            for (let j = 0; j < d; j++) {
              if (j !== i && j !== partner && Math.abs(v[j]!) > 1e-9) {
                const splitHalf = j === (i + d / 2) % d;
                return {
                  status: 'fail',
                  message: `e_${i} at position 1 moves into index ${j} of ${slot}_rot (${fmt(v[j]!)}) at d_head=${d}${splitHalf ? ': pairs (i, i+d/2) are rotated together (split-half)' : ''}, expected interleaved pairs (2i, 2i+1)`,
                };
              }
            }
            if (i % 2 === 0 && Math.abs(v[partner]!) > 1e-12) {
              rotatedPairs++;
              if (v[partner]! < 0) {
                return {
                  status: 'fail',
                  message: `e_${i} at position 1 becomes (${fmt(v[i]!)}, ${fmt(v[partner]!)}) in ${slot}_rot at d_head=${d}: a clockwise rotation, expected counter-clockwise (cos, +sin)`,
                };
              }
            }
          }
          if (slot === 'q' && rotatedPairs === 0) return { status: 'fail', message: `no pair of q is rotated at position 1 (d_head=${d}), expected interleaved pairs (2i, 2i+1) to rotate` };
        }
      }
      return { status: 'pass', message: `pairs (2i, 2i+1) rotate counter-clockwise in q and k (d_head ${options.d.join(', ')})` };
    });
  },
};
