/**
 * Results of an experiment set against its predictions.
 *
 * Results are read from `results.json` or from a Markdown table (a results
 * file, or a Results section), in any of these shapes:
 *
 *   {"metrics": [{"metric": "Val loss (OOD, T=10)", "sinusoidal": 0.47, "rope": 0.24}, ...]}
 *   [{"metric": "...", "sinusoidal": 0.47, "rope": 0.24}, ...]
 *   {"Val loss (OOD, T=10)": {"sinusoidal": 0.47, "rope": 0.24}, ...}
 *   {"sinusoidal": {"val_loss_ood_T10": 0.47, ...}, "rope": {...}}
 *
 * values being numbers, strings such as "81%", or `{"mean": 0.47, "std": 0.02}`.
 * Metrics are matched to the predictions table's rows by their words and
 * numbers ("Val loss (OOD, T=10)" = `val_loss_ood_T10`; the numbers must be
 * the same, so T=10 never meets T=15), variants by the table's headers and
 * the rubric's names for them.
 *
 * The comparison per metric: predicted and observed value of each variant,
 * a hit when within the rubric's tolerance (points for percentages, else
 * the larger of an absolute and a relative bound; a predicted range is a
 * hit inside the range widened by the absolute bound), and whether the
 * observed Δ goes the predicted way (a predicted "~0" is right when the
 * observed Δ is within the tolerance). This is feedback on the prediction,
 * not a grade on the result.
 */
import type { Location } from '../core/types.js';
import type { JsonParsed } from '../input/json.js';
import type { MarkdownDoc } from '../markdown/document.js';
import { classifyColumns, type PredictionRow } from './predictions.js';
import { formatQuantity, parseQuantity, plainCell, type Quantity } from './quantity.js';
import { readTables } from './tables.js';

export interface Tolerance {
  /** Absolute difference allowed for plain values (default 0.05). */
  absolute: number;
  /** Relative difference allowed for plain values, as a fraction of the prediction (default 0.2). */
  relative: number;
  /** Percentage points allowed for percentages (default 5). */
  points: number;
}

export const DEFAULT_TOLERANCE: Tolerance = { absolute: 0.05, relative: 0.2, points: 5 };

export interface ObservedValue {
  quantity: Quantity;
  location: Location;
}

export interface ObservedRow {
  label: string;
  /** Observed value per variant index of the predictions table. */
  values: Array<ObservedValue | undefined>;
  location: Location;
}

export interface VariantNames {
  /** Per variant column of the predictions table: words that name it (header, rubric names). */
  names: string[][];
}

const STOP = new Set(['the', 'a', 'an', 'at', 'of', 'in', 'on', 'for', 'and', 'with', 'to', 'by']);

/** Words and numbers of a metric label: "Val loss (OOD, T=10)" and "val_loss_ood_T10" both give val, loss, ood, t, 10. */
export function labelTokens(label: string): string[] {
  return label
    .toLowerCase()
    .replace(/≤|<=/g, ' le ')
    .replace(/≥|>=/g, ' ge ')
    .replace(/([a-z])(\d)/g, '$1 $2')
    .replace(/(\d)([a-z])/g, '$1 $2')
    .split(/[^a-z0-9.]+/)
    .map((t) => t.replace(/^\.+|\.+$/g, ''))
    .filter((t) => t !== '' && !STOP.has(t));
}

function sameWord(a: string, b: string): boolean {
  if (a === b) return true;
  if (/^\d/.test(a) || /^\d/.test(b)) return false;
  return a.length >= 3 && b.length >= 3 && (a.startsWith(b) || b.startsWith(a));
}

/** How well two labels name the same metric, in [0, 1]; 0 when their numbers differ. */
export function labelScore(a: string, b: string): number {
  const ta = labelTokens(a);
  const tb = labelTokens(b);
  const numbers = (t: string[]) => t.filter((x) => /^\d/.test(x)).sort().join(' ');
  if (numbers(ta) !== numbers(tb)) return 0;
  const matched = ta.filter((x) => tb.some((y) => sameWord(x, y))).length;
  const union = ta.length + tb.length - matched;
  return union === 0 ? 0 : matched / union;
}

