import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPythonSession } from '../../src/runner/session.js';
import type { CallOutcome, LearnerSession, NDArray, Value } from '../../src/runner/types.js';
import { pyFloat } from '../../src/runner/wire.js';

const basic = resolve('fixtures/runner/basic');

function ok(outcome: CallOutcome): Value {
  if (!outcome.ok) throw new Error(`call failed: ${outcome.failure.kind}: ${outcome.failure.message}`);
  return outcome.value;
}

function nd(dtype: string, shape: number[], data: NDArray['data'], complex = false): NDArray {
  return complex ? { kind: 'ndarray', dtype, shape, data, complex } : { kind: 'ndarray', dtype, shape, data };
}

function bits(data: Float64Array): string[] {
  return [...new BigUint64Array(data.buffer, data.byteOffset, data.length)].map((b) => b.toString(16));
}

describe('a Python session (auto isolation)', () => {
  let session: LearnerSession;

  beforeAll(async () => {
    session = await openPythonSession({ root: basic, module: 'pkg/mod.py', limits: { memoryBytes: 768 << 20 } });
    expect(session.importFailure).toBeUndefined();
  });

  afterAll(async () => {
    await session.close();
  });

  it('round-trips float64 arrays bit for bit', async () => {
    const values = Float64Array.of(Math.PI, -0, 5e-324, 1.7976931348623157e308, 0.1 + 0.2, -1e-300, NaN, Infinity, -Infinity);
    const value = ok(await session.call('identity', [nd('float64', [3, 3], values)])) as NDArray;
    expect(value.dtype).toBe('float64');
    expect(value.shape).toEqual([3, 3]);
    expect(value.data).toBeInstanceOf(Float64Array);
    expect(bits(value.data as Float64Array)).toEqual(bits(values));
  });

  it('round-trips float32, int64, int32, int8, uint8, bool and complex128 arrays exactly', async () => {
    const cases: NDArray[] = [
      nd('float32', [2, 2], Float32Array.of(1.1, -2.5e-40, 3.4e38, -0)),
      nd('int64', [3], BigInt64Array.of(-(2n ** 63n), 2n ** 53n + 1n, 7n)),
      nd('int32', [2], Int32Array.of(-(2 ** 31), 2 ** 31 - 1)),
      nd('int8', [2], Int8Array.of(-128, 127)),
      nd('uint8', [2], Uint8Array.of(0, 255)),
      nd('bool', [3], Uint8Array.of(1, 0, 1)),
      nd('complex128', [2], Float64Array.of(1.5, -2, 0, 1e-310), true),
    ];
    for (const input of cases) {
      const value = ok(await session.call('identity', [input])) as NDArray;
      expect(value).toEqual(input);
      expect(value.data.constructor).toBe(input.data.constructor);
    }
  });

  it('widens float16 to float32 data and keeps the dtype name', async () => {
    const value = ok(await session.call('identity', [nd('float16', [2], Float32Array.of(0.5, 65504))])) as NDArray;
    expect(value.dtype).toBe('float16');
    expect(value.data).toEqual(Float32Array.of(0.5, 65504));
  });

  it('keeps Python ints, floats and bools apart, and sends pyFloat(10000) as a float', async () => {
    expect(ok(await session.call('kinds', [10000]))).toBe('int');
    expect(ok(await session.call('kinds', [pyFloat(10000)]))).toBe('float64');
    expect(ok(await session.call('kinds', [2.5]))).toBe('float');
    expect(ok(await session.call('kinds', [true]))).toBe('bool');
    expect(ok(await session.call('kinds', [[1, 2]]))).toBe('list');
    expect(ok(await session.call('kinds', [{ a: 1 }]))).toBe('dict');
    expect(ok(await session.call('kinds', [null]))).toBe('NoneType');
    expect(ok(await session.call('add', [pyFloat(1e4), 0.5]))).toBe(10000.5);
    expect(Object.is(ok(await session.call('identity', [-0])), -0)).toBe(true);
    expect(ok(await session.call('add', [2, 3], { kwargs: {} }))).toBe(5);
    expect(ok(await session.call('add', [], { kwargs: { a: 'x', b: 'y' } }))).toBe('xy');
  });

  it('maps return values: dicts, NumPy scalars, NaN and inf, tuples, opaque objects', async () => {
    const value = ok(await session.call('mixed', [])) as Record<string, Value>;
    expect(value.none).toBeNull();
    expect(value.flag).toBe(true);
    expect(value.int).toBe(7);
    expect(value.float).toBe(10000);
    expect(value.nan).toBeNaN();
    expect(value.ninf).toBe(-Infinity);
    expect(value.np_float32).toBe(1.5);
    expect(value.np_int).toBe(3);
    expect(value.np_bool).toBe(false);
    expect(value.text).toBe('héllo');
    expect(value.list).toEqual([1, 2.5, 'x']);
    expect((value.half as NDArray).dtype).toBe('float16');
    expect(value.gen).toMatchObject({ kind: 'opaque', type: 'generator' });
    expect((value.gen as { repr: string }).repr).toMatch(/^<generator object/);
  });

  it('reports arguments after the call and which returned arrays alias an argument', async () => {
    const x = nd('float64', [2, 3], Float64Array.of(1, 2, 3, 4, 5, 6));
    const views = await session.call('view_and_copy', [x], { returnInputs: true });
    expect(views.ok && views.aliases).toEqual([0, -1]);
    // Every returned array counts, in answer order, inside dicts too (as the Node harness reports them).
    const inDict = await session.call('views_in_dict', [x], { returnInputs: true });
    expect(inDict.ok && inDict.aliases).toEqual([-1, 0, 0]);
    const scaled = await session.call('scale_in_place', [x, 2], { returnInputs: true });
    expect(scaled.ok).toBe(true);
    if (!scaled.ok) return;
    expect(scaled.aliases).toEqual([0]);
    expect((scaled.inputsAfter?.[0] as NDArray).data).toEqual(Float64Array.of(2, 4, 6, 8, 10, 12));
    expect(scaled.inputsAfter?.[1]).toBe(2);
    // The caller's array is never touched.
    expect(x.data).toEqual(Float64Array.of(1, 2, 3, 4, 5, 6));
  });

  it('turns an exception into a failure with a trimmed traceback located in the learner file', async () => {
    const outcome = await session.call('fails', [3]);
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.failure.kind).toBe('exception');
    expect(outcome.failure.message).toBe('fails raised ValueError: bad value 3');
    // The column of the raising expression (Python 3.11+ reports it).
    expect(outcome.failure.location).toEqual({ file: 'pkg/helpers.py', line: 2, column: 5 });
    expect(outcome.failure.traceback).toContain('File "pkg/mod.py", line 51, in fails');
    expect(outcome.failure.traceback).toContain('File "pkg/helpers.py", line 2, in explode');
    expect(outcome.failure.traceback).not.toMatch(/python_harness|site-packages|\/tmp\//);
  });

  it('reports a missing function', async () => {
    const outcome = await session.call('apply_rope', []);
    expect(!outcome.ok && outcome.failure).toMatchObject({ kind: 'missing-function', message: 'pkg/mod.py has no function apply_rope' });
  });

  it('never takes result lines printed on stdout as results, and captures them', async () => {
    expect(ok(await session.call('fake_results', []))).toBe(1);
    expect(session.output().stdout).toContain('{"type":"result","id":"0","value":42}');
  });

  it('kills a call that times out and restarts the learner process for the next call', async () => {
    ok(await session.call('counter', []));
    expect(ok(await session.call('counter', []))).toBeGreaterThan(1);
    const outcome = await session.call('spin', [], { timeoutMs: 300 });
    expect(!outcome.ok && outcome.failure.kind).toBe('timeout');
    expect(!outcome.ok && outcome.failure.message).toBe('spin did not return within 300 ms (the call limit: limits.call in the rubric, or --call-timeout)');
    expect(ok(await session.call('add', [2, 3]))).toBe(5);
    // A fresh process imported the module again.
    expect(ok(await session.call('counter', []))).toBe(1);
  });

  it('reports os._exit mid-call as a crash, sys.exit as a crash, and keeps going', async () => {
    const exited = await session.call('exit_now', []);
    expect(!exited.ok && exited.failure.kind).toBe('crash');
    expect(!exited.ok && exited.failure.message).toMatch(/exited with code 0 without answering/);
    const sysExit = await session.call('sys_exit', []);
    expect(!sysExit.ok && sysExit.failure).toMatchObject({ kind: 'crash', message: 'sys_exit called exit(3)' });
    expect(ok(await session.call('add', [1, 1]))).toBe(2);
  });

  it('reports a memory hog as memory', async () => {
    const outcome = await session.call('hog_memory', []);
    expect(!outcome.ok && outcome.failure.kind).toBe('memory');
    expect(!outcome.ok && outcome.failure.location).toEqual({ file: 'pkg/mod.py', line: 67, column: 23 });
    expect(ok(await session.call('add', [1, 2]))).toBe(3);
  });

  it('runs in a private scratch copy of the submission', async () => {
    const cwd = ok(await session.call('cwd', [])) as string;
    expect(cwd).not.toContain(basic);
    expect(cwd).toMatch(/rubricate-[^/]+\/work$/);
  });
});

