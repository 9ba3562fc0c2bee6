import type { CheckKind } from '../kind.js';
import type { CheckOutcome, Detail } from '../../core/types.js';
import { dHeads, ropeSchema, type RopeCommonOptions } from '../../rope/options.js';
import { epsilonOf, frequencies } from '../../rope/reference.js';
import { coarser, storageFormat, type Precision } from '../../rope/precision.js';
import { beyondFloat64, fmt, runRopeCheck } from '../../rope/run.js';
import type { RopeProbe } from '../../rope/session.js';
import type { Plot } from '../../reporters/html/charts.js';

export interface FrequenciesOptions extends RopeCommonOptions {
  d: number[];
  /** Non-default bases, passed as the keyword argument `base`. */
  bases: number[];
  /** The bar on the relative error at the first d: rounding of a low working precision passes within it. */
  labTolerance: number;
}

const DEFAULTS = { d: [16, 64, 128], bases: [500], labTolerance: 1e-5 };

/** The judgement (a plain function: created once per thread, so V8 optimises it once). */
async function judge(probe: RopeProbe, options: FrequenciesOptions): Promise<CheckOutcome> {
  const ds = options.d;
  const bases = options.bases;
  const details: Detail[] = [];
  let worst = 0;
  let labError: number | undefined;
  const beyond: Array<{ error: number; maxAngle: number }> = [];
  let firstFail: CheckOutcome | undefined;
  let own: Precision = 'float64';
  let plot: Plot | undefined;
  const cases: Array<[number, number | undefined]> = [...ds.map((d) => [d, undefined] as [number, undefined]), ...bases.flatMap((b) => ds.slice(0, 2).map((d) => [d, b] as [number, number]))];
  for (const [d, base] of cases) {
    const got = await probe.frequencies(d, base);
    if (!got.ok) return got.outcome;
    const want = frequencies(d, base);
    own = coarser(own, storageFormat(got.value.data));
    if (base === undefined && (plot === undefined || d === 64)) plot = frequencyPlot(d, got.value.data, want, probe.names.frequencies);
    const tol = 64 * epsilonOf('float64') * Math.max(1, Math.log(base ?? 10000));
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
    if (d === ds[0] && base === undefined) labError = rel;
    if (!(rel <= tol)) beyond.push({ error: rel, maxAngle: Math.log(base ?? 10000) });
    if (rel > tol && !firstFail) {
      firstFail = {
        status: 'fail',
        message: `${call}[${at}] = ${fmt(got.value.data[at]!)}, expected base^(-2·${at}/${d}) = ${fmt(want[at]!)} (relative error ${fmt(rel)})`,
        details,
        data: { maxRelativeError: rel },
      };
    }
    details.push({ message: `${call}: max relative error ${fmt(rel)}` });
  }
  const withPlot = (data: Record<string, unknown>) => (plot ? { ...data, plot } : data);
  const passed = (note?: Detail): CheckOutcome => ({ status: 'pass', message: `${probe.names.frequencies} matches base^(-2i/d) for d_head ${ds.join(', ')} and base ${['default', ...bases].join(', ')} (max relative error ${fmt(worst)})`, details: note ? [note, ...details] : details, data: withPlot({ maxRelativeError: worst }) });
  if (!firstFail) return passed();
  const failed = { ...firstFail, details: [...details], data: withPlot(firstFail.data ?? {}) };
  return beyondFloat64(probe, beyond, { error: labError, tolerance: options.labTolerance, what: `${probe.names.frequencies}(${ds[0]}) (relative)` }, () => failed, passed, own);
}

/** The HTML report's picture: the learner's theta_i against base^(-2i/d), on a log scale (a wrong exponent is a line of another slope). */
function frequencyPlot(d: number, got: ArrayLike<number>, want: ArrayLike<number>, name: string): Plot | undefined {
  const points = (xs: ArrayLike<number>) => Array.from(xs, (v, i): [number, number] => [i, Number(v.toPrecision(6))]);
  const yours = points(got);
  // A log axis cannot show zero, negative or non-finite values: no plot then (the message says what is wrong).
  if (yours.length !== want.length || yours.some(([, v]) => !(v > 0) || !Number.isFinite(v))) return undefined;
  return {
    title: `${name}(${d}) against base^(-2i/d)`,
    x: { title: 'pair i' },
    y: { title: 'theta_i (log scale)', scale: 'log' },
    series: [
      { name: `your ${name}`, points: yours },
      { name: 'base^(-2i/d), base 10000', points: points(want), dashed: true },
    ],
  };
}

/** rope-frequencies: rope_frequencies(d) and rope_frequencies(d, base=b) equal base^(-2i/d), i = 0..d/2-1. */
export const ropeFrequenciesKind: CheckKind<FrequenciesOptions> = {
  name: 'rope-frequencies',
  summary: 'rope_frequencies(d, base) equals base^(-2i/d) for several d and a non-default base',
  targets: ['lab'],
  optionsSchema: ropeSchema({
    d: dHeads(DEFAULTS.d),
    bases: { type: 'array', items: { type: 'number', exclusiveMinimum: 1 }, default: DEFAULTS.bases },
    labTolerance: { type: 'number', exclusiveMinimum: 0, default: DEFAULTS.labTolerance },
  }),
  run(ctx, raw) {
    return runRopeCheck<FrequenciesOptions>(ctx, raw, 'rope-frequencies', DEFAULTS, judge);
  },
};
