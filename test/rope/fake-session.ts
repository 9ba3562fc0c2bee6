/**
 * A fake LearnerSession that runs a TypeScript model of a learner's rope.py,
 * correct or with one of the catalogued bugs (RESEARCH.md section 3). It lets
 * the judgement and the diagnosis be unit-tested without Python.
 */
import type { CallOutcome, LearnerSession, NDArray, Value } from '../../src/runner/types.js';

export type FakeBug =
  | 'split-half'
  | 'clockwise'
  | 'exponent-i-over-d'
  | 'exponent-4i'
  | 'base-ignored'
  | 'degrees'
  | 'positions-offset'
  | 'positions-scaled'
  | 'cos-sin-swapped'
  | 'k-not-rotated'
  | 'k-from-q'
  | 'hardcoded-d16'
  | 'half-pairs-unrotated'
  | 'in-place'
  | 'cached-table-mutated'
  | 'no-batch'
  | 'returns-one-array'
  | 'identity'
  | 'positions-linspace'
  | 'k-clockwise'
  | 'apply-hangs'
  | 'frequencies-shuffled';

export interface FakeOptions {
  bug?: FakeBug;
  /** Compute in float32 and return float32 arrays. */
  float32?: boolean;
  importError?: boolean;
}

export class FakeRopeSession implements LearnerSession {
  readonly isolation = { level: 'none' as const, description: 'fake session (tests)' };
  readonly importFailure?: { kind: 'import-error'; message: string; traceback?: string };
  readonly calls: Array<{ fn: string; args: Value[] }> = [];
  closed = false;
  private readonly cache = new Map<string, Float64Array>();

  constructor(private readonly options: FakeOptions = {}) {
    if (options.importError) {
      this.importFailure = {
        kind: 'import-error',
        message: "SyntaxError: invalid syntax (rope.py, line 3)",
        traceback: 'File "src/minimodel/positional/rope.py", line 3\n    def rope_frequencies(d_head base=10000.0):\nSyntaxError: invalid syntax',
      };
    }
  }

  private f(x: number): number {
    return this.options.float32 ? Math.fround(x) : x;
  }

  private array(shape: number[], data: Float64Array): NDArray {
    if (this.options.float32) return { kind: 'ndarray', dtype: 'float32', shape, data: Float32Array.from(data) };
    return { kind: 'ndarray', dtype: 'float64', shape, data };
  }

  frequencies(d: number, base = 10000): Float64Array {
    const bug = this.options.bug;
    if (bug === 'base-ignored') base = 10000;
    if (bug === 'hardcoded-d16') d = 16;
    const out = new Float64Array(d / 2);
    for (let i = 0; i < d / 2; i++) {
      const exponent = bug === 'exponent-i-over-d' ? i / d : bug === 'exponent-4i' ? (4 * i) / d : (2 * i) / d;
      out[i] = this.f(1 / Math.pow(base, this.f(exponent)));
    }
    // A bug no catalogued variant models: the right frequencies in the wrong pairs.
    if (bug === 'frequencies-shuffled' && out.length > 2) [out[1], out[2]] = [out[2]!, out[1]!];
    return out;
  }

  precompute(T: number, d: number): [Float64Array, Float64Array, number] {
    const bug = this.options.bug;
    const theta = this.frequencies(d);
    const half = theta.length;
    const key = `${T}:${d}`;
    let angles = this.cache.get(key);
    if (!angles || bug !== 'cached-table-mutated') {
      angles = new Float64Array(T * half);
      for (let t = 0; t < T; t++) {
        const pos = bug === 'positions-offset' ? t + 1 : bug === 'positions-scaled' ? t / T : bug === 'positions-linspace' ? (t * T) / (T - 1) : t;
        for (let i = 0; i < half; i++) angles[t * half + i] = this.f(this.f(pos) * theta[i]!);
      }
      if (bug === 'cached-table-mutated') this.cache.set(key, angles);
    }
    const scale = bug === 'degrees' ? Math.PI / 180 : 1;
    const sin = Float64Array.from(angles, (a) => this.f(Math.sin(a * scale)));
    const cos = Float64Array.from(angles, (a) => this.f(Math.cos(a * scale)));
    // The cached-table bug: np.cos(angles, out=angles) overwrites the cached angles.
    if (bug === 'cached-table-mutated') angles.set(cos);
    return bug === 'cos-sin-swapped' ? [sin, cos, half] : [cos, sin, half];
  }

