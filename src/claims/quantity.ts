/**
 * The arithmetic model every claim extractor shares.
 *
 * A number as a document writes it is a `Quantity`: a value with the interval
 * its written precision allows (`0.20` is 0.195..0.205, `800K` is 750K..850K
 * because trailing zeros before a K/M/B suffix are not significant, `30+` is
 * 30 or more, `~40` is within 5 %), a dimension (a count, a percentage,
 * percentage points, a ratio, a duration, a size in bytes) and a unit that
 * converts within its dimension (`800ms` and `15.7s` add up).
 *
 * Recomputed values are intervals too (interval arithmetic over the stated
 * inputs), and a stated value agrees with a recomputed one when the value it
 * stands for, rounded or truncated to the digits written, can lie in the
 * recomputed interval. Nothing is flagged that any such reading makes true.
 */

export type Dimension = 'count' | 'percent' | 'points' | 'ratio' | 'time' | 'bytes';

export interface Interval {
  lo: number;
  hi: number;
}

export interface Quantity {
  /** As written, trimmed ("~6,460", "+1,089", "24M", "13.5s", "30+"). */
  text: string;
  /** Offset of the number's first character in the text it was read from. */
  index: number;
  /** Length of the whole match (sign, approximation mark, suffix and unit included). */
  length: number;
  /** The value in the dimension's base unit (seconds, bytes, plain counts; percent stays in percent). */
  value: number;
  /** The values the written precision allows, in the base unit. */
  lo: number;
  hi: number;
  /** One unit of the last written digit, in the base unit (for truncation and messages). */
  step: number;
  dimension: Dimension;
  /** The unit as written, normalised: "", "%", "pp", "x", "ms", "s", "KB", "tests"... */
  unit: string;
  /** Base-unit value of one written unit (1000 for "k" counts, 1e-3 for ms, 1024 or 1000 for KB). */
  factor: number;
  /** Written with ~, ≈, about, approx., roughly, nearly. */
  approx: boolean;
  /** Written as a lower bound (30+, >15, at least 5). */
  atLeast: boolean;
  /** Written as an upper bound (<2%, under 100). */
  atMost: boolean;
  /** Written with an explicit + or - sign. */
  signed: boolean;
  /** Digits after the decimal point. */
  decimals: number;
  /** Written with a K/M/B/T magnitude suffix. */
  scaled: boolean;
}

/** Digits of a number: `65,536`, `0.20`, `145`, `.5`. */
export const DIGITS = String.raw`(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+`;

/** Not glued to what precedes: a letter or digit, a dot (3.11.7), §, #, a slash (dates), a colon (arXiv:...), a dash or caret. */
export const BEFORE = String.raw`(?<![\w.,§#@^/:\-–—−\\])`;

const TIME_UNITS: Record<string, number> = {
  ns: 1e-9, 'µs': 1e-6, us: 1e-6, ms: 1e-3, s: 1, sec: 1, secs: 1, second: 1, seconds: 1,
  min: 60, mins: 60, minute: 60, minutes: 60, h: 3600, hr: 3600, hrs: 3600, hour: 3600, hours: 3600,
  day: 86400, days: 86400, week: 604800, weeks: 604800,
};
const BYTE_UNITS: Record<string, number> = {
  b: 1, byte: 1, bytes: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4,
};
/** Magnitude suffixes glued to a number: 150K, 3.2M, 671B (billions: bytes are "671 B" or "671 bytes"), 1.2T. */
const SCALE: Record<string, number> = { k: 1e3, K: 1e3, M: 1e6, B: 1e9, T: 1e12 };

const APPROX_WORDS = String.raw`(?:~=|[~≈∼]|\babout\s+|\bapprox(?:imately|\.)?\s+|\broughly\s+|\bnearly\s+|\balmost\s+|\baround\s+)`;
const BOUND_WORDS = String.raw`(?:>=|<=|[<>≥≤]|\bover\s+|\bunder\s+|\bat least\s+|\bmore than\s+|\bless than\s+|\bup to\s+)`;

/**
 * A number with everything that qualifies it. Groups: pre (approx or bound
 * words), sign, num, plus (a trailing +), scale (K/M/B), unit.
 */
