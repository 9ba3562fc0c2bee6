/**
 * Hostile input to the grader itself (issue 13, item 5 on the grader's side,
 * item 7): each fixtures/rope-lab02/hostile-<class> folder is a complete lab
 * submission whose one hostile entry git cannot store (a FIFO, a socket, a
 * device node, a hard link, a link to /dev/zero or to a host file, a sparse
 * 64 GiB file, a decompression-bomb PNG, names that are not text, a manifest
 * of megabytes or nested 200,000 deep) is made here, in a copy, at run time.
 *
 * The whole class, with a correct submission among them, is graded in one
 * batch by the built CLI in a child process, killed if it has not finished
 * after 15 minutes, so a regression that blocks fails instead of hanging the
 * run. Asserted: the batch answers; the grader's peak memory (VmHWM) stays
 * within 300 MiB of grading the correct submission alone; every hostile
 * entry gets a located finding saying what it is (or, for the sandbox copy, a
 * notice); no output holds the content of the host file the links point at;
 * the correct submission gets full marks; a manifest naming another rubric
 * gets an error report and the rest is graded. Durations are never asserted.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, cpSync, existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schemaValidator } from '../../src/core/ajv.js';
import type { Report } from '../../src/core/types.js';
import { inflationBombPng } from '../helpers/png.js';

const bin = new URL('../../dist/cli/bin.js', import.meta.url).pathname;
const labFixtures = new URL('../../fixtures/rope-lab02/', import.meta.url).pathname;
const installedRubrics = new URL('../../fixtures/rubrics/installed', import.meta.url).pathname;
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const MiB = 1024 * 1024;
/** How much more the grader's peak memory may be than grading the correct submission alone. */
const RSS_HEADROOM = 300 * MiB;
/** The child grader is killed after this (a blocking read would otherwise hang the test run). */
const CHILD_LIMIT_MS = 15 * 60_000;

let tmp: string;
let token: string;
/** A host file outside every submission: a README whose max-diff answer is the token, so that reading it would quote it. */
let hostReadme: string;

