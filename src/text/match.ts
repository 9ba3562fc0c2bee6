/**
 * Wording-robust concept matching over a `MarkdownDoc`.
 *
 * A **concept** is a list of alternatives. Each alternative is a phrase,
 * matched as a sequence of stemmed content tokens in the same sentence with
 * small gaps allowed (default: up to 2 content words between consecutive
 * words), after notation normalisation (θ = theta = \theta, ‖x‖ = norm,
 * ⟨a,b⟩ = dot product, base^(-2i/d) = 1/base^(2i/d) = 10000**(-2*i/d)) and
 * synonym expansion from a thesaurus ("norm preserved" also matches
 * "length is unchanged"). Two- and three-word alternatives also match in any
 * order within a short window ("preserves the norm" ~ "norm is preserved").
 * An alternative written `/.../flags` is a regular expression tested on the
 * sentence as written, in linear time (`regex.ts`: no backreferences or
 * lookaround; one that cannot be compiled is matched as text).
 *
 * Matching runs in linear time against a step budget (default
 * `DEFAULT_STEP_BUDGET` per call, or `options.budget` shared by a caller):
 * when it is spent the search stops and the result says so (`stopped`),
 * so a caller can report "evidence search stopped after N steps" instead of
 * a silent miss.
 *
 * Matches are **negation aware**: a negation cue (not, no, never, without,
 * isn't, doesn't...) in the few words before the match, within the same clause,
 * or inside the matched span makes the match a near-miss (`negated`), which
 * does not count as coverage. Alternatives that contain a negation themselves
 * ("not rotated") are never flipped.
 *
 * Typical use:
 * ```ts
 * const doc = parseMarkdown(text, { path: 'README.md' });
 * const r = findConcept(doc, { id: 'interleaved', any: ['interleaved', '(2i, 2i+1)'] });
 * if (r.found) console.log(r.matches[0].line, r.matches[0].sentence);
 * ```
 * Compile concepts once with `compileConcept` when matching many documents.
 */
import { blockPoint, sentences as docSentences, type MarkdownDoc, type Section, type Sentence } from '../markdown/document.js';
import { newBudget, searchAll, type Budget } from './linear.js';
import { compileRegex, regexLiteral, type SafeRegex } from './regex.js';
import { defaultThesaurus, phraseKeys, tokenKey, Thesaurus } from './thesaurus.js';
import { NEGATORS, tokenizeText, type Token } from './tokenize.js';

export interface Concept {
  id: string;
  /** Alternatives: words, phrases, notation, or regular expressions written as `/.../flags`. One is enough. */
  any?: string[];
  /** Groups of alternatives that must all appear in the same sentence, or within `near` sentences of it. */
  all?: string[][];
  /** Alternatives that disqualify a sentence (e.g. "split-half" for an "interleaved" concept). */
  not?: string[];
  /** Human name for messages; defaults to the id. */
  label?: string;
}

export interface MatchOptions {
  /** Thesaurus to expand alternatives with; default `defaultThesaurus`. */
  thesaurus?: Thesaurus;
  /** Extra synonym groups `{ word: [alternatives] }` (rubric options). */
  synonyms?: Record<string, string[]>;
  /** Content words allowed between two words of a phrase (default 2). */
  maxGap?: number;
  /** How many words before a match a negation cue may stand, within the clause (default 4). */
  negationWindow?: number;
  /** How many sentences away `all` groups may be (default 1). */
  near?: number;
  /** Only sections whose title matches one of these patterns (see `matchSections`). */
  sections?: string[];
  /** Include section titles (default true). */
  titles?: boolean;
  /** Include code blocks (default true). */
  code?: boolean;
  /** Step budget shared by the searches of one document (default: a fresh one per call). */
  budget?: Budget;
}

export interface Match {
  concept: string;
  /** The alternative (as written in the concept) that matched. */
  alternative: string;
  /** The matched words as written in the document. */
  text: string;
  /** The whole sentence, as written. */
  sentence: string;
  /** Start of the matched words (1-based). */
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  /** True when a negation cue applies: a near-miss, not coverage. */
  negated: boolean;
  /** The negation cue ("not", "isn't", "without"...). */
  cue?: string;
  /** Title of the innermost section holding the sentence. */
  section?: string;
  /** True when the sentence is in a code block or holds inline code or math. */
  code: boolean;
  /** For `excluded` matches: the `not` alternative that disqualified the sentence. */
  excludedBy?: string;
  /** True when the words matched through a synonym rather than as written in the alternative. */
  synonym: boolean;
  /** Offset of the matched words in `sentence`. */
  index: number;
}

