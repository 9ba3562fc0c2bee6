/**
 * Rust learners: the learner's crate is built with a generated harness crate
 * (`src/runner/harness/rust/main.rs`, no external crates, `cargo build
 * --offline`), cached by content hash under the OS temp folder, and the binary
 * runs in the same sandbox and protocol as Python (docs/runner-protocol.md).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, promises as fs, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureDir, tempSibling, writeAtomic } from '../../core/dirs.js';
import { formatSeconds } from '../../core/duration.js';
import { harnessDir } from '../sandbox.js';
import { openHarnessSession } from '../session.js';
import type { LearnerSession, RunFailure, SessionOptions } from '../types.js';

export interface RustFunctionNames {
  frequencies: string;
  precompute: string;
  apply: string;
}

const DEFAULT_NAMES: RustFunctionNames = { frequencies: 'rope_frequencies', precompute: 'precompute_rope', apply: 'apply_rope' };

/** Build limit (wall clock), separate from the per-call timeout. */
export const BUILD_TIMEOUT_MS = 180_000;

export function rustCacheRoot(): string {
  return path.join(tmpdir(), 'rubricate-cache', 'rust');
}

/** Built harnesses kept in the cache; the least recently used beyond this are removed after a build. */
export const RUST_CACHE_ENTRIES = 256;

/**
 * Removes the least recently used cache entries beyond `keep` (an entry's
 * folder time is set when it is built or used). Entries that vanish meanwhile
 * (another process pruning) are skipped.
 */
export async function pruneRustCache(keep: number = RUST_CACHE_ENTRIES, root: string = rustCacheRoot()): Promise<number> {
  const entries = await fs.readdir(root, { withFileTypes: true }).catch(() => []);
  const dated: Array<{ dir: string; time: number }> = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const dir = path.join(root, entry.name);
    const info = await fs.stat(dir).catch(() => undefined);
    if (info) dated.push({ dir, time: info.mtimeMs });
  }
  dated.sort((a, b) => b.time - a.time);
  const stale = dated.slice(keep);
  for (const { dir } of stale) await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
  return stale.length;
}

/** Marks a cache entry as just used (its folder time orders pruning). */
async function touch(dir: string): Promise<void> {
  const now = new Date();
  await fs.utimes(dir, now, now).catch(() => undefined);
}

/** Build folders that entries made by earlier versions still hold (about 0.7 MB a crate): only the binary is needed. */
async function dropBuildFolders(dir: string): Promise<void> {
  for (const sub of ['build', 'target']) await fs.rm(path.join(dir, sub), { recursive: true, force: true }).catch(() => undefined);
}

/** The crate's files, sorted; a folder that cannot be listed (no permission, a path too long) is left out. */
async function crateFiles(root: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await fs.readdir(path.join(root, rel), { withFileTypes: true }).catch(() => [])) {
    const child = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (entry.name === 'target' || entry.name.startsWith('.')) continue;
      out.push(...(await crateFiles(root, child)));
    } else if (entry.isFile()) out.push(child);
  }
  return out.sort();
}

/**
 * The first `path = "..."` of Cargo.toml (a [lib] or target path, a path
 * dependency, a patch) that leaves the crate folder: absolute, with `..`,
 * or from the home folder. The build runs outside the sandbox, so cargo
 * would compile (and show in its errors) any file the grader can read.
 */
