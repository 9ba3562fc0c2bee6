/**
 * The parts of an experiment spec (hypothesis, null hypothesis, shared setup,
 * variants, data splits, the out-of-distribution split, metrics,
 * predictions, why, what it does not prove), found whatever the author
 * called them.
 *
 * A part is data (`SpecPart`): title patterns for its heading and key
 * statements for its content. It is found
 *
 * 1. **by its heading**: a section of any style (ATX or setext heading, bold
 *    label, "Label:" paragraph, labelled list item, see src/markdown) whose
 *    title matches one of `headings`. The best title matches are assigned
 *    first and a section serves one part by its title ("Null hypothesis"
 *    goes to the null hypothesis, not to the hypothesis). Such a section
 *    must say something: empty, a placeholder (TODO, TBD...) or fewer than
 *    `minWords` words is reported as empty, at its heading.
 * 2. **by what it says**, when no heading names it: the first sentence,
 *    table row or list item that states one of `statements` (not negated,
 *    not disqualified by `not`), anywhere in the document or, with
 *    `within`, inside the section found for that other part ("OOD" counts
 *    as the out-of-distribution split only where the data splits are
 *    described, not in a predictions table row).
 *
 * A part found neither way is missing, located where it would go: after the
 * part that precedes it in the template, else at the top of the file.
 */
import { placeholderCheck } from '../checks/writeup.js';
import { sentences, type MarkdownDoc, type Section, type Sentence } from '../markdown/document.js';
import { compileConcept, matchInSentences, matchSections, type Match, type MatchOptions } from '../text/match.js';

export interface SpecPart {
  id: string;
  /** Name in messages ("Null hypothesis"). */
  title: string;
  /** Title patterns of a section that holds the part (words, any order, stemmed; `/regex/` on the title as written). */
  headings: string[];
  /** Key statements that show the part where no heading names it. */
  statements?: string[];
  /** Statements that disqualify a sentence ("null hypothesis" for the hypothesis). */
  not?: string[];
  /** Only look for statements inside the section found for this other part. */
  within?: string;
  /** Default true: a required part that is missing fails the check. */
  required?: boolean;
  /** Words a section found by its heading must hold (default: the check's). */
  minWords?: number;
}

export type PartStatus = 'found' | 'empty' | 'missing';

export interface PartResult {
  part: SpecPart;
  status: PartStatus;
  /** How it was found. */
  by?: 'heading' | 'statement';
  /** The section holding it (by heading: that section; by statement: the innermost section of the sentence, if any). */
  section?: Section;
  /** Where it is (found, empty) or would go (missing). */
  line: number;
  column: number;
  /** The heading or the sentence that shows it. */
  evidence?: string;
  /** Statements found only negated ("we do not use an OOD split"). */
  negated?: Match[];
  /** For empty parts: why ("3 words", "only 'TBD'"). */
  reason?: string;
}

export interface FindPartsOptions extends MatchOptions {
  /** Words a section must hold to count (default 6). */
  minWords?: number;
}