export interface ConceptResult {
  concept: string;
  found: boolean;
  /** Non-negated matches in document order. */
  matches: Match[];
  /** Negated matches: near-misses to report. */
  negated: Match[];
  /** Matches in sentences that also match a `not` alternative. */
  excluded: Match[];
  /** When `sections` was given: the titles of the sections searched (empty when none matched). */
  scope?: string[];
  /** Set when the step budget ran out before every sentence was searched: the budget's limit. */
  stopped?: number;
}

// ---------------------------------------------------------------------------
// Compilation

interface Alternative {
  source: string;
  regex?: SafeRegex;
  /** Key sequences (original first, then thesaurus variants). */
  variants: string[][];
  /** Per variant: it holds a negation cue itself ("not rotated"), so it is never negated. */
  negators: boolean[];
  /** Per variant: two or three distinct words, no number: it also matches in any order. */
  unordered: boolean[];
}

export interface CompiledConcept {
  concept: Concept;
  any: Alternative[];
  all: Alternative[][];
  not: Alternative[];
}

const NEGATOR_KEYS = new Set([...NEGATORS]);

/**
 * Compiled alternatives per thesaurus and source text, kept for the process:
 * rubric options are compiled once, not once per submission. An alternative
 * is never changed after compilation; a thesaurus that gains a group
 * (`addGroup`) starts a new cache.
 */
const alternatives = new WeakMap<Thesaurus, { revision: number; bySource: Map<string, Alternative> }>();
const MAX_CACHED_ALTERNATIVES = 20_000;

function compileAlternative(source: string, thesaurus: Thesaurus): Alternative {
  let cache = alternatives.get(thesaurus);
  if (!cache || cache.revision !== thesaurus.revision) {
    cache = { revision: thesaurus.revision, bySource: new Map() };
    alternatives.set(thesaurus, cache);
  }
  let alt = cache.bySource.get(source);
  if (!alt) {
    alt = compileAlternativeUncached(source, thesaurus);
    if (cache.bySource.size >= MAX_CACHED_ALTERNATIVES) cache.bySource.clear();
    cache.bySource.set(source, alt);
  }
  return alt;
}

function compileAlternativeUncached(source: string, thesaurus: Thesaurus): Alternative {
  const rx = regexLiteral(source);
  if (rx) {
    const c = compileRegex(rx.source, rx.flags.replace(/[gy]/g, ''));
    // Not a regular expression the linear engine takes (rubrics are checked when they load): match it as text.
    if (c.ok) return { source, regex: c.regex, variants: [], negators: [], unordered: [] };
  }
  const keys = phraseKeys(source);
  const variants = keys.length > 0 ? thesaurus.variants(keys) : [];
  return {
    source,
    variants,
    negators: variants.map((variant) => variant.some((k) => NEGATOR_KEYS.has(k) || k.endsWith("n't"))),
    unordered: variants.map((variant) => variant.length >= 2 && variant.length <= 3 && !variant.some((k) => k.startsWith('#')) && new Set(variant).size === variant.length),
  };
}

/**
 * Resolves the thesaurus for a set of options: the base extended with the
 * rubric's synonyms, built once per base and synonym set.
 */
export function thesaurusFor(options: MatchOptions = {}): Thesaurus {
  const base = options.thesaurus ?? defaultThesaurus;
  const synonyms = options.synonyms;
  if (!synonyms || Object.keys(synonyms).length === 0) return base;
  let cache = extended.get(base);
  if (!cache || cache.revision !== base.revision) {
    cache = { revision: base.revision, bySynonyms: new Map() };
    extended.set(base, cache);
  }
  const key = JSON.stringify(synonyms);
  let thesaurus = cache.bySynonyms.get(key);
  if (!thesaurus) {
    thesaurus = base.extend(synonyms);
    if (cache.bySynonyms.size >= 1000) cache.bySynonyms.clear();
    cache.bySynonyms.set(key, thesaurus);
  }
  return thesaurus;
}

const extended = new WeakMap<Thesaurus, { revision: number; bySynonyms: Map<string, Thesaurus> }>();

