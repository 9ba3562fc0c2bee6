/**
 * Reading a learner's git history safely: read-only, and nothing of the
 * repository can make git execute anything.
 *
 * A learner's `.git` is hostile data. Its `config` can name programs git runs
 * (`core.fsmonitor`, `core.sshCommand`, `core.pager`, diff drivers with
 * `textconv`/`command`, `filter.*.clean|smudge|process`, `gpg.program` with
 * `log.showSignature`, `includeIf` pulling in any of these), its `hooks/` are
 * programs, `info/attributes` binds drivers to paths, and `objects/info/alternates`
 * reads objects from anywhere on the machine. So git never sees the learner's
 * git folder as a repository:
 *
 * - a private git folder is made in the OS temp folder: a `config` written
 *   here (only `repositoryformatversion`, `bare`, and the object format and
 *   ref storage read as data from the learner's config), and copies of `HEAD`,
 *   `packed-refs`, `shallow` and the files under `refs/` (and `reftable/`),
 *   each read through the safe reader (regular file, one link, inside the
 *   repository, size cap). No hooks, no info/, no learner config exist there;
 * - the learner's object store is only read, as `GIT_OBJECT_DIRECTORY`: its
 *   real path must stay inside the repository, and a store with
 *   `info/alternates` (objects borrowed from elsewhere) is refused;
 * - git runs with a fixed environment: `PATH` of system folders, an empty
 *   temporary `HOME` and `XDG_CONFIG_HOME`, `GIT_CONFIG_NOSYSTEM=1`,
 *   `GIT_CONFIG_GLOBAL=/dev/null`, `GIT_CEILING_DIRECTORIES`, no pager, no
 *   terminal prompt, no optional locks, no replace objects, `LC_ALL=C`, and
 *   on the command line `-c core.fsmonitor=false -c core.hooksPath=/dev/null
 *   -c log.showSignature=false -c diff.external= -c core.pager=cat
 *   --no-optional-locks`; diffs run with `--no-ext-diff --no-textconv`;
 * - each run has a wall-clock timeout (then SIGKILL), an output cap, and,
 *   where `prlimit` exists, address-space and CPU limits: a crafted pack that
 *   makes git loop or allocate stops there.
 *
 * The working tree is never touched by git (there is none in the private
 * folder); callers read working-tree files with safe-read.ts and compare
 * them with git's blobs through `blobId`, computed here without git.
 *
 * Example:
 *   const repo = await openGitRepository('/class/alice');
 *   if ('unavailable' in repo) console.log(repo.unavailable);
 *   else { const head = await repo.resolve('HEAD'); ...; await repo.close(); }
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, realpathSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { listSubmission, readListedFile } from './listing.js';
import { isInside, readSubmissionFile } from './safe-read.js';

/** Limits of one git run. */
export interface GitLimits {
  /** Wall clock, ms: then git is killed (SIGKILL). */
  timeoutMs: number;
  /** Cap on what one run may print, bytes: beyond it the run fails. */
  outputBytes: number;
  /** Address space of git, bytes (where prlimit exists). */
  memoryBytes: number;
  /** CPU seconds of git (where prlimit exists). */
  cpuSeconds: number;
}

export const DEFAULT_GIT_LIMITS: GitLimits = { timeoutMs: 30_000, outputBytes: 16 * 1024 * 1024, memoryBytes: 1024 ** 3, cpuSeconds: 30 };

/** Refs copied at most, and their size caps (a branch file holds one id). */
const MAX_REF_FILES = 5000;
const MAX_REF_BYTES = 4096;
const MAX_PACKED_REFS_BYTES = 16 * 1024 * 1024;
const MAX_CONFIG_BYTES = 256 * 1024;

/** A commit as `log` reports it. */
export interface GitCommit {
  id: string;
  parents: string[];
  /** Committer time, seconds since the epoch. */
  time: number;
  subject: string;
}

