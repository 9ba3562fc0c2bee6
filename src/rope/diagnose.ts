/**
 * Names the bug behind a failing RoPE check (RESEARCH.md section 3).
 *
 * Probes, run once per submission and memoised:
 * - frequencies: fit log theta_k against k (exponent, base, scale), and a
 *   non-default base must change the answer;
 * - basis vectors: e_i at positions 0, 1, 2, 5 through the q slot and 2 e_i
 *   through the k slot give each slot's rotation matrix (pairing, unrotated
 *   pairs, k path);
 * - angles: the unwrapped angle of every pair over t = 0..63 (phase and slope:
 *   cos/sin swap, direction, position offset or scale, degrees);
 * - sizes: d_head = 16 against 64 (hard-coded head size);
 * - state: two calls give the same tables, inputs are not written to.
 */
import type { CheckOutcome } from '../core/types.js';
import type { RopeProbe } from './session.js';
import type { RopeFunctionNames } from './options.js';
import { fitLineF64, identityMatrix, matrixDiffAt, pairLines, pairStarts, partnersAt, type Line } from './kernels.js';
import { arr, frequencies, gatherRows, maxAbsDiff, type Arr } from './reference.js';

export type BugId =
  | 'split-half'
  | 'pairing'
  | 'unrotated-pairs'
  | 'not-rotated'
  | 'clockwise'
  | 'cos-sin-swapped'
  | 'positions-offset'
  | 'positions-scaled'
  | 'degrees'
  | 'frequency-formula'
  | 'base-ignored'
  | 'k-not-rotated'
  | 'k-from-q'
  | 'k-opposite'
  | 'k-path'
  | 'hardcoded-d'
  | 'in-place'
  | 'cached-table-mutated';

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
const PIPELINE = NUMERIC.filter((k) => k !== 'rope-frequencies' && k !== 'rope-shapes');

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

