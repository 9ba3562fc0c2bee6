/**
 * A predicted or observed value as a table cell writes it: `0.35`, `-0.15`,
 * `−1.05` (Unicode minus), `65%`, `+24pp`, `+24 p.p.`, `~0`, `≈ 0.3`,
 * `0.95–1.02` (a range), `0.20 ± 0.02` (the first number), `12 ms`,
 * `**0.45**`. Units are kept as written (normalised: `pp` for percentage
 * points, `%`, else the short unit in lower case) so rows can be checked for
 * consistent units.
 */

export interface Quantity {
  value: number;
  /** Digits after the decimal point: the precision the author wrote. */
  decimals: number;
  /** '' (a plain number), '%', 'pp' (percentage points), or another short unit ('ms', 'x', 'gb'). */
  unit: string;
  /** Written with ~, ≈, "about" or "approx". */
  approx: boolean;
  /** Written with an explicit sign. */
  signed: boolean;
  /** A range `low–high` (value is its midpoint). */
  range?: { low: number; high: number };
  /** The cell text the quantity was read from. */
  raw: string;
}

const NUM = String.raw`(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+`;
const UNIT = String.raw`%|pp|p\.p\.|pts?|points|percentage\s+points|[a-zµ/]{1,6}`;
const CELL = new RegExp(
  String.raw`^(?<approx>[~≈]|approx\.?\s+|about\s+)?\s*(?<sign>[+\-−–])?\s*(?<num>${NUM})(?:[eE](?<exp>[+\-]?\d+))?\s*(?<unit>${UNIT})?` +
    String.raw`(?:\s*(?:[–—-]|to)\s*(?<sign2>[+\-−])?\s*(?<num2>${NUM})\s*(?<unit2>${UNIT})?)?` +
    String.raw`(?:\s*(?:±|\+\/-|\+-)\s*[\d.]+\s*(?:%|pp)?)?\s*(?:\(.*\))?$`,
  'i',
);

/** The cell text without emphasis, code marks, trailing footnote marks or emoji. */
export function plainCell(text: string): string {
  return text
    .replace(/\*\*|__|`/g, '')
    .replace(/^\*(.*)\*$/, '$1')
    .replace(/^_(.*)_$/, '$1')
    .replace(/\s*[✨✅❌⚠️✓✗*†‡]+\s*$/u, '')
    .trim();
}

function decimalsOf(num: string): number {
  const dot = num.indexOf('.');
  return dot < 0 ? 0 : num.length - dot - 1;
}

function normaliseUnit(unit: string | undefined): string {
  const u = (unit ?? '').toLowerCase().replace(/\s+/g, ' ');
  if (u === '') return '';
  if (u === '%') return '%';
  if (['pp', 'p.p.', 'pt', 'pts', 'points', 'percentage points'].includes(u)) return 'pp';
  return u;
}

/** Reads a cell as a quantity; undefined for text, empty cells, "n/a", "TBD", "?". */
export function parseQuantity(raw: string): Quantity | undefined {
  const text = plainCell(raw);
  if (text === '' || text.length > 80) return undefined;
  const m = CELL.exec(text);
  if (!m) return undefined;
  const g = m.groups!;
  const num = g.num!.replace(/,/g, '');
  let magnitude = Number(num.startsWith('.') ? `0${num}` : num);
  if (g.exp !== undefined) magnitude *= 10 ** Number(g.exp);
  const negative = g.sign !== undefined && g.sign !== '+';
  const value = negative ? -magnitude : magnitude;
  // "0.95–1.02": a range; "-0.15" alone is a sign, not a range's dash.
  let unit = normaliseUnit(g.unit);
  let range: Quantity['range'];
  if (g.num2 !== undefined) {
    const second = Number(g.num2.replace(/,/g, '')) * (g.sign2 !== undefined && g.sign2 !== '+' ? -1 : 1);
    range = { low: Math.min(value, second), high: Math.max(value, second) };
    if (unit === '') unit = normaliseUnit(g.unit2);
  }
  // A bare word after the number is not a unit ("5 examples" is not a value a table compares).
  if (unit !== '' && unit !== '%' && unit !== 'pp' && unit.length > 4 && !unit.includes('/')) return undefined;
  const quantity: Quantity = {
    value: range ? (range.low + range.high) / 2 : value,
    decimals: Math.max(decimalsOf(num), g.num2 !== undefined ? decimalsOf(g.num2) : 0),
    unit,
    approx: g.approx !== undefined,
    signed: g.sign !== undefined,
    raw: text,
  };
  if (range) quantity.range = range;
  return quantity;
}

/** "0.35", "65%", "+24pp", "−0.15" at the given precision. */
export function formatQuantity(value: number, decimals: number, unit: string, signed = false): string {
  const d = Math.max(0, Math.min(6, decimals));
  const rounded = Number(value.toFixed(d));
  const text = Math.abs(rounded) === 0 ? (0).toFixed(d) : rounded.toFixed(d);
  const sign = signed && rounded > 0 ? '+' : '';
  return `${sign}${text.replace('-', '−')}${unit === '%' ? '%' : unit === 'pp' ? 'pp' : unit ? ` ${unit}` : ''}`;
}
