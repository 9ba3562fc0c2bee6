/**
 * Markdown structure for matching: the mdast tree, a flat list of text
 * blocks that remember where every character came from, and an outline of
 * sections whatever the heading style the author used.
 *
 * Learners structure a write-up in many ways. All of these open a section:
 *
 * - ATX and setext headings of any level (`## 4. Why V is not rotated`);
 * - a paragraph that starts with a bold label (`**1. Relative position:** ...`, `**Q:** ...`);
 * - a paragraph whose first line is a question (`Why does V not get rotated?`);
 * - a paragraph that starts with a numbered label (`Q2 - max diff: ...`, `Question 3: ...`)
 *   or a short label followed by a colon (`Max diff: 4.4e-16`);
 * - a list item whose first line is such a label or a question.
 *
 * Input is expected already normalised to LF (the input layer does it), so
 * mdast offsets are offsets into `source` and line/column are exact.
 */
import type { Nodes, Root, RootContent, PhrasingContent, ListItem, Table } from 'mdast';
import { toString } from 'mdast-util-to-string';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import { unified } from 'unified';

/** A place in the source. Lines and columns are 1-based, `offset` 0-based. */
export interface Point {
  line: number;
  column: number;
  offset: number;
}

export type BlockType = 'heading' | 'paragraph' | 'label' | 'code' | 'cell' | 'html';

/**
 * One run of plain text with its source mapping: `offsets[i]` is the source
 * offset of `text[i]`, and `offsets[text.length]` the offset just after it.
 */
export interface Block {
  type: BlockType;
  text: string;
  offsets: number[];
  start: Point;
  end: Point;
  /** Fenced or indented code, math blocks, or text holding inline code / `$math$`. */
  code: boolean;
  /** Table cells of one row share a row key ("<table>:<row>"); row 0 is the header. */
  row?: string;
  /** Index in `doc.blocks`. */
  index: number;
}

export type SectionStyle = 'atx' | 'setext' | 'bold-label' | 'question' | 'label' | 'list-item';

export interface Section {
  /** Title as written, inline Markdown removed (`4. Why V is not rotated`). */
  title: string;
  /** Title without its numbering and trailing colon (`Why V is not rotated`). */
  titleText: string;
  /** Numbering found at the start of the title ("4" for "4.", "Q4", "Question 4"), if any. */
  number?: string;
  /** Heading depth (1-6); labels and list items sit one level below the heading they follow. */
  level: number;
  style: SectionStyle;
  /** Where the title starts and where the section's last block ends. */
  start: Point;
  end: Point;
  /** Plain text of the body (title excluded), blocks separated by blank lines. Nested sections are included. */
  text: string;
  /** Body blocks, nested sections included. */
  blocks: Block[];
  /** The block holding the title. */
  titleBlock: Block;
  /** Index in `doc.sections`. */
  index: number;
  /** Index of the enclosing section in `doc.sections`, if any. */
  parent?: number;
}

export interface MarkdownDoc {
  source: string;
  /** Path relative to the submission root, for locations. */
  path?: string;
  tree: Root;
  /** Every text block in document order. */
  blocks: Block[];
  /** Flat outline in document order. */
  sections: Section[];
  /** Blocks before the first section. */
  preamble: Block[];
  /** Set when the Markdown could not be parsed as such (e.g. nesting too deep) and was read as plain paragraphs. */
  degraded?: string;
  /** Line and column of a source offset. */
  pointAt(offset: number): Point;
}

export interface Sentence {
  text: string;
  start: Point;
  end: Point;
  /** Source offset of every character of `text` (plus one past the end). */
  offsets: number[];
  code: boolean;
  /** True when the sentence is a section title. */
  title: boolean;
  block: Block;
  /** Innermost section holding the sentence. */
  section?: Section;
}

/** GFM Markdown, built once per process. */
const processor = unified().use(remarkParse).use(remarkGfm).freeze();

/**
 * The same without GFM's literal autolinks (`www.x.org`, `https://x.org`,
 * `a@b.org` without brackets), for text where none can occur. The autolink
 * syntax is tried at every letter and digit, and its tree transform visits
 * every text node: about a third of the parse time of a typical write-up.
 * Undefined when remark-gfm's extensions do not have the expected shape.
 */
