import type { CheckKind } from '../kind.js';
import type { CheckOutcome, Detail } from '../../core/types.js';
import { dHeads, ropeSchema, type RopeCommonOptions } from '../../rope/options.js';
import { epsilonOf, frequencies } from '../../rope/reference.js';
import { fmt, runRopeCheck } from '../../rope/run.js';
import type { RopeProbe } from '../../rope/session.js';

export interface FrequenciesOptions extends RopeCommonOptions {
  d: number[];
  /** Non-default bases, passed as the keyword argument `base`. */
  bases: number[];
}

const DEFAULTS = { d: [16, 64, 128], bases: [500] };

/** The judgement (a plain function: created once per thread, so V8 optimises it once). */
async function judge(probe: RopeProbe, options: FrequenciesOptions): Promise<CheckOutcome> {
  const ds = options.d;
  const bases = options.bases;
  const details: Detail[] = [];
  let worst = 0;
  const cases: Array<[number, number | undefined]> = [...ds.map((d) => [d, undefined] as [number, undefined]), ...bases.flatMap((b) => ds.slice(0, 2).map((d) => [d, b] as [number, number]))];
  for (const [d, base] of cases) {
    const got = await probe.frequencies(d, base);
    if (!got.ok) return got.outcome;
    const want = frequencies(d, base);
    const tol = 64 * epsilonOf(got.value.dtype) * Math.max(1, Math.log(base ?? 10000));
    let at = 0;
    let rel = 0;
    want.forEach((w, i) => {
      const e = Math.abs(got.value.data[i]! - w) / w;
      if (!(e <= rel)) {
        rel = Number.isNaN(e) ? Infinity : e;
        at = i;
      }
    });
    worst = Math.max(worst, rel);
    const call = `${probe.names.frequencies}(d_head=${d}${base === undefined ? '' : `, base=${base}`})`;
    if (rel > tol) {
      return {
        status: 'fail',
        message: `${call}[${at}] = ${fmt(got.value.data[at]!)}, expected base^(-2·${at}/${d}) = ${fmt(want[at]!)} (relative error ${fmt(rel)})`,
        details,
        data: { maxRelativeError: rel },
      };
    }
    details.push({ message: `${call}: max relative error ${fmt(rel)}` });
  }
  return { status: 'pass', message: `${probe.names.frequencies} matches base^(-2i/d) for d_head ${ds.join(', ')} and base ${['default', ...bases].join(', ')} (max relative error ${fmt(worst)})`, details, data: { maxRelativeError: worst } };
}

/** rope-frequencies: rope_frequencies(d) and rope_frequencies(d, base=b) equal base^(-2i/d), i = 0..d/2-1. */
export const ropeFrequenciesKind: CheckKind<FrequenciesOptions> = {
  name: 'rope-frequencies',
  summary: 'rope_frequencies(d, base) equals base^(-2i/d) for several d and a non-default base',
  targets: ['lab'],
  optionsSchema: ropeSchema({
    d: dHeads(DEFAULTS.d),
    bases: { type: 'array', items: { type: 'number', exclusiveMinimum: 1 }, default: DEFAULTS.bases },
  }),
  run(ctx, raw) {
    return runRopeCheck<FrequenciesOptions>(ctx, raw, 'rope-frequencies', DEFAULTS, judge);
  },
};
