/**
 * Hostile Rust submissions (fixtures/rope-lab02-rust/hostile-*), each at
 * every isolation level this machine has. Each fixture is instantiated with
 * a host file holding a random token (outside the submission) and a marker
 * path beside it that the attack tries to create. Three layers are shown
 * apart:
 * - the Cargo.toml policy refuses build-time code early, as a located finding
 *   (at every level, rlimits included);
 * - with that policy bypassed (`buildCrateInSandbox`), the build itself is
 *   contained at bwrap and namespaces: no marker, no token, no process left;
 * - compile-time reads that no scan sees (cfg_attr, macro-made #[path],
 *   .incbin) end in the sandbox where the host file does not exist.
 * What rlimits cannot stop (no file-system isolation) is asserted as such, so
 * docs/security.md stays true.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'smol-toml';
import { afterAll, describe, expect, it } from 'vitest';
import { grade } from '../../src/core/engine.js';
import type { Report } from '../../src/core/types.js';
import { resolveRubric } from '../../src/rubric/load.js';
import { buildCrateInSandbox, buildRustHarness, findRustToolchain, MAX_BINARY_BYTES, type CrateBuild } from '../../src/runner/rust/index.js';
import { readSubmissionImage } from '../../src/runner/sandbox.js';
import type { IsolationLevel } from '../../src/runner/types.js';
import { processesWith } from './helpers.js';
import { has, needs } from '../helpers/machine.js';
import { allLevels, hostSecret, instantiate, removeAll, sandboxedLevels, type HostSecret } from './levels.js';

const toolchain = has('cargo') ? await findRustToolchain() : undefined;
const fixture = (name: string) => resolve('fixtures/rope-lab02-rust', name);
const made: string[] = [];
afterAll(() => removeAll(...made));

function setUp(name: string): { root: string; secret: HostSecret } {
  const secret = hostSecret();
  const root = instantiate(fixture(name), secret);
  made.push(root, secret.dir);
  return { root, secret };
}

async function gradeAt(root: string, level: IsolationLevel): Promise<Report> {
  return grade({ rubric: await resolveRubric('rope-lab02-rust'), target: root, services: { isolation: level } });
}

/** The check every code check points to when the crate did not load. */
function shapes(report: Report) {
  const check = report.checks.find((c) => c.id === 'code-shapes');
  expect(check, 'code-shapes is in the report').toBeDefined();
  return check!;
}

/** Builds the crate in the sandbox with the policy bypassed, against a harness that only links it (build-time attacks run before the harness compiles). */
async function buildUnchecked(root: string, level: IsolationLevel): Promise<CrateBuild> {
  const name = (parse(readFileSync(join(root, 'Cargo.toml'), 'utf8')) as { package: { name: string } }).package.name;
  return buildCrateInSandbox(readSubmissionImage(root), {
    name,
    names: { frequencies: 'rope_frequencies', precompute: 'precompute_rope', apply: 'apply_rope' },
    template: 'use learner as _;\nfn main() {}\n',
    toolchain: toolchain!,
    level,
    maxBinaryBytes: MAX_BINARY_BYTES,
  });
}

const BUILD_TIME_CODE = [
  { name: 'hostile-path-dependency', refused: '[dependencies] is not allowed', line: 6 },
  { name: 'hostile-proc-macro', refused: '[dependencies] is not allowed', line: 6 },
  { name: 'hostile-quoted-build-key', refused: 'package.build is not allowed', line: 5 },
  { name: 'hostile-build-daemon', refused: 'build.rs is not allowed', line: undefined },
  { name: 'hostile-lib-txt', refused: '[lib] path "src/lib.txt" is not allowed', line: 7 },
] as const;

describe(`Cargo.toml policy: build-time code is refused before any build`, needs('cargo'), () => {
  for (const { level, title, options } of allLevels) {
    describe(title, options, () => {
      for (const attack of BUILD_TIME_CODE) {
        it(`${attack.name}: one located finding, nothing built`, async () => {
          const { root, secret } = setUp(attack.name);
          const report = await gradeAt(root, level);
          const check = shapes(report);
          expect(check.status).toBe('fail'); // the learner's crate: a learner failure, not a grading error
          expect(check.message).toContain(attack.refused);
          expect(check.location?.file).toBe(attack.line === undefined ? 'build.rs' : 'Cargo.toml');
          if (attack.line !== undefined) expect(check.location?.line).toBe(attack.line);
          expect(JSON.stringify(report)).not.toContain(secret.token);
          expect(existsSync(secret.marker)).toBe(false);
        }, 60_000);
      }
    });
  }
});

