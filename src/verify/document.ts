/**
 * A document prepared for verification: the places a statement may be
 * credited from, each with the views the patterns need and what it is about.
 *
 * What a reader would not take as the text's own statement is blanked
 * before anything is parsed (same length, same line breaks, so every
 * location stays exact):
 * - YAML (`---`) and TOML (`+++`) front matter;
 * - figures and captions: `<figure>`, `<figcaption>`, Hugo/Jekyll shortcodes
 *   (`{{< figure caption="..." >}}`, `{% ... %}`), paragraphs that start with
 *   "Figure 2:", "Fig. 1.", "Table 3:", and image syntax with its alt text;
 * - addresses and paths: URLs, `a/b/c` paths, file names (`RoFormer_Analysis.md`);
 * - in code, comments (`#` or `//` by the fence's language; full-line
 *   comments only when the language is unknown).
 * Bibliographies (a section titled References, Citations, Bibliography,
 * Further reading, Resources, or a `bibtex` code block) list other works'
 * titles; they are kept but never count as statements either.
 * Headings and bold labels name topics; they are kept to tell what the text
 * around them is about but never count as statements. A bold label and the
 * rest of its paragraph read as one sentence ("**Sinusoidal encodings**
 * (Vaswani et al.) are added to the embeddings."). A table row reads as one
 * sentence, its cells joined. A code statement spanning several lines
 * (open brackets) reads as one unit.
 *
 * Each unit is about the subject (RoPE), about other methods, or both, by
 * the names it holds (the rubric's `subject.names` and `subject.others`; a
 * citation such as "Wang+ [2020]" or "Vaswani et al., 2017" names another
 * work). A unit naming neither takes the topic of its paragraph or table,
 * then of its section titles, then the document's subject. A code block is
 * about the subject when it names it; otherwise about what the text named
 * last before it since the last heading (the class its docstring introduced),
 * since identifiers such as `sinusoidal_pos` say nothing about the topic.
 */
import type { Root, RootContent } from 'mdast';
import { parseMarkdown, sentenceRanges, type Block, type MarkdownDoc, type Section } from '../markdown/document.js';
import { compilePattern, patternSearch, type TokenPattern } from '../text/pattern.js';
import { normalizeNotation, replaceMapped, type MappedText } from '../text/notation.js';
import { tokenizeText, type Token } from '../text/tokenize.js';
import { newBudget, type Budget } from '../text/linear.js';

export type Topic = 'subject' | 'others' | 'both' | 'none';

export interface Unit {
  /** Text with excluded parts blanked. */
  text: string;
  /** Source offset of every character of `text`, plus one past the end. */
  offsets: number[];
  /** `title` and `reference` units (headings, bibliography) never count as statements. */
  kind: 'prose' | 'code' | 'row' | 'title' | 'reference';
  /** Index of the first block the unit comes from; units of one block share it. */
  block: number;
  /** Units of the same paragraph, list item, table or code block share a group. */
  group: number;
  section?: Section;
  /** What the unit names itself. */
  names: Topic;
  /** What it is about, after inheritance. */
  topic: Topic;
  tokens: Token[];
  /** Compact maths view: notation normalised, spaces and multiplication dots removed, lower case. */
  math: MappedText;
}

export interface PreparedDocument {
  path: string;
  doc: MarkdownDoc;
  /** The source with excluded parts blanked (what was parsed). */
  masked: string;
  units: Unit[];
  /** The level-1 heading that opens the document, else the front matter's title, if any. */
  title?: string;
  /** Line of every unit start, for messages. */
  pointAt(offset: number): { line: number; column: number };
}

export interface SubjectSpec {
  /** Token patterns naming the subject ("rope", "rotary", "roformer"). */
  names: string[];
  /** Token patterns naming other methods ("sinusoidal", "alibi", "learned absolute position embedding"). */
  others?: string[];
}

const blank = (s: string) => s.replace(/[^\n]/g, ' ');

/** Blanks `re`'s matches in `text` (same length, line breaks kept). */
function blankAll(text: string, re: RegExp): string {
  return text.replace(re, blank);
}

