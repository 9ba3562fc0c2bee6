/**
 * Reading a learner's git history without letting the repository run
 * anything.
 *
 * **Why the `git` CLI, sandboxed, and not a pure-JS reader.** A pure-JS
 * reader (isomorphic-git reading the object store) never starts a process,
 * so no configuration can make it execute a command; but it would parse
 * learner-controlled packfiles, deltas and zlib streams inside the grader
 * process, where a delta chain or an inflation bomb costs the grader's own
 * memory and time and cannot be killed, only waited for. rubricate's rule is
 * that anything the learner can influence runs in a separate,
 * resource-limited, sandboxed process with a hard timeout. So git runs
 * there, and its configuration is taken out of the learner's hands
 * altogether, in four layers, each enough against the attacks below:
 *
 * 1. **Git never sees the learner's `.git/config`, hooks, info or
 *    attributes.** The grader copies (with the submission's safe-read rules:
 *    regular files with one link, inside the folder, no symlink followed,
 *    within size caps) only what history is made of: `HEAD`, `packed-refs`,
 *    `shallow`, `refs/`, loose objects and pack files (`objects/pack/*.pack`
 *    and `*.idx`). Left out: `config` (fsmonitor, aliases, diff and filter
 *    drivers, `include.path`/`includeIf`, `core.sshCommand`, `gpg.program`
 *    with `log.showSignature`, `mailmap.file`, pager...), `hooks/`, `info/`
 *    (grafts, attributes, excludes), `objects/info/` (alternates that point
 *    at another repository, commit-graphs that can claim other parents),
 *    multi-pack indexes, worktrees and logs. The copy gets a config written
 *    by rubricate: a bare repository, SHA-256 only when the learner's config
 *    says so. A `.git` that is a file (a worktree or submodule pointer) or a
 *    link is refused, not followed.
 * 2. **Nothing else configures git either.** `GIT_CONFIG_NOSYSTEM=1`,
 *    `GIT_CONFIG_GLOBAL=/dev/null`, `HOME` an empty folder, `GIT_DIR` the
 *    copy (no discovery, and `GIT_CEILING_DIRECTORIES` so it never walks up),
 *    `GIT_NO_REPLACE_OBJECTS=1` and `--no-replace-objects` (replace refs
 *    rewrite what a commit says), `GIT_GRAFT_FILE=/dev/null`,
 *    `GIT_OPTIONAL_LOCKS=0` and `--no-optional-locks` (a read writes nothing),
 *    `GIT_TERMINAL_PROMPT=0`, no pager.
 * 3. **Belt and braces on the command line**: `-c core.fsmonitor=false -c
 *    core.hooksPath=/dev/null -c core.commitGraph=false -c
 *    core.multiPackIndex=false -c log.showSignature=false -c log.mailmap=false
 *    -c safe.directory=*`, and only plumbing-like reads (`log --raw` with
 *    `--no-textconv --no-ext-diff --no-show-signature --no-use-mailmap`,
 *    `cat-file --batch-check`, `cat-file --batch`), none of which runs a
 *    diff driver, filter, textconv, signature program or alias.
 * 4. **The sandbox** (src/runner/sandbox-command.ts) at the grading
 *    isolation level: bubblewrap with a read-only system, no network, a
 *    private /tmp, as `nobody`, the copy as the only writable place, memory,
 *    CPU, process and file-size limits, a wall-clock limit and capped
 *    output, every process killed at the end.
 *
 * `test/experiment/git-safety.test.ts` attacks each layer with a `.git` whose
 * config sets core.fsmonitor, an alias, diff/textconv/filter drivers,
 * gpg.program with log.showSignature, core.pager, include.path and hooks,
 * each writing a marker file: no marker ever appears.
 *
 * History is evidence, not proof: anyone can make commits with any dates
 * (`GIT_AUTHOR_DATE`, `GIT_COMMITTER_DATE`). The history checks report signs
 * of rewriting, not certainty; a course that needs proof records push times
 * on its own server.
 */