const QUANTITY_SOURCE = String.raw`(?<pre>(?:${APPROX_WORDS}|${BOUND_WORDS})\s*)*(?<sign>[+\-−–](?=\s?[\d.]))?\s?(?<num>${DIGITS})(?<exp>[eE][+-]?\d{1,3}(?![\w.]))?(?<scale>[kKMBT](?![A-Za-z])|\s(?:thousand|million|billion|trillion)\b)?(?<plus>\+(?![\d(]))?(?:\s?(?<unit>%|percent\b|pp\b|p\.p\.|percentage points|(?:points|pts)\b|[x×](?![\w])(?!\s*[\d(])|(?:ns|µs|us|ms|secs?|seconds?|mins?|minutes?|hrs?|hours?|days?|weeks?|s|h)\b|(?:[KMGT]i?B|[kK]B|bytes?|B)\b))?`;

export function quantityPattern(flags = 'g'): RegExp {
  return new RegExp(`${BEFORE}${QUANTITY_SOURCE}`, flags);
}

/** Reads the quantity a regex match of `quantityPattern` found. */
export function quantityFromMatch(m: RegExpExecArray): Quantity | undefined {
  const g = m.groups!;
  const raw = g.num!;
  const num = raw.replace(/,/g, '');
  const magnitude = Number(num.startsWith('.') ? `0${num}` : num);
  if (!Number.isFinite(magnitude)) return undefined;
  const dot = num.indexOf('.');
  const decimals = dot < 0 ? 0 : num.length - dot - 1;
  const negative = g.sign !== undefined && g.sign !== '+';
  const pre = (g.pre ?? '').toLowerCase();
  const approx = /~|≈|∼|about|approx|roughly|nearly|almost|around/.test(pre);
  const lowerBound = /[>≥]|over|at least|more than/.test(pre) || g.plus !== undefined;
  const upperBound = /[<≤]|under|less than|up to/.test(pre);

  let unitText = g.unit ?? '';
  let dimension: Dimension = 'count';
  let factor = 1;
  const scaleWord = (g.scale ?? '').trim().toLowerCase();
  const WORDS: Record<string, string> = { thousand: 'K', million: 'M', billion: 'B', trillion: 'T' };
  const scaleMark = WORDS[scaleWord] ?? g.scale ?? '';
  // "B" right after digits is billions; after a space it is bytes (handled as a unit).
  let scale = scaleMark ? SCALE[scaleMark]! : 1;
  // Scientific notation: 104e12, 1.5e12 (the exponent scales; the digits before it set the precision).
  const exponent = g.exp ? Number(g.exp.slice(1)) : 0;
  scale *= 10 ** exponent;
  const lowerUnit = unitText.toLowerCase();
  if (unitText === '%' || lowerUnit === 'percent') {
    dimension = 'percent';
    unitText = '%';
  }
  else if (/^(pp|p\.p\.|percentage points|points|pts)$/i.test(unitText)) {
    dimension = 'points';
    unitText = 'pp';
  } else if (/^[x×]$/.test(unitText)) {
    dimension = 'ratio';
    unitText = 'x';
  } else if (TIME_UNITS[lowerUnit] !== undefined) {
    dimension = 'time';
    factor = TIME_UNITS[lowerUnit]!;
  } else if (BYTE_UNITS[lowerUnit] !== undefined) {
    dimension = 'bytes';
    factor = BYTE_UNITS[lowerUnit]!;
  } else if (unitText === 'B' && scaleMark) {
    // "1.2MB" is read as scale M + unit B above? No: the unit group takes "MB" first; here "5K B" is bytes.
    dimension = 'bytes';
  }
  // A scale letter followed by B is a byte unit ("94.8 kB", "1.18MB"): the regex gives scale="" and unit "kB"/"MB".
  const value = (negative ? -1 : 1) * magnitude * scale * factor;
  // Precision: one unit of the last digit written; with a K/M/B suffix trailing zeros are not significant.
  let stepWritten = 10 ** -decimals;
  if (decimals === 0 && (scaleMark || exponent)) {
    const zeros = /0+$/.exec(num)?.[0].length ?? 0;
    if (zeros > 0 && zeros < num.length) stepWritten = 10 ** zeros;
  }
  const step = stepWritten * scale * factor;
  let lo = value - step / 2;
  let hi = value + step / 2;
  if (approx) {
    const slack = Math.max(step, 0.05 * Math.abs(value));
    lo = Math.min(lo, value - slack);
    hi = Math.max(hi, value + slack);
  }
  if (lowerBound) {
    lo = value;
    hi = Number.POSITIVE_INFINITY;
  }
  if (upperBound) {
    hi = value;
    lo = dimension === 'percent' || value >= 0 ? Math.min(0, lo) : Number.NEGATIVE_INFINITY;
  }
  const index = m.index + (m[0].length - m[0].trimStart().length);
  return {
    text: m[0].trim(),
    index,
    length: m[0].trim().length,
    value,
    lo,
    hi,
    step,
    dimension,
    unit: dimension === 'count' ? '' : unitText,
    factor: scale * factor,
    approx,
    atLeast: lowerBound,
    atMost: upperBound,
    signed: g.sign !== undefined,
    decimals,
    scaled: scaleMark !== '' || exponent !== 0,
  };
}

