import type { CheckKind } from '../kind.js';
import type { CheckOutcome } from '../../core/types.js';
import type { Detail } from '../../core/types.js';
import { ropeSchema, type RopeCommonOptions } from '../../rope/options.js';
import { applyRope, argMaxAbsDiff, maxAbs, maxAbsDiff, Rng, rotationTolerance, tables, type Arr, type Tables } from '../../rope/reference.js';
import { beyondFloat64, fmt, runRopeCheck, sizesSchema, type Size } from '../../rope/run.js';
import type { RopeProbe } from '../../rope/session.js';
import { maxAbsDiffAt } from '../../rope/kernels.js';
import type { Plot } from '../../reporters/html/charts.js';

export interface ReferenceOptions extends RopeCommonOptions {
  sizes: Size[];
  /** The lab's own bound on the max diff at labSize: rounding of a low working precision passes within it and fails beyond it. */
  labTolerance: number;
  labSize: Size;
}

const DEFAULTS = { sizes: [{ T: 32, d: 16 }, { T: 256, d: 64 }, { T: 64, d: 128 }], labTolerance: 1e-5, labSize: { T: 32, d: 16 } };

function located(got: Arr, want: Arr): string {
  const i = argMaxAbsDiff(got.data, want.data);
  if (i < 0) return '';
  const d = got.shape[got.shape.length - 1]!;
  return `row ${Math.floor(i / d)}, column ${i % d}: got ${fmt(got.data[i]!)}, expected ${fmt(want.data[i]!)}`;
}

/**
 * rope-reference: the learner's pipeline (their tables, their apply_rope)
 * matches the float64 reference at several d and T. An error beyond the
 * float64 bound that the learner's working precision explains (estimated from
 * their outputs, whatever dtype they return) passes with a precision note
 * while the max diff at the lab's size stays within `labTolerance`, and fails
 * named by the precision beyond it; any other error is wrong maths.
 */
/**
 * The reference q_rot and k_rot for the seeded inputs: they depend only on
 * (seed, T, d), so a batch computes them once per process. Read-only.
 */
const expectedCache = new Map<string, { q: Arr; k: Arr }>();

function expectedRotation(seed: number, T: number, d: number, q: Arr, k: Arr, ref: Tables): { q: Arr; k: Arr } {
  const key = `${seed}:${T}:${d}`;
  let want = expectedCache.get(key);
  if (want === undefined) {
    want = { q: applyRope(q, ref.cos, ref.sin), k: applyRope(k, ref.cos, ref.sin) };
    if (expectedCache.size >= 32) expectedCache.clear();
    expectedCache.set(key, want);
  }
  return want;
}

