/**
 * A document prepared for claim extraction, from its Markdown syntax tree:
 *
 * - `prose`: the lines as a reader sees them, markup blanked to spaces so that
 *   columns still match the source (links, emphasis, code marks, HTML tags,
 *   footnote marks; `\*` between numbers becomes `×`); code blocks, HTML blocks
 *   and HTML comments are blank here.
 * - `headings`, `lists` (nested, with their items), `tables` (GFM, plain-text
 *   pipe tables, and whitespace-aligned tables inside code blocks), `code`
 *   blocks with their lines, and `blocks`, the top-level blocks in order, to
 *   find what a heading or a lead-in sentence introduces.
 */
import type { Code, Heading as MdHeading, List, ListItem as MdListItem, Root } from 'mdast';
import { toString } from 'mdast-util-to-string';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import { unified } from 'unified';

export interface Cell {
  /** The cell's text, markup blanked and trimmed. */
  text: string;
  line: number;
  /** 1-based column of the cell's first character. */
  column: number;
}

export interface TableBlock {
  header: Cell[];
  rows: Cell[][];
  /** Line of the header row. */
  line: number;
  endLine: number;
  source: 'gfm' | 'text' | 'code';
}

export interface ListItem {
  line: number;
  /** Column where the item's text starts (after the marker and a task box). */
  column: number;
  /** The item's first line as prose (marker blanked, same columns as the source). */
  text: string;
  /** Lists nested in this item. */
  children: ListBlock[];
}

export interface ListBlock {
  startLine: number;
  endLine: number;
  ordered: boolean;
  /** Nesting depth: 0 for a top-level list. */
  depth: number;
  items: ListItem[];
}

export interface Heading {
  line: number;
  /** 1 for #, 2 for ##... */
  depth: number;
  /** The heading line as prose (the # marks blanked). */
  text: string;
}

export interface CodeLine {
  line: number;
  text: string;
}

export interface CodeBlock {
  startLine: number;
  endLine: number;
  lang: string;
  /** Tagged with a programming language: its lines are code, not listings or printouts. */
  program: boolean;
  /** The content lines (fences excluded), raw. */
  lines: CodeLine[];
}

export type BlockKind = 'heading' | 'paragraph' | 'list' | 'table' | 'code' | 'html' | 'thematicBreak' | 'blockquote' | 'other';

export interface Block {
  kind: BlockKind;
  startLine: number;
  endLine: number;
  /** For kind 'list': the list; 'table': the table; 'code': the block; 'heading': the heading. */
  list?: ListBlock;
  table?: TableBlock;
  code?: CodeBlock;
  heading?: Heading;
}

export interface ClaimsDocument {
  file: string;
  text: string;
  /** Raw lines; `lines[n - 1]` is line n. */
  lines: string[];
  /** Lines as prose (see above); empty for code, HTML and over-long lines. */
  prose: string[];
  headings: Heading[];
  /** Every list, nested ones included, in document order. */
  lists: ListBlock[];
  tables: TableBlock[];
  code: CodeBlock[];
  /** Top-level blocks (and blocks inside block quotes) in order. */
  blocks: Block[];
}

/** Code blocks in these languages (or none) hold listings, printouts and notes; any other language is code. */
const LISTING_LANGS = new Set(['', 'text', 'txt', 'plain', 'plaintext', 'console', 'output', 'log', 'md', 'markdown', 'terminal', 'none', 'nohighlight', 'ascii', 'diff']);

/** Lines longer than this are data (minified, base64, huge tables), not prose with claims. */
export const MAX_LINE_LENGTH = 4000;

const processor = unified().use(remarkParse).use(remarkGfm);

type Node = { type: string; children?: Node[]; position?: { start: { line: number; column: number }; end: { line: number; column: number } }; value?: string };

