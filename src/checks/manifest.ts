/**
 * Check kind `manifest`: a JSON manifest parses, follows a JSON Schema, and
 * records the values a lab fixes.
 *
 * Options:
 * - `file` (default `manifest.json`): the manifest, relative to the submission root.
 * - `schema`: a JSON Schema (draft 2020-12) file name in the package's
 *   `schemas/` folder, e.g. `lab02-manifest.schema.json`. Every violation is a
 *   detail located at the offending key (a missing key: at its parent object),
 *   worded "Unexpected X at /path, expected Y".
 * - `constraints`: `{ pointer, equals?, notNull?, type?, message? }` checked on
 *   the parsed value; one detail per violated constraint, with actual and
 *   expected values; credit is the share of constraints that hold.
 * - `whenUnreadable`: what to do when the file is missing, is not text, or is
 *   not valid JSON: `fail` (located at the syntax error) or `skip`.
 *
 * The rule for a missing or unparseable manifest: **the criterion that carries
 * the schema reports it**. So `whenUnreadable` defaults to `fail` when `schema`
 * is set and to `skip` for a constraints-only criterion, whose skip message
 * says why ("manifest.json is not valid JSON (...); reported by the schema
 * check"). A rubric with constraints but no schema criterion should set
 * `whenUnreadable: fail`.
 *
 * Example (rubric YAML):
 *   kind: manifest
 *   options:
 *     schema: lab02-manifest.schema.json
 *   ---
 *   kind: manifest
 *   options:
 *     constraints:
 *       - { pointer: /config/d_head, equals: 16 }
 *       - { pointer: /results_summary/relative_position_max_diff, notNull: true, type: number }
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import { compileValidator } from '../core/ajv.js';
import { schemasDir } from '../core/paths.js';
import type { Detail, Location } from '../core/types.js';
import { getByPointer, parseJsonLocated, type JsonParsed } from '../input/json.js';
import type { CheckContext, CheckKind } from './kind.js';

export type JsonType = 'number' | 'integer' | 'string' | 'boolean' | 'object' | 'array' | 'null';

export interface ManifestConstraint {
  pointer: string;
  equals?: unknown;
  notNull?: boolean;
  type?: JsonType;
  /** Said with the violation, e.g. "the lab fixes d_head = 16". */
  message?: string;
}

export interface ManifestOptions {
  file?: string;
  schema?: string;
  constraints?: ManifestConstraint[];
  whenUnreadable?: 'fail' | 'skip';
}

export const manifestOptionsSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  additionalProperties: false,
  properties: {
    file: { type: 'string', minLength: 1, default: 'manifest.json' },
    schema: { type: 'string', pattern: '^[A-Za-z0-9_.-]+\\.json$', description: 'A schema file name in the schemas/ folder.' },
    constraints: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['pointer'],
        properties: {
          pointer: { type: 'string', pattern: '^(/.*)?$', description: 'A JSON pointer, e.g. /config/d_head.' },
          equals: {},
          notNull: { type: 'boolean' },
          type: { enum: ['number', 'integer', 'string', 'boolean', 'object', 'array', 'null'] },
          message: { type: 'string' },
        },
      },
    },
    whenUnreadable: { enum: ['fail', 'skip'] },
  },
} as const;

/** Validators of the package's schemas (schemas/), by file name. */
const validators = new Map<string, { validate: ValidateFunction; title: string } | { error: string }>();

/** Compiles (once) a schema from the package's schemas folder. */
export function manifestValidator(name: string): { validate: ValidateFunction; title: string } | { error: string } {
  let entry = validators.get(name);
  if (!entry) {
    try {
      if (!/^[A-Za-z0-9_.-]+\.json$/.test(name) || name.includes('..')) throw new Error('not a file name in the schemas folder');
      const schema = JSON.parse(readFileSync(join(schemasDir, name), 'utf8')) as Record<string, unknown>;
      const title = typeof schema.title === 'string' ? schema.title : name;
      entry = { validate: compileValidator(schema, { useDefaults: false }), title };
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
      entry = { error: `schema '${name}' could not be loaded (${reason})` };
    }
    validators.set(name, entry);
  }
  return entry;
}

type Loaded = { ok: true; parsed: JsonParsed } | { ok: false; message: string; location: Location };

