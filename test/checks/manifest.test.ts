import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestKind, manifestValidator, type ManifestOptions } from '../../src/checks/manifest.js';
import { inlineValidator } from '../../src/core/ajv.js';
import { makeContext } from '../helpers/context.js';
import { gradeWithKinds, inputCases, labCases, labFixturesDir } from '../helpers/lab-fixtures.js';

const lab = (name: string) => join(labFixturesDir, name);

const schemaOnly: ManifestOptions = { file: 'manifest.json', schema: 'lab02-manifest.schema.json' };
const labConstraints: ManifestOptions = {
  file: 'manifest.json',
  constraints: [
    { pointer: '/experiment', equals: '16-rope' },
    { pointer: '/seed', equals: 0 },
    { pointer: '/config/d_head', equals: 16 },
    { pointer: '/config/T', equals: 32 },
    { pointer: '/config/rope_base', equals: 10000 },
    { pointer: '/results_summary/relative_position_max_diff', notNull: true, type: 'number' },
    { pointer: '/results_summary/norm_preservation_max_diff', notNull: true, type: 'number' },
  ],
};

async function run(root: string, options: ManifestOptions) {
  const ctx = makeContext({ root });
  const outcome = await manifestKind.run(ctx, options);
  return { outcome, ctx };
}

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'rubricate-manifest-'));
  writeFileSync(
    join(scratch, 'manifest.json'),
    '\uFEFF{\r\n  "experiment": "16-rope",\r\n  "date": "YYYY-MM-DD",\r\n  "versions": { "python": "3.11.x", "numpy": "X.Y.Z", "extra": 3 },\r\n' +
      '  "config": { "d_head": 16, "T": 32, "rope_base": -1 },\r\n  "results_summary": { "relative_position_max_diff": null, "norm_preservation_max_diff": "tiny" }\r\n}\r\n',
  );
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('manifest kind: schema', () => {
  it('passes a manifest that follows the lab schema', async () => {
    const { outcome } = await run(lab('ok-interleaved'), schemaOnly);
    expect(outcome).toMatchObject({ status: 'pass', message: 'manifest.json follows the Block F manifest' });
  });

  it('locates every schema violation at the offending key', async () => {
    const { outcome } = await run(lab('not-ok-manifest-schema'), schemaOnly);
    expect(outcome.status).toBe('fail');
    expect(outcome.credit).toBe(0);
    expect(outcome.details).toEqual([
      {
        message: 'Unexpected value "22/11/2026" at /date, expected a date written YYYY-MM-DD',
        location: { file: 'manifest.json', line: 3, column: 3, endLine: 3, endColumn: 9 },
        actual: '"22/11/2026"',
        expected: 'date',
      },
      {
        message: 'Unexpected number 2.4 at /versions/numpy, expected a version number such as 3.11.7 or 2.4.6',
        location: { file: 'manifest.json', line: 5, column: 37, endLine: 5, endColumn: 44 },
        actual: '2.4',
        expected: 'a string',
      },
    ]);
    expect(outcome.message).toBe(
      'manifest.json does not follow the Block F manifest (2 problems): Unexpected value "22/11/2026" at /date, expected a date written YYYY-MM-DD; Unexpected number 2.4 at /versions/numpy, expected a version number such as 3.11.7 or 2.4.6',
    );
    expect(outcome.location).toMatchObject({ line: 3, column: 3 });
  });

  it('reports missing keys at the parent, placeholders, bad types, and repairs the BOM and CRLF', async () => {
    const { outcome, ctx } = await run(scratch, schemaOnly);
    const messages = outcome.details!.map((d) => `${d.location?.line}:${d.location?.column} ${d.message}`);
    expect(messages).toEqual([
      "1:1 Missing key 'seed' at /, expected the integer random seed, e.g. 0",
      '3:3 Unexpected value "YYYY-MM-DD" at /date, expected a date written YYYY-MM-DD',
      '4:37 Unexpected value "X.Y.Z" at /versions/numpy, expected a version number such as 3.11.7 or 2.4.6',
      '4:55 Unexpected number 3 at /versions/extra, expected a version string',
      '5:38 Unexpected value -1 at /config/rope_base, expected a positive number, e.g. 10000.0',
      '6:60 Unexpected string "tiny" at /results_summary/norm_preservation_max_diff, expected a non-negative number (or null before the measurement)',
    ]);
    expect(ctx.notices.map((n) => n.level)).toEqual(['info', 'info']);
  });

  it('fails a syntax error located at its line and column', async () => {
    const { outcome } = await run(lab('not-ok-manifest-syntax'), schemaOnly);
    expect(outcome).toEqual({
      status: 'fail',
      message: "manifest.json is not valid JSON: Unexpected token '}' at 14:3, expected a key (trailing comma after the last member?)",
      location: { file: 'manifest.json', line: 14, column: 3 },
    });
  });

  it('fails a missing manifest, and errors on a schema the package does not have', async () => {
    const { outcome } = await run(lab('ok-interleaved'), { file: 'nope.json', schema: 'lab02-manifest.schema.json' });
    expect(outcome).toMatchObject({ status: 'fail', message: 'nope.json not found in the submission folder' });
    const bad = await run(lab('ok-interleaved'), { schema: 'no-such.schema.json' });
    expect(bad.outcome).toMatchObject({ status: 'error', message: "rubric problem: schema 'no-such.schema.json' could not be loaded (no such file)" });
    expect('error' in manifestValidator('../package.json')).toBe(true);
  });
});

