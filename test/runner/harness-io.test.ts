/**
 * The Python harness's own input and output paths: requests larger than its
 * read buffer, output relayed from both pipes (one relay thread) in order and
 * before each answer, a pipe closed by the learner, output of the learner's
 * child processes.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPythonSession } from '../../src/runner/session.js';
import type { CallOutcome, LearnerSession, NDArray, Value } from '../../src/runner/types.js';

const MODULE = `
import os
import subprocess
import sys


def total(x):
    return float(x.sum())


def identity(x):
    return x


def both(n):
    print('out %d' % n)
    print('err %d' % n, file=sys.stderr)
    return n


def err_only(n):
    print('err only %d' % n, file=sys.stderr)
    return n


def from_child():
    subprocess.run([sys.executable, '-c', 'print("from a child process")'], check=True)
    return 1


def close_stdout():
    sys.stdout.flush()
    os.close(1)
    print('stderr still relayed', file=sys.stderr)
    return 2
`;

function ok(outcome: CallOutcome): Value {
  if (!outcome.ok) throw new Error(`call failed: ${outcome.failure.kind}: ${outcome.failure.message}`);
  return outcome.value;
}

describe('the Python harness input and output', () => {
  let work: string;
  let session: LearnerSession;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'rubricate-test-'));
    mkdirSync(join(work, 'lab'));
    writeFileSync(join(work, 'lab', 'io.py'), MODULE);
    session = await openPythonSession({ root: work, module: 'lab/io.py', isolation: 'rlimits' });
    expect(session.importFailure).toBeUndefined();
  });

  afterAll(async () => {
    await session?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('reads requests larger than its buffer, between small ones, exactly', async () => {
    for (const n of [3, 100_000, 5, 300_001, 8_192, 1]) {
      const data = new Float64Array(n).map((_, i) => (i % 97) - 48.5);
      const input: NDArray = { kind: 'ndarray', dtype: 'float64', shape: [n], data };
      expect(ok(await session.call('total', [input]))).toBe(data.reduce((a, b) => a + b, 0));
      expect(ok(await session.call('identity', [input]))).toEqual(input);
    }
  });

  it('relays both streams in order, before each answer', async () => {
    for (let n = 1; n <= 20; n++) {
      expect(ok(await session.call('both', [n]))).toBe(n);
      // The output of a call is there when its answer is.
      expect(session.output().stdout.endsWith(`out ${n}\n`)).toBe(true);
      expect(session.output().stderr.endsWith(`err ${n}\n`)).toBe(true);
    }
    const expected = (stream: string) => Array.from({ length: 20 }, (_, i) => `${stream} ${i + 1}\n`).join('');
    expect(session.output().stdout).toBe(expected('out'));
    expect(session.output().stderr).toBe(expected('err'));
  });

  it("relays what the learner's child processes print", async () => {
    expect(ok(await session.call('from_child', []))).toBe(1);
    expect(session.output().stdout.endsWith('from a child process\n')).toBe(true);
  });

  it('keeps relaying stderr and answering after the learner closes stdout', async () => {
    expect(ok(await session.call('close_stdout', []))).toBe(2);
    expect(session.output().stderr.endsWith('stderr still relayed\n')).toBe(true);
    for (let n = 1; n <= 3; n++) {
      expect(ok(await session.call('err_only', [n]))).toBe(n);
      expect(session.output().stderr.endsWith(`err only ${n}\n`)).toBe(true);
    }
  });
});