  rotate(x: NDArray, cos: NDArray, sin: NDArray, clockwise = false): Float64Array {
    const bug = this.options.bug;
    const d = x.shape[x.shape.length - 1]!;
    const T = x.shape[x.shape.length - 2]!;
    const half = d / 2;
    if (cos.shape[0] !== T || cos.shape[1] !== half) {
      throw new Error(`ValueError: operands could not be broadcast together with shapes (${T},${half}) (${cos.shape.join(',')})`);
    }
    const xd = x.data as Float64Array;
    const out = new Float64Array(xd.length);
    const sign = clockwise ? -1 : 1;
    const rotated = bug === 'half-pairs-unrotated' ? Math.floor(d / 4) : half;
    for (let r = 0; r < xd.length / d; r++) {
      const t = r % T;
      for (let i = 0; i < half; i++) {
        const [a, b] = bug === 'split-half' ? [i, i + half] : [2 * i, 2 * i + 1];
        const c = i < rotated ? (cos.data[t * half + i] as number) : 1;
        const s = i < rotated ? sign * (sin.data[t * half + i] as number) : 0;
        const x0 = xd[r * d + a]!;
        const x1 = xd[r * d + b]!;
        out[r * d + a] = this.f(x0 * c - x1 * s);
        out[r * d + b] = this.f(x0 * s + x1 * c);
      }
    }
    return out;
  }

  async call(fn: string, args: Value[], options: { kwargs?: Record<string, Value>; returnInputs?: boolean } = {}): Promise<CallOutcome> {
    this.calls.push({ fn, args });
    if (this.importFailure) return { ok: false, failure: this.importFailure, durationMs: 0 };
    if (fn === 'apply_rope' && this.options.bug === 'apply-hangs') {
      return { ok: false, failure: { kind: 'timeout', message: 'apply_rope did not return within 10 s' }, durationMs: 10_000 };
    }
    try {
      return { ok: true, durationMs: 1, ...this.dispatch(fn, args, options) };
    } catch (error) {
      return {
        ok: false,
        failure: {
          kind: 'exception',
          message: (error as Error).message,
          traceback: `Traceback (most recent call last):\n  File "src/minimodel/positional/rope.py", line 20, in ${fn}\n${(error as Error).message}`,
          location: { file: 'src/minimodel/positional/rope.py', line: 20 },
        },
        durationMs: 1,
      };
    }
  }

  private dispatch(fn: string, args: Value[], options: { kwargs?: Record<string, Value>; returnInputs?: boolean }) {
    const bug = this.options.bug;
    if (fn === 'rope_frequencies') {
      const d = args[0] as number;
      const base = (options.kwargs?.base as number | undefined) ?? (args[1] as number | undefined) ?? 10000;
      const theta = this.frequencies(d, base);
      return { value: this.array([theta.length], theta) as Value };
    }
    if (fn === 'precompute_rope') {
      const [T, d] = args as [number, number];
      const [cos, sin, half] = this.precompute(T, d);
      return { value: [this.array([T, half], cos), this.array([T, half], sin)] as Value };
    }
    if (fn === 'apply_rope') {
      const [q, k, cos, sin] = args as [NDArray, NDArray, NDArray, NDArray];
      if (bug === 'no-batch' && q.shape.length !== 2) throw new Error('IndexError: too many indices for array');
      const qRot = this.rotate(q, cos, sin, bug === 'clockwise');
      let kRot = this.rotate(k, cos, sin, bug === 'clockwise' || bug === 'k-clockwise');
      if (bug === 'k-not-rotated') kRot = Float64Array.from(k.data as Float64Array);
      if (bug === 'k-from-q') kRot = qRot.slice();
      if (bug === 'identity') return { value: [this.array(q.shape, Float64Array.from(q.data as Float64Array)), this.array(k.shape, Float64Array.from(k.data as Float64Array))] as Value };
      if (bug === 'returns-one-array') return { value: [this.array(q.shape, qRot)] as Value };
      const qOut = this.array(q.shape, qRot);
      const kOut = this.array(k.shape, kRot);
      const result: { value: Value; aliases?: number[]; inputsAfter?: Value[] } = { value: [qOut, kOut] };
      result.aliases = bug === 'in-place' ? [0, 1] : [-1, -1];
      if (options.returnInputs) {
        result.inputsAfter = bug === 'in-place' ? [qOut, kOut, cos, sin] : [q, k, cos, sin];
      }
      return result;
    }
    throw new Error(`AttributeError: module 'rope' has no attribute '${fn}'`);
  }

  output() {
    return { stdout: '', stderr: '', truncated: false };
  }

  async close() {
    this.closed = true;
  }
}
