/**
 * Makes a fixture repository's git history at test time, from data: a
 * fixture folder (the final state, committed as plain files) and a history
 * file listing the commits in order, each with its date, message and the
 * files it writes or deletes. No script: the same generic helper builds every
 * fixture history.
 *
 *   {
 *     "commits": [
 *       { "date": "2025-10-14T09:00:00Z", "message": "Baseline model",
 *         "files": { "src/lib.rs": "history/1/src/lib.rs", "Cargo.toml": "." } },
 *       { "date": "2025-10-16T08:40:00Z", "message": "Add RoPE", "files": { "*": "." }, "delete": ["old.rs"] }
 *     ]
 *   }
 *
 * A file's source is "." for the same path in the fixture folder, or a path
 * relative to the history file's folder (an earlier version); "*": "." writes
 * every file of the fixture folder. The git run here is the test's own, on
 * its own temporary repository, with an empty HOME and no system config.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface HistoryCommit {
  date: string;
  message: string;
  files?: Record<string, string>;
  delete?: string[];
}

export interface HistorySpec {
  description?: string;
  commits: HistoryCommit[];
}

function walk(dir: string, base = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(path.join(dir, base)).sort()) {
    const rel = base ? `${base}/${name}` : name;
    if (statSync(path.join(dir, rel)).isDirectory()) out.push(...walk(dir, rel));
    else out.push(rel);
  }
  return out;
}

/** Runs the test's own git on a test repository. */
export function testGit(repo: string, args: string[], env: Record<string, string> = {}): string {
  const home = path.join(repo, '..', 'git-home');
  mkdirSync(home, { recursive: true });
  return execFileSync('git', args, {
    cwd: repo,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, GIT_CONFIG_NOSYSTEM: '1', LC_ALL: 'C', ...env },
  });
}

/**
 * Copies `fixture` into a new temporary folder as a git repository whose
 * history follows `historyFile`. Returns the repository folder (remove its
 * parent with `removeHistory`).
 */
export function buildHistory(fixture: string, historyFile: string, options: { keep?: (rel: string) => boolean } = {}): string {
  const spec = JSON.parse(readFileSync(historyFile, 'utf8')) as HistorySpec;
  const parent = mkdtempSync(path.join(tmpdir(), 'rubricate-history-'));
  const repo = path.join(parent, path.basename(fixture));
  mkdirSync(repo);
  testGit(repo, ['init', '-q', '-b', 'main']);
  testGit(repo, ['config', 'user.name', 'Learner']);
  testGit(repo, ['config', 'user.email', 'learner@example.org']);
  testGit(repo, ['config', 'commit.gpgsign', 'false']);
  const everything = walk(fixture).filter((rel) => options.keep?.(rel) ?? true);
  for (const commit of spec.commits) {
    for (const [target, source] of Object.entries(commit.files ?? {})) {
      const pairs: Array<[string, string]> =
        target === '*' ? everything.map((rel) => [rel, path.join(fixture, rel)]) : [[target, source === '.' ? path.join(fixture, target) : path.join(path.dirname(historyFile), source)]];
      for (const [rel, from] of pairs) {
        const to = path.join(repo, rel);
        mkdirSync(path.dirname(to), { recursive: true });
        cpSync(from, to);
      }
    }
    for (const rel of commit.delete ?? []) rmSync(path.join(repo, rel), { force: true });
    testGit(repo, ['add', '-A']);
    testGit(repo, ['commit', '-q', '--allow-empty', '-m', commit.message], { GIT_AUTHOR_DATE: commit.date, GIT_COMMITTER_DATE: commit.date });
  }
  return repo;
}

/** Writes `text` to `rel` in the repository (creating folders). */
export function writeRepoFile(repo: string, rel: string, text: string): void {
  const to = path.join(repo, rel);
  mkdirSync(path.dirname(to), { recursive: true });
  writeFileSync(to, text);
}

export function removeHistory(repo: string): void {
  rmSync(path.dirname(repo), { recursive: true, force: true });
}
