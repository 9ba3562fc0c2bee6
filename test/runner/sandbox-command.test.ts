/**
 * runSandboxedCommand (src/runner/sandbox-command.ts), the one-shot sandboxed
 * command the Rust build uses, at every isolation level this machine has:
 * exit status and capped output come back; the environment is the fixed
 * minimal one; a command that never ends is stopped at its wall-clock limit;
 * a setsid'd daemon is dead when the call returns; writes outside scratch do
 * not reach the host (bwrap, namespaces), and as root its writes land on a
 * capped tmpfs, handed back only as exports. readScratchFile keeps only a
 * regular file inside scratch, up to its cap.
 */
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCommandOutput, readScratchFile, runSandboxedCommand, type CommandLimits } from '../../src/runner/sandbox-command.js';
import { removeScratch, scratchFromImage, type Scratch } from '../../src/runner/sandbox.js';
import type { IsolationLevel } from '../../src/runner/types.js';
import { processesWith } from './helpers.js';
import { allLevels, hostSecret, removeAll } from './levels.js';

const LIMITS: CommandLimits = { memoryBytes: 512 << 20, cpuSeconds: 30, fileSizeBytes: 1 << 20, processes: 32, wallMs: 60_000, outputBytes: 4096 };
const scratches: Scratch[] = [];
const dirs: string[] = [];
afterAll(async () => {
  for (const scratch of scratches) await removeScratch(scratch);
  removeAll(...dirs);
});

async function sh(level: IsolationLevel, script: string, limits: Partial<CommandLimits> = {}, env: Record<string, string> = {}, exports: string[] = []) {
  const scratch = await scratchFromImage({ dirs: [], files: [], skipped: [] });
  scratches.push(scratch);
  const files = exports.map((rel) => ({ file: join(scratch.dir, rel), maxBytes: 4096 }));
  const result = await runSandboxedCommand({ level, scratch, command: '/bin/sh', args: ['-c', script], visible: [], env, limits: { ...LIMITS, ...limits }, exports: files });
  return { result, scratch };
}

