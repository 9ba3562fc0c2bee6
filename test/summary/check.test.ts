/**
 * `rubricate claims <summary.md> --repo <dir>`: the seed's implementation
 * summary against a crate shaped like the one it describes
 * (fixtures/summary/rope-crate, with a two-commit history built from
 * fixtures/summary/rope-crate.history.json), true as written, and variants
 * where a test count, a file or a line count is wrong.
 */
import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checkSummary, type CheckedClaim, type SummaryResult } from '../../src/summary/index.js';
import { summaryReport } from '../../src/summary/report.js';
import { runClaims } from '../helpers/claims-cli.js';
import { buildHistory, removeHistory, testGit } from '../helpers/git-history.js';

const fixtures = fileURLToPath(new URL('../../fixtures/summary/', import.meta.url));
const crate = path.join(fixtures, 'rope-crate');
const SUMMARY = 'docs/ROPE_IMPLEMENTATION_SUMMARY.md';

function at(result: SummaryResult, kind: CheckedClaim['kind'], line: number): CheckedClaim {
  const found = result.claims.filter((c) => c.kind === kind && c.line === line);
  expect(found, `${kind} at line ${line}`).toHaveLength(1);
  return found[0]!;
}

const verdicts = (result: SummaryResult) => result.claims.map((c) => `${c.kind}:${c.line}:${c.column} ${c.verdict}`);

