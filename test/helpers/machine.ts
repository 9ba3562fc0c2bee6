/**
 * What this machine offers the tests, probed once per run and read by every
 * test that depends on it.
 *
 * `probeMachine()` runs once, in the vitest process (the global setup
 * test/setup/machine.ts), and hands its answers to the test files; a test that
 * needs an optional tool declares it with `needs(...)`, which skips it on a
 * machine without the tool and names why. The reporter in
 * test/setup/skip-reporter.ts prints every skipped test with that reason at
 * the end of the run, so a green run on a machine without bubblewrap or cargo
 * says so. See test/README.md.
 *
 *     it('builds a crate', needs('cargo'), async () => { ... });
 *     describe('isolation level bwrap', needs('bwrap'), () => { ... });
 *     it('is slow', { ...needs('cargo'), timeout: 600_000 }, async () => { ... });
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { inject, type TestOptions } from 'vitest';
import type { Rubric } from '../../src/core/types.js';
import { codeLanguages } from '../../src/runner/languages.js';

/** One probe's answer: present or not, and what was found (a version) or why it is missing. */
export interface Probe {
  ok: boolean;
  detail: string;
}

/** The optional things tests may need. NumPy is required (README, Quick start): the run stops without it. */
export interface Machine {
  /** bubblewrap runs a sandbox with the options rubricate uses (the `bwrap` isolation level). */
  bwrap: Probe;
  /** `unshare` creates net, pid and mount namespaces (the `namespaces` isolation level; needs root). */
  namespaces: Probe;
  /** cargo and rustc build crates (the Rust runner). */
  cargo: Probe;
  /** A Chromium or Chrome binary for browser tests. */
  chromium: Probe;
  /** python3 with NumPy, as rubricate resolves it. */
  numpy: Probe;
  /** pytest importable by that interpreter (`claims --run-tests` on Python projects). */
  pytest: Probe;
}

export type Need = Exclude<keyof Machine, 'numpy'>;

/** What each need is called in skip reasons. */
const LABELS: Record<keyof Machine, string> = {
  bwrap: 'bubblewrap',
  namespaces: 'namespaces',
  cargo: 'cargo',
  chromium: 'chromium',
  numpy: 'python3 with NumPy',
  pytest: 'pytest',
};

declare module 'vitest' {
  export interface ProvidedContext {
    machine: Machine;
  }
  interface TaskMeta {
    /** Why the test is skipped on this machine (set by `needs`, printed by the skip reporter). */
    skipReason?: string;
  }
}

/** The full path of `name` on PATH, as a shell would find it. */
export function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const full = join(dir, name);
    try {
      accessSync(full, constants.X_OK);
      return full;
    } catch {
      // not here
    }
  }
  return undefined;
}

function version(command: string, args = ['--version']): Probe {
  const path = onPath(command);
  if (!path) return { ok: false, detail: `${command} is not on PATH` };
  const run = spawnSync(path, args, { encoding: 'utf8', timeout: 60_000 });
  const out = `${run.stdout ?? ''}${run.stderr ?? ''}`.trim().split('\n')[0] ?? '';
  if (run.status !== 0) return { ok: false, detail: `${path} ${args.join(' ')} failed${out ? `: ${out}` : ` (${run.error?.message ?? `exit ${run.status}`})`}` };
  return { ok: true, detail: out };
}

/**
 * Probes the machine the way rubricate sees it: the isolation levels through
 * the sandbox module's own probes, Python through its own resolver.
 */