/** Compiles a concept once (tokenisation, synonym expansion, regexes). */
export function compileConcept(concept: Concept, options: MatchOptions = {}): CompiledConcept {
  const thesaurus = thesaurusFor(options);
  return {
    concept,
    any: (concept.any ?? []).map((a) => compileAlternative(a, thesaurus)),
    all: (concept.all ?? []).map((group) => group.map((a) => compileAlternative(a, thesaurus))),
    not: (concept.not ?? []).map((a) => compileAlternative(a, thesaurus)),
  };
}

// ---------------------------------------------------------------------------
// Matching one alternative in one token list

interface Hit {
  /** Indices in the token list (first and last matched token). */
  first: number;
  last: number;
  negated: boolean;
  cue?: string;
  /** Source range in the matched string. */
  start: number;
  end: number;
  /** 0 when the alternative matched as written, higher through synonyms. */
  variant: number;
}

/** Tokens per block and sentence text: a section's sentences and the document's share them. */
const tokenCache = new WeakMap<object, Map<string, Token[]>>();

function tokensOf(sentence: Sentence): Token[] {
  let byText = tokenCache.get(sentence.block);
  if (!byText) {
    byText = new Map();
    tokenCache.set(sentence.block, byText);
  }
  let t = byText.get(sentence.text);
  if (!t) {
    t = tokenizeText(sentence.text);
    byText.set(sentence.text, t);
  }
  return t;
}

/** Finds an alternative in a tokenised text; returns at most one hit per start position. */
interface Settings {
  maxGap: number;
  negationWindow: number;
}

function settingsOf(options: MatchOptions): Settings {
  return { maxGap: options.maxGap ?? 2, negationWindow: options.negationWindow ?? 4 };
}

/** Content-token positions and keys of a token list, and the set of its keys, computed once per list. */
interface Content {
  content: number[];
  keys: string[];
  keySet: Set<string>;
}
const contentCache = new WeakMap<readonly Token[], Content>();
function contentOf(tokens: readonly Token[]): Content {
  let c = contentCache.get(tokens);
  if (!c) {
    const content: number[] = [];
    tokens.forEach((t, i) => {
      if (!t.stop) content.push(i);
    });
    const keys = content.map((i) => tokenKey(tokens[i]!));
    c = { content, keys, keySet: new Set(keys) };
    contentCache.set(tokens, c);
  }
  return c;
}

function findAlternative(text: string, tokens: readonly Token[], alt: Alternative, settings: Settings, budget: Budget): Hit[] | 'budget' {
  const { maxGap, negationWindow } = settings;
  const hits: Hit[] = [];
  if (alt.regex) {
    const spans = searchAll(alt.regex.program, text, text.length, budget);
    if (spans === 'budget') return 'budget';
    for (const { start, end } of spans) {
      let first = tokens.findIndex((t) => t.sourceEnd > start);
      if (first < 0) first = tokens.length;
      let last = first;
      while (last + 1 < tokens.length && tokens[last + 1]!.sourceStart < end) last++;
      hits.push({ first, last, start, end, variant: 0, ...negation(tokens, first, last, new Set(), false, negationWindow) });
    }
    return hits;
  }
  const { content, keys, keySet } = contentOf(tokens);
  const seenStarts = new Set<number>();
  for (let vi = 0; vi < alt.variants.length; vi++) {
    const variant = alt.variants[vi]!;
    // Ordered or not, a path uses every word of the variant: skip variants with a word the text lacks.
    if (!variant.every((k) => keySet.has(k))) continue;
    const hasNegator = alt.negators[vi]!;
    const paths = orderedPaths(keys, variant, maxGap, budget);
    if (paths === 'budget') return 'budget';
    if (alt.unordered[vi]) paths.push(...unorderedPaths(keys, variant, maxGap));
    for (const path of paths) {
      const first = content[path[0]!]!;
      const last = content[path[path.length - 1]!]!;
      if (seenStarts.has(first)) continue;
      seenStarts.add(first);
      const used = new Set(path.map((p) => content[p]!));
      hits.push({
        first,
        last,
        start: tokens[first]!.sourceStart,
        end: tokens[last]!.sourceEnd,
        variant: vi,
        ...negation(tokens, first, last, used, hasNegator, negationWindow),
      });
    }
  }
  return hits.sort((a, b) => a.first - b.first);
}