/** Reads and parses a JSON file once per submission (shared by every manifest criterion). */
function loadJson(ctx: CheckContext, file: string): Promise<Loaded> {
  return ctx.memo(`manifest:json:${file}`, async (): Promise<Loaded> => {
    const read = await ctx.files.readText(file);
    if (!read.ok) {
      const message = read.problem === 'missing' ? `${file} not found in the submission folder` : read.message;
      return { ok: false, message, location: { file } };
    }
    for (const notice of read.notices) ctx.notice(notice);
    const parsed = parseJsonLocated(read.text, read.path);
    if (!parsed.ok) return { ok: false, message: `${read.path} is not valid JSON: ${parsed.message}`, location: parsed.location };
    for (const duplicate of parsed.duplicates) {
      ctx.notice({ level: 'warning', message: `${read.path} sets ${duplicate.pointer} twice; the last value counts`, location: duplicate.location });
    }
    return { ok: true, parsed };
  });
}

export const manifestKind: CheckKind<ManifestOptions> = {
  name: 'manifest',
  summary: 'a JSON manifest parses, follows a JSON Schema (located violations) and records required values',
  targets: ['lab'],
  optionsSchema: manifestOptionsSchema as unknown as Record<string, unknown>,
  async run(ctx, options) {
    const file = options.file ?? 'manifest.json';
    const constraints = options.constraints ?? [];
    const whenUnreadable = options.whenUnreadable ?? (options.schema ? 'fail' : 'skip');

    let validator: { validate: ValidateFunction; title: string } | undefined;
    if (options.schema) {
      const entry = manifestValidator(options.schema);
      if ('error' in entry) return { status: 'error', message: `rubric problem: ${entry.error}` };
      validator = entry;
    }

    const loaded = await loadJson(ctx, file);
    if (!loaded.ok) {
      if (whenUnreadable === 'skip') {
        return { status: 'skip', message: `not checked: ${loaded.message}${options.schema ? '' : ' (reported by the manifest schema check)'}`, location: loaded.location };
      }
      return { status: 'fail', message: loaded.message, location: loaded.location };
    }
    const { parsed } = loaded;
    const details: Detail[] = [];
    let units = 0;
    let held = 0;
    let schemaProblems: Detail[] = [];

    if (validator) {
      units++;
      // Validate a copy: the manifest is shared with other criteria.
      const valid = validator.validate(structuredClone(parsed.value));
      if (valid) held++;
      else schemaProblems = schemaDetails(validator.validate.errors ?? [], parsed);
      details.push(...schemaProblems);
    }

    const violated: Detail[] = [];
    for (const constraint of constraints) {
      units++;
      const problem = checkConstraint(constraint, parsed);
      if (problem) violated.push(problem);
      else held++;
    }
    details.push(...violated);

    const data = { file, constraintsHeld: constraints.length - violated.length, constraints: constraints.length, schemaErrors: schemaProblems.length };
    if (details.length === 0) {
      const parts: string[] = [];
      if (validator) parts.push(`${file} follows ${validator.title}`);
      if (constraints.length > 0) parts.push(`all ${constraints.length} constraints hold`);
      return { status: 'pass', message: parts.length > 0 ? parts.join('; ') : `${file} is valid JSON`, data };
    }

    const sentences: string[] = [];
    if (schemaProblems.length > 0) {
      const count = schemaProblems.length === 1 ? '1 problem' : `${schemaProblems.length} problems`;
      sentences.push(`${file} does not follow ${validator!.title} (${count}): ${schemaProblems.map((d) => d.message).join('; ')}`);
    }
    if (violated.length > 0) {
      sentences.push(`${violated.length} of ${constraints.length} manifest constraints do not hold: ${violated.map((d) => d.message).join('; ')}`);
    }
    return {
      status: 'fail',
      credit: units > 0 ? held / units : 0,
      message: sentences.join('. '),
      location: details[0]!.location ?? { file },
      details,
      data,
    };
  },
};