describe('summary claims against the fixture crate, without history', () => {
  it('verifies every repository claim of the seed it can decide by reading, and says why it cannot decide the others', async () => {
    const result = await checkSummary(path.join(crate, SUMMARY), crate);
    expect(result.notes[0]).toMatch(/^history not used: /);
    const refuted = result.claims.filter((c) => c.verdict === 'refuted');
    expect(refuted).toEqual([]);
    expect(at(result, 'line-count', 13)).toMatchObject({ column: 42, path: 'src/rope.rs', verdict: 'verified', actual: '259 lines' });
    expect(at(result, 'test-total', 80)).toMatchObject({ column: 12, verdict: 'verified', actual: '145 tests' });
    expect(at(result, 'test-count', 62)).toMatchObject({ target: { label: 'Unit tests (lib)' }, verdict: 'verified', actual: '30 tests' });
    expect(at(result, 'test-count', 78)).toMatchObject({ target: { label: 'Doc tests' }, verdict: 'verified', actual: '1 tests' });
    // "16 new RoPE tests": the test file named after RoPE, not src/rope.rs with its unit tests.
    expect(at(result, 'test-new', 55)).toMatchObject({ column: 26, verdict: 'verified', evidence: { file: 'tests/rope_test.rs' } });
    expect(at(result, 'tests-pass', 55).verdict).toBe('not-verified');
    expect(at(result, 'tests-pass', 55).message).toMatch(/--run-tests/);
    expect(at(result, 'lint-clean', 56)).toMatchObject({ verdict: 'not-verified', subject: 'clippy' });
    expect(at(result, 'behaviour', 57).message).toMatch(/reading the repository cannot decide it/);
    // Every file the summary lists exists; without history, created/modified is not checked, and says so.
    const files = result.claims.filter((c) => c.kind.startsWith('file-'));
    expect(files.map((c) => c.path).sort()).toEqual(
      [
        'docs/PHASE1_MODERNIZATION.md', 'docs/PHASE1_MODERNIZATION.md', 'docs/ROPE_INTEGRATION.md', 'docs/ROPE_INTEGRATION.md', 'src/lib.rs', 'main.rs', 'src/main.rs',
        'model_builder.rs', 'src/model_builder.rs', 'src/model_config.rs', 'src/model_config.rs', 'src/rope.rs', 'src/rope.rs', 'src/self_attention.rs', 'src/self_attention.rs',
        'tests/rope_test.rs', 'tests/rope_test.rs',
      ].sort(),
    );
    expect(files.every((c) => c.verdict === 'verified' && /is not checked without the summary's commit/.test(c.message))).toBe(true);
  });
});

describe('summary claims against the fixture crate with its history', () => {
  let repo: string;
  beforeAll(() => {
    repo = buildHistory(crate, path.join(fixtures, 'rope-crate.history.json'));
  });
  afterAll(() => removeHistory(repo));
  afterEach(() => {
    testGit(repo, ['reset', '-q', '--hard', 'HEAD']);
    testGit(repo, ['clean', '-q', '-fd']);
  });

  it('the true summary: files created and modified in the summary\'s commit, 16 new tests counted against the parent commit', async () => {
    const result = await checkSummary(path.join(repo, SUMMARY), repo);
    expect(result.notes[0]).toMatch(/^the summary's commit is [0-9a-f]{12}/);
    expect(result.claims.filter((c) => c.verdict === 'refuted')).toEqual([]);
    expect(at(result, 'file-created', 13)).toMatchObject({ verdict: 'verified', actual: expect.stringMatching(/^added in [0-9a-f]{7}$/) });
    expect(at(result, 'file-modified', 20)).toMatchObject({ path: 'src/model_config.rs', verdict: 'verified', actual: expect.stringMatching(/^changed in /) });
    expect(at(result, 'file-modified', 91)).toMatchObject({ path: 'src/lib.rs', verdict: 'verified' });
    expect(at(result, 'test-new', 55).message).toMatch(/added in commit [0-9a-f]{7}, the summary's\) has 16 tests/);
    const report = summaryReport(result);
    expect(report.summary.fail).toBe(0);
    expect(report.passed).toBe(true);
    expect(report.checks.find((c) => c.id === 'line-count:13:42')).toMatchObject({ status: 'pass', location: { file: 'ROPE_IMPLEMENTATION_SUMMARY.md', line: 13, column: 42 } });
    expect(report.checks.find((c) => c.id === 'tests-pass:55:3')).toMatchObject({ status: 'skip', maxPoints: 0 });
  });

  it('a wrong test count: one RoPE test fewer refutes the per-file counts, the breakdown entry and both totals, with the observed value', async () => {
    const file = path.join(repo, 'tests/rope_test.rs');
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace(/\n#\[test\]\nfn cache_size\(\) \{[^}]*\}\n/, '\n'));
    const result = await checkSummary(path.join(repo, SUMMARY), repo);
    expect(at(result, 'test-count', 40)).toMatchObject({ verdict: 'refuted', actual: '15 tests' });
    expect(at(result, 'test-count', 40).message).toBe('tests/rope_test.rs has 15 tests, not 16');
    expect(at(result, 'test-count', 73)).toMatchObject({ verdict: 'refuted', column: 19 });
    expect(at(result, 'test-total', 55)).toMatchObject({ verdict: 'refuted', actual: '144 tests' });
    expect(at(result, 'test-total', 80).message).toMatch(/^the repository has 144 rust tests, 143 rust tests without doc tests, not 145 tests/);
    expect(at(result, 'test-new', 55)).toMatchObject({ verdict: 'refuted' });
    // The other targets still hold.
    expect(at(result, 'test-count', 63).verdict).toBe('verified');
  });

  it('a missing file: the claim that created it is refuted, located, and its other claims are not decided', async () => {
    rmSync(path.join(repo, 'docs/ROPE_INTEGRATION.md'));
    const result = await checkSummary(path.join(repo, SUMMARY), repo);
    const missing = result.claims.filter((c) => c.path === 'docs/ROPE_INTEGRATION.md');
    expect(missing.map((c) => `${c.kind}:${c.line}:${c.column} ${c.verdict}`)).toEqual(['file-created:47:12 refuted', 'file-created:93:5 refuted']);
    expect(missing[0]!.message).toMatch(/^docs\/ROPE_INTEGRATION\.md is said created, but there is no file docs\/ROPE_INTEGRATION\.md in the working tree/);
    expect(result.claims.filter((c) => c.verdict === 'refuted')).toHaveLength(2);
  });

  it('a wrong line count: "(480 lines)" for a 259-line file is refuted; 10% off is within the tolerance, and --line-tolerance narrows it', async () => {
    const summary = path.join(repo, SUMMARY);
    const text = readFileSync(summary, 'utf8');
    writeFileSync(summary, text.replace('module** (280 lines)', 'module** (480 lines)'));
    let result = await checkSummary(summary, repo);
    expect(at(result, 'line-count', 13)).toMatchObject({ verdict: 'refuted', actual: '259 lines' });
    expect(at(result, 'line-count', 13).message).toBe('src/rope.rs has 259 lines (228 not blank), not 480 within 10% or 5 lines');
    writeFileSync(summary, text);
    result = await checkSummary(summary, repo, { lineTolerance: 0.02 });
    expect(at(result, 'line-count', 13)).toMatchObject({ verdict: 'refuted', actual: '259 lines' });
  });

  it('a file the summary\'s commit did not change: verified when an earlier commit changed it within the session (7 days), else not verified, never refuted', async () => {
    const summary = path.join(repo, SUMMARY);
    appendFileSync(summary, '\n## Also\n\n- Updated `src/vocab.rs` with the RoPE tokens\n- Created `src/alibi.rs` (120 lines)\n');
    testGit(repo, ['commit', '-q', '-am', 'Amend summary'], { GIT_AUTHOR_DATE: '2025-10-17T10:00:00Z', GIT_COMMITTER_DATE: '2025-10-17T10:00:00Z' });
    let result = await checkSummary(summary, repo);
    let vocab = result.claims.find((c) => c.path === 'src/vocab.rs')!;
    // The baseline commit (2025-10-14) changed src/vocab.rs three days before the summary's commit.
    expect(vocab).toMatchObject({ kind: 'file-modified', verdict: 'verified' });
    expect(vocab.message).toMatch(/^src\/vocab\.rs was changed in commit [0-9a-f]{7}, 3 days before the summary's commit [0-9a-f]{7}$/);
    const alibi = result.claims.filter((c) => c.path === 'src/alibi.rs').map((c) => `${c.kind} ${c.verdict}`);
    expect(alibi).toEqual(['file-created refuted', 'line-count not-verified']);
    testGit(repo, ['reset', '-q', '--hard', 'HEAD~1']);
    appendFileSync(summary, '\n## Also\n\n- Updated `src/vocab.rs` with the RoPE tokens\n');
    testGit(repo, ['commit', '-q', '-am', 'Amend summary much later'], { GIT_AUTHOR_DATE: '2025-12-01T10:00:00Z', GIT_COMMITTER_DATE: '2025-12-01T10:00:00Z' });
    result = await checkSummary(summary, repo);
    vocab = result.claims.find((c) => c.path === 'src/vocab.rs')!;
    expect(vocab).toMatchObject({ kind: 'file-modified', verdict: 'not-verified' });
    expect(vocab.message).toMatch(/48 days before the summary's commit [0-9a-f]{7} \(more than 7 days\): whether this work changed it cannot be told$/);
    testGit(repo, ['reset', '-q', '--hard', 'HEAD~1']);
  });

  it('a round line count holds at the precision written; a count for a file the commit modified may be the size of the change', async () => {
    writeFileSync(path.join(repo, 'NOTES.md'), '# Notes\n\n- `src/rope.rs` (300 lines)\n- `src/rope.rs` (310 lines)\n- `src/model_config.rs` (3 lines)\n');
    testGit(repo, ['add', '-A']);
    testGit(repo, ['commit', '-q', '-m', 'Notes']);
    let result = await checkSummary(path.join(repo, 'NOTES.md'), repo);
    // The notes' commit changed neither file: both counts are read as the files' sizes.
    expect(verdicts(result)).toEqual(['line-count:3:18 verified', 'line-count:4:18 refuted', 'line-count:5:26 refuted']);
    expect(result.claims[0]!.message).toBe('src/rope.rs has 259 lines (228 not blank); 300 is within 10% or 5 lines or the 100 it is rounded to');
    testGit(repo, ['reset', '-q', '--hard', 'HEAD~1']);
    appendFileSync(path.join(repo, 'src/model_config.rs'), '// three\n// more\n// lines\n');
    writeFileSync(path.join(repo, 'NOTES.md'), '# Notes\n\n- `src/model_config.rs` (3 lines)\n');
    testGit(repo, ['add', '-A']);
    testGit(repo, ['commit', '-q', '-m', 'Config notes']);
    result = await checkSummary(path.join(repo, 'NOTES.md'), repo);
    expect(result.claims[0]).toMatchObject({ kind: 'line-count', verdict: 'not-verified' });
    expect(result.claims[0]!.message).toMatch(/modified it \(it existed before\), so 3 may be the size of the change$/);
    testGit(repo, ['reset', '-q', '--hard', 'HEAD~1']);
  });

  it('new tests in a modified file are the difference from the parent commit', async () => {
    const file = path.join(repo, 'tests/hrm_test.rs');
    appendFileSync(file, '\n#[test]\nfn hrm_extra_1() {\n    assert_eq!(double(&[1.0]), vec![2.0]);\n}\n\n#[test]\nfn hrm_extra_2() {\n    assert_eq!(double(&[2.0]), vec![4.0]);\n}\n');
    writeFileSync(path.join(repo, 'HRM.md'), '# HRM\n\n- Added 2 new tests to `tests/hrm_test.rs`\n- Wrote 5 new tests in `tests/hrm_test.rs`\n');
    testGit(repo, ['add', '-A']);
    testGit(repo, ['commit', '-q', '-m', 'More HRM tests']);
    const result = await checkSummary(path.join(repo, 'HRM.md'), repo);
    expect(verdicts(result).filter((v) => v.startsWith('test-new'))).toEqual(['test-new:3:9 verified', 'test-new:4:9 refuted']);
    expect(result.claims.find((c) => c.kind === 'test-new' && c.line === 4)!.message).toMatch(/^tests\/hrm_test\.rs went from 16 to 18 tests in commit [0-9a-f]{7} \(the summary's\), so it gained 2 tests, not 5$/);
    testGit(repo, ['reset', '-q', '--hard', 'HEAD~1']);
  });
});

describe('rubricate claims --repo', () => {
  const run = runClaims;

  it('exit 0 and located verdicts for the true summary; JSON carries each verdict', async () => {
    const { stdout, code } = await run(path.join(crate, SUMMARY), '--repo', crate, '--format', 'json');
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    const total = report.checks.find((c: { id: string }) => c.id === 'test-total:55:7');
    expect(total).toMatchObject({ status: 'pass', data: { verdict: 'verified', stated: '145', actual: '145 tests' }, location: { line: 55, column: 7 } });
    expect(report.checks.find((c: { id: string }) => c.id === 'lint-clean:56:3')).toMatchObject({ status: 'skip', data: { verdict: 'not-verified' } });
  });

  it('exit 1 when a claim is refuted, the message naming what the repository shows', async () => {
    const dir = buildHistory(crate, path.join(fixtures, 'rope-crate.history.json'));
    try {
      const summary = path.join(dir, SUMMARY);
      writeFileSync(summary, readFileSync(summary, 'utf8').replace('All 145 tests passing', 'All 150 tests passing'));
      const { stdout, code } = await run(summary, '--repo', dir);
      expect(code).toBe(1);
      expect(stdout).toMatch(/ROPE_IMPLEMENTATION_SUMMARY\.md:55:7 +refuted: the repository has 145 rust tests, 144 rust tests without doc tests, not 150 tests/);
    } finally {
      removeHistory(dir);
    }
  });

  it('usage errors: a missing repository folder, --run-tests without --repo, a bad tolerance', async () => {
    await expect(run(path.join(crate, SUMMARY), '--repo', path.join(crate, 'no-such'))).rejects.toThrow(/--repo .*no-such: no such folder/);
    await expect(run(path.join(crate, SUMMARY), '--run-tests')).rejects.toThrow('--run-tests needs --repo <dir>');
    await expect(run(path.join(crate, SUMMARY), '--repo', crate, '--line-tolerance', 'ten')).rejects.toThrow(/--line-tolerance must be a percentage/);
  });
});
