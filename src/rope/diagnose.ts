/**
 * Names the bug behind a failing RoPE check by the closest variant of the
 * catalogue (rubrics/variants/rope.yaml, RESEARCH.md sections 3 and 7). Every
 * diagnosis is a catalogue entry filled with fitted parameters, attached only
 * to the check kinds the entry explains.
 *
 * Probes, run once per submission (only when a check fails) and memoised:
 * - frequencies: rope_frequencies(64) against the frequency models
 *   (variants/models.ts), and a non-default base must change the answer;
 * - k path: e_i at positions 0, 1, 2, 5 through the q slot and 2 e_i through
 *   the k slot (d_head = 16);
 * - structure (d_head = 64): the basis response at position 1 gives the
 *   rotated pairs, their output slots and the dims left alone (pairing,
 *   layout, partial rotary: variants/observe.ts);
 * - angles: every rotated pair's unwrapped angle over t = 0..63 (cos/sin swap,
 *   direction, position offset, length, and the angular speeds fitted by the
 *   frequency models);
 * - precision: the tables' storage format (float16, bfloat16 tables);
 * - sizes: d_head = 16 against 64 (hard-coded head size);
 * - state: two calls give the same tables, inputs are not written to.
 * When nothing in the catalogue explains a failure, the diagnosis says so with
 * the first index where the learner's output differs.
 */
import type { CheckOutcome } from '../core/types.js';
import type { RopeProbe } from './session.js';
import { fitLineF64, identityMatrix, matrixDiffAt, type Line } from './kernels.js';
import { coarser, precisionProfile, storageFormat, UNIT_ROUNDOFF } from './precision.js';
import { applyRope, arr, frequencies, gatherRows, maxAbsDiff, Rng, tables as referenceTables, type Arr } from './reference.js';
import { entry, fill } from './variants/catalogue.js';
import { fitFrequencies, type FrequencyFit } from './variants/models.js';
import { inPlace, pairAngles, pairingKind, pairInputs, structureOf } from './variants/observe.js';

/** A variant id of rubrics/variants/rope.yaml, or one of the state and k-path bugs found by their own probes. */
export type BugId = string;

export interface Diagnosis {
  bug: BugId;
  /** One or two sentences a learner can act on. */
  text: string;
  /** Check kinds this bug can make fail. */
  explains: string[];
}

const NUMERIC = [
  'rope-shapes',
  'rope-frequencies',
  'rope-identity',
  'rope-composition',
  'rope-relative-position',
  'rope-norm',
  'rope-decay',
  'rope-reference',
  'rope-convention',
  'rope-claims',
];

const fmt = (x: number, digits = 3) => (Math.abs(x) >= 1e-3 && Math.abs(x) < 1e4 ? Number(x.toPrecision(digits)).toString() : x.toExponential(2));

/** Least-squares line y = a + b x. */
export function fitLine(xs: readonly number[], ys: readonly number[]): Line {
  return fitLineF64(Float64Array.from(xs), Float64Array.from(ys), xs.length);
}

const near = (x: number, target: number, rel = 0.02) => Math.abs(x - target) <= rel * Math.abs(target);

// ---- frequencies -------------------------------------------------------------

