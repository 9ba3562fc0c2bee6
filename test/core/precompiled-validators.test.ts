/**
 * The standalone validators the build writes (src/build/postbuild.ts) must
 * validate exactly like Ajv compiling the same schema at run time: same
 * verdict, same errors, same defaults filled in. Inputs: every rubric and
 * fixture rubric, every criterion's options, every lab manifest in the
 * fixtures, plus broken variants of each.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { shippedSchemas } from '../../src/build/postbuild.js';
import { compileValidator, createAjv, loadPrecompiled, validatorKey } from '../../src/core/ajv.js';
import { precompileValidators } from '../../src/core/precompile.js';
import { sampleReport } from '../helpers/sample-report.js';

const repo = (path: string) => new URL(`../../${path}`, import.meta.url).pathname;
// Inside the package, so the generated code resolves ajv's runtime modules as it does from dist/.
mkdirSync(repo('node_modules/.cache'), { recursive: true });
const out = mkdtempSync(join(repo('node_modules/.cache'), 'rubricate-validators-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const clone = <T>(value: T): T => structuredClone(value);

function yamlFiles(dir: string): unknown[] {
  return readdirSync(repo(dir))
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) => {
      try {
        return [parse(readFileSync(repo(`${dir}/${f}`), 'utf8')) as unknown];
      } catch {
        return []; // fixtures with broken YAML on purpose
      }
    });
}

const rubrics = [...yamlFiles('rubrics'), ...yamlFiles('fixtures/rubrics'), ...yamlFiles('fixtures/batch'), ...yamlFiles('fixtures/claims')] as Array<{ criteria?: Array<{ kind?: string; options?: unknown }> }>;
const manifests = readdirSync(repo('fixtures/rope-lab02'))
  .map((name) => repo(`fixtures/rope-lab02/${name}/manifest.json`))
  .filter((file) => existsSync(file))
  .flatMap((file) => {
    try {
      return [JSON.parse(readFileSync(file, 'utf8')) as unknown];
    } catch {
      return []; // fixtures with a broken manifest on purpose
    }
  });

/** Real instances for a schema, and broken variants of them. */
function samples(source: string): unknown[] {
  let real: unknown[] = [];
  if (source === 'schemas/rubric.schema.json') real = rubrics;
  else if (source === 'the curriculum manifest') real = [...yamlFiles('curricula/sample'), ...yamlFiles('fixtures/verify/curriculum-bad'), ...yamlFiles('fixtures/verify/curriculum-complete')];
  else if (source === 'schemas/report.schema.json') real = [sampleReport, { ...sampleReport, checks: [] }];
  else if (source.startsWith('schemas/') && source.includes('manifest')) real = manifests;
  else if (source.startsWith('the options of check kind ')) {
    const kind = source.slice('the options of check kind '.length);
    real = rubrics.flatMap((r) => (r.criteria ?? []).filter((c) => c.kind === kind).map((c) => c.options ?? {}));
  }
  const broken = real.slice(0, 4).flatMap((value) => {
    if (typeof value !== 'object' || value === null) return [];
    const entries = Object.entries(value);
    const [firstKey, firstValue] = entries[0] ?? ['', null];
    return [
      { ...value, notAKnownKey: 1 },
      Object.fromEntries(entries.slice(1)),
      { ...value, [firstKey]: typeof firstValue === 'string' ? 12 : 'text' },
    ];
  });
  return [...real, ...broken, {}, { notAKnownKey: true }, null, 'text', []];
}

describe('precompiled validators', () => {
  const entries = shippedSchemas();
  const keys = precompileValidators(out, entries);

  it('cover every shipped schema, each in the variant it is used in', () => {
    expect(entries.length).toBeGreaterThan(20);
    expect(new Set(keys).size).toBe(keys.length);
    for (const entry of entries) expect(existsSync(join(out, `${validatorKey(entry.schema, entry)}.cjs`)), entry.source).toBe(true);
  });

  it.each(entries.map((entry) => [`${entry.source}${entry.useDefaults ? ', defaults' : ''}`, entry] as const))('validate like Ajv at run time: %s', (_name, entry) => {
    const precompiled = loadPrecompiled(out, validatorKey(entry.schema, entry));
    expect(precompiled).toBeTypeOf('function');
    const compiled = createAjv({ useDefaults: entry.useDefaults }).compile(entry.schema);
    const inputs = samples(entry.source);
    let failures = 0;
    for (const input of inputs) {
      const a = clone(input);
      const b = clone(input);
      const verdict = compiled(a);
      expect(precompiled!(b), JSON.stringify(input)).toBe(verdict);
      expect(precompiled!.errors ?? null).toEqual(compiled.errors ?? null);
      expect(b).toEqual(a); // defaults filled in alike
      if (!verdict) failures++;
    }
    // The samples exercise both verdicts.
    expect(failures).toBeGreaterThan(0);
    expect(failures).toBeLessThan(inputs.length);
  });

  it('are what the build wrote into dist/ (the tests\' global setup builds it)', () => {
    const dist = repo('dist/precompiled-validators');
    for (const key of keys) expect(existsSync(join(dist, `${key}.cjs`)), key).toBe(true);
  });

  it('leave other schemas to Ajv, compiled once', () => {
    const schema = { type: 'object', properties: { n: { type: 'integer', default: 3 } }, required: ['m'] };
    const validate = compileValidator(schema, { useDefaults: true });
    expect(compileValidator({ ...schema }, { useDefaults: true })).toBe(validate);
    const data: Record<string, unknown> = { m: 1 };
    expect(validate(data)).toBe(true);
    expect(data.n).toBe(3);
    expect(validate({})).toBe(false);
    expect(loadPrecompiled(out, validatorKey(schema, { useDefaults: true }))).toBeUndefined();
  });
});
