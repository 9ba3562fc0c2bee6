/**
 * A document prepared for claim extraction: its lines, the same lines with
 * Markdown markup blanked out (same columns, so findings stay located), its
 * lists (from the mdast) and its tables (GFM tables from the mdast, plus
 * plain-text pipe tables such as `---+---` ruled ones that GFM rejects).
 */
import type { Code, List, ListItem, Root, Table } from 'mdast';
import { toString } from 'mdast-util-to-string';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import { unified } from 'unified';

export interface Cell {
  text: string;
  line: number;
  column: number;
}

export interface TableBlock {
  header: Cell[];
  rows: Cell[][];
  /** Line of the header row. */
  line: number;
  endLine: number;
  source: 'gfm' | 'text';
}

export interface ListEntry {
  line: number;
  /** Column where the item's text starts (after the marker). */
  column: number;
  /** The item's first line, markup blanked, marker removed. */
  text: string;
}

export interface ListBlock {
  startLine: number;
  endLine: number;
  /** Nesting depth: 0 for a top-level list. */
  depth: number;
  items: ListEntry[];
}

export interface ClaimsDocument {
  file: string;
  text: string;
  /** Raw lines; `lines[n - 1]` is line n. */
  lines: string[];
  /** Lines with markup blanked to spaces; empty for lines of source code blocks. */
  prose: string[];
  lists: ListBlock[];
  tables: TableBlock[];
  /** Heading lines, for section boundaries. */
  headings: number[];
}

/** Fenced blocks in these languages are code, not claims ("x = 2 * 3" is an assignment). */
const PROSE_LANGS = new Set(['', 'text', 'txt', 'plain', 'plaintext', 'console', 'output', 'log', 'md', 'markdown']);

/** Lines longer than this are data (minified, base64, huge tables), not prose with claims. */
export const MAX_LINE_LENGTH = 4000;

const processor = unified().use(remarkParse).use(remarkGfm);

export function prepareDocument(file: string, text: string): ClaimsDocument {
  const lines = text.split(/\r?\n/);
  let tree: Root;
  try {
    // Over-long lines (minified data, 2,000-column tables) are blanked: they hold no
    // claims worth a quadratic parse, and blanking keeps every line number.
    const parsed = lines.some((l) => l.length > MAX_LINE_LENGTH) ? lines.map((l) => (l.length > MAX_LINE_LENGTH ? '' : l)).join('\n') : text;
    tree = processor.parse(parsed) as Root;
  } catch {
    tree = { type: 'root', children: [] };
  }
  const codeLines = new Set<number>();
  const tableLines = new Set<number>();
  const lists: ListBlock[] = [];
  const tables: TableBlock[] = [];
  const headings: number[] = [];

  const walk = (node: unknown, listDepth: number): void => {
    const n = node as { type: string; children?: unknown[]; position?: { start: { line: number }; end: { line: number } } };
    const start = n.position?.start.line;
    const end = n.position?.end.line;
    if (n.type === 'code' && start !== undefined && end !== undefined) {
      const lang = ((node as Code).lang ?? '').toLowerCase();
      if (!PROSE_LANGS.has(lang)) for (let l = start; l <= end; l++) codeLines.add(l);
      return;
    }
    if (n.type === 'heading' && start !== undefined) headings.push(start);
    if (n.type === 'table' && start !== undefined && end !== undefined) {
      for (let l = start; l <= end; l++) tableLines.add(l);
      const table = gfmTable(node as Table, lines);
      if (table) tables.push(table);
      return;
    }
    if (n.type === 'list' && start !== undefined && end !== undefined) {
      lists.push({ startLine: start, endLine: end, depth: listDepth, items: [] });
      const block = lists[lists.length - 1]!;
      for (const item of (node as List).children as ListItem[]) {
        const line = item.position?.start.line;
        if (line !== undefined) block.items.push({ line, column: 1, text: '' });
        for (const child of item.children) walk(child, listDepth + 1);
      }
      return;
    }
    for (const child of n.children ?? []) walk(child, listDepth);
  };
  walk(tree, 0);

  const prose = lines.map((line, i) => (codeLines.has(i + 1) || line.length > MAX_LINE_LENGTH ? '' : maskMarkup(line)));
  for (const list of lists) {
    for (const item of list.items) {
      const masked = prose[item.line - 1] ?? '';
      const marker = /^\s*(?:>\s*)*(?:[-*+]|\d{1,9}[.)])\s+(?:\[[ xX]\]\s+)?/.exec(masked);
      const offset = marker ? marker[0].length : 0;
      item.column = offset + 1;
      item.text = ' '.repeat(offset) + masked.slice(offset);
    }
  }
  tables.push(...textTables(lines, codeLines, tableLines));
  tables.sort((a, b) => a.line - b.line);
  return { file, text, lines, prose, lists, tables, headings };
}