/** How each fixture's hostile entry is made in the copy (the fixture folder holds the rest of the submission). */
const recipes: Record<string, (dir: string) => void> = {
  'hostile-readme-fifo': (dir) => execFileSync('mkfifo', [join(dir, 'README.md')]),
  'hostile-rope-fifo': (dir) => {
    mkdirSync(join(dir, 'src/minimodel/positional'), { recursive: true });
    execFileSync('mkfifo', [join(dir, 'src/minimodel/positional/rope.py')]);
  },
  'hostile-manifest-dev-zero': (dir) => symlinkSync('/dev/zero', join(dir, 'manifest.json')),
  // The same device as /dev/zero, made inside the submission (root only: mknod).
  'hostile-plot-device': (dir) => execFileSync('mknod', [join(dir, 'relative_position_demo.png'), 'c', '1', '5']),
  'hostile-output-socket': (dir) =>
    execFileSync('python3', ['-c', `import socket; socket.socket(socket.AF_UNIX).bind(${JSON.stringify(join(dir, 'verify_output.txt'))})`]),
  'hostile-readme-hardlink': (dir) => linkSync(hostReadme, join(dir, 'README.md')),
  'hostile-readme-link-out': (dir) => symlinkSync(hostReadme, join(dir, 'README.md')),
  'hostile-readme-sparse': (dir) => {
    writeFileSync(join(dir, 'README.md'), '');
    truncateSync(join(dir, 'README.md'), 64 * 1024 ** 3);
  },
  // 4 MiB of image data inflating to 4 GiB, under a 2000x2000 header the size check accepts.
  'hostile-plot-bomb': (dir) => writeFileSync(join(dir, 'relative_position_demo.png'), inflationBombPng(2000, 2000, 4 * 1024 ** 3)),
  'hostile-odd-names': (dir) => {
    mkdirSync(join(dir, 'notes'));
    for (const name of ['line\nbreak.md', 'esc\x1b[31mred\x1b[0m.txt', 'bidi\u202Egnp.py', 'tick`<img src=x onerror=alert(1)>`.md', `${'n'.repeat(251)}.txt`, '::error file=x::forged.txt']) {
      writeFileSync(join(dir, 'notes', name), 'note\n');
    }
    execFileSync('python3', ['-c', `open(${JSON.stringify(join(dir, 'notes'))}.encode() + b'/bad\\xff\\xfe.txt', 'w').write('x')`]);
  },
  'hostile-manifest-huge': (dir) => {
    const manifest = JSON.parse(readFileSync(join(labFixtures, 'ok-interleaved/manifest.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...manifest, notes: 'x'.repeat(3 * MiB) }));
  },
  'hostile-manifest-deep': (dir) => {
    const manifest = readFileSync(join(labFixtures, 'ok-interleaved/manifest.json'), 'utf8').trimEnd();
    writeFileSync(join(dir, 'manifest.json'), `${manifest.slice(0, -1)}, "notes": ${'['.repeat(200_000)}${']'.repeat(200_000)}}\n`);
  },
  'hostile-manifest-other-rubric': () => undefined,
  'hostile-manifest-not-string': () => undefined,
  'hostile-checkpoints-cache': () => undefined,
};

interface Expected {
  check: string;
  message: string;
  /** The file the finding is located in. */
  file: string;
}

/** The located finding each hostile entry must get (check id, words of its message, its file). */
const expected: Record<string, Expected[]> = {
  'hostile-readme-fifo': [
    { check: 'writeup-questions', message: 'README.md is a FIFO (named pipe), not a regular file', file: 'README.md' },
    { check: 'files-present', message: 'README.md is a FIFO (named pipe), not a regular file; expected in the submission folder', file: 'README.md' },
  ],
  'hostile-rope-fifo': [
    { check: 'files-present', message: 'src/minimodel/positional/rope.py is a FIFO (named pipe), not a regular file', file: 'src/minimodel/positional/rope.py' },
  ],
  'hostile-manifest-dev-zero': [{ check: 'manifest-schema', message: 'manifest.json is a link to a place outside the submission folder', file: 'manifest.json' }],
  'hostile-plot-device': [
    { check: 'plot-image', message: 'relative_position_demo.png is a character device, not a regular file', file: 'relative_position_demo.png' },
  ],
  'hostile-output-socket': [{ check: 'files-present', message: 'verify_output.txt is a socket, not a regular file', file: 'verify_output.txt' }],
  'hostile-readme-hardlink': [{ check: 'writeup-questions', message: 'README.md has 2 hard links; only files with one are read', file: 'README.md' }],
  'hostile-readme-link-out': [{ check: 'writeup-questions', message: 'README.md is a link to a place outside the submission folder', file: 'README.md' }],
  'hostile-readme-sparse': [{ check: 'writeup-questions', message: 'README.md is too large (65536.0 MiB, limit 2.0 MiB)', file: 'README.md' }],
  'hostile-plot-bomb': [
    {
      check: 'plot-image',
      message: 'relative_position_demo.png is a PNG whose image data inflates to more than its 2000x2000 pixels hold (over 15.3 MiB): a decompression bomb or a corrupt file',
      file: 'relative_position_demo.png',
    },
  ],
  'hostile-manifest-huge': [{ check: 'manifest-schema', message: 'manifest.json is too large', file: 'manifest.json' }],
  'hostile-manifest-deep': [{ check: 'manifest-schema', message: 'nesting deeper than 256 levels', file: 'manifest.json' }],
};

/** Notices of the sandbox copy: what was left out, and why. */
const leftOut: Record<string, string> = {
  'hostile-readme-fifo': "left out of the copy the learner's code runs in: README.md (a FIFO (named pipe), not a regular file)",
  'hostile-manifest-dev-zero': "left out of the copy the learner's code runs in: manifest.json (symlink leaving the submission: /dev/zero)",
  'hostile-plot-device': "left out of the copy the learner's code runs in: relative_position_demo.png (a character device, not a regular file)",
  'hostile-output-socket': "left out of the copy the learner's code runs in: verify_output.txt (a socket, not a regular file)",
  'hostile-readme-hardlink': "left out of the copy the learner's code runs in: README.md (2 hard links; only files with one are copied)",
  'hostile-readme-sparse': `left out of the copy the learner's code runs in: README.md (${64 * 1024 ** 3} bytes, over the per-file cap)`,
  'hostile-odd-names': "left out of the copy the learner's code runs in: notes/bad\uFFFD\uFFFD.txt (name is not valid UTF-8)",
};

const fixtureNames = Object.keys(recipes).filter((name) => name !== 'hostile-plot-device' || isRoot);

/** A copy of each fixture with its hostile entry, and a copy of the correct submission. */
function makeClass(dir: string): string[] {
  mkdirSync(dir);
  const folders: string[] = [];
  for (const name of [...fixtureNames, 'ok-interleaved']) {
    const copy = join(dir, name);
    cpSync(join(labFixtures, name), copy, { recursive: true });
    recipes[name]?.(copy);
    folders.push(copy);
  }
  return folders;
}

interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The grader process's peak resident memory (VmHWM), bytes. */
  peakRss: number;
}

/** Runs the CLI in a child, sampling its peak resident memory until it exits; SIGKILL after CHILD_LIMIT_MS. */
function runGrader(args: string[]): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '', CI: '1', GITHUB_ACTIONS: '', RUBRICATE_RUBRICS: installedRubrics },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let peakRss = 0;
    child.stdout.on('data', (chunk: Buffer) => void (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
    const sample = () => {
      try {
        const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1];
        if (kb) peakRss = Math.max(peakRss, Number(kb) * 1024);
      } catch {
        // Exited.
      }
    };
    const sampler = setInterval(sample, 20);
    const killer = setTimeout(() => child.kill('SIGKILL'), CHILD_LIMIT_MS);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearInterval(sampler);
      clearTimeout(killer);
      resolve({ code, signal, stdout, stderr, peakRss });
    });
  });
}

