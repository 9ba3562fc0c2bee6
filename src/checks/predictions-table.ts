/**
 * Check kind `predictions-table`: the experiment's predictions table is there,
 * well formed and consistent.
 *
 * Found (src/experiment/predictions.ts) as a GFM table or the template's
 * plain-text pipe table (`---+---` rules) under a predictions heading, else
 * as the first table with a Δ column. Well formed: a metric column, one
 * numeric column per variant (the rubric's `variants`, matched by header),
 * a Δ column, a value in every cell. Consistent, per row: Δ = B − A at the
 * precision written (`~0` is "about zero": within one unit of the values'
 * last digit or 5 % of them), recomputed by the `claims` engine's
 * `table-delta` extractor; the same unit in the variant cells; a change
 * between percentages written in percentage points (`+24pp`: `+24%` reads as
 * a relative change).
 *
 *   kind: predictions-table
 *   options:
 *     file: [predictions.md, spec.md]
 *     variants:
 *       - { name: sinusoidal, match: [sinusoidal, sin] }
 *       - { name: RoPE, match: [rope, rotary] }
 *
 * pass: found and consistent; fail: not found, a part of its form missing,
 * or a row that does not add up (credit: the share of rows without a
 * problem, halved when the form is incomplete). Every problem is a detail
 * at the cell it is about.
 */
import type { Detail, Location } from '../core/types.js';
import { checkClaimsText, type Claim } from '../claims/index.js';
import { agrees, firstQuantity as claimQuantity, of, sub } from '../claims/quantity.js';
import { findFiles, listAlternatives } from '../experiment/files.js';
import { DEFAULT_PREDICTION_HEADINGS, findPredictionsTable, type PredictionRow, type PredictionsTable } from '../experiment/predictions.js';
import { formatQuantity, type Quantity } from '../experiment/quantity.js';
import type { TableCell } from '../experiment/tables.js';
import { loadMarkdown } from '../markdown/load.js';
import type { MarkdownDoc } from '../markdown/document.js';
import type { CheckContext, CheckKind } from './kind.js';

export interface VariantSpec {
  name: string;
  /** Header words naming the variant's column (case-insensitive substrings). Default: the name. */
  match?: string[];
}

export interface PredictionsTableOptions {
  file: string[];
  headings?: string[];
  variants?: VariantSpec[];
}

const strings = { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } } as const;

/** JSON Schema of the options naming where the predictions table is, shared with `results-vs-predictions`. */
export const predictionsLocationSchema = {
  file: { ...strings, description: 'Files that may hold the predictions table, in order: a path, or a file name found in any folder.' },
  headings: { ...strings, description: 'Title patterns of the section holding the table (default: predictions, expected results, ...).' },
  variants: {
    type: 'array',
    minItems: 2,
    items: {
      type: 'object',
      additionalProperties: false,
      required: ['name'],
      properties: {
        name: { type: 'string', minLength: 1 },
        match: { ...strings, description: "Words of the variant's column header (case-insensitive)." },
      },
    },
    description: 'The variants compared, in the order of Δ = B − A (A first).',
  },
} as const;

export interface LocatedPredictions {
  path: string;
  doc: MarkdownDoc;
  found: PredictionsTable;
}

/**
 * The predictions table of the first file (of the alternatives, in order)
 * that has one; memoised per submission so every check reads the same table.
 */
export async function locatePredictions(ctx: CheckContext, file: readonly string[], headings: readonly string[] | undefined): Promise<{ located?: LocatedPredictions; searched: string[]; failure?: { message: string; location: Location } }> {
  const key = `experiment:predictions:${JSON.stringify([file, headings ?? null])}`;
  return ctx.memo(key, async () => {
    const candidates = ctx.document ? [ctx.document] : await findFiles(ctx, file);
    const searched: string[] = [];
    for (const candidate of candidates) {
      const loaded = await loadMarkdown(ctx, candidate);
      if (!loaded.ok) return { searched, failure: { message: loaded.outcome.message, location: loaded.outcome.location ?? { file: candidate } } };
      searched.push(loaded.path);
      const found = findPredictionsTable(loaded.doc, headings ?? DEFAULT_PREDICTION_HEADINGS);
      if (found) return { located: { path: loaded.path, doc: loaded.doc, found }, searched };
    }
    return { searched };
  });
}

function at(path: string, cell: TableCell): Location {
  return { file: path, line: cell.line, column: cell.column };
}

/** Which column names each variant of the rubric (header contains one of its words). */
function variantColumns(found: PredictionsTable, variants: readonly VariantSpec[]): Array<number | undefined> {
  const headers = found.columns.variants.map((c) => found.table.header[c]!.text.toLowerCase());
  return variants.map((v) => {
    const words = (v.match ?? [v.name]).map((w) => w.toLowerCase());
    const i = headers.findIndex((h) => words.some((w) => h.includes(w)));
    return i < 0 ? undefined : i;
  });
}

