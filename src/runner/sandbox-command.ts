/**
 * One command run to its end inside the learner sandbox: a compiler, a test
 * runner in list mode, anything that is not a harness speaking the runner
 * protocol but may run learner-controlled code (a build script, a proc macro,
 * a test's setup). It gets the same isolation as a learner session at the
 * same level (`launchPlan`: bubblewrap, or namespaces through the
 * `ns_exec.py` trampoline; a pids cgroup where the grader may make one), a
 * fixed minimal environment (nothing of the grader's), resource limits
 * (prlimit inside the sandbox), a hard wall-clock limit, and capped output.
 * When it ends, for whatever reason, every process it started is killed (the
 * PID namespace goes with its first process; at `rlimits` the cgroup and the
 * session token find setsid'd daemons), and only then does the caller look
 * at what it left: at bwrap (as root) and namespaces it wrote on a capped
 * tmpfs, never on the host's disk, and the files the caller named in
 * `exports` come back on fd 4 from the sandbox's setup process
 * (`readCommandOutput`; docs/runner-protocol.md, "One-shot commands").
 */
import { spawn } from 'node:child_process';
import { constants, existsSync } from 'node:fs';
import { open, readdir, readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { OutputCapture } from './answers.js';
import { resolvePython } from './python.js';
import {
  chownScratch,
  createPidsCgroup,
  SCRATCH_FS,
  harnessDir,
  isolationInfo,
  killTree,
  launchPlan,
  learnerEnvironment,
  removePidsCgroup,
  sandboxTestHook,
  sandboxUser,
  type LaunchContext,
  type Scratch,
} from './sandbox.js';
import type { IsolationInfo, IsolationLevel } from './types.js';
import { FrameReader } from './wire.js';

export interface CommandLimits {
  /** Address space of each process, bytes (RLIMIT_AS). */
  memoryBytes: number;
  /** CPU seconds of each process (RLIMIT_CPU; SIGXCPU, then SIGKILL a second later). */
  cpuSeconds: number;
  /** Largest file a process may write, bytes (RLIMIT_FSIZE). */
  fileSizeBytes: number;
  /** Processes and threads together (pids cgroup; RLIMIT_NPROC for a grader that is not root). */
  processes: number;
  /** Wall clock of the whole command, ms: then everything it started is killed. */
  wallMs: number;
  /** Cap on captured stdout and on captured stderr, bytes each. */
  outputBytes: number;
  /** Caps of the scratch tmpfs the command writes on at bwrap (as root) and namespaces (default: a session's, 256 MiB and 16384 files). */
  scratchBytes?: number;
  scratchInodes?: number;
}

export interface SandboxCommand {
  level: IsolationLevel;
  /** Made by `prepareScratch`/`scratchFromImage`; the only writable folder. Removing it stays the caller's job. */
  scratch: Scratch;
  /** Absolute path of the program, visible inside the sandbox (a system folder or one of `visible`). */
  command: string;
  args: string[];
  /** Working folder, inside scratch (default: scratch.work). */
  cwd?: string;
  /** Folders the program needs besides the system ones, shown read-only (a toolchain). */
  visible: string[];
  /** Variables added to the fixed environment (PATH, HOME, TMPDIR, LANG): the grader's own never pass. */
  env?: Record<string, string>;
  limits: CommandLimits;
  /**
   * Files the grader reads back after the command (absolute paths inside
   * `scratch.dir`, each with a byte cap): read them with
   * `readCommandOutput`. Where scratch is a capped tmpfs (bwrap as root,
   * namespaces) the command's writes never reach the host's disk, and these
   * files come back from the sandbox's own setup process once everything
   * the command started has ended.
   */
  exports?: Array<{ file: string; maxBytes: number }>;
}

export interface SandboxCommandResult {
  isolation: IsolationInfo;
  /** Exit code, or null when a signal ended it. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Killed at `limits.wallMs`. */
  timedOut: boolean;
  stdout: string;
  stderr: string;
  /** Some output went over `limits.outputBytes` and was dropped. */
  truncated: boolean;
  /** The sandbox could not be set up (nothing of the command ran): rubricate's or the machine's fault. */
  setupFailure?: string;
  /** The command wrote on a capped tmpfs: the `exports` it left, by absolute path (missing ones absent). */
  exported?: Map<string, { data: Buffer } | { refused: string }>;
}

const PRLIMIT = ['/usr/bin/prlimit', '/bin/prlimit'];

/**
 * Threads (the kernel's unit for RLIMIT_NPROC) of every process whose real
 * user is `uid`: the grader's own, its other sessions, anything else the
 * user runs.
 */
async function userTasks(uid: number): Promise<number> {
  let total = 0;
  for (const name of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(name)) continue;
    const status = await readFile(`/proc/${name}/status`, 'latin1').catch(() => '');
    const real = /^Uid:\s+(\d+)/m.exec(status);
    if (real && Number(real[1]) === uid) total += Number(/^Threads:\s+(\d+)/m.exec(status)?.[1] ?? 1);
  }
  return total;
}