/** Every quantity in a text, in order. `from` limits the search to text from that offset on. */
export function quantitiesIn(text: string, from = 0): Quantity[] {
  const re = quantityPattern();
  re.lastIndex = from;
  const out: Quantity[] = [];
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[0].trim() === '') {
      re.lastIndex++;
      continue;
    }
    const q = quantityFromMatch(m);
    if (q && !glued(text, m)) out.push(q);
  }
  return out;
}

/** Versions (1.2.3), dates (2024-01-15), ranges (10-20), identifiers (x2, 2nd, v3) are not quantities. */
function glued(text: string, m: RegExpExecArray): boolean {
  const end = m.index + m[0].length;
  const after = text.slice(end, end + 3);
  if (/^[.,]\d/.test(after)) return true;
  if (/^\s?[-–—]\s?\d/.test(after) && !/[x×%]$/.test(m[0])) return true;
  if (/^[A-Za-z_¹⁰₀-₉]/.test(after) && !/[%x×]$/.test(m[0])) {
    // "24M" matched fully; "2nd", "3D", "64-bit" are identifiers.
    return true;
  }
  if (/^[/]\d/.test(after) && !m.groups!.unit) return false;
  return false;
}

/** The first quantity of a text (a table cell, a list item's value), if any. */
export function firstQuantity(text: string): Quantity | undefined {
  return quantitiesIn(text)[0];
}

/** A cell that is one number (with its qualifiers), possibly followed by a second in parentheses: "+210 (+307%)". */
export function cellQuantities(cell: string): Quantity[] {
  const text = stripDecoration(cell);
  const qs = quantitiesIn(text);
  if (qs.length === 0) return [];
  // The cell must start with its first number (words before it make it a label, not a value).
  const lead = text.slice(0, qs[0]!.index).replace(/[~≈∼<>≥≤]|about|approx\.?|over|under|\s/gi, '');
  if (lead !== '') return [];
  return qs.slice(0, 2);
}

