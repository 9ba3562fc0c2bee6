/**
 * `table-total`: a total row against the rows it sums.
 *
 *   | File      | Current | After | Change |
 *   | a.tsx     | 2,232   | 2,300 | +68    |
 *   | b.tsx     | 2,206   | 2,910 | +704   |
 *   | Subtotal  | 4,438   | 5,300 | +772   |      fail in After: 2,300 + 2,910 = 5,210
 *   | Other     | 8,067   | 8,060 | -7     |
 *   | TOTAL     | 12,505  | 13,360| +765   |      sums the subtotal and the row after it
 *
 * A row labelled Total, Subtotal, Sum or Grand total sums the rows above it
 * since the last heading row (a row without numbers) or total row; a subtotal
 * then stands for the rows it summed. Each column is summed on its own when
 * its cells are alike (same unit and same number of decimals; ms and s
 * convert), and never when it holds percentages, ratios, or rates, averages,
 * scores or speeds (by its header). The row is a total when at least one
 * column adds up; then every column that does not is flagged. When no column
 * adds up, a column is flagged only if its rows exceed the total: a larger
 * total may count rows the table leaves out.
 */
import type { Cell, ClaimsDocument, TableBlock } from '../document.js';
import { compare, type Extractor } from '../extractor.js';
import { agrees, cellQuantities, of, stripDecoration, sum, type Quantity } from '../quantity.js';
import type { Claim } from '../types.js';

const TOTAL_ROW = /^(?:sub-?total|total|grand total|sum|overall total)\b/i;
const SUBTOTAL_ROW = /^sub-?total\b/i;
/** Columns that are never summed, by their header. */
const NOT_ADDITIVE = /%|percent|\brate\b|ratio|\bavg\b|average|\bmean\b|median|speed|throughput|\bper\b|\/\s*s\b|flops|\bscore|accuracy|\bacc\b|\bf1\b|bleu|percentile|\bp\d{2}\b|coverage|success|relative|\bvs\.?\b|factor|speed-?up/i;

interface Unit {
  /** The cells standing for this unit (a row, or a subtotal row standing for the rows it summed). */
  row: Cell[];
  line: number;
}

function labelOf(row: Cell[]): string {
  for (const cell of row) {
    const text = stripDecoration(cell.text);
    if (text && !cellQuantities(text).length) return text;
    if (text) return '';
  }
  return '';
}

function valueOf(row: Cell[], c: number): Quantity | undefined {
  const cell = row[c];
  if (!cell) return undefined;
  return cellQuantities(cell.text)[0];
}

/** Cells alike: the same dimension and unit, the same number of decimals. */
function alike(qs: Quantity[]): boolean {
  const first = qs[0]!;
  return qs.every((q) => q.dimension === first.dimension && q.unit === first.unit && q.decimals === first.decimals);
}

function hasNumbers(row: Cell[]): boolean {
  return row.slice(1).some((cell) => cellQuantities(cell.text).length > 0);
}

function checkTable(doc: ClaimsDocument, table: TableBlock): Claim[] {
  const claims: Claim[] = [];
  const headers = table.header.map((h) => stripDecoration(h.text));
  let segment: Unit[] = [];
  for (const row of table.rows) {
    const label = labelOf(row);
    if (!hasNumbers(row)) {
      segment = [];
      continue;
    }
    if (!TOTAL_ROW.test(label)) {
      segment.push({ row, line: row[0]?.line ?? 0 });
      continue;
    }
    const results: Array<{ claim: Claim; ok: boolean; exceeds: boolean }> = [];
    for (let c = 1; c < row.length; c++) {
      if (NOT_ADDITIVE.test(headers[c] ?? '')) continue;
      const total = valueOf(row, c);
      if (!total || total.dimension === 'percent' || total.dimension === 'ratio' || total.dimension === 'points') continue;
      const parts = segment.map((u) => valueOf(u.row, c));
      if (parts.length < 2 || parts.some((p) => !p)) continue;
      const qs = parts as Quantity[];
      if (!alike(qs) || qs.some((q) => q.dimension !== total.dimension || q.approx)) continue;
      const computed = sum(qs.map(of));
      const cell = row[c]!;
      const where = { line: cell.line, column: locate(cell, total) };
      const name = headers[c] || `column ${c + 1}`;
      const claim = compare(doc, 'table-total', total, where, computed, {
        what: `${label} of column "${name}"`,
        how: `the ${qs.length} rows above it, ${qs.map((q) => q.text).join(' + ')} (lines ${segment[0]!.line}-${segment[segment.length - 1]!.line})`,
        items: qs.map((q, i) => ({ line: segment[i]!.line, text: q.text })),
      });
      const ok = agrees(total, computed).ok;
      results.push({ claim, ok, exceeds: !ok && computed.lo > total.hi });
    }
    const isTotal = results.some((r) => r.ok);
    for (const r of results) {
      if (isTotal || r.exceeds) claims.push(r.claim);
    }
    if (SUBTOTAL_ROW.test(label)) segment = [{ row, line: row[0]?.line ?? 0 }];
    else segment = [];
  }
  return claims;
}

/** Column of a quantity's first character inside its cell. */
export function locate(cell: Cell, q: Quantity): number {
  const raw = cell.text;
  const first = q.text.search(/[+\-−~≈\d]/);
  const at = raw.indexOf(q.text.slice(first >= 0 ? first : 0));
  if (at >= 0) return cell.column + at;
  return cell.column + Math.max(0, raw.search(/\d/));
}

export const tableTotal: Extractor = {
  kind: 'table-total',
  summary: 'a Total or Subtotal row against the rows above it since the last heading or total row, column by column',
  covers: ['table-total'],
  extract(doc: ClaimsDocument): Claim[] {
    return doc.tables.flatMap((t) => checkTable(doc, t));
  },
};
