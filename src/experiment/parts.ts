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
 *    `within`, inside the sections found for those other parts ("OOD"
 *    counts as the out-of-distribution split only where the data splits or
 *    the setup are described, not in a predictions table row).
 *
 * Sections titled like `ignore` (Results, Findings) report rather than
 * specify: they are not searched (except for the statements of a part marked
 * `reports`, such as the metrics a results table measures) ("Predictions for undated inscriptions"
 * under Key Results are a model's outputs, not the experiment's
 * predictions).
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
  /** Only look for statements (and labels) inside the sections found for these other parts. */
  within?: string | string[];
  /**
   * Statements count in sections that report (Results, Findings) too: what a
   * results table measures names the metrics as well as a Metrics section.
   */
  reports?: boolean;
  /** Default true: a required part that is missing fails the check. */
  required?: boolean;
  /** Words a section found by its heading must hold (default: the check's). */
  minWords?: number;
  /**
   * What a section found by its heading must say to be this part (a "Data"
   * section is the data splits only when it names a split): patterns as in
   * `statements`, one is enough. Without them, the heading suffices.
   */
  confirm?: string[];
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
  /**
   * Title patterns of sections that are no part of the spec (Results,
   * Findings): they and what they hold are not searched, unless their title
   * also names a part ("Expected results" is the predictions).
   */
  ignore?: string[];
}

function withinOf(part: SpecPart): string[] {
  return part.within === undefined ? [] : Array.isArray(part.within) ? part.within : [part.within];
}