for (const { level, title, options } of allLevels) {
  describe(`runSandboxedCommand at ${title}`, options, () => {
    it('returns the exit code and the output, capped', async () => {
      const { result } = await sh(level, 'echo out; echo err >&2; exit 3');
      expect(result).toMatchObject({ code: 3, signal: null, timedOut: false, stdout: 'out\n', stderr: 'err\n', truncated: false });
      expect(result.isolation.level).toBe(level);
      const flood = await sh(level, 'i=0; while [ $i -lt 2000 ]; do echo 0123456789; i=$((i+1)); done');
      expect(flood.result.truncated).toBe(true);
      expect(flood.result.stdout.length).toBe(LIMITS.outputBytes);
    }, 60_000);

    it('starts from the fixed environment: nothing of the grader\'s', async () => {
      const secret = `secret-${randomBytes(6).toString('hex')}`;
      process.env.RUBRICATE_TEST_SECRET = secret;
      try {
        const { result, scratch } = await sh(level, 'env', {}, { EXTRA: 'given' });
        const names = result.stdout.split('\n').filter(Boolean).map((line) => line.split('=')[0]).sort();
        expect(names.filter((n) => n !== 'PWD' && n !== 'SHLVL' && n !== '_')).toEqual(['EXTRA', 'HOME', 'LANG', 'PATH', 'RUBRICATE_SANDBOX', 'TMPDIR']);
        expect(result.stdout).toContain(`HOME=${scratch.home}\n`);
        expect(result.stdout).not.toContain(secret);
      } finally {
        delete process.env.RUBRICATE_TEST_SECRET;
      }
    }, 60_000);

    it('stops a command that never ends at its wall-clock limit', async () => {
      const { result } = await sh(level, 'while :; do sleep 1; done', { wallMs: 1500 });
      expect(result.timedOut).toBe(true);
      expect(result.code === 0 && result.signal === null).toBe(false);
    }, 60_000);

    it('leaves no process behind: a setsid daemon is dead when the call returns', async () => {
      const name = `rubricate-cmd-daemon-${randomBytes(4).toString('hex')}`;
      const { result } = await sh(level, `setsid -f /bin/sh -c 'while :; do sleep 1; done' ${name}; sleep 0.2; exit 0`);
      expect(result.code).toBe(0);
      expect(processesWith(name)).toEqual([]);
    }, 60_000);

    // rlimits does not isolate the file system (docs/security.md): this applies to the sandboxed levels only.
    if (level !== 'rlimits') {
      it('writes only inside scratch', async () => {
        const secret = hostSecret();
        dirs.push(secret.dir);
        const script = `echo kept > "$HOME/../work/kept.txt"; ln -s ${secret.file} "$HOME/../work/link.txt"; mkfifo "$HOME/../work/fifo"; echo x > ${secret.marker}; cat ${secret.file}; exit 0`;
        const { result, scratch } = await sh(level, script, {}, {}, ['work/kept.txt', 'work/link.txt', 'work/fifo', 'work/none.txt']);
        // What it wrote comes back as an export; a link or a FIFO is not followed or read.
        const read = (rel: string) => readCommandOutput(scratch, result, join(scratch.dir, rel), 4096);
        expect(await read('work/kept.txt')).toEqual({ data: Buffer.from('kept\n') });
        expect(await read('work/link.txt')).toMatchObject({ refused: expect.stringMatching(/missing|out of the scratch folder/) });
        expect(await read('work/fifo')).toMatchObject({ refused: 'it is not a regular file' });
        expect(await read('work/none.txt')).toMatchObject({ refused: expect.stringContaining('missing') });
        // As root the command wrote on a capped tmpfs: nothing of it is on the host's disk.
        if (process.getuid?.() === 0) {
          expect(result.isolation.description).toContain('writes go to a private tmpfs');
          expect(existsSync(join(scratch.work, 'kept.txt'))).toBe(false);
        }
        expect(existsSync(secret.marker)).toBe(false);
        expect(result.stdout + result.stderr).not.toContain(secret.token);
      }, 60_000);
    }
  });
}

describe('readScratchFile', () => {
  it('keeps a regular file inside scratch up to its cap, and nothing else', async () => {
    const scratch = await scratchFromImage({ dirs: ['out'], files: [{ path: 'out/bin', data: Buffer.from('binary') }], skipped: [] });
    scratches.push(scratch);
    const secret = hostSecret();
    dirs.push(secret.dir);
    expect(await readScratchFile(scratch, join(scratch.work, 'out/bin'), 100)).toEqual({ data: Buffer.from('binary') });
    expect(await readScratchFile(scratch, join(scratch.work, 'out/bin'), 3)).toEqual({ refused: 'it is 6 bytes, over the cap of 3' });
    symlinkSync(secret.file, join(scratch.work, 'link'));
    expect(await readScratchFile(scratch, join(scratch.work, 'link'), 100)).toEqual({ refused: 'its path leads out of the scratch folder' });
    symlinkSync(secret.dir, join(scratch.work, 'folder'));
    expect(await readScratchFile(scratch, join(scratch.work, 'folder', 'secret.txt'), 100)).toEqual({ refused: 'its path leads out of the scratch folder' });
    execFileSync('mkfifo', [join(scratch.work, 'fifo')]);
    expect(await readScratchFile(scratch, join(scratch.work, 'fifo'), 100)).toEqual({ refused: 'it is not a regular file' });
    mkdirSync(join(scratch.work, 'dir'));
    expect(await readScratchFile(scratch, join(scratch.work, 'dir'), 100)).toEqual({ refused: 'it is not a regular file' });
    writeFileSync(join(scratch.work, 'empty'), '');
    expect(await readScratchFile(scratch, join(scratch.work, 'missing'), 100)).toMatchObject({ refused: expect.stringContaining('missing') });
  });
});
