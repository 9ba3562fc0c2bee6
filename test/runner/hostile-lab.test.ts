/**
 * The hostile lab-02 submissions (fixtures/rope-lab02/hostile-*), run through
 * the runner at the strongest isolation level available: each misbehaves inside
 * apply_rope, and each must end as a clean failure (or a clean answer) with
 * the submission untouched and no process left behind.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openPythonSession } from '../../src/runner/session.js';
import type { CallOptions } from '../../src/runner/answers.js';
import type { CallOutcome, LearnerSession, NDArray } from '../../src/runner/types.js';
import { hashTree, processesWith } from './helpers.js';

const module = 'src/minimodel/positional/rope.py';
const T = 4;
const D = 8;

function matrix(rows: number, cols: number, seed: number): NDArray {
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(seed * 7.1 + i * 1.3);
  return { kind: 'ndarray', dtype: 'float64', shape: [rows, cols], data };
}

const q = matrix(T, D, 1);
const k = matrix(T, D, 2);
const cos = matrix(T, D / 2, 3);
const sin = matrix(T, D / 2, 4);

async function withFixture(
  name: string,
  body: (session: LearnerSession, call: (options?: CallOptions) => Promise<CallOutcome>) => Promise<void>,
  limits: { callTimeoutMs?: number; memoryBytes?: number } = {},
): Promise<{ level: string }> {
  const root = resolve('fixtures/rope-lab02', name);
  const before = hashTree(root);
  const siblings = readdirSync(resolve('fixtures/rope-lab02')).sort();
  // Calls that answer get a generous limit on a loaded machine; a call that never ends gets its own short one.
  const session = await openPythonSession({ root, module, limits: { callTimeoutMs: 60_000, memoryBytes: 512 << 20, ...limits } });
  try {
    expect(session.importFailure).toBeUndefined();
    await body(session, (options) => session.call('apply_rope', [q, k, cos, sin], options));
  } finally {
    await session.close();
  }
  expect(hashTree(root)).toBe(before);
  expect(readdirSync(resolve('fixtures/rope-lab02')).sort()).toEqual(siblings);
  return { level: session.isolation.level };
}

function failureKind(outcome: CallOutcome): string | undefined {
  return outcome.ok ? undefined : outcome.failure.kind;
}

describe('hostile lab-02 submissions', () => {
  it('hostile-infinite-loop: timeout, then the next call runs in a fresh process', async () => {
    await withFixture('hostile-infinite-loop', async (session, call) => {
      const outcome = await call({ timeoutMs: 1500 });
      expect(failureKind(outcome)).toBe('timeout');
      const tables = await session.call('precompute_rope', [T, D]);
      expect(tables.ok).toBe(true);
    });
  });

  it('hostile-memory-hog: memory, located in apply_rope', async () => {
    await withFixture('hostile-memory-hog', async (_session, call) => {
      const outcome = await call();
      expect(failureKind(outcome)).toBe('memory');
      expect(!outcome.ok && outcome.failure.location?.file).toBe(module);
      // The hog asks for 4 GiB at once: the limit stops it at its first allocation; the timeout only catches a hang.
    }, { memoryBytes: 384 << 20 });
  });

  it('hostile-fork-bomb: timeout, and every forked process is gone', async () => {
    let scratch = '';
    await withFixture('hostile-fork-bomb', async (session, call) => {
      // The harness command line names its scratch folder; so do its forks.
      scratch = (session as unknown as { scratch: { dir: string } }).scratch.dir;
      expect(processesWith(scratch).length).toBeGreaterThan(0);
      const outcome = await call({ timeoutMs: 1500 });
      expect(failureKind(outcome)).toBe('timeout');
      expect(processesWith(scratch)).toEqual([]);
    });
    expect(processesWith(scratch)).toEqual([]);
  });

  it('hostile-setsid-escape: answers, and the detached grandchild dies with the session', async () => {
    await withFixture('hostile-setsid-escape', async (_session, call) => {
      const outcome = await call();
      expect(outcome.ok).toBe(true);
    });
    expect(processesWith('rubricate-hostile-setsid-escape')).toEqual([]);
  });

  it('hostile-writes-outside: answers; the submission and its neighbours stay byte-identical', async () => {
    const { level } = await withFixture('hostile-writes-outside', async (_session, call) => {
      expect((await call()).ok).toBe(true);
    });
    if (level === 'rlimits' || level === 'none') {
      // Not isolated at this level: /tmp is shared (documented); clean up.
      rmSync('/tmp/rubricate-hostile-writes-outside.txt', { force: true });
      rmSync('/tmp/rubricate-hostile-grandparent.txt', { force: true });
    } else {
      expect(existsSync('/tmp/rubricate-hostile-writes-outside.txt')).toBe(false);
      expect(existsSync('/tmp/rubricate-hostile-grandparent.txt')).toBe(false);
    }
  });

  it('hostile-network: answers; the connection fails unless the level does not isolate the network', async () => {
    await withFixture('hostile-network', async (session, call) => {
      expect((await call()).ok).toBe(true);
      const line = session.output().stdout.trim();
      if (session.isolation.level === 'rlimits' || session.isolation.level === 'none') {
        expect(line).toMatch(/^phone home: /);
      } else {
        // A private network namespace: no route out, nothing listening on its own loopback.
        expect(line).toMatch(/^phone home: (OSError: \[Errno 101\] Network is unreachable|ConnectionRefusedError: \[Errno 111\] Connection refused)$/);
      }
    });
  });

  it('hostile-fake-results: printed "results" are output, the real answer is the unrotated input', async () => {
    await withFixture('hostile-fake-results', async (session, call) => {
      const outcome = await call();
      expect(outcome.ok).toBe(true);
      if (!outcome.ok) return;
      const [qOut] = outcome.value as NDArray[];
      expect(qOut?.data).toEqual(q.data);
      expect(session.output().stdout).toContain('{"type":"result","id":"0","value":"PASS"}');
      expect(session.output().stdout).toContain('RESULT: all tests passed, score 100/100');
    });
  });

  it('hostile-fake-results: hundreds of printing calls in a row all get their answer', async () => {
    // Regression: the output relay and the pre-answer drain raced for the same
    // bytes and the answer stalled until the call timed out (after ~60 calls).
    await withFixture('hostile-fake-results', async (session, call) => {
      const failures: string[] = [];
      for (let i = 0; i < 300 && failures.length === 0; i++) {
        const rotated = await call();
        if (!rotated.ok) failures.push(`apply_rope #${i}: ${rotated.failure.kind}`);
        const frequencies = await session.call('rope_frequencies', [D]);
        if (!frequencies.ok) failures.push(`rope_frequencies #${i}: ${frequencies.failure.kind}`);
      }
      expect(failures).toEqual([]);
    });
  });

  it('hostile-os-exit: crash, and later calls still run', async () => {
    await withFixture('hostile-os-exit', async (session, call) => {
      expect(failureKind(await call())).toBe('crash');
      expect((await session.call('rope_frequencies', [D])).ok).toBe(true);
    });
  });

  it('hostile-output-flood: answers; output is capped and flagged truncated', async () => {
    await withFixture('hostile-output-flood', async (session, call) => {
      expect((await call()).ok).toBe(true);
      const output = session.output();
      expect(output.truncated).toBe(true);
      expect(output.stdout.length + output.stderr.length).toBeLessThanOrEqual(128 * 1024);
      expect(output.stdout.startsWith('flood flood')).toBe(true);
    });
  });
});
