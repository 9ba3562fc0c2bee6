import type { CheckOutcome, Criterion, Notice, Rubric } from '../core/types.js';
import type { SubmissionFiles } from '../input/files.js';

/** Wall-clock limits of the learner's code in milliseconds (see `RubricLimits` for their meaning). */
export interface LimitsOverride {
  importMs?: number;
  callMs?: number;
  submissionMs?: number;
}

/**
 * Services the engine offers to check kinds. Code-running kinds find the
 * sandboxed runner here; document kinds ignore it.
 */
export interface Services {
  /** Interpreter given with --python, if any. */
  python?: string;
  /** Isolation level requested with --isolation (default: the strongest available). */
  isolation?: string;
  /** Per-probe timeout override in milliseconds. */
  timeoutMs?: number;
  /** Limits of the learner's code from the command line (ms); they override the rubric's `limits:` and every criterion's. */
  limits?: LimitsOverride;
  /** Free-form extension point for later services (runner pools...). */
  [key: string]: unknown;
}

/** Everything a check needs; a check never writes files and never touches process state. */
export interface CheckContext {
  /** Absolute path of the submission folder (or of the folder holding the verified document). */
  root: string;
  /** For document rubrics: the verified document, relative to `root`. */
  document?: string;
  rubric: Rubric;
  criterion: Criterion;
  /** Reads submission files with input hygiene (encoding repair, size limits, binary detection). */
  files: SubmissionFiles;
  /** Computes a value once per submission and shares it between checks (parsed README, runner session). */
  memo<T>(key: string, compute: () => Promise<T> | T): Promise<T>;
  /** Reports something about the input rather than the criterion. */
  notice(notice: Notice): void;
  services: Services;
  signal: AbortSignal;
}

/**
 * A check kind: metadata as data plus one function. Options are validated
 * against `optionsSchema` (JSON Schema draft 2020-12, defaults filled in)
 * when the rubric loads, so `run` receives well-formed options.
 */
export interface CheckKind<O = any> {
  name: string;
  /** One line for `rubricate rubric kinds` and the README. */
  summary: string;
  /** Which rubric targets the kind makes sense for. */
  targets: Array<'lab' | 'document'>;
  optionsSchema: Record<string, unknown>;
  /**
   * Checks what a schema cannot (patterns that must compile, ids that must
   * be unique) when the rubric loads. Each problem names the path of the
   * offending value below the criterion's `options`; the loader locates it
   * in the YAML file.
   */
  check?(options: O, rubric: Rubric): Array<{ message: string; path: Array<string | number> }>;
  run(ctx: CheckContext, options: O): Promise<CheckOutcome> | CheckOutcome;
  /**
   * Optional: starts, without waiting for it, what `run` will need and the
   * engine memoises (a sandboxed session), so that it starts while the
   * checks before this one run. Called once per criterion before any check
   * runs; must not report anything or change any outcome (what it starts is
   * what `run` would have started, under the same memo key). The engine
   * waits for the returned promise before it closes what was memoised.
   */
  warm?(ctx: CheckContext, options: O): Promise<void> | void;
}