export function manifestPathLeaving(cargoToml: string): string | undefined {
  for (const match of cargoToml.matchAll(/\bpath\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
    const value = match[1] ?? match[2] ?? '';
    if (/^[\\/~]|^[A-Za-z]:|(^|[\\/])\.\.([\\/]|$)/.test(value)) return value;
  }
  return undefined;
}

/**
 * Rust code that makes the compiler read a file named by the learner:
 * include!, include_str!, include_bytes! (also renamed with `use ... as` or
 * handed to a macro: any mention of them) and #[path] attributes. The build
 * runs outside the sandbox, so these could read any file the grader can
 * (other submissions, keys) into the binary, or into a compile error, and so
 * into the feedback. Comments and string literals do not count.
 */
export function fileReadingCode(source: string): { line: number; column: number; what: string } | undefined {
  const code = blankCommentsAndStrings(source);
  const match = /\b(include_str|include_bytes|include)\b|#\s*!?\s*\[\s*(path)\s*=/.exec(code);
  if (!match) return undefined;
  const before = code.slice(0, match.index + (match[1] ? 0 : match[0].indexOf('path')));
  const line = before.split('\n').length;
  return { line, column: before.length - before.lastIndexOf('\n'), what: match[1] ? `${match[1]}!` : '#[path]' };
}

/** Replaces comments and the contents of string and character literals with spaces, keeping line breaks. */
function blankCommentsAndStrings(source: string): string {
  const out = source.split('');
  const blank = (from: number, to: number) => {
    for (let i = from; i < to; i++) if (out[i] !== '\n') out[i] = ' ';
  };
  let i = 0;
  while (i < source.length) {
    const rest = source.slice(i, i + 3);
    if (rest.startsWith('//')) {
      const end = source.indexOf('\n', i);
      const stop = end === -1 ? source.length : end;
      blank(i, stop);
      i = stop;
    } else if (rest.startsWith('/*')) {
      // Block comments nest in Rust.
      let depth = 0;
      let j = i;
      while (j < source.length) {
        if (source.startsWith('/*', j)) {
          depth++;
          j += 2;
        } else if (source.startsWith('*/', j)) {
          depth--;
          j += 2;
          if (depth === 0) break;
        } else {
          j++;
        }
      }
      blank(i, j);
      i = j;
    } else {
      const raw = /^b?r(#*)"/.exec(source.slice(i, i + 260));
      if (raw) {
        const close = '"' + raw[1];
        const end = source.indexOf(close, i + raw[0].length);
        const stop = end === -1 ? source.length : end + close.length;
        blank(i + raw[0].length, stop - close.length);
        i = stop;
      } else if (source[i] === '"') {
        let j = i + 1;
        while (j < source.length && source[j] !== '"') j += source[j] === '\\' ? 2 : 1;
        blank(i + 1, j);
        i = j + 1;
      } else if (source[i] === "'") {
        // A character literal ('x', '\n', '\u{..}'), not a lifetime ('a).
        const char = /^'(?:\\(?:u\{[0-9a-fA-F_]*\}|x[0-9a-fA-F]{2}|.)|[^'\\])'/su.exec(source.slice(i, i + 16));
        if (char) blank(i + 1, i + char[0].length - 1);
        i += char ? char[0].length : 1;
      } else {
        i++;
      }
    }
  }
  return out.join('');
}

/** The failure for the first Rust file of the crate that makes the compiler read a file, if any. */
async function fileReadingSource(root: string, files: readonly string[]): Promise<RunFailure | undefined> {
  for (const file of files) {
    if (!file.endsWith('.rs')) continue;
    const source = await fs.readFile(path.join(root, file), 'utf8').catch(() => '');
    const found = fileReadingCode(source);
    if (found) {
      return {
        kind: 'import-error',
        message: `${found.what} is not allowed in ${file}: it makes the compiler read a file, and the crate is built outside the sandbox; put the data in the code`,
        location: { file, line: found.line, column: found.column },
      };
    }
  }
  return undefined;
}

function packageName(cargoToml: string): string | undefined {
  const section = /\[package\]([\s\S]*?)(?:\n\[|$)/.exec(cargoToml);
  const name = section ? /\bname\s*=\s*"([^"]+)"/.exec(section[1]!) : null;
  return name?.[1];
}

/** The compiler's first error as a located failure. */
export function compileFailure(stderr: string): RunFailure {
  const lines = stderr.split('\n');
  const first = lines.findIndex((l) => /^error(\[E\d+\])?:/.test(l) && !/^error: could not compile/.test(l));
  if (first < 0) {
    const tail = lines.filter((l) => l.trim()).slice(-3).join(' ').slice(0, 400);
    return { kind: 'import-error', message: `the crate did not build: ${tail}` };
  }
  const failure: RunFailure = { kind: 'import-error', message: `the crate does not compile: ${lines[first]!.trim()}` };
  for (const line of lines.slice(first + 1, first + 6)) {
    const m = /-->\s+(.+?):(\d+):(\d+)/.exec(line);
    if (m) {
      const file = m[1]!.replace(/^.*?learner\//, '');
      failure.location = { file, line: Number(m[2]), column: Number(m[3]) };
      failure.message += ` (${file}:${m[2]}:${m[3]})`;
      break;
    }
  }
  const block: string[] = [];
  for (const line of lines.slice(first)) {
    if (block.length > 0 && line.trim() === '') break;
    block.push(line.replace(/(-->\s+).*?learner\//, '$1'));
  }
  failure.traceback = block.slice(0, 12).join('\n');
  return failure;
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number; stderr: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env, timeout: BUILD_TIMEOUT_MS, maxBuffer: 8 << 20 }, (error, _stdout, stderr) => {
      const e = error as (NodeJS.ErrnoException & { killed?: boolean; code?: number | string }) | null;
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, stderr: String(stderr), timedOut: Boolean(e?.killed) });
    });
  });
}

