/**
 * The learner's RoPE module, run in the sandboxed runner, behind a typed
 * probe: every answer is validated (type, shape, dtype, NaN/inf) and every
 * runner failure becomes a check outcome, so check kinds only see float64
 * arrays or a ready-made finding.
 */
import type { CheckContext } from '../checks/kind.js';
import { formatSeconds } from '../core/duration.js';
import { learnerLimits, LIMIT_HINT } from '../core/limits.js';
import type { CheckOutcome, Detail, Location } from '../core/types.js';
import { planCopy } from '../input/listing.js';
import type { CallOptions } from '../runner/answers.js';
import { languageOf, type RunnerLanguage } from '../runner/languages.js';
import { sessionOptionsFor } from '../runner/session-options.js';
import type { CallOutcome, LearnerSession, NDArray, RunFailure, SessionOptions, Value } from '../runner/types.js';
import type { RopeCommonOptions, RopeFunctionNames } from './options.js';
import { firstNonFinite } from './kernels.js';
import { arr, toF64, type Arr } from './reference.js';

/** A value, or the finding that replaces it. */
export type Probed<T> = { ok: true; value: T } | { ok: false; outcome: CheckOutcome };

/** Opens a learner session; `ctx.services.openLearnerSession` overrides the runner's (tests, other runtimes). */
export type SessionFactory = (options: SessionOptions) => Promise<LearnerSession>;

/** Entries left out of the sandbox copy that are named one by one in the report's notices. */
const MAX_COPY_NOTICES = 20;

/** Failures that would only repeat (and cost a timeout each) if the same function were called again. */
const FATAL_FAILURES = new Set(['timeout', 'memory', 'crash', 'limit']);

/**
 * Failures that are the learner's code's own (it does not parse, raises, lacks
 * a function): a `fail` located in their file. The others (a timeout, a limit,
 * a crash, a broken protocol, rubricate's own fault) may come from the machine
 * or the grader: an `error`, which batch summaries ask a person to look at.
 */
const LEARNER_FAILURES = new Set(['import-error', 'exception', 'missing-function']);

const LANGUAGE_NAMES: Record<RunnerLanguage, string> = { python: 'Python', node: 'TypeScript/JavaScript', rust: 'Rust' };

const FLOAT_DTYPES = new Set(['float16', 'float32', 'float64', 'float128', 'longdouble']);

/** The runner for the module's language (imported lazily: document rubrics never load a runner). */
async function defaultFactory(module: string): Promise<SessionFactory> {
  const { openerFor } = await import('../runner/languages.js');
  return openerFor(module);
}

/**
 * The learner session for the RoPE module, opened once per submission
 * (memoised; the engine closes it). A missing module or an import failure
 * becomes the outcome every code check reports.
 */
