/**
 * Concept matching for literature coverage: the thin layer between the
 * `coverage` check kind and the Markdown structure of `src/markdown/`.
 *
 * A concept is a list of alternatives. An alternative is either a phrase
 * (matched as a sequence of Porter-stemmed words, small gaps allowed,
 * synonyms accepted) or a `/regex/` (matched, case-insensitively, against
 * the sentence after notation normalisation: `\theta`, `theta` and `Θ`
 * become `θ`; `**` becomes `^`; subscripts become plain letters). `all`
 * lists groups that must all match one sentence. A match preceded closely
 * by a negation cue ("not", "no", "never", "without", "cannot", "n't") is
 * a near miss, not coverage.
 */
import { stemmer } from 'stemmer';
import { parseMarkdown, sentences, type MarkdownDoc, type Section, type Sentence } from '../markdown/document.js';

export interface ConceptSpec {
  id: string;
  /** Readable name for messages (default: the id). */
  label?: string;
  /** Alternatives: phrases, or `/regex/`. One is enough. */
  any: string[];
  /** Groups of alternatives that must all match the same sentence (another way to find the concept). */
  all?: string[][];
  /** Alternatives that, when they match the sentence, disqualify it. */
  not?: string[];
}

export interface Evidence {
  sentence: string;
  line: number;
  column: number;
  /** The alternative that matched (the first group's, for `all`). */
  alternative: string;
  /** Title of the innermost section holding the sentence. */
  section?: string;
}

export interface ConceptResult {
  matches: Evidence[];
  negated: Evidence[];
  /** True when a section scope was given and no section matched it. */
  scopeMissing: boolean;
}

export interface ParsedDocument {
  path: string;
  doc: MarkdownDoc;
  sentences: PreparedSentence[];
}

interface PreparedSentence {
  sentence: Sentence;
  /** Normalised text for regex alternatives. */
  norm: string;
  /** Stems of the words, in order, with the character index of each word in `norm`. */
  stems: string[];
  starts: number[];
  /** Token indexes of negation cues. */
  negations: number[];
  /** Clause number of every token: negation does not cross "," ";" ":" or "but". */
  clauses: number[];
  /** Sections holding the sentence, innermost first. */
  sections: Section[];
}

/** Parses a document once; concepts are then matched against its prepared sentences. */
export function parseDocument(text: string, path: string): ParsedDocument {
  const doc = parseMarkdown(text, { path });
  const prepared = sentences(doc).map((s) => prepare(s, doc));
  return { path, doc, sentences: prepared };
}

/** Sentences that match a concept (outside negations) and near misses (negated matches). */
export function conceptEvidence(
  parsed: ParsedDocument,
  concept: ConceptSpec,
  options: { sections?: string[]; synonyms?: Record<string, string[]> } = {},
): ConceptResult {
  const synonyms = synonymTable(options.synonyms);
  let pool = parsed.sentences;
  let scopeMissing = false;
  if (options.sections && options.sections.length > 0) {
    const patterns = options.sections.map((p) => stems(normalise(p)).stems).filter((p) => p.length > 0);
    const inScope = (s: Section) => {
      const title = stems(normalise(s.titleText || s.title)).stems;
      return patterns.some((p) => findPhrase(title, p, synonyms, 1) !== undefined);
    };
    pool = pool.filter((p) => p.sections.some(inScope));
    scopeMissing = pool.length === 0;
  }
  const matches: Evidence[] = [];
  const negated: Evidence[] = [];
  const exclusions = (concept.not ?? []).map((a) => compile(a));
  const anyAlternatives = concept.any.map((a) => compile(a));
  const groups = (concept.all ?? []).map((g) => g.map((a) => compile(a)));

  for (const s of pool) {
    if (exclusions.some((alt) => locate(s, alt, synonyms) !== undefined)) continue;
    let hit: string | undefined;
    let negatedHit: string | undefined;
    for (const alt of anyAlternatives) {
      const found = locateAll(s, alt, synonyms);
      if (found.some((span) => !isNegated(s, span, alt))) {
        hit = alt.source;
        break;
      }
      if (found.length > 0 && !negatedHit) negatedHit = alt.source;
    }
    if (!hit && groups.length > 0) {
      const per = groups.map((g) => g.flatMap((alt) => locateAll(s, alt, synonyms).map((span) => ({ span, alt }))));
      if (per.every((list) => list.length > 0)) {
        const cleanAll = per.every((list) => list.some((h) => !isNegated(s, h.span, h.alt)));
        const first = per[0]![0]!.alt.source;
        if (cleanAll) hit = first;
        else if (!negatedHit) negatedHit = first;
      }
    }
    if (hit) matches.push(evidence(s, hit));
    else if (negatedHit) negated.push(evidence(s, negatedHit));
  }
  // Body sentences are better evidence than headings: list them first (stable).
  const byTitle = (a: Evidence & { title?: boolean }, b: Evidence & { title?: boolean }) => Number(a.title ?? false) - Number(b.title ?? false);
  matches.sort(byTitle);
  for (const m of [...matches, ...negated] as Array<Evidence & { title?: boolean }>) delete m.title;
  return { matches, negated, scopeMissing };
}