const withoutLiteralAutolinks = leanProcessor();

function leanProcessor() {
  const gfm = unified().use(remarkGfm).freeze().data();
  const names = new Set(['wwwAutolink', 'protocolAutolink', 'emailAutolink']);
  let constructs = 0;
  const micromarkExtensions = (gfm.micromarkExtensions ?? []).map((extension) => {
    if (!extension.text) return extension;
    const text: Record<string, unknown> = {};
    for (const [code, hook] of Object.entries(extension.text)) {
      const list = (Array.isArray(hook) ? hook : [hook]) as Array<{ name?: string }>;
      const kept = list.filter((construct) => !names.has(construct.name ?? ''));
      constructs += list.length - kept.length;
      if (kept.length > 0) text[code] = kept;
    }
    return { ...extension, text } as typeof extension;
  });
  let mdast = 0;
  const isAutolink = (e: unknown) => typeof e === 'object' && e !== null && 'enter' in e && typeof e.enter === 'object' && e.enter !== null && 'literalAutolink' in e.enter;
  const fromMarkdownExtensions = (gfm.fromMarkdownExtensions ?? []).map((list) => {
    if (!Array.isArray(list)) return list;
    const kept = list.filter((e) => !isAutolink(e));
    mdast += list.length - kept.length;
    return kept;
  });
  // Literal autolinks hook 66 characters (every letter and digit, + - . _); one mdast extension handles them.
  if (constructs < 66 || mdast !== 1) return undefined;
  return unified()
    .use(remarkParse)
    .use(function gfmWithoutLiteralAutolinks() {
      const data = this.data();
      data.micromarkExtensions = micromarkExtensions;
      data.fromMarkdownExtensions = fromMarkdownExtensions;
    })
    .freeze();
}

/**
 * A literal autolink needs "http://", "https://", "www." or "@" in a text
 * node (letter case aside). Text nodes hold the source with character
 * references decoded and backslash escapes removed, so a source without "&"
 * (no references) and without those strings once its backslashes are dropped
 * holds none: both processors give the same tree.
 */
const AUTOLINK_TRIGGER = /https?:\/\/|www\.|@/i;

function parserFor(source: string) {
  if (!withoutLiteralAutolinks || source.includes('&')) return processor;
  return AUTOLINK_TRIGGER.test(source.includes('\\') ? source.replace(/\\/g, '') : source) ? processor : withoutLiteralAutolinks;
}

/** For tests: the tree of each processor, and whether `parseMarkdown` would use the lean one. */
export function markdownTreesForTest(source: string): { full: Root; lean?: Root; leanApplies: boolean } {
  const lean = withoutLiteralAutolinks?.parse(source) as Root | undefined;
  return { full: processor.parse(source) as Root, ...(lean ? { lean } : {}), leanApplies: withoutLiteralAutolinks !== undefined && parserFor(source) === withoutLiteralAutolinks };
}

