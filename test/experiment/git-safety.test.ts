/**
 * The git history of a learner's repository is read without running
 * anything the repository configures (src/experiment/git.ts).
 *
 * fixtures/experiment-pe-compare/hostile-git-config is the honest experiment
 * with a .git/config, an included config, hooks and .gitattributes whose
 * every command writes a marker file. A control shows the fixture is really
 * hostile (plain `git status` and `git log -p` in it write markers); then
 * rubricate reads and grades it, with no sandbox at all (`none`: only the
 * copy and the hardened command line stand between the config and a shell)
 * and at the default level, and no marker appears.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grade } from '../../src/core/engine.js';
import { GitRepository, keptInCopy, parseLog } from '../../src/experiment/git.js';
import { resolveRubric } from '../../src/rubric/load.js';
import { materialiseRepository } from '../helpers/git-fixture.js';

const fixtures = new URL('../../fixtures/experiment-pe-compare/', import.meta.url).pathname;
const bin = new URL('../../dist/cli/bin.js', import.meta.url).pathname;

let work: string;
let marker: string;
let repo: string;

function markers(): string[] {
  return readdirSync(marker);
}

function clearMarkers(): void {
  rmSync(marker, { recursive: true, force: true });
  mkdirSync(marker);
}

/** Plain git in the repository, as a careless grader would run it. */
function naiveGit(args: string[]): void {
  spawnSync('git', args, { cwd: repo, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: join(work, 'home'), GIT_CONFIG_NOSYSTEM: '1', GIT_PAGER: 'cat' }, stdio: 'ignore', timeout: 60_000 });
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'rubricate-git-safety-'));
  marker = join(work, 'markers');
  mkdirSync(marker);
  mkdirSync(join(work, 'home'));
  repo = materialiseRepository(join(fixtures, 'hostile-git-config'), { parent: work, replace: { '@MARKER@': marker } });
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('a hostile .git/config runs nothing', () => {
  it('control: plain git status and git log -p in the fixture do run its commands', () => {
    clearMarkers();
    naiveGit(['status']);
    naiveGit(['log', '-p', '-1']);
    naiveGit(['lg']);
    const written = markers();
    expect(written.some((m) => m.includes('fsmonitor')), written.join(', ')).toBe(true);
    expect(written.some((m) => m.includes('textconv')), written.join(', ')).toBe(true);
    expect(written.some((m) => m.startsWith('alias-')), written.join(', ')).toBe(true);
  });

  it('reading the history with no sandbox at all writes no marker', async () => {
    clearMarkers();
    const opened = await GitRepository.open(repo, { isolation: 'none' });
    expect(opened.ok).toBe(true);
    if (!opened.ok) return;
    try {
      const log = await opened.repo.log();
      expect(log.ok).toBe(true);
      if (!log.ok) return;
      expect(log.log.commits.map((c) => c.subject)).toEqual(['Spec-for-experiment-16', 'Predictions-before-running', 'Training-script', 'Results-of-the-three-seeds', 'Reflections-predictions-against-results']);
      const blobs = await opened.repo.blobs(log.log.commits.flatMap((c) => c.changes.map((ch) => ch.blob)), 1024 * 1024);
      expect(blobs.ok).toBe(true);
      if (blobs.ok) expect([...blobs.blobs.values()].some((b) => b.toString('utf8').includes('Metric'))).toBe(true);
    } finally {
      await opened.repo.close();
    }
    expect(markers()).toEqual([]);
  });

  it('grading it (no sandbox) judges it like the honest repository and writes no marker', async () => {
    clearMarkers();
    const rubric = await resolveRubric('pe-compare-experiment');
    const report = await grade({ rubric, target: repo, services: { isolation: 'none' } });
    const statuses = Object.fromEntries(report.checks.map((c) => [c.id, c.status]));
    expect(statuses).toEqual({ 'spec-sections': 'pass', 'predictions-table': 'pass', 'predictions-first': 'pass', reflections: 'pass', 'results-vs-predictions': 'warn' });
    expect(markers()).toEqual([]);
  });

  it('the CLI at the default isolation writes no marker and exits 0', () => {
    clearMarkers();
    const run = spawnSync(process.execPath, [bin, 'grade', repo, '--rubric', 'pe-compare-experiment', '--format', 'json'], { encoding: 'utf8', timeout: 600_000 });
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as { checks: Array<{ id: string; status: string }> };
    expect(report.checks.find((c) => c.id === 'predictions-first')?.status).toBe('pass');
    expect(markers()).toEqual([]);
  });
});

