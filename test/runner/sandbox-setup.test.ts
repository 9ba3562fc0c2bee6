/**
 * src/runner/harness/sandbox_setup.py on its own (issue 20): mountinfo paths
 * decoded from their octal escapes on bytes, the trampoline for Node and Rust
 * (ns_exec.py) running on a Python that cannot import NumPy, and a real
 * writable mount whose path has a space and an é made read-only (the old
 * `unicode_escape` decoding mangled such a path, its remount failed silently
 * and the mount stayed writable).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolvePython } from '../../src/runner/python.js';
import { harnessDir } from '../../src/runner/sandbox.js';
import { needs } from '../helpers/machine.js';

const setupScript = join(harnessDir(), 'sandbox_setup.py');
const python = (await resolvePython()).path;

function runPython(code: string): string {
  return execFileSync(python, ['-I', '-S', '-c', code], { encoding: 'utf8' });
}

const load = `import importlib.util\nspec = importlib.util.spec_from_file_location('s', ${JSON.stringify(setupScript)})\ns = importlib.util.module_from_spec(spec)\nspec.loader.exec_module(s)\n`;

describe('sandbox_setup.py', () => {
  it('decodes mountinfo paths: octal escapes on bytes, UTF-8 kept', () => {
    const out = runPython(`${load}import json\nprint(json.dumps([s.decode_mountinfo_path(b) for b in (b'/tmp/a\\\\040b/\\xc3\\xa9', b'/x\\\\011y\\\\012z\\\\134w', b'/plain')]))`);
    expect(JSON.parse(out)).toEqual(['/tmp/a b/é', '/x\ty\nz\\w', '/plain']);
    // What the old decoding made of the same field: the remount then missed the mount.
    const old = runPython(`print('/tmp/a\\\\040b/\\u00e9'.encode().decode('unicode_escape'))`).trim();
    expect(old).not.toBe('/tmp/a b/é');
  });

  it('loads with the standard library only (no NumPy on the path)', () => {
    expect(() => execFileSync(python, ['-I', '-S', '-c', 'import numpy'], { stdio: 'ignore' })).toThrow();
    expect(runPython(`${load}print(s.IsolationError.__name__, 'numpy' in __import__('sys').modules)`).trim()).toBe('IsolationError False');
  });
});

describe('the namespaces trampoline (ns_exec.py)', needs('namespaces'), () => {
  const work = mkdtempSync(join(tmpdir(), 'rubricate-setup-é '));
  const mountPoint = join(work, 'host mount é');
  const scratch = join(work, 'scratch');
  let mounted = false;
  afterAll(() => {
    if (mounted) spawnSync('umount', [mountPoint]);
    rmSync(work, { recursive: true, force: true });
  });

  it('sets up the sandbox on a Python that cannot import NumPy, and a writable host mount named with é and a space becomes read-only', () => {
    mkdirSync(join(scratch, 'work'), { recursive: true });
    mkdirSync(mountPoint);
    // A real writable mount of the host, visible inside the sandbox (a folder the harness needs lies above it).
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'rubricate-test', mountPoint]);
    mounted = true;
    const config = { root: join(scratch, 'work'), cwd: join(scratch, 'work'), scratch, visible: [work, harnessDir()] };
    const script = `ls /dev | tr '\\n' ' '; echo; if touch "$0/x" 2>/dev/null; then echo host-mount-writable; else echo host-mount-read-only; fi; touch here && echo scratch-writable; pwd`;
    const result = spawnSync(
      'unshare',
      ['--net', '--pid', '--fork', '--kill-child', '--mount', '--ipc', '--uts', '--cgroup', '--', python, '-I', '-S', '-B', join(harnessDir(), 'ns_exec.py'), JSON.stringify(config), '--', '/bin/sh', '-c', script, mountPoint],
      { cwd: join(scratch, 'work'), stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'], encoding: 'utf8', timeout: 60_000 },
    );
    const fatal = (result.output[4] as unknown as string) ?? '';
    expect(fatal).toBe('');
    expect(result.status, result.stderr).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]!.trim().split(' ').sort()).toEqual(['fd', 'full', 'null', 'ptmx', 'pts', 'random', 'shm', 'stderr', 'stdin', 'stdout', 'tty', 'urandom', 'zero']);
    expect(lines.slice(1)).toEqual(['host-mount-read-only', 'scratch-writable', join(scratch, 'work')]);
  });
});