export async function probeMachine(): Promise<Machine> {
  const [{ bwrapWorks, namespacesWork }, { resolvePython }] = await Promise.all([import('../../src/runner/sandbox.js'), import('../../src/runner/python.js')]);
  const [bwrapOk, namespacesOk, python] = await Promise.all([
    bwrapWorks(),
    namespacesWork(),
    resolvePython().then(
      (info) => ({ ok: true, detail: `${info.path}: Python ${info.version}, NumPy ${info.numpy}`, path: info.path }),
      (error: Error) => ({ ok: false, detail: error.message, path: undefined }),
    ),
  ]);
  const pytestRun = python.path ? spawnSync(python.path, ['-m', 'pytest', '--version'], { encoding: 'utf8', timeout: 60_000 }) : undefined;
  const pytest: Probe = !python.path
    ? { ok: false, detail: `no Python: ${python.detail}` }
    : pytestRun?.status === 0
      ? { ok: true, detail: `${`${pytestRun.stdout}${pytestRun.stderr}`.trim().split('\n')[0]} (${python.path})` }
      : { ok: false, detail: `${python.path} -m pytest --version failed (pip install pytest)` };

  const bwrapPath = onPath('bwrap');
  const bwrap: Probe = bwrapOk
    ? { ok: true, detail: bwrapPath ?? 'bwrap' }
    : { ok: false, detail: bwrapPath ? `${bwrapPath} cannot start a sandbox here (user namespaces disabled?)` : 'bwrap is not on PATH (package bubblewrap)' };

  const uid = process.getuid?.();
  const unshare = onPath('unshare');
  const namespaces: Probe = namespacesOk
    ? { ok: true, detail: unshare ?? 'unshare' }
    : {
        ok: false,
        detail:
          uid !== 0 ? `the tests run as uid ${uid ?? '?'}, and this level needs root` : !unshare ? 'unshare is not on PATH (package util-linux)' : `${unshare} cannot create net, pid and mount namespaces here`,
      };

  const cargoVersion = version('cargo');
  const rustc = cargoVersion.ok ? version('rustc') : cargoVersion;
  const cargo: Probe = cargoVersion.ok && rustc.ok ? { ok: true, detail: `${cargoVersion.detail}, ${rustc.detail}` } : { ok: false, detail: `${rustc.detail} (Rust toolchain: rustup, or the packages cargo and rustc)` };

  const browser = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'].map(onPath).find((p) => p !== undefined);
  const chromium: Probe = browser ? { ok: true, detail: browser } : { ok: false, detail: 'no chromium, chromium-browser or google-chrome on PATH (package chromium)' };

  return { bwrap, namespaces, cargo, chromium, numpy: { ok: python.ok, detail: python.detail }, pytest };
}

/** One line per probe, for the start of a run. */
export function describeMachine(machine: Machine): string {
  return (Object.keys(LABELS) as Array<keyof Machine>).map((key) => `  ${machine[key].ok ? 'yes' : 'no '}  ${LABELS[key]}: ${machine[key].detail}`).join('\n');
}

let cached: Machine | undefined;

/** This run's probe results (inside a test file). */
export function machine(): Machine {
  cached ??= inject('machine');
  if (!cached) throw new Error('the machine was not probed: run the tests through vitest with test/setup/machine.ts as a global setup (vitest.config.ts)');
  return cached;
}

/** True when the machine has every one of `what`. */
export function has(...what: Need[]): boolean {
  return what.every((need) => machine()[need].ok);
}

/** Why a test needing `what` cannot run here, or undefined when it can. */
export function missing(...what: Need[]): string | undefined {
  const absent = what.filter((need) => !machine()[need].ok);
  if (absent.length === 0) return undefined;
  return absent.map((need) => `needs ${LABELS[need]}: ${machine()[need].detail}`).join('; ');
}

/**
 * Test (or describe) options that skip it, with the reason, on a machine
 * without one of `what`; empty options when everything is there.
 */
export function needs(...what: Need[]): TestOptions {
  const reason = missing(...what);
  return reason === undefined ? {} : { skip: true, meta: { skipReason: reason } };
}

/** Every isolation level, weakest first; tests loop over all of them, `needsLevel` skips the ones this machine lacks. */
export const ISOLATION_LEVELS = ['rlimits', 'namespaces', 'bwrap'] as const;

/** `needs` for an isolation level: rlimits works everywhere, the others need their tool. */
export function needsLevel(level: (typeof ISOLATION_LEVELS)[number]): TestOptions {
  return level === 'rlimits' ? {} : needs(level);
}

/** `needs` for grading with `rubric`: its learner code's languages decide (Rust needs cargo). */
export function needsToGrade(rubric: Rubric): TestOptions {
  return codeLanguages(rubric).has('rust') ? needs('cargo') : {};
}