/** One located detail per Ajv error, in file order. */
export function schemaDetails(errors: ErrorObject[], parsed: JsonParsed): Detail[] {
  const out: Detail[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    const detail = describe(error, parsed);
    const key = `${detail.message}|${detail.location?.line}|${detail.location?.column}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(detail);
  }
  // Reading order: by position in the file (Ajv reports in schema order).
  return out.sort((a, b) => (a.location?.line ?? 0) - (b.location?.line ?? 0) || (a.location?.column ?? 0) - (b.location?.column ?? 0));
}

function describe(error: ErrorObject, parsed: JsonParsed): Detail {
  const at = error.instancePath || '/';
  const p = error.params as Record<string, unknown>;
  const parent = error.parentSchema as { description?: string; properties?: Record<string, unknown> } | undefined;
  const expectation = parent?.description;
  const actual = show(error.data);
  const location = parsed.locate(error.instancePath);
  switch (error.keyword) {
    case 'required': {
      const key = String(p.missingProperty);
      const childDescription = (parent?.properties?.[key] as { description?: string } | undefined)?.description;
      return {
        message: `Missing key '${key}' at ${at}, expected ${childDescription ?? 'it to be present'}`,
        location,
        actual: 'missing',
        expected: key,
      };
    }
    case 'additionalProperties': {
      const key = String(p.additionalProperty);
      const allowed = Object.keys(parent?.properties ?? {});
      return {
        message: `Unexpected key '${key}' at ${at}${allowed.length ? `, expected one of ${allowed.join(', ')}` : ''}`,
        location: parsed.locate(`${error.instancePath}/${escapePointer(key)}`),
        actual: key,
      };
    }
    case 'type': {
      const wanted = String(p.type).split(',').map(article).join(' or ');
      return { message: `Unexpected ${typeName(error.data)} ${actual} at ${at}, expected ${expectation ?? wanted}`, location, actual, expected: wanted };
    }
    case 'format':
      return { message: `Unexpected value ${actual} at ${at}, expected ${expectation ?? `a ${String(p.format)}`}`, location, actual, expected: String(p.format) };
    case 'pattern':
      return { message: `Unexpected value ${actual} at ${at}, expected ${expectation ?? `a string matching ${String(p.pattern)}`}`, location, actual, expected: String(p.pattern) };
    case 'enum':
      return {
        message: `Unexpected value ${actual} at ${at}, expected one of ${(p.allowedValues as unknown[]).map(show).join(', ')}`,
        location,
        actual,
      };
    case 'const':
      return { message: `Unexpected value ${actual} at ${at}, expected ${show(p.allowedValue)}`, location, actual, expected: show(p.allowedValue) };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { message: `Unexpected value ${actual} at ${at}, expected ${expectation ?? `a number ${String(p.comparison)} ${String(p.limit)}`}`, location, actual, expected: `${String(p.comparison)} ${String(p.limit)}` };
    case 'minLength':
      return { message: `Unexpected empty string at ${at}, expected ${expectation ?? 'a non-empty string'}`, location, actual };
    default:
      return { message: `Unexpected value ${actual} at ${at}: ${error.message ?? 'invalid'}`, location, actual };
  }
}

/** Returns a detail when the constraint does not hold. */
export function checkConstraint(constraint: ManifestConstraint, parsed: JsonParsed): Detail | undefined {
  const { pointer } = constraint;
  const found = getByPointer(parsed.value, pointer);
  const location = parsed.locate(pointer);
  const why = constraint.message ? ` (${constraint.message})` : '';
  const expectedText = describeExpectation(constraint);
  if (!found.found) {
    return { message: `Missing ${pointer}, expected ${expectedText}${why}`, location, actual: 'missing', expected: expectedText };
  }
  const value = found.value;
  const actual = show(value);
  if (constraint.notNull && value === null) {
    return { message: `Unexpected null at ${pointer}, expected ${expectedText}${why}`, location, actual, expected: expectedText };
  }
  if (constraint.type && !(constraint.notNull === false && value === null) && !hasType(value, constraint.type)) {
    return { message: `Unexpected ${typeName(value)} ${actual} at ${pointer}, expected ${expectedText}${why}`, location, actual, expected: expectedText };
  }
  if ('equals' in constraint && !deepEqual(value, constraint.equals)) {
    return { message: `Unexpected ${pointer} = ${actual}, expected ${show(constraint.equals)}${why}`, location, actual, expected: show(constraint.equals) };
  }
  return undefined;
}

function describeExpectation(c: ManifestConstraint): string {
  if ('equals' in c) return show(c.equals);
  if (c.type) return `${article(c.type)}${c.notNull ? ' (not null)' : ''}`;
  if (c.notNull) return 'a value (not null)';
  return 'the key to be present';
}

function hasType(value: unknown, type: JsonType): boolean {
  switch (type) {
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    case 'null':
      return value === null;
    case 'array':
      return Array.isArray(value);
    case 'object':
      return value !== null && typeof value === 'object' && !Array.isArray(value);
  }
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function article(type: string): string {
  switch (type) {
    case 'integer':
      return 'an integer';
    case 'object':
      return 'an object';
    case 'array':
      return 'an array';
    case 'null':
      return 'null';
    default:
      return `a ${type}`;
  }
}

/** Short JSON rendering of a value for messages. */
function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => deepEqual(x, bb[i]));
  }
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  return ka.length === kb.length && ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
