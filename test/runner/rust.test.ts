/**
 * The Rust runner: crates built offline against the generated harness
 * (cached by content hash), the lab-02 Rust fixtures graded like their Python
 * twins, compile errors as one located failure, panics and hostile crates.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { grade } from '../../src/core/engine.js';
import { resolveRubric } from '../../src/rubric/load.js';
import { buildRustHarness, compileFailure, fileReadingCode, findRustToolchain, openRustSession, pruneRustCache, rustBuildKey, rustCacheRoot, withAdapter } from '../../src/runner/rust/index.js';
import { readSubmissionImage } from '../../src/runner/sandbox.js';
import type { LearnerSession, NDArray } from '../../src/runner/types.js';
import { needs } from '../helpers/machine.js';
import { hashTree, processesWith } from './helpers.js';

const fixture = (name: string) => resolve('fixtures/rope-lab02-rust', name);

function matrix(rows: number, cols: number, seed: number): NDArray {
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(seed * 7.1 + i * 1.3);
  return { kind: 'ndarray', dtype: 'float64', shape: [rows, cols], data };
}
const applyArgs = () => [matrix(2, 4, 1), matrix(2, 4, 2), matrix(2, 2, 3), matrix(2, 2, 4)];

function normalise(text: string): string {
  return text;
}

async function withSession<T>(name: string, body: (s: LearnerSession) => Promise<T>, limits = {}): Promise<T> {
  // Calls that answer get a generous limit on a loaded machine; a call that never ends gets its own short one.
  const session = await openRustSession({ root: fixture(name), module: 'src/lib.rs', limits: { callTimeoutMs: 60_000, ...limits } });
  try {
    return await body(session);
  } finally {
    await session.close();
  }
}

/** A build or a session runs cargo. */
const cargo = { ...needs('cargo'), timeout: 600_000 };

