/**
 * What every learner session shares, whoever started the process (a fresh
 * harness or a fork server's child): capped output capture, failures named
 * from frames and exits, and the request/answer exchange of one call.
 */
import { randomBytes } from 'node:crypto';
import { formatSeconds } from '../core/duration.js';
import { LIMIT_HINT } from '../core/limits.js';
import type { Location } from '../core/types.js';
import type { RefTable } from './refs.js';
import type { CallOutcome, FailureKind, NDArray, ResourceLimits, RunFailure, Value } from './types.js';
import { decodeValue, FrameEncoder, PROTOCOL_VERSION, WireError, type Frame } from './wire.js';

export type Exit = { code: number | null; signal: NodeJS.Signals | null };

/** Learner stdout or stderr, kept up to a cap; the rest is dropped and flagged. */
export class OutputCapture {
  private chunks: Buffer[] = [];
  private size = 0;
  truncated = false;

  constructor(private readonly cap: number) {}

  append(chunk: Buffer): void {
    if (this.size >= this.cap) {
      this.truncated = true;
      return;
    }
    const room = this.cap - this.size;
    if (chunk.length > room) {
      this.truncated = true;
      chunk = chunk.subarray(0, room);
    }
    this.chunks.push(chunk);
    this.size += chunk.length;
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

export function failure(kind: FailureKind, message: string, extra: Partial<RunFailure> = {}): RunFailure {
  return { kind, message, ...extra };
}

/** A failure frame from a harness, with unknown kinds turned into `internal`. */
export function failureFromFrame(header: Record<string, unknown>): RunFailure {
  const kinds: FailureKind[] = ['import-error', 'missing-function', 'exception', 'timeout', 'memory', 'limit', 'crash', 'malformed', 'internal'];
  const kind = kinds.includes(header.kind as FailureKind) ? (header.kind as FailureKind) : 'internal';
  const out: RunFailure = { kind, message: typeof header.message === 'string' ? header.message : kind };
  if (typeof header.traceback === 'string') out.traceback = header.traceback;
  const loc = header.location as Record<string, unknown> | null | undefined;
  if (loc && typeof loc.file === 'string') {
    out.location = { file: loc.file };
    if (typeof loc.line === 'number') out.location.line = loc.line;
    if (typeof loc.column === 'number') out.location.column = loc.column;
  }
  return out;
}

/** Explains a process that died without answering. */
export function deathFailure(what: string, exit: Exit | undefined, stderr: string, limits: ResourceLimits): RunFailure {
  const signal = exit?.signal;
  if (signal === 'SIGXCPU') return failure('limit', `${what}: the process used its ${limits.cpuSeconds} s of CPU time and was stopped`);
  if (signal === 'SIGXFSZ') return failure('limit', `${what}: the process wrote a file larger than ${limits.fileSizeBytes} bytes`);
  if (/MemoryError|Cannot allocate memory|std::bad_alloc|out of memory|memory allocation of \d+ bytes failed/i.test(stderr.slice(-4096))) {
    return failure('memory', `${what}: the process ran out of memory (limit ${Math.round(limits.memoryBytes / 1048576)} MiB)`);
  }
  if (signal === 'SIGKILL') return failure('crash', `${what}: the process was killed (SIGKILL; the memory limit or the system may have killed it)`);
  if (signal) return failure('crash', `${what}: the process died from signal ${signal}`);
  return failure('crash', `${what}: the process exited with code ${exit?.code ?? '?'} without answering (os._exit or a crash)`);
}

/**
 * The harness's `definitions` (function name -> where it is defined in the
 * learner's files), kept only when well-formed: a file relative to the
 * submission and a positive line.
 */
export function definitionsFrom(header: Record<string, unknown>): Record<string, Location> | undefined {
  const raw = header.definitions;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const out: Record<string, Location> = {};
  for (const [name, value] of Object.entries(raw as Record<string, unknown>).slice(0, 1000)) {
    const loc = value as Record<string, unknown> | null;
    if (!loc || typeof loc.file !== 'string' || loc.file.startsWith('/') || loc.file.split('/').includes('..')) continue;
    if (typeof loc.line !== 'number' || !Number.isInteger(loc.line) || loc.line < 1) continue;
    out[name] = { file: loc.file, line: loc.line, ...(typeof loc.column === 'number' && Number.isInteger(loc.column) && loc.column >= 1 ? { column: loc.column } : {}) };
  }
  return out;
}


export function stripUndefined<T extends object>(object: T): Partial<T> {
  return Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined)) as Partial<T>;
}

let idPool = Buffer.alloc(0);
let idOffset = 0;