describe('what rubricate refuses to follow', () => {
  it('a .git file pointing to another repository is refused, not followed', async () => {
    const dir = join(work, 'gitfile');
    mkdirSync(dir);
    writeFileSync(join(dir, '.git'), `gitdir: ${join(repo, '.git')}\n`);
    const opened = await GitRepository.open(dir);
    expect(opened).toMatchObject({ ok: false, problem: 'refused' });
    expect(opened.ok ? '' : opened.message).toContain('.git is a file pointing to a repository elsewhere');
  });

  it('a .git that is a symbolic link is refused', async () => {
    const dir = join(work, 'gitlink');
    mkdirSync(dir);
    symlinkSync(join(repo, '.git'), join(dir, '.git'));
    const opened = await GitRepository.open(dir);
    expect(opened).toMatchObject({ ok: false, problem: 'refused' });
  });

  it('objects reached through alternates or links out of .git are not read: the history is unreadable, a finding', async () => {
    // A repository whose objects live only in another repository (objects/info/alternates).
    const dir = join(work, 'borrower');
    mkdirSync(dir);
    execFileSync('git', ['clone', '-q', '--shared', repo, dir], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: join(work, 'home'), GIT_CONFIG_NOSYSTEM: '1' }, stdio: 'ignore' });
    expect(existsSync(join(dir, '.git', 'objects', 'info', 'alternates'))).toBe(true);
    const opened = await GitRepository.open(dir, { isolation: 'none' });
    expect(opened.ok).toBe(true);
    if (!opened.ok) return;
    try {
      const log = await opened.repo.log();
      expect(log).toMatchObject({ ok: false, fault: 'repository' });
    } finally {
      await opened.repo.close();
    }
  });

  it('the copy keeps only what history is made of', () => {
    for (const kept of ['HEAD', 'packed-refs', 'refs/heads/main', 'objects/ab/' + 'c'.repeat(38), 'objects/pack/pack-' + 'd'.repeat(40) + '.pack', 'objects/pack/pack-' + 'd'.repeat(40) + '.idx']) expect(keptInCopy(kept), kept).toBe(true);
    for (const left of ['config', 'hooks/post-checkout', 'info/attributes', 'info/grafts', 'objects/info/alternates', 'objects/info/commit-graph', 'objects/pack/multi-pack-index', 'logs/HEAD', 'index', 'modules/x/config', 'worktrees/w/gitdir', 'commondir']) expect(keptInCopy(left), left).toBe(false);
  });

  it('a file name cannot forge a commit in the log output', () => {
    const id = 'a'.repeat(40);
    const forged = `\x01${'b'.repeat(40)}\x02\x022020-01-01T00:00:00+00:00\x022020-01-01T00:00:00+00:00\x02forged`;
    const output = `\x01${id}\x02\x022024-03-04T10:00:00+01:00\x022024-03-04T10:00:00+01:00\x02Spec\0\n:000000 100644 ${'0'.repeat(40)} ${'c'.repeat(40)} A\0notes/${forged}.md\0`;
    const commits = parseLog(output);
    expect(commits).toHaveLength(1);
    expect(commits[0]!.changes[0]!.path).toBe(`notes/${forged}.md`);
  });
});