/**
 * prlimit's arguments for `limits`. RLIMIT_NPROC only without a pids cgroup
 * (root has one; the limit does not bind root anyway), and then as
 * `processes` more than the user runs now: it counts every thread of the
 * user on the machine, so a bare 64 would fail a compiler's threads wherever
 * the grader's user already runs 64.
 */
async function prlimitArgs(limits: CommandLimits, withNproc: boolean): Promise<string[]> {
  const cpu = Math.max(1, Math.floor(limits.cpuSeconds));
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  const nproc = withNproc && uid !== undefined ? limits.processes + (await userTasks(uid)) : undefined;
  return [
    `--as=${limits.memoryBytes}`,
    `--cpu=${cpu}:${cpu + 1}`,
    `--fsize=${limits.fileSizeBytes}`,
    '--core=0',
    ...(nproc !== undefined ? [`--nproc=${nproc}`] : []),
  ];
}

/**
 * Runs `spec.command` in the sandbox at `spec.level` and waits until it and
 * every process it started are gone. Throws only for a machine that cannot
 * run it (no prlimit, no Python for the namespaces trampoline); everything
 * the command does (fail, hang, flood its output, fork, leave daemons)
 * becomes the result.
 */
export async function runSandboxedCommand(spec: SandboxCommand): Promise<SandboxCommandResult> {
  const prlimit = PRLIMIT.find((p) => existsSync(p));
  if (!prlimit) throw new Error('prlimit (util-linux) is needed to run a command under resource limits, and was not found in /usr/bin or /bin');
  const { scratch, limits, level } = spec;
  const harness = harnessDir();
  const user = level === 'bwrap' || level === 'namespaces' ? sandboxUser(spec.visible, harness) : undefined;
  if (user) await chownScratch(scratch, user);
  const cgroup = await createPidsCgroup(scratch.token, limits.processes);
  // Inside the sandbox: limits first, then the working folder (bubblewrap starts a sandbox user in /).
  const inner = [
    ...(await prlimitArgs(limits, !cgroup)),
    '--',
    '/bin/sh',
    '-c',
    // The protocol pipes never reach the command (bubblewrap without root would pass them on).
    'cd -- "$0" || exit 70; unset OLDPWD; exec 3>&- 4>&-; exec "$@"',
    spec.cwd ?? scratch.work,
    spec.command,
    ...spec.args,
  ];
  let context: LaunchContext = { python: prlimit, prefixes: spec.visible, harness };
  let args = inner;
  const scratchFs = { bytes: limits.scratchBytes ?? SCRATCH_FS.bytes, inodes: limits.scratchInodes ?? SCRATCH_FS.inodes };
  const exports = (spec.exports ?? []).map((e) => ({ path: path.relative(scratch.dir, e.file), maxBytes: e.maxBytes }));
  if (exports.some((e) => e.path.startsWith('..') || path.isAbsolute(e.path))) throw new Error('a command can only hand back files inside its scratch folder');
  if (level === 'namespaces') {
    // The Python harness's own namespace setup (the same mounts as a session, scratch a capped
    // tmpfs), the command in a child, then the exports (docs/runner-protocol.md).
    const python = await resolvePython();
    context = { ...context, python: python.path };
    const config = { root: scratch.work, scratch: scratch.dir, cwd: spec.cwd ?? scratch.work, visible: [harness, ...spec.visible], pipes: false, exports, scratchBytes: scratchFs.bytes, scratchInodes: scratchFs.inodes, ...(user ? { user } : {}), ...sandboxTestHook() };
    args = ['-I', '-B', path.join(harness, 'ns_exec.py'), JSON.stringify(config), '--', prlimit, ...inner];
  } else if (level === 'bwrap') {
    // As root, sandbox_setup.py mounts the capped tmpfs in front of bubblewrap and hands the exports back.
    context.setupPython = (await resolvePython()).path;
  }
  if (user) context.user = user;
  const plan = launchPlan(level, context, args, scratch, level === 'bwrap' ? { exports, scratchFs } : {});
  const onTmpfs = plan.scratchFs !== undefined;
  const launch = cgroup ? cgroup.wrap(plan.command, plan.args) : { command: plan.command, args: plan.args };
  const { PATH, HOME, TMPDIR, LANG } = learnerEnvironment(scratch.home, scratch.tmp);
  const env = { PATH, HOME, TMPDIR, LANG, ...spec.env, RUBRICATE_SANDBOX: scratch.token };

  const stdout = new OutputCapture(limits.outputBytes);
  const stderr = new OutputCapture(limits.outputBytes);
  const child = spawn(launch.command, launch.args, { env, cwd: scratch.dir, detached: true, stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'] });
  child.stdout?.on('data', (chunk: Buffer) => stdout.append(chunk));
  child.stderr?.on('data', (chunk: Buffer) => stderr.append(chunk));
  // fd 3 is never written; fd 4 carries only the setup's frames (`fatal`, `export`, `exit`): the command never holds either.
  (child.stdio[3] as Writable).on('error', () => undefined);
  (child.stdio[3] as Writable).end();
  let setupFailure: string | undefined;
  const exported = new Map<string, { data: Buffer } | { refused: string }>();
  let ended: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const frames = new FrameReader(64 * 1024 + Math.max(0, ...exports.map((e) => e.maxBytes)));
  const control = child.stdio[4] as Readable;
  control.on('error', () => undefined);
  control.on('data', (chunk: Buffer) => {
    try {
      for (const frame of frames.push(chunk)) {
        const { header } = frame;
        if (header.type === 'fatal') setupFailure = String(header.message ?? 'sandbox setup failed').slice(0, 400);
        const wanted = header.type === 'export' ? exports.find((e) => e.path === header.path) : undefined;
        if (wanted) {
          const file = path.join(scratch.dir, wanted.path);
          if (typeof header.refused === 'string') exported.set(file, { refused: header.refused.slice(0, 200) });
          else if (typeof header.size === 'number') exported.set(file, { refused: `it is ${header.size} bytes, over the cap of ${wanted.maxBytes}` });
          else if (frame.payload.length > wanted.maxBytes) exported.set(file, { refused: `it is ${frame.payload.length} bytes, over the cap of ${wanted.maxBytes}` });
          else exported.set(file, { data: Buffer.from(frame.payload) });
        }
        if (header.type === 'exit') {
          ended = { code: typeof header.code === 'number' ? header.code : null, signal: typeof header.signal === 'string' ? (header.signal as NodeJS.Signals) : null };
        }
      }
    } catch {
      control.destroy();
    }
  });

  let timedOut = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('error', () => resolve({ code: 127, signal: null }));
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  const timer = setTimeout(() => {
    timedOut = true;
    if (child.pid !== undefined) void killTree(child.pid, scratch.token, cgroup);
  }, limits.wallMs);
  let exit: { code: number | null; signal: NodeJS.Signals | null };
  try {
    exit = await exited;
  } finally {
    clearTimeout(timer);
    // Daemons (setsid, double fork) die here at every level; the output pipes close with them.
    if (child.pid !== undefined) await killTree(child.pid, scratch.token, cgroup);
    if (cgroup) await removePidsCgroup(cgroup);
  }
  await new Promise<void>((resolve) => {
    if (child.stdout?.readableEnded !== false && child.stderr?.readableEnded !== false && control.readableEnded !== false) resolve();
    else child.once('close', () => resolve());
    setTimeout(resolve, 2000).unref();
  });
  // The setup process's word on how the command ended (it outlives the command to hand files back).
  if (ended && !timedOut) exit = ended;
  const info = isolationInfo(level);
  if (user) info.description += `; runs as uid ${user.uid}`;
  info.description += onTmpfs ? `; writes go to a private tmpfs of at most ${scratchFs.bytes / 1048576} MiB and ${scratchFs.inodes} files` : '; writes go to a scratch folder on the host disk, capped only per file (RLIMIT_FSIZE)';
  if (cgroup) info.description += `; at most ${limits.processes} processes (pids cgroup)`;
  return {
    isolation: info,
    code: exit.code,
    signal: exit.signal,
    timedOut,
    stdout: stdout.text(),
    stderr: stderr.text(),
    truncated: stdout.truncated || stderr.truncated,
    ...(setupFailure !== undefined ? { setupFailure } : {}),
    ...(onTmpfs ? { exported } : {}),
  };
}

/**
 * A file a sandboxed command left for the grader (one of its `exports`):
 * handed back by the sandbox's setup process where the command wrote on a
 * capped tmpfs, otherwise read out of the host scratch folder with
 * `readScratchFile`'s rules. At most `maxBytes` either way.
 */
export async function readCommandOutput(scratch: Scratch, result: SandboxCommandResult, file: string, maxBytes: number): Promise<{ data: Buffer } | { refused: string }> {
  if (!result.exported) return readScratchFile(scratch, file, maxBytes);
  const got = result.exported.get(file);
  if (!got) return { refused: 'it is missing (ENOENT)' };
  if ('data' in got && got.data.length > maxBytes) return { refused: `it is ${got.data.length} bytes, over the cap of ${maxBytes}` };
  return got;
}

/**
 * Reads a file a sandboxed command left in scratch, for the grader to keep
 * (a built binary): only after every process of the command is dead, only a
 * regular file whose real path stays inside scratch (a folder on the way
 * replaced by a symbolic link would lead elsewhere), opened without following
 * a link and without blocking, and only up to `maxBytes`. Hard links are
 * allowed (cargo hard-links its outputs): inside the sandbox, scratch is a
 * mount of its own, and link() never crosses mounts.
 */
export async function readScratchFile(scratch: Scratch, file: string, maxBytes: number): Promise<{ data: Buffer } | { refused: string }> {
  let real: string;
  let inside: string;
  try {
    real = await realpath(file);
    inside = await realpath(scratch.dir);
  } catch (error) {
    return { refused: `it is missing (${(error as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  if (!real.startsWith(inside + path.sep)) return { refused: 'its path leads out of the scratch folder' };
  let handle;
  try {
    handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    return { refused: `it cannot be opened (${(error as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) return { refused: 'it is not a regular file' };
    if (info.size > maxBytes) return { refused: `it is ${info.size} bytes, over the cap of ${maxBytes}` };
    const data = Buffer.alloc(info.size);
    let filled = 0;
    while (filled < data.length) {
      const { bytesRead } = await handle.read(data, filled, data.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return { data: data.subarray(0, filled) };
  } finally {
    await handle.close();
  }
}