/**
 * A fresh random call id (16 hex digits) that learner code cannot guess to
 * forge an answer; drawn from a pooled buffer, one random fill per 512 calls.
 */
export function callId(): string {
  if (idOffset + 8 > idPool.length) {
    idPool = randomBytes(4096);
    idOffset = 0;
  }
  idOffset += 8;
  return idPool.toString('hex', idOffset - 8, idOffset);
}

/** The arrays of a decoded answer that the process kept (they carry the id it stored them under). */
function keptArrays(value: Value, out: NDArray[] = []): NDArray[] {
  if (Array.isArray(value)) for (const item of value) keptArrays(item, out);
  else if (typeof value === 'object' && value !== null) {
    if ((value as { kind?: unknown }).kind === 'ndarray') {
      if (typeof (value as NDArray).kept === 'string') out.push(value as NDArray);
    } else if ((value as { kind?: unknown }).kind !== 'opaque') {
      for (const item of Object.values(value)) keptArrays(item as Value, out);
    }
  }
  return out;
}

/** What a learner process yields while the grader waits for an answer. */
export type ChannelEvent = { type: 'frame'; frame: Frame } | { type: 'malformed'; message: string } | { type: 'exit' };

/** The frame stream of one learner process. */
export interface CallChannel<E extends ChannelEvent> {
  send(bytes: Buffer): void;
  next(timeoutMs: number): Promise<E | undefined>;
}

export interface CallOptions {
  kwargs?: Record<string, Value>;
  timeoutMs?: number;
  returnInputs?: boolean;
  /** Ask the process to keep the returned arrays, so later calls can pass them back by reference. */
  keep?: boolean;
}

/**
 * Sends one call and reads its answer: a result, a learner failure, or a
 * protocol breach (timeout, forged id, bad frame), after which `kill` ends
 * the process. `onExit` explains a process that died before answering.
 */
export async function exchangeCall<E extends ChannelEvent>(
  channel: CallChannel<E>,
  fn: string,
  args: Value[],
  options: CallOptions,
  how: {
    timeoutMs: number;
    started: number;
    kill: () => Promise<void>;
    onExit: (event: Extract<E, { type: 'exit' }>) => RunFailure;
    /** The process's references, when its harness supports them. */
    refs?: RefTable | undefined;
  },
): Promise<CallOutcome> {
  const { started, timeoutMs, kill } = how;
  const done = (f: RunFailure): CallOutcome => ({ ok: false, failure: f, durationMs: Date.now() - started });
  const id = callId();
  let request: Buffer;
  try {
    const refs = how.refs;
    const encoder = new FrameEncoder(refs ? (data) => refs.refOf(data) : undefined);
    request = encoder.frame({
      type: 'call',
      id,
      fn,
      args: args.map((arg) => encoder.value(arg)),
      kwargs: encoder.value(options.kwargs ?? {}),
      returnInputs: options.returnInputs === true,
      ...(refs && options.keep ? { keep: true } : {}),
    });
  } catch (error) {
    return done(failure('internal', `cannot send the arguments of ${fn}: ${(error as Error).message}`));
  }
  const until = Date.now() + timeoutMs;
  channel.send(request);
  for (;;) {
    const event = await channel.next(until - Date.now());
    if (!event) {
      await kill();
      return done(failure('timeout', `${fn} did not return within ${formatSeconds(timeoutMs)} (the call limit: ${LIMIT_HINT.call})`));
    }
    if (event.type === 'exit') return done(how.onExit(event as Extract<E, { type: 'exit' }>));
    if (event.type === 'malformed') {
      await kill();
      return done(failure('malformed', `the answer of ${fn} broke the protocol: ${event.message}`));
    }
    const { header, payload } = (event as { type: 'frame'; frame: Frame }).frame;
    if (header.id !== id) {
      await kill();
      return done(failure('malformed', `the answer of ${fn} carried the wrong call id (forged or out-of-order frame)`));
    }
    if (header.type === 'failure') {
      const f = failureFromFrame(header);
      if (f.kind === 'malformed' || f.kind === 'internal') await kill();
      return done(f);
    }
    if (header.type !== 'result') {
      await kill();
      return done(failure('malformed', `unexpected ${String(header.type)} frame in answer to ${fn}`));
    }
    try {
      const outcome: CallOutcome = {
        ok: true,
        value: decodeValue(header.value, payload),
        durationMs: typeof header.durationMs === 'number' ? header.durationMs : Date.now() - started,
      };
      if (Array.isArray(header.inputsAfter)) outcome.inputsAfter = header.inputsAfter.map((v) => decodeValue(v, payload));
      if (Array.isArray(header.aliases)) outcome.aliases = header.aliases.map((n) => (typeof n === 'number' ? n : -1));
      if (how.refs && options.keep) {
        for (const array of keptArrays(outcome.value)) how.refs.remember(array.data, array.kept!);
      }
      return outcome;
    } catch (error) {
      await kill();
      const message = error instanceof WireError ? error.message : String(error);
      return done(failure('malformed', `the answer of ${fn} could not be decoded: ${message}`));
    }
  }
}

