/**
 * The isolation levels a test runs at, each with whether this machine gives
 * it and, when not, why (from the machine probe, test/helpers/machine.ts):
 * every level is always collected, and a level this machine lacks is skipped
 * with the reason, which the run's last lines list.
 */
import type { TestOptions } from 'vitest';
import type { IsolationLevel } from '../../src/runner/types.js';
import { missing, needsLevel } from './machine.js';

export interface LevelProbe {
  level: Exclude<IsolationLevel, 'none'>;
  available: boolean;
  /** Why the level is missing ('' when available). */
  reason: string;
  /** describe/it options: skipped with the reason when the level is missing. */
  options: TestOptions;
}

export async function probeLevels(): Promise<LevelProbe[]> {
  return (['bwrap', 'namespaces', 'rlimits'] as const).map((level) => {
    const reason = level === 'rlimits' ? '' : (missing(level) ?? '');
    return { level, available: reason === '', reason, options: needsLevel(level) };
  });
}

/** Options that skip a test, with `reason`, when `run` is false: for tests that do not apply at a level by design. */
export function onlyIf(run: boolean, reason: string): TestOptions {
  return run ? {} : { skip: true, meta: { skipReason: reason } };
}
