/**
 * Groups of sibling entries: the items of one Markdown list, or the lines of a
 * code-block listing (`label: value` lines, tree lines `├── label: value`,
 * lines with several `key: value` fields such as `memory: 224*224*3=150K`).
 * Each entry exposes its measures: the numbers it states with the noun they
 * count ("56 tests", "74 passing", "100% passing" of its 56 tests), so that a
 * total entry can be compared with the entries it totals, and a share with
 * the whole it is a share of.
 */
import type { ClaimsDocument, ListBlock } from './document.js';
import { evaluateExpression } from './expression.js';
import { quantitiesIn, singular, type Quantity } from './quantity.js';

export interface Measure {
  /** The quantity as written (for a derived measure, the percentage it was derived from). */
  q: Quantity;
  /** Singular noun the number counts ("test", "passing"), or the field key ("memory"), or "" when none is written. */
  noun: string;
  /** 1-based column of the number in its line. */
  column: number;
  /** Written as a share of the entry's main value ("100% passing" of 56 tests): the count it stands for. */
  derived?: number;
}

export interface Entry {
  line: number;
  /** The entry's text as prose (list marker or tree prefix blanked). */
  text: string;
  /** Text before the value: "Unit tests", "Weeks 1-2", "TOTAL memory". */
  label: string;
  /** Words of the label, singular, lower case. */
  words: string[];
  /** Tree depth inside a code listing (0 for list items and plain lines). */
  depth: number;
  /** Says it is a total: Total, Sum, Overall, All, Combined, Grand total. */
  isTotal: boolean;
  /** The first number after the label: what the entry counts. */
  main?: Measure;
  /** Every number of the entry with its noun, the main one first. */
  measures: Measure[];
  /** Keyed fields of a listing line ("memory" -> 150K): the result after "=", then the field's first number. */
  fields: Map<string, Measure[]>;
}

export interface Group {
  source: 'list' | 'code';
  entries: Entry[];
  startLine: number;
  endLine: number;
  list?: ListBlock;
}

/** A label that says its entry is a total: its first word is Total, Subtotal, Sum, Combined or Grand total ("Overall" scores are averages). */
export const TOTAL_LABEL = /^\W*(?:sub-?total|total|sum|grand total|combined|altogether|in all)\b/i;

/** Words that qualify a noun without being it: "124 new tests", "13 failing/error tests". */
const QUALIFIERS = new Set(['new', 'more', 'additional', 'extra', 'other', 'key', 'main', 'unique', 'distinct', 'real', 'active', 'open', 'comprehensive', 'explicit', 'total', 'existing', 'remaining', 'critical', 'major', 'minor', 'failing', 'passing', 'unit', 'integration', 'e2e']);

const TREE_PREFIX = /^[\s│|├└┣┗╰╭─━┃+`\\-]*(?:[├└┣┗╰+`\\]|[├└]──)[─━\-\s]*/;

function nounAfter(text: string, from: number): string {
  const words = /^[\s(]*([A-Za-z\u00C0-\u024F\u0590-\u05FF][\w\u0590-\u05FF'-]*)(?:[\s/]+([A-Za-z\u0590-\u05FF][\w\u0590-\u05FF'-]*))?/.exec(text.slice(from));
  if (!words) return '';
  const first = words[1]!.toLowerCase();
  if (QUALIFIERS.has(first) && words[2] && !/^(of|in|and|or|to|for|with|from)$/i.test(words[2])) return singular(words[2]);
  if (/^(of|in|and|or|to|for|with|from|the|a|an|vs|by|on|at|is|are|was|were)$/.test(first)) return '';
  return singular(first);
}

