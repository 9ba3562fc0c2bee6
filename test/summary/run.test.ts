/**
 * `--run-tests`: the fixture crate's own tests and clippy run on a copy inside
 * the learner sandbox; a passing run verifies "All 145 tests passing" and a
 * clean clippy "Zero clippy warnings", a failing test refutes the first.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { checkSummary } from '../../src/summary/index.js';
import { cargoTestResults } from '../../src/summary/run.js';
import { needs } from '../helpers/machine.js';

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
});
