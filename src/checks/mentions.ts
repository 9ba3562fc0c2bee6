/**
 * Check kind `mentions`: a document (or some of its sections) must mention
 * concepts, however they are worded.
 *
 * Each concept is a list of alternatives matched with the wording-robust
 * matcher of `src/text/` (stemming, synonyms, notation, small gaps, negation
 * awareness; `/regex/` alternatives allowed). Credit is the share of concepts
 * found (full credit once `minimum` is reached). Details give the located
 * evidence for each concept found, one line per concept missing, and negated
 * mentions ("we did not use the interleaved convention") as near-misses.
 *
 * Options:
 * - `file`: the document (default: the verified document, else README.md);
 * - `section`: title patterns; only sections whose title matches are searched;
 * - `concepts`: `[{ id, any: [...], all?: [[...], ...], not?: [...], label? }]`;
 * - `minimum`: how many concepts must be found (default: all);
 * - `synonyms`: extra synonym groups `{ word: [alternatives] }`.
 *
 * Example (rubric YAML):
 *   kind: mentions
 *   options:
 *     file: README.md
 *     concepts:
 *       - id: interleaved
 *         any: ["interleaved", "(2i, 2i+1)", "adjacent pairs"]
 */
import type { CheckOutcome, Detail, Location } from '../core/types.js';
import { loadMarkdown } from '../markdown/load.js';
import { newBudget, type Budget } from '../text/linear.js';
import { findConcepts, type Concept, type ConceptResult, type Match } from '../text/match.js';
import { compileRegex, regexLiteral } from '../text/regex.js';
import type { CheckContext } from './kind.js';
import type { CheckKind } from './kind.js';

export interface MentionsOptions {
  file?: string;
  section?: string[];
  concepts: Concept[];
  minimum?: number;
  synonyms?: Record<string, string[]>;
}

const alternatives = { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } };

/** JSON Schema of one concept, shared with `writeup`. */
export const conceptSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  anyOf: [{ required: ['any'] }, { required: ['all'] }],
  properties: {
    id: { type: 'string', minLength: 1 },
    label: { type: 'string', description: 'Name used in messages (default: the id).' },
    any: { ...alternatives, description: 'Alternatives, one is enough: words, phrases, notation, or /regex/.' },
    all: { type: 'array', minItems: 1, items: alternatives, description: 'Groups that must all appear in the same or a neighbouring sentence.' },
    not: { ...alternatives, description: 'Alternatives that disqualify a sentence.' },
  },
} as const;

/** JSON Schema of rubric synonyms, shared with `writeup`. */
export const synonymsSchema = {
  type: 'object',
  description: 'Extra synonym groups: { word: [alternatives] }.',
  additionalProperties: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
} as const;

export const mentionsOptionsSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  additionalProperties: false,
  required: ['concepts'],
  properties: {
    file: { type: 'string', minLength: 1 },
    section: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
    concepts: { type: 'array', minItems: 1, items: conceptSchema },
    minimum: { type: 'integer', minimum: 1 },
    synonyms: synonymsSchema,
  },
};

export const mentionsKind: CheckKind<MentionsOptions> = {
  name: 'mentions',
  summary: 'a document or section mentions concepts, whatever the wording (synonyms, notation, negation-aware)',
  targets: ['lab', 'document'],
  optionsSchema: mentionsOptionsSchema,
  check(options) {
    return [
      ...(options.section ?? []).flatMap((p, i) => regexProblems(p, ['section', i])),
      ...options.concepts.flatMap((c, i) => conceptRegexProblems(c, ['concepts', i])),
    ];
  },
  async run(ctx, options) {
    const loaded = await loadMarkdown(ctx, options.file);
    if (!loaded.ok) return loaded.outcome;
    const { doc, path } = loaded;
    const budget = newBudget();
    const matchOptions = {
      ...(options.section ? { sections: options.section } : {}),
      ...(options.synonyms ? { synonyms: options.synonyms } : {}),
      budget,
    };
    const results = findConcepts(doc, options.concepts, matchOptions);
    const scope = results[0]?.scope;
    if (options.section && scope && scope.length === 0) {
      const titles = doc.sections.map((s) => `'${s.title}'`);
      return {
        status: 'fail',
        credit: 0,
        message: `${path} has no section titled like ${quoteList(options.section)}${titles.length > 0 ? `; its sections are ${titles.slice(0, 8).join(', ')}${titles.length > 8 ? ', ...' : ''}` : '; it has no headings'}`,
        location: { file: path },
      };
    }
    const outcome = mentionsOutcome(path, options.concepts, results, options.minimum, scope);
    return budget.exhausted ? withBudgetNotice(ctx, outcome, path, budget) : outcome;
  },
};

