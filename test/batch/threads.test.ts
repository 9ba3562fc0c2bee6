/**
 * Batch grading in worker threads. The threads run the built package
 * (dist/batch/worker.js, which the tests' global setup keeps current); test rubrics with the `probe`
 * kind reach them through a registry module (thread-kinds.js), which can also
 * crash, end or hang its thread on demand.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/batch/csv.js';
import { runBatch, type BatchEvent, type BatchOptions, type BatchResult } from '../../src/batch/run.js';
import { defaultThreads, threadCount } from '../../src/batch/threads.js';
import { defaultRegistry, Registry } from '../../src/checks/registry.js';
import { schemaValidator } from '../../src/core/ajv.js';
import { grade } from '../../src/core/engine.js';
import type { Report } from '../../src/core/types.js';
import { listRubricFiles, loadRubricFile, resolveRubric } from '../../src/rubric/load.js';
import { probeKind } from './probe-kind.js';
import { stopThenResume } from './stop-case.js';
import { needsToGrade } from '../helpers/machine.js';
import { eventually } from '../helpers/wait.js';

const bin = new URL('../../dist/cli/bin.js', import.meta.url).pathname;
const threadKinds = new URL('./thread-kinds.js', import.meta.url).pathname;
const batchClass = new URL('../../fixtures/batch/class/', import.meta.url).pathname;
const labFixtures = new URL('../../fixtures/rope-lab02/', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'rubricate-threads-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const validate = schemaValidator('report.schema.json');

// The probe and a built-in kind; the threads get the same kinds from thread-kinds.js.
const rubricFile = join(tmp, 'rubric.yaml');
writeFileSync(
  rubricFile,
  `id: threads-test
title: Thread test rubric
version: 1
target: lab
passThreshold: 0.6
dimensions:
  - { id: code, title: Code }
  - { id: writeup, title: Write-up }
criteria:
  - id: probe
    title: The probe answers as told
    kind: probe
    points: 10
    dimension: code
  - id: answer-present
    title: answer.txt is handed in
    kind: files
    points: 5
    dimension: writeup
    options:
      required:
        - path: answer.txt
`,
);
const rubric = await loadRubricFile(rubricFile, new Registry([...defaultRegistry.all(), probeKind]));

let counter = 0;
function freshDir(prefix: string): string {
  const dir = join(tmp, `${prefix}-${++counter}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** The batch test class plus submissions whose answer.txt says `extra[name]`. */
function classWith(extra: Record<string, string> = {}): { folders: string[]; out: string } {
  const base = freshDir('case');
  const classDir = join(base, 'class');
  cpSync(batchClass, classDir, { recursive: true });
  for (const [name, answer] of Object.entries(extra)) {
    mkdirSync(join(classDir, name));
    writeFileSync(join(classDir, name, 'answer.txt'), `${answer}\n`);
  }
  const folders = readdirSync(classDir)
    .sort()
    .map((name) => join(classDir, name));
  return { folders, out: join(base, 'out') };
}

function probeBatch(options: Partial<BatchOptions> & Pick<BatchOptions, 'submissions' | 'outDir'>): Promise<BatchResult> {
  return runBatch({ rubric, registryModule: threadKinds, jobs: 2, threads: 2, ...options });
}

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

/** A report (or Gradescope results) without its timings, which differ from run to run. */
function timeless(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value), (key, v: unknown) => (key === 'durationMs' || key === 'execution_time' ? undefined : v));
}

function rowsOf(out: string): Record<string, string[]> {
  const rows = parseCsv(readFileSync(join(out, 'grades.csv'), 'utf8')).slice(1);
  return Object.fromEntries(rows.map((r) => [r[0]!, r]));
}

