/**
 * Batch grading in worker threads. The main thread hands out submissions and
 * keeps the gradebook; each grading thread (src/batch/worker.ts) loads the
 * rubric's check kinds itself, starts its own learner-session pool and grades
 * and writes its share, several at once when it has more than one job.
 *
 * A thread that dies (uncaught error, out of memory) or hangs past the time
 * limit (a check that never yields; its own timer cannot fire) does not lose
 * or stall the batch: it is replaced, and what it was grading is settled. A
 * submission that was alone in its thread gets an error report; several in
 * flight together are graded again, each alone, so the one that kills its
 * thread a second time is the one that gets the error report.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import type { Services } from '../checks/kind.js';
import type { Registry } from '../checks/registry.js';
import { packageRoot } from '../core/paths.js';
import type { Report, Rubric } from '../core/types.js';
import type { PythonInfo } from '../runner/python.js';
import { explicitPython, overrunMessage, type BatchSettings } from './grade-one.js';
import type { GradebookRow } from './gradebook.js';
import type { SubmissionEntry } from './submissions.js';

/** `workerData` of a grading thread: plain values only (they cross by structured clone). */
export interface ThreadSetup extends BatchSettings {
  /** Plain services (python, isolation, timeoutMs); the thread adds its own session pool. */
  services: Services;
  /** Start learner sessions from fork servers (a pool per thread). */
  forkServer: boolean;
  /** Module whose `registry` export holds the check kinds; default: the built-in registry. */
  registryModule?: string;
  /** Send each report back (the main thread's onEvent wants it, `eventReports`); otherwise only the gradebook row. */
  sendReports: boolean;
  /**
   * The main thread resolves the Python interpreter (about 0.4 s: a pyenv
   * shim, then Python importing NumPy) once, while the threads load, and
   * sends it (`python` message) instead of every thread probing it itself.
   */
  sharedPython?: boolean;
}

export type ToThread =
  | { type: 'grade'; id: number; entry: SubmissionEntry }
  /** The interpreter the main thread resolved, or why it could not. */
  | { type: 'python'; info?: PythonInfo; error?: string }
  | { type: 'abort' }
  | { type: 'close' };

export type FromThread =
  | { type: 'ready' }
  /** The thread took the submission: from now on, if the thread dies, the submission is charged with it. */
  | { type: 'started'; id: number }
  | { type: 'done'; id: number; row: GradebookRow; report?: Report; reused: boolean }
  /** Stopped (abort) before it finished: nothing written. */
  | { type: 'skipped'; id: number }
  /** Even its error report could not be written. */
  | { type: 'failed'; id: number; message: string };

/** Deaths in a row with nothing in flight after which a thread is not started again. */
const MAX_IDLE_DEATHS = 3;
/** How long a closing thread may take to stop its learner sessions before it is terminated. */
const CLOSE_TIMEOUT_MS = 15_000;

/**
 * Initial V8 heap of a grading thread, MB. With V8's default the threads ran
 * a full mark-compact about every two submissions each (57 for 100
 * submissions over two threads, 9 with 128 MB), and each one also aged out
 * compiled code that then had to be optimised again: 195 against 131 ms of
 * process CPU per submission (docs/performance.md, "Worker threads").
 */
const THREAD_INITIAL_HEAP_MB = 128;
let heapConfigured = false;

/**
 * V8 reads its heap flags when an isolate is created, so setting the
 * process-wide flag before the first thread starts sizes the threads' heaps
 * (and those of isolates created later), not the running main thread's.
 * A size given on the command line wins.
 */
function configureThreadHeap(): void {
  if (heapConfigured) return;
  heapConfigured = true;
  if (!givenOnCommandLine(/^--initial[-_](heap|old[-_]space)[-_]size/)) setFlagsFromString(`--initial-heap-size=${THREAD_INITIAL_HEAP_MB}`);
}