describe('rust runner', () => {
  for (const [rs, py] of [
    ['ok-rust', 'ok-interleaved'],
    ['bug-split-half', 'bug-split-half'],
    ['bug-clockwise', 'bug-clockwise'],
    ['bug-exponent-4i', 'bug-exponent-4i'],
  ] as const) {
    it(`${rs} grades like rope-lab02/${py} on every code check`, cargo, async () => {
      const rsReport = await grade({ rubric: await resolveRubric('rope-lab02-rust'), target: fixture(rs) });
      const pyReport = await grade({ rubric: await resolveRubric('rope-lab02'), target: resolve('fixtures/rope-lab02', py) });
      const view = (checks: typeof rsReport.checks) => checks.map((c) => ({ id: c.id, status: c.status, diagnosis: normalise(c.diagnosis ?? '') }));
      expect(rsReport.checks.length).toBe(10);
      expect(view(rsReport.checks)).toEqual(view(pyReport.checks.filter((c) => rsReport.checks.some((r) => r.id === c.id))));
    });
  }

  it('caches builds by content and reports the first compile error with its location', cargo, async () => {
    const again = await buildRustHarness(fixture('ok-rust'));
    expect('binary' in again && again.cached).toBe(true);
    const broken = await buildRustHarness(fixture('not-ok-compile-error'));
    expect('failure' in broken).toBe(true);
    if ('failure' in broken) {
      expect(broken.failure.kind).toBe('import-error');
      expect(broken.failure.message).toContain('error[E0425]: cannot find value `undefined_table_len`');
      expect(broken.failure.location).toEqual({ file: 'src/lib.rs', line: 27, column: 28 });
    }
    const parsed = compileFailure('   Compiling x v0.1.0\nerror: expected one of `;`\n --> /tmp/c/build/learner/src/lib.rs:3:9\n  |\n');
    expect(parsed.location).toEqual({ file: 'src/lib.rs', line: 3, column: 9 });
  });

  it('keeps only the binary of a build in the cache', cargo, async () => {
    const built = await buildRustHarness(fixture('ok-rust'));
    expect('binary' in built).toBe(true);
    if ('binary' in built) {
      const entry = join(built.binary, '..', '..');
      expect(readdirSync(entry).sort()).toEqual(['bin']);
      expect(entry.startsWith(rustCacheRoot())).toBe(true);
    }
  });

  it('prunes the least recently used cache entries', async () => {
    const root = mkdtempSync(join(tmpdir(), 'rubricate-rust-cache-'));
    try {
      for (const [name, ageSeconds] of [['a', 50], ['b', 10], ['c', 40], ['d', 20], ['e', 30]] as const) {
        mkdirSync(join(root, name, 'bin'), { recursive: true });
        const when = new Date(Date.now() - ageSeconds * 1000);
        utimesSync(join(root, name), when, when);
      }
      expect(await pruneRustCache(2, root)).toBe(3);
      expect(readdirSync(root).sort()).toEqual(['b', 'd']);
      expect(await pruneRustCache(2, root)).toBe(0);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('caps the binary (a cached one too, without rebuilding) and the cache\'s total size', cargo, async () => {
    const capped = await buildRustHarness(fixture('ok-rust'), undefined, { maxBinaryBytes: 100 * 1024 });
    expect('failure' in capped && capped.failure).toEqual({ kind: 'limit', message: expect.stringMatching(/^the built binary is 0\.\d MiB, over the 0\.1 MiB cap/) });
    const root = mkdtempSync(join(tmpdir(), 'rubricate-rust-cache-'));
    try {
      for (const [name, ageSeconds, bytes] of [['a', 50, 400], ['b', 10, 300], ['c', 40, 300], ['d', 20, 300]] as const) {
        mkdirSync(join(root, name, 'bin'), { recursive: true });
        writeFileSync(join(root, name, 'bin', 'harness'), Buffer.alloc(bytes));
        const when = new Date(Date.now() - ageSeconds * 1000);
        utimesSync(join(root, name), when, when);
      }
      // Newest first: b (300), d (600), c (900), a (1300 > 1000): only a goes.
      expect(await pruneRustCache(10, root, 1000)).toBe(1);
      expect(readdirSync(root).sort()).toEqual(['b', 'c', 'd']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('keys a build by every file the sandbox gets, the isolation level and the toolchain', needs('cargo'), async () => {
    const toolchain = (await findRustToolchain())!;
    const root = mkdtempSync(join(tmpdir(), 'rubricate-rust-key-'));
    try {
      cpSync(fixture('ok-rust'), root, { recursive: true });
      const key = (level: 'bwrap' | 'rlimits' = 'bwrap') => rustBuildKey('main', { frequencies: 'f', precompute: 'p', apply: 'a' }, toolchain, level, readSubmissionImage(root));
      const first = key();
      expect(key()).toBe(first);
      expect(key('rlimits')).not.toBe(first);
      // Any file of the copy counts, not only Rust sources (a data file)...
      mkdirSync(join(root, 'notes'));
      writeFileSync(join(root, 'notes', 'x.txt'), 'x');
      const withData = key();
      expect(withData).not.toBe(first);
      // ...and what the copy leaves out (a .git folder, notebook checkpoints) does not.
      mkdirSync(join(root, '.git'));
      writeFileSync(join(root, '.git', 'HEAD'), 'ref');
      mkdirSync(join(root, '.ipynb_checkpoints'));
      writeFileSync(join(root, '.ipynb_checkpoints', 'x.txt'), 'x');
      expect(key()).toBe(withData);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('refuses a build script instead of running it', async () => {
    const built = await buildRustHarness(fixture('hostile-build-script'));
    expect('failure' in built && built.failure).toMatchObject({ kind: 'import-error', location: { file: 'build.rs' } });
    expect(existsSync('/tmp/rubricate-hostile-build-script.txt')).toBe(false);
  });

  it('refuses, early and located, a crate that asks the compiler to read a file', async () => {
    const included = await buildRustHarness(fixture('hostile-include-file'));
    expect('failure' in included && included.failure).toEqual({
      kind: 'import-error',
      message: 'include_str! is not allowed in src/lib.rs: a lab crate does not read files at compile time; put the data in the code',
      location: { file: 'src/lib.rs', line: 4, column: 10 },
    });
    const pathed = await buildRustHarness(fixture('hostile-path-outside'));
    expect('failure' in pathed && pathed.failure).toEqual({
      kind: 'import-error',
      message: 'Cargo.toml: [lib] path "/etc/passwd" is not allowed: it must name a .rs file of the crate (under src/, no "..")',
      location: { file: 'Cargo.toml', line: 9 },
    });
  });

  it('finds file-reading code outside comments and strings only', () => {
    expect(fileReadingCode('// include_str!("x")\n/* /* include!("y") */ */\nlet s = "include_bytes!(\\"z\\")";\nlet r = r#"#[path = "a"]"#;\nlet c = \'"\';\nfn f<\'a>(x: &\'a str) {}\n')).toBeUndefined();
    expect(fileReadingCode('fn f() {}\nconst A: &[u8] = include_bytes!("/etc/shadow");')).toEqual({ line: 2, column: 18, what: 'include_bytes!' });
    expect(fileReadingCode('macro_rules! m { ($x:ident) => { $x!("/etc/passwd") } }\nm!(include);')).toEqual({ line: 2, column: 4, what: 'include!' });
    expect(fileReadingCode('#[path = "/etc/passwd"]\nmod stolen;')).toEqual({ line: 1, column: 3, what: '#[path]' });
    expect(fileReadingCode('let included = 1; let include_count = 2;')).toBeUndefined();
  });

  it('turns a panic into a located exception and keeps serving', cargo, async () => {
    await withSession('hostile-panics', async (s) => {
      const out = await s.call('apply_rope', applyArgs());
      expect(out.ok).toBe(false);
      if (!out.ok) {
        expect(out.failure.kind).toBe('exception');
        expect(out.failure.message).toContain('index out of range on purpose');
        expect(out.failure.location).toMatchObject({ file: 'src/lib.rs' });
      }
      const freq = await s.call('rope_frequencies', [8]);
      expect(freq.ok && (freq.value as NDArray).shape).toEqual([4]);
      const missing = await s.call('nope', []);
      expect(!missing.ok && missing.failure.kind).toBe('missing-function');
    });
  });

  it('stops an infinite loop and a memory hog, and keeps writes inside scratch', cargo, async () => {
    await withSession('hostile-infinite-loop', async (s) => {
      const out = await s.call('apply_rope', applyArgs(), { timeoutMs: 1000 });
      expect(!out.ok && out.failure).toMatchObject({ kind: 'timeout', message: 'apply_rope did not return within 1 s (the call limit: limits.call in the rubric, or --call-timeout)' });
    });
    expect(processesWith(fixture('hostile-infinite-loop'))).toEqual([]);
    await withSession('hostile-memory-hog', async (s) => {
      const out = await s.call('apply_rope', applyArgs());
      expect(!out.ok && out.failure.kind).toBe('memory');
      // The hog asks for 4 GiB at once: the limit stops it at its first allocation; the timeout only catches a hang.
    }, { memoryBytes: 256 << 20, callTimeoutMs: 60_000 });
    const before = hashTree(fixture('hostile-writes-outside'));
    await withSession('hostile-writes-outside', async (s) => {
      const out = await s.call('apply_rope', applyArgs());
      expect(out.ok).toBe(true);
    });
    expect(hashTree(fixture('hostile-writes-outside'))).toBe(before);
    expect(existsSync('/tmp/rubricate-hostile-writes-outside-rs.txt')).toBe(false);
  });
});

describe('Rust struct adapter (rubric rust.adapter)', () => {
  it('fills the three adapter functions from the struct names, and refuses anything that is not a Rust path or identifier', () => {
    const template = readFileSync(new URL('../../src/runner/harness/rust/main.rs', import.meta.url), 'utf8');
    const adapter = { type: 'rope::RotaryEmbedding', constructor: 'new', cos: 'cos_cached', sin: 'sin_cached', method: 'apply' };
    const main = withAdapter(template, adapter);
    expect(main).toContain('learner::rope::RotaryEmbedding::new(d_head, t, 10000.0)');
    expect(main).toContain('e.cos_cached = cos.to_vec();');
    expect(main).toContain('e.apply(rows, rows.len() / d_head)');
    expect(main).not.toContain('__APPLY__(');
    expect(main).toContain('const NAMES');
    expect(() => withAdapter(template, { ...adapter, method: 'apply(); std::process::exit(0)' })).toThrow(/Rust paths and identifiers/);
    expect(() => withAdapter(template, { ...adapter, type: 'a::b c' })).toThrow(/Rust paths and identifiers/);
  });
});