/** Parses Markdown (LF line ends) into a `MarkdownDoc`. Never throws on content. */
export function parseMarkdown(source: string, options: { path?: string } = {}): MarkdownDoc {
  let degraded: string | undefined;
  let tree: Root;
  try {
    // Hundreds of container markers on one line ("- - - - ...") make micromark slow and then overflow.
    if (DEEP_NESTING.test(source)) throw new RangeError('nesting too deep');
    tree = parserFor(source).parse(source) as Root;
  } catch (error) {
    // micromark recurses per nesting level: thousands of nested lists overflow the stack.
    degraded = `it could not be parsed as Markdown (${error instanceof RangeError ? 'nesting too deep' : String(error)}) and was read as plain paragraphs`;
    tree = plainTree(source);
  }
  const lineStarts = [0];
  for (let i = 0; i < source.length; i++) if (source.charCodeAt(i) === 10) lineStarts.push(i + 1);
  const pointAt = (offset: number): Point => {
    const o = Math.max(0, Math.min(offset, source.length));
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: o - lineStarts[lo]! + 1, offset: o };
  };

  let builder = new Builder(source, pointAt);
  try {
    builder.walk(tree.children, 0);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    degraded = 'its nesting is too deep to follow and it was read as plain paragraphs';
    tree = plainTree(source);
    builder = new Builder(source, pointAt);
    builder.walk(tree.children, 0);
  }
  const { blocks, starts } = builder;

  const sections: Section[] = [];
  for (let s = 0; s < starts.length; s++) {
    const st = starts[s]!;
    let endBlock = blocks.length;
    for (let t = s + 1; t < starts.length; t++) {
      if (starts[t]!.level <= st.level) {
        endBlock = starts[t]!.block;
        break;
      }
    }
    if (st.endBlock !== undefined) endBlock = Math.min(endBlock, Math.max(st.endBlock, st.block + 1));
    const titleBlock = blocks[st.block]!;
    const body = blocks.slice(st.block + 1, endBlock);
    const last = body.length > 0 ? body[body.length - 1]! : titleBlock;
    const split = splitNumbering(st.title);
    const number = split.number ?? st.number;
    const titleText = split.text;
    let parent: number | undefined;
    for (let p = sections.length - 1; p >= 0; p--) {
      if (sections[p]!.level < st.level) {
        parent = p;
        break;
      }
    }
    const section: Section = {
      title: st.title,
      titleText,
      level: st.level,
      style: st.style,
      start: pointAt(Math.min(st.offset, titleBlock.start.offset)),
      end: last.end,
      text: body
        .map((b) => b.text.trim())
        .filter((t) => t.length > 0)
        .join('\n\n'),
      blocks: body,
      titleBlock,
      index: sections.length,
    };
    if (number !== undefined) section.number = number;
    if (parent !== undefined) section.parent = parent;
    sections.push(section);
  }
  const firstStart = starts.length > 0 ? starts[0]!.block : blocks.length;
  const doc: MarkdownDoc = { source, tree, blocks, sections, preamble: blocks.slice(0, firstStart), pointAt };
  if (options.path !== undefined) doc.path = options.path;
  if (degraded !== undefined) doc.degraded = degraded;
  for (const b of blocks) pointers.set(b, pointAt);
  return doc;
}

const DEEP_NESTING = /^[ \t]*(?:(?:[-*+]|\d{1,9}[.)]|>)[ \t]*){64}/m;

/** A tree of plain paragraphs (text split on blank lines), for input remark cannot parse. */
function plainTree(source: string): Root {
  const children: RootContent[] = [];
  const re = /[^\n]+(?:\n[^\n]+)*/g;
  let line = 1;
  let lastIndex = 0;
  for (let m = re.exec(source); m !== null; m = re.exec(source)) {
    for (let i = lastIndex; i < m.index; i++) if (source.charCodeAt(i) === 10) line++;
    const lines = m[0].split('\n').length;
    const start = { line, column: 1, offset: m.index };
    const end = { line: line + lines - 1, column: m[0].length - m[0].lastIndexOf('\n'), offset: m.index + m[0].length };
    children.push({ type: 'paragraph', position: { start, end }, children: [{ type: 'text', value: m[0], position: { start, end } }] });
    line += lines - 1;
    lastIndex = m.index + m[0].length;
  }
  return { type: 'root', children };
}

