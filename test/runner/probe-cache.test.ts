import { chmodSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PythonInfo } from '../../src/runner/python.js';

/**
 * The on-disk memory of the interpreter probe (src/runner/probe-cache.ts,
 * src/runner/python.ts). Each resolve runs in a fresh module instance (the
 * in-process memo would answer otherwise). A stored answer is told apart
 * from a fresh probe by planting a version no interpreter has.
 */

let dir: string;
let real: string;
const saved = { XDG_CACHE_HOME: process.env.XDG_CACHE_HOME, RUBRICATE_NO_CACHE: process.env.RUBRICATE_NO_CACHE, PATH: process.env.PATH, PYENV_VERSION: process.env.PYENV_VERSION };

async function freshResolve(command: string): Promise<PythonInfo> {
  vi.resetModules();
  const { resolvePython } = await import('../../src/runner/python.js');
  return resolvePython(command);
}

const cacheFile = () => join(dir, 'cache', 'rubricate', 'python.json');

/** Rewrites every stored answer's version: a resolve that returns it used the cache. */
function plant(version: string): number {
  const stored = JSON.parse(readFileSync(cacheFile(), 'utf8')) as { entries: Array<{ value: { info: PythonInfo } }> };
  for (const entry of stored.entries) entry.value.info.version = version;
  writeFileSync(cacheFile(), JSON.stringify(stored));
  return stored.entries.length;
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rubricate-probe-cache-'));
  delete process.env.PYENV_VERSION;
  vi.resetModules();
  const { resolvePython } = await import('../../src/runner/python.js');
  real = realpathSync((await resolvePython()).path);
  process.env.XDG_CACHE_HOME = join(dir, 'cache');
  delete process.env.RUBRICATE_NO_CACHE;
});