/** Builds the outcome from match results (exported for kinds that reuse it). */
export function mentionsOutcome(path: string, concepts: readonly Concept[], results: readonly ConceptResult[], minimum: number | undefined, scope?: string[]): CheckOutcome {
  const needed = Math.min(minimum ?? concepts.length, concepts.length);
  const found = results.filter((r) => r.found);
  const missing = results.filter((r) => !r.found);
  const where = scope && scope.length > 0 ? ` (in ${scope.map((s) => `'${s}'`).join(', ')})` : '';
  const label = (id: string) => concepts.find((c) => c.id === id)?.label ?? id;
  const details: Detail[] = [];
  for (const r of results) {
    if (r.found) {
      const m = r.matches[0]!;
      details.push({ message: `mentions ${label(r.concept)}: "${excerpt(m.sentence)}"`, location: matchLocation(path, m), actual: m.text });
    } else {
      const concept = concepts.find((c) => c.id === r.concept)!;
      details.push({ message: `does not mention ${label(r.concept)}`, location: { file: path }, expected: expectedText(concept) });
    }
    for (const n of r.negated.slice(0, 3)) {
      details.push({ message: `near-miss for ${label(r.concept)}: "${excerpt(n.sentence)}" is negated by '${n.cue ?? 'not'}'`, location: matchLocation(path, n), actual: n.text });
    }
    for (const x of r.excluded.slice(0, 2)) {
      details.push({ message: `near-miss for ${label(r.concept)}: "${excerpt(x.sentence)}" also says '${x.excludedBy}'`, location: matchLocation(path, x), actual: x.text });
    }
  }
  const data = { found: found.map((r) => r.concept), missing: missing.map((r) => r.concept), negated: results.filter((r) => !r.found && r.negated.length > 0).map((r) => r.concept) };
  const credit = needed === 0 ? 1 : Math.min(1, found.length / needed);
  if (found.length >= needed) {
    const first = found[0]?.matches[0];
    const evidence = found.length === 1 && first ? ` at ${path}:${first.line}:${first.column}: "${excerpt(first.sentence)}"` : '';
    const which = found.length === concepts.length ? (concepts.length === 1 ? label(found[0]!.concept) : `all ${concepts.length} concepts`) : `${found.length} of ${concepts.length} concepts (${needed} needed)`;
    const outcome: CheckOutcome = { status: 'pass', credit, message: `${path}${where} mentions ${which}${evidence}`, details, data };
    if (first && found.length === 1) outcome.location = matchLocation(path, first);
    return outcome;
  }
  const parts = missing.map((r) => {
    const concept = concepts.find((c) => c.id === r.concept)!;
    const near = r.negated[0] ?? r.excluded[0];
    const nearText = near
      ? `; near-miss at ${path}:${near.line}:${near.column}: "${excerpt(near.sentence)}" ${near.excludedBy ? `also says '${near.excludedBy}'` : `is negated by '${near.cue ?? 'not'}'`}`
      : '';
    return `${label(r.concept)} (expected ${expectedText(concept)})${nearText}`;
  });
  return {
    status: 'fail',
    credit,
    message: `${path}${where} does not mention ${parts.join('; nor ')}${concepts.length > 1 ? ` (${found.length} of ${concepts.length} concepts found, ${needed} needed)` : ''}`,
    location: { file: path },
    details,
    data,
  };
}

/**
 * A search that ran out of steps says so on the finding and as a notice,
 * instead of reporting what it did not reach as missing without a word.
 */
export function withBudgetNotice(ctx: Pick<CheckContext, 'notice'>, outcome: CheckOutcome, path: string, budget: Budget): CheckOutcome {
  const note = `evidence search stopped after ${budget.limit.toLocaleString('en')} steps`;
  ctx.notice({ level: 'warning', message: `${note}: ${path} is too large to search in full; what was not reached is reported missing`, location: { file: path } });
  return { ...outcome, message: `${outcome.message} (${note})`, details: [...(outcome.details ?? []), { message: `${note}: concepts not reached are reported missing`, location: { file: path } }] };
}

/** A `/regex/` alternative the linear-time engine cannot run, as a problem at `path` (rubric load). */
export function regexProblems(value: string, path: Array<string | number>): Array<{ message: string; path: Array<string | number> }> {
  const rx = regexLiteral(value);
  if (!rx) return [];
  const c = compileRegex(rx.source, rx.flags.replace(/[gy]/g, ''));
  return c.ok ? [] : [{ message: `${c.message} at character ${c.offset + 2} of ${value}`, path }];
}

/** Regex problems of every alternative of a concept. */
export function conceptRegexProblems(concept: Concept, path: Array<string | number>): Array<{ message: string; path: Array<string | number> }> {
  return [
    ...(concept.any ?? []).flatMap((a, k) => regexProblems(a, [...path, 'any', k])),
    ...(concept.all ?? []).flatMap((g, j) => g.flatMap((a, k) => regexProblems(a, [...path, 'all', j, k]))),
    ...(concept.not ?? []).flatMap((a, k) => regexProblems(a, [...path, 'not', k])),
  ];
}

/** "'interleaved', '(2i, 2i+1)' or 'adjacent pairs'" (at most five). */
export function expectedText(concept: Concept): string {
  const alts = concept.any ?? concept.all?.map((g) => g.join(' / ')) ?? [];
  const shown = alts.slice(0, 5).map((a) => `'${a}'`);
  if (alts.length > 5) shown.push('...');
  if (shown.length <= 1) return `${shown[0] ?? 'a mention'}`;
  return `one of ${shown.join(', ')}`;
}

export function matchLocation(file: string, m: Match): Location {
  return { file, line: m.line, column: m.column, endLine: m.endLine, endColumn: m.endColumn };
}

/** A sentence shortened for messages, whitespace collapsed. */
export function excerpt(text: string, max = 140): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

function quoteList(items: readonly string[]): string {
  return items.map((i) => `'${i}'`).join(' or ');
}
