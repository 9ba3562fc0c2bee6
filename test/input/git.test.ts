/**
 * Safe git reading (src/input/git.ts): the learner's .git/config, hooks and
 * attributes never make git run anything. The hostile fixture is first shown
 * to be hostile (plain git run on it leaves markers), then every read of
 * openGitRepository is made and no marker may appear.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { blobId, openGitRepository, type GitRepository } from '../../src/input/git.js';
import { buildHistory, removeHistory, testGit } from '../helpers/git-history.js';

const HOSTILE = path.resolve('fixtures/summaries/hostile-git');
const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

function hostileRepo(): { repo: string; markers: string } {
  const repo = buildHistory(path.join(HOSTILE, 'tree'), path.join(HOSTILE, 'history.json'));
  const markers = mkdtempSync(path.join(tmpdir(), 'rubricate-markers-'));
  cleanups.push(() => removeHistory(repo), () => rmSync(markers, { recursive: true, force: true }));
  const fill = (name: string) => readFileSync(path.join(HOSTILE, name), 'utf8').replaceAll('@MARKER@', markers);
  const git = path.join(repo, '.git');
  writeFileSync(path.join(git, 'config'), fill('config'));
  writeFileSync(path.join(git, 'evil.inc'), fill('evil.inc'));
  writeFileSync(path.join(repo, 'evil.inc'), fill('evil.inc'));
  mkdirSync(path.join(git, 'info'), { recursive: true });
  writeFileSync(path.join(git, 'info', 'attributes'), fill('attributes'));
  writeFileSync(path.join(markers, 'gpg-program'), fill('gpg-program'));
  chmodSync(path.join(markers, 'gpg-program'), 0o755);
  for (const dir of [path.join(git, 'hooks'), path.join(repo, 'hooks')]) {
    mkdirSync(dir, { recursive: true });
    for (const hook of ['post-checkout', 'pre-commit', 'post-index-change', 'reference-transaction', 'fsmonitor-watchman', 'pre-auto-gc']) {
      writeFileSync(path.join(dir, hook), fill('hook'));
      chmodSync(path.join(dir, hook), 0o755);
    }
  }
  return { repo, markers };
}

const fired = (markers: string) => readdirSync(markers).filter((n) => n !== 'gpg-program');

async function open(repo: string): Promise<GitRepository> {
  const opened = await openGitRepository(repo);
  if ('unavailable' in opened) throw new Error(opened.unavailable);
  cleanups.push(() => void opened.close());
  return opened;
}

describe('safe git reading', () => {
  it('the hostile fixture does make plain git run programs (so the next test is not vacuous)', () => {
    const { repo, markers } = hostileRepo();
    // The learner's environment as plain git sees it: status runs core.fsmonitor, log -p the textconv driver and the signature program.
    for (const args of [['status'], ['log', '-p'], ['-c', 'filter.evil.process=', '-c', 'filter.evil.required=false', 'log', '-p', '--show-signature'], ['diff', 'HEAD~1']]) {
      try {
        testGit(repo, args);
      } catch {
        // Some of the hostile programs make git fail; what they ran is what counts.
      }
    }
    // Plain git runs the fsmonitor and the textconv driver of the included file, and the process filter.
    expect(fired(markers)).toEqual(expect.arrayContaining(['include.fsmonitor', 'include.textconv', 'filter.process']));
  });

  it('reads history, trees and blobs of the hostile repository and runs nothing', async () => {
    const { repo, markers } = hostileRepo();
    const git = await open(repo);
    const head = await git.resolve('HEAD');
    expect(head).toMatch(/^[0-9a-f]{40}$/);
    const log = await git.log('HEAD');
    expect(log.map((c) => c.subject)).toEqual(['second', 'first']);
    expect(log[1]!.time).toBe(Date.parse('2025-01-01T10:00:00Z') / 1000);
    const changes = await git.changes(log[1]!.id, log[0]!.id);
    expect(changes).toEqual(expect.arrayContaining([{ path: 'src/main.rs', status: 'A' }, { path: '.gitattributes', status: 'A' }]));
    expect(await git.changes(undefined, log[1]!.id)).toEqual([{ path: 'README.md', status: 'A' }]);
    const tree = await git.tree('HEAD');
    const main = tree.find((f) => f.path === 'src/main.rs')!;
    expect(main.size).toBe(13);
    const data = await git.blob(main.id, 1024);
    expect(data?.toString()).toBe('fn main() {}\n');
    expect(blobId(data!)).toBe(main.id);
    expect(await git.log('HEAD', { paths: ['src/main.rs'], addedOnly: true })).toHaveLength(1);
    expect(await git.resolve('no-such-branch')).toBeUndefined();
    expect(await git.resolve('--output=/tmp/x')).toBeUndefined();
    expect(fired(markers)).toEqual([]);
  });

  it('refuses borrowed objects, .git files and links', async () => {
    const { repo } = hostileRepo();
    mkdirSync(path.join(repo, '.git', 'objects', 'info'), { recursive: true });
    writeFileSync(path.join(repo, '.git', 'objects', 'info', 'alternates'), '/etc\n');
    expect(await openGitRepository(repo)).toEqual({ unavailable: expect.stringContaining('borrows objects') });

    const other = mkdtempSync(path.join(tmpdir(), 'rubricate-gitfile-'));
    cleanups.push(() => rmSync(other, { recursive: true, force: true }));
    writeFileSync(path.join(other, '.git'), `gitdir: ${path.join(repo, '.git')}\n`);
    expect(await openGitRepository(other)).toEqual({ unavailable: expect.stringContaining('is a file') });

    const linked = mkdtempSync(path.join(tmpdir(), 'rubricate-gitlink-'));
    cleanups.push(() => rmSync(linked, { recursive: true, force: true }));
    symlinkSync(path.join(repo, '.git'), path.join(linked, '.git'));
    expect(await openGitRepository(linked)).toEqual({ unavailable: expect.stringContaining('symbolic link') });

    const none = mkdtempSync(path.join(tmpdir(), 'rubricate-nogit-'));
    cleanups.push(() => rmSync(none, { recursive: true, force: true }));
    expect(await openGitRepository(none)).toEqual({ unavailable: expect.stringContaining('no .git') });
  });

  it('does not read a ref that links outside the repository', async () => {
    const { repo, markers } = hostileRepo();
    const outside = mkdtempSync(path.join(tmpdir(), 'rubricate-outside-'));
    cleanups.push(() => rmSync(outside, { recursive: true, force: true }));
    const head = testGit(repo, ['rev-parse', 'HEAD~1']).trim();
    writeFileSync(path.join(outside, 'secret'), `${head}\n`);
    symlinkSync(path.join(outside, 'secret'), path.join(repo, '.git', 'refs', 'heads', 'stolen'));
    const git = await open(repo);
    expect(await git.resolve('stolen')).toBeUndefined();
    expect(await git.resolve('main')).toBe(testGit(repo, ['rev-parse', 'HEAD']).trim());
    expect(existsSync(path.join(markers, 'core.fsmonitor'))).toBe(false);
  });
});