export function prepareDocument(file: string, text: string): ClaimsDocument {
  const lines = text.split(/\r?\n/);
  let tree: Root;
  try {
    // Over-long lines are blanked: they hold no claims worth a quadratic parse, and blanking keeps every line number.
    const parsed = lines.some((l) => l.length > MAX_LINE_LENGTH) ? lines.map((l) => (l.length > MAX_LINE_LENGTH ? '' : l)).join('\n') : text;
    tree = processor.parse(parsed) as Root;
  } catch {
    tree = { type: 'root', children: [] };
  }
  const hidden = new Set<number>();
  const prose = lines.map((line) => (line.length > MAX_LINE_LENGTH ? '' : maskMarkup(line)));
  const doc: ClaimsDocument = { file, text, lines, prose, headings: [], lists: [], tables: [], code: [], blocks: [] };

  const span = (n: Node): [number, number] | undefined => (n.position ? [n.position.start.line, n.position.end.line] : undefined);

  const listBlock = (node: List, depth: number): ListBlock | undefined => {
    const s = span(node as unknown as Node);
    if (!s) return undefined;
    const block: ListBlock = { startLine: s[0], endLine: s[1], ordered: Boolean(node.ordered), depth, items: [] };
    doc.lists.push(block);
    for (const child of node.children as MdListItem[]) {
      const line = child.position?.start.line;
      if (line === undefined) continue;
      const item: ListItem = { line, column: 1, text: '', children: [] };
      block.items.push(item);
      for (const sub of child.children as unknown as Node[]) {
        if (sub.type === 'list') {
          const nested = listBlock(sub as unknown as List, depth + 1);
          if (nested) item.children.push(nested);
        } else visitInside(sub, depth + 1);
      }
    }
    return block;
  };

  /** Nodes inside list items: code, tables and html still need their lines handled. */
  const visitInside = (n: Node, depth: number): void => {
    const s = span(n);
    if (n.type === 'code' && s) doc.code.push(codeBlock(n as unknown as Code, lines, s));
    else if (n.type === 'html' && s) hide(s);
    else if (n.type === 'table' && s) {
      const t = gfmTable(s, prose);
      if (t) doc.tables.push(t);
    } else if (n.type === 'list') listBlock(n as unknown as List, depth);
    else for (const c of n.children ?? []) visitInside(c, depth);
  };

  const hide = (s: [number, number]) => {
    for (let l = s[0]; l <= s[1]; l++) hidden.add(l);
  };

  const visit = (n: Node): void => {
    const s = span(n);
    if (!s) {
      for (const c of n.children ?? []) visit(c);
      return;
    }
    switch (n.type) {
      case 'heading': {
        const h: Heading = { line: s[0], depth: (n as unknown as MdHeading).depth, text: (prose[s[0] - 1] ?? '').replace(/^(\s*)(#{1,6})/, (_m, a: string, b: string) => a + ' '.repeat(b.length)) };
        doc.headings.push(h);
        doc.blocks.push({ kind: 'heading', startLine: s[0], endLine: s[1], heading: h });
        return;
      }
      case 'list': {
        const list = listBlock(n as unknown as List, 0);
        if (list) doc.blocks.push({ kind: 'list', startLine: s[0], endLine: s[1], list });
        return;
      }
      case 'table': {
        const t = gfmTable(s, prose);
        if (t) doc.tables.push(t);
        doc.blocks.push({ kind: 'table', startLine: s[0], endLine: s[1], ...(t ? { table: t } : {}) });
        return;
      }
      case 'code': {
        const c = codeBlock(n as unknown as Code, lines, s);
        doc.code.push(c);
        doc.blocks.push({ kind: 'code', startLine: s[0], endLine: s[1], code: c });
        return;
      }
      case 'html':
        hide(s);
        doc.blocks.push({ kind: 'html', startLine: s[0], endLine: s[1] });
        return;
      case 'blockquote':
        for (const c of n.children ?? []) visit(c);
        return;
      case 'paragraph':
        doc.blocks.push({ kind: 'paragraph', startLine: s[0], endLine: s[1] });
        return;
      case 'thematicBreak':
        doc.blocks.push({ kind: 'thematicBreak', startLine: s[0], endLine: s[1] });
        return;
      default:
        if (n.children) for (const c of n.children) visit(c);
        else doc.blocks.push({ kind: 'other', startLine: s[0], endLine: s[1] });
    }
  };
  for (const child of (tree as unknown as Node).children ?? []) visit(child);

  for (const c of doc.code) hide([c.startLine, c.endLine]);
  for (const l of hidden) prose[l - 1] = '';
  for (const list of doc.lists) {
    for (const item of list.items) {
      const masked = prose[item.line - 1] ?? '';
      const marker = /^\s*(?:>\s*)*(?:[-*+]|\d{1,9}[.)])\s+(?:\[[ xX]\]\s+)?/.exec(masked);
      const offset = marker ? marker[0].length : 0;
      item.column = offset + 1;
      item.text = ' '.repeat(offset) + masked.slice(offset);
    }
  }
  const tableLines = new Set<number>();
  for (const t of doc.tables) for (let l = t.line; l <= t.endLine; l++) tableLines.add(l);
  const codeLines = new Set<number>();
  for (const c of doc.code) for (let l = c.startLine; l <= c.endLine; l++) codeLines.add(l);
  for (const t of textTables(lines, prose, codeLines, tableLines)) {
    doc.tables.push(t);
    doc.blocks.push({ kind: 'table', startLine: t.line, endLine: t.endLine, table: t });
  }
  for (const c of doc.code) doc.tables.push(...codeTables(c));
  doc.tables.sort((a, b) => a.line - b.line);
  doc.blocks.sort((a, b) => a.startLine - b.startLine);
  doc.lists.sort((a, b) => a.startLine - b.startLine || a.depth - b.depth);
  return doc;
}

function codeBlock(node: Code, lines: string[], s: [number, number]): CodeBlock {
  // Fenced blocks: content between the fences; indented blocks: every line.
  const first = lines[s[0] - 1] ?? '';
  const fenced = /^\s*(?:```|~~~)/.test(first);
  const from = fenced ? s[0] + 1 : s[0];
  const last = lines[s[1] - 1] ?? '';
  const to = fenced && /^\s*(?:```|~~~)/.test(last) && s[1] > s[0] ? s[1] - 1 : s[1];
  const content: CodeLine[] = [];
  for (let l = from; l <= to; l++) content.push({ line: l, text: lines[l - 1] ?? '' });
  const lang = (node.lang ?? '').toLowerCase();
  return { startLine: s[0], endLine: s[1], lang, program: !LISTING_LANGS.has(lang), lines: content };
}

/**
 * Blanks Markdown markup with spaces so that columns still match the source:
 * link targets and URLs, code marks, `**`/`__` emphasis, single `*` used for
 * emphasis (a `*` between numbers is multiplication and stays), HTML tags,
 * footnote marks, and backslash escapes (`32\*32\*3` reads `32 ×32 ×3`).
 */
export function maskMarkup(line: string): string {
  const blank = (s: string) => ' '.repeat(s.length);
  return line
    .replace(/\\\*/g, ' ×')
    .replace(/\\([!-/:-@[-`{-~])/g, (m, c: string) => (c === '|' ? m : ` ${c}`))
    .replace(/\]\([^)\s]*\)/g, (m) => ']' + blank(m.slice(1)))
    .replace(/<?https?:\/\/[^\s>)]+>?/g, blank)
    .replace(/<!--.*?-->/g, blank)
    .replace(/<\/?[A-Za-z][^<>]*>/g, blank)
    .replace(/\[\^[^\]]*\]/g, blank)
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

/** Splits a pipe row into located cells (leading and trailing pipes optional; `\|` is not a separator). */
export function splitRow(line: string, lineNumber: number): Cell[] {
  const cells: Cell[] = [];
  let start = 0;
  const lead = /^\s*\|/.exec(line);
  if (lead) start = lead[0].length;
  const trail = /\|\s*$/.exec(line);
  const stop = trail && trail.index >= start ? trail.index : line.length;
  const body = line.slice(0, stop);
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

const DELIMITER = /^\s*\|?\s*:?-{1,}:?\s*(?:\|\s*:?-{1,}:?\s*)*\|?\s*$/;

function gfmTable(s: [number, number], prose: string[]): TableBlock | undefined {
  const rows: Cell[][] = [];
  for (let l = s[0]; l <= s[1]; l++) {
    const text = prose[l - 1] ?? '';
    if (l === s[0] + 1 && DELIMITER.test(text)) continue;
    if (text.trim() === '') continue;
    rows.push(splitRow(text, l));
  }
  const header = rows.shift();
  if (!header) return undefined;
  return { header, rows, line: s[0], endLine: s[1], source: 'gfm' };
}

/** A rule row of a plain-text table: dashes between `|` or `+`, at least two columns. */
const RULE = /^\s*[|+]?\s*:?-{3,}:?\s*(?:[|+]\s*:?-{3,}:?\s*)+[|+]?\s*$/;

function textTables(lines: string[], prose: string[], codeLines: Set<number>, tableLines: Set<number>): TableBlock[] {
  const out: TableBlock[] = [];
  for (let i = 1; i < lines.length; i++) {
    const lineNo = i + 1;
    if (codeLines.has(lineNo) || tableLines.has(lineNo)) continue;
    if (lines[i]!.length > MAX_LINE_LENGTH || !RULE.test(lines[i]!)) continue;
    const headerLine = prose[i - 1] ?? '';
    if (!headerLine.includes('|') || tableLines.has(lineNo - 1) || codeLines.has(lineNo - 1)) continue;
    const header = splitRow(headerLine, lineNo - 1);
    if (header.length < 2) continue;
    const rows: Cell[][] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const row = prose[j] ?? '';
      if (RULE.test(lines[j]!) || /^\s*\+[-+=]+\+?\s*$/.test(lines[j]!)) continue;
      if (!row.includes('|') || tableLines.has(j + 1) || codeLines.has(j + 1)) break;
      const cells = splitRow(row, j + 1);
      if (cells.length === header.length) rows.push(cells);
    }
    if (rows.length > 0) out.push({ header, rows, line: lineNo - 1, endLine: j, source: 'text' });
    i = j - 1;
  }
  return out;
}

/**
 * Whitespace-aligned tables inside code blocks: at least two consecutive rows
 * of a label and numbers separated by two or more spaces, with the same number
 * of cells, under a header line of as many cells.
 */
function codeTables(code: CodeBlock): TableBlock[] {
  const out: TableBlock[] = [];
  const split = (c: CodeLine): Cell[] => {
    const cells: Cell[] = [];
    const re = /\S(?:.*?\S)?(?=\s{2,}|\s*$)/g;
    const text = c.text.replace(/\t/g, '  ');
    for (let m = re.exec(text); m; m = re.exec(text)) cells.push({ text: m[0], line: c.line, column: m.index + 1 });
    return cells;
  };
  const numeric = (cell: Cell) => /^[~≈+\-−]?\s?\d[\d,]*(?:\.\d+)?\s?[A-Za-z%×x]{0,3}$/.test(cell.text);
  let i = 0;
  const lines = code.lines;
  while (i < lines.length) {
    const header = split(lines[i]!);
    const isHeader = header.length >= 2 && !header.slice(1).some(numeric);
    if (!isHeader) {
      i++;
      continue;
    }
    const rows: Cell[][] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const cells = split(lines[j]!);
      if (/^\s*[-=─━]{3,}\s*$/.test(lines[j]!.text)) continue;
      if (cells.length !== header.length || numeric(cells[0]!) || !cells.slice(1).every(numeric)) break;
      rows.push(cells);
    }
    if (rows.length >= 2) {
      out.push({ header, rows, line: lines[i]!.line, endLine: lines[j - 1]!.line, source: 'code' });
      i = j;
    } else i++;
  }
  return out;
}

// ---- navigation --------------------------------------------------------------

/** The heading a line belongs to (the last heading at or before it), if any. */
export function headingOf(doc: ClaimsDocument, line: number): Heading | undefined {
  let found: Heading | undefined;
  for (const h of doc.headings) {
    if (h.line <= line) found = h;
    else break;
  }
  return found;
}

/** The last line of a heading's section: the line before the next heading of the same or a higher level. */
export function sectionEnd(doc: ClaimsDocument, heading: Heading): number {
  const next = doc.headings.find((h) => h.line > heading.line && h.depth <= heading.depth);
  return next ? next.line - 1 : doc.lines.length;
}

/** Direct sub-headings of a heading (one level deeper, within its section). */
export function subHeadings(doc: ClaimsDocument, heading: Heading): Heading[] {
  const end = sectionEnd(doc, heading);
  const inside = doc.headings.filter((h) => h.line > heading.line && h.line <= end);
  const top = Math.min(...inside.map((h) => h.depth));
  return inside.filter((h) => h.depth === top);
}

/** The first block that starts after a line (skipping nothing). */
export function blockAfter(doc: ClaimsDocument, line: number): Block | undefined {
  return doc.blocks.find((b) => b.startLine > line);
}

/** The top-level list item (of any list) that starts on a line. */
export function listItemAt(doc: ClaimsDocument, line: number): { list: ListBlock; item: ListItem; index: number } | undefined {
  for (const list of doc.lists) {
    const index = list.items.findIndex((i) => i.line === line);
    if (index >= 0) return { list, item: list.items[index]!, index };
  }
  return undefined;
}

/** Plain text of a node, for callers that need it (headings). */
export const nodeText = toString;
