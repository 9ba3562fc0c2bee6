/**
 * Numbers as documents write them: thousands separators, decimals whose count
 * states a precision, approximations (`~0`, `≈ 72%`), and the guards that keep
 * version numbers (3.11.7), dates (2024-01-15), sections (§3.4), ranges
 * (10–20) and identifiers (x₁, arXiv:2104.09864, 2K) out of arithmetic.
 */

/** Digits of a number: `65,536`, `0.20`, `145`. No sign, no guards. */
export const CORE = String.raw`(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?`;

/** Not glued to what precedes: a word, a dot (3.11.7), a section sign, a slash (dates), a colon (arXiv:...), a dash (ranges). */
export const LB = String.raw`(?<![\w.,§#@\\^/:\-–—−])`;

/**
 * Not glued to what follows: more digits or a dotted part (versions), a
 * range or date dash, letters (2K, 16x, v2), super/subscripts.
 */
export const LA = String.raw`(?![\d]|[.,]\d|\s?[\-–—]\s?\d|[A-Za-z_²³¹⁰₀-₉])`;

/** A standalone number in prose. */
export const NUM = `${LB}${CORE}${LA}`;

export interface ParsedNumber {
  value: number;
  /** Digits after the decimal point: the stated precision. */
  decimals: number;
}

/** Parses `65,536`, `0.20`, `-0.15`, `−1.05` (Unicode minus). */
export function parseNumber(text: string): ParsedNumber | undefined {
  const cleaned = text.trim().replace(/[−–]/g, '-').replace(/,(?=\d{3}\b)/g, '');
  if (!/^[+-]?\d+(?:\.\d+)?$/.test(cleaned)) return undefined;
  const dot = cleaned.indexOf('.');
  return { value: Number(cleaned), decimals: dot < 0 ? 0 : cleaned.length - dot - 1 };
}

/** Rounds to `decimals` places without binary artefacts (71.875 -> 72, 0.125 -> 0.13). */
export function roundTo(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor + Math.sign(value) * 1e-9) / factor;
}

function truncTo(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.trunc(value * factor + Math.sign(value) * 1e-9) / factor;
}

/** Formats like a document would: thousands separators for large integers, fixed decimals otherwise. */
export function formatNumber(value: number, decimals = 0): string {
  const rounded = roundTo(value, decimals);
  if (decimals === 0 && Math.abs(rounded) >= 10000) return rounded.toLocaleString('en-US');
  return rounded.toFixed(decimals);
}

/** The exact value, short: 71.875, 0.15, 142, 66.6667… (four decimals at most, an ellipsis when cut). */
export function formatExact(value: number): string {
  if (Number.isInteger(value)) return formatNumber(value, 0);
  const short = Number(value.toFixed(4));
  return short === value ? String(short) : `${short}…`;
}

/**
 * Whether a stated value agrees with the computed one at the stated
 * precision: rounded or truncated to the stated decimals, it must be equal.
 * Approximate statements (`~`, `≈`, `about`) allow one unit of the last digit
 * or 5 % of the value, whichever is larger.
 */
export function agrees(computed: number, stated: number, decimals: number, approx = false, slack = 0): boolean {
  const unit = 10 ** -decimals;
  const eps = 1e-9 * Math.max(1, Math.abs(computed));
  if (approx) return Math.abs(computed - stated) <= Math.max(unit, 0.05 * Math.max(Math.abs(computed), Math.abs(stated))) + slack + eps;
  if (Math.abs(roundTo(computed, decimals) - stated) <= eps) return true;
  if (Math.abs(truncTo(computed, decimals) - stated) <= eps) return true;
  return slack > 0 && Math.abs(computed - stated) <= unit / 2 + slack + eps;
}

/** "71.875 (72 at the stated precision)" or "142". */
export function describeExpected(computed: number, decimals: number, suffix = ''): string {
  const atPrecision = formatNumber(computed, decimals);
  const exact = formatExact(computed);
  if (Number(atPrecision.replace(/,/g, '')) === Number(exact.replace(/,/g, ''))) return `${atPrecision}${suffix}`;
  return `${atPrecision}${suffix} (exactly ${exact}${suffix})`;
}

/** Singular form of a noun for matching units ("tests" ~ "test", "hours" ~ "hr"). */
export function normaliseUnit(word: string): string {
  const w = word.toLowerCase();
  const aliases: Record<string, string> = { hrs: 'hour', hr: 'hour', h: 'hour', mins: 'minute', min: 'minute', secs: 'second', sec: 'second', pts: 'point', params: 'parameter' };
  if (aliases[w]) return aliases[w];
  if (w.endsWith('ies') && w.length > 4) return w.slice(0, -3) + 'y';
  if (w.endsWith('ses') || w.endsWith('xes')) return w.slice(0, -2);
  if (w.endsWith('s') && !w.endsWith('ss') && w.length > 2) return w.slice(0, -1);
  return w;
}