describe('session limits', () => {
  it('caps captured output and flags it truncated', async () => {
    const session = await openPythonSession({ root: basic, module: 'pkg/mod.py', isolation: 'rlimits', limits: { outputBytes: 2000 } });
    try {
      expect(ok(await session.call('shout', [1_000_000]))).toBe(1_000_000);
      const output = session.output();
      expect(output.truncated).toBe(true);
      expect(output.stdout).toBe('x'.repeat(1000));
      expect(output.stderr).toBe('y'.repeat(1000));
    } finally {
      await session.close();
    }
  });

  it('refuses an answer over the answer limit as malformed', async () => {
    const session = await openPythonSession({ root: basic, module: 'pkg/mod.py', isolation: 'rlimits', limits: { answerBytes: 100_000 } });
    try {
      const outcome = await session.call('big', [1_000_000]);
      expect(!outcome.ok && outcome.failure.kind).toBe('malformed');
      expect(ok(await session.call('big', [10]))).toMatchObject({ shape: [10] });
    } finally {
      await session.close();
    }
  });

  it('reports the CPU-time limit as limit, and restarts for the next call', async () => {
    const session = await openPythonSession({ root: basic, module: 'pkg/mod.py', isolation: 'rlimits', limits: { cpuSeconds: 1, callTimeoutMs: 120_000 } });
    try {
      const outcome = await session.call('spin', []);
      expect(!outcome.ok && outcome.failure).toMatchObject({ kind: 'limit', message: 'spin did not return: the process used its 1 s of CPU time and was stopped' });
      expect(ok(await session.call('add', [1, 2]))).toBe(3);
    } finally {
      await session.close();
    }
  });

  it('stops calling once the session budget is spent', async () => {
    const session = await openPythonSession({ root: basic, module: 'pkg/mod.py', isolation: 'rlimits', limits: { sessionTimeoutMs: 1500 } });
    try {
      const first = await session.call('sleep_forever', []);
      expect(!first.ok && first.failure.kind).toBe('timeout');
      const second = await session.call('add', [1, 2]);
      expect(!second.ok && second.failure).toMatchObject({ kind: 'timeout', message: "the session's time budget of 1.5 s is spent" });
    } finally {
      await session.close();
    }
  });
});