/** Emphasis, code marks, emoji, check marks, arrows and footnote marks around a value. */
export function stripDecoration(text: string): string {
  return text
    .replace(/\*\*|__|`/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\[\^[^\]]*\]/g, '')
    .replace(/[✅❌⚠️⭐✨🎯🎉🚀⬇️⬆️✓✔☑️🟢🟡🔴⏳⏭️]/gu, ' ')
    .replace(/\p{Extended_Pictographic}/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

// ---- intervals -------------------------------------------------------------

export const exactly = (v: number): Interval => ({ lo: v, hi: v });

/**
 * A stated number used as an input of a computation: a whole number written
 * without a K/M/B suffix or an approximation mark is taken as exact (a count,
 * or a figure the writer summed as written); anything else stands for every
 * value its written digits allow.
 */
export function of(q: Quantity): Interval {
  if (q.decimals === 0 && !q.scaled && !q.approx && !q.atLeast && !q.atMost) return { lo: q.value, hi: q.value };
  return { lo: q.lo, hi: q.hi };
}

/** Small counts written as words ("three services", "Five modules remaining"); "one" is left out, it is rarely a count. */
const COUNT_WORDS: Record<string, number> = { two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, eleven: 11, twelve: 12 };
/** A regex source matching a count in digits (up to four) or as a word, either case for its first letter. */
export const COUNT_TOKEN = String.raw`(?:\d{1,4}|${Object.keys(COUNT_WORDS).map((w) => `[${w[0]}${w[0]!.toUpperCase()}]${w.slice(1)}`).join('|')})(?![\w])`;

/** The count written at `index` of `text`, in digits or as a word (then exact). */
export function countAt(text: string, index: number): Quantity | undefined {
  const word = /^[A-Za-z]+/.exec(text.slice(index))?.[0];
  if (word) {
    const value = COUNT_WORDS[word.toLowerCase()];
    return value === undefined ? undefined : { ...exactQuantity(value, word), index };
  }
  const q = quantitiesIn(text, index)[0];
  return q && q.index === index ? q : undefined;
}

/** A quantity for a known exact value (the zero of "down to zero"). */
export function exactQuantity(value: number, text = String(value)): Quantity {
  return { text, index: 0, length: text.length, value, lo: value, hi: value, step: 1, dimension: 'count', unit: '', factor: 1, approx: false, atLeast: false, atMost: false, signed: false, decimals: 0, scaled: false };
}

export function add(a: Interval, b: Interval): Interval {
  return { lo: a.lo + b.lo, hi: a.hi + b.hi };
}

export function sub(a: Interval, b: Interval): Interval {
  return { lo: a.lo - b.hi, hi: a.hi - b.lo };
}

export function mul(a: Interval, b: Interval): Interval {
  const c = [a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi].filter((x) => !Number.isNaN(x));
  return { lo: Math.min(...c), hi: Math.max(...c) };
}

/** a / b; undefined when b may be zero. */
export function div(a: Interval, b: Interval): Interval | undefined {
  if (b.lo <= 0 && b.hi >= 0) return undefined;
  return mul(a, { lo: 1 / b.hi, hi: 1 / b.lo });
}

export function scale(a: Interval, k: number): Interval {
  return k >= 0 ? { lo: a.lo * k, hi: a.hi * k } : { lo: a.hi * k, hi: a.lo * k };
}

export function sum(xs: readonly Interval[]): Interval {
  return xs.reduce(add, exactly(0));
}

export function mid(a: Interval): number {
  if (!Number.isFinite(a.hi)) return a.lo;
  if (!Number.isFinite(a.lo)) return a.hi;
  return (a.lo + a.hi) / 2;
}

// ---- agreement ---------------------------------------------------------------

export interface Agreement {
  ok: boolean;
  /** The tolerance applied, in words: "rounded or truncated to 0.1", "~ allows 5 %". */
  tolerance: string;
}

/**
 * Whether a stated quantity can be the recomputed interval: the true value it
 * stands for lies in its rounding interval, or (written truncated) within one
 * unit of its last digit away from zero; `~` widens to 5 %; `30+` is a lower
 * bound. `extraSteps` widens by whole units of the last digit (shares forced
 * to add up to 100 %).
 */
export function agrees(stated: Quantity, computed: Interval, extraSteps = 0): Agreement {
  const eps = 1e-9 * Math.max(1, Math.abs(stated.value), Math.abs(mid(computed)));
  const extra = extraSteps * stated.step;
  const lo = stated.lo - extra;
  const hi = stated.hi + extra;
  const overlaps = (a: number, b: number, strictTop = false) => computed.hi >= a - eps && (strictTop ? computed.lo < b - eps : computed.lo <= b + eps);
  let ok = overlaps(lo, hi);
  // Truncation: the writer may have cut the digits rather than rounded them; 19 then stands for
  // 19 up to, not including, 20.
  if (!ok && !stated.approx && Number.isFinite(lo) && Number.isFinite(hi)) {
    if (stated.value >= 0) ok = overlaps(stated.value - extra, stated.value + stated.step + extra, true);
    if (!ok && stated.value <= 0) ok = computed.lo <= stated.value + extra + eps && computed.hi > stated.value - stated.step - extra + eps;
  }
  return { ok, tolerance: describeTolerance(stated, extraSteps) };
}

export function describeTolerance(q: Quantity, extraSteps = 0): string {
  if (q.atLeast) return `${q.text} is a lower bound`;
  if (q.atMost) return `${q.text} is an upper bound`;
  const step = formatLike(q.step, q, 0);
  const base = q.approx ? `${q.text} is approximate (5% or one unit of its last digit, ${step})` : `rounded or truncated to ${step}`;
  return extraSteps > 0 ? `${base}, one more unit as the shares are made to add up to 100%` : base;
}

// ---- formatting --------------------------------------------------------------

/** 12345.678 -> "12,345.678": thousands separators from 10,000 on (from 1,000 on when `grouped`, as the stated number was written). */
export function formatPlain(v: number, decimals?: number, grouped = false): string {
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '-∞';
  const d = decimals ?? (Number.isInteger(v) ? 0 : Math.min(4, significantDecimals(v)));
  const rounded = Number(v.toFixed(d));
  const text = Math.abs(rounded) >= (grouped ? 1000 : 10000) ? rounded.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }) : rounded.toFixed(d);
  return text === '-0' ? '0' : text;
}

function significantDecimals(v: number): number {
  const s = Math.abs(v).toPrecision(6);
  const frac = s.includes('.') ? s.split('.')[1]!.replace(/0+$/, '') : '';
  return frac.length;
}

/** A base-unit value shown in a quantity's written unit: 15237608 with "24M" -> "15.2M"; 13480 ms -> "13.48s". */
export function formatLike(value: number, like: Quantity, extraDecimals = 1): string {
  if (/\de[+-]?\d/i.test(like.text)) return Number(value.toPrecision(4)).toExponential().replace('e+', 'e');
  const written = value / like.factor;
  const scaleMark = /^[~≈∼+\-−]?\s?[\d.,]+([kKMBT])/.exec(like.text.replace(/^[<>≥≤]\s*/, ''))?.[1] ?? '';
  const d = Math.min(4, like.decimals + extraDecimals);
  const spaced = /^[A-Za-z]{3,}$/.test(like.unit) || (/^[A-Za-z]/.test(like.unit) && /\d\s+[A-Za-z]/.test(like.text));
  const unit = like.dimension === 'count' ? '' : spaced ? ` ${like.unit}` : like.unit;
  return `${formatPlain(written, Number.isInteger(written) ? Math.min(4, like.decimals) : d, /\d,\d{3}/.test(like.text))}${scaleMark}${unit}`;
}

export function formatInterval(i: Interval, like: Quantity): string {
  if (Math.abs(i.hi - i.lo) <= 1e-9 * Math.max(1, Math.abs(i.lo))) return formatLike(i.lo, like);
  if (!Number.isFinite(i.hi)) return `at least ${formatLike(i.lo, like)}`;
  return `${formatLike(mid(i), like)} (${formatLike(i.lo, like)} to ${formatLike(i.hi, like)} from the precision of its terms)`;
}

/** Whether two quantities measure the same thing: same dimension (and, for counts, compatible nouns). */
export function sameDimension(a: Quantity, b: Quantity): boolean {
  return a.dimension === b.dimension;
}

/** Singular, lower-case form of a noun, for matching ("tests" ~ "test", "Hours" ~ "hour"). */
export function singular(word: string): string {
  const w = word.toLowerCase();
  const aliases: Record<string, string> = { hrs: 'hour', hr: 'hour', h: 'hour', mins: 'minute', min: 'minute', secs: 'second', sec: 'second', pts: 'point', params: 'parameter' };
  if (aliases[w]) return aliases[w];
  if (w.endsWith('ies') && w.length > 4) return w.slice(0, -3) + 'y';
  if (/(?:ss|us|is)$/.test(w)) return w;
  if (w.endsWith('sses') || w.endsWith('xes') || w.endsWith('ches') || w.endsWith('shes')) return w.slice(0, -2);
  if (w.endsWith('s') && w.length > 2) return w.slice(0, -1);
  return w;
}