/** Every file under `dir`, with its content. */
function outputs(dir: string): Array<{ file: string; text: string }> {
  const out: Array<{ file: string; text: string }> = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = join(entry.parentPath, entry.name);
    out.push({ file, text: readFileSync(file, 'latin1') });
  }
  return out;
}

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'rubricate-hostile-input-'));
  token = `HOSTSECRET${randomBytes(8).toString('hex')}`;
  const readme = readFileSync(join(labFixtures, 'ok-interleaved/README.md'), 'utf8');
  const start = readme.indexOf('## Max diff across');
  const end = readme.indexOf('## Norm preservation');
  hostReadme = join(tmp, 'host-readme.md');
  writeFileSync(hostReadme, `${readme.slice(0, start)}## Max diff across the five Block B test cases\n\n${token}\n\n${readme.slice(end)}`);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const validate = schemaValidator('report.schema.json');

describe('hostile input to the grader, in one batch', () => {
  it('the host file would be quoted if the grader read it (the control for the token checks below)', async () => {
    const control = join(tmp, 'control');
    cpSync(join(labFixtures, 'ok-interleaved'), control, { recursive: true });
    cpSync(hostReadme, join(control, 'README.md'));
    const run = await runGrader(['grade', control, '--rubric', 'rope-lab02', '--format', 'json']);
    expect(run.signal).toBeNull();
    expect(run.stdout).toContain(token);
  });

  it(
    'answers for every submission, within its memory bound, with located findings, no host content, and the correct submission graded normally',
    async () => {
      // The same batch shape (two jobs, two grading threads) over two correct submissions.
      const twins = ['a', 'b'].map((name) => {
        const copy = join(tmp, 'twins', name);
        cpSync(join(labFixtures, 'ok-interleaved'), copy, { recursive: true });
        return copy;
      });
      const baseline = await runGrader(['grade', ...twins, '--out', join(tmp, 'baseline'), '--jobs', '2']);
      expect(baseline.signal, baseline.stderr).toBeNull();

      const folders = makeClass(join(tmp, 'class'));
      const out = join(tmp, 'out');
      const run = await runGrader(['grade', ...folders, '--out', out, '--jobs', '2']);
      expect(run.signal, `the grader was killed: ${run.stderr}`).toBeNull();
      expect(run.code, run.stderr).toBe(1);
      expect(run.stdout).toMatch(new RegExp(`^${folders.length} submissions in `));
      // Memory: the bomb stops at 16 MB, the sparse file and /dev/zero are never read.
      expect(run.peakRss - baseline.peakRss, `peak ${run.peakRss >> 20} MiB, alone ${baseline.peakRss >> 20} MiB`).toBeLessThan(RSS_HEADROOM);

      const reports = new Map<string, Report>();
      for (const folder of folders) {
        const name = folder.slice(folder.lastIndexOf('/') + 1);
        const report = JSON.parse(readFileSync(join(out, 'reports', `${name}.json`), 'utf8')) as Report;
        expect(validate(report), `${name}: ${JSON.stringify(validate.errors)}`).toBe(true);
        reports.set(name, report);
      }

      // The correct submission, graded beside all of them, gets every point.
      const ok = reports.get('ok-interleaved')!;
      expect(ok.checks.filter((c) => c.status !== 'pass').map((c) => `${c.id}: ${c.message}`)).toEqual([]);

      for (const [name, findings] of Object.entries(expected)) {
        if (!fixtureNames.includes(name)) continue;
        const report = reports.get(name)!;
        for (const want of findings) {
          const check = report.checks.find((c) => c.id === want.check)!;
          expect(check.status, `${name} ${want.check}: ${check.message}`).toBe('fail');
          expect(check.message, name).toContain(want.message);
          expect(check.location?.file, `${name} ${want.check}`).toBe(want.file);
        }
        // Only the input checks are hit: the code still runs and passes (but where the module itself is the hostile entry).
        if (name !== 'hostile-rope-fifo') {
          expect(report.checks.filter((c) => c.id.startsWith('code-') && c.status !== 'pass').map((c) => `${c.id}: ${c.message}`), name).toEqual([]);
        }
      }
      expect(reports.get('hostile-rope-fifo')!.checks.find((c) => c.id === 'code-shapes')!.message).toBe(
        'no RoPE module found, expected src/minimodel/positional/rope.py or rope.py',
      );
      for (const [name, notice] of Object.entries(leftOut)) {
        if (!fixtureNames.includes(name)) continue;
        expect(reports.get(name)!.notices.map((n) => n.message), name).toContain(notice);
      }

      // Odd names are data: the submission is graded like the correct one.
      expect(reports.get('hostile-odd-names')!.checks.filter((c) => c.status !== 'pass').map((c) => c.id)).toEqual([]);
      // A manifest naming another installed rubric: its own error report; the batch chose rope-lab02 from the others.
      const other = reports.get('hostile-manifest-other-rubric')!;
      expect(other.rubric.id).toBe('rope-lab02');
      expect(other.checks.every((c) => c.status === 'error' && c.message.includes('grade it on its own with --rubric attention-lab03'))).toBe(true);
      // A non-string experiment names no rubric: graded, and the manifest check says what is wrong.
      expect(reports.get('hostile-manifest-not-string')!.checks.find((c) => c.id === 'manifest-schema')).toMatchObject({ status: 'fail', location: { file: 'manifest.json' } });
      // The notebook checkpoint (which would replace apply_rope) is neither copied nor run.
      expect(reports.get('hostile-checkpoints-cache')!.checks.filter((c) => c.status !== 'pass').map((c) => c.id)).toEqual([]);

      // No output quotes the host file the links point at.
      for (const { file, text } of outputs(out)) expect(text.includes(token), file).toBe(false);
      expect(run.stdout + run.stderr).not.toContain(token);

      // Item 7: the cache key covers what the sandbox got. Changing the checkpoint (not copied) reuses the report;
      // changing a file that is copied regrades.
      const checkpoints = join(tmp, 'class', 'hostile-checkpoints-cache');
      const again = (extra: string[] = []) => runGrader(['grade', checkpoints, join(tmp, 'class', 'ok-interleaved'), '--out', join(tmp, 'cache'), '--jobs', '2', ...extra]);
      expect((await again()).stdout).toContain('2 graded, 0 unchanged');
      writeFileSync(join(checkpoints, '.ipynb_checkpoints', 'rope-checkpoint.py'), 'raise SystemExit("never run")\n');
      expect((await again()).stdout).toContain('0 graded, 2 unchanged');
      appendFileSync(join(checkpoints, 'verify.py'), '\n# edited\n');
      expect((await again()).stdout).toContain('1 graded, 1 unchanged');
      expect(statSync(join(tmp, 'cache', 'reports', 'hostile-checkpoints-cache.json')).isFile()).toBe(true);
    },
    20 * 60_000,
  );
});
