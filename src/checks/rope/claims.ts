import type { CheckKind } from '../kind.js';
import type { CheckOutcome, Detail } from '../../core/types.js';
import { ropeSchema, type RopeCommonOptions } from '../../rope/options.js';
import { epsilonOf } from '../../rope/reference.js';
import { precisionProfile } from '../../rope/precision.js';
import { findReportedNumbers, type Quantity, type ReportedNumber } from '../../rope/reported.js';
import { fmt, LAB_PAIRS, measureNorm, measureRelativePosition, runRopeCheck } from '../../rope/run.js';
import type { RopeProbe } from '../../rope/session.js';

export interface ClaimsOptions extends RopeCommonOptions {
  manifest: string;
  texts: string[];
  /** The lab's bounds: Block B max diff and Block D atol. */
  relativePositionTolerance: number;
  normTolerance: number;
  d: number;
  T: number;
  normPositions: number[];
}

const DEFAULTS = {
  manifest: 'manifest.json',
  texts: ['README.md', 'verify_output.txt'],
  relativePositionTolerance: 1e-5,
  normTolerance: 1e-6,
  d: 16,
  T: 32,
  normPositions: [0, 1, 5, 100],
};

const LABEL: Record<Quantity, string> = { 'relative-position': 'Block B max |lhs - rhs|', norm: 'Block D max norm difference' };

/** The judgement of the reported numbers (a plain function: created once per thread, so V8 optimises it once). */
async function judge(probe: RopeProbe, options: ClaimsOptions, reported: ReportedNumber[]): Promise<CheckOutcome> {
  const relpos = await measureRelativePosition(probe, { T: options.T, d: options.d }, LAB_PAIRS.filter(([m, n]) => m < options.T && n < options.T), options.seed);
  if (!relpos.ok) return relpos.outcome;
  const normed = await measureNorm(probe, options.d, options.normPositions, options.seed);
  if (!normed.ok) return normed.outcome;
  const measured: Record<Quantity, { value: number; dtype: string; tolerance: number }> = {
    'relative-position': { value: Math.max(...relpos.value.pairs.map((p) => p.raw)), dtype: relpos.value.dtype, tolerance: options.relativePositionTolerance },
    norm: { value: normed.value.maxDiff, dtype: normed.value.dtype, tolerance: options.normTolerance },
  };
  const details: Detail[] = [];
  const contradicted: Array<{ claim: ReportedNumber; measured: number }> = [];
  const implausible: Array<{ claim: ReportedNumber; measured: number; dtype: string }> = [];
  for (const claim of reported) {
    const m = measured[claim.quantity];
    const where = `${claim.location.file}${claim.location.line ? `:${claim.location.line}` : ''}`;
    details.push({ message: `${where} reports ${LABEL[claim.quantity]} = ${claim.text}`, location: claim.location, actual: claim.text, expected: `measured ${fmt(m.value)} (${m.dtype})` });
    if (claim.value < m.tolerance && !(m.value < m.tolerance)) contradicted.push({ claim, measured: m.value });
    else if (claim.value > 0 && claim.value < m.value / 100) {
      // The working precision, from the outputs (a float32 pipeline may hand back float64): estimated only for a claim this far below the measure.
      const working = m.dtype !== 'float64' ? m.dtype : (await precisionProfile(probe)).precision;
      if (working !== 'float64' && claim.value < epsilonOf(working) * 1e-2) implausible.push({ claim, measured: m.value, dtype: working });
    }
  }
  const data = { measured: { relativePosition: measured['relative-position'].value, norm: measured.norm.value, dtype: measured['relative-position'].dtype }, reported: reported.map((r) => ({ quantity: r.quantity, value: r.value, file: r.location.file })) };
  const first = contradicted[0];
  if (first) {
    const q = first.claim.quantity;
    return {
      status: 'fail',
      message: `${first.claim.location.file} reports ${LABEL[q]} = ${first.claim.text} (a pass), but your code gives ${fmt(first.measured)} on the lab's ${q === 'norm' ? `positions ${options.normPositions.join(', ')}` : 'five pairs'} (d_head=${options.d}), above ${fmt(measured[q].tolerance)}`,
      location: first.claim.location,
      details,
      data,
    };
  }
  const odd = implausible[0];
  if (odd) {
    return {
      status: 'warn',
      message: `${odd.claim.location.file} reports ${LABEL[odd.claim.quantity]} = ${odd.claim.text}, a precision your ${odd.dtype} code cannot produce (it gives ${fmt(odd.measured)}); report the number your code prints`,
      location: odd.claim.location,
      details,
      data,
    };
  }
  return { status: 'pass', message: `the ${reported.length} reported max diff${reported.length === 1 ? '' : 's'} agree with your code (Block B ${fmt(measured['relative-position'].value)}, Block D ${fmt(measured.norm.value)})`, details, data };
}

/**
 * rope-claims: the numbers the learner reports (manifest results_summary,
 * README, verify_output.txt) against the lab's Block B and Block D run on
 * their code. A reported pass that their code contradicts fails, quoting both
 * numbers; a precision their dtype cannot produce (1e-17 from float32 code) warns.
 */
export const ropeClaimsKind: CheckKind<ClaimsOptions> = {
  name: 'rope-claims',
  summary: "reported Block B and Block D max diffs agree with the learner's own code",
  targets: ['lab'],
  optionsSchema: ropeSchema({
    manifest: { type: 'string', default: DEFAULTS.manifest },
    texts: { type: 'array', items: { type: 'string' }, default: DEFAULTS.texts },
    relativePositionTolerance: { type: 'number', exclusiveMinimum: 0, default: DEFAULTS.relativePositionTolerance },
    normTolerance: { type: 'number', exclusiveMinimum: 0, default: DEFAULTS.normTolerance },
    d: { type: 'integer', minimum: 2, multipleOf: 2, default: DEFAULTS.d },
    T: { type: 'integer', minimum: 2, default: DEFAULTS.T },
    normPositions: { type: 'array', items: { type: 'integer', minimum: 0 }, minItems: 1, default: DEFAULTS.normPositions },
  }),
  async run(ctx, raw) {
    const reported = await findReportedNumbers(ctx.files, {
      manifest: raw?.manifest ?? DEFAULTS.manifest,
      texts: raw?.texts ?? DEFAULTS.texts,
    });
    if (reported.length === 0) {
      return { status: 'skip', message: 'no reported Block B or Block D max diff found in manifest.json, README.md or verify_output.txt' };
    }
    return runRopeCheck<ClaimsOptions>(ctx, raw, 'rope-claims', DEFAULTS, (probe, options) => judge(probe, options, reported));
  },
};