describe(`the build is contained even with the policy bypassed`, needs('cargo'), () => {
  for (const { level, title, options } of sandboxedLevels) {
    describe(title, options, () => {
      for (const name of ['hostile-path-dependency', 'hostile-proc-macro', 'hostile-quoted-build-key', 'hostile-build-daemon']) {
        it(`${name}: its build-time code ran in the sandbox: no host file read, no write outside, no process left`, async () => {
          const { root, secret } = setUp(name);
          const built = await buildUnchecked(root, level);
          // The attack ran (the crate built) and found nothing: the host's temp folder is not there.
          expect('data' in built, JSON.stringify('failure' in built ? built.failure : '')).toBe(true);
          expect(JSON.stringify(built)).not.toContain(secret.token);
          expect(existsSync(secret.marker)).toBe(false);
          expect(existsSync(`${secret.marker}.daemon`)).toBe(false);
          expect(processesWith('rubricate-attack-daemon')).toEqual([]);
        }, 180_000);
      }

      it('hostile-lib-txt: include_str! of a host file from a .txt library finds no such file', async () => {
        const { root, secret } = setUp('hostile-lib-txt');
        const built = await buildUnchecked(root, level);
        expect('failure' in built && built.failure.message).toContain("couldn't read");
        expect(JSON.stringify(built)).not.toContain(secret.token);
      }, 180_000);
    });
  }

  it('rlimits (no file-system isolation): a build script DOES write outside scratch, as docs/security.md says; its daemon is still killed', async () => {
    const { root, secret } = setUp('hostile-build-daemon');
    await buildUnchecked(root, 'rlimits');
    expect(readFileSync(secret.marker, 'utf8')).toContain(secret.token);
    expect(processesWith('rubricate-attack-daemon')).toEqual([]);
  }, 180_000);
});

describe(`compile-time reads that no scan sees find no host file`, needs('cargo'), () => {
  for (const { level, title, options } of sandboxedLevels) {
    describe(title, options, () => {
      for (const [name, says] of [
        ['hostile-cfg-attr-path', "couldn't read"],
        ['hostile-macro-path', "couldn't read"],
        ['hostile-incbin', 'Could not find incbin file'],
      ] as const) {
        it(`${name}: the crate does not compile, and the host file's text is nowhere in the report`, async () => {
          const { root, secret } = setUp(name);
          const report = await gradeAt(root, level);
          const check = shapes(report);
          expect(check.status).toBe('fail'); // the learner's crate: a learner failure, not a grading error
          expect(check.message).toContain('does not compile');
          expect(check.message).toContain(says);
          expect(JSON.stringify(report)).not.toContain(secret.token);
        }, 180_000);
      }
    });
  }

  it('rlimits (no file-system isolation): the compiler DOES read a host file named by cfg_attr and quotes it, as docs/security.md says', async () => {
    const { root, secret } = setUp('hostile-cfg-attr-path');
    const report = await gradeAt(root, 'rlimits');
    expect(JSON.stringify(report)).toContain(secret.token);
  }, 180_000);
});

describe(`no variable of the grader's environment reaches the build or the run`, needs('cargo'), () => {
  for (const { level, title, options } of allLevels) {
    it(`${title}: env!/option_env!/std::env show only the sandbox's own values`, { ...options, timeout: 240_000 }, async () => {
      const { root } = setUp('hostile-env');
      const secret = `rubricate-test-secret-${Math.random().toString(36).slice(2)}`;
      process.env.RUBRICATE_TEST_SECRET = secret;
      let report: Report;
      try {
        report = await gradeAt(root, level);
      } finally {
        delete process.env.RUBRICATE_TEST_SECRET;
      }
      const text = JSON.stringify(report);
      // The channel works: the panic message with the environment reached the report...
      expect(text).toContain('build HOME=');
      expect(text).toContain('SECRET=-');
      // ...and carries nothing of the grader's.
      expect(text).not.toContain(secret);
      expect(text).not.toContain(process.env.PATH!);
      if (process.env.HOME) expect(text).not.toContain(`${process.env.HOME}/.cargo`);
      if (process.env.CARGO_HOME) expect(text).not.toContain(process.env.CARGO_HOME);
    });
  }
});

describe(`Cargo.toml that would block or never end is answered at once`, needs('cargo'), () => {
  const special = (make: (manifest: string) => void): string => {
    const root = mkdtempSync(join(tmpdir(), 'rubricate-hostile-'));
    made.push(root);
    cpSync(fixture('hostile-manifest-special'), root, { recursive: true });
    make(join(root, 'Cargo.toml'));
    return root;
  };
  for (const { level, title, options } of allLevels) {
    describe(title, options, () => {
      it('a named pipe (FIFO)', async () => {
        const root = special((manifest) => execFileSync('mkfifo', [manifest]));
        const check = shapes(await gradeAt(root, level));
        expect(check.status).toBe('fail'); // the learner's crate: a learner failure, not a grading error
        expect(check.message).toContain('Cargo.toml was not read: a FIFO (named pipe), not a regular file');
      }, 60_000);

      it('a symbolic link to /dev/zero', async () => {
        const root = special((manifest) => symlinkSync('/dev/zero', manifest));
        const check = shapes(await gradeAt(root, level));
        expect(check.status).toBe('fail'); // the learner's crate: a learner failure, not a grading error
        expect(check.message).toContain('Cargo.toml was not read: symlink leaving the submission: /dev/zero');
      }, 60_000);
    });
  }
});

describe(`a huge binary is refused, not cached or copied into sessions`, needs('cargo'), () => {
  it('hostile-huge-binary (70 MB of assembler data): a limit finding naming the cap', async () => {
    const built = await buildRustHarness(fixture('hostile-huge-binary'));
    expect('failure' in built && built.failure).toMatchObject({ kind: 'limit' });
    expect('failure' in built && built.failure.message).toMatch(/the built binary is \d+(\.\d)? MiB, over the 64 MiB cap/);
  }, 300_000);
});
