/**
 * Check kind `coverage`: does a document make the statements a criterion of
 * the literature needs?
 *
 * A criterion lists its key statements (see `src/verify/statements.ts` for
 * the pattern language); the document covers the criterion when it makes
 * every statement, partly when it makes some, not at all when it makes none:
 *
 * - covered (`pass`): every statement found, none contradicted;
 * - partly covered (`warn`, credit = share of statements found, less one
 *   statement's share when contradicted): some found, or all found but one
 *   contradicted somewhere in the text;
 * - missing (`fail`, credit 0): none found.
 *
 * Statements are credited only from sentences about the rubric's subject
 * (`subject` at the top of the rubric), never from front matter, captions,
 * image text, addresses, paths, headings or code comments, and never from a
 * negated sentence. Details list, per statement, where it is made, that it
 * is missing, where it is denied, and where it is contradicted, each with
 * the quoted sentence and its line.
 *
 * Example (rubric YAML):
 *
 *   kind: coverage
 *   options:
 *     statements:
 *       - id: decay
 *         says: the score decays as the relative distance grows
 *         match:
 *           - long term decay
 *           - (decay* | shrink* | decreas*) ..10 (distance* | apart | offset*)
 */
import type { CheckContext, CheckKind } from './kind.js';
import type { CheckOutcome, Detail, Location, Rubric } from '../core/types.js';
import { newBudget, type Budget } from '../text/linear.js';
import { detectStyle, type DocumentStyle } from '../verify/conventions.js';
import { prepareDocument, type PreparedDocument, type SubjectSpec } from '../verify/document.js';
import { compileStatement, findStatement, type CompiledStatement, type PatternProblem, type StatementResult, type StatementSpec } from '../verify/statements.js';

export interface CoverageOptions {
  statements: StatementSpec[];
  /** Document to read, relative to the root (default: the verified document). */
  file?: string;
}

const patternSchema = {
  oneOf: [
    { type: 'string', minLength: 1 },
    {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      properties: {
        words: { type: 'string', minLength: 1, description: 'Token pattern on the sentence (see src/text/pattern.ts).' },
        math: { type: 'string', minLength: 1, description: 'Regular expression on the compact maths view of the sentence.' },
        near: { type: 'string', minLength: 1, description: 'Token pattern that must also hold in this sentence or a neighbouring one of the same paragraph.' },
        about: { enum: ['subject', 'others', 'any'], description: "Narrows the statement's topic for this pattern." },
      },
    },
  ],
};

const statementSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'says', 'match'],
  properties: {
    id: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]*$' },
    says: { type: 'string', minLength: 1, description: 'The statement in words, for reports.' },
    match: { type: 'array', minItems: 1, items: patternSchema },
    contradicts: { type: 'array', items: patternSchema },
    about: { enum: ['subject', 'others', 'any'], description: 'Which sentences may make it: about the subject (default), about other methods, or any.' },
  },
};

/** The quoted sentence is cut to this many characters in messages. */
const QUOTE_MAX = 160;

const compiled = new WeakMap<StatementSpec[], CompiledStatement[]>();
function statementsOf(options: CoverageOptions): CompiledStatement[] {
  let c = compiled.get(options.statements);
  if (!c) {
    c = options.statements.map((s) => compileStatement(s));
    compiled.set(options.statements, c);
  }
  return c;
}

const NO_SUBJECT: SubjectSpec = { names: [] };

export interface PreparedForCoverage {
  doc: PreparedDocument;
  budget: Budget;
  /** Conventions and notation of the document, for suggestions that fit it. */
  style: DocumentStyle;
}

export const coverageKind: CheckKind<CoverageOptions> = {
  name: 'coverage',
  summary: 'literature coverage: the document makes each key statement of the criterion (patterns over words and notation, about the subject, not negated), with quoted evidence',
  targets: ['document', 'lab'],
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['statements'],
    properties: {
      statements: { type: 'array', minItems: 1, items: statementSchema },
      file: { type: 'string', minLength: 1 },
    },
  },

  check(options: CoverageOptions) {
    const problems: PatternProblem[] = [];
    const ids = new Set<string>();
    options.statements.forEach((s, i) => {
      if (ids.has(s.id)) problems.push({ message: `duplicate statement id '${s.id}'`, path: ['statements', i, 'id'] });
      ids.add(s.id);
      compileStatement(s, problems, ['statements', i]);
    });
    return problems;
  },

  async run(ctx: CheckContext, options: CoverageOptions): Promise<CheckOutcome> {
    const file = options.file ?? ctx.document;
    if (!file) return { status: 'error', message: 'coverage needs a document: use a `target: document` rubric or set options.file' };
    const read = await ctx.files.readText(file);
    if (!read.ok) return { status: 'fail', message: read.message, location: { file } };
    for (const notice of read.notices) ctx.notice(notice);
    const prepared = await ctx.memo<PreparedForCoverage>(`coverage-doc:${file}`, () => prepareForCoverage(read.text, read.path, ctx.rubric));
    const outcome = coverage(prepared, options, ctx.criterion.title);
    if (prepared.budget.exhausted) {
      const reported = await ctx.memo<{ done: boolean }>(`coverage-budget:${file}`, () => ({ done: false }));
      if (!reported.done) {
        reported.done = true;
        ctx.notice({ level: 'warning', message: `evidence search stopped after ${prepared.budget.limit.toLocaleString('en')} steps: ${read.path} is too large to search in full; criteria it did not reach are reported missing`, location: { file: read.path } });
      }
    }
    return outcome;
  },
};

