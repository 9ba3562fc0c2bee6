/**
 * Rust learners: the learner's crate is built with a generated harness crate
 * (`src/runner/harness/rust/main.rs`, no external crates, `cargo build
 * --offline`) INSIDE the learner sandbox, at the session's isolation level
 * (src/runner/sandbox-command.ts): the build sees the toolchain read-only and
 * the crate's own files, writes only its scratch folder, and runs under
 * resource limits and a hard wall-clock limit. Before that, Cargo.toml is
 * held to what a lab crate needs (./manifest.ts). The binary, checked and
 * capped, is cached by content hash under the OS temp folder, and runs in the
 * same sandbox and protocol as Python (docs/runner-protocol.md).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError } from '../../core/errors.js';
import { ensureDir, tempSibling, writeAtomic } from '../../core/dirs.js';
import { formatSeconds } from '../../core/duration.js';
import { readCommandOutput, runSandboxedCommand, type CommandLimits, type SandboxCommandResult } from '../sandbox-command.js';
import { harnessDir, readSubmissionImage, removeScratch, requireIsolation, scratchFromImage, unreadReason, type SubmissionImage } from '../sandbox.js';
import { openHarnessSession } from '../session.js';
import type { IsolationLevel, LearnerSession, RunFailure, RustAdapter, SessionOptions } from '../types.js';
import { checkManifest } from './manifest.js';

export interface RustFunctionNames {
  frequencies: string;
  precompute: string;
  apply: string;
}

const DEFAULT_NAMES: RustFunctionNames = { frequencies: 'rope_frequencies', precompute: 'precompute_rope', apply: 'apply_rope' };

/** Build limit (wall clock), separate from the per-call timeout. */
export const BUILD_TIMEOUT_MS = 180_000;

/**
 * Limits of one build, applied inside the sandbox: each process (cargo,
 * rustc, the linker) gets `memoryBytes` of address space and `cpuSeconds`,
 * no file over `fileSizeBytes`, `processes` tasks together (threads count),
 * and the whole build `wallMs`. A lab crate builds in about 150 MB. At bwrap
 * (as root) and namespaces every write of the build (target folder, cargo
 * home) lands on a tmpfs of `scratchBytes` and `scratchInodes`, never on the
 * host's disk; the binary comes back as an export.
 */
export const BUILD_LIMITS: CommandLimits = {
  memoryBytes: 2 * 1024 ** 3,
  cpuSeconds: 300,
  fileSizeBytes: 256 * 1024 ** 2,
  processes: 64,
  wallMs: BUILD_TIMEOUT_MS,
  outputBytes: 256 * 1024,
  scratchBytes: 512 * 1024 ** 2,
  scratchInodes: 16384,
};

/** A built harness binary larger than this is refused (a lab's is under 1 MB; each session gets a copy). */
export const MAX_BINARY_BYTES = 64 * 1024 ** 2;

/** The cache's total size: the least recently used entries beyond it are removed after a build. */
export const RUST_CACHE_BYTES = 1024 ** 3;

export function rustCacheRoot(): string {
  return path.join(tmpdir(), 'rubricate-cache', 'rust');
}

/** Built harnesses kept in the cache; the least recently used beyond this are removed after a build. */
export const RUST_CACHE_ENTRIES = 256;

/** Bytes of the files directly in an entry and in its `bin` folder (what an entry holds). */
async function entryBytes(dir: string): Promise<number> {
  let total = 0;
  for (const sub of [dir, path.join(dir, 'bin')]) {
    for (const entry of await fs.readdir(sub, { withFileTypes: true }).catch(() => [])) {
      if (entry.isFile()) total += (await fs.lstat(path.join(sub, entry.name)).catch(() => ({ size: 0 }))).size;
    }
  }
  return total;
}

/**
 * Removes the least recently used cache entries beyond `keep` entries or
 * beyond `maxBytes` in all (an entry's folder time is set when it is built
 * or used). Entries that vanish meanwhile (another process pruning) are
 * skipped.
 */
