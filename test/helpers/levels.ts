/**
 * The isolation levels a test runs at, each with whether this machine gives
 * it and, when not, why: tests use the reason in a skipped test's name, so a
 * run without bubblewrap or root says what it left out instead of creating
 * fewer tests.
 */
import { bwrapWorks, namespacesWork } from '../../src/runner/sandbox.js';
import type { IsolationLevel } from '../../src/runner/types.js';

export interface LevelProbe {
  level: Exclude<IsolationLevel, 'none'>;
  available: boolean;
  /** Why the level is missing ('' when available). */
  reason: string;
}

export async function probeLevels(): Promise<LevelProbe[]> {
  const bwrap = await bwrapWorks();
  const namespaces = await namespacesWork();
  return [
    { level: 'bwrap', available: bwrap, reason: bwrap ? '' : 'bubblewrap is not installed or does not work here' },
    { level: 'namespaces', available: namespaces, reason: namespaces ? '' : 'needs root and unshare' },
    { level: 'rlimits', available: true, reason: '' },
  ];
}

/** A describe/it title that names the reason when the level is skipped. */
export function titled(title: string, probe: LevelProbe): string {
  return probe.available ? title : `${title} (skipped: ${probe.reason})`;
}