/** Numbering at the start of a title: "4.", "4)", "(4)", "Q4", "Q4:", "Question 4 -", "Part 4:", "Step 4.". */
const NUMBERING = /^\s*(?:(?:q(?:uestion)?|part|step|task)\s*[-#]?\s*(\d+[a-z]?|[a-h]\b)|\(?(\d+[a-z]?)[.)](?=\s|$)|(\d+[a-z]?)(?=\s*[-–—:]))\s*[.):\-–—]?\s*/i;

/** Splits "Question 3: Why V?" into { number: "3", text: "Why V?" }. */
export function splitNumbering(title: string): { number?: string; text: string } {
  const m = NUMBERING.exec(title);
  let text = title;
  let number: string | undefined;
  if (m) {
    number = (m[1] ?? m[2] ?? m[3])?.toUpperCase();
    text = title.slice(m[0].length);
  }
  text = text.replace(/^\s*q\s*[:.)\-–—]\s*/i, '').replace(/\s*[:.\-–—]+\s*$/, '').trim();
  if (text === '' && number === undefined) text = title.trim();
  return number !== undefined ? { number, text } : { text };
}

interface SectionStart {
  block: number;
  /** Source offset where the section's title starts (the heading's `#`, the label's `**`). */
  offset: number;
  /** Numbering given by an ordered list item. */
  number?: string;
  /** A list item's section ends with the item (exclusive block index). */
  endBlock?: number;
  level: number;
  style: SectionStyle;
  title: string;
}

/** A run of text with offsets, built from inline nodes. */
interface Run {
  chars: string[];
  offsets: number[];
  code: boolean;
}

const QUESTION_WORDS = 12;

class Builder {
  readonly blocks: Block[] = [];
  readonly starts: SectionStart[] = [];
  private headingLevel = 0;
  private tableCount = 0;

  constructor(
    private readonly source: string,
    private readonly pointAt: (offset: number) => Point,
  ) {}

  walk(nodes: readonly RootContent[], listDepth: number): void {
    for (const node of nodes) this.visit(node, listDepth);
  }

  private visit(node: RootContent, listDepth: number): void {
    switch (node.type) {
      case 'heading': {
        const run = this.inline(node.children);
        const block = this.push('heading', run, node);
        if (!block) return;
        const style: SectionStyle = this.source[node.position?.start.offset ?? 0] === '#' ? 'atx' : 'setext';
        this.headingLevel = node.depth;
        this.starts.push({ block: block.index, offset: node.position?.start.offset ?? block.start.offset, level: node.depth, style, title: block.text.trim() });
        return;
      }
      case 'paragraph':
        this.paragraph(this.inline(node.children), node, this.headingLevel + 1 + listDepth, listDepth > 0);
        return;
      case 'code': {
        const start = node.position?.start.offset ?? 0;
        const end = node.position?.end.offset ?? start;
        // Skip the opening fence line so its info string cannot capture the first characters.
        const raw = this.source.slice(start, end);
        const fenced = /^\s*(```|~~~)/.test(raw);
        const from = fenced ? start + raw.indexOf('\n') + 1 : start;
        const offsets = align(node.value, this.source, from, end);
        this.push('code', { chars: [...node.value], offsets, code: true }, node);
        return;
      }
      case 'html': {
        // Keep the text of HTML blocks (comments excluded) so answers written in <details> still count.
        if (/^\s*<!--/.test(node.value)) return;
        const start = node.position?.start.offset ?? 0;
        const text = node.value.replace(/<[^>]*>/g, (tag) => ' '.repeat(tag.length));
        this.push('html', { chars: [...text], offsets: align(text, this.source, start, node.position?.end.offset ?? start, true), code: false }, node);
        return;
      }
      case 'blockquote':
        this.walk(node.children, listDepth);
        return;
      case 'list':
        node.children.forEach((item, i) => this.listItem(item, listDepth, node.ordered ? String((node.start ?? 1) + i) : undefined));
        return;
      case 'table':
        this.table(node);
        return;
      default:
        return;
    }
  }

  private listItem(item: ListItem, listDepth: number, number: string | undefined): void {
    const [first, ...rest] = item.children;
    const level = this.headingLevel + 1 + listDepth;
    if (first && first.type === 'paragraph') {
      const opened = this.starts.length;
      this.paragraph(this.inline(first.children), first, level, true, number);
      const start = this.starts.length > opened ? this.starts[opened] : undefined;
      this.walk(rest, listDepth + 1);
      if (start) start.endBlock = this.blocks.length;
    } else {
      this.walk(item.children, listDepth + 1);
    }
  }

  private table(node: Table): void {
    const t = this.tableCount++;
    node.children.forEach((row, r) => {
      for (const cell of row.children) {
        const run = this.inline(cell.children);
        const block = this.push('cell', run, cell);
        if (block) block.row = `${t}:${r}`;
      }
    });
  }

  /**
   * A paragraph, possibly opening a section with a bold label, a first-line
   * question or a "Label:" prefix. The label becomes its own `label` block.
   */
  private paragraph(run: Run, node: Nodes, level: number, inList: boolean, number?: string): void {
    const text = run.chars.join('');
    const children = 'children' in node ? (node.children as PhrasingContent[]) : [];
    const firstChild = children[0];
    const paraStart = node.position?.start.offset;

    let labelEnd = -1; // index in `text` where the label ends (exclusive)
    let bodyStart = -1;
    let style: SectionStyle | undefined;

    // 1. A bold label at the very start.
    if (firstChild && firstChild.type === 'strong' && firstChild.position?.start.offset === paraStart) {
      const labelText = toString(firstChild);
      const words = countWords(labelText);
      if (words > 0 && words <= 14) {
        const strongEnd = firstChild.position?.end.offset ?? 0;
        labelEnd = run.offsets.findIndex((o) => o >= strongEnd);
        if (labelEnd < 0) labelEnd = text.length;
        const after = /^\s*[:.\-–—]?\s*/.exec(text.slice(labelEnd))!;
        // "**Label**: answer" keeps the colon with the label.
        bodyStart = labelEnd + after[0].length;
        style = inList ? 'list-item' : 'bold-label';
      }
    }

    // 2. A first line that is a question.
    if (style === undefined) {
      const nl = text.indexOf('\n');
      const firstLine = nl >= 0 ? text.slice(0, nl) : text;
      const q = firstLine.indexOf('?');
      if (q >= 0 && countWords(firstLine.slice(0, q)) <= 2 * QUESTION_WORDS && /^[^.!]*\?/.test(firstLine)) {
        labelEnd = q + 1;
        bodyStart = labelEnd + /^\s*/.exec(text.slice(labelEnd))![0].length;
        style = inList ? 'list-item' : 'question';
      }
    }

    // 3. "Q2 - max diff: ...", "Question 3: ...", "Max diff: 4.4e-16".
    if (style === undefined) {
      const numbered = /^\s*(?:q(?:uestion)?\s*\d+[a-z]?|\d+[.)](?=\s))\s*[:.)\-–—]?/i.exec(text);
      const colon = /^([^\n:.!?]{1,60}):(?=\s|$)/.exec(text);
      if (colon && countWords(colon[1]!) <= 6 && !/[`$=<>]/.test(colon[1]!)) {
        labelEnd = colon[0].length;
        style = inList ? 'list-item' : 'label';
      } else if (numbered && !inList) {
        labelEnd = numbered[0].length;
        style = 'label';
      }
      if (style !== undefined) bodyStart = labelEnd + /^\s*/.exec(text.slice(labelEnd))![0].length;
    }

    if (style === undefined || labelEnd <= 0) {
      this.push('paragraph', run, node);
      return;
    }
    const title = this.push('label', slice(run, 0, labelEnd), node);
    if (!title) {
      this.push('paragraph', run, node);
      return;
    }
    const start: SectionStart = {
      block: title.index,
      offset: paraStart ?? title.start.offset,
      level: Math.min(level, 9),
      style,
      title: title.text.trim().replace(/\s+/g, ' '),
    };
    if (number !== undefined) start.number = number;
    this.starts.push(start);
    if (bodyStart < text.length) this.push('paragraph', slice(run, bodyStart, text.length), node);
  }

  /** Flattens inline nodes into characters with source offsets. */
  private inline(nodes: readonly PhrasingContent[]): Run {
    const run: Run = { chars: [], offsets: [], code: false };
    const add = (value: string, start: number | undefined, end: number | undefined) => {
      const s = start ?? run.offsets[run.offsets.length - 1] ?? 0;
      const offsets = align(value, this.source, s, end ?? s);
      for (let i = 0; i < value.length; i++) {
        run.chars.push(value[i]!);
        run.offsets.push(offsets[i]!);
      }
    };
    const visit = (node: PhrasingContent) => {
      const p = node.position;
      switch (node.type) {
        case 'text':
          add(node.value, p?.start.offset, p?.end.offset);
          if (/\$[^$\s][^$]*\$|\\\(|\\\[/.test(node.value)) run.code = true;
          return;
        case 'inlineCode':
          add(node.value, p?.start.offset, p?.end.offset);
          run.code = true;
          return;
        case 'break':
          add('\n', p?.start.offset, p?.end.offset);
          return;
        case 'image':
          if (node.alt) add(node.alt, p?.start.offset, p?.end.offset);
          return;
        case 'html':
        case 'footnoteReference':
          return;
        default:
          if ('children' in node) for (const child of node.children as PhrasingContent[]) visit(child);
      }
    };
    for (const node of nodes) visit(node);
    return run;
  }

  private push(type: BlockType, run: Run, node: Nodes): Block | undefined {
    // Trim surrounding whitespace so positions point at text.
    let a = 0;
    let b = run.chars.length;
    while (a < b && isSpace(run.chars[a]!)) a++;
    while (b > a && isSpace(run.chars[b - 1]!)) b--;
    if (a === b) return undefined;
    const text = run.chars.slice(a, b).join('');
    const offsets = run.offsets.slice(a, b);
    const last = offsets[offsets.length - 1]!;
    offsets.push(last + 1);
    const code = type === 'code' || run.code;
    const block: Block = {
      type,
      text,
      offsets,
      start: this.pointAt(offsets[0]!),
      end: this.pointAt(last + 1),
      code,
      index: this.blocks.length,
    };
    void node;
    this.blocks.push(block);
    return block;
  }
}

function slice(run: Run, from: number, to: number): Run {
  return { chars: run.chars.slice(from, to), offsets: run.offsets.slice(from, to), code: run.code };
}

/**
 * Maps each character of `value` (a node's text, with escapes and entities
 * resolved) to a source offset in [start, end): greedy alignment, any
 * whitespace matches any whitespace; unmatched characters keep the last offset.
 */
function align(value: string, source: string, start: number, end: number, exact = false): number[] {
  const out = new Array<number>(value.length);
  let j = start;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (exact) {
      out[i] = Math.min(start + i, Math.max(start, end - 1));
      continue;
    }
    const ws = isSpace(c);
    let k = j;
    const limit = Math.min(end, j + 12);
    while (k < limit && !(source[k] === c || (ws && isSpace(source[k]!)))) k++;
    if (k < limit) {
      out[i] = k;
      j = k + 1;
    } else {
      out[i] = Math.min(j, Math.max(start, end - 1));
    }
  }
  return out;
}

const SPACE = /\s/;

/** `/\s/.test(c)` for one character (false for none), without the regular expression for ASCII. */
function isSpace(c: string | undefined): boolean {
  if (c === undefined) return false;
  const code = c.charCodeAt(0);
  return code < 128 ? code === 32 || (code >= 9 && code <= 13) : SPACE.test(c);
}

function countWords(text: string): number {
  return (text.match(/[\p{L}\p{N}][\p{L}\p{N}'’_-]*/gu) ?? []).length;
}

// ---------------------------------------------------------------------------
// Sentences

const ABBREVIATIONS = new Set([
  'e.g', 'i.e', 'etc', 'cf', 'vs', 'fig', 'figs', 'eq', 'eqs', 'sec', 'al', 'approx', 'resp', 'no', 'vol', 'ch', 'p', 'pp', 'dr', 'mr', 'ms', 'st', 'eqn', 'ref', 'incl', 'ca', 'viz', 'def', 'thm',
]);

const cache = new WeakMap<object, Sentence[]>();

/**
 * Sentences of a document or section, located. Splits on sentence ends
 * (`.`, `!`, `?` followed by a space and not after "e.g.", "i.e.", "Fig."...),
 * on block boundaries (paragraphs, list items, table cells) and on lines of
 * code. Decimals and exponents ("1e-5", "4.4e-16", "0.5") never split.
 * For a section, `titles: false` leaves out the section's own title.
 */
export function sentences(target: MarkdownDoc | Section, options: { titles?: boolean } = {}): Sentence[] {
  const doc = 'pointAt' in target ? target : undefined;
  const key = doc ?? target;
  let all = cache.get(key);
  if (!all) {
    if (doc) {
      all = docSentences(doc);
    } else {
      const section = target as Section;
      const blocks = [section.titleBlock, ...section.blocks];
      all = blocks.flatMap((b) => splitBlock(b, undefined));
      // Attach sections: the innermost is the one whose title precedes; callers mostly need the title.
      for (const s of all) s.section = section;
    }
    cache.set(key, all);
  }
  if (options.titles === false && !doc) {
    const section = target as Section;
    return all.filter((s) => s.block !== section.titleBlock);
  }
  return all;
}

function docSentences(doc: MarkdownDoc): Sentence[] {
  // Innermost section per block: the last section whose range holds the block.
  const owner = new Array<Section | undefined>(doc.blocks.length);
  for (const section of doc.sections) {
    owner[section.titleBlock.index] = section;
    for (const b of section.blocks) owner[b.index] = section; // later (deeper) sections overwrite
  }
  return doc.blocks.flatMap((b) => splitBlock(b, owner[b.index]));
}

function splitBlock(block: Block, section: Section | undefined): Sentence[] {
  const out: Sentence[] = [];
  const text = block.text;
  const emit = (from: number, to: number) => {
    while (from < to && isSpace(text[from]!)) from++;
    while (to > from && isSpace(text[to - 1]!)) to--;
    if (from >= to) return;
    const offsets = block.offsets.slice(from, to);
    const endOffset = offsets[offsets.length - 1]! + 1;
    offsets.push(endOffset);
    const sentence: Sentence = {
      text: text.slice(from, to),
      start: pointFromBlock(block, from),
      end: pointFromBlock(block, to - 1, 1),
      offsets,
      code: block.code,
      title: block.type === 'heading' || block.type === 'label',
      block,
    };
    if (section) sentence.section = section;
    out.push(sentence);
  };
  if (block.type === 'heading' || block.type === 'label') {
    emit(0, text.length);
    return out;
  }
  if (block.type === 'code') {
    let from = 0;
    for (let i = 0; i <= text.length; i++) {
      if (i === text.length || text[i] === '\n') {
        emit(from, i);
        from = i + 1;
      }
    }
    return out;
  }
  for (const [from, to] of sentenceRanges(text)) emit(from, to);
  return out;
}

/**
 * Where the sentences of a run of prose start and end (`[from, to)` pairs,
 * surrounding space included): splits on `.`, `!`, `?` followed by a space,
 * not after "e.g.", "Fig." and the like, not before a lower-case word, never
 * inside "1e-5" or "0.5".
 */
export function sentenceRanges(text: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c !== '.' && c !== '!' && c !== '?') continue;
    // Swallow runs ("?!", "...") and closing quotes or brackets.
    let j = i + 1;
    while (j < text.length && /[.!?)"'’”\]]/.test(text[j]!)) j++;
    if (j < text.length && !isSpace(text[j]!)) continue; // "4.4e-16", "e.g.,"
    if (c === '.' && isAbbreviation(text, i)) continue;
    // The next sentence must not start in lower case ("e.g. the", "approx. equal").
    let k = j;
    while (k < text.length && isSpace(text[k]!)) k++;
    if (k < text.length && /\p{Ll}/u.test(text[k]!) && c === '.') continue;
    out.push([from, j]);
    from = j;
    i = j - 1;
  }
  out.push([from, text.length]);
  return out;
}

function isAbbreviation(text: string, dot: number): boolean {
  // Enumerations at the start of a block: "1. First", "(2) Second".
  if (/^\(?\d{1,2}$/.test(text.slice(0, dot).trim())) return true;
  const before = /([\p{L}.]+)$/u.exec(text.slice(Math.max(0, dot - 12), dot));
  if (!before) return false;
  const word = before[1]!.toLowerCase().replace(/^\.+/, '');
  if (ABBREVIATIONS.has(word)) return true;
  // Dotted abbreviations ("e.g", "i.e", "a.k.a"); single letters such as "V." end sentences.
  return /^(?:\p{L}\.)+\p{L}$/u.test(word);
}

function pointFromBlock(block: Block, index: number, plus = 0): Point {
  // Offsets are monotone; compute line/column from the block's start point.
  const offset = (block.offsets[index] ?? block.offsets[block.offsets.length - 1]!) + plus;
  return pointOf(block, offset);
}

/** Line/column of a source offset inside a block (blocks remember their document). */
export function blockPoint(block: Block, offset: number): Point {
  return pointOf(block, offset);
}

function pointOf(block: Block, offset: number): Point {
  const fn = pointers.get(block);
  if (fn) return fn(offset);
  return { line: block.start.line, column: block.start.column + (offset - block.start.offset), offset };
}

const pointers = new WeakMap<Block, (offset: number) => Point>();

/** The source point of character `index` of a sentence. */
export function sentencePoint(doc: MarkdownDoc, sentence: Sentence, index: number): Point {
  return doc.pointAt(sentence.offsets[Math.max(0, Math.min(index, sentence.offsets.length - 1))]!);
}

/** "README.md:21:1" style location of a point in the document. */
export function formatPoint(doc: MarkdownDoc, point: { line: number; column: number }): string {
  return `${doc.path ?? '<document>'}:${point.line}:${point.column}`;
}
