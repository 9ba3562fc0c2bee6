/**
 * Pre-warmed fork servers for batch grading. A fork server is one sandboxed
 * Python process (same sandbox as a plain session: bubblewrap, or resource
 * limits) that imported NumPy once; each learner session is a child it forks,
 * which runs the unchanged python_harness.py (limits, learner import, calls)
 * and talks to us over a per-job Unix socket instead of inherited pipes.
 * Starting a session then costs a fork, not an interpreter plus NumPy.
 *
 * The pool keeps one server per concurrent session. A server is recycled (a
 * fresh one started) after a session that ended abnormally (timeout, crash,
 * protocol breach), after `recycleAfter` sessions, or when it dies. Between
 * sessions the server kills every descendant; it is a child subreaper and not
 * dumpable, so learner code can neither outlive its session nor tamper with
 * the server (see fork_server.py).
 *
 * Use: `services.openLearnerSession = pool.open` (src/rope/session.ts picks it up).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { chmod, chown, lstat, mkdir, mkdtemp, open as openFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { resolvePython } from './python.js';
import {
  SCRATCH_FS,
  chooseIsolation,
  chownScratch,
  createPidsCgroup,
  describeScratch,
  sandboxTestHook,
  harnessDir,
  isolationInfo,
  killTree,
  launchPlan,
  prepareScratch,
  readSubmissionImage,
  removePidsCgroup,
  removeScratch,
  sandboxUser,
  scratchAt,
  learnerEnvironment,
  visibleFolders,
  type LaunchContext,
  type LaunchPlan,
  type PidsCgroup,
  type SandboxUser,
  type Scratch,
  type SubmissionImage,
} from './sandbox.js';
import { formatSeconds } from '../core/duration.js';
import { DEFAULT_LIMITS } from './session.js';
import type { Location } from '../core/types.js';
import type { CallOutcome, IsolationInfo, IsolationLevel, LearnerSession, RunFailure, SessionOptions, Value } from './types.js';
import { awaitImport, deathFailure, definitionsFrom, exchangeCall, HARNESS_START_MS, type CallOptions, failure, OutputCapture, stripUndefined, type Exit } from './answers.js';
import { refsFromHello, type RefTable, type SharedStore } from './refs.js';
import { describeCgroup, noteMemoryCapKills, overMemoryCap } from './cgroup.js';
import { FrameReader, type Frame } from './wire.js';

type Limits = typeof DEFAULT_LIMITS;

/** How long a server may take to exit by itself when asked to stop. */
const STOP_GRACE_MS = 500;

/** A fork server's own memory (NumPy and the interpreter), on top of its child's, in the server's memory cgroup. */
const SERVER_MEMORY_BYTES = 128 * 1024 * 1024;

/** The longest path a Unix socket may have (sun_path, with its terminating NUL). */
const SOCKET_PATH_MAX = 107;

/** Most bytes of shared inputs one fork server holds. */
const SHARED_BYTES_CAP = 64 * 1024 * 1024;

export interface ForkServerPoolOptions {
  python?: string;
  isolation?: IsolationLevel | 'auto';
  limits?: Partial<Limits>;
  /** Sessions one server serves before it is replaced (default 200). */
  recycleAfter?: number;
}


/** One sandboxed fork server process and its line-JSON control channel. */
class ForkServer {
  private child!: ChildProcess;
  private buffer = '';
  private waiters = new Map<string, (reply: Record<string, unknown>) => void>();
  private exitListeners = new Map<string, (exit: Exit) => void>();
  private stderr = '';
  dead = false;
  served = 0;
  tainted = false;
  readonly token = randomBytes(12).toString('hex');
  dir = '';
  /** Shared inputs this server holds (children forked from now on inherit them), and those on their way. */
  private shared = new Set<string>();
  private loading = new Set<string>();
  private sharedBytes = 0;
  private preloads = 0;
  private sockets = 0;

  /** A short name for the next child's socket (the path must fit sun_path). */
  nextSocket(): number {
    return ++this.sockets;
  }
  cgroup: PidsCgroup | undefined;