/** The front matter's title (YAML `title:`), before it is blanked. */
function frontMatterTitle(text: string): { title?: string; end: number } {
  const m = /^(?:\uFEFF)?(---|\+\+\+)[ \t]*\n([\s\S]*?)\n\1[ \t]*(?:\n|$)/.exec(text);
  if (!m) return { end: 0 };
  const t = /^title\s*[:=]\s*["']?(.+?)["']?\s*$/m.exec(m[2]!);
  return t ? { title: t[1]!, end: m[0].length } : { end: m[0].length };
}

/** Blanks what must never count as the text's own statement (see the module comment). */
export function maskSource(text: string): string {
  const fm = frontMatterTitle(text);
  let out = fm.end > 0 ? blank(text.slice(0, fm.end)) + text.slice(fm.end) : text;
  // Shortcodes first (their content between paired tags stays: `{{< collapse >}}` code `{{< /collapse >}}`).
  out = blankAll(out, /\{\{[<%][\s\S]*?[%>]\}\}/g);
  out = blankAll(out, /\{%[\s\S]*?%\}/g);
  out = blankAll(out, /<figure\b[\s\S]*?<\/figure>/gi);
  out = blankAll(out, /<figcaption\b[\s\S]*?<\/figcaption>/gi);
  out = blankAll(out, /!\[[^\]\n]*\](?:\([^)\n]*\)|\[[^\]\n]*\])/g);
  out = blankAll(out, /<img\b[^>]*>/gi);
  // Caption paragraphs: "Figure 2: ...", "*Fig. 1.* ...", "Table 3 - ..." up to the blank line.
  out = blankAll(out, /^[ \t]*(?:[*_]{1,2}|<(?:i|em|b|strong)>)?(?:figure|fig\.|table|tab\.)\s*\d+[a-z]?\s*[.:\-–—][^\n]*(?:\n(?![ \t]*\n)[^\n]*)*/gim);
  out = blankAll(out, /(?:https?|ftp):\/\/[^\s)>\]"'`]+/gi);
  out = blankAll(out, /\bwww\.[^\s)>\]"'`]+/gi);
  out = blankAll(out, /(?<![\w@/.-])(?:~|\.{1,2})?\/?(?:[\w@.-]+\/){2,}[\w@.-]*/g);
  out = blankAll(out, /\b[\w-]+\.(?:md|markdown|py|ipynb|ts|js|json|ya?ml|png|jpe?g|svg|gif|html?|pdf|txt|rs|toml|csv)\b/gi);
  return out;
}

