/**
 * Runs after `tsc` in `npm run build`:
 * - marks the CLI executable (tsc writes dist/cli/bin.js without the bit, and
 *   npx runs the link npm made to it);
 * - precompiles every JSON Schema the package ships into
 *   dist/precompiled-validators/ (see src/core/ajv.ts): a single `grade` then
 *   skips loading Ajv's compiler and compiling about 20 schemas (about 0.4 s),
 *   and so does every grading thread of a batch.
 */
import { chmodSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { precompiledDir } from '../core/ajv.js';
import { schemasDir } from '../core/paths.js';
import { precompileValidators, type PrecompileEntry } from '../core/precompile.js';
import { defaultRegistry } from '../checks/registry.js';
import { curriculumSchema } from '../verify/curriculum.js';

/** Every schema the tool validates with at run time, with the options it uses there. */
export function shippedSchemas(): PrecompileEntry[] {
  const entries: PrecompileEntry[] = [];
  for (const file of readdirSync(schemasDir).filter((name) => name.endsWith('.json')).sort()) {
    const schema = JSON.parse(readFileSync(join(schemasDir, file), 'utf8')) as Record<string, unknown>;
    // The tool validates with draft 2020-12 only (other drafts in schemas/ serve the tests' own validators).
    if (typeof schema.$schema === 'string' && !schema.$schema.includes('2020-12')) continue;
    // schemaValidator() fills defaults in; the manifest check validates learners' files without touching them.
    entries.push({ schema, useDefaults: true, source: `schemas/${file}` }, { schema, useDefaults: false, source: `schemas/${file}` });
  }
  for (const kind of defaultRegistry.all()) entries.push({ schema: kind.optionsSchema, useDefaults: true, source: `the options of check kind ${kind.name}` });
  entries.push({ schema: curriculumSchema as unknown as Record<string, unknown>, useDefaults: true, source: 'the curriculum manifest' });
  return entries;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  chmodSync(fileURLToPath(new URL('../cli/bin.js', import.meta.url)), 0o755);
  rmSync(precompiledDir, { recursive: true, force: true });
  const keys = precompileValidators(precompiledDir, shippedSchemas());
  console.log(`postbuild: ${keys.length} validators precompiled into dist/precompiled-validators/`);
}
