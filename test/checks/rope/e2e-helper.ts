/** Runs RoPE check kinds end to end on a fixture folder: real files, one real Python session per fixture. */
import type { CheckContext, CheckKind } from '../../../src/checks/kind.js';
import type { CheckOutcome, Rubric } from '../../../src/core/types.js';
import { DirectorySubmission } from '../../../src/input/submission.js';

export const fixturesDir = new URL('../../../fixtures/rope-lab02/', import.meta.url).pathname;

export interface FixtureRun {
  run(kind: CheckKind, options?: Record<string, unknown>): Promise<CheckOutcome>;
  close(): Promise<void>;
}

export function fixtureRun(name: string): FixtureRun {
  const root = fixturesDir + name;
  const memo = new Map<string, Promise<unknown>>();
  const files = new DirectorySubmission(root);
  const ctx: CheckContext = {
    root,
    rubric: {} as Rubric,
    criterion: { id: 'test', title: 'test', kind: 'test', points: 1, dimension: 'code', severity: 'error', visibility: 'learner', options: {} },
    files,
    memo<T>(key: string, compute: () => Promise<T> | T): Promise<T> {
      let v = memo.get(key) as Promise<T> | undefined;
      if (!v) {
        v = Promise.resolve().then(compute);
        memo.set(key, v);
      }
      return v;
    },
    notice() {},
    services: {},
    signal: new AbortController().signal,
  };
  return {
    run: (kind, options = {}) => Promise.resolve(kind.run(ctx, options)),
    async close() {
      for (const pending of memo.values()) {
        try {
          const v = (await pending) as { close?: () => Promise<void> };
          if (v && typeof v.close === 'function') await v.close();
        } catch {
          // nothing to close
        }
      }
    },
  };
}
