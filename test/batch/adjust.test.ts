/**
 * What instructors change around a deadline: score overrides, late
 * penalties, the roster and the LMS exports (Canvas), on the batch test class.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { adjust, latePenalty, readOverrides, unadjust, checkOverrides } from '../../src/batch/adjust.js';
import { parseCsv } from '../../src/batch/csv.js';
import { matchRoster, parseRoster } from '../../src/batch/roster.js';
import { runBatch } from '../../src/batch/run.js';
import { parseTime, readTimes } from '../../src/batch/times.js';
import { Registry } from '../../src/checks/registry.js';
import { schemaValidator } from '../../src/core/ajv.js';
import { ConfigError } from '../../src/core/errors.js';
import type { Report } from '../../src/core/types.js';
import { markdownReporter } from '../../src/reporters/markdown.js';
import { loadRubricFile } from '../../src/rubric/load.js';
import { echoKind } from '../helpers/echo-kind.js';
import { probeCalls, probeKind } from './probe-kind.js';

const fixtures = new URL('../../fixtures/batch/', import.meta.url).pathname;
const registry = new Registry([echoKind, probeKind]);
const base = await loadRubricFile(join(fixtures, 'rubric.yaml'), registry);
const rubric = { ...base, late: { perDay: 0.1, max: 0.3, graceMinutes: 15 } };
const tmp = mkdtempSync(join(tmpdir(), 'rubricate-adjust-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const validate = schemaValidator('report.schema.json');
beforeEach(() => probeCalls.clear());

let counter = 0;
function classCopy(): { classDir: string; out: string; folders: string[] } {
  const dir = join(tmp, `case-${++counter}`);
  cpSync(join(fixtures, 'class'), join(dir, 'class'), { recursive: true });
  const folders = readdirSync(join(dir, 'class')).sort().map((n) => join(dir, 'class', n));
  return { classDir: join(dir, 'class'), out: join(dir, 'out'), folders };
}

function file(name: string, text: string): string {
  const path = join(tmp, name);
  writeFileSync(path, text);
  return path;
}

const readJson = <T>(path: string) => JSON.parse(readFileSync(path, 'utf8')) as T;

describe('late penalties', () => {
  const due = new Date('2026-12-01T23:59:00Z');
  const policy = { perDay: 0.1, max: 0.3, graceMinutes: 15 };
  it('per started day after the grace period, capped', () => {
    expect(latePenalty(policy, due, new Date('2026-12-01T23:00:00Z'))).toBe(0);
    expect(latePenalty(policy, due, new Date('2026-12-02T00:10:00Z'))).toBe(0);
    expect(latePenalty(policy, due, new Date('2026-12-02T00:20:00Z'))).toBe(0.1);
    expect(latePenalty(policy, due, new Date('2026-12-03T00:20:00Z'))).toBe(0.2);
    expect(latePenalty(policy, due, new Date('2026-12-20T00:00:00Z'))).toBe(0.3);
  });

  it('reads times as ISO 8601 and as Gradescope writes them, and refuses others', () => {
    expect(parseTime('2026-12-01T23:59:00Z')?.toISOString()).toBe('2026-12-01T23:59:00.000Z');
    expect(parseTime('2026-12-01 15:59:01.123456789 -0800')?.toISOString()).toBe('2026-12-01T23:59:01.123Z');
    expect(parseTime('2026-12-01 15:59:01 -08:00')?.toISOString()).toBe('2026-12-01T23:59:01.000Z');
    expect(parseTime('yesterday')).toBeUndefined();
    expect(parseTime('12/01/2026')).toBeUndefined();
  });

  it("reads a Gradescope export's submission_metadata.yml", async () => {
    const times = await readTimes(
      file('submission_metadata.yml', "submission_101:\n  :submitters:\n  - :name: Ada\n    :sid: '1'\n  :created_at: 2026-12-02 08:00:00.000000000 +00:00\n"),
    );
    expect(times.get('submission_101')?.toISOString()).toBe('2026-12-02T08:00:00.000Z');
    await expect(readTimes(file('bad.yml', 'submission_1:\n  :score: 3\n'))).rejects.toThrow(/submission_1 has no readable created_at/);
  });
});

describe('overrides', () => {
  it('reads learner,check,points,reason and locates every problem', async () => {
    const overrides = await readOverrides(file('ok.csv', '\uFEFFlearner,check,points,reason\r\nbob,probe,8,"regraded by hand, see email"\r\n'));
    expect(overrides).toEqual([{ learner: 'bob', check: 'probe', points: 8, reason: 'regraded by hand, see email', source: `${join(tmp, 'ok.csv')}:2` }]);
    await expect(readOverrides(file('bad-points.csv', 'learner,check,points\nbob,probe,lots\n'))).rejects.toThrow(/bad-points\.csv:2: points must be a number/);
    await expect(readOverrides(file('no-header.csv', 'bob,probe,3\n'))).rejects.toThrow(/no-header\.csv:1: the overrides file needs the columns/);
    expect(() => checkOverrides([{ learner: 'bob', check: 'nope', points: 1, reason: '', source: 'o.csv:2' }], rubric)).toThrow(ConfigError);
    expect(() => checkOverrides([{ learner: 'bob', check: 'probe', points: 11, reason: '', source: 'o.csv:2' }], rubric)).toThrow(/11 points for 'probe', which has 10/);
  });

  it('applies, records and undoes overrides and the late penalty; the report stays valid', async () => {
    const { out, folders } = classCopy();
    await runBatch({ rubric: base, registry, submissions: folders.slice(1, 2), outDir: out });
    const graded = readJson<Report>(join(out, 'reports', 'bob.json'));
    const adjusted = adjust(graded, rubric, {
      overrides: [{ learner: 'bob', check: 'probe', points: 10, reason: 'fixed in office hours', source: 'x' }],
      late: { due: new Date('2026-12-01T00:00:00Z'), policy: rubric.late, submitted: { at: new Date('2026-12-02T12:00:00Z'), source: 'test' } },
    });
    expect(adjusted.checks[0]!.override).toEqual({ points: 10, originalPoints: graded.checks[0]!.points, reason: 'fixed in office hours' });
    expect(adjusted.late).toMatchObject({ penalty: 0.2, scoreBeforePenalty: 20, hoursLate: 36 });
    expect(adjusted.score).toBe(16);
    expect(validate(adjusted), JSON.stringify(validate.errors)).toBe(true);
    const feedback = markdownReporter([adjusted]);
    expect(feedback).toContain('points set by the instructor');
    expect(feedback).toContain('fixed in office hours');
    expect(feedback).toContain('20% late penalty (20 → 16 points)');
    expect(unadjust(adjusted, rubric)).toEqual(graded);
  });
});

describe('roster', () => {
  const roster = parseRoster(
    'id,name,email,folder,canvas_id\n' + 's1,Alice Ng,alice@uni.edu,alice,101\n' + 's2,Bob Li,bob@uni.edu,*bob*,102\n' + 's3,Zoe Wu,zoe@uni.edu,zoe,103\n',
    'roster.csv',
  );

  it('matches exact folder names, then patterns, and reports what is left', () => {
    const match = matchRoster(roster, [
      { name: 'alice', folder: 'alice' },
      { name: 'bob_late', folder: 'bob_late' },
      { name: 'carol', folder: 'carol' },
    ]);
    expect([...match.bySubmission].map(([name, l]) => [name, l.id])).toEqual([
      ['alice', 's1'],
      ['bob_late', 's2'],
    ]);
    expect(match.unclaimed).toEqual(['carol']);
    expect(match.missing.map((l) => l.id)).toEqual(['s3']);
  });

  it('refuses a roster without ids, with duplicate ids or unknown columns, at the line', () => {
    expect(() => parseRoster('name\nAda\n', 'r.csv')).toThrow(/r\.csv:1: the roster needs an id column/);
    expect(() => parseRoster('id\na\na\n', 'r.csv')).toThrow(/r\.csv:3: the id a is listed twice \(first on line 2\)/);
    expect(() => parseRoster('id,student_no\na,1\n', 'r.csv')).toThrow(/unknown roster column student_no/);
  });

  it('a batch with a roster, overrides and a due date: learner columns, missing rows, Canvas import, BOM', async () => {
    const { out, folders } = classCopy();
    const rosterFile = file(
      'class-roster.csv',
      'id,name,email,folder,canvas_id,sis_user_id\n' +
        'a1,José Álvarez,jose@uni.edu,alice,9001,S1\n' +
        'b2,Bob Li,bob@uni.edu,bob,9002,S2\n' +
        'z9,Zoe Wu,zoe@uni.edu,zoe,9009,S9\n',
    );
    for (const folder of folders) for (const name of readdirSync(folder)) utimesSync(join(folder, name), new Date('2026-11-30T10:00:00Z'), new Date('2026-11-30T10:00:00Z'));
    const late = new Date('2026-12-03T10:00:00Z');
    for (const name of readdirSync(folders[1]!)) utimesSync(join(folders[1]!, name), late, late);
    const { readRoster } = await import('../../src/batch/roster.js');
    const result = await runBatch({
      rubric,
      registry,
      submissions: folders.slice(0, 3),
      outDir: out,
      roster: await readRoster(rosterFile),
      overrides: await readOverrides(file('class-overrides.csv', 'learner,check,points,reason\na1,probe,7,partial credit for the derivation\n')),
      late: { due: new Date('2026-12-01T23:59:00Z') },
      csvBom: true,
      canvas: { assignment: 'Lab 02 (4242)' },
    });
    expect(result.warnings.join('\n')).toContain('no learner in the roster for 1 submission: carol');
    expect(result.warnings.join('\n')).toContain('1 learner has no submission (rows marked missing): z9');

    const csvText = readFileSync(join(out, 'grades.csv'), 'utf8');
    expect(csvText.startsWith('\uFEFF')).toBe(true);
    const rows = parseCsv(csvText.slice(1));
    expect(rows[0]).toEqual(['learner_id', 'name', 'email', 'submission', 'total', 'max', 'code', 'writeup', 'status', 'late_penalty', 'overridden', 'diagnosis']);
    const byId = new Map(rows.slice(1).map((r) => [r[0] || r[3]!, r]));
    expect(byId.get('a1')?.slice(0, 4)).toEqual(['a1', 'José Álvarez', 'jose@uni.edu', 'alice']);
    expect(byId.get('a1')?.[10]).toBe('probe');
    expect(byId.get('b2')?.[9]).toBe('0.2');
    expect(byId.get('z9')?.[8]).toBe('missing');
    expect(byId.get('carol')?.[0]).toBe('');

    const canvas = parseCsv(readFileSync(join(out, 'canvas.csv'), 'utf8'));
    expect(canvas[0]).toEqual(['Student', 'ID', 'SIS User ID', 'SIS Login ID', 'Section', 'Lab 02 (4242)']);
    expect(canvas[1]).toEqual(['Points Possible', '', '', '', '', '20']);
    expect(canvas.slice(2).map((r) => [r[1], r[5]])).toEqual([
      ['9002', byId.get('b2')![4]],
      ['9001', byId.get('a1')![4]],
      ['9009', ''],
    ]);

    // A changed override is applied to the stored report without grading the code again.
    probeCalls.clear();
    await runBatch({
      rubric,
      registry,
      submissions: folders.slice(0, 3),
      outDir: out,
      roster: await readRoster(rosterFile),
      overrides: await readOverrides(file('class-overrides.csv', 'learner,check,points,reason\na1,probe,9,regraded\n')),
      late: { due: new Date('2026-12-01T23:59:00Z') },
    });
    expect(probeCalls.size).toBe(0);
    const alice = readJson<Report>(join(out, 'reports', 'alice.json'));
    expect(alice.checks.find((c) => c.id === 'probe')?.override?.points).toBe(9);
    expect(readFileSync(join(out, 'feedback', 'alice.md'), 'utf8')).toContain('regraded');
  });
});