function labelWords(label: string): string[] {
  return (label.toLowerCase().match(/[a-z\u0590-\u05FF][a-z\u0590-\u05FF'-]*/g) ?? []).map(singular);
}

/** Reads one entry from a line of prose: the label before ':' (or before the first number), then its measures. */
export function readEntry(text: string, line: number, depth = 0): Entry {
  const stripped = text.replace(/[✅❌⚠️⭐✨🎯🎉🚀⏳☑️✓✔]/gu, (m) => ' '.repeat(m.length));
  const colon = /^([^:]{1,100}?):(?!\/)\s*/.exec(stripped);
  const dash = colon ? undefined : /^(.{1,100}?\S)\s+[-–—]\s+(?=[~≈]?\d)/.exec(stripped);
  const labelEnd = colon ? colon[0].length : dash ? dash[0].length : 0;
  const label = (colon?.[1] ?? dash?.[1] ?? '').trim();
  const measures: Measure[] = [];
  const fields = new Map<string, Measure[]>();
  for (const q of quantitiesIn(stripped, labelEnd)) {
    const after = q.index + q.length;
    let noun = q.dimension === 'count' ? nounAfter(stripped, after) : q.unit;
    if (q.dimension === 'percent') {
      const n = nounAfter(stripped, after);
      noun = n ? `%${n}` : '%';
    }
    measures.push({ q, noun, column: q.index + 1 });
  }
  // Several "key: value" fields on one line (listings): the value of each key is its expression's result.
  const keyed = /([A-Za-z][A-Za-z ]{0,30}?):\s*([^:]+?)(?=\s+[A-Za-z][A-Za-z]{0,30}:|$)/g;
  for (let m = keyed.exec(stripped); m; m = keyed.exec(stripped)) {
    const key = m[1]!.trim().split(/\s+/).pop()!.toLowerCase();
    const start = m.index + m[0].indexOf(m[2]!);
    const candidates: Measure[] = [];
    const value = evaluateExpression(stripped, start, start + m[2]!.length);
    if (value) candidates.push({ q: value.result, noun: singular(key), column: value.result.index + 1 });
    const first = quantitiesIn(stripped.slice(0, start + m[2]!.length), start)[0];
    if (first && first.index !== value?.result.index) candidates.push({ q: first, noun: singular(key), column: first.index + 1 });
    if (candidates.length > 0) fields.set(singular(key), candidates);
  }
  if (label && measures[0] && measures[0].q.dimension === 'count' && !measures[0].noun) {
    const words = labelWords(label);
    measures[0] = { ...measures[0], noun: words[words.length - 1] ?? '' };
  }
  // "100% passing" after a count: a share of that count.
  const main = measures[0];
  if (main && main.q.dimension === 'count') {
    for (let i = 1; i < measures.length; i++) {
      const m = measures[i]!;
      if (m.q.dimension === 'percent' && m.noun.length > 1 && !m.q.approx) measures[i] = { ...m, noun: m.noun.slice(1), derived: (m.q.value / 100) * main.q.value };
    }
  }
  return {
    line,
    text,
    label,
    words: labelWords(label),
    depth,
    isTotal: TOTAL_LABEL.test(label),
    ...(main ? { main } : {}),
    measures,
    fields,
  };
}

const cache = new WeakMap<ClaimsDocument, Group[]>();

/** The groups of a document: each list (its items), each code block (its lines with numbers). Computed once per document. */
export function groupsOf(doc: ClaimsDocument): Group[] {
  const cached = cache.get(doc);
  if (cached) return cached;
  const out: Group[] = [];
  for (const list of doc.lists) {
    const entries = list.items.map((item) => readEntry(item.text.slice(item.column - 1), item.line)).map((e, i) => shift(e, list.items[i]!.column - 1));
    out.push({ source: 'list', entries, startLine: list.startLine, endLine: list.endLine, list });
  }
  for (const code of doc.code) {
    if (code.program) continue;
    const entries: Entry[] = [];
    for (const l of code.lines) {
      const tree = TREE_PREFIX.exec(l.text);
      const prefix = tree ? tree[0].length : (/^\s*/.exec(l.text)?.[0].length ?? 0);
      const depth = tree ? Math.max(1, Math.round(prefix / 4)) : 0;
      if (!/\d/.test(l.text)) {
        if (l.text.trim()) entries.push(readEntry('', l.line, depth));
        continue;
      }
      entries.push(shift(readEntry(l.text.slice(prefix), l.line, depth), prefix));
    }
    if (entries.some((e) => e.main)) out.push({ source: 'code', entries, startLine: code.startLine, endLine: code.endLine });
  }
  cache.set(doc, out);
  return out;
}

/** Moves an entry's columns right by `offset` (it was read from a slice of its line). */
function shift(e: Entry, offset: number): Entry {
  if (offset === 0) return e;
  const move = (m: Measure): Measure => ({ ...m, column: m.column + offset });
  const fields = new Map<string, Measure[]>();
  for (const [k, ms] of e.fields) fields.set(k, ms.map(move));
  return { ...e, ...(e.main ? { main: move(e.main) } : {}), measures: e.measures.map(move), fields };
}

/** Two nouns name the same kind of thing: equal, or one is empty, or the total's label names the part's noun. */
export function compatibleNouns(total: Entry, totalNoun: string, part: Measure): boolean {
  if (!totalNoun || !part.noun) return true;
  if (totalNoun === part.noun) return true;
  return total.words.includes(part.noun);
}
