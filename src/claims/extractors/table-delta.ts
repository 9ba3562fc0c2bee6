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
 * percentages, A/B or B/A for `x`), and so is a second number in the cell;
 * a signed value must follow the direction the column's other signed values
 * follow (all B − A, or all A − B) when they agree on one.
 * A value cell annotated with its change ("30 (-25%)") is read the same way,
 * as the change from a column to its left, when most rows agree with it.
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
  /** +1 when the reading grows with B − A, -1 when it grows with A − B. */
  dir: 1 | -1;
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
    if (r1) out.push({ name: `${b.text} / ${a.text}`, value: r1, dir: 1 });
    if (r2) out.push({ name: `${a.text} / ${b.text}`, value: r2, dir: -1 });
    return out;
  }
  const relative = div(diff, A);
  const relativeDown = div(rev, A);
  const percentValues = a.dimension === 'percent';
  if (stated.dimension === 'points' || (stated.dimension === 'percent' && percentValues)) {
    out.push({ name: `${b.text} − ${a.text} (points)`, value: diff, dir: 1 }, { name: `${a.text} − ${b.text} (points)`, value: rev, dir: -1 });
  }
  if (stated.dimension === 'percent') {
    if (relative) out.push({ name: `(${b.text} − ${a.text}) / ${a.text}`, value: scale(relative, 100), dir: 1 });
    if (relativeDown) out.push({ name: `(${a.text} − ${b.text}) / ${a.text}`, value: scale(relativeDown, 100), dir: -1 });
    // "44% faster" for 3.2s -> 1.8s may also read as a speed gain A/B - 1.
    const speed = div(A, B);
    if (speed && a.dimension === 'time') out.push({ name: `${a.text} / ${b.text} − 1`, value: scale(sub(speed, { lo: 1, hi: 1 }), 100), dir: -1 });
  }
  if (stated.dimension === a.dimension && !percentValues) {
    out.push({ name: `${b.text} − ${a.text}`, value: diff, dir: 1 }, { name: `${a.text} − ${b.text}`, value: rev, dir: -1 });
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
  /** Which number of the delta cell is checked: 0 for a delta column, 1 for a value cell annotated with its change ("30 (-25%)"). */
  index?: 0 | 1;
}

function rowMatches(table: TableBlock, d: number, a: number, b: number, index: 0 | 1 = 0): { rows: number; matches: number } {
  let rows = 0;
  let matches = 0;
  for (const row of table.rows) {
    const s = numbersOf(row, d)[index];
    if (index === 1 && (!s?.signed || s.dimension !== 'percent')) continue;
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
  // A value annotated with its relative change in the same cell ("30 (-25%)"): the change from a column to its left.
  for (let b = 2; b < table.header.length; b++) {
    if (!numeric[b] || out.some((r) => r.d === b)) continue;
    let best: Role | undefined;
    for (let a = b - 1; a >= 1; a--) {
      if (!numeric[a]) continue;
      const { rows, matches } = rowMatches(table, b, a, b, 1);
      if (matches >= 2 && matches >= (2 / 3) * rows && (!best || matches > best.matches)) best = { d: b, a, b, matches, index: 1 };
    }
    if (best) out.push(best);
  }
  return out;
}

/** The sign convention of a delta column: the direction its signed values follow in most rows, if any. */
function columnDirection(table: TableBlock, role: Role): 1 | -1 | 0 {
  let up = 0;
  let down = 0;
  for (const row of table.rows) {
    const s = numbersOf(row, role.d)[role.index ?? 0];
    const [x] = numbersOf(row, role.a);
    const [y] = numbersOf(row, role.b);
    if (!s || !x || !y || !s.signed || s.value === 0) continue;
    const dirs = new Set(changeReadings(s, x, y).filter((r) => agrees(s, r.value).ok).map((r) => r.dir));
    if (dirs.size !== 1) continue;
    if (dirs.has(1)) up++;
    else down++;
  }
  if (up >= 2 && down === 0) return 1;
  if (down >= 2 && up === 0) return -1;
  if (up >= 3 * down && down > 0 && up >= 2) return 1;
  if (down >= 3 * up && up > 0 && down >= 2) return -1;
  return 0;
}

function checkTable(doc: ClaimsDocument, table: TableBlock): Claim[] {
  const claims: Claim[] = [];
  const headers = table.header.map((h) => stripDecoration(h.text));
  for (const role of roles(table)) {
    const name = role.index === 1 ? `Change noted in "${headers[role.d]}"` : headers[role.d] || `column ${role.d + 1}`;
    const direction = columnDirection(table, role);
    for (const row of table.rows) {
      const cell = row[role.d]!;
      const stated = numbersOf(row, role.d);
      const [x] = numbersOf(row, role.a);
      const [y] = numbersOf(row, role.b);
      if (stated.length === 0 || !x || !y) continue;
      const label = stripDecoration(row[0]?.text ?? '') || stripDecoration(row[1]?.text ?? '');
      stated.forEach((s, i) => {
        // In a value cell only its annotation is a change; in a delta cell a second number is a relative change of the same pair ("+210 (+208%)").
        if (role.index === 1 && (i !== 1 || !s.signed || s.dimension !== 'percent')) return;
        if (i === 1 && s.dimension !== 'percent' && s.dimension !== 'ratio') return;
        const all = changeReadings(s, x, y);
        if (all.length === 0) return;
        // A signed value must follow the sign convention the other rows of its column follow.
        const readings = direction !== 0 && s.signed && i === (role.index ?? 0) ? all.filter((r) => r.dir === direction) : all;
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
