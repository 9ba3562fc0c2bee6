/**
 * Check kind `sections`: an experiment spec has the parts of its template,
 * whatever the headings ("Null hypothesis", "H0", "What we expect if nothing
 * changes"...), found by their title or by what they say (see
 * src/experiment/parts.ts). The parts are rubric data:
 *
 *   kind: sections
 *   options:
 *     file: [experiments/16-pe-compare/spec.md, spec.md]
 *     parts:
 *       - id: null-hypothesis
 *         title: Null hypothesis
 *         headings: ["null hypothesis", "H0", "if nothing changes"]
 *         statements: ["null hypothesis", "H0", "no difference between"]
 *       - id: ood-split
 *         title: Out-of-distribution split
 *         headings: ["out of distribution", "OOD"]
 *         statements: ["out-of-distribution", "OOD", "longer than in training"]
 *         within: data-splits
 *
 * pass: every required part is there and says something; fail: a required
 * part is missing or empty (credit: the share of required parts there);
 * warn: only optional parts are missing. Every part gets a located detail:
 * where it was found and how, where a missing one would go, the heading of
 * an empty one.
 */
import type { Detail } from '../core/types.js';
import { findParts, type PartResult, type SpecPart } from '../experiment/parts.js';
import { findFile, listAlternatives } from '../experiment/files.js';
import { parseMarkdown } from '../markdown/document.js';
import { loadMarkdown } from '../markdown/load.js';
import type { CheckKind } from './kind.js';
import { excerpt, synonymsSchema } from './mentions.js';

export interface SectionsOptions {
  file: string[];
  parts: SpecPart[];
  minWords?: number;
  ignore?: string[];
  synonyms?: Record<string, string[]>;
}

/**
 * A line that ends with a pilcrow (`Setup¶`) is a heading of a rendered page
 * (MkDocs, Sphinx and others print ¶ as the heading's permalink) pasted as
 * text: read as an ATX heading, same line, so locations stay.
 */
export function pilcrowHeadings(source: string): string {
  return source.replace(/^(?![ \t]*(?:[#>|*+-]|\d+[.)]))([^\n¶]{1,100}?)[ \t]*¶[ \t]*$/gm, '## $1');
}

/**
 * A fenced block marked `markdown` or `md` is Markdown the author quoted
 * (a pre-registration pasted into a report): its fence lines are blanked so
 * that its headings and labels are read as the document's, same lines.
 */
export function unfenceMarkdown(source: string): string {
  return source.replace(/^( {0,3})(`{3,}|~{3,})[ \t]*(?:markdown|md)[ \t]*\n([\s\S]*?)^ {0,3}\2[`~]*[ \t]*$/gim, (_all, _indent, _fence, body: string) => `\n${body}`);
}

const patterns = { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } } as const;

export const sectionsOptionsSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  additionalProperties: false,
  required: ['file', 'parts'],
  properties: {
    file: { ...patterns, description: 'The spec, by alternatives: a path, or a file name found in any folder.' },
    parts: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'title', 'headings'],
        properties: {
          id: { type: 'string', minLength: 1 },
          title: { type: 'string', minLength: 1, description: 'Name of the part in messages.' },
          headings: { ...patterns, description: 'Title patterns of a section holding the part.' },
          statements: { ...patterns, description: 'Key statements that show the part where no heading names it.' },
          not: { ...patterns, description: 'Statements that disqualify a sentence.' },
          within: {
            description: 'Look for statements (and labels) only inside the sections found for these other parts.',
            oneOf: [{ type: 'string', minLength: 1 }, { ...patterns }],
          },
          confirm: { ...patterns, description: 'What a section found by its heading must say to be this part (one pattern is enough).' },
          reports: { type: 'boolean', default: false, description: 'Statements count in sections that report (Results) too, as the metrics a results table measures.' },
          required: { type: 'boolean', default: true },
          minWords: { type: 'integer', minimum: 0 },
        },
      },
    },
    minWords: { type: 'integer', minimum: 0, default: 6, description: 'Words a section found by its heading must hold.' },
    ignore: { ...patterns, description: 'Title patterns of sections that report rather than specify (Results, Findings): not searched unless their title names a part.' },
    synonyms: synonymsSchema,
  },
};

