/**
 * `--run-tests`: the project's own tools run on a copy of the repository,
 * ONLY inside the learner sandbox (src/runner/sandbox-command.ts: the
 * isolation of a learner session, no network, no grader environment, resource
 * limits and a hard wall-clock limit), because building and testing runs
 * code the repository controls (build scripts, proc macros, the tests).
 *
 * Rust (a `Cargo.toml` at the root): `cargo test --offline --no-fail-fast`
 * (tests listed and run; the "test result" lines give the counts) and
 * `cargo clippy --offline --all-targets` (warnings counted). Dependencies
 * must already be vendored or absent: nothing is downloaded.
 *
 * Python (pytest configuration, or test_*.py / *_test.py files): `python -m
 * pytest -q` with the learner interpreter (`--python`, else the machine's),
 * the project's own pytest configuration kept; the summary line gives the
 * counts. A test module that cannot import a package (one the interpreter
 * lacks, or the project's own in a src/ layout that needs installing) is a
 * note (the claim stays not verified), not a failure: the grading machine's
 * packages are not the project's. No Python linter is run.
 *
 * Other languages are not run in this version: their run claims stay not
 * verified, saying so.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { resolvePython } from '../runner/python.js';
import { findRustToolchain } from '../runner/rust/index.js';
import { runSandboxedCommand, type CommandLimits, type SandboxCommandResult } from '../runner/sandbox-command.js';
import { readSubmissionImage, removeScratch, requireIsolation, scratchFromImage, type Scratch } from '../runner/sandbox.js';
import type { IsolationLevel } from '../runner/types.js';
import type { RunEvidence, RepositoryView } from './check.js';

export interface RunOptions {
  isolation?: IsolationLevel | 'auto';
  /** Wall clock of each command, ms (default 300 s). */
  timeoutMs?: number;
  /** The Python interpreter for pytest (default: the machine's, as `rubricate grade` picks it). */
  python?: string;
}

export const RUN_LIMITS: CommandLimits = {
  memoryBytes: 2 * 1024 ** 3,
  cpuSeconds: 600,
  fileSizeBytes: 512 * 1024 ** 2,
  processes: 64,
  wallMs: 300_000,
  outputBytes: 1024 * 1024,
};

/** Sums cargo's "test result: ok. N passed; M failed; K ignored" lines. */
export function cargoTestResults(output: string): { passed: number; failed: number; ignored: number; suites: number } {
  const out = { passed: 0, failed: 0, ignored: 0, suites: 0 };
  for (const m of output.matchAll(/^test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored/gm)) {
    out.suites++;
    out.passed += Number(m[1]);
    out.failed += Number(m[2]);
    out.ignored += Number(m[3]);
  }
  return out;
}

function ended(result: SandboxCommandResult, limits: CommandLimits): string | undefined {
  if (result.setupFailure !== undefined) return `the sandbox could not be set up: ${result.setupFailure}`;
  if (result.timedOut) return `it did not finish within ${Math.round(limits.wallMs / 1000)} s`;
  if (result.signal) return `it was stopped by ${result.signal} (a resource limit)`;
  return undefined;
}

/** Counts of pytest's summary line ("3 passed, 1 failed, 2 skipped in 0.12s"), or undefined when there is none. */
export function pytestResults(output: string): { passed: number; failed: number; skipped: number; errors: number; line: string } | undefined {
  const lines = output.split('\n').map((l) => l.replace(/^=+\s*|\s*=+$/g, '').trim());
  const line = [...lines].reverse().find((l) => /^(?:no tests ran|\d+ (?:passed|failed|skipped|errors?|xfailed|xpassed|deselected|warnings?)\b)[^\n]* in [\d.]+s\b/.test(l));
  if (line === undefined) return undefined;
  const count = (word: RegExp) => {
    const m = new RegExp(String.raw`(\d+) ${word.source}\b`).exec(line);
    return m ? Number(m[1]) : 0;
  };
  return { passed: count(/passed/), failed: count(/failed/), skipped: count(/skipped/), errors: count(/errors?/), line };
}

const TEST_FILE = /(?:^|\/)(?:test_[^/]*|[^/]*_test)\.py$/;
const PYTEST_CONFIG = ['pytest.ini', 'pyproject.toml', 'setup.cfg', 'tox.ini', 'conftest.py'];

/** Runs the project's tools in the sandbox (see the module comment). */
export async function runProjectTools(root: string, view: RepositoryView, options: RunOptions = {}): Promise<RunEvidence> {
  if (view.tree.has('Cargo.toml')) return runRust(root, options);
  if (view.tree.files().some((f) => TEST_FILE.test(f)) || view.tree.has('pytest.ini') || view.tree.has('conftest.py')) return runPytest(root, options);
  const hasPythonConfig = PYTEST_CONFIG.some((f) => view.tree.has(f));
  return {
    notes: [
      hasPythonConfig
        ? '--run-tests found a Python project but no test_*.py or *_test.py file, so pytest was not run'
        : '--run-tests runs Rust projects (a Cargo.toml at the root) and Python projects with pytest tests in this version; this repository is neither, so runs were not made',
    ],
  };
}

