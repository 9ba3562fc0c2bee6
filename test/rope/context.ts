/** A CheckContext for unit tests: in-memory files, a memo, and a fake (or given) learner session. */
import type { CheckContext, CheckKind } from '../../src/checks/kind.js';
import type { CheckOutcome, Rubric } from '../../src/core/types.js';
import type { SubmissionFiles, ReadTextResult } from '../../src/input/files.js';
import type { LearnerSession } from '../../src/runner/types.js';
import { FakeRopeSession, type FakeOptions } from './fake-session.js';

export function memoryFiles(files: Record<string, string>): SubmissionFiles {
  return {
    root: '/submission',
    async exists(rel) {
      return rel in files;
    },
    async findFirst(alternatives) {
      return alternatives.find((a) => a in files);
    },
    async readText(rel): Promise<ReadTextResult> {
      const text = files[rel];
      if (text === undefined) return { ok: false, path: rel, problem: 'missing', message: `${rel} is missing` };
      return { ok: true, path: rel, text, notices: [] };
    },
    async readBytes(rel) {
      const text = files[rel];
      if (text === undefined) return { ok: false, path: rel, problem: 'missing', message: `${rel} is missing` };
      return { ok: true, path: rel, bytes: new TextEncoder().encode(text) };
    },
    async list() {
      return Object.keys(files).sort();
    },
  };
}

export interface TestSubmission {
  ctx: CheckContext;
  session: LearnerSession;
  memo: Map<string, Promise<unknown>>;
  run(kind: CheckKind, options?: Record<string, unknown>): Promise<CheckOutcome>;
}

export function fakeSubmission(fake: FakeOptions | LearnerSession = {}, files: Record<string, string> = { 'src/minimodel/positional/rope.py': '# fake' }): TestSubmission {
  const session = 'call' in fake ? fake : new FakeRopeSession(fake);
  const memo = new Map<string, Promise<unknown>>();
  const ctx: CheckContext = {
    root: '/submission',
    rubric: {} as Rubric,
    criterion: { id: 'test', title: 'test', kind: 'test', points: 1, dimension: 'code', severity: 'error', visibility: 'learner', options: {} },
    files: memoryFiles(files),
    memo<T>(key: string, compute: () => Promise<T> | T): Promise<T> {
      let v = memo.get(key) as Promise<T> | undefined;
      if (!v) {
        v = Promise.resolve().then(compute);
        memo.set(key, v);
      }
      return v;
    },
    notice() {},
    services: { openLearnerSession: async () => session },
    signal: new AbortController().signal,
  };
  return { ctx, session, memo, run: async (kind, options = {}) => kind.run({ ...ctx, criterion: { ...ctx.criterion, id: kind.name } }, options) };
}