/** What log theta_k against k says about a frequency vector at head size d. */
export function describeFrequencies(theta: ArrayLike<number>, d: number, base = 10000): string | undefined {
  const ks: number[] = [];
  const logs: number[] = [];
  for (let k = 0; k < theta.length; k++) {
    if (theta[k]! > 0) {
      ks.push(k);
      logs.push(Math.log(theta[k]!));
    }
  }
  const reference = frequencies(d, base);
  if (maxAbsDiff(theta, reference) <= 1e-5 * Math.max(1, reference[0]!)) return undefined;
  const zeros = theta.length - ks.length;
  if (ks.length < 2) return `the frequencies are ${zeros === theta.length ? 'all zero' : 'not positive'}; the lab's are theta_i = base^(-2i/d).`;
  const { a, b } = fitLine(ks, logs);
  const exponent = (-b * d) / Math.log(base);
  const theta0 = Math.exp(a);
  const parts: string[] = [];
  if (Math.abs(exponent - 2) > 0.04) {
    const fittedBase = Math.exp((-b * d) / 2);
    const named = near(exponent, 1, 0.03) ? 'i/d' : near(exponent, 4, 0.03) ? '4i/d' : `${fmt(exponent)}i/d`;
    parts.push(
      `log theta_k against k fits theta_k = base^(-${named}) (slope ${fmt(b, 4)}, i.e. exponent ${fmt(exponent)}·i/d with base ${base}, or base ${fmt(fittedBase, 4)} with 2i/d)`,
    );
  }
  if (Math.abs(theta0 - 1) > 0.01) {
    const named = near(theta0, Math.PI / 180) ? ` = pi/180 (degrees)` : '';
    parts.push(`theta_0 = ${fmt(theta0, 4)}${named} instead of 1`);
  }
  if (zeros > 0) parts.push(`${zeros} of the ${theta.length} frequencies are zero`);
  if (parts.length === 0) parts.push('the values differ from base^(-2i/d)');
  return `${parts.join('; ')}. The lab's frequencies are theta_i = base^(-2i/d) for i = 0..d/2-1.`;
}

/** rope_frequencies(64) against the frequency models, and whether it uses its base argument. */
async function frequencyProbe(probe: RopeProbe): Promise<{ diagnoses: Diagnosis[]; fit: FrequencyFit | undefined }> {
  const name = probe.names.frequencies;
  const at64 = await probe.frequencies(64);
  if (!at64.ok) return { diagnoses: [], fit: undefined };
  if (describeFrequencies(at64.value.data, 64)) {
    const values = at64.value.data;
    const index: number[] = [];
    for (let k = 0; k < values.length; k++) if (values[k]! > 0) index.push(k);
    const zeros = values.length - index.length;
    if (index.length < 2) {
      return { diagnoses: [{ bug: 'frequency-formula', text: `${name}(64): the frequencies are ${zeros === values.length ? 'all zero' : 'not positive'}; the lab's are theta_i = base^(-2i/d).`, explains: NUMERIC }], fit: undefined };
    }
    const omega = Float64Array.from(index, (k) => values[k]!);
    const subject = `${name}(64)'s frequencies${zeros > 0 ? ` (the ${index.length} non-zero ones of ${values.length})` : ''}`;
    const fit = fitFrequencies(omega, index, 64, 10000, { T: 64, dependsOnT: false });
    if (!fit) return { diagnoses: [], fit: undefined };
    if (fit.unexplained) return { diagnoses: [unexplainedFrequencies(omega, index, 64, `${name}(64)`)], fit: undefined };
    return { diagnoses: [variant(fit.id, { subject, ...fit.params })], fit };
  }
  const at500 = await probe.frequencies(64, 500);
  if (!at500.ok) return { diagnoses: [], fit: undefined };
  if (maxAbsDiff(at500.value.data, at64.value.data) <= 1e-12) {
    return {
      diagnoses: [variant('base-ignored', { frequencies: name })],
      fit: undefined,
    };
  }
  const d500 = describeFrequencies(at500.value.data, 64, 500);
  return { diagnoses: d500 ? [{ bug: 'frequency-formula', text: `${name}(64, base=500): ${d500}`, explains: ['rope-frequencies'] }] : [], fit: undefined };
}

// ---- basis vectors: pairing, unrotated pairs, k path -------------------------------

interface Matrices {
  d: number;
  positions: number[];
  /** Row p d + i (offset (p d + i) d) = output for e_i at positions[p] (q slot): matrix p starts at p d^2. */
  q: Float64Array;
  /** The same for 2 e_i (k slot). */
  k: Float64Array;
  cos: Arr;
  sin: Arr;
}

async function basisMatrices(probe: RopeProbe, d: number, T: number, positions: number[]): Promise<Matrices | undefined> {
  const tables = await probe.tables(T, d);
  if (!tables.ok) return undefined;
  const rowsAt: number[] = [];
  for (const p of positions) for (let i = 0; i < d; i++) rowsAt.push(p);
  const n = rowsAt.length;
  const q = new Float64Array(n * d);
  const k = new Float64Array(n * d);
  for (let r = 0; r < n; r++) {
    q[r * d + (r % d)] = 1;
    k[r * d + (r % d)] = 2;
  }
  const out = await probe.apply(arr([n, d], q), arr([n, d], k), gatherRows(tables.value.cos, rowsAt), gatherRows(tables.value.sin, rowsAt));
  if (!out.ok) return undefined;
  return { d, positions, q: out.value.q.data, k: out.value.k.data, cos: tables.value.cos, sin: tables.value.sin };
}