/**
 * Builds (or finds in the cache) the harness binary for the crate at `root`.
 * Returns the binary, or the failure that replaces the session.
 */
export async function buildRustHarness(root: string, names: RustFunctionNames = DEFAULT_NAMES): Promise<{ binary: string; cached: boolean } | { failure: RunFailure }> {
  const cargoPath = path.join(root, 'Cargo.toml');
  if (!existsSync(cargoPath)) return { failure: { kind: 'import-error', message: 'no Cargo.toml at the submission root', location: { file: 'Cargo.toml' } } };
  const name = packageName(readFileSync(cargoPath, 'utf8'));
  if (!name) return { failure: { kind: 'import-error', message: 'Cargo.toml has no [package] name', location: { file: 'Cargo.toml' } } };
  // Build scripts and proc macros would run learner code at build time, outside the
  // sandbox (the build is only under prlimit and --offline): refused.
  const manifest = readFileSync(cargoPath, 'utf8');
  if (existsSync(path.join(root, 'build.rs')) || /^\s*build\s*=/m.test(manifest) || /proc-macro\s*=\s*true/.test(manifest)) {
    return { failure: { kind: 'import-error', message: 'build scripts (build.rs) and proc-macro crates are not allowed: they would run at build time', location: { file: existsSync(path.join(root, 'build.rs')) ? 'build.rs' : 'Cargo.toml' } } };
  }
  const leaving = manifestPathLeaving(manifest);
  if (leaving !== undefined) {
    return { failure: { kind: 'import-error', message: `Cargo.toml names the path "${leaving}", outside the crate: the crate builds from its own folder only`, location: { file: 'Cargo.toml' } } };
  }
  const files = await crateFiles(root);
  const reading = await fileReadingSource(root, files);
  if (reading) return { failure: reading };
  const template = readFileSync(path.join(harnessDir(), 'rust', 'main.rs'), 'utf8');
  const hash = createHash('sha256');
  hash.update(template).update(JSON.stringify(names));
  for (const file of files) hash.update(`${file}\0`).update(await fs.readFile(path.join(root, file))).update('\0');
  const key = hash.digest('hex').slice(0, 24);
  const dir = path.join(rustCacheRoot(), key);
  const binary = path.join(dir, 'bin', 'harness');
  if (existsSync(binary)) {
    // Entries built before build folders were dropped still hold them.
    if (existsSync(path.join(dir, 'target'))) await dropBuildFolders(dir);
    await touch(dir);
    return { binary, cached: true };
  }
  const failedMarker = path.join(dir, 'compile-error.json');
  if (existsSync(failedMarker)) {
    await touch(dir);
    return { failure: JSON.parse(readFileSync(failedMarker, 'utf8')) as RunFailure };
  }

  // A build folder of its own per attempt (crate copy, harness crate, cargo's
  // target): two jobs building the same crate at once never share or remove
  // each other's files; the results land by rename.
  await ensureDir(dir);
  const work = await fs.mkdtemp(path.join(dir, 'build-'));
  try {
    return await buildIn(work, dir, { root, files, template, names, name, binary, failedMarker });
  } finally {
    await fs.rm(work, { recursive: true, force: true }).catch(() => undefined);
    await pruneRustCache();
  }
}

interface BuildPlan {
  root: string;
  files: string[];
  template: string;
  names: RustFunctionNames;
  /** The learner crate's package name. */
  name: string;
  binary: string;
  failedMarker: string;
}

