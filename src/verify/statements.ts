/**
 * Statements: what a criterion's evidence must say, and where a document
 * says it.
 *
 * A statement (rubric data) is one claim, e.g. "the score depends only on
 * m − n", with the patterns that express it:
 *
 *   - id: depends-on-offset
 *     says: the attention score depends only on the relative offset
 *     match:
 *       - (depend* | function) ..8 (relative (position* | offset*) | offset*)
 *       - math: '(^|[^a-z])r(\^d)?(_\(|\(|_)\(?(theta,)?\(?[a-z0-9]-[a-z0-9]'
 *       - { words: long* (input* | text*), near: better performance }
 *     contradicts:
 *       - extrapolat* ..2 (issue* | problem*)
 *     about: subject        # subject (default), others, any; a pattern object may narrow it
 *
 * A pattern is a token pattern (`src/text/pattern.ts`) on the sentence's
 * words, and/or (`math:`) a regular expression on its compact maths view
 * (notation normalised, no spaces, lower case: `R_{\Theta,n-m}` reads
 * `r_(theta,n-m)`, `x cos θ − y sin θ` reads `xcostheta-ysintheta`),
 * and/or (`near:`) a token pattern that must hold in the same sentence or
 * the one before or after it in the same paragraph. All parts of one
 * pattern must hold; one pattern is enough.
 *
 * A match counts when its sentence is about the statement's topic (see
 * `document.ts`), and it is not negated: no negation cue (not, no, never,
 * cannot, without, fails, instead of...) inside the matched words or up to eight words
 * before them in the same clause, unless the pattern says the negation
 * itself ("no fixed maximum"). A negated match is reported ("states the
 * opposite"). A sentence matching a `contradicts` pattern is reported as a
 * contradiction and never counts for the statement.
 *
 * All matching runs in linear time against one step budget per document;
 * when the budget is spent the search stops and says so.
 */
import type { Budget, Span } from '../text/linear.js';
import { compilePattern, patternSearch, type TokenPattern } from '../text/pattern.js';
import { compileRegex, regexSearch, type SafeRegex } from '../text/regex.js';
import { NEGATORS, type Token } from '../text/tokenize.js';
import type { PreparedDocument, Unit } from './document.js';

export type About = 'subject' | 'others' | 'any';

export type PatternSpec = string | { words?: string; math?: string; near?: string; about?: About };

export interface StatementSpec {
  id: string;
  says: string;
  match: PatternSpec[];
  contradicts?: PatternSpec[];
  about?: About;
}

interface CompiledPattern {
  source: string;
  words?: TokenPattern;
  math?: SafeRegex;
  near?: TokenPattern;
  /** The pattern says a negation itself ("no fixed maximum"): never flipped. */
  ownNegation: boolean;
  /** Narrower topic for this pattern than its statement's. */
  about?: About;
}

export interface CompiledStatement {
  spec: StatementSpec;
  match: CompiledPattern[];
  contradicts: CompiledPattern[];
}

export interface PatternProblem {
  message: string;
  /** Path below the statement list: [index, 'match', k, 'math'] etc. */
  path: Array<string | number>;
}

/** Compiles a statement; problems are returned with their path, nothing throws. */
export function compileStatement(spec: StatementSpec, problems: PatternProblem[] = [], at: Array<string | number> = []): CompiledStatement {
  const one = (p: PatternSpec, path: Array<string | number>): CompiledPattern | undefined => {
    const parts = typeof p === 'string' ? { words: p } : p;
    const out: CompiledPattern = { source: typeof p === 'string' ? p : [p.words, p.math && `math: ${p.math}`, p.near && `near: ${p.near}`].filter(Boolean).join('; '), ownNegation: false };
    if (!parts.words && !parts.math) {
      problems.push({ message: 'a pattern needs `words` or `math`', path });
      return undefined;
    }
    for (const key of ['words', 'near'] as const) {
      const src = parts[key];
      if (src === undefined) continue;
      const c = compilePattern(src);
      if (!c.ok) problems.push({ message: `${c.message} at character ${c.offset + 1} of '${src}'`, path: typeof p === 'string' ? path : [...path, key] });
      else out[key] = c.pattern;
      if (key === 'words' && src.toLowerCase().split(/[^a-z']+/).some((w) => NEGATORS.has(w.replace(/'/g, '')) || w.endsWith("n't"))) out.ownNegation = true;
    }
    if (typeof p !== 'string' && p.about) out.about = p.about;
    if (parts.math !== undefined) {
      const c = compileRegex(parts.math, '');
      if (!c.ok) problems.push({ message: `${c.message} at character ${c.offset + 1} of '${parts.math}'`, path: [...path, 'math'] });
      else out.math = c.regex;
    }
    return out;
  };
  const match = spec.match.map((p, k) => one(p, [...at, 'match', k])).filter((p): p is CompiledPattern => p !== undefined);
  const contradicts = (spec.contradicts ?? []).map((p, k) => one(p, [...at, 'contradicts', k])).filter((p): p is CompiledPattern => p !== undefined);
  return { spec, match, contradicts };
}

export interface Evidence {
  /** The sentence as written (excluded parts blanked). */
  sentence: string;
  line: number;
  column: number;
  /** The pattern that matched. */
  pattern: string;
  /** For negated evidence: the cue ("not", "cannot"). */
  cue?: string;
}

export interface StatementResult {
  id: string;
  says: string;
  /** First place the statement is made (about the right topic, not negated, not contradicted). */
  found?: Evidence;
  /** Places it is denied. */
  negated: Evidence[];
  /** Places the text says something that contradicts it. */
  contradicted: Evidence[];
  /** The budget ran out before the whole document was searched. */
  stopped: boolean;
}

/** Words a clause-wide negation looks back over. */
const NEGATION_WINDOW = 8;

