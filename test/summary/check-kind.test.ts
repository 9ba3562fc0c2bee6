/** The `summary-claims` check kind: the same checks as `claims --repo`, through a rubric and the grading engine. */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summaryClaimsKind } from '../../src/checks/summary-claims.js';
import { Registry } from '../../src/checks/registry.js';
import { inlineValidator } from '../../src/core/ajv.js';
import { grade } from '../../src/core/engine.js';
import { loadRubricFile } from '../../src/rubric/load.js';
import { buildHistory, removeHistory } from '../helpers/git-history.js';

const fixtures = fileURLToPath(new URL('../../fixtures/summary/', import.meta.url));
const crate = path.join(fixtures, 'rope-crate');
const SUMMARY = 'docs/ROPE_IMPLEMENTATION_SUMMARY.md';

describe('summary-claims check kind', () => {
  let repo: string;
  beforeAll(() => {
    repo = buildHistory(crate, path.join(fixtures, 'rope-crate.history.json'));
  });
  afterAll(() => removeHistory(repo));

  it('options schema: no unknown keys, a percentage tolerance', () => {
    const validate = inlineValidator(summaryClaimsKind.optionsSchema);
    expect(validate({ files: ['SUMMARY.md'], repo: '.', lineTolerance: 5, runTests: false })).toBe(true);
    expect(validate({ file: 'SUMMARY.md' })).toBe(false);
    expect(validate({ lineTolerance: 150 })).toBe(false);
  });

  it('grades through the engine: pass for the true summary, fail with located refutations for a wrong one, skip without a summary', async () => {
    const registry = new Registry([summaryClaimsKind]);
    const rubric = await loadRubricFile(path.join(fixtures, 'summary-rubric.yaml'), registry);
    let report = await grade({ rubric, target: repo, registry });
    expect(report.checks[0]).toMatchObject({ status: 'pass', message: '43 repository claims: 40 verified, 0 refuted, 3 not verified' });
    const summary = path.join(repo, SUMMARY);
    const text = readFileSync(summary, 'utf8');
    writeFileSync(summary, text.replace('- 16 comprehensive integration tests', '- 18 comprehensive integration tests'));
    report = await grade({ rubric, target: repo, registry });
    const check = report.checks[0]!;
    expect(check.status).toBe('fail');
    expect(check.location).toEqual({ file: SUMMARY, line: 40, column: 3 });
    expect(check.details![0]).toMatchObject({ message: 'tests/rope_test.rs has 16 tests, not 18', actual: '16 tests', expected: '18', location: { file: SUMMARY, line: 40, column: 3 } });
    writeFileSync(summary, text);
    rmSync(summary);
    report = await grade({ rubric, target: repo, registry });
    expect(report.checks[0]).toMatchObject({ status: 'skip', message: `${SUMMARY} not found; nothing to check` });
    writeFileSync(summary, text);
  });
});
