import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { release, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../core/errors.js';
import { DEFAULT_COPY_LIMITS, listSubmission, planCopy, readListedFile, skippedEntry, type CopyLimits, type CopyPlan, type ListedFile, type SubmissionListing } from '../input/listing.js';

export { DEFAULT_COPY_LIMITS, planCopy, type CopyLimits, type CopyPlan } from '../input/listing.js';
import { cgroupPids, type PidsCgroup } from './cgroup.js';
import { dropCached, factsKey, identity, readCached, writeCached } from './probe-cache.js';
import type { IsolationInfo, IsolationLevel } from './types.js';

/**
 * Isolation for learner processes. Levels, strongest first:
 * - bwrap: bubblewrap, read-only root, private /tmp, no network, PID namespace, no capabilities;
 * - namespaces: `unshare` (root only) for net/pid/mount namespaces, the harness remounts
 *   everything read-only except scratch and drops its capabilities;
 * - rlimits: resource limits only, the process tree killed by group and by a /proc scan;
 * - none: limits and tree killing still apply, but it is never picked by `auto`.
 */

const DESCRIPTIONS: Record<IsolationLevel, string> = {
  bwrap:
    'bubblewrap: only system folders and the interpreter visible (read-only), private /tmp, no network, PID namespace, capabilities dropped, resource limits',
  namespaces:
    'namespaces (unshare): only system folders and the interpreter visible (read-only), private /tmp, no network, PID namespace, capabilities dropped, resource limits',
  rlimits: 'resource limits only (memory, CPU, file size, processes); network and file system are NOT isolated',
  none: 'no isolation requested: resource limits and process-tree cleanup only; network and file system are NOT isolated',
};

/**
 * glibc's allocator settings for learner processes (other C libraries ignore
 * them). A forked child starts from the server's heap and grows it for every
 * array the learner's code makes; each fresh 4 KiB page costs a page fault
 * (about 5 us on a virtual machine). Growing the heap in 32 MiB steps that
 * the kernel may back with transparent huge pages (`hugetlb=1` asks for them
 * with madvise, which is what a `madvise` machine setting waits for), and
 * taking arrays under 32 MiB from that heap instead of mappings of their own,
 * cut the faults of a forked child running the rope-lab02 probes by about a
 * third (3,300 to 2,300). Memory limits are unchanged: RLIMIT_AS counts the
 * padding like any other mapping.
 *
 * One arena (`arena_max=1`): the harness's output relay thread would
 * otherwise get an arena of its own on its first allocation, whose heap the
 * settings above back with a huge page that the kernel zeroes (2 MiB), about
 * 2.8 ms of CPU in every forked child (perf, 150 children). Learner code runs
 * on one thread; the relay thread allocates little.
 */
export const LEARNER_MALLOC_TUNABLES = 'glibc.malloc.arena_max=1:glibc.malloc.hugetlb=1:glibc.malloc.mmap_threshold=33554432:glibc.malloc.top_pad=33554432';

/** The environment a learner process starts with (nothing of the grader's own environment leaks in). */
export function learnerEnvironment(home: string, tmp: string): NodeJS.ProcessEnv {
  return {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    HOME: home,
    TMPDIR: tmp,
    LANG: 'C.UTF-8',
    OPENBLAS_NUM_THREADS: '1',
    OMP_NUM_THREADS: '1',
    MKL_NUM_THREADS: '1',
    MPLBACKEND: 'Agg',
    GLIBC_TUNABLES: LEARNER_MALLOC_TUNABLES,
  };
}

export function isolationInfo(level: IsolationLevel): IsolationInfo {
  return { level, description: DESCRIPTIONS[level] };
}

function run(command: string, args: string[], timeoutMs = 5000): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: timeoutMs }, (error) => resolve(!error));
  });
}

const probeCache = new Map<string, Promise<boolean>>();