async function runPytest(root: string, options: RunOptions): Promise<RunEvidence> {
  const evidence: RunEvidence = { notes: [] };
  let python;
  try {
    python = await resolvePython(options.python);
  } catch (error) {
    evidence.notes.push(`no Python interpreter for pytest: ${error instanceof Error ? error.message : String(error)}`);
    return evidence;
  }
  await inSandboxCopy(root, options, async ({ level, limits, scratch }) => {
    const run = await runSandboxedCommand({
      level,
      scratch,
      command: python.path,
      args: ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', '--color=no'],
      cwd: scratch.work,
      visible: python.prefixes,
      env: { PYTHONDONTWRITEBYTECODE: '1', PYTHONHASHSEED: '0' },
      limits,
    });
    const stop = ended(run, limits);
    const output = `${run.stdout}\n${run.stderr}`;
    const counts = pytestResults(run.stdout);
    const lacking = /ModuleNotFoundError: No module named '([^']+)'/.exec(output);
    if (stop) evidence.notes.push(`pytest (sandboxed, ${level}): ${stop}`);
    else if (/No module named pytest/.test(output)) evidence.notes.push(`pytest is not installed for ${python.path}`);
    else if (lacking && (counts === undefined || counts.errors > 0)) {
      // A package the grading machine lacks, or the project's own package not installed (a src/ layout):
      // either way the run says nothing about whether the project's tests pass.
      evidence.notes.push(`the tests could not import '${lacking[1]}' here (not installed for ${python.path}, or the project's own package needs installing), so the run says nothing about them`);
    } else if (counts === undefined) {
      const last = run.stderr.trim().split('\n').pop() ?? run.stdout.trim().split('\n').pop() ?? '';
      evidence.notes.push(`pytest gave no summary (exit ${run.code ?? run.signal}): ${last.slice(0, 200)}`);
    } else {
      evidence.listed = counts.passed + counts.failed + counts.skipped;
      evidence.tests = { ok: run.code === 0 && counts.failed === 0 && counts.errors === 0, detail: `${counts.line} (pytest, sandboxed at ${level})` };
    }
  });
  return evidence;
}

/**
 * Runs `work` with the isolation level, the command limits (`timeoutMs`
 * applied) and a fresh scratch copy of the repository, removed afterwards.
 */
async function inSandboxCopy(
  root: string,
  options: RunOptions,
  work: (run: { level: IsolationLevel; limits: CommandLimits; scratch: Scratch }) => Promise<void>,
): Promise<void> {
  const level = await requireIsolation(options.isolation);
  const limits: CommandLimits = { ...RUN_LIMITS, ...(options.timeoutMs ? { wallMs: options.timeoutMs } : {}) };
  const scratch = await scratchFromImage(readSubmissionImage(root));
  try {
    await work({ level, limits, scratch });
  } finally {
    await removeScratch(scratch);
  }
}

async function runRust(root: string, options: RunOptions): Promise<RunEvidence> {
  const evidence: RunEvidence = { notes: [] };
  const toolchain = await findRustToolchain();
  if (!toolchain) {
    evidence.notes.push('no Rust toolchain on this machine (rustc on PATH, with cargo beside it)');
    return evidence;
  }
  await inSandboxCopy(root, options, async ({ level, limits, scratch }) => {
    const target = path.join(scratch.dir, 'target');
    const cargoHome = path.join(scratch.dir, 'cargo-home');
    for (const d of [target, cargoHome]) await fs.mkdir(d, { recursive: true });
    const inSysroot = ['/usr', '/bin', '/lib'].some((sys) => toolchain.sysroot === sys || toolchain.sysroot.startsWith(`${sys}/`));
    const cargo = (args: string[]) =>
      runSandboxedCommand({
        level,
        scratch,
        command: toolchain.cargo,
        args: [...args.slice(0, 1), '--offline', '--color', 'never', ...args.slice(1)],
        cwd: scratch.work,
        visible: inSysroot ? [] : [toolchain.sysroot],
        env: { CARGO_HOME: cargoHome, CARGO_TARGET_DIR: target, CARGO_NET_OFFLINE: 'true', CARGO_INCREMENTAL: '0', RUSTC: toolchain.rustc, PATH: `${path.join(toolchain.sysroot, 'bin')}:/usr/bin:/bin` },
        limits,
      });
    const test = await cargo(['test', '--no-fail-fast']);
    const stop = ended(test, limits);
    const counts = cargoTestResults(test.stdout);
    if (stop) evidence.notes.push(`cargo test (sandboxed, ${level}): ${stop}`);
    else if (counts.suites === 0) {
      const first = test.stderr.split('\n').find((l) => /^error/.test(l)) ?? test.stderr.trim().split('\n').pop() ?? '';
      if (/offline|download|registry|failed to get|no matching package|failed to select/i.test(test.stderr)) evidence.notes.push(`cargo test could not build offline (dependencies not vendored): ${first.slice(0, 200)}`);
      else evidence.tests = { ok: false, detail: `the tests did not build: ${first.slice(0, 200)}` };
    } else {
      evidence.listed = counts.passed + counts.failed + counts.ignored;
      evidence.tests = { ok: counts.failed === 0 && test.code === 0, detail: `${counts.passed} passed, ${counts.failed} failed, ${counts.ignored} ignored in ${counts.suites} test binaries (cargo test, sandboxed at ${level})` };
    }
    if (!stop && evidence.tests) {
      const clippy = await cargo(['clippy', '--all-targets']);
      const cstop = ended(clippy, limits);
      if (cstop) evidence.notes.push(`cargo clippy: ${cstop}`);
      else if (/no such (sub)?command|not installed/i.test(clippy.stderr)) evidence.notes.push('clippy is not installed with this toolchain');
      else {
        const warnings = (clippy.stderr.match(/^warning: (?!.*generated \d+ warning)/gm) ?? []).length;
        const errors = (clippy.stderr.match(/^error(\[\w+\])?: /gm) ?? []).length;
        evidence.lint = { clippy: { ok: clippy.code === 0 && warnings === 0 && errors === 0, detail: `${warnings} warning${warnings === 1 ? '' : 's'}, ${errors} error${errors === 1 ? '' : 's'} (cargo clippy --all-targets)` } };
      }
    }
  });
  return evidence;
}
