/**
 * `rubricate claims` as a command module, run in-process through commander:
 * the same report format as grade and verify (terminal, json against the
 * report schema, markdown, sarif, github), `-o FILE`, exit codes, and
 * one-line errors for unreadable input.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { schemaValidator } from '../../src/core/ajv.js';
import { RubricateError } from '../../src/core/errors.js';
import type { Report } from '../../src/core/types.js';
import { runClaims } from '../helpers/claims-cli.js';

const rel = (name: string) => `fixtures/claims/${name}`;

const run = runClaims;

afterEach(() => {
  process.exitCode = undefined;
});

describe('rubricate claims', () => {
  it('terminal: the grade/verify report, the failing claim located at its number with what it was recomputed from; exit 1', async () => {
    const { stdout, code } = await run(rel('rust-summary-wrong-total.md'), '--format', 'terminal');
    expect(stdout).toContain('fixtures/claims/rust-summary-wrong-total.md · Numeric claims add up (claims v1)');
    expect(stdout).toMatch(/✗ list-total:80:12 +0\/1 +rust-summary-wrong-total\.md:80:12 +Stated total 145 tests does not match the itemized list, 27 \+ 13 .* = 142; tolerance: rounded or truncated to 1/);
    expect(stdout).toContain('rust-summary-wrong-total.md:62  recomputed from 17 items on lines 62-78 (found 145, expected 142)');
    expect(stdout).toMatch(/! implied-sum:179:26 .*23 hours is not the sum/);
    expect(stdout).toContain('6 passed · 1 warned · 1 failed');
    expect(code).toBe(1);
  });

  it('exits 0 when only warnings remain, and when everything adds up', async () => {
    expect((await run(rel('rope-rust-integration-summary.md'))).code).toBe(0);
    const ok = await run(rel('experiment-sinusoidal-vs-rope.md'));
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('6 passed · 0 warned · 0 failed');
  });

  it('--format json: one report per document, valid against the report schema, one check per claim with its location and data', async () => {
    const { stdout, code } = await run(rel('rust-summary-wrong-total.md'), rel('experiment-sinusoidal-vs-rope.md'), '--format', 'json');
    const reports = JSON.parse(stdout) as Report[];
    const validate = schemaValidator('report.schema.json');
    for (const report of reports) expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
    expect(reports.map((r) => [r.submission.path, r.summary.pass, r.summary.warn, r.summary.fail, r.passed])).toEqual([
      [rel('rust-summary-wrong-total.md'), 6, 1, 1, false],
      [rel('experiment-sinusoidal-vs-rope.md'), 6, 0, 0, true],
    ]);
    const failing = reports[0]!.checks.find((c) => c.status === 'fail')!;
    expect(failing).toMatchObject({
      id: 'list-total:80:12',
      kind: 'claims',
      dimension: 'list-total',
      location: { file: 'rust-summary-wrong-total.md', line: 80, column: 12 },
      data: { stated: '145', expected: '142', tolerance: 'rounded or truncated to 1' },
    });
    expect((failing.data!.items as unknown[]).length).toBe(17);
    expect(code).toBe(1);
  });

  it('-o FILE writes the report there (and nothing to stdout)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rubricate-claims-'));
    try {
      const file = join(dir, 'out', 'claims.sarif');
      const { stdout, code } = await run(rel('structures/table-total.not-ok.md'), '--format', 'sarif', '-o', file);
      expect(stdout).toBe('');
      expect(code).toBe(1);
      const sarif = JSON.parse(readFileSync(file, 'utf8')) as { runs: Array<{ results: Array<{ ruleId: string; level: string; locations: Array<{ physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number; startColumn: number } } }> }> }> };
      const results = sarif.runs[0]!.results;
      expect(results.map((r) => [r.ruleId, r.level])).toEqual([
        ['table-total:10:17', 'error'],
        ['table-total:18:18', 'error'],
        ['table-total:28:11', 'error'],
      ]);
      expect(results[0]!.locations[0]!.physicalLocation).toEqual({
        artifactLocation: { uri: rel('structures/table-total.not-ok.md') },
        region: { startLine: 10, startColumn: 17 },
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--format github annotates the stated number in the document itself; markdown lists what to fix', async () => {
    const github = await run(rel('structures/table-total.not-ok.md'), '--format', 'github');
    expect(github.stdout.split('\n')[0]).toMatch(/^::error file=fixtures\/claims\/structures\/table-total\.not-ok\.md,line=10,col=17,title=.*::Total of column "Jobs" 385 does not match/);
    const markdown = await run(rel('structures/table-total.not-ok.md'), '--format', 'markdown');
    expect(markdown.stdout).toContain('## What to fix');
    expect(markdown.stdout).toContain('(`table-total.not-ok.md:10:17`)');
  });

  it('--kinds narrows the structures checked (earlier names accepted); an unknown name is a usage error', async () => {
    const narrowed = await run(rel('rust-summary-wrong-total.md'), '--kinds', 'product', '--format', 'json');
    expect((JSON.parse(narrowed.stdout) as Report).checks.map((c) => c.id)).toEqual(['product:132:36']);
    const renamed = await run(rel('rust-summary-wrong-total.md'), '--kinds', 'itemized-total', '--format', 'json');
    expect((JSON.parse(renamed.stdout) as Report).checks.map((c) => c.id)).toEqual(['list-total:80:12']);
    await expect(run(rel('rust-summary-wrong-total.md'), '--kinds', 'sums')).rejects.toThrow("unknown claim kind 'sums'");
  });

  it('a document without claims: a report with no checks and a notice, exit 0', async () => {
    const { stdout, code } = await run(rel('skip-no-claims/README.md'), '--format', 'json');
    const report = JSON.parse(stdout) as Report;
    expect([report.checks.length, report.passed, report.notices[0]?.message]).toEqual([0, true, 'no numeric claim found; nothing to check']);
    expect(code).toBe(0);
  });

  it('unreadable input is a one-line error that ends the command with exit code 2', async () => {
    for (const bad of [rel('missing.md'), rel('binary.md'), rel('')]) {
      const error = await run(bad).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(RubricateError);
      expect((error as RubricateError).exitCode).toBe(2);
      expect((error as RubricateError).message).toMatch(/^cannot read /);
      expect((error as RubricateError).message).not.toContain('\n');
    }
  });
});
