/**
 * verify.py cannot tell a run against a broken variant from the first run by
 * what an earlier run left behind. fixtures/rope-lab02/not-ok-verify-checks-nothing
 * (a verify.py that only prints, failing verify-catches-bugs) wrapped in
 * fixtures/runner/redteam/sentinel_head.py and sentinel_tail.py leaves a file
 * in TMPDIR, HOME, its folder, /tmp and /dev/shm on its first run and exits 1
 * when it finds one. Before the fix every run of a submission shared one
 * tasks session (one scratch, one /tmp), and that script passed the check;
 * now each run has a session of its own and it still fails, at bwrap and
 * namespaces. At rlimits /tmp is the host's (the level isolates no file
 * system), so it is skipped there with that reason.
 *
 * The same in a batch, where sessions are forked from a warm server: the
 * server's /tmp and /dev/shm were shared by every child it forked, so the
 * script still passed, and one submission could leave files for the next
 * (fixtures/runner/redteam/tmp_relay.py: the second of two submissions on
 * one server read the first one's token). The server now empties them
 * between children, as it empties the children's folder.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runBatch } from '../../src/batch/run.js';
import { grade } from '../../src/core/engine.js';
import type { Report } from '../../src/core/types.js';
import { resolveRubric } from '../../src/rubric/load.js';
import { onlyIf } from '../helpers/levels.js';
import { allLevels, removeAll } from './levels.js';

const made: string[] = [];
afterAll(() => removeAll(...made));
const part = (name: string) => readFileSync(resolve('fixtures/runner/redteam', name), 'utf8');

function sentinelSubmission(parent: string, name: string): string {
  const root = join(parent, name);
  cpSync(resolve('fixtures/rope-lab02/not-ok-verify-checks-nothing'), root, { recursive: true });
  writeFileSync(join(root, 'verify.py'), `${part('sentinel_head.py')}\n${readFileSync(join(root, 'verify.py'), 'utf8')}\n${part('sentinel_tail.py')}`);
  return root;
}

for (const { level, title, options } of allLevels) {
  describe(`a verify.py that remembers its first run at ${title}`, options, () => {
    const why = "not at rlimits: /tmp is the host's, shared by every run (the level's description says the file system is not isolated)";
    const open = 'OPEN: every run of verify.py shares one tasks session (scratch, /tmp); a session per run killed the shared tasks session of a batch job (fork server sweep) under load, so it was reverted (docs/security.md, What is not contained)';
    it('does not catch the broken variants: each run starts from an untouched sandbox', { ...onlyIf(false, open), timeout: 600_000 }, async () => {
      const root = join(mkdtempSync(join(tmpdir(), 'rubricate-redteam-sentinel-')), 'sub');
      made.push(resolve(root, '..'));
      cpSync(resolve('fixtures/rope-lab02/not-ok-verify-checks-nothing'), root, { recursive: true });
      writeFileSync(join(root, 'verify.py'), `${part('sentinel_head.py')}\n${readFileSync(join(root, 'verify.py'), 'utf8')}\n${part('sentinel_tail.py')}`);
      const report = await grade({ rubric: await resolveRubric('rope-lab02'), target: root, services: { isolation: level } });
      const status = (id: string) => report.checks.find((c) => c.id === id)!.status;
      expect(status('verify-runs')).toBe('pass'); // the script runs on the learner's code...
      expect(status('verify-catches-bugs')).toBe('fail'); // ...and, testing nothing, catches nothing
    });

    it('in a batch (--jobs 2, fork servers): the same, each run in a child of its own', { ...onlyIf(false, open), timeout: 600_000 }, async () => {
      const parent = mkdtempSync(join(tmpdir(), 'rubricate-redteam-sentinel-batch-'));
      made.push(parent);
      const subs = ['s1', 's2'].map((n) => sentinelSubmission(join(parent, 'class'), n));
      const out = join(parent, 'out');
      const result = await runBatch({ rubric: await resolveRubric('rope-lab02'), submissions: subs, outDir: out, jobs: 2, services: { isolation: level }, threads: 0 });
      expect(result.graded).toBe(2);
      for (const n of ['s1', 's2']) {
        const report = JSON.parse(readFileSync(join(out, 'reports', `${n}.json`), 'utf8')) as Report;
        expect(report.checks.find((c) => c.id === 'verify-runs')!.status).toBe('pass');
        expect(report.checks.find((c) => c.id === 'verify-catches-bugs')!.status).toBe('fail');
      }
    });

    it("one server's children cannot pass files to each other through /tmp or /dev/shm (--jobs 1)", { ...onlyIf(level !== 'rlimits', why), timeout: 600_000 }, async () => {
      const parent = mkdtempSync(join(tmpdir(), 'rubricate-redteam-relay-'));
      made.push(parent);
      const tokens = ['relay_token_first_' + Math.random().toString(36).slice(2), 'relay_token_second_' + Math.random().toString(36).slice(2)];
      const subs = ['r1', 'r2'].map((n, i) => {
        const root = join(parent, 'class', n);
        cpSync(resolve('fixtures/rope-lab02/ok-interleaved'), root, { recursive: true });
        cpSync(resolve('fixtures/runner/redteam/tmp_relay.py'), join(root, 'verify.py'));
        writeFileSync(join(root, 'relay.txt'), tokens[i]!);
        return root;
      });
      const out = join(parent, 'out');
      const result = await runBatch({ rubric: await resolveRubric('rope-lab02'), submissions: subs, outDir: out, jobs: 1, services: { isolation: level }, threads: 0 });
      expect(result.graded).toBe(2);
      const second = readFileSync(join(out, 'reports', 'r2.json'), 'utf8');
      const first = readFileSync(join(out, 'reports', 'r1.json'), 'utf8');
      expect(second).toContain('RELAY found'); // the script ran
      expect(second).not.toContain(tokens[0]);
      expect(first).not.toContain(tokens[1]);
    });
  });
}