  constructor(
    private readonly launch: LaunchContext,
    readonly level: IsolationLevel,
    private readonly limits: Limits,
  ) {}

  /**
   * True when the children's folder is a tmpfs capped in bytes and inodes
   * that only the server's sandbox sees (namespaces level, and bubblewrap as
   * root): each child receives the submission's files on its own socket and
   * writes them there; nothing is written to the host's disk per submission.
   * Otherwise the grader copies the submission into the children's folder.
   */
  get inMemory(): boolean {
    return this.plan?.scratchFs !== undefined;
  }

  private plan: LaunchPlan | undefined;

  /** What the server's sandbox gives beyond its level's description. */
  get description(): string {
    return describeCgroup(this.cgroup, this.limits.processes * 2) + describeScratch(this.level, this.launch);
  }

  get jobsDir(): string {
    return path.join(this.dir, 'jobs');
  }

  /** The user learner code runs as inside bubblewrap (root's `nobody` switch), if any. */
  get user(): SandboxUser | undefined {
    return this.launch.user;
  }

  async start(): Promise<void> {
    this.dir = await mkdtemp(path.join(serverParent(), 'rubricate-fs-'));
    // The server's folder (its sockets and the owner file) stays the grader's: read-only inside the
    // sandbox, traversable by the sandbox user. Only the children's folder is writable.
    await chmod(this.dir, 0o755);
    await writeFile(path.join(this.dir, 'owner'), String(process.pid));
    await mkdir(this.jobsDir);
    if (this.launch.user) await chown(this.jobsDir, this.launch.user.uid, this.launch.user.gid);
    const scratch: Scratch = { dir: this.dir, work: this.dir, home: this.dir, tmp: this.dir, skipped: [], token: this.token };
    const script = path.join(harnessDir(), 'fork_server.py');
    const plan = launchPlan(this.level, this.launch, [], scratch, { writable: this.jobsDir });
    this.plan = plan;
    // At the namespaces level the server sets up its mounts itself, once, for all its children.
    const config: Record<string, unknown> = {
      harness: path.join(harnessDir(), 'python_harness.py'),
      dir: this.dir,
      setup: plan.setup,
      visible: visibleFolders(this.launch),
      ...(plan.setup === 'namespaces' && this.launch.user ? { user: this.launch.user } : {}),
      ...sandboxTestHook(),
    };
    // The children's private tmpfs (its mount point is empty on the host); the server empties it between children.
    if (this.inMemory) Object.assign(config, { jobs: this.jobsDir, jobsBytes: SCRATCH_FS.bytes, jobsInodes: SCRATCH_FS.inodes });
    // bubblewrap and the namespaces setup give the server a /tmp and /dev/shm of its own, which all its
    // children share: the server empties them between children too (never at rlimits: they are the host's).
    if (this.level === 'bwrap' || this.level === 'namespaces') config.privateTmp = ['/tmp', '/dev/shm'];
    const args = [...plan.args, '-I', '-B', '-u', script, JSON.stringify(config)];
    this.cgroup = await createPidsCgroup(this.token, this.limits.processes * 2, this.limits.memoryBytes + SCRATCH_FS.bytes + SERVER_MEMORY_BYTES);
    const launch = this.cgroup ? this.cgroup.wrap(plan.command, args) : { command: plan.command, args };
    this.child = spawn(launch.command, launch.args, {
      env: { ...learnerEnvironment(this.dir, this.dir), RUBRICATE_SANDBOX: this.token },
      cwd: this.dir,
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'],
    });
    this.child.stderr?.on('data', (chunk: Buffer) => {
      if (this.stderr.length < 8192) this.stderr += chunk.toString('utf8');
    });
    (this.child.stdio[3] as Writable).on('error', () => undefined);
    const replies = this.child.stdio[4] as Readable;
    replies.on('data', (chunk: Buffer) => this.onData(chunk));
    replies.on('error', () => undefined);
    this.child.on('error', () => this.onDeath());
    this.child.on('close', () => this.onDeath());
    const hello = await this.request('hello', undefined, this.limits.importTimeoutMs);
    if (hello.op !== 'hello') {
      await this.stop();
      throw new Error(`the fork server did not start${this.stderr ? `: ${this.stderr.trim().split('\n').slice(-1)[0]}` : ''}`);
    }
  }

