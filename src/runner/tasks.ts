/**
 * The grader's own tasks in the sandbox (src/runner/harness/tasks.py), one
 * `tasks`-mode Python session per submission, memoised and closed by the
 * engine like the learner session: parsing the learner's Python files
 * (`pythonFacts`) and running their script, e.g. verify.py, against their
 * module or a mutant of it (`runScript`). With a fork-server pool (batch
 * mode) the session is a forked child like any learner session.
 */
import type { CheckContext } from '../checks/kind.js';
import { formatSeconds } from '../core/duration.js';
import { LIMIT_HINT, sessionLimits } from '../core/limits.js';
import type { CheckOutcome, Location } from '../core/types.js';
import type { FileFacts } from '../input/code-facts.js';
import { sessionOptionsFor } from './session-options.js';
import type { LearnerSession, SessionOptions, Value } from './types.js';

type SessionFactory = (options: SessionOptions) => Promise<LearnerSession>;

export type TaskResult<T> = { ok: true; value: T } | { ok: false; outcome: CheckOutcome };

/** The submission's tasks session (opened once, closed by the engine). */
export async function tasksSession(ctx: CheckContext): Promise<TaskResult<LearnerSession>> {
  let session: LearnerSession;
  try {
    session = await ctx.memo('tasks:session', async () => {
      const factory = (ctx.services.openLearnerSession as SessionFactory | undefined) ?? (await import('./session.js')).openPythonSession;
      return factory(sessionOptionsFor(ctx, '', { mode: 'tasks' }));
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, outcome: { status: 'error', message: `could not start the sandboxed Python that reads the submission: ${reason}`, data: { environmentError: true } } };
  }
  if (session.importFailure) {
    return { ok: false, outcome: { status: 'error', message: `the sandboxed Python that reads the submission did not start: ${session.importFailure.message}`, data: { environmentError: true } } };
  }
  return { ok: true, value: session };
}

async function callTask(ctx: CheckContext, task: string, request: Record<string, Value>, timeoutMs: number): Promise<TaskResult<Record<string, unknown>>> {
  const opened = await tasksSession(ctx);
  if (!opened.ok) return opened;
  const outcome = await opened.value.call(task, [request], { timeoutMs });
  if (!outcome.ok) {
    // A task's own limit (a run's, or the session's budget of limits.submission), not a learner call's.
    const timeout = outcome.failure.kind === 'timeout';
    const why = outcome.failure.message.startsWith('the session') ? `${outcome.failure.message} (${LIMIT_HINT.submission})` : `it did not finish within ${formatSeconds(timeoutMs)}`;
    return {
      ok: false,
      outcome: {
        status: 'error',
        message: timeout ? `the sandboxed ${task} was stopped: ${why}` : `${task} failed in the sandbox: ${outcome.failure.message}`,
        data: { failure: outcome.failure.kind },
      },
    };
  }
  const value = outcome.value;
  if (!value || typeof value !== 'object' || Array.isArray(value)) return { ok: false, outcome: { status: 'error', message: `${task} answered ${typeof value}, expected an object` } };
  return { ok: true, value: value as Record<string, unknown> };
}

/**
 * Facts of Python files (imports, uses of `names`, top-level functions),
 * parsed by `ast` in the sandbox; the texts are the grader's reading of the
 * files (input hygiene applied), so nothing the learner's code wrote since
 * can change them. Memoised per file set.
 */
export function pythonFacts(ctx: CheckContext, files: ReadonlyArray<{ path: string; text: string }>, names: readonly string[]): Promise<TaskResult<FileFacts[]>> {
  const key = `tasks:facts:${names.join(',')}:${files.map((f) => f.path).join('\n')}`;
  return ctx.memo(key, async () => {
    const limits = sessionLimits(ctx);
    const result = await callTask(ctx, 'static_facts', { files: files.map((f) => ({ path: f.path, text: f.text })), names: [...names] }, limits.callTimeoutMs);
    if (!result.ok) return result;
    const list = Array.isArray(result.value.files) ? (result.value.files as unknown[]) : [];
    return { ok: true, value: list.filter(isFileFacts) };
  });
}

function isFileFacts(value: unknown): value is FileFacts {
  const v = value as Partial<FileFacts> | null;
  return !!v && typeof v.path === 'string' && Array.isArray(v.imports) && Array.isArray(v.uses) && Array.isArray(v.functions) && Array.isArray(v.bindings);
}

export type Mutant = 'k-not-rotated' | 'cos-sin-swapped' | 'positions-shuffled';

export interface ScriptRequest {
  /** The script, relative to the submission root. */
  script: string;
  /** The learner's module the script imports (patched, never edited). */
  module: string;
  functions: { frequencies: string; precompute: string; apply: string };
  mutant: Mutant | null;
  timeoutMs: number;
  /** Modules served by a stand-in when the grader's Python lacks them (plotting). */
  standIns: string[];
  /** Serve them by stand-ins even when installed (runs that only need the exit status draw no plot). */
  forceStandIns?: boolean;
}

export interface ScriptRun {
  /** Exit status, or null when killed (timeout, signal). */
  exit: number | null;
  signal: string | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  truncated: boolean;
  /** Calls the script made into the learner's module, by role (frequencies, precompute, apply). */
  calls: Record<string, number>;
  traceback?: string;
  location?: Location;
  exception?: string;
  missingModule?: string;
  /** The script failed inside a stand-in (it needs the real library). */
  standInFailed?: boolean;
  standInsUsed: string[];
  /** The mutant could not be applied to this code (its functions return something else). */
  mutantError?: string;
  /** CPU time of the run (the script and what it started), ms. */
  cpuMs?: number;
}

/** One run of the learner's script in a child of the tasks session; memoised per request. */
export function runScript(ctx: CheckContext, request: ScriptRequest): Promise<TaskResult<ScriptRun>> {
  return ctx.memo(`tasks:run:${JSON.stringify(request)}`, async () => {
    // The task waits for its child up to the run's limit; the call itself gets a margin on top.
    const result = await callTask(ctx, 'run_script', { ...request, outputBytes: 256 * 1024 } as unknown as Record<string, Value>, request.timeoutMs + 10_000);
    if (!result.ok) return result;
    const v = result.value;
    const run: ScriptRun = {
      exit: typeof v.exit === 'number' ? v.exit : null,
      signal: typeof v.signal === 'string' ? v.signal : null,
      timedOut: v.timedOut === true,
      stdout: typeof v.stdout === 'string' ? v.stdout : '',
      stderr: typeof v.stderr === 'string' ? v.stderr : '',
      truncated: v.truncated === true,
      calls: callsOf(v.calls),
      standInsUsed: Array.isArray(v.standInsUsed) ? v.standInsUsed.filter((x): x is string => typeof x === 'string') : [],
    };
    if (typeof v.traceback === 'string') run.traceback = v.traceback;
    const loc = v.location as Record<string, unknown> | undefined;
    if (loc && typeof loc.file === 'string' && typeof loc.line === 'number') {
      run.location = { file: loc.file, line: loc.line, ...(typeof loc.column === 'number' ? { column: loc.column } : {}) };
    }
    if (typeof v.exception === 'string') run.exception = v.exception;
    if (typeof v.missingModule === 'string') run.missingModule = v.missingModule;
    if (v.standInFailed === true) run.standInFailed = true;
    if (typeof v.mutantError === 'string') run.mutantError = v.mutantError;
    if (typeof v.cpuMs === 'number') run.cpuMs = v.cpuMs;
    return { ok: true, value: run };
  });
}

function callsOf(value: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, n] of Object.entries(value)) if (typeof n === 'number') out[k] = n;
  }
  return out;
}
