import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { formatSeconds } from '../core/duration.js';
import { resolvePython } from './python.js';
import {
  SCRATCH_FS,
  chownScratch,
  createPidsCgroup,
  describeScratch,
  sandboxTestHook,
  harnessDir,
  isolationInfo,
  killTree,
  launchPlan,
  prepareScratch,
  removePidsCgroup,
  removeScratch,
  requireIsolation,
  scratchFromImage,
  sandboxUser,
  learnerEnvironment,
  visibleFolders,
  type LaunchContext,
  type PidsCgroup,
  type Scratch,
  type SubmissionImage,
} from './sandbox.js';
import type { Location } from '../core/types.js';
import type {
  CallOutcome,
  IsolationInfo,
  IsolationLevel,
  LearnerSession,
  ResourceLimits,
  RunFailure,
  SessionOptions,
  Value,
} from './types.js';
import { awaitImport, deathFailure, definitionsFrom, exchangeCall, type CallOptions, failure, OutputCapture, stripUndefined } from './answers.js';
import { refsFromHello, type RefTable } from './refs.js';
import { abandonCgroup, describeCgroup, noteMemoryCapKills, overMemoryCap } from './cgroup.js';
import { FrameReader, type Frame } from './wire.js';

export const DEFAULT_LIMITS: ResourceLimits & { importTimeoutMs: number } = {
  callTimeoutMs: 10_000,
  sessionTimeoutMs: 120_000,
  importTimeoutMs: 60_000,
  memoryBytes: 1024 * 1024 * 1024,
  cpuSeconds: 60,
  fileSizeBytes: 16 * 1024 * 1024,
  processes: 64,
  outputBytes: 128 * 1024,
  answerBytes: 64 * 1024 * 1024,
};

type Limits = typeof DEFAULT_LIMITS;

/** Captured learner output, capped; the excess is drained and dropped. */
interface Waiter {
  resolve: (event: ProcessEvent) => void;
}

type ProcessEvent = { type: 'frame'; frame: Frame } | { type: 'exit'; code: number | null; signal: NodeJS.Signals | null } | { type: 'malformed'; message: string };

/** One harness process and its frame stream. */
class HarnessProcess {
  /** Arrays this process can resolve by reference (set from its hello). */
  refs: RefTable | undefined;
  readonly child: ChildProcess;
  private queue: ProcessEvent[] = [];
  private waiter: Waiter | undefined;
  exited = false;
  exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  killedByUs = false;
  private exitPromise: Promise<void>;

  constructor(command: string, args: string[], env: NodeJS.ProcessEnv, cwd: string, answerBytes: number, stdout: OutputCapture, stderr: OutputCapture) {
    this.child = spawn(command, args, {
      env,
      cwd,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (chunk: Buffer) => stdout.append(chunk));
    this.child.stderr?.on('data', (chunk: Buffer) => stderr.append(chunk));
    const reader = new FrameReader(answerBytes);
    const answers = this.child.stdio[4] as Readable;
    answers.on('data', (chunk: Buffer) => {
      if (this.exited) return;
      try {
        for (const frame of reader.push(chunk)) {
          if (frame.header.type === 'output') {
            // Learner output relayed by the harness, in order with the answers.
            const capture = frame.header.stream === 'stderr' ? stderr : stdout;
            capture.append(frame.payload);
            if (typeof frame.header.dropped === 'number' && frame.header.dropped > 0) capture.truncated = true;
          } else {
            this.emit({ type: 'frame', frame });
          }
        }
      } catch (error) {
        this.emit({ type: 'malformed', message: (error as Error).message });
        answers.destroy();
      }
    });
    answers.on('error', () => undefined);
    (this.child.stdio[3] as Writable).on('error', () => undefined);
    this.exitPromise = new Promise((resolve) => {
      this.child.on('error', () => {
        if (!this.exited) {
          this.exited = true;
          this.exitInfo = { code: 127, signal: null };
          this.emit({ type: 'exit', code: 127, signal: null });
        }
        resolve();
      });
      this.child.on('close', (code, signal) => {
        if (!this.exited) {
          this.exited = true;
          this.exitInfo = { code, signal };
          this.emit({ type: 'exit', code, signal });
        }
        resolve();
      });
    });
  }

  private emit(event: ProcessEvent): void {
    if (this.waiter) {
      const waiter = this.waiter;
      this.waiter = undefined;
      waiter.resolve(event);
    } else {
      this.queue.push(event);
    }
  }

  /** Next event, or undefined after `timeoutMs`. */
  next(timeoutMs: number): Promise<ProcessEvent | undefined> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        resolve(undefined);
      }, Math.max(0, timeoutMs));
      this.waiter = {
        resolve: (event) => {
          clearTimeout(timer);
          resolve(event);
        },
      };
    });
  }

  send(bytes: Buffer): void {
    const input = this.child.stdio[3] as Writable;
    if (!input.destroyed) input.write(bytes);
  }

  async kill(token: string, cgroup?: PidsCgroup): Promise<void> {
    this.killedByUs = true;
    const pid = this.child.pid;
    if (pid !== undefined) await killTree(pid, token, cgroup);
    (this.child.stdio[3] as Writable).destroy();
    await this.exitPromise;
  }
}

