import type { CheckKind } from '../kind.js';
import type { CheckOutcome } from '../../core/types.js';
import type { Value } from '../../runner/types.js';
import { ropeSchema, type RopeCommonOptions } from '../../rope/options.js';
import { maxAbsDiff, Rng, type Arr } from '../../rope/reference.js';
import { fmt, runRopeCheck, sizesSchema, type Size } from '../../rope/run.js';
import type { RopeProbe } from '../../rope/session.js';

export interface InputsUnchangedOptions extends RopeCommonOptions {
  size: Size;
}

const DEFAULTS = { size: { T: 16, d: 16 } };

function dataOf(v: Value | undefined): ArrayLike<number> | undefined {
  return (v as { data?: ArrayLike<number> } | null | undefined)?.data;
}

/** The judgement (a plain function: created once per thread, so V8 optimises it once). */
async function judge(probe: RopeProbe, options: InputsUnchangedOptions): Promise<CheckOutcome> {
  const { T, d } = options.size;
  const names = probe.names;
  const f1 = await probe.frequencies(d);
  if (!f1.ok) return f1.outcome;
  const f2 = await probe.frequencies(d);
  if (!f2.ok) return f2.outcome;
  const fDiff = maxAbsDiff(f1.value.data, f2.value.data);
  if (fDiff > 0) return { status: 'fail', message: `two calls of ${names.frequencies}(${d}) differ by ${fmt(fDiff)}, expected the same frequencies` };
  const t1 = await probe.precompute(T, d);
  if (!t1.ok) return t1.outcome;
  const t2 = await probe.precompute(T, d);
  if (!t2.ok) return t2.outcome;
  const tDiff = Math.max(maxAbsDiff(t1.value.cos.data, t2.value.cos.data), maxAbsDiff(t1.value.sin.data, t2.value.sin.data));
  if (tDiff > 0) {
    return { status: 'fail', message: `two calls of ${names.precompute}(T=${T}, d_head=${d}) give tables that differ by ${fmt(tDiff)}, expected the same tables` };
  }
  const rng = new Rng(options.seed + 5);
  const q = rng.normals([T, d]);
  const k = rng.normals([T, d]);
  const inputs: Array<[string, Arr]> = [['q', q], ['k', k], ['cos_pe', t1.value.cos], ['sin_pe', t1.value.sin]];
  const out = await probe.apply(q, k, t1.value.cos, t1.value.sin, { returnInputs: true });
  if (!out.ok) return out.outcome;
  const aliases = out.value.aliases ?? [];
  for (const [i, a] of aliases.entries()) {
    if (a >= 0) {
      return {
        status: 'fail',
        message: `${names.apply} returns ${i === 0 ? 'q_rot' : 'k_rot'} as the same array as its input ${inputs[a]?.[0] ?? `#${a}`}, expected a new array`,
      };
    }
  }
  const after = out.value.inputsAfter;
  if (after) {
    for (const [i, [name, before]] of inputs.entries()) {
      const now = dataOf(after[i]);
      if (now === undefined) continue;
      const diff = maxAbsDiff(now, before.data);
      if (diff > 0) return { status: 'fail', message: `${names.apply} changed its input ${name} (max change ${fmt(diff)}), expected the caller's arrays untouched` };
    }
  }
  const checked = after ? 'q, k, cos_pe and sin_pe are unchanged after the call' : 'inputs not compared (the runner did not return them)';
  return { status: 'pass', message: `${names.apply} returns new arrays; ${checked}; repeated calls give the same tables` };
}

/**
 * rope-inputs-unchanged: apply_rope leaves q, k, cos_pe and sin_pe as they
 * were and returns new arrays (no aliasing); two calls of precompute_rope and
 * of rope_frequencies with the same arguments give the same answers.
 */
export const ropeInputsUnchangedKind: CheckKind<InputsUnchangedOptions> = {
  name: 'rope-inputs-unchanged',
  summary: 'apply_rope does not modify or return its inputs; repeated calls give the same tables',
  targets: ['lab'],
  optionsSchema: ropeSchema({ size: { ...sizesSchema([]).items, default: DEFAULTS.size } }),
  run(ctx, raw) {
    return runRopeCheck<InputsUnchangedOptions>(ctx, raw, 'rope-inputs-unchanged', DEFAULTS, judge);
  },
};