async function frequencyProbe(probe: RopeProbe): Promise<Diagnosis[]> {
  const out: Diagnosis[] = [];
  const name = probe.names.frequencies;
  const at64 = await probe.frequencies(64);
  if (!at64.ok) return out;
  const described = describeFrequencies(at64.value.data, 64);
  if (described) {
    out.push({ bug: 'frequency-formula', text: `${name}(64): ${described}`, explains: NUMERIC });
    return out;
  }
  const at500 = await probe.frequencies(64, 500);
  if (!at500.ok) return out;
  if (maxAbsDiff(at500.value.data, at64.value.data) <= 1e-12) {
    out.push({
      bug: 'base-ignored',
      text: `${name} ignores its base argument: base=500 gives the same frequencies as the default 10000. Use base ** (-2i/d) with the base passed in.`,
      explains: ['rope-frequencies'],
    });
  } else {
    const d500 = describeFrequencies(at500.value.data, 64, 500);
    if (d500) out.push({ bug: 'frequency-formula', text: `${name}(64, base=500): ${d500}`, explains: ['rope-frequencies'] });
  }
  return out;
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

type Pairing = { kind: 'interleaved' | 'split-half' | 'other'; partner: Array<number | null>; example?: string };

/** The pairing seen in the (d, d) matrix of m starting at offset mo. */
function pairingOf(m: Float64Array, mo: number, d: number): Pairing {
  const found = new Int32Array(d);
  partnersAt(m, mo, d, found);
  const partner: Array<number | null> = [];
  let example: string | undefined;
  for (let i = 0; i < d; i++) partner.push(found[i]! >= 0 ? found[i]! : null);
  const rotated = partner.map((p, i) => [i, p] as const).filter(([, p]) => p !== null) as Array<readonly [number, number]>;
  if (rotated.length === 0) return { kind: 'other', partner };
  if (rotated.every(([i, p]) => p === (i ^ 1))) return { kind: 'interleaved', partner };
  if (rotated.every(([i, p]) => p === (i + d / 2) % d)) return { kind: 'split-half', partner };
  const odd = rotated.find(([i, p]) => p !== (i ^ 1));
  if (odd) example = `e_${odd[0]} at position 1 moves into index ${odd[1]}`;
  return example ? { kind: 'other', partner, example } : { kind: 'other', partner };
}

function basisDiagnoses(m: Matrices): { diagnoses: Diagnosis[]; pairing: Pairing } {
  const out: Diagnosis[] = [];
  const { d } = m;
  // Matrix p of the q or k slot starts at p d^2; eye is the identity at offset 0.
  const at = (p: number) => p * d * d;
  const eye = identityMatrix(d);
  const at1 = at(m.positions.indexOf(1));
  const pairing = pairingOf(m.q, at1, d);
  if (pairing.kind === 'split-half') {
    out.push({
      bug: 'split-half',
      text: 'Pairs (i, i+d/2) are rotated together: this is the split-half convention (HF rotate_half); the lab asks for interleaved pairs (2i, 2i+1). Rotate x[0::2] with x[1::2].',
      explains: ['rope-convention', 'rope-reference'],
    });
  } else if (pairing.kind === 'other' && pairing.example) {
    out.push({
      bug: 'pairing',
      text: `apply_rope mixes dimensions that are not pairs (2i, 2i+1): ${pairing.example}. Rotate x[2i] with x[2i+1] only.`,
      explains: PIPELINE,
    });
  }
  if (pairing.partner.every((p) => p === null) && matrixDiffAt(m.q, at1, eye, 0, d, 1, false) <= 1e-12) {
    out.push({
      bug: 'not-rotated',
      text: 'apply_rope returns q unchanged at every position: nothing is rotated. Rotate each pair (x[2i], x[2i+1]) by the angle t·theta_i from the tables.',
      explains: PIPELINE,
    });
    return { diagnoses: out, pairing };
  }
  const unrotated = pairing.partner.filter((p) => p === null).length / 2;
  if (unrotated > 0 && unrotated < d / 2) {
    const first = pairing.partner.findIndex((p) => p === null);
    out.push({
      bug: 'unrotated-pairs',
      text: `Only ${d / 2 - unrotated} of the d/2 = ${d / 2} pairs are rotated at d_head = ${d} (dimension ${first} onwards stays unchanged at position 1): every pair (2i, 2i+1), i = 0..d/2-1, needs its own frequency theta_i.`,
      explains: PIPELINE,
    });
  }
  // k slot against q slot, at positions other than 0.
  const moving = m.positions.map((_, p) => at(p)).filter((o) => matrixDiffAt(m.q, o, eye, 0, d, 1, false) > 1e-6);
  const tol = 1e-5;
  const kOk = moving.every((o) => matrixDiffAt(m.k, o, m.q, o, d, 2, false) <= tol);
  if (!kOk && moving.length > 0) {
    if (moving.every((o) => matrixDiffAt(m.k, o, eye, 0, d, 2, false) <= tol)) {
      out.push({ bug: 'k-not-rotated', text: 'k is returned unrotated (k_rot equals k) while q is rotated: apply the same rotation to k as to q.', explains: PIPELINE });
    } else if (moving.every((o) => matrixDiffAt(m.k, o, m.q, o, d, 1, false) <= tol)) {
      out.push({ bug: 'k-from-q', text: 'k_rot is computed from q, not from k (with k = 2q the k slot returns the rotated q): rotate k itself.', explains: PIPELINE });
    } else if (moving.every((o) => matrixDiffAt(m.k, o, m.q, o, d, 2, true) <= tol)) {
      out.push({ bug: 'k-opposite', text: 'k is rotated in the opposite direction to q (its sin terms have the other sign): use the same formula for q and k.', explains: PIPELINE });
    } else {
      out.push({ bug: 'k-path', text: 'The k slot is not rotated like the q slot: the same input gives different outputs in q_rot and k_rot. Use the same formula for q and k.', explains: PIPELINE });
    }
  }
  return { diagnoses: out, pairing };
}

// ---- angles over t ------------------------------------------------------------------

async function angleDiagnoses(probe: RopeProbe, pairing: Pairing, freqOk: boolean): Promise<Diagnosis[]> {
  const d = 64;
  const T = 64;
  const tables = await probe.tables(T, d);
  if (!tables.ok || pairing.kind === 'other') return [];
  const interleaved = pairing.kind === 'interleaved';
  const x = arr([T, d], pairStarts(T, d, interleaved));
  const out = await probe.apply(x, x, tables.value.cos, tables.value.sin);
  if (!out.ok) return [];
  return angleFindings(out.value.q.data, T, d, interleaved, tables.value.cos.data[0]!, tables.value.sin.data[0]!, probe.names, freqOk);
}

/**
 * What the unwrapped angle of every pair over t says (phase and slope of its
 * line): a plain synchronous function over typed arrays, so its judgement is
 * not compiled into the async probe, and no array changes element kind.
 * y is the (T, d) answer for pairStarts; c0, s0 the learner's cos_pe[0], sin_pe[0].
 */
function angleFindings(y: Float64Array, T: number, d: number, interleaved: boolean, c0: number, s0: number, names: RopeFunctionNames, freqOk: boolean): Diagnosis[] {
  const half = d / 2;
  const phases = new Float64Array(half);
  const slopes = new Float64Array(half);
  pairLines(y, T, d, interleaved, phases, slopes);
  const result: Diagnosis[] = [];
  const a0 = phases[0]!;
  const b0 = slopes[0]!;
  // cos/sin swapped: the pair starts at 90 degrees and turns the other way.
  if (Math.abs(a0 - Math.PI / 2) < 0.05 && b0 < 0) {
    const where =
      Math.abs(c0) < 1e-6 && Math.abs(s0 - 1) < 1e-6
        ? `${names.precompute} returns sin where cos belongs (cos_pe[0] is 0, sin_pe[0] is 1)`
        : `${names.apply} uses sin_pe where cos_pe belongs`;
    result.push({
      bug: 'cos-sin-swapped',
      text: `cos and sin are swapped: ${where}, so position 0 turns every pair by 90 degrees instead of leaving it unchanged. Use cos_pe = np.cos(angles), sin_pe = np.sin(angles), and multiply x[2i] by cos.`,
      explains: PIPELINE,
    });
    return result;
  }
  // The pairs that turn at all, in order.
  const rotating: number[] = [];
  for (let k = 0; k < half; k++) if (Math.abs(slopes[k]!) > 1e-9) rotating.push(k);
  if (rotating.length === 0) return result;
  const sign = Math.sign(slopes[rotating[0]!]!);
  let allClockwise = true;
  for (const k of rotating) if (!(slopes[k]! < 0)) allClockwise = false;
  if (sign < 0 && allClockwise) {
    result.push({
      bug: 'clockwise',
      text: 'The rotation is clockwise: e_0 at position 1 becomes (cos theta, -sin theta). The lab\'s convention is counter-clockwise: out[2i] = x[2i] cos - x[2i+1] sin, out[2i+1] = x[2i] sin + x[2i+1] cos.',
      explains: ['rope-convention', 'rope-reference', 'rope-claims'],
    });
  }
  const theta = frequencies(d);
  // Each turning pair's slope against the lab's theta_k.
  const r0 = (sign * slopes[rotating[0]!]!) / theta[rotating[0]!]!;
  let constant = true;
  for (const k of rotating) if (!near((sign * slopes[k]!) / theta[k]!, r0, 0.02)) constant = false;
  // Position offset: phase = offset * slope.
  const offset = (sign * a0) / (sign * b0);
  if (Math.abs(b0) > 1e-9 && Math.abs(offset) > 0.01 && Math.abs(offset) < T) {
    const named = near(offset, 1, 0.01) ? 'Positions start at 1 instead of 0 (row t of the tables holds the angle (t+1)·theta)' : `Positions are shifted by ${fmt(offset)} (row t holds the angle (t${offset > 0 ? '+' : ''}${fmt(offset)})·theta)`;
    result.push({ bug: 'positions-offset', text: `${named}: use positions np.arange(T) = 0..T-1.`, explains: PIPELINE });
  }
  if (constant && !near(r0, 1, 0.005)) {
    if (near(r0, 1 / T, 0.01)) {
      result.push({ bug: 'positions-scaled', text: 'Positions are divided by T (the angle is t·theta/T): the lab uses integer positions t = 0..T-1; use np.arange(T).', explains: PIPELINE });
    } else if (near(r0, T / (T - 1), 0.005)) {
      result.push({ bug: 'positions-scaled', text: 'Positions step by T/(T-1) as with np.linspace(0, T, T): use np.arange(T) so that row t holds the angle t·theta.', explains: PIPELINE });
    } else if (near(r0, Math.PI / 180, 0.01)) {
      result.push({ bug: 'degrees', text: 'Angles are treated as degrees (every pair turns by t·theta·pi/180): np.cos and np.sin take radians, so do not convert t·theta.', explains: PIPELINE });
    } else if (freqOk) {
      result.push({ bug: 'positions-scaled', text: `Every angle is ${fmt(r0)} times the lab's t·theta_i (positions or angles are scaled in ${names.precompute}): use angles = np.outer(np.arange(T), theta).`, explains: PIPELINE });
    }
  } else if (!constant && freqOk) {
    // The angular speed of every pair (0 for the ones that do not turn), read as frequencies.
    const omega = new Float64Array(half);
    for (const k of rotating) omega[k] = sign * slopes[k]!;
    const described = describeFrequencies(omega, d);
    if (described) result.push({ bug: 'frequency-formula', text: `The angles in ${names.precompute}'s tables do not follow t·theta_i: ${described}`, explains: PIPELINE });
  }
  return result;
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
  return [
    {
      bug: 'hardcoded-d',
      text: `Your code is right at d_head = 16 but not at 64 (${symptoms[0]}): d_head seems hard-coded to 16. Use the d_head argument (and q.shape[-1]) everywhere.`,
      explains: [...NUMERIC, 'rope-inputs-unchanged'],
    },
  ];
}

async function stateProbe(probe: RopeProbe): Promise<Diagnosis[]> {
  const out: Diagnosis[] = [];
  const first = await probe.precompute(8, 16);
  const second = await probe.precompute(8, 16);
  if (first.ok && second.ok) {
    const diff = Math.max(maxAbsDiff(first.value.cos.data, second.value.cos.data), maxAbsDiff(first.value.sin.data, second.value.sin.data));
    if (diff > 0) {
      out.push({
        bug: 'cached-table-mutated',
        text: `${probe.names.precompute} gives different tables on a second call with the same arguments (max diff ${fmt(diff)}): a cached array is modified in place (e.g. np.cos(angles, out=angles)). Never write into a cached array; copy it first.`,
        explains: [...NUMERIC, 'rope-inputs-unchanged'],
      });
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
        out.push({
          bug: 'in-place',
          text: `${probe.names.apply} writes into its inputs (${aliased ? 'q_rot is the same array as q' : 'q or k is changed by the call'}): the caller's q and k are overwritten. Build new arrays (np.empty_like(q)) instead of assigning into q[:, 0::2].`,
          explains: ['rope-inputs-unchanged'],
        });
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
    found.push(...freq);
    const m = await basisMatrices(probe, 16, 64, [0, 1, 2, 5]);
    if (m) {
      const basis = basisDiagnoses(m);
      found.push(...basis.diagnoses);
      if (!hard.length) found.push(...(await angleDiagnoses(probe, basis.pairing, !freq.some((f) => f.bug === 'frequency-formula'))));
    }
    found.push(...(await stateProbe(probe)));
    return found;
  });
}

/** The diagnosis text for a failing check of the given kind, if a probe explains it. */
export async function diagnosisFor(probe: RopeProbe, kind: string): Promise<string | undefined> {
  let found: Diagnosis[];
  try {
    found = await diagnose(probe);
  } catch {
    return undefined;
  }
  const texts = found.filter((f) => f.explains.includes(kind)).map((f) => f.text);
  return texts.length > 0 ? [...new Set(texts)].join(' ') : undefined;
}