/** Finds every part in the document (see the module comment). */
export function findParts(doc: MarkdownDoc, parts: readonly SpecPart[], options: FindPartsOptions = {}): PartResult[] {
  const matchOptions: MatchOptions = {};
  if (options.synonyms) matchOptions.synonyms = options.synonyms;
  if (options.thesaurus) matchOptions.thesaurus = options.thesaurus;
  const results = new Map<string, PartResult>();

  // 1. Headings: best title matches first, a section serves one part.
  const candidates: Array<{ part: number; section: Section; score: number; words: number }> = [];
  parts.forEach((part, i) => {
    for (const m of matchSections(doc, part.headings, matchOptions)) candidates.push({ part: i, section: m.section, score: m.score, words: m.words });
  });
  candidates.sort((a, b) => b.score - a.score || b.words - a.words || a.section.index - b.section.index || a.part - b.part);
  const usedSections = new Set<number>();
  const headed = new Map<number, Section>();
  for (const c of candidates) {
    if (headed.has(c.part) || usedSections.has(c.section.index)) continue;
    usedSections.add(c.section.index);
    headed.set(c.part, c.section);
  }
  // A part that sits within another (the OOD split within the data splits) takes a label or list item
  // only inside that part's section; a heading of its own anywhere.
  parts.forEach((part, i) => {
    const section = headed.get(i);
    if (!section || !part.within || section.style === 'atx' || section.style === 'setext') return;
    const hostIndex = parts.findIndex((p) => p.id === part.within);
    const host = headed.get(hostIndex);
    if (!host || !sectionWithin(host, section)) headed.delete(i);
  });
  const minWordsOf = (part: SpecPart) => part.minWords ?? options.minWords ?? 6;
  parts.forEach((part, i) => {
    const section = headed.get(i);
    if (!section) return;
    const body = section.text.trim();
    const { placeholder, remaining } = placeholderCheck(body, minWordsOf(part));
    const base = { part, by: 'heading' as const, section, line: section.start.line, column: section.start.column, evidence: section.title };
    if (body === '') results.set(part.id, { ...base, status: 'empty', reason: 'nothing under it' });
    else if (placeholder) results.set(part.id, { ...base, status: 'empty', reason: `only '${short(body, 40)}'` });
    else if (remaining < minWordsOf(part)) results.set(part.id, { ...base, status: 'empty', reason: `${remaining} word${remaining === 1 ? '' : 's'} ('${short(body, 40)}')` });
    else results.set(part.id, { ...base, status: 'found' });
  });

  // 2. Statements, for parts no heading names; `within` parts after the part they sit in.
  //    Statements are content: a section's title (an empty "Null hypothesis" heading) does not state its part.
  const all = sentences(doc).filter((s) => !s.title);
  const order = orderByWithin(parts);
  for (const part of order) {
    const done = results.get(part.id);
    if (done && done.status === 'found') continue;
    if (!part.statements || part.statements.length === 0) continue;
    let scope: Sentence[] = all;
    if (part.within) {
      const host = results.get(part.within);
      if (!host || host.status !== 'found' || !host.section) continue;
      scope = all.filter((s) => inSection(host.section!, s));
    }
    const concept = compileConcept({ id: part.id, any: part.statements, ...(part.not ? { not: part.not } : {}) }, matchOptions);
    const r = matchInSentences(scope, concept, matchOptions);
    const m = r.matches.find((x) => !x.code) ?? r.matches[0];
    if (m) {
      const sentence = scope.find((s) => s.text === m.sentence && s.start.line <= m.line && s.end.line >= m.line);
      const found: PartResult = { part, status: 'found', by: 'statement', line: m.line, column: m.column, evidence: m.sentence.trim() };
      const section = sentence?.section;
      if (section) found.section = section;
      // A heading that named the part but held nothing is superseded by the statement found elsewhere.
      results.set(part.id, found);
      continue;
    }
    if (!done && r.negated.length > 0) {
      const first = r.negated[0]!;
      results.set(part.id, { part, status: 'missing', line: first.line, column: first.column, negated: r.negated, evidence: first.sentence.trim() });
    }
  }

  // 3. Missing parts: where they would go.
  return parts.map((part, i) => {
    const r = results.get(part.id);
    if (r && r.status !== 'missing') return r;
    const where = placeFor(doc, parts, i, results);
    const missing: PartResult = { part, status: 'missing', line: where.line, column: 1 };
    if (r?.negated) {
      missing.negated = r.negated;
      missing.line = r.line;
      missing.column = r.column;
      if (r.evidence) missing.evidence = r.evidence;
    }
    return missing;
  });
}

/** Parts with `within` after the part they sit in (one level is enough for a template). */
function orderByWithin(parts: readonly SpecPart[]): SpecPart[] {
  return [...parts.filter((p) => !p.within), ...parts.filter((p) => p.within)];
}

function sectionWithin(host: Section, inner: Section): boolean {
  return inner.index === host.index || host.blocks.includes(inner.titleBlock);
}

function inSection(section: Section, s: Sentence): boolean {
  if (s.block === section.titleBlock) return true;
  return section.blocks.includes(s.block);
}

/** The line after the nearest earlier part that was found, else line 1. */
function placeFor(doc: MarkdownDoc, parts: readonly SpecPart[], index: number, results: Map<string, PartResult>): { line: number } {
  for (let i = index - 1; i >= 0; i--) {
    const r = results.get(parts[i]!.id);
    if (r && r.status !== 'missing') {
      const end = r.section && r.by === 'heading' ? r.section.end.line : r.line;
      return { line: Math.min(end + 1, doc.source.split('\n').length) };
    }
  }
  return { line: 1 };
}

function short(text: string, max: number): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}
