/**
 * Frequency models of the variant catalogue, each fitted in closed form to
 * the angular speeds omega_k of the learner's rotating pairs (or to the
 * values rope_frequencies returns), k = 0.. in pair order:
 *
 * - lab           theta_k = base^(-2k/d)
 * - rotary-dims   base^(-2k/r), r = twice the rotating pairs (rotary code's inv_freq)
 * - scale         c·theta_k: degrees, positions / T, linspace, linear interpolation by s = 1/c
 * - llama3        Llama 3.1: theta/s beyond a wavelength, theta below another, blended in 1/wavelength
 * - yarn          YaRN: theta up to pair `low`, theta/s from `high`, a linear ramp in k between
 * - power         log omega_k = a + b k: exponent, base (NTK-aware when base' = base·s^(d/(d-2))), theta_0
 *
 * A fit returns its parameters and its residual max_k |omega_model / omega - 1|;
 * the diagnosis keeps the first model (in this order, simplest first) whose
 * residual is within FIT_TOLERANCE.
 */
import { fitLineF64 } from '../kernels.js';

export const FIT_TOLERANCE = 0.02;

export interface FrequencyFit {
  /** Catalogue id of the variant this fit names. */
  id: string;
  residual: number;
  params: Record<string, string | number>;
}

const fmt = (x: number, digits = 3) => (Math.abs(x) >= 1e-3 && Math.abs(x) < 1e4 ? Number(x.toPrecision(digits)).toString() : x.toExponential(2));
const near = (x: number, target: number, rel = 0.02) => Math.abs(x - target) <= rel * Math.abs(target);

function labTheta(n: number, d: number, base: number): Float64Array {
  const out = new Float64Array(n);
  for (let k = 0; k < n; k++) out[k] = Math.pow(base, (-2 * k) / d);
  return out;
}

/**
 * Noise of the measured speeds (radians per position) that no model has to
 * explain: the slope error of angles read from low-precision tables. Set per
 * fit by fitFrequencies; 0 for values rope_frequencies returns.
 */
let slack = 0;

function residual(model: ArrayLike<number>, omega: ArrayLike<number>): number {
  let m = 0;
  for (let k = 0; k < omega.length; k++) m = Math.max(m, Math.abs(model[k]! - omega[k]!) / (Math.abs(omega[k]!) + slack));
  return Number.isNaN(m) ? Infinity : m;
}

/** omega equals the lab's theta_k (pair k keeps its own index k at head size d). */
export function fitLab(omega: Float64Array, index: ArrayLike<number>, d: number, base: number): number {
  const model = Float64Array.from(index, (k) => Math.pow(base, (-2 * k) / d));
  return residual(model, omega);
}

/** base^(-2k/r) over the r = 2n rotating dims. */
export function fitRotaryDims(omega: Float64Array, d: number, base: number): FrequencyFit | undefined {
  const r = 2 * omega.length;
  if (r >= d) return undefined;
  return { id: 'frequencies-rotary-dims', residual: residual(labTheta(omega.length, r, base), omega), params: { r, d } };
}

/** c·theta_k with one c: degrees, positions / T, linspace, or linear interpolation. */
export function fitScale(omega: Float64Array, d: number, base: number, T: number, dependsOnT: boolean | undefined): FrequencyFit | undefined {
  const theta = labTheta(omega.length, d, base);
  let logSum = 0;
  for (let k = 0; k < omega.length; k++) logSum += Math.log(omega[k]! / theta[k]!);
  const c = Math.exp(logSum / omega.length);
  if (near(c, 1, 0.005)) return undefined;
  const res = residual(Float64Array.from(theta, (t) => c * t), omega);
  if (near(c, Math.PI / 180, 0.01)) {
    return { id: 'positions-scaled', residual: res, params: { named: 'Angles are treated as degrees (every pair turns by t·theta·pi/180): np.cos and np.sin take radians, so do not convert t·theta.', kind: 'degrees' } };
  }
  if (dependsOnT !== false && near(c, 1 / T, 0.01)) {
    return { id: 'positions-scaled', residual: res, params: { named: 'Positions are divided by T (the angle is t·theta/T): the lab uses integer positions t = 0..T-1; use np.arange(T).', kind: 'divided-by-T' } };
  }
  if (dependsOnT !== false && near(c, T / (T - 1), 0.002)) {
    return { id: 'positions-scaled', residual: res, params: { named: 'Positions step by T/(T-1) as with np.linspace(0, T, T): use np.arange(T) so that row t holds the angle t·theta.', kind: 'linspace' } };
  }
  if (c < 1 && dependsOnT !== true) {
    const s = 1 / c;
    return { id: 'linear-interpolation', residual: res, params: { factor: fmt(s) } };
  }
  return { id: 'positions-scaled', residual: res, params: { named: `Every angle is ${fmt(c)} times the lab's t·theta_i (positions or angles are scaled): use angles = np.outer(np.arange(T), theta).`, kind: 'scaled' } };
}