describe('session lifecycle', () => {
  it('close() ends a call in flight at once', async () => {
    const session = await openPythonSession({ root: basic, module: 'pkg/mod.py', isolation: 'rlimits', limits: { callTimeoutMs: 60_000 } });
    const pending = session.call('sleep_forever', []);
    await new Promise((r) => setTimeout(r, 200));
    await session.close();
    const outcome = await pending;
    expect(!outcome.ok && outcome.failure).toMatchObject({ kind: 'internal', message: 'the session was closed while sleep_forever was running' });
  });

  it('loads a learner file named like a module the harness uses, without letting it replace ours', async () => {
    const session = await openPythonSession({ root: resolve('fixtures/runner/shadowing'), module: 'json.py', isolation: 'rlimits' });
    try {
      expect(session.importFailure).toBeUndefined();
      expect(ok(await session.call('answer', []))).toBe(42);
      const missing = await session.call('nothing', []);
      expect(!missing.ok && missing.failure.kind).toBe('missing-function');
      // The harness formats this traceback with the standard module, not the learner's traceback.py.
      const raised = await session.call('boom', []);
      expect(!raised.ok && raised.failure).toMatchObject({ kind: 'exception', message: 'boom raised ValueError: learner error', location: { file: 'json.py', line: 9 } });
    } finally {
      await session.close();
    }
  });
});