  private onData(chunk: Buffer): void {
    this.buffer += chunk.toString('utf8');
    let newline: number;
    while ((newline = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, newline);
      this.buffer = this.buffer.slice(newline + 1);
      let reply: Record<string, unknown>;
      try {
        reply = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue;
      }
      if (reply.op === 'exit') {
        const listener = this.exitListeners.get(String(reply.job));
        this.exitListeners.delete(String(reply.job));
        listener?.({ code: typeof reply.code === 'number' ? reply.code : null, signal: (reply.signal as NodeJS.Signals | null) ?? null });
        continue;
      }
      const key = reply.op === 'hello' ? 'hello' : `${String(reply.op)}:${String(reply.job)}`;
      const waiter = this.waiters.get(key);
      this.waiters.delete(key);
      waiter?.(reply);
    }
  }

  private onDeath(): void {
    if (this.dead) return;
    this.dead = true;
    for (const waiter of this.waiters.values()) waiter({ op: 'dead' });
    this.waiters.clear();
    for (const listener of this.exitListeners.values()) listener({ code: null, signal: 'SIGKILL' });
    this.exitListeners.clear();
  }

  /** Sends a request (or none, for hello) and waits for its reply, `{op: 'dead'}` or `{op: 'timeout'}`. */
  request(key: string, message: Record<string, unknown> | undefined, timeoutMs: number): Promise<Record<string, unknown>> {
    if (this.dead) return Promise.resolve({ op: 'dead' });
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(key);
        resolve({ op: 'timeout' });
      }, timeoutMs);
      this.waiters.set(key, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
      if (message) {
        const input = this.child.stdio[3] as Writable;
        if (!input.destroyed) input.write(JSON.stringify(message) + '\n');
      }
    });
  }

  /**
   * The shared inputs a child forked now holds: those loaded before its spawn
   * request (the server answers in order, so a `preloaded` reply that came
   * before the `spawned` one means the child inherited that input).
   */
  sharedFor(): SharedStore {
    const held = new Set(this.shared);
    return { holds: (key) => held.has(key), want: (key, data) => this.want(key, data) };
  }

  /**
   * Loads an input into the server for its later children. The
   * bytes go over the control pipe, which learner processes cannot reach (a
   * file in the server's folder could be rewritten by the learner running now).
   */
  want(key: string, data: Float64Array): void {
    if (this.dead || this.shared.has(key) || this.loading.has(key)) return;
    if (this.sharedBytes + data.byteLength > SHARED_BYTES_CAP) return;
    this.loading.add(key);
    this.sharedBytes += data.byteLength;
    const job = `p${++this.preloads}`;
    const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
    void this.request(`preloaded:${job}`, { op: 'preload', job, key, data: bytes }, this.limits.importTimeoutMs).then((reply) => {
      this.loading.delete(key);
      if (reply.op === 'preloaded') this.shared.add(key);
      else this.sharedBytes -= data.byteLength;
    });
  }

  onExit(job: string, listener: (exit: Exit) => void): void {
    if (this.dead) listener({ code: null, signal: 'SIGKILL' });
    else this.exitListeners.set(job, listener);
  }

  async stop(): Promise<void> {
    const wasDead = this.dead;
    this.dead = true;
    const pid = this.child?.pid;
    // Closing the control pipe asks the server to sweep and exit; its CPU time,
    // and its children's, then reaches rubricate's own accounts (the bench reads
    // them). Whatever is still there after a short grace is killed.
    if (pid !== undefined && !wasDead && this.child.exitCode === null && this.child.signalCode === null) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, STOP_GRACE_MS);
        this.child.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
        (this.child.stdio[3] as Writable).end();
      });
    }
    if (pid !== undefined) await killTree(pid, this.token, this.cgroup);
    if (this.cgroup) await removePidsCgroup(this.cgroup);
    await rm(this.dir, { recursive: true, force: true, maxRetries: 3 }).catch(() => undefined);
  }
}