/** The k slot against the q slot at positions other than 0 (the d = 16 basis matrices). */
function kPathDiagnoses(m: Matrices): Diagnosis[] {
  const { d } = m;
  const at = (p: number) => p * d * d;
  const eye = identityMatrix(d);
  const moving = m.positions.map((_, p) => at(p)).filter((o) => matrixDiffAt(m.q, o, eye, 0, d, 1, false) > 1e-6);
  const tol = 1e-5;
  const kOk = moving.every((o) => matrixDiffAt(m.k, o, m.q, o, d, 2, false) <= tol);
  if (kOk || moving.length === 0) return [];
  if (moving.every((o) => matrixDiffAt(m.k, o, eye, 0, d, 2, false) <= tol)) {
    return [variant('k-not-rotated')];
  }
  if (moving.every((o) => matrixDiffAt(m.k, o, m.q, o, d, 1, false) <= tol)) {
    return [variant('k-from-q')];
  }
  if (moving.every((o) => matrixDiffAt(m.k, o, m.q, o, d, 2, true) <= tol)) {
    return [variant('k-opposite')];
  }
  return [variant('k-path')];
}

// ---- variants: structure, angles and frequencies at d_head = 64 ------------------------

/** A catalogue variant as a diagnosis: its text filled with the fitted parameters. */
function variant(id: string, params: Record<string, string | number> = {}): Diagnosis {
  const e = entry(id);
  return { bug: id, text: fill(e.text, params), explains: e.explains };
}

const STRUCTURE_D = 64;
const ANGLE_T = 64;