function variantIndex(key: string, variants: VariantNames): number {
  const k = key.toLowerCase().replace(/[^a-z0-9]+/g, '');
  if (k === '') return -1;
  return variants.names.findIndex((names) => names.some((n) => {
    const w = n.toLowerCase().replace(/[^a-z0-9]+/g, '');
    return w !== '' && (k === w || k.includes(w) || (w.includes(k) && k.length >= 3));
  }));
}

function quantityOf(value: unknown): Quantity | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) {
    const text = String(value);
    const dot = text.indexOf('.');
    return { value, decimals: dot < 0 || text.includes('e') ? 0 : text.length - dot - 1, unit: '', approx: false, signed: false, raw: text };
  }
  if (typeof value === 'string') return parseQuantity(value);
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const o = value as Record<string, unknown>;
    for (const key of ['mean', 'value', 'avg', 'median']) if (key in o) return quantityOf(o[key]);
  }
  return undefined;
}

const LABEL_KEYS = ['metric', 'name', 'label', 'measure', 'key'];

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Results rows from a parsed results.json (see the module comment for the shapes). */
export function resultsFromJson(parsed: JsonParsed, variants: VariantNames): ObservedRow[] {
  let root = parsed.value;
  let base = '';
  // {"results": {...}} or {"metrics": [...]}: one level of wrapping.
  if (root && typeof root === 'object' && !Array.isArray(root)) {
    const o = root as Record<string, unknown>;
    for (const key of ['metrics', 'results', 'rows']) {
      if (key in o && o[key] && typeof o[key] === 'object') {
        root = o[key];
        base = `/${key}`;
        break;
      }
    }
  }
  const rows: ObservedRow[] = [];
  const width = variants.names.length;
  const rowFrom = (label: string, entries: Record<string, unknown>, pointer: string): ObservedRow | undefined => {
    const values: Array<ObservedValue | undefined> = new Array(width).fill(undefined);
    for (const [key, v] of Object.entries(entries)) {
      const i = variantIndex(key, variants);
      const q = quantityOf(v);
      if (i >= 0 && q && !values[i]) values[i] = { quantity: q, location: parsed.locate(`${pointer}/${escapePointer(key)}`) };
    }
    if (values.every((v) => v === undefined)) return undefined;
    return { label, values, location: parsed.locate(pointer) };
  };
  if (Array.isArray(root)) {
    root.forEach((item, i) => {
      if (!item || typeof item !== 'object' || Array.isArray(item)) return;
      const o = item as Record<string, unknown>;
      const labelKey = LABEL_KEYS.find((k) => typeof o[k] === 'string');
      if (!labelKey) return;
      const row = rowFrom(o[labelKey] as string, o, `${base}/${i}`);
      if (row) rows.push(row);
    });
    return rows;
  }
  if (!root || typeof root !== 'object') return rows;
  const o = root as Record<string, unknown>;
  const keys = Object.keys(o);
  const variantMajor = keys.length >= 2 && keys.filter((k) => variantIndex(k, variants) >= 0 && o[k] && typeof o[k] === 'object').length >= 2;
  if (variantMajor) {
    const byMetric = new Map<string, ObservedRow>();
    for (const key of keys) {
      const vi = variantIndex(key, variants);
      const inner = o[key];
      if (vi < 0 || !inner || typeof inner !== 'object' || Array.isArray(inner)) continue;
      for (const [metric, v] of Object.entries(inner as Record<string, unknown>)) {
        const q = quantityOf(v);
        if (!q) continue;
        let row = byMetric.get(metric);
        if (!row) {
          row = { label: metric, values: new Array(width).fill(undefined), location: parsed.locate(`${base}/${escapePointer(key)}/${escapePointer(metric)}`) };
          byMetric.set(metric, row);
        }
        row.values[vi] = { quantity: q, location: parsed.locate(`${base}/${escapePointer(key)}/${escapePointer(metric)}`) };
      }
    }
    return [...byMetric.values()];
  }
  for (const key of keys) {
    const inner = o[key];
    if (!inner || typeof inner !== 'object' || Array.isArray(inner)) continue;
    const row = rowFrom(key, inner as Record<string, unknown>, `${base}/${escapePointer(key)}`);
    if (row) rows.push(row);
  }
  return rows;
}

