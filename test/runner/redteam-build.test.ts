/**
 * The Rust build's writes, with the Cargo.toml policy bypassed (it refuses
 * build.rs): a build script fills the file system it writes on with bytes
 * (1 GiB asked) and inodes (20000 asked) and leaves a setuid copy of a
 * shell. At bwrap (as root) and namespaces the build's scratch must be a
 * capped tmpfs (BUILD_LIMITS: 512 MiB, 16384 inodes): nothing of it lands on
 * the host's disk, where a setuid file could be run by another
 * user and where only RLIMIT_FSIZE (per file) would bound it. The built
 * binary still comes back to the grader (the ok crate builds and grades).
 */
import { readFileSync } from 'node:fs';
import { resolve, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'smol-toml';
import { readSubmissionImage } from '../../src/runner/sandbox.js';
import { BUILD_LIMITS, buildCrateInSandbox, findRustToolchain, MAX_BINARY_BYTES } from '../../src/runner/rust/index.js';
import type { IsolationLevel } from '../../src/runner/types.js';
import { has, needs } from '../helpers/machine.js';
import { onlyIf } from '../helpers/levels.js';
import { allLevels, hostSecret, instantiate, removeAll, sandboxedLevels } from './levels.js';
import { runSandboxedCommand } from '../../src/runner/sandbox-command.js';
import { removeScratch, scratchFromImage } from '../../src/runner/sandbox.js';

const toolchain = has('cargo') ? await findRustToolchain() : undefined;
const made: string[] = [];
afterAll(() => removeAll(...made));

async function build(name: string, level: IsolationLevel) {
  const secret = hostSecret();
  const root = instantiate(resolve('fixtures/rope-lab02-rust', name), secret);
  made.push(root, secret.dir);
  const crate = (parse(readFileSync(join(root, 'Cargo.toml'), 'utf8')) as { package: { name: string } }).package.name;
  return buildCrateInSandbox(readSubmissionImage(root), {
    name: crate,
    names: { frequencies: 'rope_frequencies', precompute: 'precompute_rope', apply: 'apply_rope' },
    template: 'use learner as _;\nfn main() {}\n',
    toolchain: toolchain!,
    level,
    maxBinaryBytes: MAX_BINARY_BYTES,
  });
}

describe('the build writes on a capped tmpfs, never on the host disk', needs('cargo'), () => {
  for (const { level, title, options } of allLevels) {
    const root = process.getuid?.() === 0;
    const applies = level !== 'rlimits' && root;
    const why = level === 'rlimits' ? 'not at rlimits: scratch is a host folder capped per file only (docs/security.md says so)' : 'needs root: without it scratch is a host folder (the description says so)';
    describe(title, options, () => {
      it('hostile-build-fill: bytes and inodes stop at the tmpfs caps, the setuid file is on the tmpfs', { ...onlyIf(applies, why), timeout: 300_000 }, async () => {
        const built = await build('hostile-build-fill', level);
        expect('failure' in built).toBe(true);
        const said = /REDTEAM-FILL bytes_mib=(\d+) files=(\d+) suid=(\S+) fs=([A-Za-z0-9]+)/.exec(JSON.stringify(built));
        expect(said, JSON.stringify(built).slice(0, 2000)).not.toBeNull();
        const [, mib, files, , fs] = said!;
        expect(fs, said![0]).toBe('tmpfs');
        // 1 GiB and 20000 files asked: the build's tmpfs caps stop them.
        expect(Number(mib)).toBeLessThan(BUILD_LIMITS.scratchBytes! / 1024 ** 2);
        expect(Number(files)).toBeLessThan(BUILD_LIMITS.scratchInodes!);
      });

      it('ok-rust still builds and its binary comes back', async () => {
        const built = await build('ok-rust', level);
        expect('data' in built, JSON.stringify('failure' in built ? built.failure : '')).toBe(true);
        expect('data' in built && built.data.length).toBeGreaterThan(1000);
      }, 300_000);
    });
  }
});

describe('a one-shot command fails closed when its scratch tmpfs cannot be mounted', () => {
  for (const { level, title, options } of sandboxedLevels) {
    it(`${title}: a setup failure, and the command never ran`, { ...options, ...onlyIf(process.getuid?.() === 0, 'needs root: without it scratch is a host folder'), timeout: 120_000 }, async () => {
      const scratch = await scratchFromImage({ dirs: [], files: [], skipped: [] });
      process.env.RUBRICATE_TEST_SANDBOX_FAULT = JSON.stringify({ failType: 'tmpfs' });
      try {
        const limits = { memoryBytes: 512 << 20, cpuSeconds: 10, fileSizeBytes: 1 << 20, processes: 16, wallMs: 60_000, outputBytes: 4096 };
        const result = await runSandboxedCommand({ level, scratch, command: '/bin/sh', args: ['-c', 'echo RAN'], visible: [], limits, exports: [] });
        expect(result.setupFailure).toContain('injected by the test hook');
        expect(result.stdout).not.toContain('RAN');
      } finally {
        delete process.env.RUBRICATE_TEST_SANDBOX_FAULT;
        await removeScratch(scratch);
      }
    });
  }
});
