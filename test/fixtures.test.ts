/**
 * One generic test runs every lab fixture: `fixtures/<rubric>/<case>/` is a
 * submission, `fixtures/<rubric>/<case>.expected.json` lists the checks that
 * must not pass (status, and substrings of message and diagnosis); every other
 * check must pass. Every report must validate against schemas/report.schema.json.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { grade } from '../src/core/engine.js';
import { schemaValidator } from '../src/core/ajv.js';
import { defaultRegistry } from '../src/checks/registry.js';
import { resolveRubric } from '../src/rubric/load.js';
import { needsToGrade } from './helpers/machine.js';
import { describesRepository, materialiseRepository } from './helpers/git-fixture.js';

interface Expected {
  rubric: string;
  checks: Record<string, { status: string; message?: string; diagnosis?: string }>;
  /** Checks whose status is not asserted (e.g. depend on the machine's isolation level). */
  ignore?: string[];
  /** Whether the submission passes (score and gates); `ok-*` cases must pass. */
  passed?: boolean;
  /** How many checks waited for a learner call's time limit (the others that needed it skip). */
  timeouts?: number;
}

const fixturesRoot = new URL('../fixtures/', import.meta.url).pathname;

function cases(): Array<{ name: string; dir: string; expected: Expected }> {
  const out: Array<{ name: string; dir: string; expected: Expected }> = [];
  for (const group of readdirSync(fixturesRoot).sort()) {
    const groupDir = join(fixturesRoot, group);
    if (!statSync(groupDir).isDirectory()) continue;
    for (const entry of readdirSync(groupDir).sort()) {
      if (!entry.endsWith('.expected.json')) continue;
      const name = entry.slice(0, -'.expected.json'.length);
      // A folder is a lab submission; a file (build-prompt.md) is a document to verify. The test fails when it is missing.
      const dir = join(groupDir, name);
      out.push({ name: `${group}/${name}`, dir, expected: JSON.parse(readFileSync(join(groupDir, entry), 'utf8')) as Expected });
    }
  }
  return out;
}

const validateReport = schemaValidator('report.schema.json');
/** Statuses seen per check kind across all fixtures, for the meta test below. */
const seenByKind = new Map<string, Set<string>>();

const fixtures = cases();
const rubrics = new Map(await Promise.all([...new Set(fixtures.map((f) => f.expected.rubric))].map(async (id) => [id, await resolveRubric(id)] as const)));

describe('fixtures', () => {
  for (const fixture of fixtures) {
    const rubric = rubrics.get(fixture.expected.rubric)!;
    it(fixture.name, needsToGrade(rubric), async () => {
      expect(existsSync(fixture.dir), `${fixture.dir} (named by its .expected.json) does not exist`).toBe(true);
      // A folder with history.json describes a git repository, made here (git cannot store one inside another).
      const target = describesRepository(fixture.dir) ? materialiseRepository(fixture.dir) : fixture.dir;
      const report = await grade({ rubric, target });
      expect(validateReport(report), JSON.stringify(validateReport.errors)).toBe(true);
      for (const check of report.checks) {
        if (!seenByKind.has(check.kind)) seenByKind.set(check.kind, new Set());
        seenByKind.get(check.kind)!.add(check.status);
      }
      const expectedPassed = fixture.expected.passed ?? (/\/ok-/.test(fixture.name) ? true : undefined);
      if (expectedPassed !== undefined) expect(report.passed, `passed (${report.score}/${report.maxScore}, gates ${JSON.stringify(report.gates ?? [])})`).toBe(expectedPassed);
      if (fixture.expected.timeouts !== undefined) {
        // The outcome's kind, never its duration: one check waited for the limit, the rest were skipped.
        expect(report.checks.filter((c) => c.data?.failure === 'timeout').map((c) => c.id)).toHaveLength(fixture.expected.timeouts);
      }
      const ignored = new Set(fixture.expected.ignore ?? []);
      for (const id of Object.keys(fixture.expected.checks)) {
        expect(report.checks.map((c) => c.id), `expected check '${id}' is not in rubric ${rubric.id}`).toContain(id);
      }
      for (const check of report.checks) {
        if (ignored.has(check.id)) continue;
        const want = fixture.expected.checks[check.id];
        const seen = `${check.id}: ${check.status}: ${check.message}${check.diagnosis ? ` [diagnosis: ${check.diagnosis}]` : ''}`;
        if (!want) {
          expect(check.status, seen).toBe('pass');
          continue;
        }
        expect(check.status, seen).toBe(want.status);
        if (want.message) expect(check.message.toLowerCase(), seen).toContain(want.message.toLowerCase());
        if (want.diagnosis) expect((check.diagnosis ?? '').toLowerCase(), seen).toContain(want.diagnosis.toLowerCase());
      }
    });
  }

  // Runs last (tests in a file run in order): every check kind must be seen
  // passing on some fixture and failing on another, or it is untested.
  it('every registered check kind has a fixture that passes it and one that fails it', () => {
    const missing: string[] = [];
    for (const kind of defaultRegistry.names()) {
      const seen = seenByKind.get(kind) ?? new Set<string>();
      if (!seen.has('pass')) missing.push(`${kind}: no passing fixture`);
      if (!seen.has('fail') && !seen.has('warn')) missing.push(`${kind}: no failing fixture`);
    }
    expect(missing).toEqual([]);
  });
});
