import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { schemasDir } from './paths.js';

const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

/** One validator factory for the whole tool: draft 2020-12, formats, all errors, defaults filled in. */
export function createAjv(options: { useDefaults?: boolean } = {}): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, strict: false, verbose: true, useDefaults: options.useDefaults ?? false });
  addFormats(ajv);
  return ajv;
}

const shared = createAjv({ useDefaults: true });
const cache = new Map<string, ValidateFunction>();

/** Compiles (once) a schema from the package's `schemas/` folder. */
export function schemaValidator(fileName: string): ValidateFunction {
  let validate = cache.get(fileName);
  if (!validate) {
    const schema = JSON.parse(readFileSync(join(schemasDir, fileName), 'utf8')) as Record<string, unknown>;
    validate = shared.compile(schema);
    cache.set(fileName, validate);
  }
  return validate;
}

/** Compiles (once per schema object) an inline schema, with defaults filled in. */
const inlineCache = new WeakMap<object, ValidateFunction>();
export function inlineValidator(schema: Record<string, unknown>): ValidateFunction {
  let validate = inlineCache.get(schema);
  if (!validate) {
    validate = shared.compile(schema);
    inlineCache.set(schema, validate);
  }
  return validate;
}

/** "Unexpected X, expected Y" wording for one Ajv error. */
export function describeAjvError(error: ErrorObject): string {
  const at = error.instancePath || '/';
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperty':
    case 'additionalProperties':
      return `unknown key '${String(p.additionalProperty)}' at ${at}`;
    case 'required':
      return `missing key '${String(p.missingProperty)}' at ${at}`;
    case 'type':
      return `unexpected type at ${at}, expected ${String(p.type)}`;
    case 'enum':
      return `unexpected value at ${at}, expected one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `unexpected value at ${at}, expected ${JSON.stringify(p.allowedValue)}`;
    case 'format':
      return `unexpected value at ${at}, expected a ${String(p.format)}`;
    case 'pattern':
      return `unexpected value at ${at}, expected a string matching ${String(p.pattern)}`;
    default:
      return `${at} ${error.message ?? 'is invalid'}`;
  }
}

/** Closest candidate by edit distance, for "did you mean" suggestions. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}