/**
 * Llama 3.1: r_k = omega_k / theta_k is 1 for short wavelengths, 1/s for long
 * ones and, between, (1 - smooth)/s + smooth with smooth linear in 1/w:
 * smooth = L/(w (hf - lf)) - lf/(hf - lf). With lf = 1 (Llama's), the line
 * through the blended pairs gives hf and L.
 */
export function fitLlama3(omega: Float64Array, d: number, base: number): FrequencyFit | undefined {
  const n = omega.length;
  const theta = labTheta(n, d, base);
  const r = Float64Array.from(omega, (o, k) => o / theta[k]!);
  let minR = Infinity;
  for (const v of r) minR = Math.min(minR, v);
  const s = 1 / minR;
  if (!(s > 1.5)) return undefined;
  const kept: number[] = [];
  const scaled: number[] = [];
  const blended: number[] = [];
  for (let k = 0; k < n; k++) {
    if (near(r[k]!, 1, 0.005)) kept.push(k);
    else if (near(r[k]!, 1 / s, 0.005)) scaled.push(k);
    else blended.push(k);
  }
  if (kept.length < 2 || scaled.length < 2 || blended.length < 2) return undefined;
  if (Math.max(...kept) > Math.min(...blended) || Math.max(...blended) > Math.min(...scaled)) return undefined;
  const xs = Float64Array.from(blended, (k) => theta[k]! / (2 * Math.PI));
  const ys = Float64Array.from(blended, (k) => (r[k]! - 1 / s) / (1 - 1 / s));
  const line = fitLineF64(xs, ys, xs.length);
  if (!(line.a < 0) || !(line.b > 0)) return undefined;
  const lf = 1;
  const hf = 1 - 1 / line.a;
  const L = line.b * (hf - lf);
  const model = Float64Array.from(theta, (t) => {
    const w = (2 * Math.PI) / t;
    if (w < L / hf) return t;
    if (w > L / lf) return t / s;
    const smooth = (L / w - lf) / (hf - lf);
    return ((1 - smooth) * t) / s + smooth * t;
  });
  const round = (x: number) => (near(x, Math.round(x), 0.02) ? Math.round(x) : Number(x.toPrecision(3)));
  const context = round(L);
  return {
    id: 'llama3-scaling',
    residual: residual(model, omega),
    params: { factor: round(s), context, lowFactor: lf, highFactor: round(hf), low: `wavelength ${round(L / lf)}`, high: `wavelength ${round(L / hf)}` },
  };
}

/** YaRN: r_k = ramp_k/s + 1 - ramp_k with ramp linear in k from `low` to `high`, clamped to [0, 1]. */
export function fitYarn(omega: Float64Array, d: number, base: number): FrequencyFit | undefined {
  const n = omega.length;
  const theta = labTheta(n, d, base);
  const r = Float64Array.from(omega, (o, k) => o / theta[k]!);
  let minR = Infinity;
  for (const v of r) minR = Math.min(minR, v);
  const s = 1 / minR;
  if (!(s > 1.5)) return undefined;
  const ramp = Float64Array.from(r, (v) => (1 - v) / (1 - 1 / s));
  const inner: number[] = [];
  for (let k = 0; k < n; k++) if (ramp[k]! > 0.005 && ramp[k]! < 0.995) inner.push(k);
  if (inner.length < 2) return undefined;
  const line = fitLineF64(Float64Array.from(inner), Float64Array.from(inner, (k) => ramp[k]!), inner.length);
  if (!(line.b > 0)) return undefined;
  const low = -line.a / line.b;
  const high = low + 1 / line.b;
  const model = Float64Array.from(theta, (t, k) => {
    const g = Math.min(1, Math.max(0, (k - low) / (high - low)));
    return (t * g) / s + t * (1 - g);
  });
  const round = (x: number) => (near(x, Math.round(x), 0.02) ? Math.round(x) : Number(x.toPrecision(3)));
  return { id: 'yarn', residual: residual(model, omega), params: { factor: round(s), low: `pair ${round(low)}`, high: `pair ${round(high)}` } };
}

