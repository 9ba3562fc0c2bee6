import type { CheckKind } from '../kind.js';
import type { CheckOutcome } from '../../core/types.js';
import type { Detail } from '../../core/types.js';
import { ropeSchema, type RopeCommonOptions } from '../../rope/options.js';
import { applyRope, argMaxAbsDiff, maxAbs, maxAbsDiff, Rng, rotationTolerance, tables, widerTolerance, type Arr, type Tables } from '../../rope/reference.js';
import { fmt, runRopeCheck, sizesSchema, type Size } from '../../rope/run.js';
import type { RopeProbe } from '../../rope/session.js';

export interface ReferenceOptions extends RopeCommonOptions {
  sizes: Size[];
  /** The lab's own bound on its sizes; a low-precision dtype above it warns. */
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
 * matches the float64 reference at several d and T, within a tolerance scaled
 * by the input size, the largest position and the learner's dtype. A correct
 * float32 implementation passes with a precision note; it warns only when it
 * exceeds the lab's 1e-5 at the lab's size.
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
  let lowPrecision: string | undefined;
  for (const { T, d } of options.sizes) {
    const rng = new Rng(options.seed * 101 + d + T);
    const q = rng.normals([T, d]);
    const k = rng.normals([T, d]);
    const out = await probe.pipeline(q, k, T, d);
    if (!out.ok) return out.outcome;
    const ref = tables(T, d);
    const want = expectedRotation(options.seed, T, d, q, k, ref);
    const dtype = widerTolerance(out.value.q.dtype, out.value.cos.dtype);
    if (dtype !== 'float64') lowPrecision = dtype;
    const tol = rotationTolerance(dtype, T - 1);
    const scale = Math.max(1, maxAbs(q.data), maxAbs(k.data));
    const qDiff = maxAbsDiff(out.value.q.data, want.q.data);
    const kDiff = maxAbsDiff(out.value.k.data, want.k.data);
    const diff = Math.max(qDiff, kDiff);
    data[`d${d}_T${T}`] = { maxDiff: diff, dtype };
    if (T === options.labSize.T && d === options.labSize.d) labDiff = diff;
    if (!(diff <= tol * scale)) {
      const slot = qDiff >= kDiff ? 'q' : 'k';
      // Which function is off: apply_rope with the reference tables isolates it.
      const isolated = await probe.apply(q, k, ref.cos, ref.sin);
      if (isolated.ok) {
        const applyDiff = Math.max(maxAbsDiff(isolated.value.q.data, want.q.data), maxAbsDiff(isolated.value.k.data, want.k.data));
        details.push({
          message:
            applyDiff <= tol * scale
              ? `${probe.names.apply} is right when given the reference tables: the difference comes from ${probe.names.precompute}`
              : `${probe.names.apply} differs from the reference even with the reference tables (max diff ${fmt(applyDiff)})`,
        });
      }
      return {
        status: 'fail',
        message: `${slot}_rot differs from the reference by ${fmt(diff)} at d_head=${d}, T=${T} (${located(out.value[slot], want[slot])}), expected within ${fmt(tol * scale)}`,
        details,
        data,
      };
    }
    details.push({ message: `d_head=${d}, T=${T}: max diff ${fmt(diff)} (${dtype}, tolerance ${fmt(tol * scale)})` });
  }
  if (lowPrecision) {
    if (labDiff !== undefined && labDiff > options.labTolerance) {
      return {
        status: 'warn',
        message: `your ${lowPrecision} implementation is correct but misses the lab's ${fmt(options.labTolerance)} at d_head=${options.labSize.d}, T=${options.labSize.T} (max diff ${fmt(labDiff)}); compute the angles in float64`,
        details,
        data,
      };
    }
    details.unshift({ message: `precision note: your code computes in ${lowPrecision}; errors grow with the position (about 1e-3 at T = 4096 with ${lowPrecision} angles). Compute angles in float64 for long contexts.` });
  }
  return { status: 'pass', message: `q_rot and k_rot match the reference at ${options.sizes.map((s) => `d_head=${s.d}, T=${s.T}`).join('; ')}`, details, data };
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
