/**
 * The Node (JavaScript/TypeScript) runner: the lab-02 TypeScript fixtures
 * through openNodeSession, the calling convention both ways, syntax errors,
 * and the hostile submissions (fixtures/rope-lab02-ts/hostile-*).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openNodeSession, transpile } from '../../src/runner/node/index.js';
import type { LearnerSession, NDArray } from '../../src/runner/types.js';
import { pyFloat } from '../../src/runner/wire.js';
import { hashTree, processesWith } from './helpers.js';

const module = 'src/rope.ts';
const fixture = (name: string) => resolve('fixtures/rope-lab02-ts', name);

function matrix(rows: number, cols: number, seed: number): NDArray {
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(seed * 7.1 + i * 1.3);
  return { kind: 'ndarray', dtype: 'float64', shape: [rows, cols], data };
}

const temps: string[] = [];
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

function tempSubmission(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'rubricate-node-test-'));
  temps.push(dir);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return dir;
}

async function withSession<T>(root: string, mod: string, body: (s: LearnerSession) => Promise<T>, limits = {}): Promise<T> {
  // Calls that answer get a generous limit on a loaded machine; a call that never ends gets its own short one.
  const session = await openNodeSession({ root, module: mod, limits: { callTimeoutMs: 60_000, ...limits } });
  try {
    return await body(session);
  } finally {
    await session.close();
  }
}

describe('node runner', () => {
  it('runs a submission that also holds a folder nested past PATH_MAX (left out of the sources and the copy)', async () => {
    const root = tempSubmission({ 'src/rope.ts': readFileSync(join(fixture('ok-typescript'), module), 'utf8') });
    execFileSync('python3', ['-c', "import os\nfor _ in range(300):\n    os.mkdir('d' * 200)\n    os.chdir('d' * 200)"], { cwd: root });
    try {
      await withSession(root, module, async (s) => {
        expect(s.importFailure).toBeUndefined();
        const answer = await s.call('ropeFrequencies', [8]);
        expect(answer.ok).toBe(true);
      });
    } finally {
      execFileSync('rm', ['-rf', join(root, 'd'.repeat(200))]);
    }
  });

  it('calls the TypeScript lab functions and returns typed arrays with shapes', async () => {
    await withSession(fixture('ok-typescript'), module, async (s) => {
      expect(s.importFailure).toBeUndefined();
      const freq = await s.call('ropeFrequencies', [8], { kwargs: { base: pyFloat(100) } });
      expect(freq.ok).toBe(true);
      if (!freq.ok) return;
      const f = freq.value as NDArray;
      expect(f.shape).toEqual([4]);
      expect(f.dtype).toBe('float64');
      expect(Array.from(f.data as Float64Array)).toEqual([0, 1, 2, 3].map((i) => 1 / 100 ** ((2 * i) / 8)));
      const tables = await s.call('precomputeRope', [3, 4]);
      expect(tables.ok).toBe(true);
      if (!tables.ok) return;
      const [cos, sin] = tables.value as NDArray[];
      expect(cos!.shape).toEqual([3, 2]);
      expect(sin!.data[2]).toBeCloseTo(Math.sin(1), 12);
      const q = matrix(3, 4, 1);
      const out = await s.call('applyRope', [q, matrix(3, 4, 2), cos!, sin!], { returnInputs: true });
      expect(out.ok).toBe(true);
      if (!out.ok) return;
      expect(out.aliases).toEqual([-1, -1]);
      expect((out.inputsAfter![0] as NDArray).data).toEqual(q.data);
      expect((out.value as NDArray[])[0]!.data[0]).toBeCloseTo(q.data[0]!, 12);
    });
  });

  it('accepts nested arrays, reports exceptions located in the .ts source and missing functions', async () => {
    const root = tempSubmission({
      'rope.ts': [
        'export function nested(n: number): number[][] {',
        '  return Array.from({ length: n }, (_, i) => [i, i + 0.5]);',
        '}',
        'export function pair(): [number[], Float32Array] {',
        '  return [[1, 2, 3], new Float32Array([4, 5])];',
        '}',
        'export function boom(x: number): number {',
        '  const y: number = x * 2;',
        "  throw new RangeError('d_head must be even, got ' + y);",
        '}',
        'export function same(a: { data: Float64Array; shape: number[] }) {',
        '  a.data[0] = 42;',
        '  return a;',
        '}',
      ].join('\n'),
    });
    await withSession(root, 'rope.ts', async (s) => {
      const nested = await s.call('nested', [3]);
      expect(nested.ok && nested.value).toEqual([
        { kind: 'ndarray', dtype: 'float64', shape: [2], data: new Float64Array([0, 0.5]) },
        { kind: 'ndarray', dtype: 'float64', shape: [2], data: new Float64Array([1, 1.5]) },
        { kind: 'ndarray', dtype: 'float64', shape: [2], data: new Float64Array([2, 2.5]) },
      ]);
      const pair = await s.call('pair', []);
      expect(pair.ok).toBe(true);
      if (pair.ok) {
        const [a, b] = pair.value as NDArray[];
        expect(a!.shape).toEqual([3]);
        expect(b!.dtype).toBe('float32');
      }
      const boom = await s.call('boom', [3]);
      expect(boom.ok).toBe(false);
      if (!boom.ok) {
        expect(boom.failure.kind).toBe('exception');
        expect(boom.failure.message).toContain('RangeError: d_head must be even, got 6');
        expect(boom.failure.location).toMatchObject({ file: 'rope.ts', line: 9 });
      }
      const missing = await s.call('nope', []);
      expect(!missing.ok && missing.failure.kind).toBe('missing-function');
      const same = await s.call('same', [matrix(1, 2, 1)], { returnInputs: true });
      expect(same.ok && same.aliases).toEqual([0]);
      expect(same.ok && (same.inputsAfter![0] as NDArray).data[0]).toBe(42);
    });
  });

  it('turns a TypeScript syntax error into one located import failure without starting a process', async () => {
    const session = await openNodeSession({ root: fixture('not-ok-syntax-error'), module });
    expect(session.importFailure).toMatchObject({ kind: 'import-error', location: { file: module, line: 15, column: 44 } });
    expect(session.importFailure!.message).toContain("')' expected");
    const call = await session.call('ropeFrequencies', [4]);
    expect(call.ok).toBe(false);
    await session.close();
    const direct = await transpile('export const x = ;', 'x.ts');
    expect('failure' in direct && direct.failure.location).toMatchObject({ file: 'x.ts', line: 1 });
  });

  it('reports an exception at import as an import failure', async () => {
    const root = tempSubmission({ 'rope.mjs': "throw new Error('no numpy here');\n" });
    const session = await openNodeSession({ root, module: 'rope.mjs' });
    try {
      expect(session.importFailure?.kind).toBe('import-error');
      expect(session.importFailure?.message).toContain('no numpy here');
    } finally {
      await session.close();
    }
  });

  it('stops an infinite loop at the call timeout and restarts for the next call', async () => {
    const root = fixture('hostile-infinite-loop');
    await withSession(
      root,
      module,
      async (s) => {
        const tables = await s.call('precomputeRope', [2, 4]);
        expect(tables.ok).toBe(true);
        if (!tables.ok) return;
        const [cos, sin] = tables.value as NDArray[];
        const hung = await s.call('applyRope', [matrix(2, 4, 1), matrix(2, 4, 2), cos!, sin!], { timeoutMs: 1000 });
        expect(!hung.ok && hung.failure).toMatchObject({ kind: 'timeout', message: 'applyRope did not return within 1 s (the call limit: limits.call in the rubric, or --call-timeout)' });
        const again = await s.call('ropeFrequencies', [4]);
        expect(again.ok).toBe(true);
      },
    );
    expect(processesWith(root)).toEqual([]);
  });

  it('ends a memory hog as a memory failure, not a hang', async () => {
    await withSession(
      fixture('hostile-memory-hog'),
      module,
      async (s) => {
        const out = await s.call('applyRope', [matrix(2, 4, 1), matrix(2, 4, 2), matrix(2, 2, 3), matrix(2, 2, 4)]);
        expect(!out.ok && out.failure.kind).toBe('memory');
      },
      // The hog asks for 4 GiB at once: the limit stops it at its first allocation; the timeout only catches a hang.
      { memoryBytes: 256 << 20, callTimeoutMs: 60_000 },
    );
  });

  it('keeps the submission and the machine untouched by writes and child processes', async () => {
    for (const name of ['hostile-writes-outside', 'hostile-child-process']) {
      const root = fixture(name);
      const before = hashTree(root);
      await withSession(root, module, async (s) => {
        const out = await s.call('applyRope', [matrix(2, 4, 1), matrix(2, 4, 2), matrix(2, 2, 3), matrix(2, 2, 4)]);
        expect(out.ok).toBe(true);
      });
      expect(hashTree(root)).toBe(before);
    }
    expect(existsSync('/tmp/rubricate-hostile-writes-outside-ts.txt')).toBe(false);
    expect(existsSync('/tmp/rubricate-hostile-child-ts.txt')).toBe(false);
    expect(existsSync(resolve('fixtures/rope-lab02-ts/rubricate-hostile-parent.txt'))).toBe(false);
  });
});