/** log omega_k = a + b k: exponent e (theta = theta_0 base^(-e k/d)), theta_0, and the base with 2i/d. */
export function fitPower(omega: Float64Array, d: number, base: number): FrequencyFit {
  const ks = Float64Array.from(omega, (_, k) => k);
  const logs = Float64Array.from(omega, (o) => Math.log(o));
  const line = fitLineF64(ks, logs, ks.length);
  const exponent = (-line.b * d) / Math.log(base);
  const theta0 = Math.exp(line.a);
  const model = Float64Array.from(ks, (k) => Math.exp(line.a + line.b * k));
  const res = residual(model, omega);
  const fittedBase = Math.exp((-line.b * d) / 2);
  if (near(theta0, 1, 0.01) && Math.abs(exponent - 2) > 0.04 && fittedBase > base) {
    const s = Math.pow(fittedBase / base, (d - 2) / d);
    if (s >= 1.5 && s <= 64 && near(s, Math.round(s), 0.02)) return { id: 'ntk-aware', residual: res, params: { base: fmt(fittedBase, 4), labBase: base, factor: Math.round(s) } };
  }
  const parts: string[] = [];
  if (Math.abs(exponent - 2) > 0.04) {
    const named = near(exponent, 1, 0.03) ? '-i/d' : near(exponent, 4, 0.03) ? '-4i/d' : near(exponent, -2, 0.03) ? '+2i/d' : exponent < 0 ? `+${fmt(-exponent)}i/d` : `-${fmt(exponent)}i/d`;
    parts.push(`log theta_k against k fits theta_k = base^(${named}) (slope ${fmt(line.b, 4)}, i.e. exponent ${fmt(exponent)}·i/d with base ${base}, or base ${fmt(fittedBase, 4)} with 2i/d)`);
  }
  if (Math.abs(theta0 - 1) > 0.01) {
    const named = near(theta0, Math.PI / 180) ? ' = pi/180 (degrees)' : '';
    parts.push(`theta_0 = ${fmt(theta0, 4)}${named} instead of 1`);
  }
  if (parts.length === 0) parts.push('the values differ from base^(-2i/d)');
  return { id: 'frequency-formula', residual: res, params: { described: `${parts.join('; ')}.` } };
}

/**
 * The best frequency model for omega (angular speeds of the rotating pairs,
 * in pair order; `index` their pair indices): undefined when they are the
 * lab's, a fit within FIT_TOLERANCE otherwise, or the closest one with
 * `unexplained` set.
 */
export function fitFrequencies(
  omega: Float64Array,
  index: ArrayLike<number>,
  d: number,
  base: number,
  context: { T: number; dependsOnT?: boolean; slack?: number },
): (FrequencyFit & { unexplained?: boolean }) | undefined {
  if (omega.length === 0) return undefined;
  slack = context.slack ?? 0;
  if (fitLab(omega, index, d, base) <= 1e-3) return undefined;
  const candidates: FrequencyFit[] = [];
  const rotary = fitRotaryDims(omega, d, base);
  if (rotary) candidates.push(rotary);
  const scale = fitScale(omega, d, base, context.T, context.dependsOnT);
  if (scale) candidates.push(scale);
  const llama = fitLlama3(omega, d, base);
  const yarn = fitYarn(omega, d, base);
  // Llama 3.1 and YaRN both blend; the one that fits better names it.
  const blends = [llama, yarn].filter((f): f is FrequencyFit => f !== undefined).sort((a, b) => a.residual - b.residual);
  candidates.push(...blends);
  const power = omega.length >= 2 ? fitPower(omega, d, base) : undefined;
  if (power) candidates.push(power);
  // The simplest model (candidates are in that order) among those fitting about as well as the best.
  const best = Math.min(...candidates.map((c) => c.residual));
  const first = candidates.find((c) => c.residual <= FIT_TOLERANCE && c.residual <= Math.max(4 * best, 1e-4));
  if (first) return first;
  const closest = [...candidates].sort((a, b) => a.residual - b.residual)[0];
  return closest ? { ...closest, unexplained: true } : undefined;
}
