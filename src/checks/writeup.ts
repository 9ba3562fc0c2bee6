/**
 * Check kind `writeup`: a README answers questions, and may report a number.
 *
 * **Questions.** Each question names patterns (`match`) that identify where
 * it is answered: a heading of any style, a bold label, a "Label:" paragraph,
 * a question used as a heading, a labelled list item (titles matched with
 * stemming and synonyms, any order), else a section numbered like the
 * question ("Q4", "4.") whose title has no other words, else, for READMEs
 * without structure, the first sentence that mentions a pattern (the answer is
 * that sentence and the rest of its paragraph). A question is answered when
 * the answer is not empty, is not a placeholder (TODO, TBD, FIXME, lorem
 * ipsum, "...", N/A, "answer here", "<your answer>"), has at least `minWords`
 * words (default 5) and mentions every answer concept (negated mentions do
 * not count). Credit is the share of questions answered.
 *
 * **Number.** With `number`, the README must report a number near one of the
 * `near` phrases (same sentence, same table row, or under a heading that
 * names it): 1e-5, 4.4e-16, 2.2 × 10^-16, 0.0000012... Thresholds the author
 * compares against ("below 1e-5", "the 1e-5 tolerance") are not reports. The
 * number goes to `data.reported` (with its location) for checks that compare
 * it with measured values; it fails when none is found or when it is not
 * below `max`.
 *
 * Example (rubric YAML):
 *   kind: writeup
 *   options:
 *     questions:
 *       - id: why-not-v
 *         prompt: Why does V not get rotated?
 *         match: ["why does v not get rotated", "why v is not rotated"]
 *         answer: { minWords: 8 }
 *     number: { name: Block B max diff, near: ["max diff", "maximum difference"], max: 1.0e-5 }
 */
import type { CheckOutcome, Detail, Location } from '../core/types.js';
import { sentences, type MarkdownDoc, type Section, type Sentence } from '../markdown/document.js';
import { loadMarkdown } from '../markdown/load.js';
import { compileConcept, matchInSentences, matchSections, type Concept, type MatchOptions } from '../text/match.js';
import { findNumbers, formatNumber, type FoundNumber } from '../text/numbers.js';
import { phraseKeys } from '../text/thesaurus.js';
import { wordCount } from '../text/tokenize.js';
import type { CheckKind } from './kind.js';
import { conceptRegexProblems, conceptSchema, excerpt, expectedText, matchLocation, regexProblems, synonymsSchema, withBudgetNotice } from './mentions.js';
import { newBudget } from '../text/linear.js';

export interface WriteupQuestion {
  id: string;
  prompt: string;
  match: string[];
  answer?: { concepts?: Concept[]; minWords?: number };
}

export interface WriteupNumber {
  name: string;
  near: string[];
  max?: number;
}

export interface WriteupOptions {
  file?: string;
  questions?: WriteupQuestion[];
  number?: WriteupNumber;
  synonyms?: Record<string, string[]>;
}

export const writeupOptionsSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  additionalProperties: false,
  anyOf: [{ required: ['questions'] }, { required: ['number'] }],
  properties: {
    file: { type: 'string', minLength: 1 },
    questions: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'prompt', 'match'],
        properties: {
          id: { type: 'string', minLength: 1 },
          prompt: { type: 'string', minLength: 1, description: 'The question as the lab asks it, for messages.' },
          match: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 }, description: 'Patterns that identify the section, label or list item answering it.' },
          answer: {
            type: 'object',
            additionalProperties: false,
            properties: {
              concepts: { type: 'array', items: conceptSchema },
              minWords: { type: 'integer', minimum: 0, default: 5 },
            },
          },
        },
      },
    },
    number: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'near'],
      properties: {
        name: { type: 'string', minLength: 1 },
        near: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
        max: { type: 'number', description: 'The reported number must be below this.' },
      },
    },
    synonyms: synonymsSchema,
  },
};