describe('when a batch grades in threads', () => {
  const plain = { jobs: 4, count: 10, rubric, services: { python: 'python3' }, hasRegistry: false };

  it('one thread per job up to the cores and the submissions (one on 2 cores); 0 or what cannot cross to a thread grades in-thread', () => {
    expect(threadCount(plain)).toBe(defaultThreads(4, availableParallelism()));
    expect(threadCount({ ...plain, cores: 2 })).toBe(1);
    expect(threadCount({ ...plain, cores: 1 })).toBe(1);
    expect(threadCount({ ...plain, cores: 3 })).toBe(3);
    expect(threadCount({ ...plain, cores: 8 })).toBe(4);
    expect(threadCount({ ...plain, cores: 2, threads: 2 })).toBe(2);
    expect(threadCount({ ...plain, jobs: 1 })).toBe(1);
    expect(threadCount({ ...plain, count: 1, threads: 3 })).toBe(1);
    expect(threadCount({ ...plain, threads: 3 })).toBe(3);
    expect(threadCount({ ...plain, threads: 0 })).toBe(0);
    expect(threadCount({ ...plain, count: 0 })).toBe(0);
    // A fake session factory (tests) or a registry object stays on the calling thread.
    expect(threadCount({ ...plain, services: { openLearnerSession: async () => undefined } })).toBe(0);
    expect(threadCount({ ...plain, hasRegistry: true })).toBe(0);
    expect(threadCount({ ...plain, hasRegistry: true, registryModule: threadKinds, cores: 4 })).toBe(4);
  });

  it('every bundled rubric survives the structured clone that takes it to a thread', async () => {
    const files = await listRubricFiles();
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const loaded = await loadRubricFile(file);
      expect(structuredClone(loaded)).toStrictEqual(loaded);
    }
  });
});

/** Labs in other languages than Python, graded by their own runners. */
const ownRunners = [
  { rubric: 'rope-lab02-ts', folder: new URL('../../fixtures/rope-lab02-ts/ok-typescript', import.meta.url).pathname },
  { rubric: 'rope-lab02-ts', folder: new URL('../../fixtures/rope-lab02-ts/bug-split-half', import.meta.url).pathname },
  { rubric: 'rope-lab02-rust', folder: new URL('../../fixtures/rope-lab02-rust/ok-rust', import.meta.url).pathname },
];
const ownRunnerRubrics = new Map(await Promise.all(ownRunners.map(async ({ rubric: id }) => [id, await resolveRubric(id)] as const)));

