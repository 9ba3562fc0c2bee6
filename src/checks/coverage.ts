/**
 * Check kind `coverage`: literature coverage of one criterion in a document.
 *
 * A criterion lists concepts; each concept is a list of alternatives (words
 * and phrases matched after stemming, with synonyms; `/regex/` for notation)
 * and optionally groups that must all occur in one sentence. A concept is
 * found when one sentence of the document (or of the sections named by
 * `section`) matches it outside a negation: "attention does not decay" is a
 * near miss, not coverage.
 *
 * - covered (`pass`): at least `minimum` concepts found (default: all);
 * - partly covered (`warn`, credit = share found): at least `partial` (default 1);
 * - missing (`fail`): fewer.
 *
 * Every found concept is reported as a Detail with the quoted sentence and
 * its line, so a reader can check the evidence.
 *
 * Example (rubric YAML):
 *
 *   kind: coverage
 *   options:
 *     section: [history, background]
 *     concepts:
 *       - id: sinusoidal
 *         label: sinusoidal encodings
 *         any: [sinusoidal, "sine/cosine"]
 */
import type { CheckContext, CheckKind } from './kind.js';
import type { CheckOutcome, Detail, Location } from '../core/types.js';
import { conceptEvidence, parseDocument, type ConceptSpec, type Evidence, type ParsedDocument } from '../verify/match.js';

export interface CoverageOptions {
  concepts: ConceptSpec[];
  /** Concepts needed for `pass` (default: all). */
  minimum?: number;
  /** Concepts needed for `warn` (default 1). */
  partial?: number;
  /** Section title patterns; when set, only those sections count. */
  section?: string[];
  /** Extra synonyms: word -> alternatives. */
  synonyms?: Record<string, string[]>;
  /** Document to read, relative to the root (default: the verified document). */
  file?: string;
}

const conceptSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'any'],
  properties: {
    id: { type: 'string', minLength: 1 },
    label: { type: 'string', minLength: 1 },
    any: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
    all: { type: 'array', items: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } } },
    not: { type: 'array', items: { type: 'string', minLength: 1 } },
  },
};

/** The quoted sentence is cut to this many characters in messages. */
const QUOTE_MAX = 160;

export const coverageKind: CheckKind<CoverageOptions> = {
  name: 'coverage',
  summary: 'literature coverage: the document states every concept of the criterion (stemming, synonyms, notation, negation-aware), with quoted evidence',
  targets: ['document', 'lab'],
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['concepts'],
    properties: {
      concepts: { type: 'array', minItems: 1, items: conceptSchema },
      minimum: { type: 'integer', minimum: 1 },
      partial: { type: 'integer', minimum: 1 },
      section: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
      synonyms: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string', minLength: 1 } } },
      file: { type: 'string', minLength: 1 },
    },
  },

  async run(ctx: CheckContext, options: CoverageOptions): Promise<CheckOutcome> {
    const file = options.file ?? ctx.document;
    if (!file) return { status: 'error', message: 'coverage needs a document: use a `target: document` rubric or set options.file' };
    const read = await ctx.files.readText(file);
    if (!read.ok) return { status: 'fail', message: read.message, location: { file } };
    for (const notice of read.notices) ctx.notice(notice);
    const doc = await ctx.memo<ParsedDocument>(`coverage-doc:${file}`, () => parseDocument(read.text, read.path));
    return coverage(doc, options, ctx.criterion.title);
  },
};

/** The pure part of the kind, for tests and library users. */
export function coverage(doc: ParsedDocument, options: CoverageOptions, title = 'criterion'): CheckOutcome {
  const concepts = options.concepts;
  const scope = options.section ? { sections: options.section } : {};
  const file = doc.path;
  const found: Array<{ concept: ConceptSpec; evidence: Evidence }> = [];
  const missing: ConceptSpec[] = [];
  const nearMisses: Array<{ concept: ConceptSpec; evidence: Evidence }> = [];
  let scopeMissing = false;

  for (const concept of concepts) {
    const result = conceptEvidence(doc, concept, { ...scope, ...(options.synonyms ? { synonyms: options.synonyms } : {}) });
    if (result.scopeMissing) scopeMissing = true;
    const first = result.matches[0];
    if (first) found.push({ concept, evidence: first });
    else {
      missing.push(concept);
      const near = result.negated[0];
      if (near) nearMisses.push({ concept, evidence: near });
    }
  }

  const need = Math.min(options.minimum ?? concepts.length, concepts.length);
  const partial = Math.min(options.partial ?? 1, need);
  const k = found.length;
  const status = k >= need ? 'pass' : k >= partial ? 'warn' : 'fail';
  const at = (e: Evidence): Location => ({ file, line: e.line, column: e.column });
  const name = (c: ConceptSpec) => c.label ?? c.id;

  const details: Detail[] = [];
  for (const { concept, evidence } of found) {
    details.push({ message: `covered: ${name(concept)}`, location: at(evidence), actual: quote(evidence.sentence) });
  }
  for (const concept of missing) {
    // Regular expressions make poor examples for a reader: show words and phrases only.
    const examples = [...concept.any, ...(concept.all ?? []).map((g) => g.join('/'))]
      .filter((a) => !/^\/.+\/[a-z]*$/s.test(a))
      .slice(0, 4)
      .map((a) => `'${a}'`);
    details.push({ message: `missing: ${name(concept)}${examples.length > 0 ? ` (for example ${examples.join(', ')})` : ''}` });
  }
  for (const { concept, evidence } of nearMisses) {
    details.push({ message: `negated mention of ${name(concept)} does not count`, location: at(evidence), actual: quote(evidence.sentence) });
  }

  const where = options.section ? ` in a section titled like ${options.section.map((s) => `'${s}'`).join(' or ')}` : '';
  let message: string;
  if (status === 'pass') {
    const e = found[0]!.evidence;
    message = `Covers ${title}: "${quote(e.sentence, 100)}" (line ${e.line}${found.length > 1 ? ` and ${found.length - 1} more` : ''})`;
  } else if (status === 'warn') {
    message = `Partly covers ${title}: found ${found.map((f) => name(f.concept)).join(', ')}; missing ${missing.map(name).join(', ')}${where}`;
  } else if (scopeMissing && options.section) {
    message = `Missing ${title}: no section titled like ${options.section.map((s) => `'${s}'`).join(' or ')}, expected one stating ${missing.map(name).join(', ')}`;
  } else {
    message = `Missing ${title}: expected ${missing.map(name).join(', ')}${where}`;
    if (nearMisses.length > 0) {
      const n = nearMisses[0]!.evidence;
      message += `; the mention at line ${n.line} is negated ("${quote(n.sentence, 80)}")`;
    }
  }

  const outcome: CheckOutcome = {
    status,
    message,
    details,
    data: {
      covered: found.map((f) => f.concept.id),
      missing: missing.map((c) => c.id),
      negated: nearMisses.map((n) => n.concept.id),
    },
  };
  if (status !== 'pass') outcome.credit = concepts.length === 0 ? 0 : status === 'warn' ? k / concepts.length : 0;
  const firstFound = found[0];
  if (firstFound) outcome.location = at(firstFound.evidence);
  else if (nearMisses[0]) outcome.location = at(nearMisses[0].evidence);
  else outcome.location = { file };
  return outcome;
}

function quote(text: string, max = QUOTE_MAX): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1).trimEnd()}…`;
}