/** Sessions not closed yet (or still closing): killed and cleaned up synchronously if the process exits first. */
const liveSessions = new Set<PythonSession>();
/** Scratch folders made for a session that does not own them yet (its cgroup and start are being set up). */
const pendingScratch = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const session of liveSessions) session.abandon();
    for (const dir of pendingScratch) {
      try {
        rmSync(dir, { recursive: true, force: true });
      } catch {
        /* best effort */
      }
    }
  });
}

class PythonSession implements LearnerSession {
  isolation: IsolationInfo;
  importFailure?: RunFailure;
  private proc: HarnessProcess | undefined;
  /** How long the first import of the learner's module took (from the harness's hello), ms. */
  importMs?: number;
  private readonly stdout: OutputCapture;
  private readonly stderr: OutputCapture;
  /** Set when the first import ends: the session's budget counts the calls, the import has its own limit. */
  /** When the session's budget is spent: set by its first call, so a session opened ahead of its use (`CheckKind.warm`) loses nothing while it waits. */
  private deadline: number | undefined;
  private imported = false;
  private chain: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** Restarts after the first start (timeouts, crashes). */
  restarts = 0;

  constructor(
    private readonly options: SessionOptions,
    private readonly launch: LaunchContext,
    private readonly level: IsolationLevel,
    private readonly scratch: Scratch,
    private readonly limits: Limits,
    private readonly cgroup: PidsCgroup | undefined,
    private readonly harnessArgs?: (config: Record<string, unknown>) => string[],
  ) {
    this.isolation = isolationInfo(level);
    if (launch.user) this.isolation.description += `; runs as uid ${launch.user.uid}`;
    this.isolation.description += describeCgroup(cgroup, limits.processes) + describeScratch(level, launch);
    this.stdout = new OutputCapture(Math.ceil(limits.outputBytes / 2));
    this.stderr = new OutputCapture(Math.floor(limits.outputBytes / 2));
  }

  private kill(proc: HarnessProcess): Promise<void> {
    return proc.kill(this.scratch.token, this.cgroup);
  }

  private remaining(): number {
    return this.deadline === undefined ? this.limits.sessionTimeoutMs : this.deadline - Date.now();
  }