export async function pruneRustCache(keep: number = RUST_CACHE_ENTRIES, root: string = rustCacheRoot(), maxBytes: number = RUST_CACHE_BYTES): Promise<number> {
  const entries = await fs.readdir(root, { withFileTypes: true }).catch(() => []);
  const dated: Array<{ dir: string; time: number }> = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const dir = path.join(root, entry.name);
    const info = await fs.stat(dir).catch(() => undefined);
    if (info) dated.push({ dir, time: info.mtimeMs });
  }
  dated.sort((a, b) => b.time - a.time);
  let total = 0;
  let removed = 0;
  for (const [index, { dir }] of dated.entries()) {
    total += await entryBytes(dir);
    if (index >= keep || total > maxBytes) {
      await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
      removed++;
    }
  }
  return removed;
}

/**
 * Makes the cache folder (and its parent under the temp folder) and checks
 * that nobody else can write there: in a shared /tmp, a folder made first by
 * another user could hold a binary of theirs under a crate's key.
 */
async function ensureCacheRoot(root: string): Promise<void> {
  await ensureDir(root);
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  for (const dir of [path.dirname(root), root]) {
    let info = await fs.lstat(dir);
    if (info.isDirectory() && info.uid === uid && (info.mode & 0o022) !== 0) {
      // Made by this user under a permissive umask.
      await fs.chmod(dir, info.mode & 0o755);
      info = await fs.lstat(dir);
    }
    const foreign = !info.isDirectory() || (uid !== undefined && info.uid !== uid) || (info.mode & 0o022) !== 0;
    if (foreign) {
      throw new ConfigError(`the Rust build cache ${dir} is not a folder of this user that only it can write; remove it, or set TMPDIR to a private folder`);
    }
  }
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

/**
 * Rust code that makes the compiler read a file named by the learner:
 * include!, include_str!, include_bytes! (also renamed with `use ... as` or
 * handed to a macro: any mention of them) and #[path] attributes. A lab crate
 * needs none of them, so they are refused with a located, readable finding.
 * This is a courtesy, not the containment: the build runs in the sandbox,
 * where a file outside the crate does not exist (`.incbin`, `cfg_attr`,
 * macro-made paths and spellings this scan misses all end there). Comments
 * and string literals do not count.
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
export function blankCommentsAndStrings(source: string): string {
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
function fileReadingSource(files: SubmissionImage['files']): RunFailure | undefined {
  for (const file of files) {
    if (!file.path.endsWith('.rs') || /(^|\/)(target|\.[^/]*)\//.test(file.path)) continue;
    const found = fileReadingCode(file.data.toString('utf8'));
    if (found) {
      return {
        kind: 'import-error',
        message: `${found.what} is not allowed in ${file.path}: a lab crate does not read files at compile time; put the data in the code`,
        location: { file: file.path, line: found.line, column: found.column },
      };
    }
  }
  return undefined;
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

// ------------------------------------------------------------------ toolchain

/** The Rust toolchain the build uses: its own cargo and rustc (never a rustup proxy, which reads rust-toolchain files of the crate). */
export interface RustToolchain {
  /** `rustc --print sysroot`, real path: shown read-only in the sandbox. */
  sysroot: string;
  cargo: string;
  rustc: string;
  /** `rustc -vV`: part of the cache key. */
  version: string;
}

function capture(command: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    // From a folder of no submission, with the grader's environment (rustup finds its toolchains with it).
    execFile(command, args, { cwd: tmpdir(), timeout: 30_000, maxBuffer: 1 << 20 }, (error, stdout) => resolve(error ? undefined : String(stdout).trim()));
  });
}

let toolchainProbe: Promise<RustToolchain | undefined> | undefined;

