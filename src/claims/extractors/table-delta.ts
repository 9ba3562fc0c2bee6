/**
 * `table-delta`: a delta column against the two value columns before it.
 *
 *   Metric          | sinusoidal | RoPE | Δ
 *   ----------------+------------+------+------
 *   Val loss (T=10) | 0.35       | 0.20 | -0.15     ok: 0.20 − 0.35
 *   Accuracy        | 65%        | 89%  | +24pp     ok: percentage points
 *   Train loss      | 0.05       | 0.05 | ~0        ok: |Δ| small next to the values
 *
 * A delta column is headed Δ, delta, diff, difference, change, improvement or
 * gain. Δ = B − A, B being the nearer value column; A − B only when the header
 * says so ("Δ (A − B)"); improvement, gain, reduction and drop headers may go
 * either way, consistently over the table. Percent values give percentage
 * points (a `%` delta may also be the relative change); a `%` delta between
 * plain numbers is the relative change, relative to the first value column. Tolerance: the stated
 * precision of the delta plus one unit of the values' precision (the values
 * may themselves be rounded). GFM tables and plain-text pipe tables (`---+---`
 * rules) alike.
 */
import type { Cell, ClaimsDocument, TableBlock } from '../document.js';
import { makeClaim, type Extractor } from '../extractor.js';
import { agrees, formatNumber } from '../numbers.js';
import type { Claim } from '../types.js';
import { cellNumber, cellText, type CellNumber } from './cells.js';