// --- preparation ----------------------------------------------------------------

const SUBSCRIPTS: Record<string, string> = {
  '₀': '0', '₁': '1', '₂': '2', '₃': '3', '₄': '4', '₅': '5', '₆': '6', '₇': '7', '₈': '8', '₉': '9',
  '₊': '+', '₋': '-', 'ᵢ': 'i', 'ⱼ': 'j', 'ₖ': 'k', 'ₘ': 'm', 'ₙ': 'n', 'ₜ': 't', 'ₓ': 'x', 'ₐ': 'a', 'ₑ': 'e', 'ₒ': 'o',
  '⁰': '0', '¹': '1', '²': '2', '³': '3', '⁻': '-', 'ᵀ': 'T', 'ᴴ': 'H',
};

/** Notation normalisation shared by sentences and alternatives. */
export function normalise(text: string): string {
  return text
    .replace(/[₀-₉₊₋ᵢⱼₖₘₙₜₓₐₑₒ⁰¹²³⁻ᵀᴴ]/g, (c) => SUBSCRIPTS[c] ?? c)
    .replace(/\\(theta|vartheta)\b/gi, 'θ')
    .replace(/\btheta\b/gi, 'θ')
    .replace(/Θ/g, 'θ')
    .replace(/\\(phi|varphi)\b/gi, 'φ')
    .replace(/ϕ/g, 'φ')
    .replace(/\*\*/g, '^')
    .replace(/\\(cdot|times)\b/g, '·')
    .replace(/[‐‑‒–—−]/g, '-')
    .replace(/[’‘]/g, "'")
    .replace(/\\([{}_^])/g, '$1');
}

const NEGATION_CUES = new Set(['not', 'no', 'never', 'without', 'neither', 'nor', 'cannot', 'none']);
const CLAUSE_WORDS = new Set(['but', 'while', 'whereas', 'although', 'though', 'however', 'yet']);
/** How many words before a match a negation cue still applies (inside one clause). */
const NEGATION_WINDOW = 8;