/** Results rows from the first Markdown table whose headers name at least two of the variants. */
export function resultsFromMarkdown(doc: MarkdownDoc, path: string, variants: VariantNames, skipLine?: number): ObservedRow[] {
  for (const table of readTables(doc)) {
    if (skipLine !== undefined && table.line === skipLine) continue;
    const columns = classifyColumns(table);
    const numeric = [...columns.variants, ...columns.observed];
    const byVariant = new Map<number, number>();
    for (const c of numeric) {
      const i = variantIndex(plainCell(table.header[c]!.text), variants);
      if (i >= 0 && !byVariant.has(i)) byVariant.set(i, c);
    }
    if (byVariant.size < Math.min(2, variants.names.length)) continue;
    const rows: ObservedRow[] = [];
    for (const row of table.rows) {
      const labelCell = row[columns.metric ?? 0];
      const label = plainCell(labelCell?.text ?? '');
      if (!label) continue;
      const values: Array<ObservedValue | undefined> = new Array(variants.names.length).fill(undefined);
      for (const [i, c] of byVariant) {
        const cell = row[c];
        const q = cell ? parseQuantity(cell.text) : undefined;
        if (q && cell) values[i] = { quantity: q, location: { file: path, line: cell.line, column: cell.column } };
      }
      rows.push({ label, values, location: { file: path, line: labelCell!.line, column: labelCell!.column } });
    }
    if (rows.length > 0) return rows;
  }
  return [];
}

export interface VariantComparison {
  predicted?: Quantity;
  observed?: Quantity;
  hit?: boolean;
  /** "read 0.81 as 81%" when units were reconciled. */
  note?: string;
}

export interface MetricComparison {
  row: PredictionRow;
  observed?: ObservedRow;
  variants: VariantComparison[];
  predictedDelta?: number;
  observedDelta?: number;
  /** Unit of the Δ values ('pp' for percentages). */
  deltaUnit: string;
  deltaDecimals: number;
  /** right: the observed Δ goes the predicted way; wrong; undefined when it cannot be told. */
  direction?: 'right' | 'wrong';
  /** The prediction was "about zero". */
  parity: boolean;
}

function tolerant(tolerance: Tolerance, predicted: Quantity, observed: number): boolean {
  const percent = predicted.unit === '%' || predicted.unit === 'pp';
  const bound = percent ? tolerance.points : Math.max(tolerance.absolute, tolerance.relative * Math.abs(predicted.value));
  if (predicted.range) return observed >= predicted.range.low - (percent ? tolerance.points : tolerance.absolute) - 1e-9 && observed <= predicted.range.high + (percent ? tolerance.points : tolerance.absolute) + 1e-9;
  return Math.abs(observed - predicted.value) <= bound + 1e-9;
}

/** The observed value in the prediction's unit: a fraction read as a percentage and back. */
function reconcile(predicted: Quantity, observed: Quantity): { value: number; note?: string } {
  if (predicted.unit === '%' && observed.unit === '' && Math.abs(observed.value) <= 1 && Math.abs(predicted.value) > 1) {
    return { value: observed.value * 100, note: `${observed.raw} read as ${formatQuantity(observed.value * 100, Math.max(0, observed.decimals - 2), '%')}` };
  }
  if (predicted.unit === '' && observed.unit === '%' && Math.abs(predicted.value) <= 1) {
    return { value: observed.value / 100, note: `${observed.raw} read as ${formatQuantity(observed.value / 100, observed.decimals + 2, '')}` };
  }
  return { value: observed.value };
}