export const writeupKind: CheckKind<WriteupOptions> = {
  name: 'writeup',
  summary: 'a README answers questions (any heading style, no placeholders, key concepts) and reports a number',
  targets: ['lab', 'document'],
  optionsSchema: writeupOptionsSchema,
  check(options) {
    return [
      ...(options.questions ?? []).flatMap((q, i) => [
        ...q.match.flatMap((m, k) => regexProblems(m, ['questions', i, 'match', k])),
        ...(q.answer?.concepts ?? []).flatMap((c, k) => conceptRegexProblems(c, ['questions', i, 'answer', 'concepts', k])),
      ]),
      ...(options.number?.near ?? []).flatMap((m, k) => regexProblems(m, ['number', 'near', k])),
    ];
  },
  async run(ctx, options) {
    const loaded = await loadMarkdown(ctx, options.file);
    if (!loaded.ok) return loaded.outcome;
    const { doc, path } = loaded;
    const budget = newBudget();
    const matchOptions: MatchOptions = { ...(options.synonyms ? { synonyms: options.synonyms } : {}), budget };
    const outcome = gradeWriteup(doc, path, options, matchOptions);
    return budget.exhausted ? withBudgetNotice(ctx, outcome, path, budget) : outcome;
  },
};

/** Questions and number, each weighing the same when both are asked. */
function gradeWriteup(doc: MarkdownDoc, path: string, options: WriteupOptions, matchOptions: MatchOptions): CheckOutcome {
  const parts: CheckOutcome[] = [];
  if (options.questions?.length) parts.push(gradeQuestions(doc, path, options.questions, matchOptions));
  if (options.number) parts.push(gradeNumber(doc, path, options.number, matchOptions));
  if (parts.length === 1) return parts[0]!;
  const q = options.questions?.length ?? 0;
  const credit = ((parts[0]!.credit ?? 0) * q + (parts[1]!.status === 'pass' ? 1 : 0)) / (q + 1);
  const failed = parts.filter((p) => p.status !== 'pass');
  return {
    status: failed.length === 0 ? 'pass' : 'fail',
    credit,
    message: (failed.length > 0 ? failed : parts).map((p) => p.message).join('; '),
    details: parts.flatMap((p) => p.details ?? []),
    data: Object.assign({}, ...parts.map((p) => p.data ?? {})),
    location: { file: path },
  };
}

// ---------------------------------------------------------------------------
// Questions

/** What was found for one question. */
interface Answer {
  /** Where the answer is: a section, or a sentence of an unstructured README. */
  section?: Section;
  sentence?: Sentence;
  /** Answer text (body) and its sentences. */
  text: string;
  sentences: Sentence[];
  location: Location;
  /** For messages: "section '4. Why V is not rotated'" or "the sentence 'V is not rotated...'". */
  where: string;
}

/** Placeholders that mean "not answered yet". */
const PLACEHOLDER_PHRASES = [
  /\bTODO\b:?/gi,
  /\bTBD\b/gi,
  /\bTBC\b/gi,
  /\bFIXME\b/gi,
  /\bXXX\b/g,
  /\bN\/A\b/gi,
  /\b(?:write |put )?(?:your )?answer (?:goes )?here\b/gi,
  /<\s*your [^>]*>/gi,
  /\[\s*your [^\]]*\]/gi,
  /\byour answer\b/gi,
  /\bfill (?:this )?in\b/gi,
  /\bcoming soon\b/gi,
  /\bto be (?:done|written|completed|added|continued)\b/gi,
  /\bwork in progress\b|\bWIP\b/g,
  /\blorem\b.*/gi,
  /(?:\.\s*){3,}|…/g,
  // Excuses instead of answers: "will finish this later", "ran out of time", "I did not get to this".
  /\b(?:I|we)?\s*(?:will|'ll|shall|plan to|need to|have to|going to)\s+(?:finish|complete|do|write|add|fill in|answer|come back to|get to|update)\b(?: (?:this|it|that|the rest|the answer))?(?: later| soon| tomorrow| eventually)?/gi,
  /\b(?:I|we)?\s*(?:ran|run|running|have run) out of time\b/gi,
  /\b(?:I|we)?\s*(?:did not|didn't|could not|couldn't|have not|haven't|had no|have no|did not have|didn't have)\s+(?:get to|got to|time(?: to)?|manage to|finish|do|write|answer)(?: (?:this|it|that|this part|this one|to it|to this))?\b/gi,
  /\bnot (?:yet )?(?:done|finished|answered|written|completed)(?: yet)?\b/gi,
  /\b(?:sorry|apologies)\b/gi,
];

/** Whether a text is only placeholders, and how many words remain without them (also used by the `sections` kind). */
export function placeholderCheck(text: string, minWords: number): { placeholder: boolean; remaining: number } {
  let rest = text;
  let placeholder = false;
  for (const p of PLACEHOLDER_PHRASES) {
    rest = rest.replace(p, () => {
      placeholder = true;
      return ' ';
    });
  }
  const remaining = wordCount(rest);
  return { placeholder: placeholder && remaining < Math.max(minWords, 1), remaining };
}