/**
 * Every ordered embedding of `variant` in `keys` (the earliest path per
 * start), gaps <= maxGap. Dynamic programming from the last word back:
 * `reach[j][p]` says whether variant[j..] can be matched with variant[j] at
 * p; the earliest path from each start is then read forward. At most
 * n·k·(maxGap+1) steps for n keys and k words: repetitive text cannot make
 * it blow up, and the steps count against the budget.
 */
function orderedPaths(keys: readonly string[], variant: readonly string[], maxGap: number, budget: Budget): number[][] | 'budget' {
  const n = keys.length;
  const k = variant.length;
  budget.spent += n * k * (maxGap + 1);
  if (budget.spent > budget.limit) {
    budget.exhausted = true;
    return 'budget';
  }
  const reach: Uint8Array[] = [];
  for (let j = k - 1; j >= 0; j--) {
    const row = new Uint8Array(n);
    const next = reach[0];
    for (let p = 0; p < n; p++) {
      if (keys[p] !== variant[j]) continue;
      if (j === k - 1) row[p] = 1;
      else for (let q = p + 1; q <= p + 1 + maxGap && q < n; q++) if (next![q]) { row[p] = 1; break; }
    }
    reach.unshift(row);
  }
  const out: number[][] = [];
  for (let s = 0; s < n; s++) {
    if (!reach[0]![s]) continue;
    const path = [s];
    for (let j = 1; j < k; j++) {
      const prev = path[j - 1]!;
      for (let q = prev + 1; q <= prev + 1 + maxGap && q < n; q++) {
        if (reach[j]![q]) {
          path.push(q);
          break;
        }
      }
    }
    out.push(path);
  }
  return out;
}

/** Two- or three-word alternatives (distinct words, no number: `Alternative.unordered`) in any order within a window of n + maxGap content words. */
function unorderedPaths(keys: readonly string[], variant: readonly string[], maxGap: number): number[][] {
  const out: number[][] = [];
  const window = variant.length + maxGap;
  for (let s = 0; s < keys.length; s++) {
    if (!variant.includes(keys[s]!)) continue;
    const positions = new Map<string, number>();
    for (let p = s; p < Math.min(keys.length, s + window); p++) {
      const k = keys[p]!;
      if (variant.includes(k) && !positions.has(k)) positions.set(k, p);
    }
    if (positions.size === variant.length) out.push([...positions.values()].sort((a, b) => a - b));
  }
  return out;
}

/** Negation cues: inside the span (not part of the phrase) or up to `window` tokens before it in the same clause. */
function negation(tokens: readonly Token[], first: number, last: number, used: Set<number>, phraseHasNegator: boolean, window: number): { negated: boolean; cue?: string } {
  if (phraseHasNegator) return { negated: false };
  for (let i = first + 1; i < last; i++) {
    const t = tokens[i]!;
    if (t.clause) break;
    if (t.negator && !used.has(i)) return { negated: true, cue: t.norm };
  }
  for (let b = first - 1; b >= Math.max(0, first - window); b--) {
    if (tokens[b + 1]!.clause) break;
    if (tokens[b]!.negator) return { negated: true, cue: tokens[b]!.norm };
  }
  return { negated: false };
}

// ---------------------------------------------------------------------------
// Documents

/**
 * Finds a concept in a document (or in the sections whose titles match
 * `options.sections`). `found` is true when at least one non-negated,
 * non-excluded match exists.
 */
export function findConcept(doc: MarkdownDoc, concept: Concept | CompiledConcept, options: MatchOptions = {}): ConceptResult {
  const compiled = isCompiled(concept) ? concept : compileConcept(concept, options);
  const { list, scope } = scopeSentences(doc, options);
  const result = matchInSentences(list, compiled, options);
  if (scope) result.scope = scope;
  return result;
}

function isCompiled(c: Concept | CompiledConcept): c is CompiledConcept {
  return 'concept' in c && typeof (c as CompiledConcept).concept === 'object';
}

/** Finds several concepts, compiling each once. */
export function findConcepts(doc: MarkdownDoc, concepts: readonly Concept[], options: MatchOptions = {}): ConceptResult[] {
  const thesaurus = thesaurusFor(options);
  const { list, scope } = scopeSentences(doc, options);
  return concepts.map((c) => {
    const r = matchInSentences(list, compileConcept(c, { ...options, thesaurus, synonyms: {} }), options);
    if (scope) r.scope = scope;
    return r;
  });
}

