/**
 * Batch mode and merge through the built CLI (dist/, which the tests' global setup keeps current):
 * usage errors are one line with exit 2; with the check kinds registered, a
 * class of lab fixtures becomes a folder of reports and a gradebook.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/batch/csv.js';

const bin = new URL('../../dist/cli/bin.js', import.meta.url).pathname;
const labFixtures = new URL('../../fixtures/rope-lab02/', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'rubricate-batch-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function run(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '', CI: '1', GITHUB_ACTIONS: '', ...env },
    timeout: 300_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('batch CLI usage', () => {
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

describe('batch CLI over lab fixtures', () => {
  // Four submissions graded four times over by the CLI (each also runs its verify.py in the sandbox): minutes on a loaded machine.
  it('grades a class from a list file, shards it, merges the shards, and re-runs without regrading', { timeout: 600_000 }, () => {
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

/** A rubric that only looks for files: grading it runs no learner code, so a class of hundreds grades in seconds. */
function filesRubric(): string {
  const file = join(tmp, 'files-only.yaml');
  writeFileSync(
    file,
    'id: files-only\ntitle: Files only\nversion: 1\ntarget: lab\npassThreshold: 0.5\ndimensions:\n  - { id: code, title: Code }\n' +
      'criteria:\n  - id: readme\n    title: A README\n    kind: files\n    points: 1\n    dimension: code\n    options:\n      required:\n        - path: README.md\n',
  );
  return file;
}

/** `count` submission folders, each with a README, and the files an LMS export puts beside them. */
function lmsExport(name: string, count: number): { dir: string; folders: string[] } {
  const dir = join(tmp, name);
  const folders: string[] = [];
  for (let i = 0; i < count; i++) {
    const folder = join(dir, `learner-${String(i).padStart(4, '0')}`);
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'README.md'), '# notes\n');
    folders.push(folder);
  }
  writeFileSync(join(dir, 'submission_metadata.yml'), 'learner-0000: {}\n');
  writeFileSync(join(dir, 'learner-0000.expected.json'), '{}\n');
  mkdirSync(join(dir, '__MACOSX'));
  return { dir, folders };
}

describe('batch CLI: what is a submission, how a batch ends', () => {
  it('skips files and archive debris beside the folders with one notice, and grades only the folders', () => {
    const { dir } = lmsExport('lms', 3);
    const paths = readdirSync(dir).map((n) => join(dir, n));
    const r = run(['grade', ...paths, '--rubric', filesRubric(), '--out', join(tmp, 'lms-out')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^rubricate: skipped 3 paths that are not submission folders: .*(submission_metadata\.yml|__MACOSX|expected\.json)/m);
    expect(readdirSync(join(tmp, 'lms-out', 'reports')).sort()).toEqual(['learner-0000.json', 'learner-0001.json', 'learner-0002.json']);
  });

  it('a missing path is a usage error before anything is written, as in single mode', () => {
    const { folders } = lmsExport('missing', 1);
    const r = run(['grade', folders[0]!, join(tmp, 'no-such-learner'), '--rubric', filesRubric(), '--out', join(tmp, 'missing-out')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`rubricate: submission not found: ${join(tmp, 'no-such-learner')}`);
    expect(existsSync(join(tmp, 'missing-out'))).toBe(false);
  });

  it('refuses a single-report format in batch mode instead of ignoring it', () => {
    const { folders } = lmsExport('formats', 1);
    for (const format of ['markdown', 'json']) {
      const r = run(['grade', folders[0]!, '--rubric', filesRubric(), '--out', join(tmp, 'formats-out'), '--format', format]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`--format ${format} is for one submission; batch mode always writes reports/<name>.json and feedback/<name>.md`);
    }
  });

  it('a batch stopped by SIGINT exits 130 and says how many were graded', async () => {
    const { folders } = lmsExport('stopped', 400);
    const list = join(tmp, 'stopped.txt');
    writeFileSync(list, folders.join('\n'));
    const child = spawn(process.execPath, [bin, 'grade', '--from', list, '--rubric', filesRubric(), '--out', join(tmp, 'stopped-out'), '--jobs', '1', '--threads', '0'], {
      env: { ...process.env, NO_COLOR: '1', CI: '1', GITHUB_ACTIONS: '' },
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    // Interrupt once the first submission is graded (its progress line), as a person pressing Ctrl-C would.
    await new Promise<void>((resolve) => {
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (/\[1\/400\]/.test(stderr)) resolve();
      });
    });
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(130);
    expect(stdout).toMatch(/^stopped: \d+ of 400 submissions/);
  });
});