/**
 * Δ arithmetic for rows the claims engine's table extractor did not read (a
 * table it does not take for one): the claims engine's own arithmetic
 * (src/claims/quantity.ts: each value stands for its rounding interval, `~`
 * widens), B − A against the stated Δ; an unsigned Δ may state the size of
 * the change. Cells the claims engine cannot read as quantities fall back to
 * B − A at Δ's precision plus one unit of the values' precision.
 */
export function deltaAgrees(a: Quantity, b: Quantity, delta: Quantity): boolean {
  const [qa, qb, qd] = [a, b, delta].map((q) => claimQuantity(q.raw));
  if (qa && qb && qd) {
    const diff = sub(of(qb), of(qa));
    if (agrees(qd, diff).ok) return true;
    return !delta.signed && agrees(qd, { lo: -diff.hi, hi: -diff.lo }).ok;
  }
  const value = b.value - a.value;
  const slack = 10 ** -delta.decimals / 2 + 10 ** -Math.max(a.decimals, b.decimals) + 1e-9 * Math.max(1, Math.abs(value));
  return Math.abs(value - delta.value) <= slack || (!delta.signed && Math.abs(Math.abs(value) - delta.value) <= slack);
}

interface RowProblem {
  row: PredictionRow;
  detail: Detail;
}

/** Unit problems of one row: values in different units; a change of percentages not in points. */
function unitProblems(path: string, row: PredictionRow, names: readonly string[]): RowProblem[] {
  const out: RowProblem[] = [];
  const label = row.label ? ` in '${row.label}'` : '';
  const values = row.values.map((v, i) => ({ v, cell: row.valueCells[i]!, name: names[i] ?? `column ${i + 1}` })).filter((x) => x.v !== undefined) as Array<{ v: Quantity; cell: TableCell; name: string }>;
  const units = [...new Set(values.map((x) => x.v.unit))];
  if (units.length > 1) {
    const odd = values.find((x) => x.v.unit !== values[0]!.v.unit)!;
    const fraction = units.includes('%') && values.some((x) => x.v.unit === '' && Math.abs(x.v.value) <= 1);
    out.push({
      row,
      detail: {
        message: `units differ${label}: ${values.map((x) => `${x.name} ${x.v.raw}`).join(', ')}${fraction ? ' (a fraction next to a percentage?)' : ''}; write every value of a row in one unit`,
        location: at(path, odd.cell),
        actual: odd.v.raw,
        expected: `the unit of ${values[0]!.name} (${values[0]!.v.unit || 'a plain number'})`,
      },
    });
    return out;
  }
  const unit = units[0] ?? '';
  const delta = row.delta;
  if (!delta || !row.deltaCell || (delta.value === 0 && delta.unit === '')) return out;
  if (unit === '%' && delta.unit !== 'pp') {
    const a = values[0]?.v;
    const b = values[1]?.v;
    const points = a && b ? formatQuantity(b.value - a.value, Math.max(a.decimals, b.decimals, delta.decimals), 'pp', true) : `${delta.raw.replace(/%$/, '')}pp`;
    const relative = a && b && a.value !== 0 ? ` (it reads as a relative change: ${b.raw} is ${formatQuantity((100 * (b.value - a.value)) / a.value, 0, '%', true)} relative to ${a.raw})` : '';
    out.push({
      row,
      detail: {
        message:
          delta.unit === '%'
            ? `Δ '${delta.raw}'${label} is a difference of percentages written with %; write it in percentage points, ${points}${relative}`
            : `Δ '${delta.raw}'${label} has no unit while the values are percentages; write it in percentage points, ${points}`,
        location: at(path, row.deltaCell),
        actual: delta.raw,
        expected: points,
      },
    });
  } else if (unit !== '%' && delta.unit === 'pp') {
    out.push({ row, detail: { message: `Δ '${delta.raw}'${label} is in percentage points but the values are not percentages`, location: at(path, row.deltaCell), actual: delta.raw, expected: `a plain difference${unit ? ` in ${unit}` : ''}` } });
  } else if (unit !== '' && unit !== '%' && delta.unit !== '' && delta.unit !== unit) {
    out.push({ row, detail: { message: `Δ '${delta.raw}'${label} is in ${delta.unit}, the values in ${unit}`, location: at(path, row.deltaCell), actual: delta.raw, expected: `a difference in ${unit}` } });
  }
  return out;
}

