/**
 * The predictions table of an experiment: which table it is, and what its
 * columns and rows mean.
 *
 * The template's table is "metric | variant A | variant B | Δ": one row per
 * metric, one column per variant, and a Δ column (B − A). It is found as
 *
 * 1. a table under a section whose title says predictions ("Predictions
 *    (write them down BEFORE running)", "Expected results", "What we
 *    predict"), or
 * 2. failing that, the first table with a Δ column and at least two numeric
 *    columns (a predictions file may be nothing but the table).
 *
 * Tables under a Results heading (Results, Observed, Findings...) are never
 * the predictions, whatever their shape: a results table with a delta column
 * is what a write-up reports after running.
 *
 * Columns: the metric column is the first mostly-text column; a Δ column is
 * headed Δ, ∆, delta, diff(erence), change, gap or "B − A"; every other
 * mostly-numeric column before the Δ is a variant. Columns headed observed,
 * measured, actual or result are results written into the same table, not
 * predictions.
 */
import { sentences, type MarkdownDoc, type Section } from '../markdown/document.js';
import { matchSections } from '../text/match.js';
import { parseQuantity, plainCell, type Quantity } from './quantity.js';
import { readTables, type DocTable, type TableCell } from './tables.js';

/** Title patterns of a section that reports results (its tables are results, not predictions). */
export const DEFAULT_RESULT_HEADINGS = ['results', 'result', 'observed', 'measured', 'measurements', 'outcome', 'what happened', 'reality', 'actual numbers', 'findings'];

export const DEFAULT_PREDICTION_HEADINGS = ['predictions', 'prediction', 'predicted', 'expected results', 'what we expect', 'what we predict', 'forecast', 'pre-registered'];

const DELTA_HEADER = /^\s*(?:[Δ∆]|delta\b|diff(?:erence)?\b|change\b|gap\b|improvement\b|gain\b)/i;
const RESULT_HEADER = /\b(?:observed|measured|actual|result|results|outcome|got|reality)\b/i;

export interface PredictionColumns {
  metric?: number;
  /** Variant columns, in table order (A first). */
  variants: number[];
  delta?: number;
  /** Columns of results written into the table (observed, measured). */
  observed: number[];
}

export interface PredictionRow {
  label: string;
  labelCell: TableCell;
  /** One per variant column, undefined where the cell is not a number. */
  values: Array<Quantity | undefined>;
  valueCells: TableCell[];
  delta?: Quantity;
  deltaCell?: TableCell;
}

export interface PredictionsTable {
  table: DocTable;
  columns: PredictionColumns;
  /** Variant names as the header writes them. */
  variantNames: string[];
  rows: PredictionRow[];
  /** The section the table was found under, when it was found by its title. */
  section?: Section;
  /** How it was found. */
  foundBy: 'section' | 'shape';
}

function isNumericColumn(table: DocTable, c: number): boolean {
  const cells = table.rows.map((row) => row[c]).filter((cell): cell is TableCell => cell !== undefined && plainCell(cell.text) !== '');
  if (cells.length === 0) return false;
  const numeric = cells.filter((cell) => parseQuantity(cell.text) !== undefined).length;
  return numeric >= Math.max(1, cells.length / 2);
}

/** A header naming a difference of two other columns: "RoPE − sinusoidal", "B - A". */
function differenceHeader(header: string, others: readonly string[]): boolean {
  const m = /^(.{1,40}?)\s+[−\-–]\s+(.{1,40})$/.exec(header);
  if (!m) return false;
  const names = others.map((o) => o.toLowerCase()).filter((o) => o !== '');
  const names2 = (side: string) => names.some((n) => n.includes(side.trim().toLowerCase()) || side.trim().toLowerCase().includes(n));
  return names2(m[1]!) && names2(m[2]!);
}

/**
 * What each column of a table is, read from its header and cells. The first
 * column holds the metric names (tables put their labels first, even when
 * they are numbers such as a sequence length).
 */
export function classifyColumns(table: DocTable): PredictionColumns {
  const headers = table.header.map((h) => plainCell(h.text));
  const columns: PredictionColumns = { variants: [], observed: [] };
  if (headers.length === 0) return columns;
  columns.metric = 0;
  for (let c = 1; c < headers.length; c++) {
    const h = headers[c]!;
    const others = headers.filter((_, i) => i !== c && i !== 0);
    if (columns.delta === undefined && !RESULT_HEADER.test(h) && (DELTA_HEADER.test(h) || differenceHeader(h, others))) {
      columns.delta = c;
      continue;
    }
    if (!isNumericColumn(table, c)) continue;
    if (RESULT_HEADER.test(h)) columns.observed.push(c);
    else if (columns.delta === undefined) columns.variants.push(c);
  }
  return columns;
}

