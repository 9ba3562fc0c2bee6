/**
 * Batch runs over real fixture folders (fixtures/batch/class, copied to a
 * temp dir so tests can edit them) with a test rubric whose `probe` kind does
 * what each submission's answer.txt says.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { rubricIdentity } from '../../src/batch/cache-key.js';
import { mergeBatches } from '../../src/batch/merge.js';
import { LAYOUT, runBatch, type BatchFile, type BatchOptions } from '../../src/batch/run.js';
import { inShard, parseShard, shardOf } from '../../src/batch/shard.js';
import { nameSubmissions, readListFile } from '../../src/batch/submissions.js';
import { parseCsv } from '../../src/batch/csv.js';
import { Registry } from '../../src/checks/registry.js';
import { schemaValidator } from '../../src/core/ajv.js';
import { UsageError } from '../../src/core/errors.js';
import type { Report } from '../../src/core/types.js';
import { loadRubricFile } from '../../src/rubric/load.js';
import { echoKind } from '../helpers/echo-kind.js';
import { probeCalls, probeKind } from './probe-kind.js';
import { stopThenResume } from './stop-case.js';

const fixtures = new URL('../../fixtures/batch/', import.meta.url).pathname;
const registry = new Registry([echoKind, probeKind]);
const rubric = await loadRubricFile(join(fixtures, 'rubric.yaml'), registry);
const tmp = mkdtempSync(join(tmpdir(), 'rubricate-batch-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const validate = schemaValidator('report.schema.json');

let counter = 0;
/** A fresh copy of the class and a fresh output folder. */
function setup(): { classDir: string; out: string; folders: string[] } {
  const base = join(tmp, `case-${++counter}`);
  const classDir = join(base, 'class');
  cpSync(join(fixtures, 'class'), classDir, { recursive: true });
  const folders = readdirSync(classDir)
    .sort()
    .map((name) => join(classDir, name));
  return { classDir, out: join(base, 'out'), folders };
}

function batch(options: Partial<BatchOptions> & Pick<BatchOptions, 'submissions' | 'outDir'>) {
  return runBatch({ rubric, registry, jobs: 3, ...options });
}

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

beforeEach(() => probeCalls.clear());

