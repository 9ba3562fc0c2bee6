/**
 * Numbers as people write them in reports: 1e-5, 4.4e-16, 1.2E-06, 2.2 × 10^-16,
 * 2.2x10^{-16}, 2.2 \times 10^{-16}, 2.2·10⁻¹⁶, 10^-16, 0.0000012, −3e−7.
 * Positions are offsets into the text given (no normalisation needed).
 */

export interface FoundNumber {
  value: number;
  /** The text as written. */
  raw: string;
  start: number;
  end: number;
  /** Written with an exponent or a decimal point (a measurement rather than a count). */
  real: boolean;
}

const SUP: Record<string, string> = { '⁰': '0', '¹': '1', '²': '2', '³': '3', '⁴': '4', '⁵': '5', '⁶': '6', '⁷': '7', '⁸': '8', '⁹': '9', '⁻': '-', '⁺': '+' };

const SIGN = '[-+−]';
const MANTISSA = '(?:\\d+(?:\\.\\d+)?|\\.\\d+)';
const EXP_E = `[eE]\\s?${SIGN}?\\d+`;
const TIMES = '(?:\\s*(?:×|x|X|\\*|·|⋅|\\\\times|\\\\cdot)\\s*)';
const POW10 = `10\\s*(?:(?:\\^|\\*\\*)\\s*(?:\\{\\s*${SIGN}?\\s*\\d+\\s*\\}|\\(\\s*${SIGN}?\\s*\\d+\\s*\\)|${SIGN}?\\s*\\d+)|[⁻⁺]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+)`;
const NUMBER = new RegExp(
  `(?<![\\p{L}\\p{N}_.^])(${SIGN}?)(?:(${POW10})|(${MANTISSA})(?:(${EXP_E})|${TIMES}(${POW10}))?)(?![\\p{L}\\p{N}_])`,
  'gu',
);

/** Every number in `text`, in order. Integers glued to letters ("2i", "float32") are not numbers. */
export function findNumbers(text: string): FoundNumber[] {
  const out: FoundNumber[] = [];
  NUMBER.lastIndex = 0;
  for (let m = NUMBER.exec(text); m !== null; m = NUMBER.exec(text)) {
    const [raw, sign, pow10b, mantissa, expE, pow10a] = m;
    const negative = sign === '-' || sign === '−';
    let value: number;
    let real = false;
    if (mantissa !== undefined) {
      value = Number(mantissa);
      real = mantissa.includes('.');
      if (expE) {
        value = Number(`${mantissa}e${expE.slice(1).replace(/\s/g, '').replace('−', '-')}`);
        real = true;
      } else if (pow10a) {
        value = Number(mantissa) * 10 ** powerOf(pow10a);
        real = true;
      }
    } else {
      value = 10 ** powerOf(pow10b!);
      real = true;
    }
    if (negative) value = -value;
    // A trailing "." from the end of a sentence is not part of the number (the regex never takes it).
    out.push({ value, raw, start: m.index, end: m.index + raw.length, real });
  }
  return out;
}

function powerOf(pow10: string): number {
  const sup = /[⁻⁺]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+/.exec(pow10);
  if (sup && !/[\^*]/.test(pow10)) return Number([...sup[0]].map((c) => SUP[c] ?? c).join(''));
  const m = /([-+−]?)\s*(\d+)\s*[)}]?\s*$/.exec(pow10);
  if (!m) return 0;
  const n = Number(m[2]);
  return m[1] === '-' || m[1] === '−' ? -n : n;
}

/** Formats a number for messages the way people write them: 4.4e-16, 0.5, 12. */
export function formatNumber(value: number): string {
  if (value === 0 || !Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1e-3 && abs < 1e6) return String(Number(value.toPrecision(6)));
  return Number(value.toPrecision(4)).toExponential().replace('e+', 'e');
}