afterEach(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('the interpreter probe cache', () => {
  it('keeps a probe answer and uses it while the interpreter is the same; a changed interpreter is probed again', async () => {
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    const python = join(bin, 'python3');
    symlinkSync(real, python);
    const first = await freshResolve(python);
    expect(first.numpy).toMatch(/^\d+\.\d+/);
    expect(plant('3.99.0')).toBe(1);
    expect((await freshResolve(python)).version).toBe('3.99.0');

    // Another file at the same path (a reinstall): the stored answer is not used.
    unlinkSync(python);
    symlinkSync(real, python);
    const again = await freshResolve(python);
    expect(again.version).toBe(first.version);
    expect(again.path).toBe(python);
  });

  it('is looked up by the command and PATH: python3 found on another PATH is probed', async () => {
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    symlinkSync(real, join(bin, 'python3'));
    process.env.PATH = `${bin}:${saved.PATH}`;
    await freshResolve('python3');
    plant('3.99.0');
    expect((await freshResolve('python3')).version).toBe('3.99.0');
    const other = join(dir, 'other');
    mkdirSync(other);
    symlinkSync(real, join(other, 'python3'));
    process.env.PATH = `${other}:${saved.PATH}`;
    const probed = await freshResolve('python3');
    expect(probed.version).not.toBe('3.99.0');
    expect(probed.path).toBe(join(other, 'python3'));
  });

  it('follows a pyenv shim: a new global version is probed again', async () => {
    // A pyenv root with the shim pyenv writes and a pyenv that reads the global version file.
    const root = join(dir, 'pyenv');
    for (const sub of ['shims', 'libexec', 'versions/a/bin', 'versions/b/bin']) mkdirSync(join(root, sub), { recursive: true });
    symlinkSync(real, join(root, 'versions/a/bin/python3'));
    symlinkSync(real, join(root, 'versions/b/bin/python3'));
    const shim = join(root, 'shims', 'python3');
    writeFileSync(
      shim,
      `#!/usr/bin/env bash\nset -e\n[ -n "$PYENV_DEBUG" ] && set -x\n\nprogram="\${0##*/}"\n\nexport PYENV_ROOT="${root}"\nexec "${root}/libexec/pyenv" exec "$program" "$@"\n`,
    );
    writeFileSync(join(root, 'libexec', 'pyenv'), '#!/usr/bin/env bash\nshift\nprogram="$1"; shift\nexec "$PYENV_ROOT/versions/$(cat "$PYENV_ROOT/version")/bin/$program" "$@"\n');
    chmodSync(shim, 0o755);
    chmodSync(join(root, 'libexec', 'pyenv'), 0o755);
    writeFileSync(join(root, 'version'), 'a\n');

    expect((await freshResolve(shim)).path).toBe(join(root, 'versions/a/bin/python3'));
    plant('3.99.0');
    expect((await freshResolve(shim)).version).toBe('3.99.0');

    writeFileSync(join(root, 'version'), 'b\n');
    const switched = await freshResolve(shim);
    expect(switched.path).toBe(join(root, 'versions/b/bin/python3'));
    expect(switched.version).not.toBe('3.99.0');

    // PYENV_VERSION decides over the file, and is part of what the answer is kept under.
    process.env.PYENV_VERSION = 'a';
    const byVariable = await freshResolve(shim);
    expect(byVariable.version).not.toBe('3.99.0');
  });

  it('does not keep answers for scripts it cannot see through', async () => {
    const wrapper = join(dir, 'python3');
    writeFileSync(wrapper, `#!/bin/sh\nexec "${real}" "$@"\n`);
    chmodSync(wrapper, 0o755);
    await freshResolve(wrapper);
    expect(() => readFileSync(cacheFile())).toThrow();
  });

  it('is not read when others can write it, and is optional', async () => {
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    const python = join(bin, 'python3');
    symlinkSync(real, python);
    await freshResolve(python);
    plant('3.99.0');
    chmodSync(join(dir, 'cache', 'rubricate'), 0o777);
    expect((await freshResolve(python)).version).not.toBe('3.99.0');
    chmodSync(join(dir, 'cache', 'rubricate'), 0o700);
    expect((await freshResolve(python)).version).toBe('3.99.0');

    process.env.RUBRICATE_NO_CACHE = '1';
    expect((await freshResolve(python)).version).not.toBe('3.99.0');
    delete process.env.RUBRICATE_NO_CACHE;

    // No usable cache folder (its parent is a file): resolving works as without a cache.
    writeFileSync(join(dir, 'file'), '');
    process.env.XDG_CACHE_HOME = join(dir, 'file', 'cache');
    expect((await freshResolve(python)).numpy).toMatch(/^\d+\.\d+/);
  });
});

describe('the sandbox probe cache', () => {
  /** A stand-in bubblewrap on PATH: logs each run, exits with the status in `status` (0: "works"). */
  function fakeBwrap(status: number): { log: string; runs: () => number; set: (code: number) => void } {
    const bin = join(dir, 'fake-bin');
    mkdirSync(bin, { recursive: true });
    const log = join(dir, 'bwrap.log');
    const file = join(bin, 'bwrap');
    const set = (code: number) => {
      writeFileSync(file, `#!/bin/sh\necho run >> "${log}"\nexit ${code}\n`);
      chmodSync(file, 0o755);
    };
    set(status);
    process.env.PATH = `${bin}:${saved.PATH}`;
    const runs = () => {
      try {
        return readFileSync(log, 'utf8').split('\n').filter(Boolean).length;
      } catch {
        return 0;
      }
    };
    return { log, runs, set };
  }

  async function freshSandbox() {
    vi.resetModules();
    return import('../../src/runner/sandbox.js');
  }

  it('keeps a passing probe and uses it while the tool is the same; a changed tool is probed again', async () => {
    const bwrap = fakeBwrap(0);
    expect(await (await freshSandbox()).bwrapWorks()).toBe(true);
    expect(bwrap.runs()).toBe(1);
    expect(await (await freshSandbox()).bwrapWorks()).toBe(true);
    expect(bwrap.runs()).toBe(1);
    // Rewritten (an upgrade): probed again; now failing, so not kept.
    bwrap.set(1);
    expect(await (await freshSandbox()).bwrapWorks()).toBe(false);
    expect(bwrap.runs()).toBe(2);
    expect(await (await freshSandbox()).bwrapWorks()).toBe(false);
    expect(bwrap.runs()).toBe(3);
  });

  it('never keeps a failing probe, so auto never picks a weaker level from the cache', async () => {
    const bwrap = fakeBwrap(1);
    for (let i = 1; i <= 2; i++) {
      expect(await (await freshSandbox()).bwrapWorks()).toBe(false);
      expect(bwrap.runs()).toBe(i);
    }
    expect(() => readFileSync(join(dir, 'cache', 'rubricate', 'sandbox.json'))).toThrow();
  });

  it('forgets a cached pass when the sandbox then fails to start', async () => {
    const bwrap = fakeBwrap(0);
    expect(await (await freshSandbox()).bwrapWorks()).toBe(true);
    const sandbox = await freshSandbox();
    expect(await sandbox.bwrapWorks()).toBe(true);
    expect(bwrap.runs()).toBe(1);
    sandbox.forgetSandboxProbes();
    expect(await (await freshSandbox()).bwrapWorks()).toBe(true);
    expect(bwrap.runs()).toBe(2);
  });
});
