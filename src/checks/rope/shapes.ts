import type { CheckKind } from '../kind.js';
import type { CheckOutcome } from '../../core/types.js';
import type { Detail } from '../../core/types.js';
import type { RopeCommonOptions } from '../../rope/options.js';
import { ropeSchema } from '../../rope/options.js';
import { Rng } from '../../rope/reference.js';
import { fmt, runRopeCheck, sizesSchema, type Size } from '../../rope/run.js';
import { shapeText } from '../../rope/session.js';
import type { RopeProbe } from '../../rope/session.js';

export interface ShapesOptions extends RopeCommonOptions {
  sizes: Size[];
  /** Batched (B, T, d) input: `off`, `note` (a detail when unsupported) or `require`. */
  batched: 'off' | 'note' | 'require';
  batch: number;
}

/**
 * rope-shapes: every function returns arrays of the lab's shapes and a real
 * floating dtype, for several sizes; batched (B, T, d) input is tried too.
 */
const DEFAULTS: Omit<ShapesOptions, keyof RopeCommonOptions> = {
  sizes: [{ T: 32, d: 16 }, { T: 7, d: 64 }, { T: 3, d: 128 }],
  batched: 'note',
  batch: 2,
};

/** The judgement (a plain function: created once per thread, so V8 optimises it once). */
async function judge(probe: RopeProbe, options: ShapesOptions): Promise<CheckOutcome> {
  const details: Detail[] = [];
  const dtypes = new Set<string>();
  const rng = new Rng(options.seed);
  for (const { T, d } of options.sizes) {
    const theta = await probe.frequencies(d);
    if (!theta.ok) return theta.outcome;
    dtypes.add(theta.value.dtype);
    const tables = await probe.tables(T, d);
    if (!tables.ok) return tables.outcome;
    dtypes.add(tables.value.cos.dtype);
    const q = rng.normals([T, d]);
    const k = rng.normals([T, d]);
    const out = await probe.apply(q, k, tables.value.cos, tables.value.sin);
    if (!out.ok) return out.outcome;
    dtypes.add(out.value.q.dtype);
    details.push({ message: `d_head=${d}, T=${T}: frequencies (${d / 2},), tables ${shapeText([T, d / 2])}, q_rot and k_rot ${shapeText([T, d])}` });
  }
  const batched = options.batched;
  const B = options.batch;
  if (batched !== 'off') {
    const { T, d } = options.sizes[0]!;
    const tables = await probe.tables(T, d);
    if (!tables.ok) return tables.outcome;
    const out = await probe.apply(rng.normals([B, T, d]), rng.normals([B, T, d]), tables.value.cos, tables.value.sin);
    if (!out.ok) {
      if (batched === 'require') return out.outcome;
      details.push({ message: `batched input (${B}, ${T}, ${d}) is not supported (${out.outcome.message}); the lab only requires (T, d_head), but attention code usually passes (batch, T, d_head)` });
    } else {
      details.push({ message: `batched input (${B}, ${T}, ${d}) gives (${B}, ${T}, ${d})` });
    }
  }
  const sizes = options.sizes.map((s) => `(T=${s.T}, d_head=${s.d})`).join(', ');
  const low = [...dtypes].filter((t) => t !== 'float64');
  if (low.length > 0) details.push({ message: `dtype ${low.join(', ')}: correct, with less precision than float64 (about ${fmt(low.includes('float16') ? 1e-3 : 1e-7)} relative)` });
  return { status: 'pass', message: `all returns have the lab's shapes at ${sizes} (dtype ${[...dtypes].join(', ')})`, details, data: { dtypes: [...dtypes] } };
}

export const ropeShapesKind: CheckKind<ShapesOptions> = {
  name: 'rope-shapes',
  summary: 'RoPE functions return the lab shapes and float dtypes for several sizes (and batched input)',
  targets: ['lab'],
  optionsSchema: ropeSchema({
    sizes: sizesSchema(DEFAULTS.sizes),
    batched: { enum: ['off', 'note', 'require'], default: DEFAULTS.batched },
    batch: { type: 'integer', minimum: 1, default: DEFAULTS.batch },
  }),
  run(ctx, raw) {
    return runRopeCheck<ShapesOptions>(ctx, raw, 'rope-shapes', DEFAULTS, judge);
  },
};