const DELTA_HEADER = /(?:^|[\s(])[Δ∆]|\bdelta\b|\bdiff(?:erence)?\b|\bchange\b|\bimprovement\b|\bgain\b|\breduction\b|\bdrop\b/i;
const EITHER_WAY = /\bimprovement\b|\bgain\b|\breduction\b|\bdrop\b|\bsaving/i;

type Direction = 1 | -1;

function isNumericColumn(table: TableBlock, c: number): boolean {
  const parsed = table.rows.filter((row) => row[c] && cellNumber(row[c]!.text)).length;
  return parsed > 0 && parsed >= table.rows.length / 2;
}

/** Direction the header states, if it names the two columns: "Δ (A − B)" gives -1. */
function statedDirection(header: string, a: string, b: string): Direction | undefined {
  const m = /([^()−\-–]+?)\s+[−\-–]\s+([^()−\-–]+)/.exec(header) ?? /([^()\s−\-–]+)\s*[−–]\s*([^()\s−\-–]+)/.exec(header);
  if (!m) return undefined;
  const left = m[1]!.replace(/^.*[Δ∆:]\s*/, '').trim().toLowerCase();
  const right = m[2]!.trim().toLowerCase();
  const is = (side: string, name: string) => side.length > 0 && (name.toLowerCase().includes(side) || side.includes(name.toLowerCase()));
  if (is(left, b) && is(right, a)) return 1;
  if (is(left, a) && is(right, b)) return -1;
  return undefined;
}

interface RowCheck {
  cell: Cell;
  stated: CellNumber;
  a: CellNumber;
  b: CellNumber;
  label: string;
  aText: string;
  bText: string;
}

function rowOk(r: RowCheck, direction: Direction): boolean {
  const diff = direction * (r.b.value - r.a.value);
  const valueDecimals = Math.max(r.a.decimals, r.b.decimals);
  const valueUnit = 10 ** -valueDecimals;
  if (r.stated.approx && r.stated.value === 0) {
    return Math.abs(diff) <= Math.max(valueUnit, 0.05 * Math.max(Math.abs(r.a.value), Math.abs(r.b.value))) + 1e-9;
  }
  const relative = relativeOnly(r);
  const candidates = relative ? [(100 * diff) / r.a.value] : [diff];
  // "+24%" between two percentages may be points or the relative change.
  if (r.a.percent && r.stated.percent && r.a.value !== 0) candidates.push((100 * diff) / r.a.value);
  // An unsigned delta may give the size of the change without its direction.
  if (!r.stated.signed) candidates.push(...candidates.map((c) => Math.abs(c)));
  const slack = r.stated.percent ? 0 : valueUnit;
  return candidates.some((c) => agrees(c, r.stated.value, r.stated.decimals, r.stated.approx, slack));
}

/** A `%` delta between plain numbers is the relative change ("-75%" from 400 to 100). */
function relativeOnly(r: RowCheck): boolean {
  return r.stated.percent && !r.a.percent;
}

/** Whether the stated value matches this signed difference itself (not only its size). */
function rowMatches(r: RowCheck, diff: number): boolean {
  return agrees(diff, r.stated.value, r.stated.decimals, r.stated.approx, 10 ** -Math.max(r.a.decimals, r.b.decimals));
}

function signed(value: number, decimals: number, unit: string): string {
  const text = formatNumber(value, decimals);
  return `${value > 0 && Number(text) !== 0 ? '+' : ''}${text}${unit}`;
}

export const tableDelta: Extractor = {
  kind: 'table-delta',
  summary: 'a delta column (Δ, diff, change) against the two value columns before it, in GFM and plain-text pipe tables',
  extract(doc: ClaimsDocument): Claim[] {
    const claims: Claim[] = [];
    for (const table of doc.tables) {
      const headers = table.header.map((h) => cellText(h.text));
      const deltaColumns = headers.map((h, i) => (DELTA_HEADER.test(h) ? i : -1)).filter((i) => i >= 0);
      for (const d of deltaColumns) {
        const valueColumns: number[] = [];
        for (let c = d - 1; c >= 0 && valueColumns.length < 2; c--) {
          if (!deltaColumns.includes(c) && isNumericColumn(table, c)) valueColumns.push(c);
        }
        if (valueColumns.length < 2) continue;
        const [bi, ai] = valueColumns as [number, number];
        const aName = headers[ai] || `column ${ai + 1}`;
        const bName = headers[bi] || `column ${bi + 1}`;
        const rows: RowCheck[] = [];
        for (const row of table.rows) {
          const cell = row[d];
          const stated = cell ? cellNumber(cell.text) : undefined;
          const a = row[ai] ? cellNumber(row[ai]!.text) : undefined;
          const b = row[bi] ? cellNumber(row[bi]!.text) : undefined;
          if (!cell || !stated || !a || !b || a.percent !== b.percent) continue;
          // A relative change from zero is undefined.
          if (stated.percent && !a.percent && a.value === 0) continue;
          rows.push({ cell, stated, a, b, label: cellText(row[0]?.text ?? ''), aText: cellText(row[ai]!.text), bText: cellText(row[bi]!.text) });
        }
        if (rows.length === 0) continue;
        const header = headers[d]!;
        const declared = statedDirection(header, aName, bName);
        let direction: Direction = declared ?? 1;
        let reversedHint = false;
        const allOk = (dir: Direction) => rows.every((r) => rowOk(r, dir));
        const anyDecisive = rows.some((r) => !(r.stated.approx && r.stated.value === 0) && r.b.value !== r.a.value);
        if (declared === undefined && !allOk(1) && anyDecisive && allOk(-1)) {
          if (EITHER_WAY.test(header)) direction = -1;
          else reversedHint = true;
        }
        const plainFormula = direction === 1 ? `${bName} − ${aName}` : `${aName} − ${bName}`;
        for (const r of rows) {
          const ok = rowOk(r, direction);
          const formula = relativeOnly(r) ? `relative change (${plainFormula}) / ${aName}` : plainFormula;
          const relative = relativeOnly(r);
          const diff = relative ? (100 * direction * (r.b.value - r.a.value)) / r.a.value : direction * (r.b.value - r.a.value);
          const percentValues = r.a.percent;
          const unit = relative ? '%' : percentValues ? 'pp' : '';
          const decimals = Math.max(r.stated.decimals, 0);
          const expected = r.stated.approx && r.stated.value === 0 ? `${signed(diff, Math.max(r.a.decimals, r.b.decimals), unit)}` : signed(diff, decimals, unit);
          const shownA = r.aText;
          const shownB = r.bText;
          let arithmetic = direction === 1 ? `${shownB} − ${shownA}` : `${shownA} − ${shownB}`;
          if (relative) arithmetic = `(${arithmetic}) / ${shownA}`;
          const where = r.label ? ` for "${r.label}"` : '';
          let message: string;
          const magnitudeOnly = ok && !r.stated.signed && r.stated.value > 0 && diff < 0 && !rowMatches(r, diff);
          if (magnitudeOnly) message = `${header}${where}: |${formula}| = |${arithmetic}| = ${signed(-diff, decimals, unit)}, as stated (no sign given)`;
          else if (ok) message = `${header}${where}: ${formula} = ${arithmetic} = ${expected}, as stated`;
          else {
            message = `Stated ${header} ${cellText(r.cell.text)}${where} does not match ${formula} = ${arithmetic} = ${expected}`;
            if (reversedHint) message += ` (the column reads as ${aName} − ${bName}, which its header does not say)`;
          }
          claims.push(
            makeClaim(doc, 'table-delta', {
              status: ok ? 'ok' : 'fail',
              line: r.cell.line,
              column: r.cell.column,
              stated: cellText(r.cell.text),
              expected,
              message,
            }),
          );
        }
      }
    }
    return claims;
  },
};