function prepare(sentence: Sentence, doc: MarkdownDoc): PreparedSentence {
  const norm = normalise(sentence.text);
  const { stems: list, starts, raw } = stems(norm);
  const negations: number[] = [];
  raw.forEach((word, i) => {
    if (NEGATION_CUES.has(word) || /n't$/.test(word)) negations.push(i);
  });
  const clauses: number[] = [];
  let clause = 0;
  raw.forEach((word, i) => {
    const gap = norm.slice(i === 0 ? 0 : starts[i - 1]! + raw[i - 1]!.length, starts[i]);
    if (/[,;:()]/.test(gap) || CLAUSE_WORDS.has(word)) clause++;
    clauses.push(clause);
  });
  const chain: Section[] = [];
  for (let s = sentence.section; s; s = s.parent !== undefined ? doc.sections[s.parent] : undefined) chain.push(s);
  return { sentence, norm, stems: list, starts, negations, clauses, sections: chain };
}

/** Words (letters, digits, Greek), lower-cased and stemmed, with their positions. */
function stems(text: string): { stems: string[]; starts: number[]; raw: string[] } {
  const out: string[] = [];
  const starts: number[] = [];
  const raw: string[] = [];
  const re = /[\p{L}\p{N}]+(?:'[\p{L}]+)?/gu;
  for (const m of text.matchAll(re)) {
    let word = m[0].toLowerCase();
    if (word === 'cannot') word = 'cannot';
    raw.push(word);
    out.push(stemmer(word.replace(/'s$/, '')));
    starts.push(m.index ?? 0);
  }
  return { stems: out, starts, raw };
}

// --- alternatives ----------------------------------------------------------------

interface Compiled {
  source: string;
  regex?: RegExp;
  phrase?: string[];
  /** The alternative itself says "no ..." ("no fixed maximum"): its own cue is not a negation. */
  hasCue: boolean;
}

interface Span {
  start: number;
  end: number;
}

const compiledCache = new Map<string, Compiled>();

function compile(alternative: string): Compiled {
  let c = compiledCache.get(alternative);
  if (c) return c;
  const re = /^\/(.+)\/([a-z]*)$/s.exec(alternative);
  if (re) {
    const flags = new Set((re[2] ?? '').split('').filter(Boolean));
    flags.add('g');
    flags.add('u');
    if (!re[2]?.includes('c')) flags.add('i');
    flags.delete('c');
    c = { source: alternative, regex: new RegExp(re[1]!, [...flags].join('')), hasCue: false };
  } else {
    const words = stems(normalise(alternative));
    c = { source: alternative, phrase: words.stems, hasCue: words.raw.some((w) => NEGATION_CUES.has(w) || /n't$/.test(w)) };
  }
  compiledCache.set(alternative, c);
  return c;
}

function locate(s: PreparedSentence, alt: Compiled, synonyms: SynonymTable): Span | undefined {
  return locateAll(s, alt, synonyms)[0];
}

/** Token spans where the alternative matches the sentence. */
function locateAll(s: PreparedSentence, alt: Compiled, synonyms: SynonymTable): Span[] {
  const out: Span[] = [];
  if (alt.regex) {
    alt.regex.lastIndex = 0;
    for (const m of s.norm.matchAll(alt.regex)) {
      const index = m.index ?? 0;
      out.push({ start: tokenAt(s, index), end: tokenAt(s, index + Math.max(0, m[0].length - 1)) });
    }
    return out;
  }
  const phrase = alt.phrase ?? [];
  if (phrase.length === 0) return out;
  for (let from = 0; from < s.stems.length; ) {
    const span = findPhrase(s.stems, phrase, synonyms, MAX_GAP, from);
    if (!span) break;
    out.push(span);
    from = span.start + 1;
  }
  return out;
}

/** Words allowed between two words of a phrase ("rotate *each pair* fast"). */
const MAX_GAP = 2;

/** First span where `phrase` occurs in `words` (gaps of at most `gap` words). */
function findPhrase(words: string[], phrase: string[], synonyms: SynonymTable, gap: number, from = 0): Span | undefined {
  for (let i = from; i < words.length; i++) {
    if (!same(words[i]!, phrase[0]!, synonyms)) continue;
    let pos = i;
    let ok = true;
    for (let p = 1; p < phrase.length && ok; p++) {
      let next = -1;
      for (let j = pos + 1; j <= Math.min(words.length - 1, pos + 1 + gap); j++) {
        if (same(words[j]!, phrase[p]!, synonyms)) {
          next = j;
          break;
        }
      }
      if (next < 0) ok = false;
      else pos = next;
    }
    if (ok) return { start: i, end: pos };
  }
  return undefined;
}

function tokenAt(s: PreparedSentence, index: number): number {
  let t = 0;
  while (t + 1 < s.starts.length && s.starts[t + 1]! <= index) t++;
  // A match before the first word (punctuation) counts as token 0; one inside a word is that word.
  return s.starts.length === 0 ? 0 : index < s.starts[0]! ? 0 : t;
}

/** A cue inside the match, or before it in the same clause and close enough, negates it. */
function isNegated(s: PreparedSentence, span: Span, alt: Compiled): boolean {
  return s.negations.some((n) => {
    if (n >= span.start && n <= span.end) return !alt.hasCue;
    return n < span.start && span.start - n <= NEGATION_WINDOW && s.clauses[n] === s.clauses[span.start];
  });
}

function evidence(s: PreparedSentence, alternative: string): Evidence {
  const e: Evidence & { title?: boolean } = { sentence: s.sentence.text, line: s.sentence.start.line, column: s.sentence.start.column, alternative };
  if (s.sentence.title) e.title = true;
  const section = s.sections[0];
  if (section) e.section = section.title;
  return e;
}

// --- synonyms ----------------------------------------------------------------

type SynonymTable = Map<string, Set<string>>;

/** A small built-in thesaurus for the domain; rubric options extend it. Single words only. */
const BUILTIN_SYNONYMS: string[][] = [
  ['rotate', 'rotation', 'rotary', 'turn'],
  ['position', 'positional', 'index'],
  ['embedding', 'encoding', 'embed', 'encode'],
  ['dimension', 'dim', 'feature', 'coordinate'],
  ['precompute', 'cache', 'precomputation'],
  ['decay', 'attenuation', 'attenuate', 'fade'],
  ['extrapolate', 'extrapolation', 'generalise', 'generalize'],
  ['sequence', 'context', 'input'],
  ['long', 'longer'],
  ['shrink', 'decrease', 'diminish', 'decline', 'weaken'],
];

const tableCache = new WeakMap<object, SynonymTable>();
const builtinTable = buildTable(BUILTIN_SYNONYMS);

function synonymTable(extra: Record<string, string[]> | undefined): SynonymTable {
  if (!extra) return builtinTable;
  let t = tableCache.get(extra);
  if (!t) {
    t = buildTable([...BUILTIN_SYNONYMS, ...Object.entries(extra).map(([k, v]) => [k, ...v])]);
    tableCache.set(extra, t);
  }
  return t;
}

function buildTable(groups: string[][]): SynonymTable {
  const table: SynonymTable = new Map();
  for (const group of groups) {
    const stemsOf = group.map((w) => stemmer(w.toLowerCase()));
    for (const s of stemsOf) {
      const set = table.get(s) ?? new Set<string>();
      for (const other of stemsOf) set.add(other);
      table.set(s, set);
    }
  }
  return table;
}

function same(word: string, target: string, synonyms: SynonymTable): boolean {
  return word === target || (synonyms.get(target)?.has(word) ?? false);
}
