import type { Location } from '../core/types.js';
import type { SubmissionListing } from '../input/listing.js';

/**
 * Values that cross the boundary between the grader and a learner process.
 * Arrays travel in binary (see docs/runner-protocol.md); everything else as JSON.
 */
export type TypedData = Float64Array | Float32Array | Int32Array | Int8Array | Uint8Array | BigInt64Array;

export interface NDArray {
  kind: 'ndarray';
  /** NumPy dtype name as the learner produced it: float64, float32, float16, int64, int32, bool, complex128... */
  dtype: string;
  shape: number[];
  /**
   * Row-major data. Real floating dtypes arrive as Float64Array or Float32Array
   * (float16 is widened to Float32Array); complex arrays arrive as interleaved
   * (re, im) Float64Array with `complex: true`.
   */
  data: TypedData;
  complex?: boolean;
  /** Set on an answer's array the learner process kept (call option `keep`): later calls may pass it back by reference. */
  kept?: string;
}

/** Something the learner returned that has no faithful wire form (a generator, a class instance...). */
export interface OpaqueValue {
  kind: 'opaque';
  /** Python type name. */
  type: string;
  /** Short repr, capped. */
  repr: string;
}

export type Value = null | boolean | number | string | NDArray | OpaqueValue | Value[] | { [key: string]: Value };

export type FailureKind =
  | 'import-error'      // the module could not be imported (syntax error, missing dependency, crash at import)
  | 'missing-function'  // the module has no callable with that name
  | 'exception'         // the function raised
  | 'timeout'           // the call exceeded its wall-clock limit
  | 'memory'            // the memory limit was hit (MemoryError or killed by the address-space limit)
  | 'limit'             // another resource limit (CPU time, file size, processes)
  | 'crash'             // the process died (signal, os._exit) without answering
  | 'malformed'         // the answer broke the protocol (size limit, bad frame)
  | 'internal';         // rubricate's own fault; reported as an error, never blamed on the learner

export interface RunFailure {
  kind: FailureKind;
  /** One sentence for the finding. */
  message: string;
  /** Learner traceback, trimmed to the learner's own files. */
  traceback?: string;
  /** Where in the learner's code, when known. */
  location?: Location;
}

export interface CallResult {
  ok: true;
  value: Value;
  /** The arguments as they were after the call (only with `returnInputs`), to detect in-place mutation. */
  inputsAfter?: Value[];
  /**
   * Raw aliasing facts: for each returned array (flattened tuple index),
   * the index of the argument it shares memory with, or -1.
   */
  aliases?: number[];
  durationMs: number;
}

export type CallOutcome = CallResult | { ok: false; failure: RunFailure; durationMs: number };

export type IsolationLevel = 'bwrap' | 'namespaces' | 'rlimits' | 'none';

export interface IsolationInfo {
  level: IsolationLevel;
  /** Human summary, e.g. "bubblewrap: read-only root, private /tmp, no network, PID namespace". */
  description: string;
}

export interface ResourceLimits {
  /** Wall-clock limit of one call, ms. */
  callTimeoutMs: number;
  /** Wall-clock limit of the session's calls, counted from the end of its first import (which has `importTimeoutMs`), ms. */
  sessionTimeoutMs: number;
  /** Address-space limit, bytes. */
  memoryBytes: number;
  /** CPU seconds for the whole session. */
  cpuSeconds: number;
  /** Largest file the learner may write, bytes. */
  fileSizeBytes: number;
  /** Process limit (enforced for non-root, or through the PID namespace). */
  processes: number;
  /** Cap on captured stdout + stderr, bytes. */
  outputBytes: number;
  /** Cap on one answer frame, bytes. */
  answerBytes: number;
  /** Wall-clock limit of starting the harness and importing the learner module, ms (default 60000); the session's budget starts after it. */
  importTimeoutMs?: number;
}

export interface SessionOptions {
  /** Absolute path of the submission root. */
  root: string;
  /** Module file relative to the root, e.g. src/minimodel/positional/rope.py. */
  module: string;
  /** Interpreter; default: the resolved real path of `python3`. */
  python?: string;
  isolation?: IsolationLevel | 'auto';
  limits?: Partial<ResourceLimits>;
  /** The submission's file list, when the caller has it (the one its cache key covers): what the sandbox copy is made from. */
  listing?: SubmissionListing;
  /** Rust only: call the lab's functions through a struct of the crate (see RustAdapter in runner/rust/index.ts). */
  rustAdapter?: RustAdapter;
  /**
   * `tasks`: the Python harness serves the grader's own tasks (static facts of
   * learner files, runs of a learner script) instead of importing `module`;
   * no learner code runs in the harness process itself (see harness/tasks.py).
   */
  mode?: 'module' | 'tasks';
}

/**
 * A Rust crate that keeps RoPE in a struct (constructor + cached tables +
 * method) instead of the lab's three free functions: the harness builds the
 * struct and maps the lab's calls onto it.
 */
export interface RustAdapter {
  /** Path of the struct in the crate, e.g. `rope::RotaryEmbedding`. */
  type: string;
  /** `fn new(head_dim: usize, max_seq_len: usize, base: f64) -> Self`. */
  constructor: string;
  /** Public `Vec<f64>` fields holding the (max_seq_len, head_dim/2) cos and sin tables, row-major. */
  cos: string;
  sin: string;
  /** `fn apply(&self, x: &[f64], seq_len: usize) -> Vec<f64>`: row t of x (seq_len rows of head_dim) rotated by table row t. */
  method: string;
}

/** One live learner process (restarted transparently after a timeout or crash). */
export interface LearnerSession {
  readonly isolation: IsolationInfo;
  /** Set when the module could not even be imported; every call then fails with it. */
  readonly importFailure?: RunFailure;
  /** How long the first import of the module took, from the harness's hello (ms), when the runner measures it. */
  readonly importMs?: number;
  /** Where the module's functions are defined (name -> file and line), when the runner knows. */
  readonly definitions?: Record<string, Location>;
  call(
    fn: string,
    args: Value[],
    /** `keep`: the process keeps the returned arrays so they can be passed back by reference (a hint; harnesses without references ignore it). */
    options?: { kwargs?: Record<string, Value>; timeoutMs?: number; returnInputs?: boolean; keep?: boolean },
  ): Promise<CallOutcome>;
  /** Learner stdout/stderr captured so far (capped). Never parsed as results. */
  output(): { stdout: string; stderr: string; truncated: boolean };
  close(): Promise<void>;
}