/** The judgement (a plain function: created once per thread, so V8 optimises it once). */
async function judge(probe: RopeProbe, options: ReferenceOptions): Promise<CheckOutcome> {
  const details: Detail[] = [];
  const data: Record<string, unknown> = {};
  let labDiff: number | undefined;
  const beyond: Array<{ error: number; maxAngle: number; T: number; d: number; q: Arr; k: Arr; got: { q: Arr; k: Arr }; want: { q: Arr; k: Arr }; ref: Tables; tol: number; scale: number }> = [];
  for (const { T, d } of options.sizes) {
    const rng = new Rng(options.seed * 101 + d + T);
    const q = rng.normals([T, d]);
    const k = rng.normals([T, d]);
    const out = await probe.pipeline(q, k, T, d);
    if (!out.ok) return out.outcome;
    const ref = tables(T, d);
    const want = expectedRotation(options.seed, T, d, q, k, ref);
    // The float64 bound: a larger error is either the learner's working precision or wrong maths (decided below).
    const tol = rotationTolerance('float64', T - 1);
    const scale = Math.max(1, maxAbs(q.data), maxAbs(k.data));
    const qDiff = maxAbsDiff(out.value.q.data, want.q.data);
    const kDiff = maxAbsDiff(out.value.k.data, want.k.data);
    const diff = Math.max(qDiff, kDiff);
    data[`d${d}_T${T}`] = { maxDiff: diff, dtype: out.value.q.dtype };
    if (T === options.labSize.T && d === options.labSize.d) labDiff = diff;
    if (!(diff <= tol * scale)) beyond.push({ error: diff / scale, maxAngle: T - 1, T, d, q, k, got: { q: out.value.q, k: out.value.k }, want, ref, tol, scale });
    details.push({ message: `d_head=${d}, T=${T}: max diff ${fmt(diff)}` });
  }
  const sizes = options.sizes.map((s) => `d_head=${s.d}, T=${s.T}`).join('; ');
  const first = beyond[0];
  // Where the error grows: the largest T beyond the float64 bound, its max error per position, against the lab's bar.
  const longest = [...beyond].sort((a, b) => b.T - a.T)[0];
  if (longest) data.plot = errorPlot(longest.T, longest.d, longest.got, longest.want, options.labTolerance);
  if (!first) return { status: 'pass', message: `q_rot and k_rot match the reference at ${sizes}`, details, data };
  return beyondFloat64(
    probe,
    beyond,
    { error: labDiff, tolerance: options.labTolerance, what: `q_rot and k_rot at d_head=${options.labSize.d}, T=${options.labSize.T}` },
    async () => {
      // The first size the maths fails at (the errors of the others may be rounding).
      const { T, d, q, k, got, want, ref, tol, scale } = first;
      const qDiff = maxAbsDiff(got.q.data, want.q.data);
      const kDiff = maxAbsDiff(got.k.data, want.k.data);
      const slot = qDiff >= kDiff ? 'q' : 'k';
      // Which function is off: apply_rope with the reference tables isolates it.
      const isolated = await probe.apply(q, k, ref.cos, ref.sin);
      if (isolated.ok) {
        const applyDiff = Math.max(maxAbsDiff(isolated.value.q.data, want.q.data), maxAbsDiff(isolated.value.k.data, want.k.data));
        details.push({
          message:
            applyDiff <= 1e-4 * scale
              ? `${probe.names.apply} is right when given the reference tables: the difference comes from ${probe.names.precompute}`
              : `${probe.names.apply} differs from the reference even with the reference tables (max diff ${fmt(applyDiff)})`,
        });
      }
      return {
        status: 'fail',
        message: `${slot}_rot differs from the reference by ${fmt(Math.max(qDiff, kDiff))} at d_head=${d}, T=${T} (${located(got[slot], want[slot])}), expected within ${fmt(tol * scale)}`,
        details,
        data,
      };
    },
    (note) => ({ status: 'pass', message: `q_rot and k_rot match the reference at ${sizes}, within the rounding of your working precision`, details: [note, ...details], data }),
  );
}

/** Max |got - want| over q and k at each position, on a log scale, with the lab's tolerance as a line. */
function errorPlot(T: number, d: number, got: { q: Arr; k: Arr }, want: { q: Arr; k: Arr }, labTolerance: number): Plot {
  const errors: Array<[number, number]> = [];
  for (let t = 0; t < T; t++) {
    let worst = 0;
    for (const slot of ['q', 'k'] as const) worst = Math.max(worst, maxAbsDiffAt(got[slot].data, t * d, want[slot].data, t * d, d));
    // A log axis shows no zero: an exact row is drawn at the float64 floor.
    errors.push([t, Number((Number.isFinite(worst) ? Math.max(worst, 1e-17) : 1e3).toPrecision(4))]);
  }
  return {
    title: `Error per position against the reference (d_head = ${d}, T = ${T})`,
    x: { title: 'position t' },
    y: { title: 'max |yours - reference| (log scale)', scale: 'log' },
    series: [
      { name: 'your q_rot, k_rot', points: errors },
      { name: "the lab's tolerance", points: [[0, labTolerance], [T - 1, labTolerance]], dashed: true },
    ],
    note: 'rounding grows slowly with the position; a wrong formula is off at once',
  };
}

export const ropeReferenceKind: CheckKind<ReferenceOptions> = {
  name: 'rope-reference',
  summary: 'q_rot and k_rot match the float64 reference (interleaved, counter-clockwise) at several sizes',
  targets: ['lab'],
  optionsSchema: ropeSchema({
    sizes: sizesSchema(DEFAULTS.sizes),
    labTolerance: { type: 'number', exclusiveMinimum: 0, default: DEFAULTS.labTolerance },
    labSize: { ...sizesSchema([]).items, default: DEFAULTS.labSize },
  }),
  run(ctx, raw) {
    return runRopeCheck<ReferenceOptions>(ctx, raw, 'rope-reference', DEFAULTS, judge);
  },
};
