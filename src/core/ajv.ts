import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Ajv2020, ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import { schemasDir } from './paths.js';

/**
 * JSON Schema validation for the whole tool: draft 2020-12, formats, all
 * errors, verbose errors (they carry the failing schema, for located
 * messages). The schemas shipped with the package (schemas/*.json, the check
 * kinds' option schemas, the curriculum schema) are compiled to standalone
 * validator code when the package is built (src/build/postbuild.ts writes
 * dist/precompiled-validators/), so grading does not load or run Ajv's
 * compiler; any other schema, or a shipped one changed after the build, is
 * compiled here on first use. Both paths validate alike (tested).
 */

// Ajv and ajv-formats are CommonJS: loaded synchronously, and only when a schema has to be compiled.
const require = createRequire(import.meta.url);

/** Where the build put the precompiled validators (dist/precompiled-validators/; absent when running from src/). */
export const precompiledDir = fileURLToPath(new URL('../precompiled-validators/', import.meta.url));

/** A validator compiled with or without filling in the schema's defaults. */
export interface ValidatorOptions {
  useDefaults: boolean;
}

/** One validator factory: the options every validator of the tool is compiled with, at build time too. */
export function createAjv(options: { useDefaults?: boolean; source?: boolean } = {}): Ajv2020 {
  const { Ajv2020: Ajv } = require('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js');
  const formats = require('ajv-formats') as { default?: (ajv: Ajv2020) => Ajv2020 } & ((ajv: Ajv2020) => Ajv2020);
  const ajv = new Ajv({
    allErrors: true,
    strict: false,
    verbose: true,
    useDefaults: options.useDefaults ?? false,
    ...(options.source ? { code: { source: true } } : {}),
  });
  (formats.default ?? formats)(ajv);
  return ajv;
}

/** The name of a schema's precompiled validator: a digest of the schema and the options. */
export function validatorKey(schema: object, options: ValidatorOptions): string {
  return createHash('sha256').update(JSON.stringify([options.useDefaults, schema])).digest('hex').slice(0, 24);
}

/** A precompiled validator from `dir`, or undefined when there is none (or it does not load). */
export function loadPrecompiled(dir: string, key: string): ValidateFunction | undefined {
  try {
    const loaded = require(join(dir, `${key}.cjs`)) as ValidateFunction & { default?: ValidateFunction };
    return loaded.default ?? loaded;
  } catch {
    return undefined;
  }
}

const ajvs = new Map<boolean, Ajv2020>();
const compiled = new Map<string, ValidateFunction>();

/** The validator of a schema: precompiled when the build made one for exactly this schema, else compiled once. */
export function compileValidator(schema: Record<string, unknown>, options: ValidatorOptions): ValidateFunction {
  const key = validatorKey(schema, options);
  let validate = compiled.get(key);
  if (!validate) {
    validate = loadPrecompiled(precompiledDir, key);
    if (!validate) {
      let ajv = ajvs.get(options.useDefaults);
      if (!ajv) {
        ajv = createAjv({ useDefaults: options.useDefaults });
        ajvs.set(options.useDefaults, ajv);
      }
      validate = ajv.compile(schema);
    }
    compiled.set(key, validate);
  }
  return validate;
}

const fileCache = new Map<string, ValidateFunction>();

/** The validator (defaults filled in) of a schema from the package's `schemas/` folder. */
export function schemaValidator(fileName: string): ValidateFunction {
  let validate = fileCache.get(fileName);
  if (!validate) {
    const schema = JSON.parse(readFileSync(join(schemasDir, fileName), 'utf8')) as Record<string, unknown>;
    validate = compileValidator(schema, { useDefaults: true });
    fileCache.set(fileName, validate);
  }
  return validate;
}

/** The validator (defaults filled in) of an inline schema, once per schema object. */
const inlineCache = new WeakMap<object, ValidateFunction>();
export function inlineValidator(schema: Record<string, unknown>): ValidateFunction {
  let validate = inlineCache.get(schema);
  if (!validate) {
    validate = compileValidator(schema, { useDefaults: true });
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
