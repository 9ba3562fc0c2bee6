/**
 * The options of a learner session from a check's context: the submission,
 * its file list (what the sandbox copy is made from), the limits (command
 * line over rubric over defaults), `--python` and `--isolation`. Shared by the RoPE probe's session and the tasks session.
 */
import type { CheckContext } from '../checks/kind.js';
import { sessionLimits } from '../core/limits.js';
import type { SessionOptions } from './types.js';

function isolationOf(value: unknown): SessionOptions['isolation'] {
  return value === 'bwrap' || value === 'namespaces' || value === 'rlimits' || value === 'none' || value === 'auto' ? value : undefined;
}

export function sessionOptionsFor(ctx: Pick<CheckContext, 'root' | 'rubric' | 'services'> & { files?: Pick<CheckContext['files'], 'listing'> }, module: string, extra: Partial<SessionOptions> = {}): SessionOptions {
  const options: SessionOptions = { root: ctx.root, module, limits: sessionLimits(ctx), ...extra };
  // The submission's one file list: the sandbox copy is made from the list the cache key covers.
  const listing = ctx.files?.listing?.();
  if (listing) options.listing = listing;
  if (typeof ctx.services.python === 'string') options.python = ctx.services.python;
  const isolation = isolationOf(ctx.services.isolation);
  if (isolation) options.isolation = isolation;
  return options;
}