function probeOnce(key: string, probe: () => Promise<boolean>): Promise<boolean> {
  let pending = probeCache.get(key);
  if (!pending) {
    pending = probe();
    probeCache.set(key, pending);
  }
  return pending;
}

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(path.delimiter)) {
    if (dir && existsSync(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

/**
 * Runs a sandbox probe, or answers from the per-user cache (probe-cache.ts)
 * when the same probe passed before on this boot with the same tool and the
 * same kernel settings. Only a pass is kept: a failing probe runs every time,
 * so the cache can never make `auto` pick a weaker level than the probe
 * would. A pass that is no longer true (bubblewrap broken since) fails
 * closed: the level is used, the sandbox does not start, and the learner's
 * code does not run; the failure drops the entry (`forgetSandboxProbes`).
 */
async function cachedProbe(name: string, tool: string, args: string[]): Promise<boolean> {
  const key = factsKey(sandboxFacts(name, tool, args));
  if (readCached<boolean>(SANDBOX_CACHE, key) === true) {
    cachedPasses.set(name, key);
    return true;
  }
  const works = await run(tool, args);
  if (works) {
    writeCached(SANDBOX_CACHE, key, true);
    cachedPasses.set(name, key);
  }
  return works;
}

const SANDBOX_CACHE = 'sandbox';
/** Passes this process read from the cache or wrote to it, by name, with their keys. */
const cachedPasses = new Map<string, string>();

/** Kernel settings that decide whether namespaces can be made (unprivileged user namespaces, AppArmor's restriction of them). */
const NAMESPACE_SETTINGS = ['/proc/sys/kernel/unprivileged_userns_clone', '/proc/sys/user/max_user_namespaces', '/proc/sys/user/max_net_namespaces', '/proc/sys/user/max_pid_namespaces', '/proc/sys/user/max_mnt_namespaces', '/proc/sys/kernel/apparmor_restrict_unprivileged_userns'];

function readSetting(file: string): string | null {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return null;
  }
}

/** What a sandbox probe's answer depends on: the tool (its identity), its arguments, who runs it, this boot of this kernel and its namespace settings. */
function sandboxFacts(name: string, tool: string, args: string[]): unknown {
  return {
    name,
    tool,
    identity: identity(tool),
    args,
    uid: typeof process.getuid === 'function' ? process.getuid() : null,
    gid: typeof process.getgid === 'function' ? process.getgid() : null,
    kernel: release(),
    boot: readSetting('/proc/sys/kernel/random/boot_id'),
    settings: NAMESPACE_SETTINGS.map((file) => [file, readSetting(file)]),
  };
}

/**
 * Forgets the sandbox probe passes this process read from the cache or
 * stored (a sandbox that then failed to start): the next run probes again.
 */
export function forgetSandboxProbes(): void {
  for (const key of cachedPasses.values()) dropCached(SANDBOX_CACHE, key);
  cachedPasses.clear();
}

/** True when bubblewrap runs a trivial sandbox with the options we use. */
export function bwrapWorks(): Promise<boolean> {
  return probeOnce('bwrap', async () => {
    const bwrap = findOnPath('bwrap');
    if (!bwrap) return false;
    return cachedProbe('bwrap', bwrap, [...bwrapBaseArgs(), '--', 'true']);
  });
}

/** True when `unshare` can create net, pid and mount namespaces (needs root). */
export function namespacesWork(): Promise<boolean> {
  return probeOnce('unshare', async () => {
    if (typeof process.getuid !== 'function' || process.getuid() !== 0) return false;
    const unshare = findOnPath('unshare');
    if (!unshare) return false;
    return cachedProbe('unshare', unshare, [...unshareArgs(), '/bin/true']);
  });
}

/** Picks the strongest level available (`auto`), or checks that the requested one works. */
export async function chooseIsolation(requested: IsolationLevel | 'auto' = 'auto'): Promise<IsolationLevel | undefined> {
  if (requested === 'none' || requested === 'rlimits') return requested;
  if (requested === 'bwrap') return (await bwrapWorks()) ? 'bwrap' : undefined;
  if (requested === 'namespaces') return (await namespacesWork()) ? 'namespaces' : undefined;
  if (await bwrapWorks()) return 'bwrap';
  if (await namespacesWork()) return 'namespaces';
  return 'rlimits';
}

/**
 * The isolation level to run learner code at: the requested one when it
 * works here, else a configuration error naming what is missing.
 */
export async function requireIsolation(requested: IsolationLevel | 'auto' = 'auto'): Promise<IsolationLevel> {
  const level = await chooseIsolation(requested);
  if (level) return level;
  throw new ConfigError(
    requested === 'bwrap'
      ? 'isolation "bwrap" was requested but bubblewrap is not installed or does not work here; install it (apt-get install bubblewrap) or use --isolation auto'
      : `isolation "${requested}" is not available here (it needs root and unshare); use --isolation auto`,
  );
}

/** Size of the sandbox's own /tmp and /dev/shm (bwrap and namespaces levels). */
const SMALL_TMPFS_BYTES = 16 * 1024 * 1024;

/**
 * Caps of the tmpfs learner code writes in (its scratch folder, or a fork
 * server's children's folder) at the bwrap and namespaces levels: the
 * submission copy (at most 50 MiB, 5,000 files) plus what the learner writes.
 * Its pages count against the session's memory cgroup too.
 */
export const SCRATCH_FS = { bytes: 256 * 1024 * 1024, inodes: 16384 };

const SYSTEM_DIRS = ['/usr', '/bin', '/sbin', '/lib', '/lib64', '/lib32', '/libx32', '/etc'];
/** Files hidden even from a root sandbox (read as their owner otherwise). */
const HIDDEN_FILES = ['/etc/shadow', '/etc/gshadow', '/etc/shadow-', '/etc/gshadow-', '/etc/sudoers'];

/** Binds the system folders read-only (symlinked ones, as on merged-/usr systems, as symlinks); nothing else of the host. */
function systemBinds(): string[] {
  const args: string[] = [];
  for (const dir of SYSTEM_DIRS) {
    let info;
    try {
      info = lstatSync(dir);
    } catch {
      continue;
    }
    if (info.isSymbolicLink()) args.push('--symlink', readlinkSync(dir), dir);
    else if (info.isDirectory()) args.push('--ro-bind', dir, dir);
  }
  for (const file of HIDDEN_FILES) if (existsSync(file)) args.push('--ro-bind', '/dev/null', file);
  return args;
}

function bwrapBaseArgs(): string[] {
  return [
    ...systemBinds(),
    '--dev', '/dev',
    '--proc', '/proc',
    // Learner code is pointed at scratch (TMPDIR); these are for code that hard-codes them, capped in bytes.
    '--perms', '1777', '--size', String(SMALL_TMPFS_BYTES), '--tmpfs', '/tmp',
    '--perms', '1777', '--size', String(SMALL_TMPFS_BYTES), '--tmpfs', '/dev/shm',
    // Every namespace except the user one (--unshare-all would add it, and as root it maps only uid 0).
    '--unshare-ipc',
    '--unshare-pid',
    '--unshare-net',
    '--unshare-uts',
    '--unshare-cgroup-try',
    '--die-with-parent',
    '--new-session',
  ];
}

/** Drops nested folders: binding /a also shows /a/b. */
function outermost(dirs: string[]): string[] {
  const sorted = [...new Set(dirs)].sort();
  return sorted.filter((dir, i) => !sorted.slice(0, i).some((outer) => dir === outer || dir.startsWith(outer.endsWith('/') ? outer : `${outer}/`)));
}

/** The unprivileged user learner code runs as inside bubblewrap, when that is possible. */
export interface SandboxUser {
  uid: number;
  gid: number;
}

const NOBODY: SandboxUser = { uid: 65534, gid: 65534 };

/**
 * Running as root, the sandbox switches the learner to `nobody` (bubblewrap
 * via setpriv, the namespaces level in sandbox_setup.py) when the
 * interpreter's folders are world-readable; the bind mounts make them
 * reachable even when they live under a 0700 home. As nobody, learner code
 * owns none of the files it can reach: root without capabilities still owns
 * the cgroup files, for one.
 */
export function sandboxUser(prefixes: string[], harness: string): SandboxUser | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  if (!findOnPath('setpriv')) return undefined;
  for (const dir of [...prefixes, harness]) {
    try {
      if ((statSync(dir).mode & 0o005) !== 0o005) return undefined;
    } catch {
      return undefined;
    }
  }
  return NOBODY;
}

function unshareArgs(): string[] {
  return ['--net', '--pid', '--fork', '--kill-child', '--mount', '--ipc', '--uts', '--cgroup'];
}

export interface LaunchPlan {
  command: string;
  args: string[];
  /** What the harness must do itself before importing learner code. */
  setup: 'none' | 'namespaces';
  /** The caps of the tmpfs the learner writes in, when it is one (bwrap as root, namespaces); otherwise it writes on the host's disk. */
  scratchFs?: { bytes: number; inodes: number };
}

export interface LaunchOptions {
  /**
   * A folder inside `scratch.dir` that is the only writable one (a fork
   * server's children's folder, empty at start); `scratch.dir` itself is then
   * read-only inside the sandbox. Without it `scratch.dir` is writable.
   */
  writable?: string;
  /**
   * A one-shot command (src/runner/sandbox-command.ts): files (relative to
   * `scratch.dir`, each with a byte cap) that sandbox_setup.py sends back on
   * fd 4 once the command and everything it started have ended, since its
   * writes land on the capped tmpfs, not on the host's disk.
   */
  exports?: Array<{ path: string; maxBytes: number }>;
  /** Caps of that scratch tmpfs (default SCRATCH_FS). */
  scratchFs?: { bytes: number; inodes: number };
}

/**
 * The folders a harness needs that the namespaces setup must bind back after
 * covering /tmp (a checkout or an interpreter living there): the harness
 * folder and the interpreter's prefixes. Passed as CONFIG_JSON `visible`.
 */
export function visibleFolders(context: LaunchContext): string[] {
  return [context.harness, ...context.prefixes];
}

export interface LaunchContext {
  python: string;
  /** Folders the interpreter needs, bound read-only by bubblewrap. */
  prefixes: string[];
  /** The harness folder, bound read-only by bubblewrap. */
  harness: string;
  /** Switch to this user inside the sandbox (bubblewrap via setpriv; the namespaces setup itself, from CONFIG_JSON `user`). */
  user?: SandboxUser;
  /**
   * A Python (standard library only) that, as root, mounts the capped scratch
   * tmpfs in front of bubblewrap (sandbox_setup.py). Without it, or without
   * root, scratch under bubblewrap is a folder on the host's disk.
   */
  setupPython?: string;
}

/**
 * The command line that starts `python harness config` at the given level.
 * With a bare interpreter path (no LaunchContext), bubblewrap shows the whole
 * host file system read-only instead of only the folders the interpreter needs.
 */
export function launchPlan(level: IsolationLevel, interpreter: string | LaunchContext, pythonArgs: string[], scratch: Scratch, options: LaunchOptions = {}): LaunchPlan {
  const context: LaunchContext = typeof interpreter === 'string' ? { python: interpreter, prefixes: ['/'], harness: '/' } : interpreter;
  const { python } = context;
  if (level === 'bwrap') {
    const bwrap = findOnPath('bwrap') ?? 'bwrap';
    const binds: string[] = [];
    const made = new Set<string>();
    // bubblewrap would create missing parents 0700: make them traversable for the sandbox user
    // (the interpreter's folders, and scratch wherever TMPDIR puts it).
    const parentsOf = (dir: string): void => {
      const parents: string[] = [];
      for (let parent = path.dirname(dir); parent !== '/' && parent !== '.'; parent = path.dirname(parent)) parents.unshift(parent);
      for (const parent of parents) {
        if (made.has(parent) || SYSTEM_DIRS.some((sys) => parent === sys || parent.startsWith(`${sys}/`)) || parent === '/tmp') continue;
        made.add(parent);
        binds.push('--perms', '0755', '--dir', parent);
      }
    };
    for (const dir of outermost([...context.prefixes, path.dirname(python), context.harness])) {
      if (SYSTEM_DIRS.some((sys) => dir === sys || dir.startsWith(`${sys}/`))) continue;
      parentsOf(dir);
      binds.push('--ro-bind', dir, dir);
    }
    parentsOf(scratch.dir);
    const scratchBinds = options.writable
      ? ['--ro-bind', scratch.dir, scratch.dir, '--bind', options.writable, options.writable]
      : ['--bind', scratch.dir, scratch.dir];
    const user = context.user;
    const caps = user ? ['--cap-drop', 'ALL', '--cap-add', 'CAP_SETUID', '--cap-add', 'CAP_SETGID'] : ['--cap-drop', 'ALL'];
    const command = user
      ? [findOnPath('setpriv') ?? 'setpriv', `--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups', '--no-new-privs', '--', python]
      : [python];
    const bwrapArgs = [...bwrapBaseArgs(), ...binds, ...caps, ...scratchBinds, '--chdir', user ? '/' : scratch.work, '--', ...command, ...pythonArgs];
    // After the switch only the sandbox user may enter scratch: the harness changes folder itself.
    const capped = cappedScratchWrapper(context, scratch, options);
    if (!capped) return { command: bwrap, args: bwrapArgs, setup: 'none' };
    return { command: capped.command, args: [...capped.args, bwrap, ...bwrapArgs], setup: 'none', scratchFs: { ...(options.scratchFs ?? SCRATCH_FS) } };
  }
  if (level === 'namespaces') {
    return { command: findOnPath('unshare') ?? 'unshare', args: [...unshareArgs(), '--', python, ...pythonArgs], setup: 'namespaces', scratchFs: { ...SCRATCH_FS } };
  }
  return { command: python, args: pythonArgs, setup: 'none' };
}

/** Fault injection for rubricate's own tests of the sandbox (sandbox_setup.py's Mounter), from the environment. */
export function sandboxTestHook(): { test?: unknown } {
  const text = process.env.RUBRICATE_TEST_SANDBOX_FAULT;
  if (!text) return {};
  try {
    return { test: JSON.parse(text) as unknown };
  } catch {
    return {};
  }
}

/** Where learner writes land at this level, for the isolation description. */
export function describeScratch(level: IsolationLevel, context: LaunchContext): string {
  const capped = level === 'namespaces' || (level === 'bwrap' && cappedScratchWrapper(context, scratchAt('/', ''), {}) !== undefined);
  return capped
    ? `; writes go to a private tmpfs of at most ${SCRATCH_FS.bytes / 1048576} MiB and ${SCRATCH_FS.inodes} files`
    : '; writes go to a scratch folder on the host disk, capped only per file (RLIMIT_FSIZE)';
}

/**
 * As root, bubblewrap is started from a private mount namespace in which
 * sandbox_setup.py has mounted a tmpfs capped in bytes and inodes over the
 * folder the learner writes in (bubblewrap cannot cap inodes itself), with
 * the grader's copy of the submission copied into it: learner writes never
 * reach the host's disk. Undefined where that cannot be done (not root, no
 * `unshare`, no setup Python): the session's description then says so.
 */
function cappedScratchWrapper(context: LaunchContext, scratch: Scratch, options: LaunchOptions): { command: string; args: string[] } | undefined {
  if (!context.setupPython || typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  const unshare = findOnPath('unshare');
  if (!unshare) return undefined;
  const owner = context.user ? { uid: context.user.uid, gid: context.user.gid } : {};
  const fs = options.scratchFs ?? SCRATCH_FS;
  const tmpfs = options.writable
    ? { path: options.writable, bytes: fs.bytes, inodes: fs.inodes, mode: '0755', ...owner }
    : { path: scratch.dir, bytes: fs.bytes, inodes: fs.inodes, mode: '0700', copy: true, ...owner };
  const script = path.join(harnessDir(), 'sandbox_setup.py');
  return {
    command: unshare,
    args: ['--mount', '--propagation', 'private', '--', context.setupPython, '-I', '-S', '-B', script, JSON.stringify({ tmpfs: [tmpfs], ...(options.exports ? { exports: options.exports } : {}), ...sandboxTestHook() }), '--'],
  };
}

// ------------------------------------------------------------------ scratch

export interface Scratch {
  /** Private directory, removed by `removeScratch`. */
  dir: string;
  /** Copy of the submission's source files (the learner's cwd and import root). */
  work: string;
  home: string;
  tmp: string;
  /** Files left out of the copy, with the reason. */
  skipped: string[];
  /** Random token put in the learner's environment, to find its processes. */
  token: string;
}

/** The scratch layout under `dir`: `work` (the submission), `home` and `tmp`. */
export function scratchAt(dir: string, token: string, skipped: string[] = []): Scratch {
  return { dir, work: path.join(dir, 'work'), home: path.join(dir, 'home'), tmp: path.join(dir, 'tmp'), skipped, token };
}

/** A submission's files as the learner process gets them, read into memory (fork servers write them into a private tmpfs). */
export interface SubmissionImage {
  /** Folders, relative, parents first. */
  dirs: string[];
  files: Array<{ path: string; data: Buffer }>;
  /** Files left out, with the reason. */
  skipped: string[];
}

/** The submission folder's real path, or the one-line error that replaces the session. */
function submissionRoot(root: string): string {
  try {
    const real = realpathSync(root);
    if (!statSync(real).isDirectory()) throw Object.assign(new Error('not a folder'), { code: 'ENOTDIR' });
    return real;
  } catch (error) {
    throw new ConfigError(`the submission folder ${root} cannot be read (${errorCode(error)})`);
  }
}

/** The listing of `root`: the one given when it is of the same folder, else a fresh one. */
function listingOf(realRoot: string, root: string, listing: SubmissionListing | undefined): SubmissionListing {
  return listing !== undefined && listing.realRoot === realRoot ? listing : listSubmission(root);
}

/**
 * Reads the files of the copy plan, each through safe-read.ts (a file that
 * changed kind or grew past the cap since it was listed is left out too).
 * Synchronous on purpose: a submission is a few small files, and a promise
 * per file system call cost more main-thread time than the work.
 */
function readPlanned(listing: SubmissionListing, plan: CopyPlan, limits: CopyLimits, take: (file: ListedFile, data: Buffer) => void): string[] {
  const skipped = [...plan.skipped];
  let total = 0;
  for (const file of plan.files) {
    const read = readListedFile(listing, file, limits.maxFileBytes);
    if (!read.ok) {
      skipped.push(skippedEntry(file.rel, read.message.startsWith(file.rel) ? read.message.slice(file.rel.length).trim() : read.message));
    } else if (total + read.data.length > limits.maxTotalBytes) {
      skipped.push(skippedEntry(file.rel, 'submission size cap reached'));
    } else {
      total += read.data.length;
      take(file, read.data);
    }
  }
  return skipped;
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? 'error';
}

/**
 * Reads the submission's files into memory, with the same rules as a scratch
 * copy; `listing` is the submission's file list when the caller has it (the
 * one its cache key was computed from).
 */
export function readSubmissionImage(root: string, listing?: SubmissionListing, limits: CopyLimits = DEFAULT_COPY_LIMITS): SubmissionImage {
  const list = listingOf(submissionRoot(root), root, listing);
  const plan = planCopy(list, limits);
  const image: SubmissionImage = { dirs: [...plan.dirs], files: [], skipped: [] };
  image.skipped = readPlanned(list, plan, limits, (file, data) => void image.files.push({ path: file.rel, data }));
  return image;
}

/**
 * Why the file `rel` of the submission is not in `image`: the walk's reason
 * (a link leaving the submission, a cap...), or what the entry is (a named
 * pipe, a device, a folder), found with lstat, without opening it. Undefined
 * when there is no such entry.
 */
export function unreadReason(root: string, image: SubmissionImage, rel: string): string | undefined {
  const skipped = image.skipped.find((entry) => entry.startsWith(`${rel} (`));
  if (skipped) return skipped.slice(rel.length + 2, -1);
  let info;
  try {
    info = lstatSync(path.join(root, rel));
  } catch {
    return undefined;
  }
  if (info.isFIFO()) return 'it is a named pipe (FIFO)';
  if (info.isSocket()) return 'it is a socket';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'it is a device';
  if (info.isDirectory()) return 'it is a folder';
  if (info.isSymbolicLink()) return 'it is a symbolic link the walk did not follow';
  return info.isFile() ? undefined : 'it is not a regular file';
}

/**
 * Copies the submission's files into a fresh private scratch directory
 * (`work`, beside `home` and `tmp`); the submission itself is only read.
 * `listing` as for `readSubmissionImage`.
 */
export async function prepareScratch(root: string, listing?: SubmissionListing, limits: CopyLimits = DEFAULT_COPY_LIMITS): Promise<Scratch> {
  const list = listingOf(submissionRoot(root), root, listing);
  const scratch = emptyScratch();
  try {
    const plan = planCopy(list, limits);
    const made = new Set<string>();
    const unmade: string[] = [];
    for (const dir of plan.dirs) {
      try {
        mkdirSync(path.join(scratch.work, dir));
        made.add(dir);
      } catch (error) {
        unmade.push(skippedEntry(dir, `unreadable: ${errorCode(error)}`));
      }
    }
    scratch.skipped = [
      ...unmade,
      ...readPlanned(list, { ...plan, files: plan.files.filter((f) => !f.rel.includes('/') || made.has(f.rel.slice(0, f.rel.lastIndexOf('/')))) }, limits, (file, data) => {
        // A new file ('wx'), permission bits only: the copy is the learner's to write, never setuid.
        writeFileSync(path.join(scratch.work, file.rel), data, { flag: 'wx', mode: (file.mode & 0o777) | 0o600 });
      }),
    ];
    return scratch;
  } catch (error) {
    await removeScratch(scratch);
    throw error;
  }
}

/** A fresh private scratch folder with empty `work`, `home` and `tmp`. */
function emptyScratch(): Scratch {
  const scratch = scratchAt(mkdtempSync(path.join(tmpdir(), 'rubricate-')), randomBytes(12).toString('hex'));
  try {
    for (const sub of [scratch.work, scratch.home, scratch.tmp]) mkdirSync(sub);
  } catch (error) {
    rmSync(scratch.dir, { recursive: true, force: true });
    throw error;
  }
  return scratch;
}

/**
 * A fresh scratch folder holding `image` (from `readSubmissionImage`): the
 * sandbox gets exactly the files the grader read, hashed or parsed, with no
 * second walk of the submission in between.
 */
export async function scratchFromImage(image: SubmissionImage): Promise<Scratch> {
  const scratch = emptyScratch();
  scratch.skipped = [...image.skipped];
  try {
    for (const dir of image.dirs) mkdirSync(path.join(scratch.work, dir));
    for (const file of image.files) writeFileSync(path.join(scratch.work, file.path), file.data, { flag: 'wx' });
    return scratch;
  } catch (error) {
    await removeScratch(scratch);
    throw error;
  }
}

/** Gives the scratch folder to the sandbox user (it must write there). */
export async function chownScratch(scratch: Scratch, user: SandboxUser): Promise<void> {
  const walk = (dir: string): void => {
    chownSync(dir, user.uid, user.gid);
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else chownSync(full, user.uid, user.gid);
    }
  };
  walk(scratch.dir);
}

export async function removeScratch(scratch: Scratch): Promise<void> {
  rmSync(scratch.dir, { recursive: true, force: true, maxRetries: 3 });
}

// ------------------------------------------------------------------ process-tree killing

interface ProcEntry {
  pid: number;
  ppid: number;
  state: string;
}

async function listProcesses(): Promise<ProcEntry[]> {
  let names: string[];
  try {
    names = await readdir('/proc');
  } catch {
    return [];
  }
  const out: ProcEntry[] = [];
  await Promise.all(
    names.map(async (name) => {
      if (!/^\d+$/.test(name)) return;
      try {
        const text = await readFile(`/proc/${name}/stat`, 'latin1');
        const close = text.lastIndexOf(')');
        const fields = text.slice(close + 2).split(' ');
        out.push({ pid: Number(name), state: fields[0] ?? '?', ppid: Number(fields[1]) });
      } catch {
        /* gone */
      }
    }),
  );
  return out;
}

async function hasToken(pid: number, needle: Buffer): Promise<boolean> {
  try {
    const environ = await readFile(`/proc/${pid}/environ`);
    return environ.includes(needle);
  } catch {
    return false;
  }
}

/** Live (non-zombie) descendants of `rootPid`, plus every process carrying the token. */
export async function findTree(rootPid: number, token: string, cgroup?: PidsCgroup): Promise<number[]> {
  const procs = await listProcesses();
  const children = new Map<number, number[]>();
  for (const p of procs) {
    const list = children.get(p.ppid);
    if (list) list.push(p.pid);
    else children.set(p.ppid, [p.pid]);
  }
  const found = new Set<number>();
  const stack = [rootPid];
  while (stack.length) {
    const pid = stack.pop()!;
    for (const child of children.get(pid) ?? []) {
      if (!found.has(child)) {
        found.add(child);
        stack.push(child);
      }
    }
  }
  const needle = Buffer.from(`RUBRICATE_SANDBOX=${token}\0`);
  const self = process.pid;
  await Promise.all(
    procs.map(async (p) => {
      if (p.pid === self || found.has(p.pid)) return;
      if (await hasToken(p.pid, needle)) found.add(p.pid);
    }),
  );
  if (cgroup) for (const pid of await cgroupPids(cgroup)) found.add(pid);
  const live = new Set(procs.filter((p) => p.state !== 'Z' && p.state !== 'X').map((p) => p.pid));
  if (live.has(rootPid)) found.add(rootPid);
  return [...found].filter((pid) => live.has(pid) && pid !== self);
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}

/**
 * Kills a learner process tree: its process group, every descendant found in
 * /proc (the harness is a child subreaper, so setsid() escapes stay its
 * descendants) and every process carrying the session token. Processes are
 * stopped first so none can fork while we collect them.
 */
export async function killTree(rootPid: number, token: string, cgroup?: PidsCgroup): Promise<void> {
  signal(-rootPid, 'SIGKILL');
  for (let round = 0; round < 20; round++) {
    const pids = await findTree(rootPid, token, cgroup);
    if (pids.length === 0) return;
    for (const pid of pids) signal(pid, 'SIGSTOP');
    const again = await findTree(rootPid, token, cgroup);
    for (const pid of new Set([...pids, ...again])) signal(pid, 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, round < 3 ? 2 : 20));
  }
}

// ------------------------------------------------------------------ harness location

/**
 * The folder holding the harness files, found from this module's URL in both
 * layouts: `src/runner/` (harness next to it) and `dist/runner/` (harness in
 * `../../src/runner/harness/`, shipped through package.json `files`).
 */
export function harnessDir(moduleUrl: string = import.meta.url): string {
  const here = path.dirname(fileURLToPath(moduleUrl));
  const candidates = [path.join(here, 'harness'), path.join(here, '..', '..', 'src', 'runner', 'harness')];
  for (const candidate of candidates) {
    if (existsSync(path.join(candidate, 'python_harness.py'))) return candidate;
  }
  throw new Error(`rubricate is installed incompletely: python_harness.py not found in ${candidates.join(' or ')}`);
}

export { createPidsCgroup, removePidsCgroup, cgroupPids, type PidsCgroup, type SessionCgroup } from './cgroup.js';