export function gradeQuestions(doc: MarkdownDoc, path: string, questions: readonly WriteupQuestion[], matchOptions: MatchOptions): CheckOutcome {
  const answers = locateAnswers(doc, path, questions, matchOptions);
  const details: Detail[] = [];
  const problems: string[] = [];
  const answered: string[] = [];
  questions.forEach((q, i) => {
    const name = `Question ${i + 1} '${q.prompt}'`;
    const a = answers[i];
    const minWords = q.answer?.minWords ?? 5;
    let problem: string | undefined;
    let location: Location = { file: path };
    if (!a) {
      problem = `${name} is unanswered: no section, label or sentence of ${path} addresses it (looked for ${q.match
        .slice(0, 4)
        .map((m) => `'${m}'`)
        .join(', ')})`;
    } else {
      location = a.location;
      const at = `${path}:${a.location.line}:${a.location.column}`;
      const body = a.text.trim();
      const { placeholder, remaining } = placeholderCheck(body, minWords);
      if (body === '') {
        problem = `${name} is unanswered: ${a.where} at ${at} is empty`;
      } else if (placeholder) {
        problem = `${name} is unanswered: ${a.where} at ${at} contains only '${excerpt(body, 60)}'`;
      } else if (remaining < minWords) {
        problem = `${name} is not really answered: ${a.where} at ${at} has ${remaining} word${remaining === 1 ? '' : 's'} ('${excerpt(body, 60)}'), expected at least ${minWords}`;
      } else {
        const missing: string[] = [];
        for (const concept of q.answer?.concepts ?? []) {
          const r = matchInSentences(a.sentences, compileConcept(concept, matchOptions), matchOptions);
          if (r.found) continue;
          const near = r.negated[0];
          missing.push(
            `${concept.label ?? concept.id} (expected ${expectedText(concept)})${near ? `; "${excerpt(near.sentence, 80)}" at ${path}:${near.line}:${near.column} is negated by '${near.cue ?? 'not'}'` : ''}`,
          );
          if (near) details.push({ message: `near-miss for question ${i + 1}: "${excerpt(near.sentence)}" is negated`, location: matchLocation(path, near) });
        }
        if (missing.length > 0) problem = `${name} is answered in ${a.where} at ${at} but the answer does not mention ${missing.join(', nor ')}`;
      }
    }
    if (problem) {
      problems.push(problem);
      details.push({ message: problem, location });
    } else {
      answered.push(q.id);
      details.push({ message: `${name} is answered in ${a!.where}`, location });
    }
  });
  const credit = answered.length / questions.length;
  const data = { answered, unanswered: questions.filter((q) => !answered.includes(q.id)).map((q) => q.id) };
  if (problems.length === 0) {
    return { status: 'pass', credit: 1, message: `${path} answers all ${questions.length} question${questions.length === 1 ? '' : 's'}`, details, data, location: { file: path } };
  }
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more: ${data.unanswered.slice(1).join(', ')})` : '';
  return {
    status: 'fail',
    credit,
    message: `${path} answers ${answered.length} of ${questions.length} questions. ${capitalise(problems[0]!)}${more}`,
    location: details.find((d) => d.message === problems[0])?.location ?? { file: path },
    details,
    data,
  };
}

/**
 * Assigns a section (or, failing that, a sentence) to every question. Best
 * title matches are assigned first; a section answers one question.
 */
function locateAnswers(doc: MarkdownDoc, path: string, questions: readonly WriteupQuestion[], matchOptions: MatchOptions): Array<Answer | undefined> {
  const candidates: Array<{ q: number; section: Section; score: number; words: number }> = [];
  questions.forEach((q, qi) => {
    for (const m of matchSections(doc, q.match, matchOptions)) candidates.push({ q: qi, section: m.section, score: m.score, words: m.words });
    // "## Q4" / "**4.**": numbered like the question, no other words in the title.
    for (const s of doc.sections) {
      if (s.number === String(qi + 1) && wordCount(s.titleText.replace(/\b(?:question|answer|q)\b/gi, '')) === 0) candidates.push({ q: qi, section: s, score: 0.5, words: 0 });
    }
  });
  candidates.sort((a, b) => b.score - a.score || b.words - a.words || b.section.level - a.section.level || a.q - b.q);
  const assigned = new Array<Answer | undefined>(questions.length);
  const used = new Set<number>();
  for (const c of candidates) {
    if (assigned[c.q] || used.has(c.section.index)) continue;
    used.add(c.section.index);
    assigned[c.q] = sectionAnswer(path, c.section);
  }
  // Unstructured READMEs: the first sentence that mentions the question, outside sections already used.
  const usedBlocks = new Set<number>();
  for (const i of used) {
    const s = doc.sections[i]!;
    usedBlocks.add(s.titleBlock.index);
    for (const b of s.blocks) usedBlocks.add(b.index);
  }
  const all = sentences(doc).filter((s) => !s.title);
  questions.forEach((q, qi) => {
    if (assigned[qi]) return;
    const concept = compileConcept({ id: q.id, any: q.match }, matchOptions);
    const free = all.filter((s) => !usedBlocks.has(s.block.index));
    const r = matchInSentences(free, concept, matchOptions);
    // The most specific pattern wins ("norm preservation" over "norm"), then words as written, then the earliest.
    const size = (alt: string) => phraseKeys(alt).length;
    const m = [...r.matches].sort((a, b) => size(b.alternative) - size(a.alternative) || Number(a.synonym) - Number(b.synonym))[0];
    if (!m) return;
    const sentence = free.find((s) => s.start.line <= m.line && s.end.line >= m.line && s.text === m.sentence)!;
    const rest = all.filter((s) => s.block === sentence.block && s.start.offset >= sentence.start.offset);
    assigned[qi] = {
      sentence,
      text: rest.map((s) => s.text).join(' '),
      sentences: rest,
      location: { file: path, line: sentence.start.line, column: sentence.start.column },
      where: `the sentence '${excerpt(sentence.text, 60)}'`,
    };
  });
  return assigned;
}

function sectionAnswer(path: string, section: Section): Answer {
  return {
    section,
    text: section.text,
    sentences: sentences(section, { titles: false }),
    location: { file: path, line: section.start.line, column: section.start.column },
    where: `section '${section.title}'`,
  };
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

// ---------------------------------------------------------------------------
// Reported number

/** Words that make a number a threshold rather than a report: "below 1e-5", "< 1e-5", "the 1e-5 tolerance". */
const THRESHOLD_BEFORE = /(?:<|≤|<=|≪|below|under|less than|smaller than|lower than|within|tolerance|threshold|atol|rtol|eps|limit|target|should be|must be|required|requires|than)\s*(?:of|the|a|is|=|:)?\s*(?:the\s+)?[~≈]?\s*$/i;
const THRESHOLD_AFTER = /^\s*(?:tolerance|threshold|limit|bound|target|required|requirement|cut-?off)\b/i;

interface NumberCandidate {
  number: FoundNumber;
  sentence: Sentence;
  score: number;
}

export function gradeNumber(doc: MarkdownDoc, path: string, spec: WriteupNumber, matchOptions: MatchOptions): CheckOutcome {
  const near = compileConcept({ id: 'near', any: spec.near }, matchOptions);
  const all = sentences(doc);
  /** Near-phrase hits of a sentence: where they end, and whether they matched through a synonym. */
  const hitsBy = new Map<Sentence, Array<{ end: number; synonym: boolean; priority: number }>>();
  const hitsOf = (s: Sentence) => {
    let h = hitsBy.get(s);
    if (!h) {
      const r = matchInSentences([s], near, matchOptions);
      // Earlier phrases of `near` are the more specific ones ("max diff" before "relative position").
      h = [...r.matches, ...r.negated].map((m) => ({ end: m.index + m.text.length, synonym: m.synonym, priority: spec.near.length - spec.near.indexOf(m.alternative) }));
      hitsBy.set(s, h);
    }
    return h;
  };
  const firstSentenceOfBlock = new Map<number, Sentence>();
  for (const x of all) if (!firstSentenceOfBlock.has(x.block.index)) firstSentenceOfBlock.set(x.block.index, x);
  const titleSentence = (section: Section) => firstSentenceOfBlock.get(section.titleBlock.index);
  const titleHits = new Map<number, boolean>();
  const exactTitle = (section: Section | undefined) => {
    const t = section && titleSentence(section);
    return t ? hitsOf(t).some((h) => !h.synonym) : false;
  };
  const ancestorTitle = (section: Section | undefined): boolean => {
    if (!section) return false;
    let v = titleHits.get(section.index);
    if (v === undefined) {
      const t = titleSentence(section);
      v = (t !== undefined && hitsOf(t).length > 0) || ancestorTitle(section.parent !== undefined ? doc.sections[section.parent] : undefined);
      titleHits.set(section.index, v);
    }
    return v;
  };

  const candidates: NumberCandidate[] = [];
  let closest: Sentence | undefined;
  let closestRank = 0;
  all.forEach((s, i) => {
    const hits = hitsOf(s);
    if (hits.length > 0 && !s.title) {
      // The sentence that names the quantity, preferably under a heading that names it too.
      const rank = 2 * Math.max(...hits.map((h) => h.priority)) + (ancestorTitle(s.section) ? 1 : 0);
      if (rank > closestRank) {
        closest = s;
        closestRank = rank;
      }
    }
    const numbers = findNumbers(s.text).filter((n) => isReport(s.text, n));
    if (numbers.length === 0) return;
    const firstOfSection = s.section !== undefined && s.section.blocks[0] === s.block && (i === 0 || all[i - 1]!.block !== s.block);
    for (const n of numbers) {
      // Same sentence, closest after the phrase; a phrase matched as written beats a synonym ("max error").
      const sameSentence = hits.map((h) => (h.synonym ? 150 : 0) + Math.min(400, n.start >= h.end ? n.start - h.end : 2 * (h.end - n.end) + 40));
      let score = sameSentence.length > 0 ? 1000 - Math.min(...sameSentence) : 0;
      if (firstOfSection && exactTitle(s.section)) score = Math.max(score, 950);
      else if (s.block.row !== undefined && all.some((o) => o.block.row === s.block.row && o !== s && hitsOf(o).length > 0)) score = Math.max(score, 800);
      else if (i > 0 && all[i - 1]!.block === s.block && hitsOf(all[i - 1]!).length > 0) score = Math.max(score, 700);
      else if (ancestorTitle(s.section)) score = Math.max(score, 600);
      if (score > 0) candidates.push({ number: n, sentence: s, score: score + (n.real ? 0 : -300) });
    }
  });
  candidates.sort((a, b) => b.score - a.score || a.sentence.start.offset - b.sentence.start.offset);
  const best = candidates[0];
  const nearList = spec.near.slice(0, 4).map((w) => `'${w}'`).join(', ');
  if (!best) {
    const hint = closest ? `; "${excerpt(closest.text, 90)}" at ${path}:${closest.start.line}:${closest.start.column} names it without a number` : '';
    return {
      status: 'fail',
      credit: 0,
      message: `${path} reports no number for the ${spec.name}: expected a value such as 4.4e-16 near ${nearList}${hint}`,
      location: closest ? { file: path, line: closest.start.line, column: closest.start.column } : { file: path },
      data: { reported: null, name: spec.name },
    };
  }
  const s = best.sentence;
  const start = s.offsets[best.number.start]!;
  const point = doc.pointAt(start);
  const location: Location = { file: path, line: point.line, column: point.column, endLine: point.line, endColumn: point.column + best.number.raw.length };
  const value = best.number.value;
  const data = { reported: value, raw: best.number.raw, name: spec.name, location };
  const shown = `${best.number.raw}${formatNumber(value) !== best.number.raw ? ` (${formatNumber(value)})` : ''}`;
  if (spec.max !== undefined && !(Math.abs(value) < spec.max)) {
    return {
      status: 'fail',
      credit: 0,
      message: `${path} reports the ${spec.name} as ${shown} at ${path}:${point.line}:${point.column}, expected a value below ${formatNumber(spec.max)}: "${excerpt(s.text, 100)}"`,
      location,
      data,
    };
  }
  return {
    status: 'pass',
    credit: 1,
    message: `${path} reports the ${spec.name} as ${shown} at ${path}:${point.line}:${point.column}${spec.max !== undefined ? `, below ${formatNumber(spec.max)}` : ''}`,
    location,
    details: [{ message: `"${excerpt(s.text)}"`, location }],
    data,
  };
}

/** A number the author reports, not a threshold, a list marker or a position like "(3, 7)". */
function isReport(text: string, n: FoundNumber): boolean {
  const before = text.slice(Math.max(0, n.start - 24), n.start);
  const after = text.slice(n.end, n.end + 24);
  if (THRESHOLD_BEFORE.test(before) || THRESHOLD_AFTER.test(after)) return false;
  if (!n.real) {
    // Integers count only as an exact zero stated as the result ("max diff: 0").
    return n.value === 0 && /(?:[:=]|\bis|\bwas|\bof)\s*$/i.test(before);
  }
  return true;
}
