/**
 * `rubricate claims` as a command module, run in-process through commander
 * (the lead wires `registerClaims` into the program): output lines, summary,
 * JSON, exit codes, and one-line errors for unreadable input.
 */
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { formatClaimsReport, registerClaims } from '../../src/cli/commands/claims.js';
import { RubricateError } from '../../src/core/errors.js';
import type { ClaimsReport } from '../../src/claims/index.js';

const rel = (name: string) => `fixtures/claims/${name}`;

async function run(...args: string[]): Promise<{ stdout: string; code: number }> {
  const program = new Command().exitOverride();
  registerClaims(program);
  let stdout = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  process.exitCode = undefined;
  try {
    await program.parseAsync(['node', 'rubricate', 'claims', ...args]);
  } finally {
    spy.mockRestore();
  }
  const code = typeof process.exitCode === 'number' ? process.exitCode : 0;
  process.exitCode = undefined;
  return { stdout, code };
}

afterEach(() => {
  process.exitCode = undefined;
});

describe('rubricate claims', () => {
  it('prints one located line per failing or warning claim, then a summary; exit 1 on a failure', async () => {
    const { stdout, code } = await run(rel('rust-summary-wrong-total.md'));
    const lines = stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^fixtures\/claims\/rust-summary-wrong-total\.md:55:7  error  Stated total 145 tests does not match the itemized list: .* = 142 \(17 items, lines 62-78\)  \[itemized-total\]$/);
    expect(lines[1]).toMatch(/^fixtures\/claims\/rust-summary-wrong-total\.md:80:12  error  /);
    expect(lines[2]).toMatch(/^fixtures\/claims\/rust-summary-wrong-total\.md:179:26  warning  23 hours is not the sum/);
    expect(lines[3]).toBe('1 document, 9 numeric claims checked: 2 failed, 1 warning');
    expect(code).toBe(1);
  });

  it('exits 0 when only warnings remain, and when everything adds up', async () => {
    expect((await run(rel('rope-rust-integration-summary.md'))).code).toBe(0);
    const ok = await run(rel('experiment-sinusoidal-vs-rope.md'));
    expect(ok).toEqual({ stdout: '1 document, 6 numeric claims checked: all consistent\n', code: 0 });
  });

  it('--verbose lists consistent claims too; --kinds narrows the extractors', async () => {
    const verbose = await run(rel('experiment-sinusoidal-vs-rope.md'), '--verbose');
    expect(verbose.stdout.split('\n').filter((l) => l.includes('  ok  '))).toHaveLength(6);
    const narrowed = await run(rel('rust-summary-wrong-total.md'), '--kinds', 'product');
    expect(narrowed).toEqual({ stdout: '1 document, 1 numeric claim checked: all consistent\n', code: 0 });
  });

  it('--format json prints the ClaimsReport', async () => {
    const { stdout, code } = await run(rel('rust-summary-wrong-total.md'), '--format', 'json');
    const report = JSON.parse(stdout) as ClaimsReport;
    expect(report.summary).toEqual({ checked: 9, ok: 6, warn: 1, fail: 2 });
    expect(report.files[0]!.claims.find((c) => c.status === 'fail')).toMatchObject({
      kind: 'itemized-total',
      stated: '145 tests',
      expected: '142 tests',
      location: { file: rel('rust-summary-wrong-total.md'), line: 55, column: 7 },
    });
    expect(code).toBe(1);
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

  it('an unknown extractor name is a usage error', async () => {
    await expect(run(rel('product.ok.md'), '--kinds', 'sums')).rejects.toThrow("unknown claim kind 'sums'");
  });

  it('the formatter is pure and says when nothing was found', () => {
    expect(formatClaimsReport({ files: [{ file: 'a.md', claims: [] }], summary: { checked: 0, ok: 0, warn: 0, fail: 0 } })).toBe(
      '1 document, 0 numeric claims checked: none found',
    );
  });
});