export const predictionsTableKind: CheckKind<PredictionsTableOptions> = {
  name: 'predictions-table',
  summary: 'the predictions table (metric | variant A | variant B | Δ) is there, well formed, with Δ = B − A, consistent units and pp',
  targets: ['lab', 'document'],
  optionsSchema: {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    additionalProperties: false,
    required: ['file'],
    properties: predictionsLocationSchema,
  },
  async run(ctx, options) {
    const { located, searched, failure } = await locatePredictions(ctx, options.file, options.headings);
    if (failure) return { status: 'fail', credit: 0, message: failure.message, location: failure.location };
    if (!located) {
      const where = searched.length > 0 ? `no predictions table in ${searched.join(', ')}` : `no file holding predictions: looked for ${listAlternatives(options.file)}`;
      return {
        status: 'fail',
        credit: 0,
        message: `${where}; expected a table "metric | variant A | variant B | Δ" under a Predictions heading`,
        location: { file: searched[0] ?? options.file[0]! },
      };
    }
    const { path, doc, found } = located;
    const { table, columns } = found;
    const headerAt: Location = { file: path, line: table.line, column: table.header[0]?.column ?? 1 };
    const form: Detail[] = [];
    if (columns.variants.length < 2) form.push({ message: `the table has ${columns.variants.length} numeric variant column${columns.variants.length === 1 ? '' : 's'}; expected one per variant (two or more)`, location: headerAt });
    if (options.variants) {
      const cols = variantColumns(found, options.variants);
      options.variants.forEach((v, i) => {
        if (cols[i] === undefined) form.push({ message: `no column for the variant ${v.name} (headers: ${table.header.map((h) => `'${h.text}'`).join(', ')})`, location: headerAt });
      });
      const a = cols[0];
      const b = cols[1];
      if (a !== undefined && b !== undefined && a > b) form.push({ message: `the variant columns are in the order ${options.variants[1]!.name}, ${options.variants[0]!.name}; Δ = ${options.variants[1]!.name} − ${options.variants[0]!.name} reads left to right as A, B`, location: headerAt });
    }
    if (columns.delta === undefined) form.push({ message: `no Δ column (headed Δ, delta, diff or "B − A")`, location: headerAt });
    const rows = found.rows;
    if (rows.length === 0) form.push({ message: 'the table has no rows of predictions', location: headerAt });
    const problems: RowProblem[] = [];
    const names = found.variantNames;
    for (const row of rows) {
      const label = row.label ? `'${row.label}'` : `row at line ${row.labelCell.line}`;
      if (!row.label) problems.push({ row, detail: { message: `a row without a metric name`, location: at(path, row.labelCell) } });
      row.values.forEach((v, i) => {
        if (!v) problems.push({ row, detail: { message: `no predicted value for ${names[i] ?? `column ${i + 1}`} in ${label}: '${row.valueCells[i]?.text ?? ''}'`, location: at(path, row.valueCells[i]!) } });
      });
      if (columns.delta !== undefined && !row.delta) problems.push({ row, detail: { message: `no Δ in ${label}: '${row.deltaCell?.text ?? ''}'`, location: row.deltaCell ? at(path, row.deltaCell) : at(path, row.labelCell) } });
      problems.push(...unitProblems(path, row, names));
    }
    // Δ arithmetic: the claims engine's table-delta extractor, at the cells of this table.
    const claims: Claim[] = columns.delta !== undefined ? checkClaimsText(doc.source, path, { kinds: ['table-delta'] }).filter((c) => c.location.line >= table.line && c.location.line <= table.endLine) : [];
    const unitTroubled = new Set(problems.map((p) => p.row));
    let checked = 0;
    for (const row of rows) {
      if (!row.deltaCell || !row.delta || row.values.length < 2 || row.values.some((v) => !v) || unitTroubled.has(row)) continue;
      const claim = claims.find((c) => c.location.line === row.deltaCell!.line && Math.abs(c.location.column - row.deltaCell!.column) <= 1);
      const [a, b] = [row.values[row.values.length - 2]!, row.values[row.values.length - 1]!];
      checked++;
      if (claim) {
        if (claim.status !== 'ok') problems.push({ row, detail: { message: claim.message, location: at(path, row.deltaCell), actual: claim.stated, expected: claim.expected } });
        continue;
      }
      if (!deltaAgrees(a, b, row.delta)) {
        const expected = formatQuantity(b.value - a.value, Math.max(row.delta.decimals, a.decimals, b.decimals), row.delta.unit, true);
        problems.push({
          row,
          detail: { message: `Δ '${row.delta.raw}' in '${row.label}' does not match ${names[names.length - 1] ?? 'B'} − ${names[names.length - 2] ?? 'A'} = ${b.raw} − ${a.raw} = ${expected}`, location: at(path, row.deltaCell), actual: row.delta.raw, expected },
        });
      }
    }
    const badRows = new Set(problems.map((p) => p.row));
    const details = [...form, ...problems.map((p) => p.detail)];
    const data = {
      file: path,
      line: table.line,
      form: table.form,
      foundBy: found.foundBy,
      variants: names,
      rows: rows.length,
      deltasChecked: checked,
      problems: details.length,
    };
    const where = `${path}:${table.line}`;
    if (details.length === 0) {
      return {
        status: 'pass',
        credit: 1,
        message: `predictions table at ${where}: ${rows.length} metric${rows.length === 1 ? '' : 's'} × ${names.join(', ')}, every Δ adds up (${checked} checked)`,
        location: headerAt,
        data,
      };
    }
    const share = rows.length === 0 ? 0 : (rows.length - badRows.size) / rows.length;
    const first = details[0]!;
    return {
      status: 'fail',
      credit: form.length > 0 ? share / 2 : share,
      message: `predictions table at ${where}: ${details.length} problem${details.length === 1 ? '' : 's'}; ${first.message.charAt(0).toLowerCase()}${first.message.slice(1)}`,
      location: first.location ?? headerAt,
      details,
      data,
    };
  },
};
