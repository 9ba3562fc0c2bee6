/**
 * `--run-tests`: the fixture crate's own tests and clippy run on a copy inside
 * the learner sandbox; a passing run verifies "All 145 tests passing" and a
 * clean clippy "Zero clippy warnings", a failing test refutes the first.
 * The same for a Python project's pytest tests (fixtures/summary/py-project);
 * a test module that cannot import a package leaves the claim not verified.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { checkSummary } from '../../src/summary/index.js';
import { cargoTestResults, pytestResults } from '../../src/summary/run.js';
import { needs } from '../helpers/machine.js';

const pyProject = fileURLToPath(new URL('../../fixtures/summary/py-project/', import.meta.url));
const crate = fileURLToPath(new URL('../../fixtures/summary/rope-crate/', import.meta.url));
const SUMMARY = 'docs/ROPE_IMPLEMENTATION_SUMMARY.md';
const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

describe('summary run claims', () => {
  it('sums cargo\'s "test result" lines', () => {
    const out = 'running 2 tests\ntest result: ok. 30 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out\n\ntest result: FAILED. 15 passed; 1 failed; 2 ignored; 0 measured; 0 filtered out\n';
    expect(cargoTestResults(out)).toEqual({ passed: 45, failed: 1, ignored: 2, suites: 2 });
    expect(cargoTestResults('error[E0425]: cannot find value')).toEqual({ passed: 0, failed: 0, ignored: 0, suites: 0 });
  });

  it('runs cargo test and clippy in the sandbox: the true summary\'s run claims are verified, a failing test refutes "all tests passing"', { ...needs('cargo'), timeout: 900_000 }, async () => {
    let result = await checkSummary(path.join(crate, SUMMARY), crate, { runTests: true });
    const run = (kind: string) => result.claims.find((c) => c.kind === kind)!;
    expect(run('tests-pass')).toMatchObject({ verdict: 'verified', line: 55, column: 3 });
    expect(run('tests-pass').message).toMatch(/^the sandboxed test run passed: 145 passed, 0 failed, 0 ignored in \d+ test binaries/);
    expect(run('lint-clean')).toMatchObject({ verdict: 'verified', subject: 'clippy' });

    const copy = mkdtempSync(path.join(tmpdir(), 'rubricate-summary-run-'));
    made.push(copy);
    cpSync(crate, copy, { recursive: true });
    const file = path.join(copy, 'tests/rope_test.rs');
    writeFileSync(file, readFileSync(file, 'utf8').replace('assert_eq!(frequencies(10, DEFAULT_BASE).len(), 5);', 'assert_eq!(frequencies(10, DEFAULT_BASE).len(), 6);'));
    result = await checkSummary(path.join(copy, SUMMARY), copy, { runTests: true });
    expect(run('tests-pass')).toMatchObject({ verdict: 'refuted', actual: 'failed' });
    expect(run('tests-pass').message).toMatch(/144 passed, 1 failed/);
  });

  it("reads pytest's summary line, quiet or framed", () => {
    expect(pytestResults('....F.\n1 failed, 5 passed, 2 skipped in 0.31s\n')).toMatchObject({ passed: 5, failed: 1, skipped: 2, errors: 0 });
    expect(pytestResults('=========== 3 passed, 1 warning in 1.02s ===========\n')).toMatchObject({ passed: 3, failed: 0, line: '3 passed, 1 warning in 1.02s' });
    expect(pytestResults('ERROR tests/test_a.py\n1 error in 0.20s\n')).toMatchObject({ passed: 0, errors: 1 });
    expect(pytestResults('no tests ran in 0.01s\n')).toMatchObject({ passed: 0, failed: 0 });
    expect(pytestResults('Traceback (most recent call last):\nImportError: x\n')).toBeUndefined();
  });

  it("runs a Python project's pytest tests in the sandbox: passing verifies, a failing test refutes, an import the machine cannot satisfy leaves it not verified", { ...needs('pytest'), timeout: 300_000 }, async () => {
    const summary = 'docs/SUMMARY.md';
    let result = await checkSummary(path.join(pyProject, summary), pyProject, { runTests: true });
    const pass = () => result.claims.find((c) => c.kind === 'tests-pass')!;
    expect(pass()).toMatchObject({ verdict: 'verified', line: 10 });
    expect(pass().message).toMatch(/^the sandboxed test run passed: 4 passed in [\d.]+s \(pytest, sandboxed at \w+\)$/);

    const copy = mkdtempSync(path.join(tmpdir(), 'rubricate-summary-pytest-'));
    made.push(copy);
    cpSync(pyProject, copy, { recursive: true });
    const file = path.join(copy, 'tests/test_ropepy.py');
    const source = readFileSync(file, 'utf8');
    writeFileSync(file, source.replace('assert len(frequencies(10)) == 5', 'assert len(frequencies(10)) == 6'));
    result = await checkSummary(path.join(copy, summary), copy, { runTests: true });
    expect(pass()).toMatchObject({ verdict: 'refuted', actual: 'failed' });
    expect(pass().message).toMatch(/1 failed, 3 passed/);

    writeFileSync(file, `import rubricate_no_such_package  # noqa\n${source}`);
    result = await checkSummary(path.join(copy, summary), copy, { runTests: true });
    expect(pass().verdict).toBe('not-verified');
    expect(pass().message).toMatch(/could not import 'rubricate_no_such_package'/);
  });
});