describe('batch grading in worker threads', () => {
  it('writes the same reports, feedback and gradebook as in-thread mode for lab fixtures', async () => {
    const lab = await resolveRubric('rope-lab02');
    const names = ['ok-interleaved', 'bug-split-half', 'bug-in-place', 'not-ok-manifest-schema', 'hostile-os-exit'];
    const folders = names.map((n) => join(labFixtures, n));
    const base = freshDir('lab');
    const modes: Record<string, BatchResult> = {};
    for (const threads of [2, 0]) {
      modes[threads] = await runBatch({ submissions: folders, rubric: lab, outDir: join(base, `t${threads}`), jobs: 2, threads, formats: ['gradescope'] });
    }
    expect(modes[2]!.threads).toBe(2);
    expect(modes[0]!.threads).toBe(0);
    expect(modes[2]!.graded).toBe(names.length);
    for (const name of names) {
      const threaded = readJson<Report>(join(base, 't2', 'reports', `${name}.json`));
      const inThread = readJson<Report>(join(base, 't0', 'reports', `${name}.json`));
      expect(validate(threaded), JSON.stringify(validate.errors)).toBe(true);
      expect(timeless(threaded), name).toStrictEqual(timeless(inThread));
      const feedback = `feedback/${name}.md`;
      expect(readFileSync(join(base, 't2', feedback), 'utf8'), feedback).toBe(readFileSync(join(base, 't0', feedback), 'utf8'));
      const gradescope = `gradescope/${name}.json`;
      expect(timeless(readJson(join(base, 't2', gradescope))), gradescope).toStrictEqual(timeless(readJson(join(base, 't0', gradescope))));
    }
    // Sorted the same way whatever order the threads finished in.
    expect(readFileSync(join(base, 't2', 'grades.csv'), 'utf8')).toBe(readFileSync(join(base, 't0', 'grades.csv'), 'utf8'));
    expect(readJson<{ rows: unknown[] }>(join(base, 't2', 'batch.json')).rows.map(timeless)).toStrictEqual(
      readJson<{ rows: unknown[] }>(join(base, 't0', 'batch.json')).rows.map(timeless),
    );
  });

  for (const [index, { rubric: id, folder }] of ownRunners.entries()) {
    const rubric = ownRunnerRubrics.get(id)!;
    it(`grades ${id} labs with their own runner, not the Python fork servers, in threads and in-thread (${basename(folder)})`, { ...needsToGrade(rubric), timeout: 600_000 }, async () => {
      const base = freshDir('languages');
      const checks = (report: Report) => report.checks.map((c) => ({ id: c.id, status: c.status, message: c.message }));
      const single = await grade({ rubric, target: folder });
      expect(single.checks.some((c) => c.status === 'error'), `${id} ${folder}`).toBe(false);
      for (const threads of [1, 0]) {
        const out = join(base, `${index}-t${threads}`);
        await runBatch({ submissions: [folder], rubric, outDir: out, jobs: 1, threads });
        const name = readdirSync(join(out, 'reports'))[0]!;
        expect(checks(readJson<Report>(join(out, 'reports', name))), `${id} ${name} threads=${threads}`).toStrictEqual(checks(single));
      }
    });
  }

  it('a thread that crashes, ends or never yields costs only its own submission a report: every submission gets one', async () => {
    const { folders, out } = classWith({ crash: 'crash', exit: 'exit', spin: 'spin' });
    const events: BatchEvent[] = [];
    // Two submissions per thread: a crash takes an innocent one down too, which is graded again alone.
    const result = await probeBatch({ submissions: folders, outDir: out, jobs: 4, threads: 2, submissionTimeoutMs: 1500, onEvent: (e) => events.push(e) });
    expect(result.threads).toBe(2);
    expect(result.total).toBe(10);
    expect(result.stopped).toBe(false);
    const names = ['alice', 'bob', 'carol', 'crash', 'dave', 'erin', 'exit', 'frank', 'grace', 'spin'];
    expect(readdirSync(join(out, 'reports')).sort()).toEqual(names.map((n) => `${n}.json`));
    expect(readdirSync(join(out, 'feedback')).sort()).toEqual(names.map((n) => `${n}.md`));
    expect(readdirSync(join(out, 'reports')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(events.filter((e) => e.type === 'submission').map((e) => (e.type === 'submission' ? e.entry.name : '')).sort()).toEqual(names);
    // Without eventReports the threads send rows only, not copies of the reports.
    expect(events.some((e) => e.type === 'submission' && e.report !== undefined)).toBe(false);

    const rows = rowsOf(out);
    expect(rows.crash!.slice(5)).toEqual(['error', 'probe: the grading thread stopped while grading this submission (grading thread crashed on purpose); the submission was not graded']);
    expect(rows.exit![5]).toBe('error');
    expect(rows.exit![6]).toContain('the grading thread stopped while grading this submission (exit code 3)');
    expect(rows.spin![6]).toContain('grading took longer than the batch limit of 1.5 s');
    for (const name of ['crash', 'exit', 'spin']) {
      const report = readJson<Report>(join(out, 'reports', `${name}.json`));
      expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
      expect(report.checks.every((c) => c.status === 'error')).toBe(true);
      // No cache key: the next run grades it again.
      expect(report.environment?.cacheKey).toBeUndefined();
    }

    // Everyone else is graded exactly as on the calling thread.
    const { folders: calm, out: calmOut } = classWith();
    await probeBatch({ submissions: calm, outDir: calmOut, threads: 0 });
    const expected = rowsOf(calmOut);
    expect(expected.alice!.slice(1, 6)).toEqual(['15', '15', '10', '5', 'passed']);
    expect(expected.dave![6]).toContain('probe crashed on purpose');
    for (const name of ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace']) expect(rows[name], name).toEqual(expected[name]);
  });

  it('re-runs reuse what threads wrote; a resumed run grades only what is missing', async () => {
    const { folders, out } = classWith();
    const first = await probeBatch({ submissions: folders, outDir: out });
    expect([first.graded, first.reused, first.threads]).toEqual([7, 0, 2]);
    const alice = statSync(join(out, 'reports', 'alice.json')).mtimeMs;
    rmSync(join(out, 'reports', 'carol.json'));
    rmSync(join(out, 'reports', 'erin.json'));
    rmSync(join(out, 'feedback', 'bob.md'));
    writeFileSync(join(out, 'reports', 'dave.json.4242.1.7.tmp'), '{"schemaVer');
    const resumed = await probeBatch({ submissions: folders, outDir: out });
    expect([resumed.graded, resumed.reused]).toEqual([2, 5]);
    expect(statSync(join(out, 'reports', 'alice.json')).mtimeMs).toBe(alice);
    expect(existsSync(join(out, 'feedback', 'bob.md'))).toBe(true);
    expect(readdirSync(join(out, 'reports')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(Object.keys(rowsOf(out))).toHaveLength(7);
  });

  it('stopping (Ctrl-C) writes nothing for the submissions cut off in their threads, and the next run grades them', async () => {
    const { folders, out } = classWith({ 'b-slow': 'hang' });
    const three = ['alice', 'b-slow', 'carol'].map((n) => folders.find((f) => f.endsWith(`/${n}`))!);
    await stopThenResume(probeBatch, three as [string, string, string], out);
  });

  it('a registry module that does not load fails the batch with its reason instead of hanging', async () => {
    const { folders, out } = classWith();
    const broken = join(freshDir('module'), 'no-registry.js');
    writeFileSync(broken, 'export const nothing = 1;\n');
    await expect(probeBatch({ submissions: folders, outDir: out, registryModule: broken })).rejects.toThrow(/exports no check-kind registry/);
  });
});

describe('the CLI killed mid-batch in thread mode', () => {
  it('resumes: the reports written before the kill are kept, only the rest is graded', { timeout: 600_000 }, async () => {
    const names = readdirSync(labFixtures).filter((n) => /^(ok|bug)-/.test(n) && !n.includes('.')).sort().slice(0, 5);
    const classDir = freshDir('killed');
    const folders: string[] = [];
    for (const copy of [1, 2]) {
      for (const name of names) {
        const dir = join(classDir, 'class', `${name}-${copy}`);
        cpSync(join(labFixtures, name), dir, { recursive: true });
        folders.push(dir);
      }
    }
    const out = join(classDir, 'out');
    const args = [bin, 'grade', ...folders, '--rubric', 'rope-lab02', '--out', out, '--jobs', '2', '--threads', '2'];
    const env = { ...process.env, NO_COLOR: '1', CI: '1', GITHUB_ACTIONS: '' };
    const child = spawn(process.execPath, args, { env, stdio: 'ignore' });
    const exited = new Promise<void>((done) => child.on('exit', () => done()));
    const reports = () => (existsSync(join(out, 'reports')) ? readdirSync(join(out, 'reports')).filter((f) => f.endsWith('.json')) : []);
    await eventually(() => reports().length > 0, 120_000);
    child.kill('SIGKILL');
    await exited;
    const kept = reports().length;
    expect(kept).toBeGreaterThan(0);
    expect(existsSync(join(out, 'grades.csv'))).toBe(false);

    const again = spawnSync(process.execPath, args, { env, encoding: 'utf8', timeout: 300_000 });
    expect(again.stdout).toContain(`${folders.length - kept} graded, ${kept} unchanged`);
    expect(reports()).toHaveLength(folders.length);
    expect(Object.keys(rowsOf(out))).toHaveLength(folders.length);
  });
});