/** The sentences a search covers: the whole document or the matching sections. */
export function scopeSentences(doc: MarkdownDoc, options: Pick<MatchOptions, 'sections' | 'titles' | 'code' | 'thesaurus' | 'synonyms'> = {}): { list: Sentence[]; scope?: string[] } {
  let list = docSentences(doc);
  let scope: string[] | undefined;
  if (options.sections && options.sections.length > 0) {
    const matched = matchSections(doc, options.sections, options).map((m) => m.section);
    scope = matched.map((s) => s.title);
    const blocks = new Set<number>();
    for (const s of matched) {
      blocks.add(s.titleBlock.index);
      for (const b of s.blocks) blocks.add(b.index);
    }
    list = list.filter((s) => blocks.has(s.block.index));
  }
  if (options.titles === false) list = list.filter((s) => !s.title);
  if (options.code === false) list = list.filter((s) => s.block.type !== 'code');
  return scope ? { list, scope } : { list };
}

/** Matches a compiled concept in a list of sentences (the core of `findConcept`). */
export function matchInSentences(list: readonly Sentence[], compiled: CompiledConcept, options: MatchOptions = {}): ConceptResult {
  const settings = settingsOf(options);
  const near = options.near ?? 1;
  const id = compiled.concept.id;
  const matches: Match[] = [];
  const negated: Match[] = [];
  const excluded: Match[] = [];
  const budget = options.budget ?? newBudget();
  let stopped = budget.exhausted;

  const hitsIn = (s: Sentence, alts: readonly Alternative[]) => {
    const tokens = tokensOf(s);
    const out: Array<{ alt: Alternative; hit: Hit }> = [];
    for (const alt of alts) {
      if (stopped) break;
      const hits = findAlternative(s.text, tokens, alt, settings, budget);
      if (hits === 'budget') stopped = true;
      else for (const hit of hits) out.push({ alt, hit });
    }
    return out;
  };
  const groupPresent = (i: number, group: readonly Alternative[]) => {
    const s = list[i]!;
    for (let j = Math.max(0, i - near); j <= Math.min(list.length - 1, i + near); j++) {
      const o = list[j]!;
      if (o.section !== s.section) continue;
      if (hitsIn(o, group).some((h) => !h.hit.negated)) return true;
    }
    return false;
  };

  list.forEach((s, i) => {
    if (stopped) return;
    let anchors = hitsIn(s, compiled.any);
    if (compiled.any.length === 0 && compiled.all.length > 0) anchors = hitsIn(s, compiled.all[0]!);
    if (anchors.length === 0) return;
    const groups = compiled.any.length === 0 ? compiled.all.slice(1) : compiled.all;
    if (groups.length > 0 && !groups.every((g) => groupPresent(i, g))) return;
    const blocker = hitsIn(s, compiled.not).find((h) => !h.hit.negated);
    // One match per position: an alternative matched as written wins over one matched through a synonym.
    const byStart = new Map<number, { alt: Alternative; hit: Hit }>();
    for (const a of anchors) {
      const prev = byStart.get(a.hit.start);
      if (!prev || a.hit.variant < prev.hit.variant) byStart.set(a.hit.start, a);
    }
    for (const { alt, hit } of [...byStart.values()].sort((a, b) => a.hit.start - b.hit.start)) {
      const m = toMatch(id, alt.source, s, hit);
      if (blocker) {
        m.excludedBy = blocker.alt.source;
        excluded.push(m);
      } else if (hit.negated) negated.push(m);
      else matches.push(m);
    }
  });
  const result: ConceptResult = { concept: id, found: matches.length > 0, matches, negated, excluded };
  if (stopped) result.stopped = budget.limit;
  return result;
}

function toMatch(concept: string, alternative: string, s: Sentence, hit: Hit): Match {
  const start = pointIn(s, hit.start);
  const end = pointIn(s, Math.max(hit.start, hit.end - 1), 1);
  const m: Match = {
    concept,
    alternative,
    text: s.text.slice(hit.start, hit.end),
    sentence: s.text,
    line: start.line,
    column: start.column,
    endLine: end.line,
    endColumn: end.column,
    negated: hit.negated,
    code: s.code,
    synonym: hit.variant > 0,
    index: hit.start,
  };
  if (hit.cue) m.cue = hit.cue;
  if (s.section) m.section = s.section.title;
  return m;
}