/**
 * Young generation of a grading thread, MB (V8's default is 48 on 64-bit
 * machines). A submission's arrays and findings live for the few hundred
 * milliseconds of its grading, long enough to survive two scavenges in a
 * small young generation: they were promoted and filled the old generation,
 * and each mark-compact also dropped optimised code of functions whose
 * closures had died (Markdown's tokenizers are made afresh for every parse),
 * which then had to be optimised again. Over 200 submissions with two
 * threads: 19 mark-compacts, 1,437 optimisations without it; 5 and 968 with
 * 96 MB (docs/performance.md, "Compiler, heap and page faults").
 */
const THREAD_YOUNG_GENERATION_MB = 96;

/** A young-generation size given on the command line wins. */
function threadResourceLimits(): { resourceLimits?: { maxYoungGenerationSizeMb: number } } {
  return givenOnCommandLine(/^--(max|min)[-_]semi[-_]space[-_]size/) ? {} : { resourceLimits: { maxYoungGenerationSizeMb: THREAD_YOUNG_GENERATION_MB } };
}

/** Whether the interpreter was started with a V8 flag matching the pattern. */
function givenOnCommandLine(flag: RegExp): boolean {
  return process.execArgv.some((arg) => flag.test(arg));
}

/** The grading thread's script: JavaScript under the built package (tests run the TypeScript sources). */
export function workerScript(): string | undefined {
  const file = join(packageRoot, 'dist', 'batch', 'worker.js');
  return existsSync(file) ? file : undefined;
}

/** The check kinds a registry module exports (`registry`, or a default export). */
export async function loadRegistryModule(specifier: string): Promise<Registry> {
  const url = specifier.startsWith('file:') ? specifier : pathToFileURL(isAbsolute(specifier) ? specifier : resolve(specifier)).href;
  const module = (await import(url)) as { registry?: unknown; default?: unknown };
  const registry = module.registry ?? module.default;
  // Duck-typed: the module may hold its own copy of the Registry class.
  if (!registry || typeof (registry as Registry).get !== 'function') throw new Error(`${specifier} exports no check-kind registry (expected an export named registry)`);
  return registry as Registry;
}

export interface ThreadRequest {
  /** Threads asked for; 0 grades on the calling thread; default `defaultThreads`. */
  threads?: number | undefined;
  /** Cores of the machine (default: `availableParallelism()`). */
  cores?: number;
  jobs: number;
  /** Submissions to grade. */
  count: number;
  rubric: Rubric;
  services: Services;
  /** A registry object cannot cross to a thread: in-thread mode, unless `registryModule` names it. */
  hasRegistry: boolean;
  registryModule?: string | undefined;
}

/**
 * Grading threads when none are asked for: one where the machine has at most
 * two cores (it grades every job; the main thread only hands out work),
 * otherwise one per job up to the number of cores. On 2 cores a second
 * thread cannot make the batch faster (the whole process tree's CPU bounds
 * it) and costs a second V8 isolate that loads, compiles and optimises the
 * same code again, and the main thread grading in place runs with V8's
 * default heap (more collections, optimised code dropped and compiled again):
 * 100 submissions of rope-lab02, alternated, rubricate process CPU a
 * submission 91 ms with one thread, 117-124 ms with two, 110 ms in-thread
 * (docs/performance.md, "One grading thread on 2 cores").
 */
export function defaultThreads(jobs: number, cores: number): number {
  return cores <= 2 ? 1 : Math.min(jobs, cores);
}

/** How many grading threads a batch gets; 0 means grade on the calling thread. */
export function threadCount(request: ThreadRequest): number {
  if (request.threads === 0 || request.count === 0) return 0;
  if (request.hasRegistry && !request.registryModule) return 0;
  // Functions in services (a fake session factory in tests) or a rubric that does not clone cannot cross.
  if (!cloneable(request.services) || !cloneable(request.rubric)) return 0;
  if (!workerScript()) return 0;
  const wanted = request.threads ?? defaultThreads(request.jobs, request.cores ?? availableParallelism());
  return Math.max(1, Math.min(wanted, request.jobs, request.count));
}

function cloneable(value: unknown): boolean {
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}