describe('bad session options', () => {
  it('refuses a submission folder that does not exist with a one-line ConfigError', async () => {
    await expect(openPythonSession({ root: resolve('fixtures/runner/no-such-folder'), module: 'x.py' })).rejects.toThrow(
      /^the submission folder .*no-such-folder cannot be read \(ENOENT\)$/,
    );
  });
});

describe('import failures', () => {
  it('locates a syntax error at file, line and column', async () => {
    const session = await openPythonSession({ root: resolve('fixtures/runner/syntax-error'), module: 'broken.py', isolation: 'rlimits' });
    try {
      expect(session.importFailure).toMatchObject({ kind: 'import-error', location: { file: 'broken.py', line: 5, column: 15 } });
      expect(session.importFailure?.message).toBe('SyntaxError: invalid syntax at broken.py:5');
      const outcome = await session.call('f', [1]);
      expect(!outcome.ok && outcome.failure.kind).toBe('import-error');
    } finally {
      await session.close();
    }
  });

  it('reports an exception raised at import with the learner frame', async () => {
    const session = await openPythonSession({ root: resolve('fixtures/runner/import-raises'), module: 'boom.py', isolation: 'rlimits' });
    try {
      expect(session.importFailure).toMatchObject({
        kind: 'import-error',
        message: 'importing boom.py raised RuntimeError: no config file',
        location: { file: 'boom.py', line: 4 },
      });
    } finally {
      await session.close();
    }
  });

  // The budget covers the interpreter start and the NumPy import too: 10 s keeps it a timeout (not a harness that
  // did not start) on a machine loaded many times over; the import never ends, so any budget ends in a timeout.
  it('times out an import that never ends', async () => {
    const session = await openPythonSession({
      root: resolve('fixtures/runner/import-hangs'),
      module: 'slow.py',
      isolation: 'rlimits',
      limits: { importTimeoutMs: 10_000 },
    });
    try {
      expect(session.importFailure).toEqual({ kind: 'timeout', message: 'importing slow.py took longer than 10 s, the import limit (limits.import in the rubric, or --import-timeout)', location: { file: 'slow.py' } });
    } finally {
      await session.close();
    }
  });

  it('reports a module file that does not exist', async () => {
    const session = await openPythonSession({ root: basic, module: 'pkg/absent.py', isolation: 'rlimits' });
    try {
      expect(session.importFailure).toEqual({ kind: 'import-error', message: 'pkg/absent.py does not exist', location: { file: 'pkg/absent.py' } });
    } finally {
      await session.close();
    }
  });
});
