/**
 * The thin layer between the `coverage` check kind and the shared matcher
 * (`src/text/match.ts` over `src/markdown/document.ts`).
 *
 * The shared matcher does the real work: stemmed phrases with small gaps,
 * synonyms, notation normalisation (θ = theta = \theta, `**` = `^`,
 * `1/base^(2i/d)` = `base^(-2i/d)` = `10000**(-2*i/d)`), `/regex/`
 * alternatives tested on the sentence as written, section scopes and
 * negation. This adapter adds what literature coverage needs on top:
 *
 * - `any` and `all` are two independent ways to find a concept (the shared
 *   matcher treats `all` as an extra condition on an `any` match): a prompt
 *   may state "extrapolation" in one word, or say "trained on 512 tokens ...
 *   run on 2048" in a sentence that names no single keyword;
 * - a negation cue anywhere earlier in the same clause (up to eight words
 *   back) also negates: "RoPE is not compatible with linear attention such
 *   as the Performer" is no evidence for "Performer";
 * - body sentences are preferred to headings as evidence;
 * - a flag telling that a section scope matched no section at all.
 */
import { parseMarkdown, type MarkdownDoc } from '../markdown/document.js';
import { compileConcept, findConcept, type CompiledConcept, type Concept, type Match } from '../text/match.js';
import { NEGATORS } from '../text/tokenize.js';

export interface ConceptSpec {
  id: string;
  /** Readable name for messages (default: the id). */
  label?: string;
  /** Alternatives: words, phrases, notation, or `/regex/flags` (tested on the sentence as written). One is enough. */
  any: string[];
  /** Another way to find the concept: one alternative of every group in the same sentence (or the next). */
  all?: string[][];
  /** Alternatives that disqualify a sentence. */
  not?: string[];
}

export interface Evidence {
  sentence: string;
  line: number;
  column: number;
  /** The alternative that matched. */
  alternative: string;
  /** Title of the innermost section holding the sentence. */
  section?: string;
}

export interface ConceptResult {
  /** Non-negated matches, body sentences first, then in document order. */
  matches: Evidence[];
  /** Negated matches (near misses), in document order. */
  negated: Evidence[];
  /** True when a section scope was given and no section matched it. */
  scopeMissing: boolean;
}

export interface ParsedDocument {
  path: string;
  doc: MarkdownDoc;
  /** Lines holding a section title, to rank evidence. */
  titleLines: Set<number>;
}

/** Parses a document once (input already normalised to LF by the input layer). */
export function parseDocument(text: string, path: string): ParsedDocument {
  const doc = parseMarkdown(text, { path });
  return { path, doc, titleLines: new Set(doc.sections.map((s) => s.start.line)) };
}

/** Where a concept is stated in the document, and where it is only mentioned under a negation. */
export function conceptEvidence(
  parsed: ParsedDocument,
  concept: ConceptSpec,
  options: { sections?: string[]; synonyms?: Record<string, string[]> } = {},
): ConceptResult {
  const base: Omit<Concept, 'any' | 'all'> = { id: concept.id, ...(concept.not ? { not: concept.not } : {}) };
  const searches: Concept[] = [{ ...base, any: concept.any }];
  if (concept.all && concept.all.length > 0) searches.push({ ...base, all: concept.all });

  const matches: Match[] = [];
  const negated: Match[] = [];
  let scopeMissing = false;
  for (const [index, search] of searches.entries()) {
    const r = findConcept(parsed.doc, compiled(concept, index, search, options.synonyms), options);
    if (r.scope !== undefined && r.scope.length === 0) scopeMissing = true;
    for (const m of r.matches) (clauseNegated(m) ? negated : matches).push(m);
    negated.push(...r.negated);
  }
  const order = (a: Match, b: Match) => a.line - b.line || a.column - b.column;
  const isTitle = (m: Match) => Number(parsed.titleLines.has(m.line));
  return {
    matches: dedupe(matches.sort(order)).sort((a, b) => isTitle(a) - isTitle(b)).map(evidence),
    negated: dedupe(negated.sort(order)).map(evidence),
    scopeMissing,
  };
}

const compiledCache = new WeakMap<ConceptSpec, Map<string, CompiledConcept>>();

/** Compiles each search of a rubric concept once (rubric options are stable objects). */
function compiled(concept: ConceptSpec, index: number, search: Concept, synonyms: Record<string, string[]> | undefined): CompiledConcept {
  let perConcept = compiledCache.get(concept);
  if (!perConcept) {
    perConcept = new Map();
    compiledCache.set(concept, perConcept);
  }
  const key = `${index}|${synonyms ? JSON.stringify(synonyms) : ''}`;
  let c = perConcept.get(key);
  if (!c) {
    c = compileConcept(search, synonyms ? { synonyms } : {});
    perConcept.set(key, c);
  }
  return c;
}

/** Words a clause-wide negation looks back over. */
const CLAUSE_WINDOW = 8;
const NOT_NEGATING_NEXT = new Set(['only', 'just', 'merely', 'necessarily']);

/** True when a negation cue precedes the match in its clause (beyond the shared matcher's short window). */
function clauseNegated(m: Match): boolean {
  const at = m.sentence.indexOf(m.text);
  if (at <= 0) return false;
  if ([...NEGATORS].some((n) => new RegExp(`\\b${n}\\b`, 'i').test(m.alternative))) return false;
  const before = m.sentence.slice(0, at);
  const clause = before.split(/[,;:()]|\b(?:but|while|whereas|although|though|however|yet)\b/i).pop() ?? '';
  const words = (clause.toLowerCase().replace(/n't\b/g, ' not').match(/[\p{L}']+/gu) ?? []).slice(-CLAUSE_WINDOW);
  return words.some((w, i) => NEGATORS.has(w.replace(/'/g, '')) && !NOT_NEGATING_NEXT.has(words[i + 1] ?? ''));
}

function dedupe(list: Match[]): Match[] {
  const seen = new Set<string>();
  return list.filter((m) => {
    const key = `${m.line}:${m.column}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function evidence(m: Match): Evidence {
  const e: Evidence = { sentence: m.sentence, line: m.line, column: m.column, alternative: m.alternative };
  if (m.section) e.section = m.section;
  return e;
}