const CITATION = /\b\p{Lu}[\p{L}'-]+(?:\s+et\s+al\.?|\+)\s*[[(,]?\s*(?:19|20)\d\d/u;

/** Compiles the subject's name patterns once per spec. */
const subjectCache = new WeakMap<SubjectSpec, { names: TokenPattern[]; others: TokenPattern[] }>();
function subjectPatterns(spec: SubjectSpec) {
  let c = subjectCache.get(spec);
  if (!c) {
    const compileAll = (list: readonly string[]) =>
      list.map((p) => {
        const r = compilePattern(p);
        if (!r.ok) throw new Error(`subject pattern '${p}': ${r.message}`);
        return r.pattern;
      });
    c = { names: compileAll(spec.names), others: compileAll(spec.others ?? []) };
    subjectCache.set(spec, c);
  }
  return c;
}

function namesIn(tokens: readonly Token[], text: string, spec: SubjectSpec, budget: Budget): Topic {
  const p = subjectPatterns(spec);
  const has = (list: TokenPattern[]) => list.some((pattern) => {
    const r = patternSearch(pattern, tokens, budget);
    return r !== null && r !== 'budget';
  });
  const subject = has(p.names);
  const others = has(p.others) || CITATION.test(text);
  return subject && others ? 'both' : subject ? 'subject' : others ? 'others' : 'none';
}

const MATH_RULES: ReadonlyArray<readonly [RegExp, string]> = [
  // Transposes: x^T, x^\top (already "T"), xᵀ ("^(T)"), x^{\mathsf{T}}.
  [/\^\s*\(?\s*(?:mathsf|mathrm|mathbf)?\s*\(?\s*T\s*\)?\s*\)?(?![A-Za-z])/g, '⊤'],
  // Formatting wrappers that survive as words: \mathsf{x} -> x.
  [/\b(?:mathsf|mathbb|mathrm|mathbf|mathit|textbf|textit|text|bigl|bigr|Bigl|Bigr|biggl|biggr|displaystyle|boldsymbol|vec|hat|tilde|operatorname)\b\s*/g, ''],
  // \mathrm{RoPE}(x, m) reads (RoPE)(x, m) once the wrapper is gone: RoPE(x, m).
  [/\(\s*([A-Za-z][A-Za-z0-9]*)\s*\)(?=\s*\()/g, '$1'],
  // \frac{1}{base^{x}} -> base^(-x)
  [/\(\s*1\s*\)\s*\/\s*\(\s*([A-Za-z_][\w.]*)\s*\^\s*\(\s*([^()]*?)\s*\)\s*\)/g, '$1^(-$2)'],
  // Multiplication dots vanish: m·θ = m θ = m*θ.
  [/[·⋅∙]|(?<!\*)\*(?!\*)/g, ' '],
];

function mathView(text: string): MappedText {
  let m = normalizeNotation(text);
  for (const [re, rep] of MATH_RULES) m = replaceMapped(m, re, rep);
  // Drop spaces, lower-case: "R_{n - m}" and "r_(n-m)" read alike.
  let out = '';
  const map: number[] = [];
  const ends: number[] = [];
  for (let i = 0; i < m.text.length; i++) {
    const c = m.text[i]!;
    if (/\s/.test(c)) continue;
    out += c.toLowerCase();
    map.push(m.map[i]!);
    ends.push(m.ends[i]!);
  }
  map.push(m.map[m.text.length]!);
  ends.push(m.ends[m.text.length]!);
  return { text: out, map, ends };
}

/** The language of a fenced code block, from its opening fence line ('' for none or an indented block). */
function fenceLanguage(source: string, blockStart: number): string {
  const lineStart = source.lastIndexOf('\n', blockStart - 1) + 1;
  if (lineStart === 0) return '';
  const prevStart = source.lastIndexOf('\n', lineStart - 2) + 1;
  const prev = source.slice(prevStart, lineStart - 1);
  return (/^[ \t>*+-]*(?:\d+[.)][ \t]*)?(?:```|~~~)[ \t]*([\w+#-]*)/.exec(prev)?.[1] ?? '').toLowerCase();
}

const BIBLIOGRAPHY_LANGUAGES = new Set(['bibtex', 'bib', 'biblatex', 'ris']);
const BIBLIOGRAPHY_TITLE = /^(?:references?|citations?|bibliography|further reading|reading list|resources|sources|works cited|literature)$/i;

const HASH_COMMENTS = new Set(['python', 'py', 'python3', 'bash', 'sh', 'shell', 'zsh', 'yaml', 'yml', 'toml', 'r', 'ruby', 'rb', 'perl', 'julia', 'jl', 'makefile', 'dockerfile', 'ipython']);
const SLASH_COMMENTS = new Set(['js', 'javascript', 'ts', 'typescript', 'tsx', 'jsx', 'c', 'cpp', 'c++', 'h', 'hpp', 'java', 'rust', 'rs', 'go', 'swift', 'kotlin', 'kt', 'scala', 'cuda', 'cu', 'csharp', 'cs', 'metal', 'zig', 'dart']);

/** Blanks the comment part of a code line. */
function blankComment(line: string, language: string): string {
  const marker = HASH_COMMENTS.has(language) ? '#' : SLASH_COMMENTS.has(language) ? '//' : undefined;
  if (marker === undefined) {
    // Unknown language: only a line that is a comment as a whole.
    return /^\s*(?:#|\/\/)/.test(line) ? blank(line) : line;
  }
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') quote = c;
    else if (line.startsWith(marker, i)) return line.slice(0, i) + blank(line.slice(i));
  }
  return line;
}

/** Splits a code block's text into logical lines: a line with open brackets continues on the next. */
function logicalLines(text: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let from = 0;
  let depth = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = text[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if ((c === ')' || c === ']' || c === '}') && depth > 0) depth--;
    if (i === text.length || (c === '\n' && depth === 0)) {
      out.push([from, i]);
      from = i + 1;
      depth = 0;
    }
    // A runaway bracket never joins more than 30 lines.
    if (c === '\n' && depth > 0 && text.slice(from, i).split('\n').length > 30) depth = 0;
  }
  return out;
}

/** Prepares a document (LF line ends) for statement matching. */
export function prepareDocument(source: string, path: string, subject: SubjectSpec, budget: Budget = newBudget()): PreparedDocument {
  const masked = maskSource(source);
  const doc = parseMarkdown(masked, { path });
  const units: Unit[] = [];
  const owner = new Array<Section | undefined>(doc.blocks.length);
  for (const section of doc.sections) {
    owner[section.titleBlock.index] = section;
    for (const b of section.blocks) owner[b.index] = section;
  }
  const blocks = doc.blocks;
  let group = 0;

  const push = (kind: Unit['kind'], text: string, offsets: number[], block: Block, g: number) => {
    const trimmedStart = text.length - text.trimStart().length;
    const t = text.trim();
    if (!t || !/[\p{L}\p{N}]/u.test(t)) return;
    const off = offsets.slice(trimmedStart, trimmedStart + t.length);
    off.push((off[off.length - 1] ?? 0) + 1);
    const tokens = tokenizeText(t);
    const unit: Unit = { text: t, offsets: off, kind, block: block.index, group: g, names: namesIn(tokens, t, subject, budget), topic: 'none', tokens, math: mathView(t) };
    const section = owner[block.index];
    if (section) unit.section = section;
    units.push(unit);
  };

  const prose = (text: string, offsets: number[], block: Block, g: number) => {
    for (const [from, to] of sentenceRanges(text)) push('prose', text.slice(from, to), offsets.slice(from, to), block, g);
  };

  for (let i = 0; i < blocks.length; i++) {
    const b = blocks[i]!;
    const g = group++;
    if (b.type === 'heading') {
      push('title', b.text, b.offsets, b, g);
      continue;
    }
    if (b.type === 'label') {
      // A bold label and the rest of its paragraph are one sentence: "**Sinusoidal** (2017) are added ...".
      const next = blocks[i + 1];
      const between = next ? masked.slice(b.offsets[b.offsets.length - 1]!, next.offsets[0]!) : '\n\n';
      if (next && next.type === 'paragraph' && !/\n[ \t>]*\n/.test(between)) {
        prose(`${b.text} ${next.text}`, [...b.offsets.slice(0, b.text.length), b.offsets[b.text.length - 1]! + 1, ...next.offsets], b, g);
        i++;
      } else {
        push('title', b.text, b.offsets, b, g);
      }
      continue;
    }
    if (b.type === 'cell') {
      // One row, one sentence: "Sinusoidal | Fixed sin/cos functions | No learnable patterns".
      let text = '';
      const offsets: number[] = [];
      let j = i;
      for (; j < blocks.length && blocks[j]!.type === 'cell' && blocks[j]!.row === b.row; j++) {
        const c = blocks[j]!;
        if (text) {
          text += ' | ';
          const o = offsets[offsets.length - 1]!;
          offsets.push(o, o, o);
        }
        text += c.text;
        offsets.push(...c.offsets.slice(0, c.text.length));
      }
      // Cells of one table share a group, so the table's names are the rows' topic.
      const table = b.row!.split(':')[0];
      const prev = units[units.length - 1];
      const sameTable = prev?.kind === 'row' && blocks[prev.block]?.row?.split(':')[0] === table;
      push('row', text, offsets, b, sameTable ? prev!.group : g);
      i = j - 1;
      continue;
    }
    if (b.type === 'code') {
      const language = fenceLanguage(masked, b.offsets[0]!);
      if (BIBLIOGRAPHY_LANGUAGES.has(language)) {
        push('reference', b.text, b.offsets, b, g);
        continue;
      }
      const text = b.text
        .split('\n')
        .map((line) => blankComment(line, language))
        .join('\n');
      for (const [from, to] of logicalLines(text)) push('code', text.slice(from, to), b.offsets.slice(from, to), b, g);
      continue;
    }
    prose(b.text, b.offsets, b, g);
  }

  // Units in a bibliography section are references, not statements.
  const inBibliography = (sec: Section | undefined): boolean => {
    for (let x = sec; x; x = x.parent !== undefined ? doc.sections[x.parent] : undefined) {
      if (BIBLIOGRAPHY_TITLE.test(x.titleText)) return true;
    }
    return false;
  };
  for (const u of units) if (u.kind !== 'title' && inBibliography(u.section)) u.kind = 'reference';

  // Topics. Prose: the unit's own names, else its paragraph's (group), else its sections', else the subject.
  // Code: identifiers are no statements about a method (`sinusoidal_pos` is RoPE's input), so a code block
  // is about the subject when it names it, else about what the text last named before it in the same
  // section (the class a docstring introduced), else its sections'.
  const groupNames = new Map<number, Topic>();
  for (const u of units) groupNames.set(u.group, merge(groupNames.get(u.group) ?? 'none', u.names));
  const sectionTopic = new Map<number, Topic>();
  const topicOfSection = (s: Section | undefined): Topic => {
    if (!s) return 'none';
    let t = sectionTopic.get(s.index);
    if (t === undefined) {
      const tokens = tokenizeText(s.title);
      t = namesIn(tokens, s.title, subject, budget);
      if (t === 'none' && s.parent !== undefined) t = topicOfSection(doc.sections[s.parent]);
      sectionTopic.set(s.index, t);
    }
    return t;
  };
  // What the text named last; a heading starts afresh (bold labels and list items do not).
  let lastNamed: Topic = 'none';
  let codeGroup: { group: number; topic: Topic } | undefined;
  for (const u of units) {
    if (u.kind === 'title' && blocks[u.block]?.type === 'heading') lastNamed = u.names;
    if (u.kind === 'code' || (u.kind === 'reference' && blocks[u.block]?.type === 'code')) {
      if (codeGroup?.group !== u.group) {
        const own = groupNames.get(u.group)!;
        const t = own === 'subject' || own === 'both' ? own : lastNamed !== 'none' ? lastNamed : topicOfSection(u.section);
        codeGroup = { group: u.group, topic: t === 'none' ? 'subject' : t };
      }
      u.topic = codeGroup.topic;
      continue;
    }
    if (u.names !== 'none') u.topic = u.names;
    else {
      const g = groupNames.get(u.group)!;
      u.topic = g !== 'none' ? g : topicOfSection(u.section);
      if (u.topic === 'none') u.topic = 'subject';
    }
    if (u.names !== 'none') lastNamed = u.names;
  }

  const out: PreparedDocument = { path, doc, masked, units, pointAt: (offset) => doc.pointAt(offset) };
  const title = firstTitle(doc.tree) ?? frontMatterTitle(source).title;
  if (title) out.title = title;
  return out;
}

function merge(a: Topic, b: Topic): Topic {
  if (a === b || b === 'none') return a;
  if (a === 'none') return b;
  return 'both';
}

/** The document's title: a level-1 heading that opens it (a "# 1 Intro" after the text has begun is a section). */
function firstTitle(tree: Root): string | undefined {
  for (const node of tree.children as RootContent[]) {
    if (node.type === 'html' || node.type === 'definition' || node.type === 'thematicBreak') continue;
    if (node.type === 'heading' && node.depth === 1) {
      const text = collect(node).trim();
      return text || undefined;
    }
    return undefined;
  }
  return undefined;
}

function collect(node: unknown): string {
  const n = node as { value?: string; children?: unknown[] };
  if (typeof n.value === 'string') return n.value;
  return (n.children ?? []).map(collect).join('');
}
