/**
 * Batch mode and merge through the built CLI (dist/, built by `npm test`):
 * usage errors are one line with exit 2; with the check kinds registered, a
 * class of lab fixtures becomes a folder of reports and a gradebook.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/batch/csv.js';
import { defaultRegistry } from '../../src/checks/registry.js';

const bin = new URL('../../dist/cli/bin.js', import.meta.url).pathname;
const labFixtures = new URL('../../fixtures/rope-lab02/', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'rubricate-batch-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function run(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '', CI: '1', GITHUB_ACTIONS: '', ...env },
    timeout: 120_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe.runIf(existsSync(bin))('batch CLI usage', () => {
  it('batch-only options without --out are a usage error', () => {
    const r = run(['grade', 'fixtures/batch/class/alice', '--jobs', '2']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('rubricate: --jobs needs batch mode: add --out <dir>');
  });

  it('--jobs and --threads take digits only; the time limits take seconds above 0', () => {
    for (const [option, value] of [
      ['--jobs', '0x10'],
      ['--jobs', '1e3'],
      ['--threads', ' 2'],
      ['--threads', ''],
      ['--submission-timeout', '1e2'],
      ['--import-timeout', '0'],
      ['--call-timeout', '-1'],
      ['--call-timeout', '90000'],
    ]) {
      const r = run(['grade', 'fixtures/batch/class/alice', '--out', join(tmp, 'digits'), option!, value!]);
      expect(r.code, `${option} '${value}'`).toBe(2);
      expect(r.stderr).toContain(`argument '${value}' is invalid`);
    }
    expect(existsSync(join(tmp, 'digits'))).toBe(false);
  });

  it('a malformed --shard is a usage error', () => {
    const r = run(['grade', 'fixtures/batch/class/alice', '--out', join(tmp, 'x'), '--shard', '5/4']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("invalid --shard '5/4'");
  });

  it('an unreadable --from list is a usage error', () => {
    const r = run(['grade', '--from', join(tmp, 'no-such-list.txt'), '--out', join(tmp, 'x')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/^rubricate: cannot read the submission list .*no-such-list\.txt \(ENOENT\)$/);
  });

  it('merge refuses a folder that is not a batch output', () => {
    const r = run(['merge', tmp, '--out', join(tmp, 'merged')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is not a batch output folder');
  });
});

const hasLabKinds = ['files', 'manifest', 'writeup', 'mentions'].every((k) => defaultRegistry.get(k));

describe.runIf(existsSync(bin) && hasLabKinds && existsSync(labFixtures))('batch CLI over lab fixtures', () => {
  // Grades the class three times (whole, two shards): each submission now also runs its verify.py in the sandbox, hence 4 of them and more time.
  it('grades a class from a list file, shards it, merges the shards, and re-runs without regrading', { timeout: 240_000 }, () => {
    const names = readdirSync(labFixtures).filter((n) => /^(ok|not-ok)-/.test(n) && !n.includes('.')).sort().slice(0, 4);
    const list = join(tmp, 'class.txt');
    writeFileSync(list, `# the class\n${names.map((n) => join(labFixtures, n)).join('\n')}\n`);
    const out = join(tmp, 'whole');
    const first = run(['grade', '--from', list, '--rubric', 'rope-lab02', '--out', out, '--format', 'junit']);
    expect([0, 1]).toContain(first.code);
    expect(first.stdout).toMatch(new RegExp(`^${names.length} submissions in .*${names.length} graded, 0 unchanged\\. Gradebook: `));
    const rows = parseCsv(readFileSync(join(out, 'grades.csv'), 'utf8'));
    expect(rows.slice(1).map((r) => r[0])).toEqual(names);
    expect(readdirSync(join(out, 'junit'))).toHaveLength(names.length);

    const again = run(['grade', '--from', list, '--rubric', 'rope-lab02', '--out', out]);
    expect(again.stdout).toContain(`0 graded, ${names.length} unchanged`);

    for (const i of [1, 2]) run(['grade', '--from', list, '--rubric', 'rope-lab02', '--out', join(tmp, `part-${i}`), '--shard', `${i}/2`]);
    const merged = run(['merge', join(tmp, 'part-1'), join(tmp, 'part-2'), '--out', join(tmp, 'merged')]);
    expect(merged.stderr).toBe('');
    expect(merged.stdout).toContain(`${names.length} submissions from 2 parts`);
    expect(readFileSync(join(tmp, 'merged', 'grades.csv'), 'utf8')).toBe(readFileSync(join(out, 'grades.csv'), 'utf8'));
  });

  it('in GitHub Actions, prints annotations and appends the summary to the step summary', () => {
    const summary = join(tmp, 'step-summary.md');
    const r = run(['grade', join(labFixtures, 'not-ok-manifest-schema'), '--rubric', 'rope-lab02', '--format', 'json'], {
      GITHUB_ACTIONS: 'true',
      GITHUB_STEP_SUMMARY: summary,
    });
    expect(r.code).toBe(1);
    expect(() => JSON.parse(r.stdout)).not.toThrow();
    expect(r.stderr).toMatch(/^::(error|warning) file=.*not-ok-manifest-schema\/manifest\.json/m);
    expect(readFileSync(summary, 'utf8')).toContain('| submission | score | result | checks |');
  });

  it('keeps the step summary within the 1 MiB GitHub keeps of a step, counting what the step wrote before', () => {
    const summary = join(tmp, 'full-step-summary.md');
    // Earlier commands of the step wrote all but 200 bytes, in three-byte characters.
    writeFileSync(summary, '✅'.repeat(Math.floor((1024 * 1024 - 200) / 3)) + '\n');
    const r = run(['grade', join(labFixtures, 'not-ok-manifest-schema'), '--rubric', 'rope-lab02', '--format', 'json'], {
      GITHUB_ACTIONS: 'true',
      GITHUB_STEP_SUMMARY: summary,
    });
    expect(r.code).toBe(1);
    expect(statSync(summary).size).toBeLessThanOrEqual(1024 * 1024);
    expect(readFileSync(summary, 'utf8')).toMatch(/\| submission [^]*_\(truncated: GitHub keeps 1 MiB of summary per step\)_\n$/);
  });
});