type Event = { type: 'frame'; frame: Frame } | { type: 'exit'; exit: Exit } | { type: 'malformed'; message: string };

/** One forked learner process: its socket, frames and exit. */
class ForkedProcess {
  /** Arrays this process can resolve by reference (set from its hello). */
  refs: RefTable | undefined;
  private queue: Event[] = [];
  private waiter: ((event: Event) => void) | undefined;
  exited = false;
  exitInfo: Exit | undefined;
  killed = false;
  socket: Socket | undefined;

  constructor(
    readonly job: string,
    private readonly answerBytes: number,
    private readonly capture: (stream: string, payload: Buffer, dropped: boolean) => void,
  ) {}

  attach(socket: Socket, rest: Buffer): void {
    this.socket = socket;
    const reader = new FrameReader(this.answerBytes);
    const onChunk = (chunk: Buffer) => {
      if (this.exited) return;
      try {
        for (const frame of reader.push(chunk)) {
          if (frame.header.type === 'output') {
            this.capture(String(frame.header.stream), frame.payload, typeof frame.header.dropped === 'number' && frame.header.dropped > 0);
          } else this.emit({ type: 'frame', frame });
        }
      } catch (error) {
        this.emit({ type: 'malformed', message: (error as Error).message });
        socket.destroy();
      }
    };
    socket.on('data', onChunk);
    socket.on('error', () => undefined);
    if (rest.length) onChunk(rest);
  }

  died(exit: Exit): void {
    if (this.exited) return;
    this.exited = true;
    this.exitInfo = exit;
    this.socket?.destroy();
    this.emit({ type: 'exit', exit });
  }

  private emit(event: Event): void {
    if (this.waiter) {
      const waiter = this.waiter;
      this.waiter = undefined;
      waiter(event);
    } else this.queue.push(event);
  }

  next(timeoutMs: number): Promise<Event | undefined> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        resolve(undefined);
      }, Math.max(0, timeoutMs));
      this.waiter = (event) => {
        clearTimeout(timer);
        resolve(event);
      };
    });
  }

  send(bytes: Buffer): void {
    if (this.socket && !this.socket.destroyed) this.socket.write(bytes);
  }
}

/**
 * A submission image as the child reads it from its socket, before any
 * protocol frame: one frame, header `{type: "image", dirs, files: [{path,
 * size}]}`, payload the files' bytes in order (cached: a restart sends the
 * same). The server never sees it.
 */
const wiredImages = new WeakMap<SubmissionImage, Buffer[]>();
function imageFrame(image: SubmissionImage): Buffer[] {
  let wired = wiredImages.get(image);
  if (!wired) {
    const header = Buffer.from(JSON.stringify({ type: 'image', dirs: image.dirs, files: image.files.map((f) => ({ path: f.path, size: f.data.length })) }));
    const prefix = Buffer.alloc(8);
    prefix.writeUInt32LE(header.length, 0);
    prefix.writeUInt32LE(image.files.reduce((sum, f) => sum + f.data.length, 0), 4);
    wired = [prefix, header, ...image.files.map((f) => f.data)];
    wiredImages.set(image, wired);
  }
  return wired;
}

/** The folder fork servers' folders go in: TMPDIR, unless its path is too long for the servers' sockets. */
function serverParent(): string {
  const parent = tmpdir();
  // rubricate-fs-XXXXXX/s<n>: the socket path must fit sun_path.
  return Buffer.byteLength(parent) + 32 <= SOCKET_PATH_MAX ? parent : '/tmp';
}


