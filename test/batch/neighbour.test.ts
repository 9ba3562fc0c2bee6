/**
 * One submission cannot harm another graded beside it (issue 13, class 3): in
 * a `--jobs 2` batch a hostile copy of a correct rope-lab02 submission sets
 * pids.max to 1 in every rubricate session cgroup it can reach, at import, at
 * every call and from a helper process. Its neighbour (the correct submission)
 * must grade exactly as it does alone: same score, same status for every check.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runBatch } from '../../src/batch/run.js';
import type { Report } from '../../src/core/types.js';
import { resolveRubric } from '../../src/rubric/load.js';
import { onlyIf, probeLevels } from '../helpers/levels.js';

const rubric = await resolveRubric('rope-lab02');
const work = mkdtempSync(join(tmpdir(), 'rubricate-neighbour-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const ok = resolve('fixtures/rope-lab02/ok-interleaved');
const rope = 'src/minimodel/positional/rope.py';
const alice = join(work, 'class', 'alice');
const mallory = join(work, 'class', 'mallory');
cpSync(ok, alice, { recursive: true });
cpSync(ok, mallory, { recursive: true });
writeFileSync(join(mallory, rope), readFileSync(join(ok, rope), 'utf8') + readFileSync(resolve('fixtures/runner/escape/neighbour_attack.py'), 'utf8'));

function outcome(report: Report): { score: number; checks: Record<string, string> } {
  return { score: report.score, checks: Object.fromEntries(report.checks.map((c) => [c.id, c.status])) };
}

const probes = await probeLevels();
const isRoot = process.getuid?.() === 0;

for (const probe of probes) {
  const contained = probe.level !== 'rlimits';
  const title = "a neighbour that lowers every session's pids.max leaves a correct submission graded exactly as alone (--jobs 2)";
  const why = contained
    ? 'needs root: no session cgroups without it'
    : "not run at rlimits: learner code runs as the grader's user and can write the cgroup tree (the level's description says the file system is not isolated)";
  describe(`batch at the ${probe.level} level`, probe.options, () => {
    it(title, { ...onlyIf(contained && isRoot, why), timeout: 600_000 }, async () => {
      const services = { isolation: probe.level };
      const alone = await runBatch({ rubric, submissions: [alice], outDir: join(work, `alone-${probe.level}`), jobs: 1, services, threads: 0 });
      expect(alone.graded).toBe(1);
      const together = await runBatch({ rubric, submissions: [alice, mallory], outDir: join(work, `together-${probe.level}`), jobs: 2, services, threads: 0 });
      expect(together.graded).toBe(2);
      const read = (out: string, name: string) => JSON.parse(readFileSync(join(work, out, 'reports', `${name}.json`), 'utf8')) as Report;
      const alone1 = read(`alone-${probe.level}`, 'alice');
      // A correct submission: full marks alone.
      expect(alone1.score).toBe(alone1.maxScore);
      const aliceAlone = outcome(alone1);
      expect(outcome(read(`together-${probe.level}`, 'alice'))).toEqual(aliceAlone);
      // The attacker's own code is correct: it grades like its neighbour too (its attack reached nothing).
      expect(outcome(read(`together-${probe.level}`, 'mallory')).score).toBe(aliceAlone.score);
    });
  });
}