/** The learner's rotation at d_head = 64 against the catalogue's models (see variants/). */
async function variantDiagnoses(probe: RopeProbe, freqFit: FrequencyFit | undefined): Promise<Diagnosis[]> {
  const d = STRUCTURE_D;
  const T = ANGLE_T;
  const tables = await probe.tables(T, d);
  if (!tables.ok) return [];
  const eye = arr([d, d], identityMatrix(d));
  const at1 = await probe.apply(eye, eye, gatherRows(tables.value.cos, new Array<number>(d).fill(1)), gatherRows(tables.value.sin, new Array<number>(d).fill(1)));
  if (!at1.ok) return [];
  const structure = structureOf(at1.value.q.data, 0, d);
  const out: Diagnosis[] = [];
  const pairing = pairingKind(structure);
  if (structure.pairs.length === 0) {
    if (structure.mixed.length === 0 && matrixDiffAt(at1.value.q.data, 0, eye.data, 0, d, 1, false) <= 1e-12) return [variant('not-rotated')];
    return [];
  }
  if (structure.mixed.length > 0) {
    const i = structure.mixed[0]!;
    const row = at1.value.q.data.subarray(i * d, (i + 1) * d);
    const into = [...row.keys()].filter((j) => j !== i && Math.abs(row[j]!) > 1e-7).slice(0, 3);
    return [variant('pairing', { example: `e_${i} at position 1 spreads into indices ${into.join(', ')}` })];
  }
  if (!inPlace(structure)) {
    const p = structure.pairs[0]!;
    const deinterleaved = pairing.kind === 'interleaved' && structure.pairs.every((q, i) => q.outA === i && q.outB === i + d / 2);
    out.push(variant('output-order', { written: deinterleaved ? '(i, i+d/2) (out[i] and out[i + d/2])' : `other places (the pair (${p.a}, ${p.b}) lands in (${p.outA}, ${p.outB}))` }));
  } else if (pairing.kind === 'split-half') out.push(variant('split-half'));
  else if (pairing.kind === 'split-half-rotary') out.push(variant('split-half-rotary', { half: pairing.half!, rotated: 2 * pairing.half! }));
  else if (pairing.kind === 'other') out.push(variant('pairing', { example: pairing.example ?? '' }));
  // The angle of every pair over t = 0..T-1.
  const y = await probe.apply(arr([T, d], pairInputs(T, d, structure.pairs)), arr([T, d], pairInputs(T, d, structure.pairs)), tables.value.cos, tables.value.sin);
  if (!y.ok) return out;
  const angles = pairAngles(y.value.q.data, T, d, structure.pairs);
  const pairs = structure.pairs;
  // cos/sin swapped: every pair starts at 90 degrees and turns the other way.
  if (Math.abs(angles.phase[0]! - Math.PI / 2) < 0.05 && angles.slope[0]! < 0) {
    const c0 = tables.value.cos.data[0]!;
    const s0 = tables.value.sin.data[0]!;
    const where =
      Math.abs(c0) < 1e-6 && Math.abs(s0 - 1) < 1e-6
        ? `${probe.names.precompute} returns sin where cos belongs (cos_pe[0] is 0, sin_pe[0] is 1)`
        : `${probe.names.apply} uses sin_pe where cos_pe belongs`;
    out.push(variant('cos-sin-swapped', { where }));
    return out;
  }
  const rotating: number[] = [];
  for (let k = 0; k < pairs.length; k++) if (Math.abs(angles.slope[k]!) > 1e-12) rotating.push(k);
  // Pairs with zero frequency rotate nothing: with the still inputs they make the unrotated part.
  const rotatedDims = rotating.flatMap((k) => [pairs[k]!.a, pairs[k]!.b]).sort((u, v) => u - v);
  if (rotating.length === 0) return [...out, variant('not-rotated')];
  if (rotatedDims.length < d) out.push(variant('partial-rotary', partialParams(rotatedDims, d)));
  const sign = Math.sign(angles.slope[rotating[0]!]!);
  if (sign < 0 && rotating.every((k) => angles.slope[k]! < 0)) out.push(variant('clockwise'));
  // Position offset: phase = offset * slope for every pair.
  let num = 0;
  let den = 0;
  for (const k of rotating) {
    num += angles.phase[k]! * angles.slope[k]!;
    den += angles.slope[k]! ** 2;
  }
  const offset = den > 0 ? num / den : 0;
  if (Math.abs(offset) > 0.01 && Math.abs(offset) < T) {
    const named = near(offset, 1, 0.01) ? 'Positions start at 1 instead of 0 (row t of the tables holds the angle (t+1)·theta)' : `Positions are shifted by ${fmt(offset)} (row t holds the angle (t${offset > 0 ? '+' : ''}${fmt(offset)})·theta)`;
    out.push(variant('positions-offset', { named }));
  }
  // Every rotated pair's length: 1 for a rotation.
  let length = 0;
  for (const k of rotating) length += angles.length[k]!;
  length /= rotating.length;
  if (Math.abs(length - 1) > 0.01) {
    const s = Math.exp((length - 1) / 0.1);
    const yarn = length > 1 && near(s, Math.round(s), 0.03) ? ` (YaRN's attention factor 0.1·ln(s) + 1 for s = ${Math.round(s)})` : '';
    out.push(variant('magnitude', { scale: fmt(length), yarn }));
  }
  // The angular speeds against the frequency models; rope_frequencies' own fit names the same variant first.
  const omega = Float64Array.from(rotating, (k) => sign * angles.slope[k]!);
  const index = rotating.map((k) => pairIndex(pairs[k]!, pairing.kind, d));
  const dependsOnT = await dependsOnLength(probe, d, omega[0]!);
  // Angles read from float16 or bfloat16 tables carry rounding noise in their slopes: no model has to explain it.
  const format = coarser(storageFormat(tables.value.cos.data), storageFormat(tables.value.sin.data));
  const slack = format === 'bfloat16' || format === 'float16' ? (8 * UNIT_ROUNDOFF[format]) / T : 0;
  const fit = fitFrequencies(omega, index, d, 10000, { T, dependsOnT, slack });
  if (fit && !(freqFit && freqFit.id === fit.id)) {
    out.push(fit.unexplained ? unexplainedFrequencies(omega, index, d, `The angles in ${probe.names.precompute}'s tables`) : variant(fit.id, { subject: `The angles in ${probe.names.precompute}'s tables`, ...fit.params }));
  }
  return out;
}

