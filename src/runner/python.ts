import { execFile } from 'node:child_process';
import { accessSync, closeSync, constants, openSync, readFileSync, readSync, readdirSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { formatSeconds } from '../core/duration.js';
import { ConfigError } from '../core/errors.js';
import { factsKey, identity, readCached, writeCached } from './probe-cache.js';

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
  '    f = os.path.realpath(numpy.__file__)',
  '    dirs.add(os.path.dirname(os.path.dirname(f)))',
  'except Exception:',
  '    v = f = None',
  'print(json.dumps({"path": sys.executable, "version": "%d.%d.%d" % sys.version_info[:3], "numpy": v,',
  '                  "numpyFile": f, "prefixes": sorted(os.path.realpath(d) for d in dirs if d)}))',
].join('\n');

const cache = new Map<string, Promise<PythonInfo>>();

/**
 * How long the probe (interpreter start and NumPy import, about 0.2 s) may
 * take: a guard against an interpreter that hangs, generous for a machine
 * loaded many times over, where 30 s was not always enough.
 */
const PROBE_TIMEOUT_MS = 120_000;

interface ProbeAnswer {
  path: string;
  version: string;
  numpy: string | null;
  numpyFile?: string | null;
  prefixes?: string[];
}

function probe(command: string): Promise<ProbeAnswer> {
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
  const facts = commandFacts(command);
  const key = facts ? factsKey(facts) : undefined;
  if (key) {
    const cached = readCached<CachedProbe>(CACHE_KIND, key);
    if (cached && isPythonInfo(cached.info) && factsKey(answerFacts(cached.info, cached.numpyFile)) === cached.answer) return cached.info;
  }
  let found: ProbeAnswer;
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
  const info = { path: found.path, version: found.version, numpy: found.numpy, prefixes: found.prefixes ?? [] };
  if (key && typeof found.numpyFile === 'string') {
    writeCached<CachedProbe>(CACHE_KIND, key, { info, numpyFile: found.numpyFile, answer: factsKey(answerFacts(info, found.numpyFile)) });
  }
  return info;
}

// ------------------------------------------------------------------ the probe's answer, kept on disk

/**
 * The interpreter probe costs a Python start and a NumPy import (about
 * 0.2 s of CPU), and through a pyenv shim a dozen bash processes more (0.3 s
 * on a quiet machine, over 1 s on a loaded one). Its answer is kept in the
 * per-user cache (probe-cache.ts) under the facts that decide it, and used
 * again only when every fact is the same:
 *
 * - which file the command is (PATH, the command, the file's and its real
 *   path's identity: device, inode, size, modification and change times);
 * - for a pyenv shim, what pyenv decides the version from: its PYENV_* and
 *   virtual-environment variables, the `.python-version` file it would read
 *   (or `$PYENV_ROOT/version`) and its text, and the folders of installed
 *   versions, plugins and hooks (their identities change when an entry is
 *   added or removed);
 * - and, stored with the answer, the identities of the interpreter the
 *   probe found, its prefixes, a venv's pyvenv.cfg, and NumPy's package
 *   folder and files: reinstalled, upgraded or removed, the probe runs again.
 *
 * A command that is any other script (an unknown kind of shim) is probed
 * every time. The cached answer is not a security decision: the sandbox is
 * set up from it exactly as from a fresh probe, and the folders it names are
 * still bound read-only.
 */
const CACHE_KIND = 'python';

interface CachedProbe {
  info: PythonInfo;
  numpyFile: string;
  /** The digest of `answerFacts` when stored. */
  answer: string;
}

function isPythonInfo(value: unknown): value is PythonInfo {
  const info = value as PythonInfo;
  return (
    typeof info === 'object' && info !== null &&
    typeof info.path === 'string' && path.isAbsolute(info.path) &&
    typeof info.version === 'string' && typeof info.numpy === 'string' &&
    Array.isArray(info.prefixes) && info.prefixes.every((p) => typeof p === 'string' && path.isAbsolute(p))
  );
}

/** The file `command` runs: as execvp finds it (the first executable regular file on PATH), or undefined. */
function locate(command: string): string | undefined {
  const candidates = command.includes('/') ? [path.resolve(command)] : (process.env.PATH ?? '').split(':').filter(Boolean).map((dir) => path.resolve(dir, command));
  for (const file of candidates) {
    try {
      if (!statSync(file).isFile()) continue;
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      continue;
    }
  }
  return undefined;
}