/** The toolchain `rustc` on the grader's PATH belongs to, found once; undefined when there is none. */
export function findRustToolchain(): Promise<RustToolchain | undefined> {
  toolchainProbe ??= (async () => {
    const printed = await capture('rustc', ['--print', 'sysroot']);
    if (!printed) return undefined;
    const sysroot = await fs.realpath(printed).catch(() => undefined);
    if (!sysroot) return undefined;
    const cargo = path.join(sysroot, 'bin', 'cargo');
    const rustc = path.join(sysroot, 'bin', 'rustc');
    for (const tool of [cargo, rustc]) if (!(await fs.stat(tool).then((s) => s.isFile(), () => false))) return undefined;
    const version = await capture(rustc, ['-vV']);
    return version ? { sysroot, cargo, rustc, version } : undefined;
  })();
  return toolchainProbe;
}

// ------------------------------------------------------------------ build

export interface RustBuildOptions {
  /** Isolation level of the build (default `auto`: the strongest the machine has, as for the run). */
  isolation?: IsolationLevel | 'auto';
  /** Largest binary kept (default MAX_BINARY_BYTES). */
  maxBinaryBytes?: number;
  /** Call the lab's functions through a struct of the crate (the rubric's `rust.adapter`). */
  adapter?: RustAdapter;
}

export type RustBuild = { binary: string; cached: boolean; image: SubmissionImage } | { failure: RunFailure };

/** The finding for a crate whose Cargo.toml is not in the image. */
function missingManifest(root: string, image: SubmissionImage): RunFailure {
  const reason = unreadReason(root, image, 'Cargo.toml');
  const message = reason === undefined ? 'no Cargo.toml at the submission root' : `Cargo.toml was not read: ${reason}; it must be a regular file of the crate`;
  return { kind: 'import-error', message, location: { file: 'Cargo.toml' } };
}

/**
 * The key of a build: harness, names, toolchain, isolation level, and every
 * file the sandbox gets (the image, the same list the scratch copy is made
 * from). The level is in it because what a build could read differs: a crate
 * built at `rlimits` (the host's files readable) may carry them, and its
 * binary is never reused by a sandboxed build.
 */