/** How long a harness may take to say hello (start the interpreter, load NumPy) before the import limit starts counting. */
export const HARNESS_START_MS = 60_000;

/** How a session watches its process start: what differs between a fresh harness and a forked child. */
export interface StartWatch<E extends ChannelEvent> {
  /** The learner's module, relative to the submission root. */
  module: string;
  limits: ResourceLimits;
  /** The learner's stderr so far. */
  stderr: () => string;
  /** How the process ended, from its exit event. */
  exitOf: (event: Extract<E, { type: 'exit' }>) => Exit | undefined;
  /** Ends the process; `abnormal` is false only for a module that failed to import cleanly. */
  kill: (abnormal: boolean) => Promise<void>;
  /** The harness's hello (features, references). */
  onHello: (header: Record<string, unknown>) => void;
  /** The harness's ready frame (where the module's functions are defined) and how long the import took after its hello, ms. */
  onReady?: (header: Record<string, unknown>, importMs: number) => void;
  /** The process died after its hello while importing (a fork server is then replaced). */
  onDeath?: () => void;
}

/**
 * Waits until a learner process has said hello and imported the module:
 * undefined when it is ready, otherwise the failure (the harness did not
 * start, the import raised, hung or killed the process, or the process broke
 * the protocol), after which the process is gone.
 */
export async function awaitImport<E extends ChannelEvent>(channel: Pick<CallChannel<E>, 'next'>, budgetMs: number, watch: StartWatch<E>): Promise<RunFailure | undefined> {
  const { module } = watch;
  // Two clocks: the harness's own start (an interpreter, NumPy) has a fixed generous
  // allowance; the import limit counts from its hello, so it measures the learner's module only.
  const startMs = Math.max(budgetMs, HARNESS_START_MS);
  let until = Date.now() + startMs;
  let hello = false;
  let helloAt = 0;
  for (;;) {
    const event = await channel.next(until - Date.now());
    if (!event) {
      await watch.kill(true);
      return hello
        ? failure('timeout', `importing ${module} took longer than ${formatSeconds(budgetMs)}, the import limit (${LIMIT_HINT.import})`, { location: { file: module } })
        : failure('internal', `the Python harness did not start within ${formatSeconds(startMs)}`);
    }
    if (event.type === 'exit') {
      const exit = watch.exitOf(event as Extract<E, { type: 'exit' }>);
      if (!hello) {
        const tail = watch.stderr().trim().split('\n').slice(-1)[0] ?? '';
        return failure('internal', `the Python harness failed to start (exit ${exit?.code ?? exit?.signal})${tail ? `: ${tail}` : ''}`);
      }
      const dead = deathFailure(`importing ${module}`, exit, watch.stderr(), watch.limits);
      if (dead.kind === 'crash') dead.kind = 'import-error';
      dead.location = { file: module };
      watch.onDeath?.();
      return dead;
    }
    if (event.type === 'malformed') {
      await watch.kill(true);
      return failure('malformed', `the harness broke the protocol while importing: ${(event as Extract<ChannelEvent, { type: 'malformed' }>).message}`);
    }
    const header = (event as Extract<ChannelEvent, { type: 'frame' }>).frame.header;
    if (header.type === 'hello') {
      if (header.protocol !== PROTOCOL_VERSION) {
        await watch.kill(true);
        return failure('internal', `the harness speaks protocol ${String(header.protocol)}, expected ${PROTOCOL_VERSION}`);
      }
      hello = true;
      helloAt = Date.now();
      until = helloAt + budgetMs;
      watch.onHello(header);
    } else if (header.type === 'ready' && hello) {
      watch.onReady?.(header, Date.now() - helloAt);
      return undefined;
    } else if (header.type === 'import-failure' && hello) {
      const result = failureFromFrame(header);
      await watch.kill(false);
      return result;
    } else if (header.type === 'fatal') {
      await watch.kill(true);
      return failure('internal', String(header.message ?? 'the harness failed'));
    } else {
      await watch.kill(true);
      return failure('malformed', `unexpected ${String(header.type)} frame before the module was imported`);
    }
  }
}