describe('batch grading', () => {
  it('announces the jobs it uses: at most one per submission to grade', async () => {
    const { out, folders } = setup();
    const starts: Array<{ jobs: number; inShard: number }> = [];
    await batch({ submissions: folders.slice(0, 4), outDir: out, jobs: 1000, onEvent: (e) => void (e.type === 'start' && starts.push({ jobs: e.jobs, inShard: e.inShard })) });
    expect(starts).toEqual([{ jobs: 4, inShard: 4 }]);
  });

  it('writes one report and one feedback file per submission, a gradebook and a summary', async () => {
    const { out, folders } = setup();
    const result = await batch({ submissions: folders, outDir: out });
    expect(result.total).toBe(7);
    expect(result.graded).toBe(7);
    expect(result.reused).toBe(0);

    const names = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace'];
    expect(readdirSync(join(out, 'reports')).sort()).toEqual(names.map((n) => `${n}.json`));
    expect(readdirSync(join(out, 'feedback')).sort()).toEqual(names.map((n) => `${n}.md`));
    for (const name of names) {
      const report = readJson<Report>(join(out, 'reports', `${name}.json`));
      expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
      expect(report.submission.name).toBe(name);
      expect(typeof report.environment?.cacheKey).toBe('string');
    }
    expect(readFileSync(join(out, 'feedback', 'bob.md'), 'utf8')).toContain('split-half convention');

    const csvText = readFileSync(join(out, 'grades.csv'), 'utf8');
    expect(csvText).toContain('\r\n');
    const rows = parseCsv(csvText);
    expect(rows[0]).toEqual(['submission', 'total', 'max', 'code', 'writeup', 'status', 'diagnosis']);
    expect(rows.slice(1).map((r) => r[0])).toEqual(names);
    for (const row of rows.slice(1)) expect(row).toHaveLength(7);
    const byName = Object.fromEntries(rows.slice(1).map((r) => [r[0], r]));
    expect(byName.alice).toEqual(['alice', '20', '20', '10', '10', 'passed', '']);
    expect(byName.bob!.slice(0, 6)).toEqual(['bob', '10', '20', '0', '10', 'failed']);
    expect(byName.bob![6]).toBe('probe: pairs (i, i+d/2) rotated: split-half convention');
    expect(byName.carol!.slice(0, 6)).toEqual(['carol', '15', '20', '5', '10', 'passed']);
    // A crash inside a check kind is that check's error, not the batch's.
    expect(byName.dave![5]).toBe('error');
    expect(byName.dave![6]).toContain('probe crashed on purpose');
    // Quotes and commas survive the CSV round trip.
    expect(byName.grace![6]).toBe('probe: name with, comma "quoted"');

    const summary = readFileSync(join(out, 'summary.md'), 'utf8');
    expect(summary).toContain('**7 submissions**: 3 passed, 3 not passed, 1 with grading errors.');
    expect(summary).toMatch(/\| `probe` \| The probe answers as told \| 4 \| 1 \| 0 \|/);
    expect(summary).toMatch(/\| 2 \| probe: pairs \(i, i\+d\/2\) rotated: split-half convention \|/);
    expect(summary).toContain('## Submissions with grading errors');

    const batchFile = readJson<BatchFile>(join(out, 'batch.json'));
    expect(batchFile.rows.map((r) => r.submission)).toEqual(names);
    expect(batchFile.rubric.id).toBe('batch-test');
  });

  it('gives a missing folder, a file, special files and a hanging check their own error report, and finishes', async () => {
    const { classDir, out, folders } = setup();
    const odd = join(classDir, 'odd');
    mkdirSync(odd);
    writeFileSync(join(odd, 'answer.txt'), 'pass\n');
    execFileSync('mkfifo', [join(odd, 'pipe')]);
    symlinkSync('loop', join(odd, 'loop'));
    symlinkSync('/nonexistent/target', join(odd, 'dangling'));
    const slow = join(classDir, 'slow');
    mkdirSync(slow);
    writeFileSync(join(slow, 'answer.txt'), 'hang\n');
    const aFile = join(classDir, 'notes.txt');
    writeFileSync(aFile, 'not a folder');
    const missing = join(classDir, 'ghost');

    const result = await batch({ submissions: [...folders, odd, slow, aFile, missing], outDir: out, submissionTimeoutMs: 1500 });
    expect(result.total).toBe(11);
    expect(readdirSync(join(out, 'reports'))).toHaveLength(11);
    const rows = parseCsv(readFileSync(join(out, 'grades.csv'), 'utf8')).slice(1);
    expect(rows).toHaveLength(11);
    const byName = Object.fromEntries(rows.map((r) => [r[0], r]));
    expect(byName.odd![5]).toBe('passed');
    expect(byName.slow![5]).toBe('error');
    expect(byName.slow![6]).toContain('longer than the batch limit of 1.5 s');
    expect(byName['notes.txt']![6]).toContain('is not a folder');
    expect(byName.ghost![6]).toContain('not found');
    for (const name of ['slow', 'notes.txt', 'ghost']) {
      const report = readJson<Report>(join(out, 'reports', `${name}.json`));
      expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
      expect(report.score).toBe(0);
      expect(report.checks.every((c) => c.status === 'error')).toBe(true);
    }
  });
});

describe('submissions the batch does not grade', () => {
  it('gives each its own error report with the reason, in thread mode and on this thread, and grades the rest', async () => {
    for (const threads of [0, 2]) {
      const { out, folders } = setup();
      const bob = folders.find((f) => f.endsWith('/bob'))!;
      const why = "manifest.json names experiment '17-attention', which rubric 'attention-lab03' grades";
      const result = await batch({ submissions: folders, outDir: out, notGraded: new Map([[bob, why]]), threads });
      expect(result.total).toBe(folders.length);
      const report = readJson<Report>(join(out, 'reports', 'bob.json'));
      expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
      expect(report.checks.every((c) => c.status === 'error' && c.message === why)).toBe(true);
      const rows = Object.fromEntries(result.rows.map((r) => [r.submission, r.status]));
      expect(rows.bob).toBe('error');
      expect(rows.alice).toBe('passed');
      if (threads === 0) expect(probeCalls.has('bob')).toBe(false);
    }
  });
});

