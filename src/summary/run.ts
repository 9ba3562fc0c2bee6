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
 * must already be vendored or absent: nothing is downloaded. Other languages
 * are not run in this version: their run claims stay not verified, saying so.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { findRustToolchain } from '../runner/rust/index.js';
import { runSandboxedCommand, type CommandLimits, type SandboxCommandResult } from '../runner/sandbox-command.js';
import { readSubmissionImage, removeScratch, requireIsolation, scratchFromImage } from '../runner/sandbox.js';
import type { IsolationLevel } from '../runner/types.js';
import type { RunEvidence, RepositoryView } from './check.js';

export interface RunOptions {
  isolation?: IsolationLevel | 'auto';
  /** Wall clock of each command, ms (default 300 s). */
  timeoutMs?: number;
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

/** Runs the project's tools in the sandbox (see the module comment). */
export async function runProjectTools(root: string, view: RepositoryView, options: RunOptions = {}): Promise<RunEvidence> {
  const evidence: RunEvidence = { notes: [] };
  if (!view.tree.has('Cargo.toml')) {
    evidence.notes.push('--run-tests runs Rust projects (a Cargo.toml at the root) in this version; this repository has none, so runs were not made');
    return evidence;
  }
  const toolchain = await findRustToolchain();
  if (!toolchain) {
    evidence.notes.push('no Rust toolchain on this machine (rustc on PATH, with cargo beside it)');
    return evidence;
  }
  const level = await requireIsolation(options.isolation);
  const limits: CommandLimits = { ...RUN_LIMITS, ...(options.timeoutMs ? { wallMs: options.timeoutMs } : {}) };
  const image = readSubmissionImage(root);
  const scratch = await scratchFromImage(image);
  try {
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
  } finally {
    await removeScratch(scratch);
  }
  return evidence;
}