/**
 * Blanks Markdown markup with spaces so that columns still match the source:
 * URLs and link targets, backticks, `**`/`__` emphasis, single `*` used for
 * emphasis (a `*` between spaces or digits is multiplication and stays).
 */
export function maskMarkup(line: string): string {
  const blank = (s: string) => ' '.repeat(s.length);
  return line
    .replace(/\]\([^)\s]*\)/g, (m) => ']' + blank(m.slice(1)))
    .replace(/<?https?:\/\/[^\s>)]+>?/g, blank)
    .replace(/`/g, ' ')
    .replace(/\*\*|__/g, '  ')
    .replace(/\*/g, (m, offset: number, all: string) => {
      const before = all[offset - 1] ?? '';
      const after = all[offset + 1] ?? '';
      const spaced = /\s/.test(before) && /\s/.test(after);
      const numeric = /[\d)]/.test(before) && /[\d(]/.test(after);
      return spaced || numeric ? m : ' ';
    });
}

function gfmTable(node: Table, lines: string[]): TableBlock | undefined {
  const rows: Cell[][] = [];
  for (const row of node.children) {
    const cells: Cell[] = [];
    for (const cell of row.children) {
      const line = cell.position?.start.line ?? row.position?.start.line ?? 0;
      let column = cell.position?.start.column ?? 1;
      const raw = lines[line - 1] ?? '';
      // Cell positions may start at the pipe: move to the first character of content.
      while (column <= raw.length && /[|\s]/.test(raw[column - 1] ?? '')) column++;
      cells.push({ text: toString(cell).trim(), line, column });
    }
    rows.push(cells);
  }
  const header = rows.shift();
  if (!header || !node.position) return undefined;
  return { header, rows, line: node.position.start.line, endLine: node.position.end.line, source: 'gfm' };
}

/** A rule row of a plain-text table: dashes between `|` or `+`, at least two columns. */
const RULE = /^\s*[|+]?\s*:?-{3,}:?\s*(?:[|+]\s*:?-{3,}:?\s*)+[|+]?\s*$/;

/** Splits a pipe row into located cells (leading and trailing pipes are optional). */
export function splitRow(line: string, lineNumber: number): Cell[] {
  const cells: Cell[] = [];
  let start = 0;
  let body = line;
  const lead = /^\s*\|/.exec(line);
  if (lead) start = lead[0].length;
  const trail = /\|\s*$/.exec(line);
  const stop = trail && trail.index >= start ? trail.index : line.length;
  body = line.slice(0, stop);
  let cellStart = start;
  for (let i = start; i <= body.length; i++) {
    if (i === body.length || (body[i] === '|' && body[i - 1] !== '\\')) {
      const raw = body.slice(cellStart, i);
      const leading = raw.length - raw.trimStart().length;
      cells.push({ text: raw.trim(), line: lineNumber, column: cellStart + leading + 1 });
      cellStart = i + 1;
    }
  }
  return cells;
}

function textTables(lines: string[], codeLines: Set<number>, tableLines: Set<number>): TableBlock[] {
  const out: TableBlock[] = [];
  for (let i = 1; i < lines.length; i++) {
    const lineNo = i + 1;
    if (codeLines.has(lineNo) || tableLines.has(lineNo)) continue;
    if (lines[i]!.length > MAX_LINE_LENGTH || !RULE.test(lines[i]!)) continue;
    const headerLine = lines[i - 1]!;
    if (!headerLine.includes('|') || tableLines.has(lineNo - 1)) continue;
    const header = splitRow(headerLine, lineNo - 1);
    if (header.length < 2) continue;
    const rows: Cell[][] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const row = lines[j]!;
      if (RULE.test(row) || /^\s*\+[-+=]+\+?\s*$/.test(row)) continue;
      if (!row.includes('|') || tableLines.has(j + 1)) break;
      const cells = splitRow(row, j + 1);
      if (cells.length === header.length) rows.push(cells);
    }
    if (rows.length > 0) out.push({ header, rows, line: lineNo - 1, endLine: j, source: 'text' });
    i = j - 1;
  }
  return out;
}
