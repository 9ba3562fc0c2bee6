/**
 * `table-delta`: a column of changes against the two columns it compares.
 *
 *   | Metric        | Before | After  | Delta          |
 *   | Coverage      | 11.79% | 50.29% | +38.5%         |   points (or a relative change)
 *   | Tests passing | 101    | 311    | +210 (+208%)   |   a difference, then a relative change
 *   | Total tests   | 101    | 324    | +223           |
 *   | Build time    | 3.2s   | 1.8s   | 44% faster     |   a relative change
 *
 * A column is a delta column because of what it holds, not its name: in most
 * rows (two thirds, at least two) its first number is a difference, a
 * relative change, percentage points or a ratio of the same two other
 * columns (a benchmark named DROP is not a "drop" column). Then each row is
 * checked under every reading (B − A or A − B, relative to A, points for
 * percentages, A/B or B/A for `x`), and so is a second number in the cell.
 * Values are intervals at their written precision (0.004 ms against 0.004 ms
 * can be +5.7%).
 */
import type { Cell, ClaimsDocument, TableBlock } from '../document.js';
import { makeClaim, type Extractor } from '../extractor.js';
import { agrees, cellQuantities, div, formatInterval, of, scale, stripDecoration, sub, type Interval, type Quantity } from '../quantity.js';
import type { Claim } from '../types.js';
import { locate } from './table-total.js';

interface Reading {
  name: string;
  value: Interval;
}

/** Every reading of `stated` as a change from `a` to `b`. */
export function changeReadings(stated: Quantity, a: Quantity, b: Quantity): Reading[] {
  const A = of(a);
  const B = of(b);
  const out: Reading[] = [];
  const diff = sub(B, A);
  const rev = sub(A, B);
  if (a.dimension !== b.dimension) return out;
  if (stated.dimension === 'ratio') {
    const r1 = div(B, A);
    const r2 = div(A, B);
    if (r1) out.push({ name: `${b.text} / ${a.text}`, value: r1 });
    if (r2) out.push({ name: `${a.text} / ${b.text}`, value: r2 });
    return out;
  }
  const relative = div(diff, A);
  const relativeDown = div(rev, A);
  const percentValues = a.dimension === 'percent';
  if (stated.dimension === 'points' || (stated.dimension === 'percent' && percentValues)) {
    out.push({ name: `${b.text} − ${a.text} (points)`, value: diff }, { name: `${a.text} − ${b.text} (points)`, value: rev });
  }
  if (stated.dimension === 'percent') {
    if (relative) out.push({ name: `(${b.text} − ${a.text}) / ${a.text}`, value: scale(relative, 100) });
    if (relativeDown) out.push({ name: `(${a.text} − ${b.text}) / ${a.text}`, value: scale(relativeDown, 100) });
    // "44% faster" for 3.2s -> 1.8s may also read as a speed gain A/B - 1.
    const speed = div(A, B);
    if (speed && a.dimension === 'time') out.push({ name: `${a.text} / ${b.text} − 1`, value: scale(sub(speed, { lo: 1, hi: 1 }), 100) });
  }
  if (stated.dimension === a.dimension && !percentValues) {
    out.push({ name: `${b.text} − ${a.text}`, value: diff }, { name: `${a.text} − ${b.text}`, value: rev });
  }
  return out;
}

function numbersOf(row: Cell[], c: number): Quantity[] {
  const cell = row[c];
  return cell ? cellQuantities(cell.text) : [];
}

function isNumericColumn(table: TableBlock, c: number): boolean {
  const n = table.rows.filter((row) => numbersOf(row, c).length > 0).length;
  return n >= 2 && n >= table.rows.length / 2;
}

interface Role {
  d: number;
  a: number;
  b: number;
  matches: number;
}

function rowMatches(table: TableBlock, d: number, a: number, b: number): { rows: number; matches: number } {
  let rows = 0;
  let matches = 0;
  for (const row of table.rows) {
    const [s] = numbersOf(row, d);
    const [x] = numbersOf(row, a);
    const [y] = numbersOf(row, b);
    if (!s || !x || !y) continue;
    rows++;
    if (changeReadings(s, x, y).some((r) => agrees(s, r.value).ok)) matches++;
  }
  return { rows, matches };
}

/** The delta columns of a table, each with the two columns it compares. */
function roles(table: TableBlock): Role[] {
  const numeric = table.header.map((_, c) => c > 0 && isNumericColumn(table, c));
  const out: Role[] = [];
  for (let d = 1; d < table.header.length; d++) {
    if (!numeric[d]) continue;
    let best: Role | undefined;
    for (let b = d - 1; b >= 1; b--) {
      for (let a = b - 1; a >= 1; a--) {
        if (!numeric[a] || !numeric[b]) continue;
        const { rows, matches } = rowMatches(table, d, a, b);
        if (matches >= 2 && matches >= (2 / 3) * rows && (!best || matches > best.matches)) best = { d, a, b, matches };
      }
    }
    if (best) out.push(best);
  }
  return out;
}

function checkTable(doc: ClaimsDocument, table: TableBlock): Claim[] {
  const claims: Claim[] = [];
  const headers = table.header.map((h) => stripDecoration(h.text));
  for (const role of roles(table)) {
    const name = headers[role.d] || `column ${role.d + 1}`;
    for (const row of table.rows) {
      const cell = row[role.d]!;
      const stated = numbersOf(row, role.d);
      const [x] = numbersOf(row, role.a);
      const [y] = numbersOf(row, role.b);
      if (stated.length === 0 || !x || !y) continue;
      const label = stripDecoration(row[0]?.text ?? '') || stripDecoration(row[1]?.text ?? '');
      stated.forEach((s, i) => {
        // A second number in the cell is a relative change of the same pair ("+210 (+208%)").
        if (i === 1 && s.dimension !== 'percent' && s.dimension !== 'ratio') return;
        const readings = changeReadings(s, x, y);
        if (readings.length === 0) return;
        const ok = readings.find((r) => agrees(s, r.value).ok);
        const shown = ok ?? readings[0]!;
        const tolerance = agrees(s, shown.value).tolerance;
        const where = label ? ` for "${label}"` : '';
        const expected = readings.map((r) => `${r.name} = ${formatInterval(r.value, s)}`).join('; ');
        const message = ok
          ? `${name} ${s.text}${where} agrees with ${ok.name} = ${formatInterval(ok.value, s)} (columns "${headers[role.a]}" and "${headers[role.b]}")`
          : `Stated ${name} ${s.text}${where} does not match columns "${headers[role.a]}" (${x.text}) and "${headers[role.b]}" (${y.text}) under any reading: ${expected}; tolerance: ${tolerance}`;
        claims.push(
          makeClaim(doc, 'table-delta', {
            status: ok ? 'ok' : 'fail',
            line: cell.line,
            column: locate(cell, s),
            message,
            stated: s.text,
            expected: formatInterval(shown.value, s),
            items: [
              { line: cell.line, text: x.text },
              { line: cell.line, text: y.text },
            ],
            tolerance,
          }),
        );
      });
    }
  }
  return claims;
}

export const tableDelta: Extractor = {
  kind: 'table-delta',
  summary: 'a column whose values behave as changes between two other columns, each row (and a second number in a cell) checked under every reading',
  covers: ['table-delta'],
  extract(doc: ClaimsDocument): Claim[] {
    return doc.tables.flatMap((t) => checkTable(doc, t));
  },
};