/** Reads the rows of a table as predictions, given its columns. */
export function predictionRows(table: DocTable, columns: PredictionColumns): PredictionRow[] {
  const rows: PredictionRow[] = [];
  for (const row of table.rows) {
    const labelCell = columns.metric !== undefined ? row[columns.metric] : undefined;
    const label = labelCell ? plainCell(labelCell.text) : '';
    const valueCells = columns.variants.map((c) => row[c]!).filter(Boolean);
    const values = valueCells.map((cell) => parseQuantity(cell.text));
    // Rule rows and section rows ("**OOD**" alone) carry no prediction.
    if (label === '' && values.every((v) => v === undefined)) continue;
    const entry: PredictionRow = { label, labelCell: labelCell ?? row[0]!, values, valueCells };
    if (columns.delta !== undefined && row[columns.delta]) {
      entry.deltaCell = row[columns.delta]!;
      const delta = parseQuantity(entry.deltaCell.text);
      if (delta) entry.delta = delta;
    }
    rows.push(entry);
  }
  return rows;
}

function tableIn(section: Section, table: DocTable): boolean {
  return table.line >= section.start.line && table.line <= section.end.line;
}

/**
 * The predictions table of a document, if any. `headings` are title patterns
 * (matched with stemming and synonyms) of the section that holds it.
 */
export function findPredictionsTable(doc: MarkdownDoc, headings: readonly string[] = DEFAULT_PREDICTION_HEADINGS, resultHeadings: readonly string[] = DEFAULT_RESULT_HEADINGS): PredictionsTable | undefined {
  // A table under a Results heading (at any depth) reports results: never the predictions, however it looks.
  const predictionSections = new Set(matchSections(doc, headings).map((m) => m.section.index));
  const resultSections = matchSections(doc, resultHeadings)
    .map((m) => m.section)
    .filter((section) => !predictionSections.has(section.index));
  const tables = readTables(doc).filter((t) => !resultSections.some((section) => tableIn(section, t)));
  if (tables.length === 0) return undefined;
  const build = (table: DocTable, foundBy: PredictionsTable['foundBy'], section?: Section): PredictionsTable => {
    const columns = classifyColumns(table);
    const found: PredictionsTable = {
      table,
      columns,
      variantNames: columns.variants.map((c) => plainCell(table.header[c]!.text)),
      rows: predictionRows(table, columns),
      foundBy,
    };
    if (section) found.section = section;
    return found;
  };
  const usable = (t: DocTable) => {
    const columns = classifyColumns(t);
    return columns.variants.length + columns.observed.length >= 1;
  };
  for (const match of matchSections(doc, headings)) {
    // The section's own text (not a nested section's) first: its first numeric table.
    const inside = tables.filter((t) => tableIn(match.section, t) && usable(t));
    if (inside.length > 0) return build(inside[0]!, 'section', match.section);
  }
  const shaped = tables.find((t) => {
    const c = classifyColumns(t);
    return c.delta !== undefined && c.variants.length >= 2;
  });
  return shaped ? build(shaped, 'shape') : undefined;
}

/**
 * The sentence that names the headline prediction ("The big gap at T=20 is
 * the headline."), searched near the table: the section holding it, else the
 * whole document. Phrases are compared without letter case (plain text, not
 * patterns: learner text never meets an author's regular expression here).
 */
export function findHeadline(doc: MarkdownDoc, found: PredictionsTable, phrases: readonly string[]): { text: string; line: number; column: number } | undefined {
  const lowered = phrases.map((p) => p.toLowerCase());
  const all = sentences(doc).filter((s) => !s.code);
  const inSection = found.section ? all.filter((s) => s.start.line >= found.section!.start.line && s.start.line <= found.section!.end.line) : [];
  for (const list of [inSection, all]) {
    for (const s of list) {
      if (s.block.type === 'cell') continue;
      if (lowered.some((p) => s.text.toLowerCase().includes(p))) return { text: s.text.trim(), line: s.start.line, column: s.start.column };
    }
  }
  return undefined;
}