  /** Starts the harness and waits for it to import the learner module. Returns the import failure, if any. */
  async start(): Promise<RunFailure | undefined> {
    const harness = path.join(this.launch.harness, 'python_harness.py');
    const plan = launchPlan(this.level, this.launch, [], this.scratch);
    const args = [...plan.args, ...(this.harnessArgs ? this.harnessArgs(this.harnessConfig(plan.setup)) : this.pythonArgs(harness, plan.setup))];
    const launch = this.cgroup ? this.cgroup.wrap(plan.command, args) : { command: plan.command, args };
    noteMemoryCapKills(this.cgroup);
    const proc = new HarnessProcess(launch.command, launch.args, this.environment(), this.scratch.work, this.limits.answerBytes, this.stdout, this.stderr);
    this.proc = proc;
    return this.awaitImport(proc);
  }

  private pythonArgs(harness: string, setup: string): string[] {
    return ['-I', '-B', '-u', harness, JSON.stringify(this.harnessConfig(setup))];
  }

  /** The harness's CONFIG_JSON (docs/runner-protocol.md). */
  private harnessConfig(setup: string): Record<string, unknown> {
    return {
      visible: visibleFolders(this.launch),
      root: this.scratch.work,
      module: this.options.module.split(path.sep).join('/'),
      scratch: this.scratch.dir,
      cwd: this.scratch.work,
      setup,
      ...(this.options.mode === 'tasks' ? { mode: 'tasks' } : {}),
      // At the namespaces level the setup switches to the sandbox user itself (bubblewrap's setpriv does it there).
      ...(setup === 'namespaces' && this.launch.user ? { user: this.launch.user } : {}),
      ...sandboxTestHook(),
      limits: {
        memoryBytes: this.limits.memoryBytes,
        cpuSeconds: this.limits.cpuSeconds,
        fileSizeBytes: this.limits.fileSizeBytes,
        // RLIMIT_NPROC counts every process of the user on the machine: with a
        // per-session pids cgroup it would only let one session starve another.
        ...(this.cgroup ? {} : { processes: this.limits.processes }),
        answerBytes: this.limits.answerBytes,
        outputBytes: this.limits.outputBytes,
      },
    };
  }

  private environment(): NodeJS.ProcessEnv {
    return { ...learnerEnvironment(this.scratch.home, this.scratch.tmp), RUBRICATE_SANDBOX: this.scratch.token };
  }

  private async awaitImport(proc: HarnessProcess): Promise<RunFailure | undefined> {
    const first = !this.imported;
    this.imported = true;
    // The first import has its own limit; a restart's comes out of the session's budget too.
    const budget = first ? this.limits.importTimeoutMs : Math.min(this.limits.importTimeoutMs, Math.max(0, this.remaining()));
    const failure = await awaitImport<ProcessEvent>(proc, budget, {
      module: this.options.module,
      limits: this.limits,
      stderr: () => this.stderr.text(),
      exitOf: (event) => ({ code: event.code, signal: event.signal }),
      kill: () => this.kill(proc),
      // A harness that resolves `$ref` arguments says so; a restarted process starts with an empty table.
      onHello: (header) => {
        proc.refs = refsFromHello(header);
      },
      onReady: (header, importMs) => {
        this.definitions ??= definitionsFrom(header);
        this.importMs ??= importMs;
      },
    });
    return failure;
  }

  /** Where the module's functions are defined, as the harness reported after the import. */
  definitions?: Record<string, Location>;