/** One path changed between two commits (`A` added, `M` modified, `D` deleted, `T` type changed). */
export interface GitChange {
  path: string;
  status: 'A' | 'M' | 'D' | 'T';
}

/** A file of a commit's tree. */
export interface GitTreeFile {
  path: string;
  /** Blob id. */
  id: string;
  mode: string;
  size: number;
}

export class GitError extends Error {}

/** An open, read-only view of one repository's history (see the module comment). Close it to remove its private folder. */
export interface GitRepository {
  /** The repository folder (the one holding `.git`). */
  readonly root: string;
  /** `sha1` or `sha256`. */
  readonly objectFormat: 'sha1' | 'sha256';
  /** Runs one read-only git command (arguments after the fixed safety options); its stdout. Throws GitError. */
  run(args: string[], options?: { maxBytes?: number }): Promise<string>;
  /** The commit id a revision names, or undefined (unknown revision, empty repository). */
  resolve(rev: string): Promise<string | undefined>;
  /** Commits reachable from `rev`, newest first; `paths` limits them to commits touching those paths. */
  log(rev: string, options?: { paths?: string[]; max?: number; addedOnly?: boolean }): Promise<GitCommit[]>;
  /** Paths changed from `base` (undefined: the empty tree) to `head`, renames as delete + add. */
  changes(base: string | undefined, head: string): Promise<GitChange[]>;
  /** Every file of the commit's tree (blobs only, submodules left out), with sizes. */
  tree(rev: string): Promise<GitTreeFile[]>;
  /** A blob's bytes, or undefined when it is over `maxBytes` or missing. */
  blob(id: string, maxBytes: number): Promise<Buffer | undefined>;
  close(): Promise<void>;
}

/** The id git gives a file's bytes (`git hash-object`), computed without git. */
export function blobId(data: Buffer, format: 'sha1' | 'sha256' = 'sha1'): string {
  return createHash(format).update(`blob ${data.length}\0`).update(data).digest('hex');
}

const SYSTEM_PATH = '/usr/bin:/bin';

