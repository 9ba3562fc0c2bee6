/**
 * Builds a CheckContext by hand for unit tests of check kinds: a
 * DirectorySubmission on `root`, a memo shared across calls made with the same
 * context, and a `notices` array that collects what the kind reported.
 *
 *   const ctx = makeContext({ root: fixture('ok-interleaved'), criterion: { options: {...} } });
 *   const outcome = await myKind.run(ctx, options);
 *   expect(ctx.notices).toEqual([]);
 */
import { resolve } from 'node:path';
import type { CheckContext, Services } from '../../src/checks/kind.js';
import type { Criterion, Notice, Rubric } from '../../src/core/types.js';
import type { SubmissionFiles } from '../../src/input/files.js';
import { DirectorySubmission } from '../../src/input/submission.js';

export interface TestContext extends CheckContext {
  /** Every notice the kind reported, in order (no de-duplication). */
  notices: Notice[];
  /** The memo store, to inspect or share between contexts. */
  memoStore: Map<string, Promise<unknown>>;
}

export interface MakeContextOptions {
  /** Submission folder (or the folder of the verified document). */
  root: string;
  document?: string;
  rubric?: Partial<Rubric>;
  criterion?: Partial<Criterion>;
  services?: Services;
  files?: SubmissionFiles;
  /** Reuse a memo store (to test sharing between criteria). */
  memoStore?: Map<string, Promise<unknown>>;
  signal?: AbortSignal;
}

export function makeContext(options: MakeContextOptions): TestContext {
  const root = resolve(options.root);
  const criterion: Criterion = {
    id: 'test-criterion',
    title: 'Test criterion',
    kind: 'test',
    points: 10,
    dimension: 'test',
    severity: 'error',
    visibility: 'learner',
    options: {},
    ...options.criterion,
  };
  const rubric: Rubric = {
    id: 'test-rubric',
    title: 'Test rubric',
    version: 1,
    target: 'lab',
    appliesTo: {},
    passThreshold: 0.7,
    dimensions: [{ id: 'test', title: 'Test' }],
    criteria: [criterion],
    path: 'test-rubric.yaml',
    ...options.rubric,
  };
  const memoStore = options.memoStore ?? new Map<string, Promise<unknown>>();
  const notices: Notice[] = [];
  return {
    root,
    ...(options.document !== undefined ? { document: options.document } : {}),
    rubric,
    criterion,
    files: options.files ?? new DirectorySubmission(root),
    memo<T>(key: string, compute: () => Promise<T> | T): Promise<T> {
      let value = memoStore.get(key) as Promise<T> | undefined;
      if (!value) {
        value = Promise.resolve().then(compute);
        memoStore.set(key, value);
      }
      return value;
    },
    notice(notice: Notice) {
      notices.push(notice);
    },
    services: options.services ?? {},
    signal: options.signal ?? new AbortController().signal,
    notices,
    memoStore,
  };
}