/** Prepares a document for the criteria of one rubric (one step budget for all of them). */
export function prepareForCoverage(text: string, path: string, rubric: Pick<Rubric, 'subject' | 'conventions'>, budget: Budget = newBudget()): PreparedForCoverage {
  const doc = prepareDocument(text, path, rubric.subject ?? NO_SUBJECT, budget);
  return { doc, budget, style: detectStyle(doc, rubric.conventions, budget) };
}

/** The pure part of the kind, for tests and library users. */
export function coverage(prepared: PreparedForCoverage, options: CoverageOptions, title = 'criterion'): CheckOutcome {
  const { doc, budget } = prepared;
  const file = doc.path;
  const results: StatementResult[] = statementsOf(options).map((s) => findStatement(doc, s, budget));
  const found = results.filter((r) => r.found);
  const missing = results.filter((r) => !r.found);
  const contradicted = results.filter((r) => r.contradicted.length > 0);
  const stopped = results.some((r) => r.stopped);
  const k = found.length;
  const n = results.length;
  const status = k === n && contradicted.length === 0 ? 'pass' : k > 0 ? 'warn' : 'fail';
  const at = (e: { line: number; column: number }): Location => ({ file, line: e.line, column: e.column });

  const details: Detail[] = [];
  for (const r of results) {
    if (r.found) details.push({ message: `covered: ${r.says}`, location: at(r.found), actual: quote(r.found.sentence) });
    else details.push({ message: `missing: ${r.says}` });
    if (!r.found) for (const e of r.negated.slice(0, 3)) details.push({ message: `negated: the text states the opposite of "${r.says}" ('${e.cue}')`, location: at(e), actual: quote(e.sentence) });
    for (const e of r.contradicted.slice(0, 3)) details.push({ message: `contradicted: the text says otherwise than "${r.says}"`, location: at(e), actual: quote(e.sentence) });
  }
  if (stopped) details.push({ message: `evidence search stopped after ${budget.limit.toLocaleString('en')} steps: statements not reached are reported missing`, location: { file } });

  let message: string;
  const lines = (list: StatementResult[]) => list.map((r) => `${r.says} (line ${r.found!.line})`).join('; ');
  const denial = missing.flatMap((r) => r.negated.map((e) => ({ r, e })))[0];
  const contradiction = contradicted[0]?.contradicted[0];
  if (status === 'pass') {
    const e = found[0]!.found!;
    message = `Covers ${title}: "${quote(e.sentence, 100)}" (line ${e.line}${n > 1 ? `; ${found.slice(1).map((r) => `line ${r.found!.line}`).join(', ')}` : ''})`;
  } else if (status === 'warn') {
    message = `Partly covers ${title}: found ${lines(found)}`;
    if (missing.length > 0) message += `; missing ${missing.map((r) => r.says).join('; ')}`;
    if (contradiction) message += `; contradicted at line ${contradiction.line} ("${quote(contradiction.sentence, 80)}")`;
  } else {
    message = `Missing ${title}: expected ${missing.map((r) => r.says).join('; ')}`;
    if (denial) message += `; line ${denial.e.line} states the opposite ("${quote(denial.e.sentence, 80)}")`;
    else if (contradiction) message += `; contradicted at line ${contradiction.line} ("${quote(contradiction.sentence, 80)}")`;
  }
  if (stopped) message += ` (evidence search stopped after ${budget.limit.toLocaleString('en')} steps)`;

  const outcome: CheckOutcome = {
    status,
    message,
    details,
    data: {
      statements: results.map((r) => ({
        id: r.id,
        says: r.says,
        status: r.found ? 'found' : r.negated.length > 0 ? 'negated' : 'missing',
        ...(r.found ? { line: r.found.line } : r.negated[0] ? { line: r.negated[0].line } : {}),
        ...(r.contradicted[0] ? { contradictedAt: r.contradicted[0].line } : {}),
      })),
      covered: found.map((r) => r.id),
      missing: missing.map((r) => r.id),
      negated: missing.filter((r) => r.negated.length > 0).map((r) => r.id),
      contradicted: contradicted.map((r) => r.id),
      ...(stopped ? { stoppedAfter: budget.limit } : {}),
      // What findings documents need to name the document and fit their suggestions to it.
      document: { ...(doc.title ? { title: doc.title } : {}), style: prepared.style },
    },
  };
  if (status !== 'pass') outcome.credit = status === 'warn' ? Math.max(0, k - (contradicted.length > 0 ? 1 : 0)) / n : 0;
  const first = found[0]?.found ?? denial?.e ?? contradiction;
  outcome.location = first ? at(first) : { file };
  return outcome;
}

function quote(text: string, max = QUOTE_MAX): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1).trimEnd()}…`;
}
