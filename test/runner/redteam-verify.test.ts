/**
 * A hostile verify.py (fixtures/runner/redteam/hostile_verify.py): the lab's
 * own script, which the grader runs in the sandbox in `tasks` mode. It reads
 * a host file, the other submission of the batch, the grader's checkout and
 * environment and every /proc entry it sees; forges result frames on the
 * protocol pipes (fd 3 and 4, its own and the harness's through /proc);
 * writes outside scratch; leaves two daemons (a new session, a double fork);
 * floods its output; and prints everything it got, in an exception too.
 * Graded alone and in a `--jobs 2` batch beside a correct submission, at
 * bwrap and namespaces: nothing it went for is in any output, no file
 * appears outside, no daemon survives, its check fails (no forged pass), and
 * the neighbour grades with full marks.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { runBatch } from '../../src/batch/run.js';
import { grade } from '../../src/core/engine.js';
import type { Report } from '../../src/core/types.js';
import { resolveRubric } from '../../src/rubric/load.js';
import { onlyIf } from '../helpers/levels.js';
import { allLevels, hostSecret, removeAll } from './levels.js';

const made: string[] = [];
afterAll(() => removeAll(...made));
const rubric = await resolveRubric('rope-lab02');

interface Stage {
  alice: string;
  mallory: string;
  tokens: string[];
  markers: string[];
  daemon: string;
}

function stage(): Stage {
  const secret = hostSecret();
  made.push(secret.dir);
  const work = mkdtempSync(join(tmpdir(), 'rubricate-redteam-verify-'));
  made.push(work);
  const alice = join(work, 'class', 'alice');
  const mallory = join(work, 'class', 'mallory');
  cpSync(resolve('fixtures/rope-lab02/ok-interleaved'), alice, { recursive: true });
  cpSync(resolve('fixtures/rope-lab02/ok-interleaved'), mallory, { recursive: true });
  const aliceToken = `alice_token_${randomBytes(8).toString('hex')}`;
  appendFileSync(join(alice, 'README.md'), `\n<!-- ${aliceToken} -->\n`);
  const envToken = `grader_env_token_${randomBytes(8).toString('hex')}`;
  process.env.RUBRICATE_REDTEAM_SECRET = envToken;
  const daemon = `redteam_${randomBytes(8).toString('hex')}`;
  const markers = [secret.marker, join(alice, 'pwned.txt'), join(resolve('.'), `pwned-${daemon}.txt`), join(work, 'pwned.txt')];
  writeFileSync(join(mallory, 'verify.py'), readFileSync(resolve('fixtures/runner/redteam/hostile_verify.py')));
  writeFileSync(
    join(mallory, 'attack.json'),
    JSON.stringify({
      token: daemon,
      read: [secret.file, join(alice, 'README.md'), resolve('package.json'), '/etc/shadow', '/proc/1/environ'],
      list: ['/tmp', work, '/'],
      write: markers,
    }),
  );
  return { alice, mallory, tokens: [secret.token, aliceToken, envToken], markers, daemon };
}

/** Host processes whose command line holds `token` (a daemon that outlived grading). */
function survivors(token: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes(token)) found.push(pid);
    } catch {
      // gone
    }
  }
  return found;
}

function allText(dir: string): string {
  let text = '';
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    text += statSync(full).isDirectory() ? allText(full) : readFileSync(full, 'latin1');
  }
  return text;
}

function contained(s: Stage, text: string): void {
  for (const token of s.tokens) expect(text).not.toContain(token);
  expect(text).not.toContain('FORGED');
  expect(text).not.toContain('WROTE');
  for (const marker of s.markers) expect(existsSync(marker)).toBe(false);
  expect(survivors(s.daemon)).toEqual([]);
}

for (const { level, title, options } of allLevels) {
  const sandboxed = level !== 'rlimits';
  const why = "not run at rlimits: learner code runs as the grader's user with the host's file system (the level's description says so)";
  describe(`a hostile verify.py at ${title}`, options, () => {
    it('graded alone: reads, writes, forged frames, daemons and a flood reach nothing', { ...onlyIf(sandboxed, why), timeout: 600_000 }, async () => {
      const s = stage();
      const report = await grade({ rubric, target: s.mallory, services: { isolation: level } });
      const runs = report.checks.find((c) => c.id === 'verify-runs')!;
      expect(runs.status).toBe('fail');
      // The script ran (its own exception is the finding), and what it printed is there, bounded.
      expect(JSON.stringify(runs)).toContain('RuntimeError');
      contained(s, JSON.stringify(report));
    });

    it('in a --jobs 2 batch beside a correct submission: the same, and the neighbour keeps full marks', { ...onlyIf(sandboxed, why), timeout: 600_000 }, async () => {
      const s = stage();
      const out = mkdtempSync(join(tmpdir(), 'rubricate-redteam-verify-out-'));
      made.push(out);
      const result = await runBatch({ rubric, submissions: [s.alice, s.mallory], outDir: out, jobs: 2, services: { isolation: level }, threads: 0 });
      expect(result.graded).toBe(2);
      const alice = JSON.parse(readFileSync(join(out, 'reports', 'alice.json'), 'utf8')) as Report;
      expect(alice.score).toBe(alice.maxScore);
      const mallory = JSON.parse(readFileSync(join(out, 'reports', 'mallory.json'), 'utf8')) as Report;
      expect(mallory.checks.find((c) => c.id === 'verify-runs')!.status).toBe('fail');
      // Every output but alice's own report (her token is hers to see).
      const text = allText(out).replaceAll(readFileSync(join(out, 'reports', 'alice.json'), 'latin1'), '');
      contained(s, text);
      expect(execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })).not.toContain(s.daemon);
    });
  });
}