async function buildIn(work: string, dir: string, plan: BuildPlan): Promise<{ binary: string; cached: boolean } | { failure: RunFailure }> {
  const { root, files, template, names, name, binary, failedMarker } = plan;
  await fs.mkdir(path.join(work, 'learner'), { recursive: true });
  for (const file of files) {
    await fs.mkdir(path.dirname(path.join(work, 'learner', file)), { recursive: true });
    await fs.copyFile(path.join(root, file), path.join(work, 'learner', file));
  }
  await fs.mkdir(path.join(work, 'harness', 'src'), { recursive: true });
  const main = template
    .replace('__FREQUENCIES__', names.frequencies)
    .replace('__PRECOMPUTE__', names.precompute)
    .replace('__APPLY__', names.apply)
    .replace('__FREQUENCIES_NAME__', names.frequencies)
    .replace('__PRECOMPUTE_NAME__', names.precompute)
    .replace('__APPLY_NAME__', names.apply);
  await fs.writeFile(path.join(work, 'harness', 'src', 'main.rs'), main);
  await fs.writeFile(
    path.join(work, 'harness', 'Cargo.toml'),
    `[package]\nname = "rubricate-harness"\nversion = "0.0.0"\nedition = "2021"\n\n[dependencies]\nlearner = { path = "../learner", package = ${JSON.stringify(name)} }\n\n[profile.release]\nopt-level = 2\ndebug = false\npanic = "unwind"\n\n[workspace]\n`,
  );
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    CARGO_HOME: process.env.CARGO_HOME,
    RUSTUP_HOME: process.env.RUSTUP_HOME,
    CARGO_TARGET_DIR: path.join(work, 'target'),
    CARGO_NET_OFFLINE: 'true',
  };
  const prlimit = ['/usr/bin/prlimit', '/bin/prlimit'].find((p) => existsSync(p));
  const cargo = ['build', '--offline', '--release', '--quiet', '--color', 'never'];
  const built = prlimit
    ? await run(prlimit, ['--as=8589934592', '--fsize=1073741824', '--cpu=600', '--', 'cargo', ...cargo], path.join(work, 'harness'), env)
    : await run('cargo', cargo, path.join(work, 'harness'), env);
  if (built.timedOut) return { failure: { kind: 'timeout', message: `the crate did not build within ${formatSeconds(BUILD_TIMEOUT_MS)}` } };
  if (built.code !== 0) {
    const failure = compileFailure(built.stderr);
    await writeAtomic(failedMarker, JSON.stringify(failure));
    await touch(dir);
    return { failure };
  }
  await fs.mkdir(path.join(dir, 'bin'), { recursive: true, mode: 0o755 });
  // Two grading threads of one process may build the same crate at once: the staged name is theirs alone.
  const staged = tempSibling(binary);
  copyFileSync(path.join(work, 'target', 'release', 'rubricate-harness'), staged);
  chmodSync(staged, 0o755);
  await fs.rename(staged, binary);
  for (let d = path.join(dir, 'bin'); d !== path.dirname(rustCacheRoot()); d = path.dirname(d)) chmodSync(d, 0o755);
  await touch(dir);
  return { binary, cached: false };
}

function deadSession(failure: RunFailure): LearnerSession {
  return {
    isolation: { level: 'none', description: 'not started: the crate did not build' },
    importFailure: failure,
    call: async () => ({ ok: false, failure, durationMs: 0 }),
    output: () => ({ stdout: '', stderr: '', truncated: false }),
    close: async () => undefined,
  };
}

/**
 * Opens a sandboxed session on the Rust crate at `options.root` (`module`
 * names a file of the crate, e.g. src/lib.rs). Function names: `names`.
 */
export async function openRustSession(options: SessionOptions, names: RustFunctionNames = DEFAULT_NAMES): Promise<LearnerSession> {
  const built = await buildRustHarness(options.root, names);
  if ('failure' in built) return deadSession(built.failure);
  const prlimit = ['/usr/bin/prlimit', '/bin/prlimit'].find((p) => existsSync(p));
  const memory = options.limits?.memoryBytes ?? 1024 * 1024 * 1024;
  // The binary runs from the session's scratch folder: the sandbox shows no cache folder
  // (at the namespaces level, the host's /tmp is covered by a private one).
  const inScratch = (dir: string) => path.join(dir, 'bin', 'rubricate-harness');
  return openHarnessSession(options, {
    // Without prlimit, env starts it (its path depends on the scratch folder).
    interpreter: prlimit ?? '/usr/bin/env',
    prefixes: [],
    harness: harnessDir(),
    prepare: async (scratch) => {
      await fs.mkdir(path.dirname(inScratch(scratch.dir)), { recursive: true });
      await fs.copyFile(built.binary, inScratch(scratch.dir));
      await fs.chmod(inScratch(scratch.dir), 0o755);
    },
    args: (config) => {
      const lim = (config.limits ?? {}) as Record<string, number>;
      const binary = inScratch(String(config.scratch));
      const own = [JSON.stringify(config)];
      if (!prlimit) return [binary, ...own];
      const cpu = lim.cpuSeconds ?? 60;
      return [`--cpu=${cpu}:${cpu + 1}`, `--fsize=${lim.fileSizeBytes ?? 16777216}`, '--core=0', `--as=${memory}`, '--', binary, ...own];
    },
  });
}
