/**
 * The wall-clock limits of a learner's code: the command line's (`--import-timeout`,
 * `--call-timeout`, `--submission-timeout`) over a criterion's own `timeoutMs`
 * (calls only) over the rubric's `limits:` block over the defaults.
 */
import type { CheckContext, LimitsOverride } from '../checks/kind.js';
import type { ResourceLimits } from '../runner/types.js';
import type { Rubric, RubricLimits } from './types.js';

/** Defaults in seconds, generous for the import: a module importing a large library took 23-39 s on a loaded machine. */
export const DEFAULT_RUBRIC_LIMITS: Required<RubricLimits> = { import: 60, call: 10, submission: 120 };

export interface LearnerLimits {
  importTimeoutMs: number;
  callTimeoutMs: number;
  sessionTimeoutMs: number;
}

/** Where each limit came from, for messages that tell the reader what to change. */
export function learnerLimits(rubric: Pick<Rubric, 'limits'> | undefined, cli: LimitsOverride | undefined, criterionCallMs?: number): LearnerLimits {
  const fromRubric = (key: keyof RubricLimits) => Math.round(1000 * (rubric?.limits?.[key] ?? DEFAULT_RUBRIC_LIMITS[key]));
  return {
    importTimeoutMs: cli?.importMs ?? fromRubric('import'),
    callTimeoutMs: cli?.callMs ?? criterionCallMs ?? fromRubric('call'),
    sessionTimeoutMs: cli?.submissionMs ?? fromRubric('submission'),
  };
}

/** What a reader changes to raise a limit. */
export const LIMIT_HINT = {
  import: 'limits.import in the rubric, or --import-timeout',
  call: 'limits.call in the rubric, or --call-timeout',
  submission: 'limits.submission in the rubric, or --submission-timeout',
} as const;

/**
 * A learner session's limits for the runner: the command line's, else the
 * rubric's `limits:`, else the defaults (a criterion's `timeoutMs` applies to
 * its own calls only). CPU time follows the wall-clock budget.
 */
export function sessionLimits(ctx: Pick<CheckContext, 'rubric' | 'services'>): Pick<ResourceLimits, 'importTimeoutMs' | 'callTimeoutMs' | 'sessionTimeoutMs' | 'cpuSeconds'> & { importTimeoutMs: number } {
  const cli = { ...(ctx.services.limits ?? {}) };
  if (cli.callMs === undefined && typeof ctx.services.timeoutMs === 'number') cli.callMs = ctx.services.timeoutMs;
  const limits = learnerLimits(ctx.rubric, cli);
  return { ...limits, cpuSeconds: Math.max(60, Math.ceil((limits.importTimeoutMs + limits.sessionTimeoutMs) / 1000)) };
}