describe('re-runs and resume', () => {
  it('refuses an output folder inside a submission (also through a link) before writing anything', async () => {
    const { classDir, folders } = setup();
    const alice = join(classDir, 'alice');
    const link = join(classDir, '..', 'alice-link');
    symlinkSync(alice, link);
    for (const outDir of [join(alice, 'graded'), alice, join(link, 'graded')]) {
      await expect(batch({ submissions: folders, outDir })).rejects.toThrow(UsageError);
      await expect(batch({ submissions: folders, outDir })).rejects.toThrow(/^the output folder .* is inside the submission .*alice; choose a folder outside every submission$/);
    }
    expect(existsSync(join(alice, 'graded'))).toBe(false);
    expect(readdirSync(alice)).not.toContain('reports');
  });

  it('a submission time limit longer than a timer holds does not stop every submission at once', async () => {
    const { classDir, out } = setup();
    const slow = join(classDir, 'slow');
    mkdirSync(slow);
    writeFileSync(join(slow, 'answer.txt'), 'sleep 200\n');
    for (const threads of [0, 1]) {
      const result = await batch({ submissions: [slow], outDir: out, submissionTimeoutMs: 3_000_000_000, threads, force: true });
      expect(result.rows.map((r) => r.status)).toEqual(['passed']);
    }
    expect(readFileSync(join(out, 'grades.csv'), 'utf8')).not.toContain('batch limit');
  });

  it('the error report of a missing folder whose name has control characters carries none', async () => {
    const { classDir, out } = setup();
    const ghost = join(classDir, 'ghost\x1b[2J');
    await batch({ submissions: [ghost], outDir: out });
    const report = readJson<Report>(join(out, 'reports', 'ghost_2J.json'));
    expect(report.submission.path).toContain('ghost␛[2J');
    expect(JSON.stringify(report)).not.toMatch(/\\u001b/);
  });

  it('the rubric identity in the cache key covers the schema files its criteria name', async () => {
    const rubric = await loadRubricFile('rubrics/rope-lab02.yaml');
    const schemas: Record<string, string> = { 'lab02-manifest.schema.json': '{"type":"object"}' };
    const read = (name: string) => {
      const text = schemas[name];
      if (text === undefined) throw Object.assign(new Error('absent'), { code: 'ENOENT' });
      return text;
    };
    const first = rubricIdentity(rubric, 'yaml text', read);
    expect(first).toContain('schema:lab02-manifest.schema.json');
    schemas['lab02-manifest.schema.json'] = '{"type":"object","required":["seed"]}';
    expect(rubricIdentity(rubric, 'yaml text', read)).not.toBe(first);
    // A rubric naming no file is identified by its text alone.
    const plain = { ...rubric, criteria: rubric.criteria.filter((c) => c.kind !== 'manifest') };
    expect(rubricIdentity(plain, 'yaml text', read)).toBe('yaml text');
  });

  it('skips unchanged submissions, regrades changed ones, and --force regrades all', async () => {
    const { classDir, out, folders } = setup();
    await batch({ submissions: folders, outDir: out });
    expect(probeCalls.get('bob')).toBe(1);
    const before = readFileSync(join(out, 'reports', 'bob.json'), 'utf8');

    const second = await batch({ submissions: folders, outDir: out });
    expect(second.graded).toBe(0);
    expect(second.reused).toBe(7);
    expect(probeCalls.get('bob')).toBe(1);
    expect(readFileSync(join(out, 'reports', 'bob.json'), 'utf8')).toBe(before);
    expect(parseCsv(readFileSync(join(out, 'grades.csv'), 'utf8'))).toHaveLength(8);

    writeFileSync(join(classDir, 'bob', 'answer.txt'), 'pass\n');
    const third = await batch({ submissions: folders, outDir: out });
    expect(third.graded).toBe(1);
    expect(probeCalls.get('bob')).toBe(2);
    expect(probeCalls.get('alice')).toBe(1);
    const bob = parseCsv(readFileSync(join(out, 'grades.csv'), 'utf8')).find((r) => r[0] === 'bob');
    expect(bob?.[5]).toBe('passed');

    const forced = await batch({ submissions: folders, outDir: out, force: true });
    expect(forced.graded).toBe(7);
    expect(probeCalls.get('alice')).toBe(2);
  });

  it('regrading one learner into the class folder keeps every other row of the gradebook, summary and batch file', async () => {
    const { classDir, out, folders } = setup();
    await batch({ submissions: folders, outDir: out });
    const before = readFileSync(join(out, 'grades.csv'), 'utf8');
    writeFileSync(join(classDir, 'bob', 'answer.txt'), 'pass\n');
    const again = await batch({ submissions: [join(classDir, 'bob')], outDir: out, force: true });
    expect(again.graded).toBe(1);
    expect(again.kept).toBe(6);
    const rows = parseCsv(readFileSync(join(out, 'grades.csv'), 'utf8'));
    expect(rows.slice(1).map((r) => r[0])).toEqual(['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace']);
    expect(rows.find((r) => r[0] === 'bob')?.[5]).toBe('passed');
    // Every other row is as it was.
    const unchanged = (csv: string) => parseCsv(csv).filter((r) => r[0] !== 'bob');
    expect(unchanged(readFileSync(join(out, 'grades.csv'), 'utf8'))).toEqual(unchanged(before));
    expect(readJson<BatchFile>(join(out, 'batch.json')).rows).toHaveLength(7);
    const summary = readFileSync(join(out, 'summary.md'), 'utf8');
    expect(summary).toContain('**7 submissions**');
    expect(summary).toContain('6 kept from earlier runs into this folder');
    // A deleted report drops its row; another rubric version starts the gradebook afresh.
    rmSync(join(out, 'reports', 'grace.json'));
    await batch({ submissions: [join(classDir, 'bob')], outDir: out });
    expect(readJson<BatchFile>(join(out, 'batch.json')).rows.map((r) => r.submission)).not.toContain('grace');
    await runBatch({ rubric: { ...rubric, version: 2 }, registry, submissions: [join(classDir, 'bob')], outDir: out });
    expect(readJson<BatchFile>(join(out, 'batch.json')).rows.map((r) => r.submission)).toEqual(['bob']);
  });

  it('a class of 30 graded with the HTML report, then one learner regraded: gradebook, summary and class page hold all 30', async () => {
    const { classDir, out, folders } = setup();
    const class30: string[] = [];
    for (let i = 0; i < 30; i++) {
      const folder = join(classDir, `learner-${String(i).padStart(2, '0')}`);
      cpSync(folders[i % folders.length]!, folder, { recursive: true });
      class30.push(folder);
    }
    await batch({ submissions: class30, outDir: out, formats: ['html'] });
    await batch({ submissions: [class30[7]!], outDir: out, formats: ['html'], force: true });
    expect(parseCsv(readFileSync(join(out, 'grades.csv'), 'utf8'))).toHaveLength(31);
    expect(readFileSync(join(out, 'summary.md'), 'utf8')).toContain('**30 submissions**');
    const page = readFileSync(join(out, 'report.html'), 'utf8');
    expect(page.match(/<a href="html\/learner-\d\d\.html">/g)).toHaveLength(30);
    expect(readdirSync(join(out, 'html'))).toHaveLength(30);
  });

  it('regrades a report whose check the machine kept from running instead of reusing it', async () => {
    const { classDir, out } = setup();
    const alice = join(classDir, 'alice');
    writeFileSync(join(alice, 'answer.txt'), 'environment\n');
    const first = await batch({ submissions: [alice], outDir: out });
    expect(first.rows[0]!.status).toBe('error');
    const second = await batch({ submissions: [alice], outDir: out });
    expect([second.graded, second.reused]).toEqual([1, 0]);
    expect(probeCalls.get('alice')).toBe(2);
  });

  it('a new file, a renamed file or a changed rubric text changes the key', async () => {
    const { classDir, out, folders } = setup();
    await batch({ submissions: folders, outDir: out });
    writeFileSync(join(classDir, 'frank', 'src', 'extra.py'), '');
    expect((await batch({ submissions: folders, outDir: out })).graded).toBe(1);
    execFileSync('mv', [join(classDir, 'frank', 'src', 'extra.py'), join(classDir, 'frank', 'src', 'other.py')]);
    expect((await batch({ submissions: folders, outDir: out })).graded).toBe(1);
    expect((await batch({ submissions: folders, outDir: out, rubricText: 'edited rubric' })).graded).toBe(7);
  });

  it('resumes a killed run: finished reports are kept, missing ones graded, leftover temp files removed', async () => {
    const { out, folders } = setup();
    await batch({ submissions: folders, outDir: out });
    // What a run killed half-way leaves: some reports, a half-written temp file, an older gradebook.
    rmSync(join(out, 'reports', 'carol.json'));
    rmSync(join(out, 'reports', 'erin.json'));
    rmSync(join(out, 'feedback', 'alice.md'));
    rmSync(join(out, 'grades.csv'));
    writeFileSync(join(out, 'reports', 'dave.json.4242.1.tmp'), '{"schemaVer');
    probeCalls.clear();

    const resumed = await batch({ submissions: folders, outDir: out });
    expect(resumed.graded).toBe(2);
    expect(resumed.reused).toBe(5);
    expect([...probeCalls.keys()].sort()).toEqual(['carol', 'erin']);
    expect(readdirSync(join(out, 'reports')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(existsSync(join(out, 'feedback', 'alice.md'))).toBe(true);
    expect(parseCsv(readFileSync(join(out, 'grades.csv'), 'utf8'))).toHaveLength(8);
  });

  it('stopping (Ctrl-C) writes no report for a submission cut off mid-way, and the next run grades it', async () => {
    const { classDir, out } = setup();
    const slow = join(classDir, 'b-slow');
    mkdirSync(slow);
    await stopThenResume(batch, [join(classDir, 'alice'), slow, join(classDir, 'carol')], out);
  });

  it('a corrupt report is regraded, not trusted', async () => {
    const { out, folders } = setup();
    await batch({ submissions: folders, outDir: out });
    writeFileSync(join(out, 'reports', 'alice.json'), '{"schemaVersion": 1, "env');
    probeCalls.clear();
    const again = await batch({ submissions: folders, outDir: out });
    expect(again.graded).toBe(1);
    expect(validate(readJson(join(out, 'reports', 'alice.json')))).toBe(true);
  });
});

describe('shards and merge', () => {
  it('parses i/n and refuses nonsense', () => {
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
    expect(() => parseShard('0/4')).toThrow(/1 <= i <= n/);
    expect(() => parseShard('5/4')).toThrow(/1 <= i <= n/);
    expect(() => parseShard('two')).toThrow(/expected i\/n/);
    expect(() => parseShard('1/1000000000000')).toThrow("invalid --shard '1/1000000000000': at most 10000 shards");
  });

  it('partitions stably: every name in exactly one shard, independent of the list around it', () => {
    const names = Array.from({ length: 300 }, (_, i) => `student-${i}`);
    for (const n of [1, 2, 3, 7]) {
      const counts = new Array<number>(n).fill(0);
      for (const name of names) {
        const owners = Array.from({ length: n }, (_, i) => i + 1).filter((i) => inShard(name, { index: i, count: n }));
        expect(owners).toHaveLength(1);
        counts[owners[0]! - 1]!++;
      }
      // Roughly balanced.
      for (const c of counts) expect(c).toBeGreaterThan((300 / n) * 0.6);
    }
    // The same shard on every machine and in every version (shards of one class graded apart must agree).
    expect(['student-17', 'alice', 'bob'].map((name) => [1, 2, 4, 7].map((count) => shardOf(name, count)))).toEqual([
      [1, 2, 2, 3],
      [1, 2, 2, 1],
      [1, 1, 1, 6],
    ]);
  });

  it('names clashing folders uniquely and the same way whatever the argument order', () => {
    const a = nameSubmissions(['x/alice', 'y/alice', 'z/bob', 'x/alice/']);
    const b = nameSubmissions(['z/bob', 'y/alice', 'x/alice']);
    expect(a.map((e) => e.name)).toEqual(['bob', 'x-alice', 'y-alice']);
    expect(a.map((e) => [e.name, e.abs])).toEqual(b.map((e) => [e.name, e.abs]));
    expect(nameSubmissions(['../..', 'sub/we ird;name']).map((e) => e.name)).toContain('we_ird_name');
  });

  it('names an LMS export (class/<student>/latest) after the students, by the shortest distinguishing end of the path', () => {
    const list = ['class/alice/latest', 'class/bob/latest', 'old/bob/latest', 'class/carol', 'class/we ird/latest', 'class/we_ird/latest', 'class/Dan/latest', 'class/dan/latest'];
    const names = nameSubmissions(list).map((e) => [e.path, e.name]);
    expect(Object.fromEntries(names)).toEqual({
      'class/alice/latest': 'alice-latest',
      'class/bob/latest': 'class-bob-latest',
      'old/bob/latest': 'old-bob-latest',
      'class/carol': 'carol',
      // Told apart only by characters a file name cannot keep, or by case: the numeric suffix, in sorted order of the paths.
      'class/we ird/latest': 'we_ird-latest',
      'class/we_ird/latest': 'we_ird-latest-2',
      'class/Dan/latest': 'Dan-latest',
      'class/dan/latest': 'dan-latest-2',
    });
    for (const order of [[...list].reverse(), [...list.slice(3), ...list.slice(0, 3)]]) {
      expect(nameSubmissions(order).map((e) => [e.path, e.name]).sort()).toEqual([...names].sort());
    }
  });

  it('reads a --from list written as UTF-16 (PowerShell) or with a BOM and CRLF, and refuses a binary one', async () => {
    const lines = ['# the class', 'x/alice', '', '  y/bob  ', '# done'];
    const utf16 = join(tmp, 'list-utf16.txt');
    writeFileSync(utf16, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(lines.join('\r\n'), 'utf16le')]));
    expect(await readListFile(utf16)).toEqual(['x/alice', 'y/bob']);
    const bom = join(tmp, 'list-bom.txt');
    writeFileSync(bom, '\uFEFF' + lines.join('\r\n') + '\r\n');
    expect(await readListFile(bom)).toEqual(['x/alice', 'y/bob']);
    const binary = join(tmp, 'list-binary.txt');
    writeFileSync(binary, 'x/alice\0\n');
    await expect(readListFile(binary)).rejects.toThrow(UsageError);
  });

  it('reads a --from list from a pipe (as <(ls -d class/*) gives), and stops at 16 MiB of an endless one', async () => {
    const fifo = join(tmp, 'list-fifo');
    execFileSync('mkfifo', [fifo]);
    const writer = import('node:fs').then((fs) => fs.promises.writeFile(fifo, 'x/alice\ny/bob\n'));
    expect(await readListFile(fifo)).toEqual(['x/alice', 'y/bob']);
    await writer;
    await expect(readListFile('/dev/zero')).rejects.toThrow('the submission list /dev/zero is over 16 MiB; split it into several lists, each read by its own --from');
    const stdin = Object.assign(Readable.from((function* () { for (;;) yield Buffer.alloc(1024 * 1024, 0x61); })()), { isTTY: false });
    await expect(readListFile('-', { stdin, stderr: { write: () => true } })).rejects.toThrow('the submission list the standard input is over 16 MiB');
    await expect(readListFile(tmp)).rejects.toThrow('is a folder; --from takes a file with one folder per line');
  });

  it('--from - says it reads the list from standard input when that is a terminal, and only then', async () => {
    for (const isTTY of [true, false]) {
      const said: string[] = [];
      const stdin = Object.assign(Readable.from([Buffer.from('x/alice\n# c\ny/bob\n')]), { isTTY });
      expect(await readListFile('-', { stdin, stderr: { write: (text: string) => said.push(text) } })).toEqual(['x/alice', 'y/bob']);
      expect(said).toEqual(isTTY ? ['rubricate: reading the submission list from standard input, one folder per line (end with Ctrl-D)\n'] : []);
    }
  });

  it('grades a folder given twice through a link once, under the same name whatever the order', () => {
    const { folders } = setup();
    const alice = folders[0]!;
    const link = `${alice}-link`;
    symlinkSync(alice, link);
    const entries = nameSubmissions([link, ...folders]);
    expect(entries).toHaveLength(folders.length);
    expect(entries.filter((e) => e.abs === alice || e.abs === link)).toEqual([{ name: 'alice', path: alice, abs: alice }]);
    expect(nameSubmissions([...folders, link])).toEqual(entries);
  });

  it('merges the shards of a class into the gradebook of the whole class', async () => {
    const { out, folders } = setup();
    const whole = await batch({ submissions: folders, outDir: join(out, 'whole'), formats: ['junit'] });
    const parts: string[] = [];
    for (let i = 1; i <= 3; i++) {
      const dir = join(out, `part-${i}`);
      await batch({ submissions: folders, outDir: dir, shard: { index: i, count: 3 }, formats: ['junit'] });
      parts.push(dir);
    }
    const sizes = parts.map((p) => readJson<BatchFile>(join(p, 'batch.json')).rows.length);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(7);

    const merged = await mergeBatches(parts, join(out, 'merged'));
    expect(merged.warnings).toEqual([]);
    expect(merged.rows.map((r) => r.submission)).toEqual(whole.rows.map((r) => r.submission));
    expect(readFileSync(join(out, 'merged', 'grades.csv'), 'utf8')).toBe(readFileSync(join(out, 'whole', 'grades.csv'), 'utf8'));
    expect(readdirSync(join(out, 'merged', 'reports'))).toHaveLength(7);
    expect(readFileSync(join(out, 'merged', 'summary.md'), 'utf8')).toContain('Merged from 3 parts');
    const junit = readFileSync(join(out, 'merged', 'junit.xml'), 'utf8');
    expect(junit.match(/<testsuite /g)).toHaveLength(7);

    const incomplete = await mergeBatches(parts.slice(0, 2), join(out, 'merged-2'));
    expect(incomplete.warnings.join('\n')).toContain('3/3 missing');
  });

  it('refuses to merge into one of the parts it reads', async () => {
    const { out, folders } = setup();
    await batch({ submissions: folders.slice(0, 2), outDir: join(out, 'a') });
    await batch({ submissions: folders.slice(2, 4), outDir: join(out, 'b') });
    const before = readFileSync(join(out, 'a', 'batch.json'), 'utf8');
    await expect(mergeBatches([join(out, 'a'), join(out, 'b')], join(out, 'a'))).rejects.toThrow(/is one of the parts being merged/);
    expect(readFileSync(join(out, 'a', 'batch.json'), 'utf8')).toBe(before);
  });

  it('refuses to merge a folder that is not a batch output', async () => {
    await expect(mergeBatches([tmp], join(tmp, 'm'))).rejects.toThrow(/not a batch output folder/);
  });

  it('refuses a damaged batch.json with a usage error naming the problem, and a row name that leaves the folder', async () => {
    const { folders, out } = setup();
    await batch({ submissions: folders.slice(0, 2), outDir: out });
    const good = readJson<BatchFile>(join(out, 'batch.json'));
    const damaged = join(tmp, 'damaged');
    for (const [edit, problem] of [
      [(b: BatchFile) => ((b.rows as unknown[])[0] = null), 'unexpected type at /rows/0, expected object'],
      [(b: BatchFile) => delete (b as Partial<BatchFile>).rows, "missing key 'rows' at /"],
      [(b: BatchFile) => ((b.rows[0] as { failed: unknown }).failed = 'probe'), 'unexpected type at /rows/0/failed, expected array'],
      [(b: BatchFile) => (b.rows[0]!.submission = '../../escaped'), 'unexpected value at /rows/0/submission'],
    ] as const) {
      const copy = structuredClone(good);
      edit(copy);
      mkdirSync(damaged, { recursive: true });
      writeFileSync(join(damaged, 'batch.json'), JSON.stringify(copy));
      await expect(mergeBatches([damaged], join(tmp, 'merged-damaged'))).rejects.toThrow(UsageError);
      await expect(mergeBatches([damaged], join(tmp, 'merged-damaged'))).rejects.toThrow(`batch.json is not a rubricate batch file (${problem}`);
    }
    expect(existsSync(join(tmp, 'escaped.json'))).toBe(false);
  });
});