import { existsSync, lstatSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { listSubmission, type SubmissionListing } from '../input/listing.js';
import { readSubmissionFile } from '../input/safe-read.js';
import { readCommandOutput, runSandboxedCommand, type CommandLimits, type SandboxCommandResult } from '../runner/sandbox-command.js';
import { chooseIsolation, isolationInfo, prepareScratch, removeScratch, type Scratch } from '../runner/sandbox.js';
import type { IsolationInfo, IsolationLevel } from '../runner/types.js';

const GIT_CANDIDATES = ['/usr/bin/git', '/usr/local/bin/git', '/bin/git'];

/** Limits of one git command in the sandbox. */
export const GIT_LIMITS: CommandLimits = {
  memoryBytes: 1024 ** 3,
  cpuSeconds: 30,
  fileSizeBytes: 64 * 1024 ** 2,
  processes: 16,
  wallMs: 60_000,
  outputBytes: 16 * 1024 ** 2,
  // The copy of .git (at most 256 MiB, 20000 files) and what git writes, on a tmpfs at bwrap and namespaces.
  scratchBytes: 512 * 1024 ** 2,
  scratchInodes: 32768,
};

/** Caps of the copy of `.git`. */
export const GIT_COPY_LIMITS = { maxFileBytes: 128 * 1024 ** 2, maxTotalBytes: 256 * 1024 ** 2, maxFiles: 20_000 };

/** Commits read at most (the newest). */
export const MAX_COMMITS = 2000;

export interface GitChange {
  /** A (added), M (modified), D (deleted), R (renamed), C (copied), T (type changed). */
  status: string;
  path: string;
  /** For renames and copies: the old path. */
  from?: string;
  /** Blob after the change (all zeros when deleted). */
  blob: string;
  /** File mode after the change ("100644"; "000000" when deleted). */
  mode: string;
}

export interface GitCommit {
  id: string;
  parents: string[];
  /** Strict ISO 8601 with the author's offset, as git prints it. */
  authorDate: string;
  committerDate: string;
  /** The subject made file-name safe by git (`%f`): only letters, digits, dots and dashes. */
  subject: string;
  /** Changes against the first parent (merges too). */
  changes: GitChange[];
}

export interface GitLog {
  /** Oldest first (topological order). */
  commits: GitCommit[];
  /** The newest commits only: older history was left out. */
  truncated: boolean;
}

/** A git command that failed: `grader` when the sandbox could not be set up, `repository` otherwise. */
export interface GitFailure {
  ok: false;
  fault: 'grader' | 'repository';
  message: string;
}

export type OpenResult = { ok: true; repo: GitRepository } | { ok: false; problem: 'no-repository' | 'refused' | 'unavailable' | 'error'; message: string };

function findGit(): string | undefined {
  return GIT_CANDIDATES.find((p) => existsSync(p));
}

/** Which entries of `.git` the copy keeps (see the module comment). */
export function keptInCopy(rel: string): boolean {
  if (rel === 'HEAD' || rel === 'packed-refs' || rel === 'shallow') return true;
  if (rel.startsWith('refs/')) return true;
  if (/^objects\/[0-9a-f]{2}\/[0-9a-f]{38,62}$/.test(rel)) return true;
  return /^objects\/pack\/pack-[0-9a-f]{40,64}\.(?:pack|idx)$/.test(rel);
}

function keptFolder(rel: string): boolean {
  return rel === 'refs' || rel.startsWith('refs/') || rel === 'objects' || rel === 'objects/pack' || /^objects\/[0-9a-f]{2}$/.test(rel);
}

/** The config rubricate gives the copy: bare, and the object format the learner's repository uses. */
function copyConfig(learnerConfig: string | undefined): string {
  const sha256 = learnerConfig !== undefined && /^\s*objectformat\s*=\s*sha256\s*$/im.test(learnerConfig);
  return sha256 ? '[core]\n\trepositoryformatversion = 1\n\tbare = true\n[extensions]\n\tobjectformat = sha256\n' : '[core]\n\trepositoryformatversion = 0\n\tbare = true\n';
}

/** Environment of every git command (added to the sandbox's fixed PATH, HOME, TMPDIR, LANG). */
export function gitEnvironment(gitDir: string, ceiling: string): Record<string, string> {
  return {
    GIT_DIR: gitDir,
    GIT_CEILING_DIRECTORIES: ceiling,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_NO_REPLACE_OBJECTS: '1',
    GIT_GRAFT_FILE: '/dev/null',
    GIT_OPTIONAL_LOCKS: '0',
    GIT_TERMINAL_PROMPT: '0',
    GIT_PAGER: 'cat',
    PAGER: 'cat',
    GIT_ATTR_NOSYSTEM: '1',
    LC_ALL: 'C',
    TZ: 'UTC',
  };
}

/** Options before the git command, on every call. */
export function gitHardening(gitDir: string): string[] {
  const config = [
    'core.fsmonitor=false',
    'core.hooksPath=/dev/null',
    'core.commitGraph=false',
    'core.multiPackIndex=false',
    'core.pager=cat',
    'log.showSignature=false',
    'log.mailmap=false',
    'safe.directory=*',
  ];
  return [...config.flatMap((c) => ['-c', c]), '--no-pager', '--no-replace-objects', '--no-optional-locks', `--git-dir=${gitDir}`];
}

/** `git log` arguments for the history (see `parseLog`). */
export function logArguments(maxCommits: number): string[] {
  return [
    'log',
    'HEAD',
    '--topo-order',
    '--reverse',
    `--max-count=${maxCommits}`,
    '--no-color',
    '--no-show-signature',
    '--no-use-mailmap',
    '--no-textconv',
    '--no-ext-diff',
    '--raw',
    '--no-abbrev',
    '-M',
    '--diff-merges=first-parent',
    '-z',
    '--format=%x01%H%x02%P%x02%aI%x02%cI%x02%f',
  ];
}

/**
 * Parses `git log -z --raw` output token by token: a header token
 * (`\x01id\x02parents\x02authorDate\x02committerDate\x02subject`), then
 * raw entries (`:mode mode blob blob status`, then one path, two for a
 * rename or copy). Paths are read by count, never split on a separator, so
 * no file name can forge a commit. Throws on output that does not follow
 * this form.
 */
export function parseLog(output: string): GitCommit[] {
  const tokens = output.split('\0');
  const commits: GitCommit[] = [];
  let current: GitCommit | undefined;
  for (let i = 0; i < tokens.length; i++) {
    let token = tokens[i]!;
    if (token.startsWith('\n')) token = token.slice(1);
    if (token === '') continue;
    if (token.startsWith('\x01')) {
      const fields = token.slice(1).split('\x02');
      if (fields.length !== 5 || !/^[0-9a-f]{40,64}$/.test(fields[0]!)) throw new Error('unexpected git log header');
      const [id, parents, authorDate, committerDate, subject] = fields as [string, string, string, string, string];
      if (!/^[0-9a-f ]*$/.test(parents)) throw new Error('unexpected git log parents');
      current = { id, parents: parents.split(' ').filter(Boolean), authorDate, committerDate, subject, changes: [] };
      commits.push(current);
      continue;
    }
    if (token.startsWith(':') && current) {
      const m = /^:(\d{6}) (\d{6}) ([0-9a-f]{40,64}) ([0-9a-f]{40,64}) ([ACDMRTUX])(\d*)$/.exec(token);
      if (!m) throw new Error('unexpected git log raw entry');
      const status = m[5]!;
      const two = status === 'R' || status === 'C';
      const first = tokens[++i];
      const second = two ? tokens[++i] : undefined;
      if (first === undefined || (two && second === undefined)) throw new Error('git log raw entry without its path');
      const change: GitChange = { status, path: two ? second! : first, blob: m[4]!, mode: m[2]! };
      if (two) change.from = first;
      current.changes.push(change);
      continue;
    }
    throw new Error('unexpected git log output');
  }
  return commits;
}

/** Reads `git cat-file --batch` output: `<id> blob <size>\n<bytes>\n` per object, `<id> missing` for absent ones. */
export function parseBatch(data: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let at = 0;
  while (at < data.length) {
    const nl = data.indexOf(10, at);
    if (nl < 0) break;
    const header = data.subarray(at, nl).toString('latin1');
    at = nl + 1;
    const m = /^([0-9a-f]{40,64}) (\w+) (\d+)$/.exec(header);
    if (!m) continue;
    const size = Number(m[3]);
    if (at + size > data.length) break;
    if (m[2] === 'blob') out.set(m[1]!, data.subarray(at, at + size));
    at += size + 1;
  }
  return out;
}

/** A `.git` copied into a private scratch folder, read by sandboxed git commands; `close()` removes the copy. */
export class GitRepository {
  private constructor(
    private readonly scratch: Scratch,
    private readonly git: string,
    readonly level: IsolationLevel,
    /** Commit ids the repository says its history is cut at (a shallow clone). */
    readonly shallow: string[],
    /** Entries of `.git` left out of the copy for their kind or size (not those left out on purpose). */
    readonly skipped: string[],
  ) {}

  get isolation(): IsolationInfo {
    return isolationInfo(this.level);
  }

  /**
   * Copies `<root>/.git` (see the module comment). `isolation`: the level
   * to run git at ('auto' picks the strongest available).
   */
  static async open(root: string, options: { isolation?: IsolationLevel | 'auto' } = {}): Promise<OpenResult> {
    const dotGit = path.join(root, '.git');
    let info;
    try {
      info = lstatSync(dotGit);
    } catch {
      return { ok: false, problem: 'no-repository', message: 'there is no .git folder: the submission is not a git repository' };
    }
    if (info.isSymbolicLink()) return { ok: false, problem: 'refused', message: '.git is a symbolic link; rubricate reads only a .git folder inside the submission' };
    if (info.isFile()) return { ok: false, problem: 'refused', message: '.git is a file pointing to a repository elsewhere (a worktree or a submodule); rubricate reads only a .git folder inside the submission' };
    if (!info.isDirectory()) return { ok: false, problem: 'refused', message: '.git is not a folder' };
    const git = findGit();
    if (!git) return { ok: false, problem: 'unavailable', message: `git is not installed here (looked for ${GIT_CANDIDATES.join(', ')})` };
    const level = await chooseIsolation(options.isolation ?? 'auto');
    if (!level) return { ok: false, problem: 'unavailable', message: `isolation "${options.isolation}" is not available here to run git` };
    let listing: SubmissionListing;
    try {
      listing = listSubmission(dotGit, GIT_COPY_LIMITS.maxFiles + 1000);
    } catch (error) {
      return { ok: false, problem: 'error', message: `.git cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})` };
    }
    const kept: SubmissionListing = {
      ...listing,
      dirs: listing.dirs.filter(keptFolder),
      files: listing.files.filter((f) => keptInCopy(f.rel)),
      refused: listing.refused.filter((r) => keptInCopy(r.rel)),
    };
    let scratch: Scratch;
    try {
      scratch = await prepareScratch(dotGit, kept, GIT_COPY_LIMITS);
    } catch (error) {
      return { ok: false, problem: 'error', message: `.git could not be copied for reading (${(error as Error).message})` };
    }
    try {
      for (const dir of ['refs', 'objects', 'objects/pack']) mkdirSync(path.join(scratch.work, dir), { recursive: true });
      const config = readSubmissionFile(root, '.git/config', { maxBytes: 64 * 1024 });
      writeFileSync(path.join(scratch.work, 'config'), copyConfig(config.ok ? config.data.toString('utf8') : undefined), { flag: 'w' });
      const shallowFile = readSubmissionFile(root, '.git/shallow', { maxBytes: 1024 * 1024 });
      const shallow = shallowFile.ok ? shallowFile.data.toString('latin1').split('\n').filter((l) => /^[0-9a-f]{40,64}$/.test(l)) : [];
      return { ok: true, repo: new GitRepository(scratch, git, level, shallow, scratch.skipped) };
    } catch (error) {
      await removeScratch(scratch);
      return { ok: false, problem: 'error', message: `.git could not be prepared for reading (${(error as Error).message})` };
    }
  }

  private run(args: string[], io: { stdin?: string; stdout?: string; stdoutBytes?: number } = {}): Promise<SandboxCommandResult> {
    const gitDir = this.scratch.work;
    const full = [...gitHardening(gitDir), ...args];
    const env = gitEnvironment(gitDir, this.scratch.dir);
    if (!io.stdin && !io.stdout) {
      return runSandboxedCommand({ level: this.level, scratch: this.scratch, command: this.git, args: full, cwd: this.scratch.tmp, visible: [], env, limits: GIT_LIMITS });
    }
    // Redirections by a shell, paths as arguments (never spliced into the script).
    const script = io.stdout ? 'in=$1; out=$2; shift 2; exec "$@" < "$in" > "$out"' : 'in=$1; shift 1; exec "$@" < "$in"';
    const files = io.stdout ? [io.stdin ?? '/dev/null', io.stdout] : [io.stdin ?? '/dev/null'];
    return runSandboxedCommand({
      level: this.level,
      scratch: this.scratch,
      command: '/bin/sh',
      args: ['-c', script, 'sh', ...files, this.git, ...full],
      cwd: this.scratch.tmp,
      visible: [],
      env,
      limits: GIT_LIMITS,
      ...(io.stdout ? { exports: [{ file: io.stdout, maxBytes: io.stdoutBytes ?? GIT_LIMITS.fileSizeBytes }] } : {}),
    });
  }

  /** Why a command failed, and whose fault it is: the sandbox's set-up is rubricate's or the machine's, anything else the repository's. */
  private static failure(what: string, result: SandboxCommandResult): GitFailure {
    if (result.setupFailure) return { ok: false, fault: 'grader', message: `the sandbox for git could not be set up (${result.setupFailure})` };
    if (result.timedOut) return { ok: false, fault: 'repository', message: `git ${what} did not finish within ${GIT_LIMITS.wallMs / 1000} s` };
    const said = result.stderr.trim().split('\n').slice(-2).join(' ').slice(0, 300);
    return { ok: false, fault: 'repository', message: `git ${what} failed${result.code !== null ? ` (exit ${result.code})` : ` (signal ${result.signal})`}${said ? `: ${said}` : ''}` };
  }

  /**
   * The history of HEAD, oldest first. `commits: []` for a repository
   * without commits; an error message when git could not read it.
   */
  async log(maxCommits = MAX_COMMITS): Promise<{ ok: true; log: GitLog } | GitFailure> {
    const result = await this.run(logArguments(maxCommits));
    if (result.code !== 0 || result.timedOut) {
      if (/does not have any commits yet|bad default revision 'HEAD'|ambiguous argument 'HEAD'|unknown revision/.test(result.stderr)) return { ok: true, log: { commits: [], truncated: false } };
      return GitRepository.failure('log', result);
    }
    if (result.truncated) return { ok: false, fault: 'repository', message: `the history is larger than rubricate reads (${GIT_LIMITS.outputBytes / 1024 ** 2} MiB of git log)` };
    try {
      const commits = parseLog(result.stdout);
      return { ok: true, log: { commits, truncated: commits.length >= maxCommits } };
    } catch (error) {
      return { ok: false, fault: 'repository', message: `git log printed what rubricate cannot read (${(error as Error).message})` };
    }
  }

  /**
   * The contents of blobs of at most `maxBytes` each (larger ones are left
   * out and named in `tooLarge`), read by `git cat-file` into a file of the
   * scratch folder and from there with the grader's safe read.
   */
  async blobs(ids: readonly string[], maxBytes: number): Promise<{ ok: true; blobs: Map<string, Buffer>; tooLarge: string[] } | GitFailure> {
    const unique = [...new Set(ids)].filter((id) => /^[0-9a-f]{40,64}$/.test(id));
    if (unique.length === 0) return { ok: true, blobs: new Map(), tooLarge: [] };
    const list = path.join(this.scratch.tmp, 'blobs.txt');
    writeFileSync(list, unique.join('\n') + '\n');
    const check = await this.run(['cat-file', '--batch-check=%(objectname) %(objecttype) %(objectsize)'], { stdin: list });
    if (check.code !== 0 || check.timedOut) return GitRepository.failure('cat-file --batch-check', check);
    const small: string[] = [];
    const tooLarge: string[] = [];
    let total = 0;
    for (const line of check.stdout.split('\n')) {
      const m = /^([0-9a-f]{40,64}) blob (\d+)$/.exec(line);
      if (!m) continue;
      const size = Number(m[2]);
      if (size > maxBytes || total + size > GIT_LIMITS.fileSizeBytes / 2) tooLarge.push(m[1]!);
      else {
        small.push(m[1]!);
        total += size;
      }
    }
    if (small.length === 0) return { ok: true, blobs: new Map(), tooLarge };
    writeFileSync(list, small.join('\n') + '\n');
    const out = path.join(this.scratch.tmp, 'blobs.out');
    const batch = await this.run(['cat-file', '--batch'], { stdin: list, stdout: out });
    if (batch.code !== 0 || batch.timedOut) return GitRepository.failure('cat-file --batch', batch);
    const read = await readCommandOutput(this.scratch, batch, out, GIT_LIMITS.fileSizeBytes);
    if ('refused' in read) return { ok: false, fault: 'repository', message: `the blobs git wrote could not be read: ${read.refused}` };
    return { ok: true, blobs: parseBatch(read.data), tooLarge };
  }

  async close(): Promise<void> {
    await removeScratch(this.scratch);
  }
}