/** The lab's index of a rotated pair: i for (2i, 2i+1) and for (i, i+h). */
function pairIndex(p: { a: number; b: number }, kind: string, d: number): number {
  if (kind === 'interleaved' || kind === 'other') return Math.floor(p.a / 2);
  return p.a % (d / 2);
}

function partialParams(dims: number[], d: number): Record<string, string | number> {
  const r = dims.length;
  const fraction = Number((r / d).toPrecision(3));
  const contiguous = dims.every((v, i) => i === 0 || v === dims[i - 1]! + 1);
  const named = fraction === 0.5 ? 'half' : fraction === 0.25 ? 'quarter' : undefined;
  let where: string;
  if (contiguous && dims[0] === 0) where = `the first ${r} of the ${d} dims${named ? ` (the first ${named})` : ''}`;
  else if (contiguous && dims[r - 1] === d - 1) where = `the last ${r} of the ${d} dims`;
  else where = `${r} of the ${d} dims (${ranges(dims)})`;
  return { fraction, where, d, rotatedPairs: r / 2, pairs: d / 2 };
}

function ranges(dims: number[]): string {
  const parts: string[] = [];
  let start = dims[0]!;
  for (let i = 1; i <= dims.length; i++) {
    if (i === dims.length || dims[i] !== dims[i - 1]! + 1) {
      parts.push(start === dims[i - 1] ? `${start}` : `${start}-${dims[i - 1]}`);
      if (i < dims.length) start = dims[i]!;
    }
  }
  return parts.join(', ');
}

/** Whether pair 0's angle at position 1 depends on T (positions / T) or not (a fixed scale), from the tables at T = 32. */
async function dependsOnLength(probe: RopeProbe, d: number, omega0: number): Promise<boolean | undefined> {
  const other = await probe.tables(32, d);
  if (!other.ok) return undefined;
  const angle = Math.atan2(other.value.sin.data[d / 2]!, other.value.cos.data[d / 2]!);
  return !near(Math.abs(angle), omega0, 0.01);
}

/** No model fits: say so, with the first pair that differs. */
function unexplainedFrequencies(omega: Float64Array, index: number[], d: number, subject: string): Diagnosis {
  const theta = frequencies(d);
  let k = 0;
  while (k < omega.length && near(omega[k]!, theta[index[k]!]!, 0.01)) k++;
  const at = Math.min(k, omega.length - 1);
  return {
    bug: 'unexplained',
    text: `No known variant explains this: ${subject.toLowerCase()} first differ from the lab's at pair ${index[at]} (angular speed ${fmt(omega[at]!)}, expected theta_${index[at]} = ${fmt(theta[index[at]!]!)}).`,
    explains: ['rope-frequencies', 'rope-decay', 'rope-reference', 'rope-claims'],
  };
}

// ---- sizes and state ------------------------------------------------------------------

async function hardcodedProbe(probe: RopeProbe): Promise<Diagnosis[]> {
  const small = await probe.frequencies(16);
  if (!small.ok || describeFrequencies(small.value.data, 16)) return [];
  const symptoms: string[] = [];
  // A wrong shape or an exception at d = 64 is a symptom; a timeout or a crash says nothing about d_head.
  const symptom = (o: CheckOutcome) => o.status === 'fail' || o.data?.failure === 'exception';
  const large = await probe.frequencies(64);
  if (!large.ok) {
    if (symptom(large.outcome)) symptoms.push(large.outcome.message);
  } else if (describeFrequencies(large.value.data, 64)) symptoms.push(`${probe.names.frequencies}(64) gives wrong values`);
  if (symptoms.length === 0 && large.ok) {
    const tables = await probe.tables(8, 64);
    if (!tables.ok && symptom(tables.outcome)) symptoms.push(tables.outcome.message);
  }
  if (symptoms.length === 0) return [];
  return [variant('hardcoded-d', { symptom: symptoms[0]! })];
}