/** Matches every prediction row to a results row (best label score, at least 0.5, each results row once). */
export function matchRows(predictions: readonly PredictionRow[], observed: readonly ObservedRow[]): Array<ObservedRow | undefined> {
  const pairs: Array<{ p: number; o: number; score: number }> = [];
  predictions.forEach((row, p) => observed.forEach((obs, o) => {
    const score = labelScore(row.label, obs.label);
    if (score >= 0.5) pairs.push({ p, o, score });
  }));
  pairs.sort((a, b) => b.score - a.score || a.p - b.p);
  const out: Array<ObservedRow | undefined> = new Array(predictions.length).fill(undefined);
  const used = new Set<number>();
  for (const pair of pairs) {
    if (out[pair.p] || used.has(pair.o)) continue;
    out[pair.p] = observed[pair.o];
    used.add(pair.o);
  }
  return out;
}

/** Compares one predictions row with its observed row. */
export function compareRow(row: PredictionRow, observed: ObservedRow | undefined, tolerance: Tolerance): MetricComparison {
  const variants: VariantComparison[] = row.values.map((predicted, i) => {
    const obs = observed?.values[i]?.quantity;
    const out: VariantComparison = {};
    if (predicted) out.predicted = predicted;
    if (obs) {
      out.observed = obs;
      if (predicted) {
        const r = reconcile(predicted, obs);
        out.hit = tolerant(tolerance, predicted, r.value);
        if (r.note) out.note = r.note;
      }
    }
    return out;
  });
  const a = row.values[row.values.length - 2];
  const b = row.values[row.values.length - 1];
  const percent = a?.unit === '%' || b?.unit === '%';
  const comparison: MetricComparison = { row, variants, deltaUnit: percent ? 'pp' : a?.unit ?? '', deltaDecimals: Math.max(a?.decimals ?? 0, b?.decimals ?? 0, row.delta?.decimals ?? 0), parity: false };
  if (observed) comparison.observed = observed;
  const predictedDelta = row.delta && !(row.delta.approx && row.delta.value === 0) ? row.delta.value : a && b ? b.value - a.value : row.delta?.value;
  // "~0" (or 0) predicts parity; without a Δ cell, equal predicted values do.
  comparison.parity = row.delta ? row.delta.value === 0 : a !== undefined && b !== undefined && a.value === b.value;
  if (predictedDelta !== undefined) comparison.predictedDelta = comparison.parity ? 0 : predictedDelta;
  const oa = variants[variants.length - 2];
  const ob = variants[variants.length - 1];
  if (oa?.observed && ob?.observed && a && b) {
    const va = reconcile(a, oa.observed).value;
    const vb = reconcile(b, ob.observed).value;
    comparison.observedDelta = vb - va;
    const bound = percent ? tolerance.points : tolerance.absolute;
    if (comparison.parity) comparison.direction = Math.abs(vb - va) <= bound + 1e-9 ? 'right' : 'wrong';
    else if (comparison.predictedDelta !== undefined && comparison.predictedDelta !== 0) {
      comparison.direction = Math.sign(vb - va) === Math.sign(comparison.predictedDelta) && Math.abs(vb - va) > 1e-12 ? 'right' : 'wrong';
    }
  }
  return comparison;
}

/** The rows a headline sentence is about: those sharing its numbers ("T=20"), else the biggest predicted gap. */
export function headlineRows(sentence: string, comparisons: readonly MetricComparison[]): MetricComparison[] {
  const numbers = labelTokens(sentence).filter((t) => /^\d/.test(t));
  if (numbers.length > 0) {
    const rows = comparisons.filter((c) => {
      const tokens = labelTokens(c.row.label);
      return numbers.every((n) => tokens.includes(n));
    });
    if (rows.length > 0) return rows;
  }
  const gap = (c: MetricComparison) => {
    const size = Math.max(...c.row.values.map((v) => Math.abs(v?.value ?? 0)), 1e-12);
    return Math.abs(c.predictedDelta ?? 0) / size;
  };
  const best = [...comparisons].filter((c) => !c.parity).sort((x, y) => gap(y) - gap(x))[0];
  return best ? [best] : [];
}
