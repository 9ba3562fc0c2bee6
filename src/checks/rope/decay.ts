import type { CheckKind } from '../kind.js';
import type { CheckOutcome } from '../../core/types.js';
import type { Detail } from '../../core/types.js';
import { dHeads, ropeSchema, type RopeCommonOptions } from '../../rope/options.js';
import { firstRowDots } from '../../rope/kernels.js';
import { arr, bucketMeans, decayCurve } from '../../rope/reference.js';
import { runRopeCheck } from '../../rope/run.js';
import { markShared } from '../../runner/refs.js';
import type { RopeProbe } from '../../rope/session.js';
import type { Plot } from '../../reporters/html/charts.js';

export interface DecayOptions extends RopeCommonOptions {
  d: number[];
  T: number;
  /** D1: s(1) at least this. */
  minFirst: number;
  /** D2 (d >= 32): a bucket mean may rise by at most this over the previous one. */
  maxRise: number;
  /** D3: every bucket mean within this of the reference. */
  bucketTolerance: number;
}

const DEFAULTS = { d: [16, 64], T: 512, minFirst: 0.9, maxRise: 0.02, bucketTolerance: 0.05 };

/** The judgement (a plain function: created once per thread, so V8 optimises it once). */
async function judge(probe: RopeProbe, options: DecayOptions): Promise<CheckOutcome> {
  const details: Detail[] = [];
  const data: Record<string, unknown> = {};
  const problems: string[] = [];
  const plots: Plot[] = [];
  const { T } = options;
  for (const d of options.d) {
    const ones = arr([T, d], markShared(new Float64Array(T * d).fill(1), `ones:${T}x${d}`));
    const out = await probe.pipeline(ones, ones, T, d);
    if (!out.ok) return out.outcome;
    const s = firstRowDots(out.value.q.data, T, d);
    const means = bucketMeans(s);
    const reference = bucketMeans(decayCurve(d, T - 1));
    const round = (xs: number[]) => xs.map((x) => Number(x.toFixed(3)));
    data[`d${d}`] = { s1: Number(s[1]!.toFixed(4)), buckets: round(means), reference: round(reference) };
    plots.push(decayPlot(d, means, reference));
    details.push({ message: `d_head=${d}: s(1) = ${s[1]!.toFixed(3)}, bucket means ${round(means).join(', ')}`, expected: round(reference).join(', ') });
    if (d >= 32 && !(s[1]! >= options.minFirst)) problems.push(`D1: s(1) = ${s[1]!.toFixed(3)} at d_head=${d}, expected >= ${options.minFirst}`);
    if (d >= 32) {
      for (let j = 1; j < means.length; j++) {
        if (means[j]! - means[j - 1]! > options.maxRise) {
          problems.push(`D2: the bucket mean rises from ${means[j - 1]!.toFixed(3)} to ${means[j]!.toFixed(3)} at distances [${2 ** j}, ${2 ** (j + 1)}) (d_head=${d}), expected no rise above ${options.maxRise}`);
          break;
        }
      }
    }
    const far = means.map((m, j) => ({ j, gap: Math.abs(m - reference[j]!) })).sort((a, b) => b.gap - a.gap)[0];
    if (far && !(far.gap <= options.bucketTolerance)) {
      problems.push(`D3: the bucket mean over distances [${2 ** far.j}, ${2 ** (far.j + 1)}) is ${means[far.j]!.toFixed(3)} at d_head=${d}, expected ${reference[far.j]!.toFixed(3)} ± ${options.bucketTolerance}`);
    }
  }
  data.plots = plots;
  if (problems.length > 0) return { status: 'fail', message: problems[0]!, details: [...problems.slice(1).map((m) => ({ message: m })), ...details], data };
  return { status: 'pass', message: `long-term decay follows the reference (D1-D3) at d_head ${options.d.join(', ')}, distances up to ${T - 1}`, details, data };
}

/** The HTML report's picture of the decay rule: bucket means of the learner's rotation against the reference. */
function decayPlot(d: number, means: number[], reference: number[]): Plot {
  const points = (values: number[]) => values.map((m, j): [number, number] => [2 ** j, Number(m.toFixed(4))]);
  return {
    title: `Long-term decay at d_head = ${d}`,
    x: { title: 'distance (start of the bucket [2^j, 2^(j+1)))', scale: 'log' },
    y: { title: 'mean of <R_0 1, R_r 1> / d' },
    series: [
      { name: 'your apply_rope', points: points(means) },
      { name: 'reference', points: points(reference), dashed: true },
    ],
    note: 'the curves should coincide: RoFormer section 3.4.3',
  };
}

/**
 * rope-decay (RoFormer 3.4.3, RESEARCH.md rules D1-D3): rotate the all-ones
 * vector at every position; s(r) = <y_0, y_r> / d. D1 s(1) >= 0.90; D2 the
 * means of s over buckets [2^j, 2^(j+1)) do not rise by more than 0.02
 * (d >= 32 only); D3 every bucket mean is within 0.05 of the reference.
 * Blind to pairing, sign and k-path bugs by design; catches wrong frequencies.
 */
export const ropeDecayKind: CheckKind<DecayOptions> = {
  name: 'rope-decay',
  summary: 'long-term decay: bucket means of <R_0 1, R_r 1>/d follow the reference (rules D1-D3)',
  targets: ['lab'],
  optionsSchema: ropeSchema({
    d: dHeads(DEFAULTS.d),
    T: { type: 'integer', minimum: 4, default: DEFAULTS.T },
    minFirst: { type: 'number', default: DEFAULTS.minFirst },
    maxRise: { type: 'number', minimum: 0, default: DEFAULTS.maxRise },
    bucketTolerance: { type: 'number', exclusiveMinimum: 0, default: DEFAULTS.bucketTolerance },
  }),
  run(ctx, raw) {
    return runRopeCheck<DecayOptions>(ctx, raw, 'rope-decay', DEFAULTS, judge);
  },
};