  call(
    fn: string,
    args: Value[],
    options: CallOptions = {},
  ): Promise<CallOutcome> {
    const run = this.chain.then(() => this.callNow(fn, args, options));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async callNow(
    fn: string,
    args: Value[],
    options: CallOptions,
  ): Promise<CallOutcome> {
    const started = Date.now();
    const done = (f: RunFailure): CallOutcome => ({ ok: false, failure: f, durationMs: Date.now() - started });
    if (this.closed) return done(failure('internal', 'the session is closed'));
    if (this.importFailure) return done(this.importFailure);
    this.deadline ??= Date.now() + this.limits.sessionTimeoutMs;
    if (this.remaining() <= 0) {
      return done(failure('timeout', `the session's time budget of ${formatSeconds(this.limits.sessionTimeoutMs)} is spent`));
    }
    if (!this.proc || this.proc.exited || this.proc.killedByUs) {
      this.restarts += 1;
      const restartFailure = await this.start();
      if (restartFailure) {
        return done(failure(restartFailure.kind === 'import-error' ? 'import-error' : restartFailure.kind, `restarting the learner process failed: ${restartFailure.message}`, {
          ...(restartFailure.location ? { location: restartFailure.location } : {}),
        }));
      }
    }
    const proc = this.proc!;
    const outcome = await exchangeCall(proc, fn, args, options, {
      started,
      timeoutMs: Math.min(options.timeoutMs ?? this.limits.callTimeoutMs, this.remaining()),
      kill: () => this.kill(proc),
      refs: proc.refs,
      onExit: () =>
        this.closed
          ? failure('internal', `the session was closed while ${fn} was running`)
          : deathFailure(`${fn} did not return`, proc.exitInfo, this.stderr.text(), this.limits),
    });
    return overMemoryCap(outcome, fn, this.cgroup);
  }

  output(): { stdout: string; stderr: string; truncated: boolean } {
    return { stdout: this.stdout.text(), stderr: this.stderr.text(), truncated: this.stdout.truncated || this.stderr.truncated };
  }

  /** Last-resort synchronous cleanup (process exit without close()). */
  abandon(): void {
    const pid = this.proc?.child.pid;
    const kill = (target: number): void => {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        /* gone */
      }
    };
    if (pid !== undefined) {
      kill(-pid);
      kill(pid);
    }
    if (this.cgroup) abandonCgroup(this.cgroup);
    try {
      rmSync(this.scratch.dir, { recursive: true, force: true });
    } catch {
      /* best effort */
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Kill first: a call in flight ends at once instead of running to its timeout. The session stays
    // in liveSessions until its scratch is gone, so an exit (Ctrl-C) meanwhile still removes it.
    if (this.proc) await this.kill(this.proc);
    await this.chain;
    if (this.cgroup) await removePidsCgroup(this.cgroup);
    await removeScratch(this.scratch);
    liveSessions.delete(this);
  }
}


/**
 * Starts a sandboxed Python process that imports the learner module and
 * serves calls. Never throws for learner faults (they become `importFailure`
 * or failed call outcomes); throws ConfigError when the interpreter or the
 * requested isolation is unavailable.
 */
export async function openPythonSession(options: SessionOptions): Promise<LearnerSession> {
  const limits: Limits = { ...DEFAULT_LIMITS, ...stripUndefined(options.limits ?? {}) };
  const python = await resolvePython(options.python);
  const level = await requireIsolation(options.isolation);
  const harness = harnessDir();
  const launch: LaunchContext = { python: python.path, prefixes: python.prefixes, harness, setupPython: python.path };
  const user = level === 'bwrap' || level === 'namespaces' ? sandboxUser(python.prefixes, harness) : undefined;
  if (user) launch.user = user;
  return startSession(options, launch, level, limits);
}

/**
 * The scratch copy, its owner and pids cgroup, then the session and its
 * harness. Until the session owns the copy (a failed prepare, chown or
 * cgroup step), the copy is removed here; after that, by `session.close()`.
 */
async function startSession(
  options: SessionOptions,
  launch: LaunchContext,
  level: IsolationLevel,
  limits: Limits,
  args?: HarnessSpec['args'],
  prepare?: HarnessSpec['prepare'],
  image?: SubmissionImage,
  processMemoryBytes?: number,
): Promise<LearnerSession> {
  const scratch = image ? await scratchFromImage(image) : await prepareScratch(options.root, options.listing);
  // Until the session owns it, an exit (Ctrl-C) removes the copy through this set.
  pendingScratch.add(scratch.dir);
  installExitHook();
  let session: PythonSession;
  try {
    await prepare?.(scratch);
    if (launch.user) await chownScratch(scratch, launch.user);
    // The session's processes together: the per-process limit, plus scratch (its tmpfs pages are memory too).
    const cgroup = await createPidsCgroup(scratch.token, limits.processes, Math.max(limits.memoryBytes, processMemoryBytes ?? 0) + SCRATCH_FS.bytes);
    session = new PythonSession(options, launch, level, scratch, limits, cgroup, args);
  } catch (error) {
    await removeScratch(scratch);
    pendingScratch.delete(scratch.dir);
    throw error;
  }
  liveSessions.add(session);
  pendingScratch.delete(scratch.dir);
  try {
    const importFailure = await session.start();
    if (importFailure) session.importFailure = importFailure;
  } catch (error) {
    await session.close();
    throw error;
  }
  return session;
}


/** Another language's harness speaking the same protocol (docs/runner-protocol.md). */
export interface HarnessSpec {
  /** Interpreter or binary started inside the sandbox. */
  interpreter: string;
  /** Folders it needs, bound read-only by bubblewrap. */
  prefixes: string[];
  /** Folder holding the harness sources, bound read-only. */
  harness: string;
  /** Arguments after the interpreter, given the CONFIG_JSON object. */
  args: (config: Record<string, unknown>) => string[];
  /** Runs on the scratch copy before the harness starts (e.g. writes transpiled sources). */
  prepare?: (scratch: { work: string; dir: string }) => Promise<void>;
  /**
   * The submission as the grader already read it (`readSubmissionImage`) to
   * transpile, hash or build it: the scratch copy is made from it, so the
   * process runs the very files the grader looked at. Default: a fresh copy.
   */
  image?: SubmissionImage;
  /** Where the module's functions are defined, when the grader parsed it (the harness may not say). */
  definitions?: Record<string, Location>;
  /**
   * The address-space limit the harness gives each process, when above
   * `limits.memoryBytes` (Node: V8 reserves 2 GiB). The session's memory cap
   * must not be the first limit a single process meets: near a cgroup's cap the
   * kernel reclaims the process's own code pages again and again before it
   * kills anything, and the call runs into its timeout instead of failing as
   * `memory`.
   */
  processMemoryBytes?: number;
}

/**
 * Same sandbox, limits, restarts and framing as `openPythonSession`, for a
 * harness started by `spec` instead of the Python one.
 */
export async function openHarnessSession(options: SessionOptions, spec: HarnessSpec): Promise<LearnerSession> {
  const limits: Limits = { ...DEFAULT_LIMITS, ...stripUndefined(options.limits ?? {}) };
  const level = await requireIsolation(options.isolation);
  let launch: LaunchContext = { python: spec.interpreter, prefixes: spec.prefixes, harness: spec.harness };
  let args = spec.args;
  if (level === 'namespaces') {
    // Only the Python harness sets up private mounts itself: start the others through its trampoline
    // (standard library only: -S, no site-packages, no NumPy).
    const python = await resolvePython();
    const trampoline = path.join(spec.harness, 'ns_exec.py');
    launch = { ...launch, python: python.path };
    args = (config) => ['-I', '-S', '-B', trampoline, JSON.stringify(config), '--', spec.interpreter, ...spec.args(config)];
  } else if (level === 'bwrap') {
    // The capped scratch tmpfs in front of bubblewrap is mounted by the same standard-library module.
    const python = await resolvePython().catch(() => undefined);
    if (python) launch.setupPython = python.path;
  }
  const user = level === 'bwrap' || level === 'namespaces' ? sandboxUser(spec.prefixes, spec.harness) : undefined;
  if (user) launch.user = user;
  const session = await startSession(options, launch, level, limits, args, spec.prepare, spec.image, spec.processMemoryBytes);
  if (spec.definitions && session instanceof PythonSession) session.definitions ??= spec.definitions;
  return session;
}