export function rustBuildKey(template: string, names: RustFunctionNames, toolchain: RustToolchain, level: IsolationLevel, image: SubmissionImage): string {
  const hash = createHash('sha256');
  // The template is the filled one: an adapter changes it.
  hash.update(template).update(JSON.stringify(names)).update(toolchain.version).update(level);
  for (const file of [...image.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    hash.update(`${file.path}\0${file.data.length}\0`).update(file.data);
  }
  return hash.digest('hex').slice(0, 32);
}

/**
 * Builds (or finds in the cache) the harness binary for the crate at `root`.
 * Returns the binary and the submission image it was built from (the run's
 * scratch copy is made from the same image), or the failure that replaces
 * the session.
 */
export async function buildRustHarness(root: string, names: RustFunctionNames = DEFAULT_NAMES, options: RustBuildOptions = {}): Promise<RustBuild> {
  const image = readSubmissionImage(root);
  const manifestFile = image.files.find((f) => f.path === 'Cargo.toml');
  if (!manifestFile) return { failure: missingManifest(root, image) };
  const checked = checkManifest(manifestFile.data.toString('utf8'));
  if ('finding' in checked) {
    const { message, line, column } = checked.finding;
    return { failure: { kind: 'import-error', message, location: { file: 'Cargo.toml', ...(line ? { line } : {}), ...(column ? { column } : {}) } } };
  }
  if (image.files.some((f) => f.path === 'build.rs')) {
    return { failure: { kind: 'import-error', message: 'build.rs is not allowed: Cargo would compile and run it as a build script, code that runs at build time; a lab crate has none', location: { file: 'build.rs' } } };
  }
  const reading = fileReadingSource(image.files);
  if (reading) return { failure: reading };
  const toolchain = await findRustToolchain();
  if (!toolchain) {
    return { failure: { kind: 'internal', message: 'no Rust toolchain was found (rustc on PATH, with cargo beside it): install Rust (rustup) to grade Rust crates' } };
  }
  const level = await requireIsolation(options.isolation);
  const maxBinary = options.maxBinaryBytes ?? MAX_BINARY_BYTES;
  const plain = await fs.readFile(path.join(harnessDir(), 'rust', 'main.rs'), 'utf8');
  const template = options.adapter ? withAdapter(plain, options.adapter) : plain;
  const cacheRoot = rustCacheRoot();
  // Before trusting an entry: only this user can have written one.
  await ensureCacheRoot(cacheRoot);
  const dir = path.join(cacheRoot, rustBuildKey(template, names, toolchain, level, image));
  const binary = path.join(dir, 'bin', 'harness');
  const failedMarker = path.join(dir, 'compile-error.json');
  const cached = await fs.lstat(binary).catch(() => undefined);
  if (cached) {
    if (!cached.isFile() || cached.size > maxBinary) return { failure: oversized(cached.isFile() ? cached.size : undefined, maxBinary) };
    // Entries built before build folders were dropped still hold them.
    if (existsSync(path.join(dir, 'target'))) await dropBuildFolders(dir);
    await touch(dir);
    return { binary, cached: true, image };
  }
  const failed = await fs.readFile(failedMarker, 'utf8').then((text) => JSON.parse(text) as RunFailure).catch(() => undefined);
  if (failed !== undefined) {
    await touch(dir);
    return { failure: failed };
  }

  const built = await buildCrateInSandbox(image, { name: checked.name, names, template, toolchain, level, maxBinaryBytes: maxBinary });
  try {
    if ('failure' in built) {
      if (built.compileError) {
        await writeAtomic(failedMarker, JSON.stringify(built.failure));
        await touch(dir);
      }
      return { failure: built.failure };
    }
    // Two grading threads or processes may build the same crate at once: the staged name is theirs alone, the result lands by rename.
    await ensureDir(path.join(dir, 'bin'));
    const staged = tempSibling(binary);
    try {
      await fs.writeFile(staged, built.data, { mode: 0o755 });
      await fs.chmod(staged, 0o755);
      await fs.rename(staged, binary);
    } catch (error) {
      await fs.rm(staged, { force: true }).catch(() => undefined);
      throw error;
    }
    for (const d of [path.join(dir, 'bin'), dir]) await fs.chmod(d, 0o755);
    await touch(dir);
    return { binary, cached: false, image };
  } finally {
    await pruneRustCache();
  }
}

function oversized(size: number | undefined, cap: number): RunFailure {
  const mib = (n: number) => `${Math.round((n / 1024 ** 2) * 10) / 10} MiB`;
  return {
    kind: 'limit',
    message: size === undefined ? 'the built binary is not a regular file' : `the built binary is ${mib(size)}, over the ${mib(cap)} cap (large static data in the crate?)`,
  };
}

const RUST_PATH = /^[A-Za-z_][A-Za-z0-9_]*(::[A-Za-z_][A-Za-z0-9_]*)*$/;
const RUST_IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The harness with its three adapter functions calling the crate's struct
 * (the rubric's `rust.adapter`): frequencies read back from the cached tables
 * at position 1, precompute returns the struct's tables, apply builds a
 * struct, puts the given tables in its cache fields and calls its method on
 * each block of table-length rows. Names are checked as Rust paths and
 * identifiers (the rubric's schema does too), so nothing else reaches the code.
 */
export function withAdapter(template: string, adapter: RustAdapter): string {
  const { type, constructor: make, cos, sin, method } = adapter;
  if (!RUST_PATH.test(type) || ![make, cos, sin, method].every((n) => RUST_IDENT.test(n))) {
    throw new Error(`rust.adapter names must be Rust paths and identifiers, got ${JSON.stringify(adapter)}`);
  }
  const start = template.indexOf('fn call_frequencies');
  const end = template.indexOf('const NAMES');
  if (start < 0 || end < start) throw new Error('the Rust harness template has no adapter section');
  const body = `fn call_frequencies(d_head: usize, base: f64) -> Vec<f64> {
    let e = learner::${type}::${make}(d_head, 2, base);
    let half = d_head / 2;
    (0..half).map(|i| e.${sin}[half + i].atan2(e.${cos}[half + i])).collect()
}
fn call_precompute(t: usize, d_head: usize) -> (Vec<f64>, Vec<f64>) {
    let e = learner::${type}::${make}(d_head, t, 10000.0);
    (e.${cos}.clone(), e.${sin}.clone())
}
fn call_apply(q: &[f64], k: &[f64], cos: &[f64], sin: &[f64], d_head: usize) -> (Vec<f64>, Vec<f64>) {
    let half = d_head / 2;
    let t = if half == 0 { 0 } else { cos.len() / half };
    let mut e = learner::${type}::${make}(d_head, t, 10000.0);
    e.${cos} = cos.to_vec();
    e.${sin} = sin.to_vec();
    let block = t * d_head;
    let run = |x: &[f64]| -> Vec<f64> {
        if block == 0 { return Vec::new(); }
        x.chunks(block).flat_map(|rows| e.${method}(rows, rows.len() / d_head)).collect()
    };
    (run(q), run(k))
}
`;
  return template.slice(0, start) + body + template.slice(end);
}

export interface CrateBuildPlan {
  /** The learner crate's package name (checked by checkManifest). */
  name: string;
  names: RustFunctionNames;
  /** The harness main.rs template. */
  template: string;
  toolchain: RustToolchain;
  level: IsolationLevel;
  maxBinaryBytes: number;
  limits?: CommandLimits;
}

export type CrateBuild =
  | { data: Buffer; result: SandboxCommandResult }
  /** `compileError`: the compiler refused the crate (cached); otherwise a limit, a timeout or the machine (not cached). */
  | { failure: RunFailure; compileError: boolean; result?: SandboxCommandResult };

/**
 * Builds the harness crate against the learner crate `image` in a fresh
 * scratch folder, inside the sandbox at `plan.level`, and returns the binary
 * (read out of scratch by the grader, after the build's processes are dead,
 * with a size cap). No manifest or source check here: this is the
 * containment itself, and tests call it with crates that checkManifest
 * would refuse (build scripts, proc macros) to show that.
 */
export async function buildCrateInSandbox(image: SubmissionImage, plan: CrateBuildPlan): Promise<CrateBuild> {
  const { toolchain, names } = plan;
  const limits = plan.limits ?? BUILD_LIMITS;
  const scratch = await scratchFromImage(image);
  try {
    const crate = path.join(scratch.dir, 'harness');
    const target = path.join(scratch.dir, 'target');
    const cargoHome = path.join(scratch.dir, 'cargo-home');
    const binary = path.join(target, 'release', 'rubricate-harness');
    for (const d of [path.join(crate, 'src'), target, cargoHome]) await fs.mkdir(d, { recursive: true });
    const main = plan.template
      .replace('__FREQUENCIES__', names.frequencies)
      .replace('__PRECOMPUTE__', names.precompute)
      .replace('__APPLY__', names.apply)
      .replace('__FREQUENCIES_NAME__', names.frequencies)
      .replace('__PRECOMPUTE_NAME__', names.precompute)
      .replace('__APPLY_NAME__', names.apply);
    await fs.writeFile(path.join(crate, 'src', 'main.rs'), main);
    await fs.writeFile(
      path.join(crate, 'Cargo.toml'),
      `[package]\nname = "rubricate-harness"\nversion = "0.0.0"\nedition = "2021"\n\n[dependencies]\nlearner = { path = ${JSON.stringify(scratch.work)}, package = ${JSON.stringify(plan.name)} }\n\n[profile.release]\nopt-level = 2\ndebug = false\npanic = "unwind"\nincremental = false\n\n[workspace]\n`,
    );
    const inSysroot = ['/usr', '/bin', '/lib'].some((sys) => toolchain.sysroot === sys || toolchain.sysroot.startsWith(`${sys}/`));
    const result = await runSandboxedCommand({
      level: plan.level,
      scratch,
      command: toolchain.cargo,
      args: ['build', '--offline', '--release', '--quiet', '--color', 'never', '--manifest-path', path.join(crate, 'Cargo.toml')],
      // Cargo reads configuration from the working folder up: the harness crate's, never the learner's.
      cwd: crate,
      visible: inSysroot ? [] : [toolchain.sysroot],
      env: {
        CARGO_HOME: cargoHome,
        CARGO_TARGET_DIR: target,
        CARGO_NET_OFFLINE: 'true',
        CARGO_INCREMENTAL: '0',
        RUSTC: toolchain.rustc,
        // Paths in errors and panics name the crate's files as `learner/src/...`, not the scratch folder.
        CARGO_ENCODED_RUSTFLAGS: [`--remap-path-prefix=${scratch.dir}=build`, `--remap-path-prefix=${scratch.work}=learner`].join('\x1f'),
      },
      limits,
      exports: [{ file: binary, maxBytes: plan.maxBinaryBytes }],
    });
    if (result.setupFailure !== undefined) return { failure: { kind: 'internal', message: `the build sandbox could not be set up: ${result.setupFailure}` }, compileError: false, result };
    if (result.timedOut) return { failure: { kind: 'timeout', message: `the crate did not build within ${formatSeconds(limits.wallMs)}` }, compileError: false, result };
    const limit = buildLimitFailure(result, limits);
    if (limit) return { failure: limit, compileError: false, result };
    if (result.code !== 0) {
      // Cargo exits with 101 when the compiler refused the crate: only that is the crate's own (cached) failure.
      const compileError = result.code === 101 && /^error(\[E\d+\])?:/m.test(result.stderr);
      return { failure: compileFailure(result.stderr), compileError, result };
    }
    const out = await readCommandOutput(scratch, result, binary, plan.maxBinaryBytes);
    if ('refused' in out) {
      const size = /it is (\d+) bytes/.exec(out.refused);
      return { failure: size ? oversized(Number(size[1]), plan.maxBinaryBytes) : { kind: 'import-error', message: `the built binary was not kept: ${out.refused}` }, compileError: false, result };
    }
    return { data: out.data, result };
  } finally {
    await removeScratch(scratch);
  }
}

/** A build stopped by a resource limit (cargo reports the signal of the rustc or linker it lost), as a finding. */
function buildLimitFailure(result: SandboxCommandResult, limits: CommandLimits): RunFailure | undefined {
  const text = `${result.signal ?? ''} ${result.stderr.slice(-8192)}`;
  const mib = (n: number) => `${Math.round(n / 1024 ** 2)} MiB`;
  if (/SIGXFSZ/.test(text)) return { kind: 'limit', message: `the build wrote a file over the ${mib(limits.fileSizeBytes)} cap (large static data in the crate?)` };
  if (/SIGXCPU/.test(text)) return { kind: 'limit', message: `a build process used its ${limits.cpuSeconds} s of CPU time and was stopped` };
  if (/memory allocation of \d+ bytes failed|out of memory|Cannot allocate memory/i.test(text)) return { kind: 'memory', message: `the build ran out of memory (limit ${mib(limits.memoryBytes)} per process)` };
  if (/SIGKILL/.test(text)) return { kind: 'limit', message: 'a build process was killed (SIGKILL: a resource limit or the system stopped it)' };
  return undefined;
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
  let built: RustBuild;
  try {
    built = await buildRustHarness(options.root, names, { ...(options.isolation ? { isolation: options.isolation } : {}), ...(options.rustAdapter ? { adapter: options.rustAdapter } : {}) });
  } catch (error) {
    built = { failure: { kind: 'internal', message: error instanceof Error ? error.message : String(error) } };
  }
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
    // The files the binary was built from, not a second copy of the folder.
    image: built.image,
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