/** A learner session whose processes are children of a fork server. */
class ForkedSession implements LearnerSession {
  isolation: IsolationInfo;
  importFailure?: RunFailure;
  private proc: ForkedProcess | undefined;
  /** What the current child inherited from the server. */
  private shared: SharedStore | undefined;
  /** How long the first import of the learner's module took (from the harness's hello), ms. */
  importMs?: number;
  /** Where the module's functions are defined, as the harness reported after the import. */
  definitions?: Record<string, Location>;
  private readonly stdout: OutputCapture;
  private readonly stderr: OutputCapture;
  /** Set when the first import ends: the session's budget counts the calls, the import has its own limit. */
  /** When the session's budget is spent: set by its first call, so a session opened ahead of its use (`CheckKind.warm`) loses nothing while it waits. */
  private deadline: number | undefined;
  private imported = false;
  private chain: Promise<unknown> = Promise.resolve();
  private closed = false;
  private jobs = 0;

  constructor(
    private readonly server: ForkServer,
    private readonly options: SessionOptions,
    private readonly scratch: Scratch,
    private readonly limits: Limits,
    private readonly release: (server: ForkServer) => void,
    /** The submission's files, sent with every spawn when the server keeps children's files in memory. */
    private readonly image?: SubmissionImage,
  ) {
    this.isolation = isolationInfo(server.level);
    this.isolation.description += `${server.description}; forked from a pre-warmed server`;
    this.stdout = new OutputCapture(Math.ceil(limits.outputBytes / 2));
    this.stderr = new OutputCapture(Math.floor(limits.outputBytes / 2));
  }

  private remaining(): number {
    return this.deadline === undefined ? this.limits.sessionTimeoutMs : this.deadline - Date.now();
  }