function findProgram(name: string): string | undefined {
  for (const dir of SYSTEM_PATH.split(':')) {
    const candidate = path.join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Options every run gets before its own arguments. */
const SAFETY_OPTIONS = [
  '--no-pager',
  '--no-optional-locks',
  '--literal-pathspecs',
  '-c', 'core.fsmonitor=false',
  '-c', 'core.hooksPath=/dev/null',
  '-c', 'core.pager=cat',
  '-c', 'core.sshCommand=false',
  '-c', 'core.askPass=false',
  '-c', 'credential.helper=',
  '-c', 'log.showSignature=false',
  '-c', 'diff.external=',
  '-c', 'gc.auto=0',
  '-c', 'maintenance.auto=false',
  '-c', 'protocol.allow=never',
];

/**
 * Opens the repository whose `.git` folder is directly in `root`, or says why
 * its history cannot be read (`unavailable`: no `.git`, a `.git` file
 * pointing elsewhere, objects borrowed from elsewhere, no git on the machine).
 */
export async function openGitRepository(root: string, limits: GitLimits = DEFAULT_GIT_LIMITS): Promise<GitRepository | { unavailable: string }> {
  const git = findProgram('git');
  if (!git) return { unavailable: 'git is not installed on the grading machine (looked in /usr/bin and /bin)' };
  let realRoot: string;
  try {
    realRoot = realpathSync.native(root);
  } catch {
    return { unavailable: `${root} cannot be read` };
  }
  const dotGit = path.join(realRoot, '.git');
  const info = (() => {
    try {
      return lstatSync(dotGit);
    } catch {
      return undefined;
    }
  })();
  if (!info) return { unavailable: 'no .git folder (not a git repository, or its history was not handed in)' };
  if (info.isSymbolicLink()) return { unavailable: '.git is a symbolic link; it is not followed' };
  if (info.isFile()) return { unavailable: '.git is a file pointing to a git folder elsewhere (a worktree or submodule); it is not followed' };
  if (!info.isDirectory()) return { unavailable: '.git is not a folder' };

  const objects = path.join(dotGit, 'objects');
  let realObjects: string;
  try {
    realObjects = realpathSync.native(objects);
  } catch {
    return { unavailable: '.git has no objects folder' };
  }
  if (!isInside(realRoot, realObjects) || !lstatSync(realObjects).isDirectory()) return { unavailable: '.git/objects leads outside the repository' };
  for (const borrowed of ['info/alternates', 'info/http-alternates']) {
    if (existsSync(path.join(realObjects, borrowed))) return { unavailable: `.git/objects/${borrowed} borrows objects from elsewhere; such a history is not read` };
  }

  const learnerConfig = readSubmissionFile(realRoot, '.git/config', { maxBytes: MAX_CONFIG_BYTES });
  const extensions = learnerConfig.ok ? formatExtensions(learnerConfig.data.toString('utf8')) : {};
  if (extensions.unsupported) return { unavailable: extensions.unsupported };

  const temp = await mkdtemp(path.join(tmpdir(), 'rubricate-git-'));
  try {
    const gitDir = path.join(temp, 'repo.git');
    const home = path.join(temp, 'home');
    await mkdir(gitDir, { recursive: true, mode: 0o700 });
    await mkdir(home, { mode: 0o700 });
    await mkdir(path.join(gitDir, 'refs', 'heads'), { recursive: true });
    await mkdir(path.join(gitDir, 'refs', 'tags'), { recursive: true });
    const format = extensions.objectFormat ?? 'sha1';
    const config = ['[core]', `\trepositoryformatversion = ${format === 'sha256' || extensions.refStorage ? 1 : 0}`, '\tbare = true'];
    if (format === 'sha256' || extensions.refStorage) {
      config.push('[extensions]');
      if (format === 'sha256') config.push('\tobjectformat = sha256');
      if (extensions.refStorage) config.push(`\trefstorage = ${extensions.refStorage}`);
    }
    await writeFile(path.join(gitDir, 'config'), config.join('\n') + '\n', { mode: 0o600 });
    const copied = await copyRefs(realRoot, gitDir);
    if (copied.problem) {
      await rm(temp, { recursive: true, force: true });
      return { unavailable: copied.problem };
    }
    return new SafeGitRepository(root, format, git, gitDir, realObjects, home, temp, limits);
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
}

/** The object format and ref storage of the learner's config, read as text (git never reads that file). */
function formatExtensions(text: string): { objectFormat?: 'sha1' | 'sha256'; refStorage?: 'files' | 'reftable'; unsupported?: string } {
  const out: { objectFormat?: 'sha1' | 'sha256'; refStorage?: 'files' | 'reftable'; unsupported?: string } = {};
  let section = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/[#;].*$/, '').trim();
    const head = /^\[\s*([A-Za-z0-9.-]+)(?:\s+"[^"]*")?\s*\]/.exec(line);
    if (head) {
      section = head[1]!.toLowerCase();
      continue;
    }
    if (section !== 'extensions') continue;
    const kv = /^([A-Za-z0-9-]+)\s*=\s*(.*)$/.exec(line);
    if (!kv) continue;
    const key = kv[1]!.toLowerCase();
    const value = kv[2]!.trim().toLowerCase();
    if (key === 'objectformat') {
      if (value === 'sha1' || value === 'sha256') out.objectFormat = value;
      else out.unsupported = `the repository's object format '${value}' is not supported`;
    } else if (key === 'refstorage') {
      if (value === 'files' || value === 'reftable') out.refStorage = value;
      else out.unsupported = `the repository's ref storage '${value}' is not supported`;
    }
  }
  return out;
}

/** Copies HEAD, packed-refs, shallow and the ref files of the learner's git folder into the private one, as data. */
async function copyRefs(realRoot: string, gitDir: string): Promise<{ problem?: string }> {
  const head = readSubmissionFile(realRoot, '.git/HEAD', { maxBytes: MAX_REF_BYTES });
  if (!head.ok) return { problem: `.git/HEAD cannot be read: ${head.message}` };
  const headText = head.data.toString('utf8').trim();
  if (!/^(ref: refs\/[\w./-]+|[0-9a-f]{40}|[0-9a-f]{64})$/.test(headText)) return { problem: '.git/HEAD is neither a ref nor a commit id' };
  await writeFile(path.join(gitDir, 'HEAD'), headText + '\n');
  for (const [name, cap] of [['packed-refs', MAX_PACKED_REFS_BYTES], ['shallow', MAX_PACKED_REFS_BYTES]] as const) {
    const read = readSubmissionFile(realRoot, `.git/${name}`, { maxBytes: cap });
    if (read.ok) await writeFile(path.join(gitDir, name), read.data);
  }
  for (const folder of ['refs', 'reftable']) {
    const dir = path.join(realRoot, '.git', folder);
    if (!existsSync(dir)) continue;
    const listing = listSubmission(dir, MAX_REF_FILES);
    for (const file of listing.files) {
      if (!/^[\w./-]+$/.test(file.rel) || file.rel.split('/').some((s) => s === '..' || s === '.')) continue;
      const read = readListedFile(listing, file, folder === 'reftable' ? MAX_PACKED_REFS_BYTES : MAX_REF_BYTES);
      if (!read.ok) continue;
      const target = path.join(gitDir, folder, ...file.rel.split('/'));
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, read.data);
    }
  }
  return {};
}

class SafeGitRepository implements GitRepository {
  private readonly env: NodeJS.ProcessEnv;
  private readonly prlimit: string | undefined;

  constructor(
    readonly root: string,
    readonly objectFormat: 'sha1' | 'sha256',
    private readonly git: string,
    private readonly gitDir: string,
    objects: string,
    home: string,
    private readonly temp: string,
    private readonly limits: GitLimits,
  ) {
    this.prlimit = findProgram('prlimit');
    this.env = {
      PATH: SYSTEM_PATH,
      HOME: home,
      XDG_CONFIG_HOME: home,
      GIT_DIR: gitDir,
      GIT_OBJECT_DIRECTORY: objects,
      GIT_CEILING_DIRECTORIES: path.dirname(gitDir),
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_ATTR_NOSYSTEM: '1',
      GIT_TERMINAL_PROMPT: '0',
      GIT_OPTIONAL_LOCKS: '0',
      GIT_NO_REPLACE_OBJECTS: '1',
      GIT_NO_LAZY_FETCH: '1',
      GIT_PAGER: 'cat',
      PAGER: 'cat',
      GIT_ADVICE: '0',
      LC_ALL: 'C',
      TZ: 'UTC',
    };
  }

  async run(args: string[], options: { maxBytes?: number } = {}): Promise<string> {
    return (await this.exec(args, options.maxBytes ?? this.limits.outputBytes)).toString('utf8');
  }

  /** Runs git with the safety options, the fixed environment and the limits; its stdout, at most `maxBytes`. */
  private exec(args: string[], maxBytes: number): Promise<Buffer> {
    const gitArgs = [...SAFETY_OPTIONS, ...args];
    const cpu = Math.max(1, Math.floor(this.limits.cpuSeconds));
    const [command, argv] = this.prlimit
      ? [this.prlimit, [`--as=${this.limits.memoryBytes}`, `--cpu=${cpu}:${cpu + 1}`, '--core=0', '--', this.git, ...gitArgs]]
      : [this.git, gitArgs];
    return new Promise((resolve, reject) => {
      execFile(
        command,
        argv,
        { env: this.env, cwd: this.gitDir, timeout: this.limits.timeoutMs, killSignal: 'SIGKILL', maxBuffer: maxBytes, encoding: 'buffer', windowsHide: true },
        (error, stdout, stderr) => {
          if (!error) {
            resolve(stdout as Buffer);
            return;
          }
          const e = error as NodeJS.ErrnoException & { killed?: boolean };
          const why =
            e.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER'
              ? `its output went over ${maxBytes} bytes`
              : e.killed
                ? `it did not finish within ${Math.round(this.limits.timeoutMs / 1000)} s`
                : (String(stderr ?? '').split('\n').find((l) => l.trim())?.slice(0, 300) ?? e.message);
          reject(new GitError(`git ${args[0] ?? ''} failed: ${why}`));
        },
      );
    });
  }

  async resolve(rev: string): Promise<string | undefined> {
    if (!/^[\w./^~@{}-]+$/.test(rev) || rev.startsWith('-')) return undefined;
    try {
      const out = await this.run(['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`], { maxBytes: 4096 });
      return out.trim() || undefined;
    } catch {
      return undefined;
    }
  }

  async log(rev: string, options: { paths?: string[]; max?: number; addedOnly?: boolean } = {}): Promise<GitCommit[]> {
    const args = ['log', '--no-ext-diff', '--no-textconv', '--no-show-signature', '-z', '--format=%H%x1f%P%x1f%ct%x1f%s'];
    if (options.max !== undefined) args.push(`--max-count=${Math.max(1, Math.floor(options.max))}`);
    if (options.addedOnly) args.push('--diff-filter=A');
    args.push('--end-of-options', rev, '--', ...(options.paths ?? []));
    const out = await this.run(args);
    return out
      .split('\0')
      .filter((r) => r.trim())
      .map((record) => {
        const [id = '', parents = '', time = '0', subject = ''] = record.replace(/^\n/, '').split('\x1f');
        return { id, parents: parents.split(' ').filter(Boolean), time: Number(time), subject };
      });
  }

  async changes(base: string | undefined, head: string): Promise<GitChange[]> {
    const args = ['diff-tree', '-r', '-z', '--no-renames', '--no-ext-diff', '--no-textconv', '--name-status'];
    if (base === undefined) args.push('--root');
    args.push('--end-of-options', ...(base === undefined ? [] : [base]), head);
    const out = await this.run(args);
    const parts = out.split('\0');
    const changes: GitChange[] = [];
    // With one commit (--root) the first record is the commit id.
    let i = base === undefined && /^[0-9a-f]{40,64}$/.test(parts[0] ?? '') ? 1 : 0;
    for (; i + 1 < parts.length; i += 2) {
      const status = parts[i]!.charAt(0);
      const file = parts[i + 1]!;
      if (status === 'A' || status === 'M' || status === 'D' || status === 'T') changes.push({ path: file, status });
    }
    return changes;
  }

  async tree(rev: string): Promise<GitTreeFile[]> {
    const out = await this.run(['ls-tree', '-r', '-l', '-z', '--full-tree', '--end-of-options', rev]);
    const files: GitTreeFile[] = [];
    for (const record of out.split('\0')) {
      const m = /^(\d+) (blob) ([0-9a-f]+)\s+(\d+|-)\t(.*)$/s.exec(record);
      if (m) files.push({ mode: m[1]!, id: m[3]!, size: m[4] === '-' ? 0 : Number(m[4]), path: m[5]! });
    }
    return files;
  }

  async blob(id: string, maxBytes: number): Promise<Buffer | undefined> {
    if (!/^[0-9a-f]{40,64}$/.test(id)) return undefined;
    try {
      const size = Number((await this.run(['cat-file', '-s', id], { maxBytes: 64 })).trim());
      if (!Number.isFinite(size) || size > maxBytes) return undefined;
      const out = await this.exec(['cat-file', 'blob', id], maxBytes + 1);
      return out.length > maxBytes ? undefined : out;
    } catch {
      return undefined;
    }
  }

  async close(): Promise<void> {
    await rm(this.temp, { recursive: true, force: true });
  }
}
