import { execFile } from 'node:child_process';
import { formatSeconds } from '../core/duration.js';
import { ConfigError } from '../core/errors.js';

export interface PythonInfo {
  /** Real interpreter path (`sys.executable`), never a pyenv shim. */
  path: string;
  /** Python version, e.g. 3.11.7. */
  version: string;
  /** NumPy version, e.g. 2.4.6. */
  numpy: string;
  /** Folders the interpreter needs (prefixes, NumPy's site folder), for sandboxes that bind only what is needed. */
  prefixes: string[];
}

const PROBE = [
  'import sys, json, os',
  'dirs = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}',
  'try:',
  '    import numpy',
  '    v = numpy.__version__',
  '    dirs.add(os.path.dirname(os.path.dirname(os.path.realpath(numpy.__file__))))',
  'except Exception:',
  '    v = None',
  'print(json.dumps({"path": sys.executable, "version": "%d.%d.%d" % sys.version_info[:3], "numpy": v,',
  '                  "prefixes": sorted(os.path.realpath(d) for d in dirs if d)}))',
].join('\n');

const cache = new Map<string, Promise<PythonInfo>>();

/**
 * How long the probe (interpreter start and NumPy import, about 0.2 s) may
 * take: a guard against an interpreter that hangs, generous for a machine
 * loaded many times over, where 30 s was not always enough.
 */
const PROBE_TIMEOUT_MS = 120_000;

function probe(command: string): Promise<{ path: string; version: string; numpy: string | null; prefixes?: string[] }> {
  return new Promise((resolve, reject) => {
    // One BLAS thread: NumPy's OpenBLAS otherwise starts a spinning thread per core for this one import.
    const env = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
    execFile(command, ['-I', '-c', PROBE], { env, timeout: PROBE_TIMEOUT_MS, maxBuffer: 1 << 20 }, (error, stdout) => {
      if (error) {
        reject(error);
        return;
      }
      try {
        const lines = stdout.trim().split('\n');
        resolve(JSON.parse(lines[lines.length - 1] ?? ''));
      } catch (parseError) {
        reject(parseError);
      }
    });
  });
}

/**
 * Resolves the real Python interpreter once per process (per requested
 * command) and checks that NumPy imports. Throws ConfigError with a one-line
 * fix when it cannot.
 */
export function resolvePython(explicit?: string): Promise<PythonInfo> {
  const key = cacheKey(explicit);
  let pending = cache.get(key);
  if (!pending) {
    pending = resolveUncached(explicit ?? 'python3', explicit !== undefined);
    remember(key, pending);
  }
  return pending;
}

/**
 * Hands this thread an interpreter resolved elsewhere (a batch's main thread
 * resolves once for all its grading threads): `resolvePython(explicit)` then
 * waits for it instead of starting its own probe. A rejection is forgotten,
 * so the next call probes here and reports the problem itself.
 */
export function provideResolvedPython(explicit: string | undefined, resolved: Promise<PythonInfo>): void {
  remember(cacheKey(explicit), resolved);
}

function cacheKey(explicit: string | undefined): string {
  // The same name can mean another interpreter under another PATH.
  return `${explicit ?? 'python3'}\0${process.env.PATH ?? ''}`;
}

function remember(key: string, pending: Promise<PythonInfo>): void {
  cache.set(key, pending);
  pending.catch(() => {
    if (cache.get(key) === pending) cache.delete(key);
  });
}

async function resolveUncached(command: string, explicit: boolean): Promise<PythonInfo> {
  let found: { path: string; version: string; numpy: string | null; prefixes?: string[] };
  try {
    found = await probe(command);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if ((error as { killed?: boolean }).killed) {
      // Killed by the probe's time limit: it ran, but did not answer.
      const which = explicit ? `--python ${command}` : 'python3 on PATH';
      throw new ConfigError(`${which} did not answer within ${formatSeconds(PROBE_TIMEOUT_MS)} (starting Python and importing NumPy); check the interpreter, or retry on a less loaded machine`);
    }
    if (explicit) {
      throw new ConfigError(
        code === 'ENOENT' || code === 'EACCES'
          ? `--python ${command} cannot be run (${code}); pass the path of a Python 3 interpreter that has NumPy`
          : `--python ${command} did not answer as a Python 3 interpreter; pass the path of a Python 3 interpreter that has NumPy`,
      );
    }
    throw new ConfigError(
      code === 'ENOENT'
        ? 'python3 not found on PATH; install Python 3 with NumPy or pass --python PATH'
        : 'python3 on PATH did not run; install Python 3 with NumPy or pass --python PATH',
    );
  }
  const [major, minor] = found.version.split('.').map(Number);
  if (major !== 3 || (minor ?? 0) < 8) {
    throw new ConfigError(`${found.path} is Python ${found.version}; rubricate needs Python 3.8 or newer (pass --python PATH)`);
  }
  if (!found.numpy) {
    throw new ConfigError(
      `NumPy is not installed for ${found.path}; pip install numpy or pass --python PATH to an interpreter that has it`,
    );
  }
  return { path: found.path, version: found.version, numpy: found.numpy, prefixes: found.prefixes ?? [] };
}