describe('manifest kind: constraints', () => {
  it('passes when every constraint holds', async () => {
    const { outcome } = await run(lab('ok-interleaved'), labConstraints);
    expect(outcome).toMatchObject({ status: 'pass', message: 'all 7 constraints hold' });
  });

  it('gives one located detail per violated constraint, with partial credit', async () => {
    const { outcome } = await run(lab('not-ok-manifest-constraints'), labConstraints);
    expect(outcome.status).toBe('fail');
    expect(outcome.credit).toBeCloseTo(4 / 7);
    expect(outcome.details).toEqual([
      { message: 'Unexpected /config/d_head = 32, expected 16', location: { file: 'manifest.json', line: 7, column: 5, endLine: 7, endColumn: 13 }, actual: '32', expected: '16' },
      {
        message: 'Unexpected null at /results_summary/relative_position_max_diff, expected a number (not null)',
        location: { file: 'manifest.json', line: 12, column: 5, endLine: 12, endColumn: 33 },
        actual: 'null',
        expected: 'a number (not null)',
      },
      {
        message: 'Unexpected null at /results_summary/norm_preservation_max_diff, expected a number (not null)',
        location: { file: 'manifest.json', line: 13, column: 5, endLine: 13, endColumn: 33 },
        actual: 'null',
        expected: 'a number (not null)',
      },
    ]);
    expect(outcome.message).toMatch(/^3 of 7 manifest constraints do not hold: Unexpected \/config\/d_head = 32, expected 16; /);
  });

  it('reports missing keys and wrong types, with the constraint message', async () => {
    const { outcome } = await run(scratch, {
      constraints: [
        { pointer: '/seed', equals: 0, message: 'the lab fixes seed 0' },
        { pointer: '/results_summary/norm_preservation_max_diff', type: 'number' },
        { pointer: '/config/T', type: 'integer' },
      ],
    });
    expect(outcome.details!.map((d) => d.message)).toEqual([
      'Missing /seed, expected 0 (the lab fixes seed 0)',
      'Unexpected string "tiny" at /results_summary/norm_preservation_max_diff, expected a number',
    ]);
    expect(outcome.credit).toBeCloseTo(1 / 3);
  });

  it('skips when the manifest cannot be read, saying why, unless told to fail', async () => {
    const { outcome } = await run(lab('not-ok-manifest-syntax'), labConstraints);
    expect(outcome.status).toBe('skip');
    expect(outcome.message).toBe(
      "not checked: manifest.json is not valid JSON: Unexpected token '}' at 14:3, expected a key (trailing comma after the last member?) (reported by the manifest schema check)",
    );
    const strict = await run(lab('not-ok-files-missing-verify'), { ...labConstraints, file: 'missing.json', whenUnreadable: 'fail' });
    expect(strict.outcome).toMatchObject({ status: 'fail', message: 'missing.json not found in the submission folder' });
  });

  it('combines schema and constraints in one criterion', async () => {
    const { outcome } = await run(lab('not-ok-manifest-schema'), { ...schemaOnly, constraints: labConstraints.constraints! });
    expect(outcome.status).toBe('fail');
    // Schema fails (1 unit), all seven constraints hold.
    expect(outcome.credit).toBeCloseTo(7 / 8);
    expect(outcome.message).toContain('does not follow the Block F manifest (2 problems)');
    expect(outcome.message).not.toContain('constraints do not hold');
  });

  it('warns about a key set twice, and checks the value that counts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rubricate-manifest-dup-'));
    try {
      writeFileSync(join(dir, 'manifest.json'), '{\n  "seed": 0,\n  "seed": 1\n}\n');
      const { outcome, ctx } = await run(dir, { constraints: [{ pointer: '/seed', equals: 0 }] });
      expect(outcome.details![0]).toMatchObject({ message: 'Unexpected /seed = 1, expected 0', location: { line: 3, column: 3 } });
      expect(ctx.notices).toEqual([
        { level: 'warning', message: 'manifest.json sets /seed twice; the last value counts', location: { file: 'manifest.json', line: 3, column: 3, endLine: 3, endColumn: 9 } },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('parses the manifest once for all criteria of a submission', async () => {
    const ctx = makeContext({ root: lab('ok-interleaved') });
    await manifestKind.run(ctx, schemaOnly);
    await manifestKind.run(ctx, labConstraints);
    expect([...ctx.memoStore.keys()]).toEqual(['manifest:json:manifest.json']);
  });

  it('has an options schema that fills the default file and refuses unknown keys', () => {
    const validate = inlineValidator(manifestKind.optionsSchema);
    const options: Record<string, unknown> = { constraints: [{ pointer: '/a', equals: 1 }] };
    expect(validate(options)).toBe(true);
    expect(options.file).toBe('manifest.json');
    expect(validate({ constraints: [{ pointer: 'a' }] })).toBe(false);
    expect(validate({ schema: '../../etc/passwd' })).toBe(false);
    expect(validate({ constraint: [] })).toBe(false);
  });
});

describe('lab fixtures, manifest criteria', () => {
  for (const fixture of labCases(inputCases)) {
    it(fixture.name, async () => {
      const report = await gradeWithKinds(fixture.dir, [manifestKind]);
      expect(report.checks.map((c) => c.id)).toEqual(['manifest-schema', 'manifest-constraints']);
      for (const check of report.checks) {
        const want = fixture.expected.checks[check.id];
        const seen = `${check.id}: ${check.status}: ${check.message}`;
        expect(check.status, seen).toBe(want?.status ?? 'pass');
        if (want?.message) expect(check.message, seen).toContain(want.message);
      }
    });
  }
});
