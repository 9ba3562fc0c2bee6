/**
 * Experiment fixtures are git repositories, which git cannot store inside
 * another repository. So a fixture is a plain folder describing one
 * (`fixtures/experiment-pe-compare/<case>/`), and the test makes the
 * repository at run time:
 *
 *   history.json       { "commits": [{ "files": "01-spec", "message": "...",
 *                        "author": "2024-03-04T10:00:00+01:00",
 *                        "committer": "...", "delete": ["old.md"] }, ...],
 *                        "worktree": "uncommitted", "gitFiles": "dot-git" }
 *   commits/01-spec/   the files of that commit, added or changed, laid over
 *                      the previous commit's tree
 *   uncommitted/       files written after the last commit (edits not committed)
 *   dot-git/           files copied into .git/ after the history is made
 *                      (a hostile config, hooks); `@GITDIR@` in them is
 *                      replaced by the repository's .git path, and the
 *                      test's own placeholders (`@MARKER@`) by its values
 *
 * A file or folder named `dot-<name>` is created as `.<name>` (a
 * `.gitattributes` kept as `dot-gitattributes`, so it never applies to
 * rubricate's own repository). Commits are made with the fixture's dates in
 * GIT_AUTHOR_DATE and GIT_COMMITTER_DATE, a fixed identity, and git run
 * without any configuration of this machine.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

export interface CommitDescription {
  files?: string;
  message: string;
  author: string;
  committer?: string;
  delete?: string[];
}

export interface HistoryDescription {
  description?: string;
  commits: CommitDescription[];
  worktree?: string;
  gitFiles?: string;
}

/** True for a fixture folder that describes a repository rather than being a submission. */
export function describesRepository(dir: string): boolean {
  return existsSync(join(dir, 'history.json'));
}

/** Copies `from` into `to`, naming `dot-x` entries `.x`. */
function overlay(from: string, to: string, replace: Record<string, string> = {}, executable = false): void {
  for (const entry of readdirSync(from)) {
    const source = join(from, entry);
    const name = entry.startsWith('dot-') ? `.${entry.slice(4)}` : entry;
    const target = join(to, name);
    if (statSync(source).isDirectory()) {
      mkdirSync(target, { recursive: true });
      overlay(source, target, replace, executable || name === 'hooks');
      continue;
    }
    let text = readFileSync(source);
    if (Object.keys(replace).length > 0) {
      let s = text.toString('utf8');
      for (const [key, value] of Object.entries(replace)) s = s.split(key).join(value);
      text = Buffer.from(s);
    }
    writeFileSync(target, text);
    if (executable || (statSync(source).mode & 0o111) !== 0) chmodSync(target, 0o755);
  }
}

function git(cwd: string, args: string[], env: Record<string, string> = {}): void {
  const home = join(cwd, '..', '.home');
  mkdirSync(home, { recursive: true });
  execFileSync('git', ['-c', 'core.hooksPath=/dev/null', '-c', 'commit.gpgsign=false', '-c', 'core.autocrlf=false', ...args], {
    cwd,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: home,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_AUTHOR_NAME: 'Learner',
      GIT_AUTHOR_EMAIL: 'learner@example.org',
      GIT_COMMITTER_NAME: 'Learner',
      GIT_COMMITTER_EMAIL: 'learner@example.org',
      LC_ALL: 'C',
      ...env,
    },
  });
}

/**
 * Makes the repository a fixture describes, in a fresh temporary folder
 * named like the fixture; returns its path. `replace` substitutes
 * placeholders in the `gitFiles` (hostile) files.
 */
export function materialiseRepository(caseDir: string, options: { replace?: Record<string, string>; parent?: string } = {}): string {
  const description = JSON.parse(readFileSync(join(caseDir, 'history.json'), 'utf8')) as HistoryDescription;
  const parent = options.parent ?? mkdtempSync(join(tmpdir(), 'rubricate-experiment-'));
  const repo = join(parent, basename(caseDir));
  mkdirSync(repo, { recursive: true });
  git(repo, ['init', '-q', '-b', 'main']);
  for (const commit of description.commits) {
    if (commit.files) overlay(join(caseDir, 'commits', commit.files), repo);
    for (const gone of commit.delete ?? []) rmSync(join(repo, gone), { force: true, recursive: true });
    git(repo, ['add', '-A']);
    git(repo, ['commit', '-q', '--allow-empty', '-m', commit.message], { GIT_AUTHOR_DATE: commit.author, GIT_COMMITTER_DATE: commit.committer ?? commit.author });
  }
  if (description.worktree) overlay(join(caseDir, description.worktree), repo);
  if (description.gitFiles) overlay(join(caseDir, description.gitFiles), join(repo, '.git'), { '@GITDIR@': join(repo, '.git'), ...(options.replace ?? {}) });
  return repo;
}

/** A folder of the same files as the fixture's last commit, without .git (a submission with no history). */
export function withoutHistory(repo: string): string {
  const copy = `${repo}-no-history`;
  cpSync(repo, copy, { recursive: true, filter: (src) => basename(src) !== '.git' });
  return copy;
}