/** Finds every part in the document (see the module comment). */
export function findParts(doc: MarkdownDoc, parts: readonly SpecPart[], options: FindPartsOptions = {}): PartResult[] {
  const matchOptions: MatchOptions = {};
  if (options.synonyms) matchOptions.synonyms = options.synonyms;
  if (options.thesaurus) matchOptions.thesaurus = options.thesaurus;
  const results = new Map<string, PartResult>();

  // 0. Sections that report rather than specify (Results...): left out with everything under them.
  const ignoredBlocks = new Set<number>();
  if (options.ignore?.length) {
    const named = new Set(parts.flatMap((part) => matchSections(doc, part.headings, matchOptions).map((m) => m.section.index)));
    for (const m of matchSections(doc, options.ignore, matchOptions)) {
      if (named.has(m.section.index)) continue;
      ignoredBlocks.add(m.section.titleBlock.index);
      for (const b of m.section.blocks) ignoredBlocks.add(b.index);
    }
  }

  // 1. Headings: best title matches first, a section serves one part.
  const candidates: Array<{ part: number; section: Section; score: number; words: number }> = [];
  parts.forEach((part, i) => {
    for (const m of matchSections(doc, part.headings, matchOptions)) {
      if (!ignoredBlocks.has(m.section.titleBlock.index)) candidates.push({ part: i, section: m.section, score: m.score, words: m.words });
    }
  });
  candidates.sort((a, b) => b.score - a.score || b.words - a.words || a.section.index - b.section.index || a.part - b.part);
  const usedSections = new Set<number>();
  const headed = new Map<number, Section>();
  const confirmers = parts.map((part) => (part.confirm?.length ? compileConcept({ id: `${part.id}:confirm`, any: part.confirm }, matchOptions) : undefined));
  const confirmed = (i: number, section: Section) => {
    const concept = confirmers[i];
    if (!concept) return true;
    return matchInSentences(sentences(section, { titles: false }), concept, matchOptions).found;
  };
  for (const c of candidates) {
    if (headed.has(c.part) || usedSections.has(c.section.index)) continue;
    // A heading that names the part but a body that does not say it: the next candidate may.
    if (!confirmed(c.part, c.section)) continue;
    usedSections.add(c.section.index);
    headed.set(c.part, c.section);
  }
  // A part that sits within another (the OOD split within the data splits) takes a label or list item
  // only inside that part's section; a heading of its own anywhere.
  parts.forEach((part, i) => {
    const section = headed.get(i);
    if (!section || withinOf(part).length === 0 || section.style === 'atx' || section.style === 'setext') return;
    const hosts = withinOf(part).map((id) => headed.get(parts.findIndex((p) => p.id === id))).filter((h): h is Section => h !== undefined);
    if (!hosts.some((host) => sectionWithin(doc, host, section))) headed.delete(i);
  });
  const minWordsOf = (part: SpecPart) => part.minWords ?? options.minWords ?? 6;
  parts.forEach((part, i) => {
    const section = headed.get(i);
    if (!section) return;
    const body = bodyOf(doc, section);
    const { placeholder, remaining } = placeholderCheck(body, minWordsOf(part));
    const base = { part, by: 'heading' as const, section, line: section.start.line, column: section.start.column, evidence: section.title };
    if (body === '') results.set(part.id, { ...base, status: 'empty', reason: 'nothing under it' });
    else if (placeholder) results.set(part.id, { ...base, status: 'empty', reason: `only '${short(body, 40)}'` });
    else if (remaining < minWordsOf(part)) results.set(part.id, { ...base, status: 'empty', reason: `${remaining} word${remaining === 1 ? '' : 's'} ('${short(body, 40)}')` });
    else results.set(part.id, { ...base, status: 'found' });
  });

  // 2. Statements, for parts no heading names; `within` parts after the part they sit in.
  //    Statements are content: a section's title (an empty "Null hypothesis" heading) does not state its part.
  const content = sentences(doc).filter((s) => !s.title);
  const all = content.filter((s) => !ignoredBlocks.has(s.block.index));
  const order = orderByWithin(parts);
  for (const part of order) {
    const done = results.get(part.id);
    if (done && done.status === 'found') continue;
    if (!part.statements || part.statements.length === 0) continue;
    let scope: Sentence[] = part.reports ? content : all;
    if (withinOf(part).length > 0) {
      const hosts = withinOf(part)
        .map((id) => results.get(id))
        .filter((h): h is PartResult & { section: Section } => h !== undefined && h.status === 'found' && h.section !== undefined);
      if (hosts.length === 0) continue;
      scope = scope.filter((s) => hosts.some((host) => inSection(doc, host.section, s)));
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
  return [...parts.filter((p) => withinOf(p).length === 0), ...parts.filter((p) => withinOf(p).length > 0)];
}

/**
 * The text under a section. A label standing alone ("**Predictions (before
 * running):**") owns the list that follows it: list items open sections of
 * their own at the label's level, so they are gathered here.
 */
function bodyOf(doc: MarkdownDoc, section: Section): string {
  const own = section.text.trim();
  if (own !== '' || (section.style !== 'bold-label' && section.style !== 'label' && section.style !== 'question')) return own;
  const items: string[] = [];
  for (let i = section.index + 1; i < doc.sections.length; i++) {
    const next = doc.sections[i]!;
    if (next.style !== 'list-item' || next.level < section.level) break;
    if (next.level === section.level) items.push(`${next.title} ${next.text}`.trim());
  }
  return items.join('\n');
}

const HEADING_STYLES = new Set(['atx', 'setext']);

/**
 * Whether `inner` lies within `host`. A label or list item does not own the
 * headings that follow it (the outline nests a "### Forecast" heading under
 * a preceding "Everything else is frozen:" label): a heading between them
 * ends the host.
 */
function sectionWithin(doc: MarkdownDoc, host: Section, inner: Section | undefined): boolean {
  for (let s = inner; s !== undefined; s = s.parent !== undefined ? doc.sections[s.parent] : undefined) {
    if (s.index === host.index) return true;
    if (HEADING_STYLES.has(s.style) && !HEADING_STYLES.has(host.style)) return false;
  }
  return false;
}

function inSection(doc: MarkdownDoc, section: Section, s: Sentence): boolean {
  if (s.block === section.titleBlock) return true;
  if (!section.blocks.includes(s.block)) return false;
  return sectionWithin(doc, section, s.section);
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