  /** Forks a child, waits for it to connect and import the learner module. */
  async start(): Promise<RunFailure | undefined> {
    const job = `${this.server.token.slice(0, 8)}-${++this.jobs}-${randomBytes(4).toString('hex')}`;
    noteMemoryCapKills(this.server.cgroup);
    const token = randomBytes(16).toString('hex');
    // In the server's own folder: visible (read-only) inside the sandbox at every level.
    const socketPath = path.join(this.server.dir, `s${this.server.nextSocket()}`);
    const proc = new ForkedProcess(job, this.limits.answerBytes, (stream, payload, dropped) => {
      const capture = stream === 'stderr' ? this.stderr : this.stdout;
      capture.append(payload);
      if (dropped) capture.truncated = true;
    });
    this.proc = proc;
    const first = !this.imported;
    this.imported = true;
    // The first import has its own limit; a restart's comes out of the session's budget too.
    const budget = first ? this.limits.importTimeoutMs : Math.min(this.limits.importTimeoutMs, Math.max(0, this.remaining()));
    // Forking and connecting are the harness's start, not the learner's import: they get the start allowance.
    const startBudget = Math.max(budget, HARNESS_START_MS);
    const listener: Server = createServer();
    const connected = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), startBudget);
      listener.on('connection', (socket) => {
        let head = Buffer.alloc(0);
        const onData = (chunk: Buffer) => {
          head = Buffer.concat([head, chunk]);
          const newline = head.indexOf(10);
          if (newline < 0) {
            if (head.length > 64) socket.destroy();
            return;
          }
          socket.off('data', onData);
          if (head.subarray(0, newline).toString('utf8') !== token) {
            socket.destroy();
            return;
          }
          clearTimeout(timer);
          // The child reads its files from here before the harness starts.
          if (this.image) for (const chunk of imageFrame(this.image)) socket.write(chunk);
          proc.attach(socket, head.subarray(newline + 1));
          resolve(true);
        };
        socket.on('data', onData);
        socket.on('error', () => undefined);
      });
    });
    await new Promise<void>((resolve, reject) => {
      listener.once('error', reject);
      listener.listen(socketPath, () => resolve());
    });
    // The learner process may run as another user (nobody): it must be able to connect.
    if (this.server.user) await chown(socketPath, this.server.user.uid, this.server.user.gid);
    this.server.onExit(job, (exit) => proc.died(exit));
    const config = {
      root: this.scratch.work,
      module: this.options.module.split(path.sep).join('/'),
      scratch: this.scratch.dir,
      cwd: this.scratch.work,
      setup: 'none',
      ...(this.options.mode === 'tasks' ? { mode: 'tasks' } : {}),
      limits: {
        memoryBytes: this.limits.memoryBytes,
        cpuSeconds: this.limits.cpuSeconds,
        fileSizeBytes: this.limits.fileSizeBytes,
        // RLIMIT_NPROC counts every process and thread of the user on the machine (learner code
        // runs as nobody at bwrap and namespaces, in every session at once): with the server's
        // pids cgroup it would only let one session, or anything else run as nobody, starve another.
        ...(this.server.cgroup ? {} : { processes: this.limits.processes }),
        answerBytes: this.limits.answerBytes,
        outputBytes: this.limits.outputBytes,
      },
    };
    const env = { ...learnerEnvironment(this.scratch.home, this.scratch.tmp), RUBRICATE_SANDBOX: this.server.token };
    const spawned = await this.server.request(
      `spawned:${job}`,
      { op: 'spawn', job, socket: socketPath, token, cwd: this.scratch.work, env, config, ...(this.image ? { image: true } : {}) },
      startBudget,
    );
    const shared = this.server.sharedFor();
    if (spawned.op !== 'spawned') {
      listener.close();
      this.server.tainted = true;
      proc.died({ code: null, signal: null });
      return failure('internal', `the fork server did not start the learner process (${String(spawned.op)})`);
    }
    this.shared = shared;
    const ok = await Promise.race([connected, new Promise<boolean>((resolve) => this.server.onExit(job, (exit) => (proc.died(exit), resolve(false))))]);
    listener.close();
    if (!ok) {
      await this.killProc(proc);
      return failure('internal', `the learner process did not connect within ${formatSeconds(startBudget)}`);
    }
    const failed = await this.awaitImport(proc, budget);
    return failed;
  }

  private awaitImport(proc: ForkedProcess, budget: number): Promise<RunFailure | undefined> {
    return awaitImport<Event>(proc, budget, {
      module: this.options.module,
      limits: this.limits,
      stderr: () => this.stderr.text(),
      exitOf: (event) => event.exit,
      kill: (abnormal) => this.killProc(proc, abnormal),
      onHello: (header) => {
        proc.refs = refsFromHello(header, this.shared);
      },
      onReady: (header, importMs) => {
        this.definitions ??= definitionsFrom(header);
        this.importMs ??= importMs;
      },
      onDeath: () => {
        this.server.tainted = true;
      },
    });
  }

  /** Kills the child and everything it started; the server stays, but is replaced after this session. */
  private async killProc(proc: ForkedProcess, abnormal = true): Promise<void> {
    if (abnormal) this.server.tainted = true;
    proc.killed = true;
    if (!proc.exited) {
      const reply = await this.server.request(`killed:${proc.job}`, { op: 'kill', job: proc.job }, 5000);
      if (reply.op !== 'killed') this.server.tainted = true;
      // The server reports the exit right before or after its reply; do not wait for it.
      proc.died(proc.exitInfo ?? { code: null, signal: 'SIGKILL' });
    }
  }

  call(fn: string, args: Value[], options: CallOptions = {}): Promise<CallOutcome> {
    const run = this.chain.then(() => this.callNow(fn, args, options));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async callNow(fn: string, args: Value[], options: CallOptions): Promise<CallOutcome> {
    const started = Date.now();
    const done = (f: RunFailure): CallOutcome => ({ ok: false, failure: f, durationMs: Date.now() - started });
    if (this.closed) return done(failure('internal', 'the session is closed'));
    if (this.importFailure) return done(this.importFailure);
    this.deadline ??= Date.now() + this.limits.sessionTimeoutMs;
    if (this.remaining() <= 0) return done(failure('timeout', `the session's time budget of ${formatSeconds(this.limits.sessionTimeoutMs)} is spent`));
    if (this.server.dead) return done(failure('internal', 'the fork server ended; this submission is graded without it on the next run'));
    if (!this.proc || this.proc.exited || this.proc.killed) {
      const restartFailure = await this.start();
      if (restartFailure) {
        return done(
          failure(restartFailure.kind, `restarting the learner process failed: ${restartFailure.message}`, {
            ...(restartFailure.location ? { location: restartFailure.location } : {}),
          }),
        );
      }
    }
    const proc = this.proc!;
    const outcome = await exchangeCall(proc, fn, args, options, {
      started,
      timeoutMs: Math.min(options.timeoutMs ?? this.limits.callTimeoutMs, this.remaining()),
      kill: () => this.killProc(proc),
      refs: proc.refs,
      onExit: (event) => {
        this.server.tainted = true;
        return deathFailure(`${fn} did not return`, event.exit, this.stderr.text(), this.limits);
      },
    });
    const checked = overMemoryCap(outcome, fn, this.server.cgroup);
    // A process the kernel killed for memory may have been the server: start the next session on a fresh one.
    if (checked !== outcome) this.server.tainted = true;
    return checked;
  }

  output(): { stdout: string; stderr: string; truncated: boolean } {
    return { stdout: this.stdout.text(), stderr: this.stderr.text(), truncated: this.stdout.truncated || this.stderr.truncated };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.chain;
    if (this.proc) {
      // Always sweep, even after a clean exit: a process the learner left behind must be gone
      // before the next submission's files are copied into this server's folder.
      const proc = this.proc;
      proc.killed = true;
      const reply = await this.server.request(`killed:${proc.job}`, { op: 'kill', job: proc.job }, 5000);
      if (reply.op !== 'killed') this.server.tainted = true;
      proc.died(proc.exitInfo ?? { code: null, signal: 'SIGKILL' });
    }
    // In memory, the server empties its tmpfs before the next child; on disk, the copy is removed here.
    if (!this.image) await removeScratch(this.scratch).catch(() => undefined);
    this.release(this.server);
  }
}


