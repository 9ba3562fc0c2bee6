/**
 * Tables of an experiment write-up, read from a parsed Markdown document:
 * every cell with its text and place, whatever form the author used.
 *
 * - **GFM tables** come from the mdast (`| a | b |` with a `|---|---|`
 *   delimiter row).
 * - **Plain-text pipe tables** that GFM rejects: the experiment template's
 *   own form, a header row, a rule of dashes joined by `+`, then rows
 *
 *       Metric            | sinusoidal | RoPE | Δ
 *       ------------------+------------+------+------
 *       Val loss (T=10)   | 0.35       | 0.20 | -0.15
 *
 *   and grid tables (`+----+----+` rules between `| a | b |` rows). They are
 *   found in paragraphs and in code blocks without a language (or `text`),
 *   where learners paste them to keep the columns aligned.
 *
 * Cells are located at their first character of content (1-based line and
 * column of the source), so a finding points at the number it is about.
 * This is rubricate's reading of tables for experiment checks; the `claims`
 * engine reads tables on its own for its arithmetic.
 */
import type { Code, Table } from 'mdast';
import { toString } from 'mdast-util-to-string';
import type { MarkdownDoc } from '../markdown/document.js';

export interface TableCell {
  /** Text of the cell, trimmed, inline Markdown removed (GFM) or as written (text tables). */
  text: string;
  line: number;
  column: number;
}

export interface DocTable {
  header: TableCell[];
  rows: TableCell[][];
  /** Line of the header row and of the last row. */
  line: number;
  endLine: number;
  form: 'gfm' | 'text';
  /** Index in document order. */
  index: number;
}

/** Code blocks in these languages may hold a pasted text table; others are program code. */
const TABLE_LANGS = new Set(['', 'text', 'txt', 'plain', 'plaintext', 'table', 'md', 'markdown']);

/** A rule row of a text table: dashes (or `=`) between `|` or `+`, at least two columns. */
const RULE = /^\s*[|+]?\s*:?[-=]{3,}:?\s*(?:[|+]\s*:?[-=]{3,}:?\s*)+[|+]?\s*$/;
/** A grid table's border line: `+-----+-----+`. */
const GRID_BORDER = /^\s*\+[-=:+]+\+\s*$/;
/** Lines longer than this are data, not a table row anyone reads. */
const MAX_LINE = 2000;

/** Every table of the document, in order. */
export function readTables(doc: MarkdownDoc): DocTable[] {
  const lines = doc.source.split('\n');
  const tables: Array<Omit<DocTable, 'index'>> = [];
  const gfmLines = new Set<number>();
  const codeRanges: Array<{ start: number; end: number; tableLike: boolean }> = [];
  visit(doc.tree, (node) => {
    if (node.type === 'table') {
      const table = gfmTable(node as Table, lines);
      if (table) {
        tables.push(table);
        for (let l = table.line; l <= table.endLine; l++) gfmLines.add(l);
      }
      return false;
    }
    if (node.type === 'code') {
      const code = node as Code;
      const start = code.position?.start.line;
      const end = code.position?.end.line;
      if (start !== undefined && end !== undefined) codeRanges.push({ start, end, tableLike: TABLE_LANGS.has((code.lang ?? '').toLowerCase()) });
      return false;
    }
    return true;
  });
  const programCode = new Set<number>();
  for (const r of codeRanges) if (!r.tableLike) for (let l = r.start; l <= r.end; l++) programCode.add(l);
  tables.push(...textTables(lines, (line) => gfmLines.has(line) || programCode.has(line)));
  tables.sort((a, b) => a.line - b.line);
  return tables.map((t, index) => ({ ...t, index }));
}

function visit(node: unknown, enter: (node: { type: string }) => boolean): void {
  const n = node as { type: string; children?: unknown[] };
  if (!enter(n)) return;
  for (const child of n.children ?? []) visit(child, enter);
}

function gfmTable(node: Table, lines: string[]): Omit<DocTable, 'index'> | undefined {
  if (!node.position) return undefined;
  const rows: TableCell[][] = node.children.map((row) =>
    row.children.map((cell) => {
      const line = cell.position?.start.line ?? row.position?.start.line ?? node.position!.start.line;
      let column = cell.position?.start.column ?? 1;
      const raw = lines[line - 1] ?? '';
      // A cell's position starts at its pipe: move to the first character of content.
      while (column <= raw.length && /[|\s]/.test(raw[column - 1] ?? '')) column++;
      return { text: toString(cell).trim(), line, column };
    }),
  );
  const header = rows.shift();
  if (!header) return undefined;
  return { header, rows, line: node.position.start.line, endLine: node.position.end.line, form: 'gfm' };
}

/** Splits a pipe row into located cells; leading and trailing pipes are optional, `\|` is not a separator. */
export function splitPipeRow(line: string, lineNumber: number): TableCell[] {
  const cells: TableCell[] = [];
  const lead = /^\s*\|/.exec(line);
  const start = lead ? lead[0].length : 0;
  const trail = /\|\s*$/.exec(line);
  const stop = trail && trail.index >= start ? trail.index : line.length;
  let cellStart = start;
  for (let i = start; i <= stop; i++) {
    if (i === stop || (line[i] === '|' && line[i - 1] !== '\\')) {
      const raw = line.slice(cellStart, i);
      const leading = raw.length - raw.trimStart().length;
      cells.push({ text: raw.trim().replace(/\\\|/g, '|'), line: lineNumber, column: cellStart + leading + 1 });
      cellStart = i + 1;
    }
  }
  return cells;
}

function textTables(lines: string[], skip: (line: number) => boolean): Array<Omit<DocTable, 'index'>> {
  const out: Array<Omit<DocTable, 'index'>> = [];
  for (let i = 1; i < lines.length; i++) {
    const lineNo = i + 1;
    const rule = lines[i]!;
    if (skip(lineNo) || rule.length > MAX_LINE || !RULE.test(rule)) continue;
    // The header is the line above the rule; a grid table may have a border line above its header.
    const headerIndex = i - 1;
    const headerLine = lines[headerIndex]!;
    if (skip(headerIndex + 1) || !headerLine.includes('|') || headerLine.length > MAX_LINE) continue;
    const header = splitPipeRow(headerLine, headerIndex + 1);
    if (header.length < 2 || header.every((c) => c.text === '')) continue;
    const rows: TableCell[][] = [];
    let j = i + 1;
    let last = lineNo;
    for (; j < lines.length; j++) {
      const row = lines[j]!;
      if (skip(j + 1) || row.length > MAX_LINE) break;
      if (RULE.test(row) || GRID_BORDER.test(row)) continue;
      if (!row.includes('|')) break;
      const cells = splitPipeRow(row, j + 1);
      // A row with as many cells as the header; a short row (a trailing empty cell dropped) is padded.
      if (cells.length > header.length || cells.length < 2) break;
      while (cells.length < header.length) cells.push({ text: '', line: j + 1, column: row.length + 1 });
      rows.push(cells);
      last = j + 1;
    }
    if (rows.length > 0) out.push({ header, rows, line: headerIndex + 1, endLine: last, form: 'text' });
    i = j - 1;
  }
  return out;
}