export async function getRopeSession(
  ctx: CheckContext,
  options: Pick<RopeCommonOptions, 'module' | 'rust'>,
): Promise<Probed<{ session: LearnerSession; module: string }>> {
  // Every code check asks: look the module up once per submission.
  const module = await ctx.memo(`rope:module:${options.module.join('\n')}`, () => ctx.files.findFirst(options.module));
  if (module === undefined) {
    return {
      ok: false,
      outcome: {
        status: 'fail',
        message: `no RoPE module found, expected ${options.module.join(' or ')}`,
      },
    };
  }
  let session: LearnerSession;
  try {
    session = await ctx.memo(`rope:session:${module}`, async () => {
      const factory = (ctx.services.openLearnerSession as SessionFactory | undefined) ?? (await defaultFactory(module));
      const sessionOptions = sessionOptionsFor(ctx, module);
      if (sessionOptions.listing) {
        const { skipped } = planCopy(sessionOptions.listing);
        // A few are worth reading; a folder of 20,000 FIFOs is one notice more, not 20,000.
        for (const entry of skipped.slice(0, MAX_COPY_NOTICES)) ctx.notice({ level: 'warning', message: `left out of the copy the learner's code runs in: ${entry}` });
        if (skipped.length > MAX_COPY_NOTICES) {
          ctx.notice({ level: 'warning', message: `left out of the copy the learner's code runs in: ${skipped.length - MAX_COPY_NOTICES} more entries` });
        }
      }
      if (options.rust?.adapter) sessionOptions.rustAdapter = options.rust.adapter;
      return factory(sessionOptions);
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    // The machine's fault (no scratch folder, no interpreter...), not the submission's: `environmentError` makes a batch regrade it next run.
    return {
      ok: false,
      outcome: { status: 'error', message: `could not start the learner's ${LANGUAGE_NAMES[languageOf(module)]} session: ${reason}`, data: { environmentError: true } },
    };
  }
  if (session.importMs !== undefined) noteSlowImport(ctx, module, session.importMs);
  if (session.importFailure) {
    // One finding for a module that does not load: the first code check reports it, the others skip.
    const reporter = await ctx.memo(`rope:import-reported:${module}`, () => ctx.criterion.id);
    if (reporter !== ctx.criterion.id) {
      return {
        ok: false,
        outcome: { status: 'skip', message: `skipped: ${module} could not be loaded (see ${reporter})`, location: session.importFailure.location ?? { file: module } },
      };
    }
    return { ok: false, outcome: failureOutcome(`import of ${module}`, session.importFailure, module) };
  }
  return { ok: true, value: { session, module } };
}

/** An import that took a good part of its limit is worth a line: the instructor may raise the limit before it bites. */
function noteSlowImport(ctx: CheckContext, module: string, importMs: number): void {
  const limit = learnerLimits(ctx.rubric, ctx.services.limits).importTimeoutMs;
  if (importMs < Math.max(5000, limit / 4)) return;
  ctx.notice({
    level: 'info',
    message: `importing ${module} took ${formatSeconds(importMs)} of its ${formatSeconds(limit)} import limit (${LIMIT_HINT.import})`,
    location: { file: module },
  });
}

/**
 * Turns a runner failure into a finding located in the learner's code when
 * known: a `fail` for the learner's own faults (syntax, an exception, a
 * missing function), an `error` for the rest (see LEARNER_FAILURES).
 */
export function failureOutcome(call: string, failure: RunFailure, module?: string | Location): CheckOutcome {
  const outcome: CheckOutcome = {
    status: LEARNER_FAILURES.has(failure.kind) ? 'fail' : 'error',
    message: `${call} failed: ${failure.message}`,
  };
  if (failure.location) outcome.location = failure.location;
  else if (module && failure.kind !== 'internal') outcome.location = typeof module === 'string' ? { file: module } : module;
  if (failure.traceback) outcome.details = [{ message: trimTraceback(failure.traceback) }];
  outcome.data = { failure: failure.kind };
  return outcome;
}

function trimTraceback(traceback: string): string {
  const lines = traceback.trimEnd().split('\n');
  return (lines.length > 12 ? ['...', ...lines.slice(-12)] : lines).join('\n');
}

function fail(message: string, extra: Partial<CheckOutcome> = {}): { ok: false; outcome: CheckOutcome } {
  return { ok: false, outcome: { status: 'fail', message, ...extra } };
}

function shapeText(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

function describeValue(value: Value): string {
  if (value === null) return 'None';
  if (Array.isArray(value)) return `a tuple of ${value.length} value${value.length === 1 ? '' : 's'}`;
  if (typeof value === 'object') {
    if (value.kind === 'ndarray') return `an array of shape ${shapeText((value as NDArray).shape)}`;
    if (value.kind === 'opaque') return `a ${String((value as { type: string }).type)}`;
    return 'a dict';
  }
  return `a ${typeof value === 'number' ? 'number' : typeof value === 'string' ? 'string' : 'bool'}`;
}

function isNDArray(value: Value | undefined): value is NDArray {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && (value as { kind?: unknown }).kind === 'ndarray';
}

/** Converts and validates one returned array: a real floating array of the expected shape with finite values. */
export function expectArray(value: Value | undefined, what: string, call: string, shape: readonly number[]): Probed<Arr> {
  if (!isNDArray(value)) {
    const found = value === undefined ? 'nothing' : describeValue(value);
    const hint = Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'number') ? ' (a list; wrap it in np.array)' : '';
    return fail(`${call} returned ${found}${hint} as ${what}, expected a NumPy array of shape ${shapeText(shape)}`);
  }
  if (value.complex || !FLOAT_DTYPES.has(value.dtype)) {
    return fail(`${call} returned ${what} with dtype ${value.dtype}, expected a real floating dtype (float64 or float32)`);
  }
  if (value.shape.length !== shape.length || value.shape.some((n, i) => n !== shape[i])) {
    return fail(`${call} returned ${what} of shape ${shapeText(value.shape)}, expected ${shapeText(shape)}`, {
      data: { actualShape: value.shape, expectedShape: [...shape] },
    });
  }
  const data = toF64(value.data as ArrayLike<number>);
  const bad = firstNonFinite(data);
  if (bad >= 0) {
    const index = unravel(bad, value.shape);
    return fail(`${call} returned ${what} with ${String(data[bad])} at index ${shapeText(index)}, expected finite values`);
  }
  return { ok: true, value: arr(value.shape, data, value.dtype) };
}

function unravel(flat: number, shape: readonly number[]): number[] {
  const index = new Array<number>(shape.length).fill(0);
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    index[axis] = flat % shape[axis]!;
    flat = Math.floor(flat / shape[axis]!);
  }
  return index;
}

/**
 * An argument for the runner: float64, row-major. The data is not copied (the
 * wire encoding copies it), so an array the learner process already holds (its
 * own kept table, a shared input) is recognised and sent by reference.
 */
export function toWire(a: Arr): NDArray {
  return { kind: 'ndarray', dtype: 'float64', shape: [...a.shape], data: a.data };
}

export interface PrecomputeResult {
  cos: Arr;
  sin: Arr;
}

/** Always built with all four fields, in this order (one object shape for V8). */
export interface ApplyResult {
  q: Arr;
  k: Arr;
  /** For (q_rot, k_rot): the argument index each shares memory with, or -1; undefined when the runner did not say. */
  aliases: number[] | undefined;
  /** (q, k, cos_pe, sin_pe) as they were after the call, when asked for. */
  inputsAfter: Value[] | undefined;
}

/** Typed calls into the learner's RoPE functions. */
export class RopeProbe {
  constructor(
    readonly session: LearnerSession,
    readonly names: RopeFunctionNames,
    /** The module file, relative to the submission root. */
    readonly module: string,
    private readonly ctx: CheckContext,
    private readonly timeoutMs?: number,
  ) {}

  /** Shares a computed value between checks of the same submission. */
  memo<T>(key: string, compute: () => Promise<T>): Promise<T> {
    return this.ctx.memo(`rope:${this.module}:${key}`, compute);
  }

  /**
   * Calls one learner function. A function that once hung, crashed or ran out
   * of memory is not called again for this submission: later checks that need
   * it are skipped with the reason, so a `while True` costs one timeout, not one
   * per check.
   */
  private async call(fn: string, args: Value[], kwargs?: Record<string, Value>, flags: { returnInputs?: boolean; keep?: boolean } = {}): Promise<CallOutcome | Skipped> {
    const broken = await brokenFunctions(this.ctx, this.module);
    const known = broken.get(fn);
    if (known) return skippedAfter(fn, known, this.ctx.criterion.id, this.definitionOf(fn));
    const options: CallOptions = {};
    if (kwargs) options.kwargs = kwargs;
    if (this.timeoutMs !== undefined) options.timeoutMs = this.timeoutMs;
    if (flags.returnInputs) options.returnInputs = true;
    if (flags.keep) options.keep = true;
    let outcome: CallOutcome;
    try {
      outcome = await this.session.call(fn, args, options);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      outcome = { ok: false, failure: { kind: 'internal', message: reason }, durationMs: 0 };
    }
    if (!outcome.ok && FATAL_FAILURES.has(outcome.failure.kind)) broken.set(fn, { failure: outcome.failure, check: this.ctx.criterion.id });
    return outcome;
  }

  /** Where a function of the module is defined (the harness's report, or the module file). */
  definitionOf(fn: string): Location {
    return this.session.definitions?.[fn] ?? { file: this.module };
  }

  /** `rope_frequencies(d_head)` or `rope_frequencies(d_head, base=base)`: shape (d/2,). */
  async frequencies(d: number, base?: number): Promise<Probed<Arr>> {
    const name = this.names.frequencies;
    const call = base === undefined ? `${name}(d_head=${d})` : `${name}(d_head=${d}, base=${base})`;
    const outcome = await this.call(name, [d], base === undefined ? undefined : { base });
    if (isSkipped(outcome)) return outcome;
    if (!outcome.ok) return { ok: false, outcome: failureOutcome(call, outcome.failure, this.definitionOf(name)) };
    return expectArray(outcome.value, 'the frequencies', call, [d / 2]);
  }

  /** `precompute_rope(T, d_head)`: (cos_pe, sin_pe), each (T, d/2). */
  async precompute(T: number, d: number): Promise<Probed<PrecomputeResult>> {
    const name = this.names.precompute;
    const call = `${name}(T=${T}, d_head=${d})`;
    // The tables go back into apply_rope: the process keeps them, so they travel once.
    const outcome = await this.call(name, [T, d], undefined, { keep: true });
    if (isSkipped(outcome)) return outcome;
    if (!outcome.ok) return { ok: false, outcome: failureOutcome(call, outcome.failure, this.definitionOf(name)) };
    const pair = expectPair(outcome.value, call, '(cos_pe, sin_pe)');
    if (!pair.ok) return pair;
    const cos = expectArray(pair.value[0], 'cos_pe', call, [T, d / 2]);
    if (!cos.ok) return cos;
    const sin = expectArray(pair.value[1], 'sin_pe', call, [T, d / 2]);
    if (!sin.ok) return sin;
    return { ok: true, value: { cos: cos.value, sin: sin.value } };
  }

  /** `apply_rope(q, k, cos_pe, sin_pe)`: (q_rot, k_rot), each shaped like q and k. */
  async apply(q: Arr, k: Arr, cos: Arr, sin: Arr, options: { returnInputs?: boolean } = {}): Promise<Probed<ApplyResult>> {
    const name = this.names.apply;
    const call = `${name}(q ${shapeText(q.shape)}, k ${shapeText(k.shape)}, cos_pe ${shapeText(cos.shape)}, sin_pe ${shapeText(sin.shape)})`;
    const outcome = await this.call(name, [toWire(q), toWire(k), toWire(cos), toWire(sin)], undefined, { returnInputs: options.returnInputs ?? false });
    if (isSkipped(outcome)) return outcome;
    if (!outcome.ok) return { ok: false, outcome: failureOutcome(call, outcome.failure, this.definitionOf(name)) };
    const pair = expectPair(outcome.value, call, '(q_rot, k_rot)');
    if (!pair.ok) return pair;
    const qRot = expectArray(pair.value[0], 'q_rot', call, q.shape);
    if (!qRot.ok) return qRot;
    const kRot = expectArray(pair.value[1], 'k_rot', call, k.shape);
    if (!kRot.ok) return kRot;
    const value: ApplyResult = { q: qRot.value, k: kRot.value, aliases: outcome.aliases || undefined, inputsAfter: outcome.inputsAfter || undefined };
    return { ok: true, value };
  }

  /** The learner's tables at (T, d), computed once per submission. */
  tables(T: number, d: number): Promise<Probed<PrecomputeResult>> {
    return this.memo(`tables:${T}:${d}`, () => this.precompute(T, d));
  }

  /** The learner's full pipeline: their tables, then their apply_rope. */
  async pipeline(q: Arr, k: Arr, T: number, d: number): Promise<Probed<ApplyResult & PrecomputeResult>> {
    const t = await this.tables(T, d);
    if (!t.ok) return t;
    const out = await this.apply(q, k, t.value.cos, t.value.sin);
    if (!out.ok) return out;
    const { q: qRot, k: kRot, aliases, inputsAfter } = out.value;
    return { ok: true, value: { q: qRot, k: kRot, aliases, inputsAfter, cos: t.value.cos, sin: t.value.sin } };
  }
}

/** A function that hung, crashed or ran out of memory once, and the check where it did. */
export interface BrokenFunction {
  failure: RunFailure;
  check: string;
}

/** The functions of a module that are not called again for this submission (shared by every check that runs it). */
export function brokenFunctions(ctx: CheckContext, module: string): Promise<Map<string, BrokenFunction>> {
  return ctx.memo(`rope:${module}:broken`, () => new Map<string, BrokenFunction>());
}

type Skipped = { ok: false; outcome: CheckOutcome; skipped: true };

function isSkipped(value: CallOutcome | Skipped): value is Skipped {
  return (value as Skipped).skipped === true;
}

const BROKE: Record<string, string> = { timeout: 'did not return in time', memory: 'ran out of memory', crash: 'crashed', limit: 'hit a resource limit' };

/** What happened to a broken function, for messages: "did not return in time", "ran out of memory"... */
export function brokeText(kind: string): string {
  return BROKE[kind] ?? 'failed';
}

/** The skip a check reports instead of calling a broken function again. */
export function skippedAfter(fn: string, broken: BrokenFunction, here: string, definition: Location): Skipped {
  const what = brokeText(broken.failure.kind);
  const where = broken.check === here ? 'earlier in this check' : `in ${broken.check}`;
  return {
    ok: false,
    skipped: true,
    outcome: {
      status: 'skip',
      message: `skipped: ${fn} ${what} ${where} and is not called again`,
      location: broken.failure.location ?? definition,
      data: { skippedAfter: broken.failure.kind, function: fn },
    },
  };
}

function expectPair(value: Value, call: string, expected: string): Probed<[Value, Value]> {
  if (Array.isArray(value) && value.length === 2) return { ok: true, value: [value[0]!, value[1]!] };
  if (Array.isArray(value)) {
    const arrays = value.filter(isNDArray).length;
    return fail(
      `${call} returned a tuple of ${value.length} ${arrays === value.length ? `array${value.length === 1 ? '' : 's'}` : `value${value.length === 1 ? '' : 's'}`}, expected ${expected}`,
    );
  }
  return fail(`${call} returned ${describeValue(value)}, expected a tuple ${expected}`);
}

/** The probe for the rubric's module, or the finding that stops the check. */
export async function getRopeProbe(ctx: CheckContext, options: RopeCommonOptions): Promise<Probed<RopeProbe>> {
  const opened = await getRopeSession(ctx, options);
  if (!opened.ok) return opened;
  // The command line's call limit over the criterion's own over the session's (the rubric's limits.call).
  const cli = ctx.services.limits?.callMs ?? (typeof ctx.services.timeoutMs === 'number' ? ctx.services.timeoutMs : undefined);
  const timeoutMs = cli ?? options.timeoutMs;
  return { ok: true, value: new RopeProbe(opened.value.session, options.functions, opened.value.module, ctx, timeoutMs) };
}

/** A detail line for a comparison. */
export function detail(message: string, actual?: string, expected?: string): Detail {
  const d: Detail = { message };
  if (actual !== undefined) d.actual = actual;
  if (expected !== undefined) d.expected = expected;
  return d;
}

export { shapeText };