/** Line/column of a character of a sentence. */
function pointIn(s: Sentence, index: number, plus = 0): { line: number; column: number } {
  const offset = (s.offsets[Math.min(index, s.offsets.length - 1)] ?? s.start.offset) + plus;
  return blockPoint(s.block, offset);
}

/**
 * Matches a concept against a plain string (no document): returns the hits
 * with offsets into `text`. For claims, captions, table cells, anything that
 * is not a Markdown document.
 */
export function findInText(text: string, concept: Concept | CompiledConcept, options: MatchOptions = {}): Array<{ alternative: string; start: number; end: number; negated: boolean; cue?: string }> {
  const compiled = isCompiled(concept) ? concept : compileConcept(concept, options);
  const tokens = tokenizeText(text);
  const out: Array<{ alternative: string; start: number; end: number; negated: boolean; cue?: string }> = [];
  // A spent budget (options.budget.exhausted) tells the caller the search stopped early.
  const budget = options.budget ?? newBudget();
  for (const alt of compiled.any) {
    const hits = findAlternative(text, tokens, alt, settingsOf(options), budget);
    if (hits === 'budget') break;
    for (const hit of hits) {
      const r: { alternative: string; start: number; end: number; negated: boolean; cue?: string } = { alternative: alt.source, start: hit.start, end: hit.end, negated: hit.negated };
      if (hit.cue) r.cue = hit.cue;
      out.push(r);
    }
  }
  return out.sort((a, b) => a.start - b.start);
}

// ---------------------------------------------------------------------------
// Sections

export interface SectionMatch {
  section: Section;
  /** Share of the pattern's words found in the title, in [0, 1]. */
  score: number;
  /** The pattern that matched best. */
  pattern: string;
  /** How many pattern words were found (more is more specific). */
  words: number;
}

/**
 * Sections whose title matches a pattern, best first. A pattern matches when
 * all its content words (stemmed, synonyms allowed, any order) are in the
 * title, or at least two words and two thirds of them are. `/regex/` patterns
 * are tested on the title as written.
 */
export function matchSections(doc: MarkdownDoc, patterns: readonly string[], options: Pick<MatchOptions, 'thesaurus' | 'synonyms'> = {}): SectionMatch[] {
  const thesaurus = thesaurusFor(options);
  const compiled = patterns.map((p) => compileAlternative(p, thesaurus));
  const out: SectionMatch[] = [];
  for (const section of doc.sections) {
    const titleKeys = titleKeysOf(section);
    let best: SectionMatch | undefined;
    for (const alt of compiled) {
      let score = 0;
      let words = 0;
      if (alt.regex) {
        const hit = searchAll(alt.regex.program, section.title, section.title.length, newBudget());
        if (hit !== 'budget' && hit.length > 0) {
          score = 1;
          words = 1;
        }
      } else {
        for (const v of alt.variants) {
          const found = v.filter((k) => titleKeys.has(k)).length;
          const s = found / v.length;
          if (s > score || (s === score && found > words)) {
            score = s;
            words = found;
          }
        }
      }
      const accepted = score === 1 || (words >= 2 && score >= 2 / 3);
      if (!accepted) continue;
      if (!best || score > best.score || (score === best.score && words > best.words)) best = { section, score, pattern: alt.source, words };
    }
    if (best) out.push(best);
  }
  return out.sort((a, b) => b.score - a.score || b.words - a.words || a.section.index - b.section.index);
}

/** Content keys of a section's title, once per section. */
const titleKeyCache = new WeakMap<Section, Set<string>>();
function titleKeysOf(section: Section): Set<string> {
  let keys = titleKeyCache.get(section);
  if (!keys) {
    keys = new Set(tokenizeText(section.title).filter((t) => !t.stop).map(tokenKey));
    titleKeyCache.set(section, keys);
  }
  return keys;
}

/** The best section whose title matches one of the patterns, if any. */
export function matchSection(doc: MarkdownDoc, patterns: readonly string[], options: Pick<MatchOptions, 'thesaurus' | 'synonyms'> = {}): Section | undefined {
  return matchSections(doc, patterns, options)[0]?.section;
}
