/**
 * The command line as users and CI see it: the built bin, its exit codes and
 * its one-line errors. The tests' global setup builds dist/ when it is older
 * than the sources (test/setup/build.ts).
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { schemaValidator } from '../../src/core/ajv.js';
import { eventually } from '../helpers/wait.js';

const bin = new URL('../../dist/cli/bin.js', import.meta.url).pathname;

function run(...args: string[]) {
  return runWith({}, ...args);
}

function runWith(env: NodeJS.ProcessEnv, ...args: string[]) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '', ...env },
    // A hang (such as Node's recursive mkdir spinning on /proc) fails the test instead of the suite.
    timeout: 300_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * Runs `grade` on a lab with `args`, alone and in batch mode: each run is a
 * configuration error with exactly `line` on stderr, nothing on stdout and
 * no batch folder made.
 */
function expectRefusedBeforeGrading(args: string[], line: string, env: NodeJS.ProcessEnv = {}) {
  const lab = 'fixtures/rope-lab02/ok-interleaved';
  const out = mkdtempSync(join(tmpdir(), 'rubricate-cli-refused-'));
  try {
    for (const batch of [[], ['--out', join(out, 'batch')]]) {
      const r = runWith(env, 'grade', lab, ...batch, ...args);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toEqual([line]);
      expect(r.stdout).toBe('');
    }
    expect(existsSync(join(out, 'batch'))).toBe(false);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

// Each test starts the CLI two to five times, some grading a lab: minutes each on a machine loaded many times over.
describe('rubricate CLI', { timeout: 600_000 }, () => {
  it('--help teaches the commands and exit codes, and exits 0', () => {
    const r = run('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('grade');
    expect(r.stdout).toContain('Exit codes');
  });

  it('a reader that closes the pipe early gets no stack trace', () => {
    const r = spawnSync('bash', ['-c', `"${process.execPath}" "${bin}" rubric kinds | head -c 10 >/dev/null`], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stderr).not.toContain('EPIPE');
  });

  it('grade --help shows examples', () => {
    const r = run('grade', '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--rubric');
    expect(r.stdout).toContain('Examples');
  });

  it('an unknown option is a usage error: exit 2', () => {
    const r = run('grade', '--frobnicate', 'x');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown option');
  });

  it('an unknown format is a usage error: exit 2', () => {
    const r = run('grade', 'fixtures/rope-lab02/ok-interleaved', '--format', 'yaml');
    expect(r.code).toBe(2);
  });

  it('an unknown rubric is a configuration error with one line and no stack trace', () => {
    const r = run('grade', 'fixtures/rope-lab02/ok-interleaved', '--rubric', 'rope-lab2');
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain("unknown rubric 'rope-lab2'");
    expect(r.stderr).toContain("did you mean 'rope-lab02'");
    expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/);
  });

  it('an interpreter that cannot run the lab is a configuration error before anything is graded', () => {
    const out = mkdtempSync(join(tmpdir(), 'rubricate-cli-python-'));
    try {
      for (const args of [[], ['--out', join(out, 'batch')]]) {
        const r = run('grade', 'fixtures/rope-lab02/ok-interleaved', '--python', '/bin/false', ...args);
        expect(r.code).toBe(2);
        expect(r.stderr.trim().split('\n')).toEqual(['rubricate: --python /bin/false did not answer as a Python 3 interpreter; pass the path of a Python 3 interpreter that has NumPy']);
        expect(r.stdout).toBe('');
      }
      expect(existsSync(join(out, 'batch'))).toBe(false);
      // A rubric without Python code checks does not need one.
      const doc = run('grade', 'fixtures/rope-lab02-ts/ok-typescript', '--rubric', 'rope-lab02-ts', '--python', '/bin/false', '--format', 'json');
      expect(doc.code).toBe(0);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('--isolation bwrap where bubblewrap does not work is a configuration error before anything is graded', () => {
    // On every machine: a bwrap first on PATH that fails, as one does without user namespaces.
    const fake = mkdtempSync(join(tmpdir(), 'rubricate-cli-bwrap-'));
    try {
      writeFileSync(join(fake, 'bwrap'), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
      const env = { PATH: `${fake}${delimiter}${process.env.PATH ?? ''}` };
      // The TypeScript lab too: every rubric that runs learner code needs the isolation.
      expectRefusedBeforeGrading(
        ['--isolation', 'bwrap'],
        'rubricate: isolation "bwrap" was requested but bubblewrap is not installed or does not work here; install it (apt-get install bubblewrap) or use --isolation auto',
        env,
      );
      const ts = runWith(env, 'grade', 'fixtures/rope-lab02-ts/ok-typescript', '--rubric', 'rope-lab02-ts', '--isolation', 'bwrap');
      expect([ts.code, ts.stdout]).toEqual([2, '']);
    } finally {
      rmSync(fake, { recursive: true, force: true });
    }
  });

  it('a sandbox probe that passed (and was cached) but a sandbox that does not start fails closed, and the cached pass is forgotten', () => {
    // A bwrap first on PATH that passes rubricate's probe (`... -- true`) and fails every real sandbox.
    const fake = mkdtempSync(join(tmpdir(), 'rubricate-cli-stale-bwrap-'));
    try {
      writeFileSync(join(fake, 'bwrap'), '#!/bin/sh\nfor a; do last=$a; done\n[ "$last" = true ] && exit 0\nexit 1\n', { mode: 0o755 });
      const env = { PATH: `${fake}${delimiter}${process.env.PATH ?? ''}`, XDG_CACHE_HOME: join(fake, 'cache') };
      const cache = join(fake, 'cache', 'rubricate', 'sandbox.json');
      for (let run = 0; run < 2; run++) {
        const r = runWith(env, 'grade', 'fixtures/rope-lab02/ok-interleaved', '--format', 'json');
        expect(r.code).toBe(1);
        const report = JSON.parse(r.stdout) as { checks: Array<{ id: string; status: string; message: string }> };
        const code = report.checks.filter((c) => c.id.startsWith('code-') || c.id.startsWith('verify-'));
        expect(code.length).toBeGreaterThan(5);
        // No learner code ran: every check that needs it reports the sandbox that did not start.
        expect(code.filter((c) => c.status === 'pass')).toEqual([]);
        expect(code.some((c) => c.status === 'error' && /harness failed to start/.test(c.message))).toBe(true);
        const stored = JSON.parse(readFileSync(cache, 'utf8')) as { entries: unknown[] };
        expect(stored.entries).toEqual([]);
      }
    } finally {
      rmSync(fake, { recursive: true, force: true });
    }
  });

  it('an output folder that cannot be made is a configuration error, not a hang', () => {
    for (const args of [['--out', '/proc/rubricate-out'], ['-o', '/proc/rubricate-out/report.json']]) {
      const r = run('grade', 'fixtures/rope-lab02/ok-interleaved', ...args);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain('cannot create');
    }
  });

  it('-o naming a folder is a configuration error before anything is graded, not an internal error', () => {
    const folder = mkdtempSync(join(tmpdir(), 'rubricate-cli-o-'));
    try {
      for (const args of [
        ['grade', 'fixtures/rope-lab02/ok-interleaved', '-o', folder],
        ['findings', 'fixtures/verify/build-prompt-complete.md', '--rubric', 'rope-build-prompt', '-o', folder],
      ]) {
        const r = run(...args);
        expect(r.code).toBe(2);
        expect(r.stderr.trim().split('\n')).toEqual([`rubricate: cannot write ${folder}: it is a folder; name a file to write the report to`]);
        expect(r.stdout).toBe('');
      }
      expect(readdirSync(folder)).toEqual([]);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('a missing folder among several is a usage error before any of them is graded', () => {
    // A copy of the bundled lab whose code leaves a mark when it runs (at the rlimits level it may write anywhere).
    const tmp = mkdtempSync(join(tmpdir(), 'rubricate-cli-order-'));
    try {
      const lab = join(tmp, 'lab');
      cpSync('fixtures/rope-lab02/ok-interleaved', lab, { recursive: true });
      const mark = join(tmp, 'graded');
      const rope = join(lab, 'src/minimodel/positional/rope.py');
      writeFileSync(rope, `${readFileSync(rope, 'utf8')}\nopen(${JSON.stringify(mark)}, 'w').close()\n`);
      const r = run('grade', lab, 'no/such/folder', '--isolation', 'rlimits');
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toEqual(['rubricate: submission not found: no/such/folder']);
      expect(existsSync(mark)).toBe(false);
      // Grading the lab makes the mark: its absence above means nothing was graded.
      expect([0, 1]).toContain(run('grade', lab, '--isolation', 'rlimits').code);
      expect(existsSync(mark)).toBe(true);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('Ctrl-C while grading exits 130 and leaves no learner process or scratch folder behind', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'rubricate-cli-sigint-'));
    const child = spawn(process.execPath, [bin, 'grade', 'fixtures/rope-lab02/hostile-infinite-loop'], {
      env: { ...process.env, TMPDIR: tmp, NO_COLOR: '1' },
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const commandLine = (pid: string) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      } catch {
        return '';
      }
    };
    // Learner processes name their scratch folder, under TMPDIR, on their command line.
    const learnerProcesses = () => readdirSync('/proc').filter((pid) => /^\d+$/.test(pid) && commandLine(pid).includes(tmp));
    try {
      // Wait for the learner's endless loop to be running in its scratch folder.
      expect(await eventually(() => learnerProcesses().length)).toBeGreaterThan(0);
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      // Killed on the way out; the kernel may take a moment to reap them on a loaded machine. Left alive, the
      // loop would run until its 60 s CPU limit: 10 s of waiting cannot mistake that for a kill.
      expect(await eventually(() => learnerProcesses().length === 0, 10_000)).toBe(true);
      expect(readdirSync(tmp)).toEqual([]);
    } finally {
      child.kill('SIGKILL');
      for (const pid of learnerProcesses()) process.kill(Number(pid), 'SIGKILL');
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('grading a folder with a document rubric is a configuration error, not a failure of every check', () => {
    expectRefusedBeforeGrading(
      ['--rubric', 'rope-build-prompt'],
      "rubricate: rubric 'rope-build-prompt' verifies documents (target: document); grade needs a rubric with target: lab (for a document: rubricate verify <document> --rubric rope-build-prompt)",
    );
  });

  it('--format gradescope with several folders (on stdout or in -o FILE) is a usage error that points to batch mode', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rubricate-gs-'));
    try {
      for (const extra of [[], ['-o', join(dir, 'results.json')]]) {
        const r = run('grade', 'fixtures/rope-lab02/ok-interleaved', 'no/such/folder', '--format', 'gradescope', ...extra);
        expect(r.code).toBe(2);
        expect(r.stdout).toBe('');
        expect(r.stderr.trim().split('\n')).toEqual([
          'rubricate: --format gradescope writes the results.json of one submission, not 2: grade one folder, or add --out <dir> (batch mode: one results.json per submission in <dir>/gradescope/)',
        ]);
      }
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an empty --rubric or --python is a usage error naming the option, not ignored', () => {
    const lab = 'fixtures/rope-lab02/ok-interleaved';
    for (const args of [['grade', lab, '--rubric', ''], ['grade', lab, '--python', ''], ['grade', lab, '--rubric= '], ['verify', 'curricula', '--rubric', ''], ['findings', 'x.md', '-r', '']]) {
      const r = run(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trim().split('\n');
      expect(lines, args.join(' ')).toHaveLength(1);
      expect(lines[0]).toMatch(args.includes('--python') ? /--python <path>' argument '' is invalid/ : /--rubric <id\|path>' argument ' ?' is invalid/);
    }
  });

  it('a folder listed twice is graded once', () => {
    const lab = 'fixtures/rope-lab02/ok-interleaved';
    const r = run('grade', lab, `${lab}/`, `./${lab}`, '--rubric', 'rope-lab02', '--format', 'json');
    const reports = ([] as Array<{ submission: { path: string } }>).concat(JSON.parse(r.stdout));
    expect(reports.map((report) => report.submission.path)).toEqual([lab]);
  });

  it('a missing submission folder is a usage error', () => {
    const r = run('grade', 'no/such/folder', '--rubric', 'rope-lab02');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('submission not found');
  });

  it('rubric check names the YAML line of a misspelt key and exits 2', () => {
    const r = run('rubric', 'check', 'fixtures/rubrics/bad-misspelt-key.yaml');
    expect(r.code).toBe(2);
    expect(r.stdout).toContain("fixtures/rubrics/bad-misspelt-key.yaml:13:5: error: unknown key 'pionts'");
  });

  it('rubric check accepts every bundled rubric', () => {
    const r = run('rubric', 'list');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('rope-lab02');
    expect(r.stdout).not.toContain('invalid');
  });

  it('rubric kinds lists the check kinds', () => {
    const r = run('rubric', 'kinds');
    expect(r.code).toBe(0);
    for (const kind of ['files', 'manifest', 'writeup', 'mentions']) expect(r.stdout).toContain(kind);
  });

  it('grades the bundled example: readable report, exit 0', () => {
    const r = run('grade', 'fixtures/rope-lab02/ok-interleaved');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('PASSED');
    expect(r.stdout).not.toMatch(/\u001b\[/);
  });

  it('a failing submission exits 1 and its JSON validates', () => {
    const r = run('grade', 'fixtures/rope-lab02/not-ok-manifest-syntax', '--rubric', 'rope-lab02', '--format', 'json');
    expect(r.code).toBe(1);
    const validate = schemaValidator('report.schema.json');
    const report = JSON.parse(r.stdout) as unknown;
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
  });
});