/** Where a statement is made, denied or contradicted in a prepared document. */
export function findStatement(doc: PreparedDocument, statement: CompiledStatement, budget: Budget): StatementResult {
  const result: StatementResult = { id: statement.spec.id, says: statement.spec.says, negated: [], contradicted: [], stopped: false };
  const about = statement.spec.about ?? 'subject';
  const units = doc.units;
  for (let i = 0; i < units.length; i++) {
    const u = units[i]!;
    if (u.kind === 'title' || u.kind === 'reference') continue;
    if (!topicFits(about, u)) continue;
    let contradicted = false;
    for (const p of statement.contradicts) {
      if (p.about && !topicFits(p.about, u)) continue;
      const hit = matchIn(units, i, p, budget);
      if (hit === 'budget') return stop(result);
      if (hit && !hit.cue) {
        result.contradicted.push(evidence(doc, u, hit, p));
        contradicted = true;
        break;
      }
    }
    if (contradicted || result.found) continue;
    let denied = false;
    for (const p of statement.match) {
      if (p.about && !topicFits(p.about, u)) continue;
      const hit = matchIn(units, i, p, budget);
      if (hit === 'budget') return stop(result);
      if (!hit) continue;
      if (hit.cue) {
        // One report per sentence; another pattern may still find the statement made in it.
        if (!denied && result.negated.length < 5) result.negated.push(evidence(doc, u, hit, p));
        denied = true;
        continue;
      }
      result.found = evidence(doc, u, hit, p);
      break;
    }
  }
  return result;
}

/** How many sentences make the statement (not negated, about its topic): for telling conventions apart. */
export function countStatement(doc: PreparedDocument, statement: CompiledStatement, budget: Budget): number {
  const about = statement.spec.about ?? 'subject';
  let n = 0;
  doc.units.forEach((u, i) => {
    if (u.kind === 'title' || u.kind === 'reference' || !topicFits(about, u)) return;
    for (const p of statement.match) {
      if (p.about && !topicFits(p.about, u)) continue;
      const hit = matchIn(doc.units, i, p, budget);
      if (hit && hit !== 'budget' && !hit.cue) {
        n++;
        return;
      }
    }
  });
  return n;
}

/** `subject`: not about other methods only; `others`: about other methods (or both); `any`. */
function topicFits(about: About, u: Unit): boolean {
  if (about === 'subject') return u.topic !== 'others';
  if (about === 'others') return u.topic === 'others' || u.topic === 'both';
  return true;
}

function stop(r: StatementResult): StatementResult {
  r.stopped = true;
  return r;
}

interface Hit {
  /** Character range in the unit's text. */
  start: number;
  end: number;
  cue?: string;
}

/** A pattern in unit `i` (its `near` part in the same or a neighbouring unit of the same group). */
function matchIn(units: readonly Unit[], i: number, p: CompiledPattern, budget: Budget): Hit | null | 'budget' {
  const u = units[i]!;
  let hit: Hit | null = null;
  if (p.words) {
    const r = patternSearch(p.words, u.tokens, budget);
    if (r === 'budget') return r;
    if (r === null) return null;
    // Stop words skipped before an optional first item are no part of the evidence.
    let first = r.start;
    while (first < r.end - 1 && u.tokens[first]!.stop) first++;
    hit = { start: u.tokens[first]!.sourceStart, end: u.tokens[r.end - 1]!.sourceEnd };
    if (!p.ownNegation) {
      const cue = negation(u.tokens, r);
      if (cue) hit.cue = cue;
    }
  }
  if (p.math) {
    const r = regexSearch(p.math, u.math.text, budget);
    if (r === 'budget') return r;
    if (r === null) return null;
    if (!hit) {
      hit = { start: u.math.map[r.start]!, end: u.math.ends[Math.max(r.start, r.end - 1)]! };
      // A formula in a denied clause is denied too: "it does not depend on m - n".
      const first = u.tokens.findIndex((t) => t.sourceEnd > hit!.start);
      if (first >= 0) {
        const cue = negation(u.tokens, { start: first, end: first + 1 });
        if (cue) hit.cue = cue;
      }
    }
  }
  if (p.near) {
    let ok = false;
    for (const j of [i, i - 1, i + 1]) {
      const v = units[j];
      if (!v || v.group !== u.group || v.kind === 'title' || v.kind === 'reference') continue;
      const r = patternSearch(p.near, v.tokens, budget);
      if (r === 'budget') return r;
      if (r !== null && !negation(v.tokens, r)) {
        ok = true;
        break;
      }
    }
    if (!ok) return null;
  }
  return hit;
}

/** A negation cue inside the match or up to NEGATION_WINDOW tokens before it in the same clause ("instead of" too). */
function negation(tokens: readonly Token[], span: Span): string | undefined {
  const cue = (k: number) => (tokens[k]!.negator ? tokens[k]!.norm : tokens[k]!.norm === 'instead' && tokens[k + 1]?.norm === 'of' ? 'instead of' : undefined);
  for (let k = span.start + 1; k < span.end; k++) {
    if (tokens[k]!.clause) break;
    const c = cue(k);
    if (c) return c;
  }
  for (let b = span.start - 1; b >= Math.max(0, span.start - NEGATION_WINDOW); b--) {
    if (tokens[b + 1]!.clause) break;
    const c = cue(b);
    if (c) return c;
  }
  return undefined;
}

function evidence(doc: PreparedDocument, u: Unit, hit: Hit, p: CompiledPattern): Evidence {
  const at = doc.pointAt(u.offsets[Math.min(hit.start, u.offsets.length - 1)]!);
  const e: Evidence = { sentence: u.text, line: at.line, column: at.column, pattern: p.source };
  if (hit.cue) e.cue = hit.cue;
  return e;
}