function describe(path: string, r: PartResult): Detail {
  const location = { file: path, line: r.line, column: r.column };
  const name = r.part.title;
  if (r.status === 'found') {
    const how = r.by === 'heading' ? `under '${excerpt(r.evidence ?? '', 60)}'` : `stated in "${excerpt(r.evidence ?? '', 80)}"`;
    return { message: `${name}: found ${how}`, location };
  }
  if (r.status === 'empty') return { message: `${name}: the section '${excerpt(r.evidence ?? '', 60)}' is empty: ${r.reason}`, location };
  // Plain phrases read better to a learner than the rubric's /regular expressions/.
  const shown = (patterns: readonly string[]) => {
    const plain = patterns.filter((p) => !p.startsWith('/'));
    return (plain.length > 0 ? plain : patterns).slice(0, 3).map((p) => `'${p}'`).join(', ');
  };
  const looked = `looked for headings ${shown(r.part.headings)}${r.part.statements?.length ? ` and statements ${shown(r.part.statements)}` : ''}`;
  const negated = r.negated?.length ? `; only negated: "${excerpt(r.evidence ?? '', 80)}"` : '';
  const hosts = r.part.within === undefined ? [] : Array.isArray(r.part.within) ? r.part.within : [r.part.within];
  const within = hosts.length > 0 ? ` (its statements count only inside the ${hosts.join(' or ')} part${hosts.length > 1 ? 's' : ''})` : '';
  return { message: `${name}: missing${r.part.required === false ? ' (optional)' : ''}; ${looked}${within}${negated}`, location };
}

export const sectionsKind: CheckKind<SectionsOptions> = {
  name: 'sections',
  summary: "a spec has its template's parts (hypothesis, null hypothesis, splits, OOD split...), found by heading or by what they say",
  targets: ['lab', 'document'],
  optionsSchema: sectionsOptionsSchema,
  async run(ctx, options) {
    const file = ctx.document ?? (await findFile(ctx, options.file));
    if (!file) {
      return { status: 'fail', credit: 0, message: `no spec found: looked for ${listAlternatives(options.file)}`, location: { file: options.file[0]! } };
    }
    const loaded = await loadMarkdown(ctx, file);
    if (!loaded.ok) return loaded.outcome;
    const { path } = loaded;
    const normalised = unfenceMarkdown(pilcrowHeadings(loaded.doc.source));
    const doc = normalised === loaded.doc.source ? loaded.doc : parseMarkdown(normalised, { path });
    const found = findParts(doc, options.parts, {
      minWords: options.minWords ?? 6,
      ...(options.ignore ? { ignore: options.ignore } : {}),
      ...(options.synonyms ? { synonyms: options.synonyms } : {}),
    });
    const details = found.map((r) => describe(path, r));
    const required = found.filter((r) => r.part.required !== false);
    const present = required.filter((r) => r.status === 'found');
    const problems = found.filter((r) => r.status !== 'found');
    const data = {
      file: path,
      parts: found.map((r) => ({ id: r.part.id, status: r.status, ...(r.by ? { by: r.by } : {}), line: r.line, column: r.column })),
    };
    if (problems.length === 0) {
      return { status: 'pass', credit: 1, message: `${path} has all ${found.length} parts of the template`, details, data, location: { file: path } };
    }
    const first = problems.find((r) => r.part.required !== false) ?? problems[0]!;
    const names = problems.map((r) => `${r.part.title} (${r.status === 'empty' ? 'empty' : 'missing'}${r.part.required === false ? ', optional' : ''})`);
    const status = problems.some((r) => r.part.required !== false) ? 'fail' : 'warn';
    const head = `${path} has ${found.length - problems.length} of ${found.length} parts of the template`;
    return {
      status,
      credit: required.length === 0 ? 1 : present.length / required.length,
      message: problems.length === 1 ? `${head}. ${describe(path, first).message}` : `${head}; ${names.join(', ')}. ${describe(path, first).message}`,
      location: { file: path, line: first.line, column: first.column },
      details,
      data,
    };
  },
};
