import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { resolvePython } from '../../src/runner/python.js';
import { harnessDir } from '../../src/runner/sandbox.js';

describe('resolvePython', () => {
  it('returns the real interpreter (not a shim), its version and NumPy version', async () => {
    const info = await resolvePython();
    expect(info.path.startsWith('/')).toBe(true);
    expect(existsSync(realpathSync(info.path))).toBe(true);
    expect(info.path).not.toMatch(/\/shims\//);
    expect(info.version).toMatch(/^3\.\d+\.\d+$/);
    expect(info.numpy).toMatch(/^\d+\.\d+/);
    // Resolved once per process.
    expect(resolvePython()).toBe(resolvePython());
  });

  it('says how to fix a missing python3', async () => {
    const saved = process.env.PATH;
    process.env.PATH = '/nonexistent-rubricate';
    try {
      await expect(resolvePython()).rejects.toThrow(
        new ConfigError('python3 not found on PATH; install Python 3 with NumPy or pass --python PATH'),
      );
    } finally {
      process.env.PATH = saved;
    }
  });

  it('says how to fix an explicit interpreter that does not exist', async () => {
    await expect(resolvePython('/nonexistent/python3')).rejects.toBeInstanceOf(ConfigError);
    await expect(resolvePython('/nonexistent/python3')).rejects.toThrow(/--python \/nonexistent\/python3 cannot be run/);
  });

  it('says how to fix an interpreter without NumPy', async () => {
    // A virtual environment of this Python sees the standard library only: no NumPy.
    const dir = mkdtempSync(join(tmpdir(), 'rubricate-venv-'));
    try {
      execFileSync((await resolvePython()).path, ['-m', 'venv', '--without-pip', join(dir, 'venv')]);
      const bare = join(dir, 'venv', 'bin', 'python3');
      const failure = await resolvePython(bare).then(
        () => undefined,
        (error: Error) => error,
      );
      expect(failure).toBeInstanceOf(ConfigError);
      expect(failure?.message).toBe(`NumPy is not installed for ${bare}; pip install numpy or pass --python PATH to an interpreter that has it`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('harnessDir', () => {
  it('finds the harness next to the module in the src layout', () => {
    const dir = harnessDir(pathToFileURL(resolve('src/runner/sandbox.ts')).href);
    expect(dir).toBe(resolve('src/runner/harness'));
  });

  it('finds the shipped src/runner/harness from the dist layout', () => {
    const dir = harnessDir(pathToFileURL(resolve('dist/runner/sandbox.js')).href);
    expect(dir).toBe(resolve('src/runner/harness'));
    expect(existsSync(join(dir, 'python_harness.py'))).toBe(true);
  });

  it('fails with a one-line message when the harness is missing', () => {
    expect(() => harnessDir(pathToFileURL('/nonexistent/a/b/sandbox.js').href)).toThrow(/python_harness\.py not found/);
  });
});