export interface ThreadRun {
  script: string;
  threads: number;
  /** Submissions graded at once, over all threads. */
  jobs: number;
  setup: ThreadSetup;
  signal?: AbortSignal | undefined;
  /** A thread finished a submission: its files are written. */
  onDone(entry: SubmissionEntry, result: { row: GradebookRow; report?: Report; reused: boolean }): void;
  /** A submission whose thread died while grading it: give it an error report (on this thread). */
  onLost(entry: SubmissionEntry, message: string): Promise<void>;
}

interface Task {
  id: number;
  entry: SubmissionEntry;
  /** Was in flight with others when its thread died: graded alone now. */
  alone: boolean;
}

interface Slot {
  worker: Worker;
  capacity: number;
  ready: boolean;
  closing: boolean;
  inflight: Map<number, { task: Task; watchdog: NodeJS.Timeout; started: boolean }>;
  /** The error it died of. */
  death?: string;
  /** Terminated by the watchdog: a submission ran past the time limit without yielding. */
  overran: boolean;
  idleDeaths: number;
  exited: Promise<void>;
}

/**
 * Grades the entries in worker threads. Resolves with the entries no thread
 * could take (every thread failed to start), for the caller to grade itself;
 * rejects when a report could not be written at all.
 */
export function gradeInThreads(entries: readonly SubmissionEntry[], run: ThreadRun): Promise<SubmissionEntry[]> {
  return new Promise<SubmissionEntry[]>((resolvePool, rejectPool) => {
    const queue: Task[] = entries.map((entry, id) => ({ id, entry, alone: false }));
    const capacities = Array.from({ length: run.threads }, (_, i) => Math.floor(run.jobs / run.threads) + (i < run.jobs % run.threads ? 1 : 0));
    // A thread whose own time limit cannot fire (a check that never yields) is terminated a little after it.
    const watchdogMs = run.setup.timeoutMs + 5_000 + run.setup.timeoutMs / 10;
    const slots: Array<Slot | undefined> = [];
    const writes = new Set<Promise<void>>();
    let fatal: Error | undefined;
    let finishing = false;

    const stopping = () => run.signal?.aborted === true || fatal !== undefined;

    // Resolved once here, sent to every thread (and to threads started later, as replacements).
    let python: Extract<ToThread, { type: 'python' }> | undefined;
    if (run.setup.sharedPython) {
      void import('../runner/python.js')
        .then(({ resolvePython }) => resolvePython(explicitPython(run.setup.services)))
        .then(
          (info) => ({ type: 'python', info }) as const,
          (error: unknown) => ({ type: 'python', error: error instanceof Error ? error.message : String(error) }) as const,
        )
        .then((message) => {
          python = message;
          for (const slot of slots) if (slot && !slot.closing) slot.worker.postMessage(message);
        });
    }

    const start = (index: number, idleDeaths = 0): void => {
      let worker: Worker;
      try {
        worker = new Worker(run.script, { workerData: run.setup, ...threadResourceLimits() });
      } catch {
        // No thread to be had (resources): the others, or in the end the calling thread, grade.
        slots[index] = undefined;
        return;
      }
      let exited!: () => void;
      const slot: Slot = {
        worker,
        capacity: capacities[index]!,
        ready: false,
        closing: false,
        overran: false,
        inflight: new Map(),
        idleDeaths,
        exited: new Promise<void>((done) => (exited = done)),
      };
      slots[index] = slot;
      if (python) worker.postMessage(python);
      worker.on('message', (message: FromThread) => onMessage(slot, message));
      worker.on('error', (error) => {
        slot.death ??= error.message.split('\n')[0] || String(error);
      });
      worker.on('exit', (code) => {
        exited();
        onExit(index, slot, code);
      });
    };

    const onMessage = (slot: Slot, message: FromThread): void => {
      if (message.type === 'ready') {
        slot.ready = true;
      } else if (message.type === 'started') {
        const flight = slot.inflight.get(message.id);
        if (flight) flight.started = true;
        return;
      } else {
        const flight = slot.inflight.get(message.id);
        if (!flight) return;
        clearTimeout(flight.watchdog);
        slot.inflight.delete(message.id);
        if (message.type === 'done') {
          slot.idleDeaths = 0;
          run.onDone(flight.task.entry, message);
        } else if (message.type === 'failed') {
          fatal ??= new Error(message.message);
        }
      }
      pump();
    };

    const onExit = (index: number, slot: Slot, code: number): void => {
      if (slot.closing) return;
      const flights = [...slot.inflight.values()];
      slot.inflight.clear();
      for (const f of flights) clearTimeout(f.watchdog);
      // Handed over but not yet taken: not its fault, back to the queue as it was.
      queue.unshift(...flights.filter((f) => !f.started).map((f) => f.task));
      const lost = flights.filter((f) => f.started).map((f) => f.task);
      for (const task of lost) {
        // Stopped: nothing half-done is written; the next run grades it.
        if (run.signal?.aborted) continue;
        if (lost.length === 1 || task.alone) {
          const message = slot.overran
            ? overrunMessage(run.setup.timeoutMs)
            : `the grading thread stopped while grading this submission (${slot.death ?? `exit code ${code}`}); the submission was not graded`;
          const write = run.onLost(task.entry, message).catch((error: unknown) => {
            fatal ??= error instanceof Error ? error : new Error(String(error));
          });
          writes.add(write);
          void write.finally(() => {
            writes.delete(write);
            pump();
          });
        } else {
          queue.unshift({ ...task, alone: true });
        }
      }
      const idleDeaths = lost.length === 0 ? slot.idleDeaths + 1 : 0;
      // A thread that never started, or keeps dying with nothing to grade, is not started again.
      if (slot.ready && idleDeaths < MAX_IDLE_DEATHS && !stopping() && queue.length > 0) start(index, idleDeaths);
      else slots[index] = undefined;
      pump();
    };

    const next = (slot: Slot): Task | undefined => {
      if (!slot.ready || slot.closing || slot.inflight.size >= slot.capacity) return undefined;
      if (slot.inflight.size === 0) return queue.shift();
      if ([...slot.inflight.values()].some((f) => f.task.alone)) return undefined;
      const i = queue.findIndex((t) => !t.alone);
      return i < 0 ? undefined : queue.splice(i, 1)[0];
    };

    const pump = (): void => {
      if (finishing) return;
      if (!stopping()) {
        for (const slot of slots) {
          if (!slot) continue;
          for (let task = next(slot); task; task = next(slot)) {
            const id = task.id;
            const watchdog = setTimeout(() => {
              slot.overran = true;
              void slot.worker.terminate();
            }, watchdogMs);
            slot.inflight.set(id, { task, watchdog, started: false });
            slot.worker.postMessage({ type: 'grade', id, entry: task.entry } satisfies ToThread);
          }
        }
      }
      const busy = slots.some((s) => s && s.inflight.size > 0) || writes.size > 0;
      const live = slots.some((s) => s !== undefined);
      if (busy || (live && queue.length > 0 && !stopping())) return;
      finishing = true;
      void finish(live || stopping() ? [] : queue.map((t) => t.entry));
    };

    const finish = async (leftover: SubmissionEntry[]): Promise<void> => {
      run.signal?.removeEventListener('abort', onAbort);
      await Promise.all(
        slots.map(async (slot) => {
          if (!slot) return;
          slot.closing = true;
          slot.worker.postMessage({ type: 'close' } satisfies ToThread);
          const timer = setTimeout(() => void slot.worker.terminate(), CLOSE_TIMEOUT_MS);
          await slot.exited;
          clearTimeout(timer);
        }),
      );
      if (fatal) rejectPool(fatal);
      else resolvePool(leftover);
    };

    const onAbort = (): void => {
      for (const slot of slots) slot?.worker.postMessage({ type: 'abort' } satisfies ToThread);
      pump();
    };
    run.signal?.addEventListener('abort', onAbort, { once: true });

    configureThreadHeap();
    for (let i = 0; i < run.threads; i++) start(i);
    if (run.signal?.aborted) onAbort();
  });
}