function head(file: string, bytes: number): Buffer | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const buffer = Buffer.alloc(bytes);
    return buffer.subarray(0, readSync(fd, buffer, 0, bytes, 0));
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * The facts that decide which interpreter `command` is, or undefined when
 * they cannot be known without running it (a script other than a pyenv
 * shim, a command that is not found: the probe says what is wrong).
 */
function commandFacts(command: string): unknown {
  const file = locate(command);
  if (!file) return undefined;
  let real: string;
  try {
    real = realpathSync(file);
  } catch {
    return undefined;
  }
  const start = head(real, 2048);
  if (!start) return undefined;
  const base = { command, PATH: process.env.PATH ?? '', file, link: identity(file, false), real, identity: identity(real) };
  if (start.subarray(0, 4).equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]))) return { ...base, kind: 'binary' };
  const pyenv = pyenvFacts(start.toString('latin1'));
  return pyenv ? { ...base, kind: 'pyenv', pyenv } : undefined;
}

/** The first `.python-version` file from `dir` up, as pyenv looks for it, with its text; null when none. */
function versionFileFrom(dir: string | undefined): [string, string] | null {
  if (!dir || !path.isAbsolute(dir)) return null;
  for (let at = dir; ; at = path.dirname(at)) {
    const file = path.join(at, '.python-version');
    try {
      if (statSync(file).isFile()) return [file, readFileSync(file, 'utf8')];
    } catch {
      /* not here */
    }
    if (path.dirname(at) === at) return null;
  }
}

/**
 * What a pyenv shim's answer depends on (pyenv-exec, pyenv-version-name,
 * pyenv-version-file, pyenv-which and their hooks), or undefined when the
 * script is not a pyenv shim.
 */
function pyenvFacts(script: string): unknown {
  const root = /^export PYENV_ROOT="([^"$`\\]+)"$/m.exec(script)?.[1];
  const exec = /^exec "([^"$`\\]+)\/libexec\/pyenv" exec "\$program" "\$@"$/m.exec(script)?.[1];
  if (!script.startsWith('#!') || !root || !exec || !path.isAbsolute(root)) return undefined;
  const env = Object.entries(process.env)
    .filter(([name]) => /^(PYENV|_PYENV|VIRTUAL_ENV|CONDA)/.test(name))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const version = process.env.PYENV_VERSION
    ? null
    : {
        dir: versionFileFrom(process.env.PYENV_DIR || process.cwd()),
        pwd: versionFileFrom(process.env.PWD),
        global: [path.join(root, 'version'), readText(path.join(root, 'version'))],
      };
  const hookDirs = [path.join(root, 'pyenv.d'), path.join(exec, 'pyenv.d'), '/usr/etc/pyenv.d', '/usr/local/etc/pyenv.d', '/etc/pyenv.d', '/usr/lib/pyenv/hooks'];
  let plugins: string[] = [];
  try {
    plugins = readdirSync(path.join(root, 'plugins')).sort();
  } catch {
    /* none */
  }
  for (const plugin of plugins) hookDirs.push(path.join(root, 'plugins', plugin, 'etc', 'pyenv.d'));
  const hooks = hookDirs.flatMap((dir) => [dir, ...['exec', 'which', 'version-name'].map((sub) => path.join(dir, sub))]).map((dir) => [dir, identity(dir)]);
  const folders = [root, exec, path.join(root, 'versions'), path.join(root, 'plugins'), path.join(exec, 'libexec'), path.join(exec, 'libexec', 'pyenv')].map((dir) => [dir, identity(dir)]);
  return { root, exec, env, version, hooks, folders, plugins };
}

function readText(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** Facts about what the probe found: if any changed, the stored answer is not used. */
function answerFacts(info: PythonInfo, numpyFile: string): unknown {
  const numpy = path.dirname(numpyFile);
  const exe = path.dirname(info.path);
  const files = [
    info.path,
    numpyFile,
    numpy,
    path.join(numpy, 'version.py'),
    path.join(numpy, '_core'),
    path.join(numpy, 'core'),
    path.join(exe, 'pyvenv.cfg'),
    path.join(path.dirname(exe), 'pyvenv.cfg'),
    ...info.prefixes,
  ];
  let real: string | null;
  try {
    real = realpathSync(info.path);
  } catch {
    real = null;
  }
  return { path: info.path, numpyFile, real, link: identity(info.path, false), files: files.map((file) => [file, identity(file)]) };
}