async function stateProbe(probe: RopeProbe): Promise<Diagnosis[]> {
  const out: Diagnosis[] = [];
  const first = await probe.precompute(8, 16);
  const second = await probe.precompute(8, 16);
  if (first.ok && second.ok) {
    const diff = Math.max(maxAbsDiff(first.value.cos.data, second.value.cos.data), maxAbsDiff(first.value.sin.data, second.value.sin.data));
    if (diff > 0) {
      out.push(variant('cached-table-mutated', { precompute: probe.names.precompute, diff: fmt(diff) }));
    }
  }
  if (first.ok) {
    const x = arr([8, 16], Float64Array.from({ length: 128 }, (_, i) => Math.sin(i + 1)));
    const res = await probe.apply(x, arr([8, 16], x.data.map((v) => -v)), first.value.cos, first.value.sin, { returnInputs: true });
    if (res.ok) {
      const aliased = (res.value.aliases ?? []).some((a) => a >= 0);
      const written = (res.value.inputsAfter ?? []).slice(0, 2).some((v, i) => {
        const data = (v as { data?: ArrayLike<number> } | null)?.data;
        return data !== undefined && maxAbsDiff(data, i === 0 ? x.data : x.data.map((u) => -u)) > 0;
      });
      if (aliased || written) {
        out.push(variant('in-place', { apply: probe.names.apply, how: aliased ? 'q_rot is the same array as q' : 'q or k is changed by the call' }));
      }
    }
  }
  return out;
}

/** Every bug the probes find, once per submission. */
export function diagnose(probe: RopeProbe): Promise<Diagnosis[]> {
  return probe.memo('diagnosis', async () => {
    const found: Diagnosis[] = [];
    const hard = await hardcodedProbe(probe);
    found.push(...hard);
    const freq = await frequencyProbe(probe);
    found.push(...freq.diagnoses);
    const m = await basisMatrices(probe, 16, 64, [0, 1, 2, 5]);
    if (m) found.push(...kPathDiagnoses(m));
    if (!hard.length) found.push(...(await variantDiagnoses(probe, freq.fit)));
    // Tables stored in float16 or bfloat16: named on the reference check beside any maths bug.
    if (!hard.length) {
      const profile = await precisionProfile(probe);
      const t = profile.tables;
      if (t && (t.format === 'bfloat16' || t.format === 'float16') && t.precision !== 'maths') found.push(variant('low-precision-tables', { format: t.format, error: fmt(t.error) }));
    }
    found.push(...(await stateProbe(probe)));
    return found;
  });
}

/**
 * The first place the learner's pipeline differs from the reference at the
 * lab's size, for a failure no variant explains (memoised).
 */
function firstDifference(probe: RopeProbe): Promise<string | undefined> {
  return probe.memo('first-difference', async () => {
    const T = 32;
    const d = 16;
    const rng = new Rng(777);
    const q = rng.normals([T, d]);
    const out = await probe.pipeline(q, q, T, d);
    if (!out.ok) return undefined;
    const ref = referenceTables(T, d);
    const want = applyRope(q, ref.cos, ref.sin);
    for (let i = 0; i < want.data.length; i++) {
      if (Math.abs(out.value.q.data[i]! - want.data[i]!) > 1e-5) {
        return `No known variant explains this: the first differing index is q_rot[${Math.floor(i / d)}, ${i % d}] at d_head=${d}, T=${T} (got ${fmt(out.value.q.data[i]!)}, expected ${fmt(want.data[i]!)}).`;
      }
    }
    return undefined;
  });
}

/** The diagnosis text for a failing check of the given kind, if a probe explains it. */
export async function diagnosisFor(probe: RopeProbe, kind: string): Promise<{ text: string; variants: string[] } | undefined> {
  let found: Diagnosis[];
  try {
    found = await diagnose(probe);
  } catch {
    return undefined;
  }
  const explaining = found.filter((f) => f.explains.includes(kind));
  if (explaining.length > 0) return { text: [...new Set(explaining.map((f) => f.text))].join(' '), variants: [...new Set(explaining.map((f) => f.bug))] };
  // Nothing in the catalogue explains this failure: say so plainly, with where it starts (never for a k-path or state bug named elsewhere).
  if (found.length > 0 || kind === 'rope-shapes' || kind === 'rope-inputs-unchanged') return undefined;
  try {
    const text = await firstDifference(probe);
    return text ? { text, variants: ['unexplained'] } : undefined;
  } catch {
    return undefined;
  }
}