/**
 * A pool of fork servers. `open` has the signature of `openPythonSession`
 * and can be passed as `services.openLearnerSession`.
 */
export class ForkServerPool {
  private idle: ForkServer[] = [];
  private all = new Set<ForkServer>();
  private stopping = new Set<Promise<void>>();
  private closed = false;
  private readonly limits: Limits;
  /** Sessions served, and servers started (for benchmarks). */
  stats = { sessions: 0, servers: 0 };

  private constructor(
    private readonly launch: LaunchContext,
    readonly level: IsolationLevel,
    options: ForkServerPoolOptions,
    private readonly recycleAfter: number,
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...(options.limits ?? {}) };
  }

  /**
   * A pool for the interpreter and isolation level, or undefined when the
   * level is not available here.
   */
  static async create(options: ForkServerPoolOptions = {}): Promise<ForkServerPool | undefined> {
    const level = await chooseIsolation(options.isolation ?? 'auto');
    if (!level) return undefined;
    const python = await resolvePython(options.python);
    const harness = harnessDir();
    // The same sandbox as a plain session: only the interpreter's folders and the harness bound, learner as nobody when root.
    const launch: LaunchContext = { python: python.path, prefixes: python.prefixes, harness, setupPython: python.path };
    const user = level === 'bwrap' || level === 'namespaces' ? sandboxUser(python.prefixes, harness) : undefined;
    if (user) launch.user = user;
    await removeOrphans();
    return new ForkServerPool(launch, level, options, options.recycleAfter ?? 200);
  }

  /** Opens a learner session in a forked child (a SessionFactory). */
  open = async (options: SessionOptions): Promise<LearnerSession> => {
    if (this.closed) throw new Error('the fork-server pool is closed');
    const limits: Limits = { ...this.limits, ...stripUndefined(options.limits ?? {}) };
    const server = await this.acquire();
    let scratch: Scratch | undefined;
    try {
      let image: SubmissionImage | undefined;
      if (server.inMemory) {
        // The child writes the files into its private tmpfs: only paths are decided here.
        image = readSubmissionImage(options.root, options.listing);
        scratch = scratchAt(path.join(server.jobsDir, `j${server.served + 1}`), server.token, image.skipped);
      } else {
        // The copy goes inside the server's writable children's folder, so the sandbox sees it.
        const copy = await prepareScratch(options.root, options.listing);
        const dir = path.join(server.jobsDir, path.basename(copy.dir));
        // Until the rename, the copy is only `copy`: a failed rename must not leave it behind.
        await rename(copy.dir, dir).catch(async (error: unknown) => {
          await removeScratch(copy).catch(() => undefined);
          throw error;
        });
        scratch = scratchAt(dir, copy.token, copy.skipped);
        if (server.user) await chownScratch(scratch, server.user);
      }
      this.stats.sessions++;
      server.served++;
      const session = new ForkedSession(server, options, scratch, limits, (s) => this.releaseServer(s), image);
      const importFailure = await session.start();
      if (importFailure) session.importFailure = importFailure;
      return session;
    } catch (error) {
      if (scratch) await removeScratch(scratch).catch(() => undefined);
      server.tainted = true;
      this.releaseServer(server);
      throw error;
    }
  };

  private async acquire(): Promise<ForkServer> {
    for (;;) {
      const server = this.idle.pop();
      if (!server) break;
      if (!server.dead) return server;
      this.retire(server);
    }
    const server = new ForkServer(this.launch, this.level, this.limits);
    this.all.add(server);
    this.stats.servers++;
    try {
      await server.start();
    } catch (error) {
      this.retire(server);
      throw error;
    }
    return server;
  }

  private releaseServer(server: ForkServer): void {
    if (this.closed || server.dead || server.tainted || server.served >= this.recycleAfter) {
      this.retire(server);
      return;
    }
    this.idle.push(server);
  }

  private retire(server: ForkServer): void {
    this.all.delete(server);
    const stopping = server.stop().catch(() => undefined);
    this.stopping.add(stopping);
    void stopping.then(() => this.stopping.delete(stopping));
  }

  /** Stops every server (idle or not) and waits for their processes to end. */
  async close(): Promise<void> {
    this.closed = true;
    const servers = [...this.all];
    this.all.clear();
    this.idle = [];
    await Promise.all([...servers.map((s) => s.stop().catch(() => undefined)), ...this.stopping]);
  }
}


/** The most bytes of an `owner` file read (a pid). */
const OWNER_BYTES = 32;

/**
 * The pid an orphaned server folder's `owner` file names, or undefined. The
 * folder may have been left by anyone and its file replaced by learner code
 * (a FIFO, a link to /dev/zero, a huge file): opened without following links
 * and without blocking, checked to be a regular file, and read up to a few
 * bytes, so nothing there can hang or flood the grader.
 */
async function ownerOf(dir: string): Promise<number | undefined> {
  const file = path.join(dir, 'owner');
  let handle;
  try {
    // Only a regular file is opened at all (opening a device can do something); the open re-checks it.
    const before = await lstat(file);
    if (!before.isFile()) return undefined;
    handle = await openFile(file, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK | fsConstants.O_NOCTTY);
    const info = await handle.stat();
    if (!info.isFile() || info.ino !== before.ino || info.dev !== before.dev) return undefined;
  } catch {
    await handle?.close().catch(() => undefined);
    return undefined;
  }
  try {
    const buffer = Buffer.alloc(OWNER_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, OWNER_BYTES, 0);
    const text = buffer.toString('latin1', 0, bytesRead).trim();
    return /^[1-9][0-9]{0,9}$/.test(text) ? Number(text) : undefined;
  } catch {
    return undefined;
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** Removes the folders of fork servers whose grader was killed (its pid no longer runs). */
async function removeOrphans(): Promise<void> {
  for (const parent of new Set([tmpdir(), serverParent()])) {
    let names: string[];
    try {
      names = await readdir(parent);
    } catch {
      continue;
    }
    for (const name of names) {
      if (!name.startsWith('rubricate-fs-')) continue;
      const dir = path.join(parent, name);
      const owner = await ownerOf(dir);
      if (owner === undefined) continue;
      let alive = true;
      try {
        process.kill(owner, 0);
      } catch (error) {
        alive = (error as NodeJS.ErrnoException).code === 'EPERM';
      }
      if (!alive) await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    }
  }
}
