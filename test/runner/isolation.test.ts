/**
 * Hostile learner code at every isolation level (rlimits everywhere;
 * namespaces and bwrap are skipped, with the reason, where the machine lacks
 * them).
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPythonSession } from '../../src/runner/session.js';
import type { CallOutcome, Value } from '../../src/runner/types.js';
import { ISOLATION_LEVELS, needsLevel } from '../helpers/machine.js';
import { eventually } from '../helpers/wait.js';
import { hashTree, processesWith } from './helpers.js';

/** Regular files under `dir` that other users may not read. */
function privateFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const full = join(entry.parentPath ?? entry.path, entry.name);
    if (!entry.isFile()) continue;
    try {
      if ((statSync(full).mode & 0o004) === 0) out.push(full);
    } catch {
      // gone since the listing
    }
  }
  return out;
}

const fixture = resolve('fixtures/runner/hostile');
const isRoot = process.getuid?.() === 0;

function ok(outcome: CallOutcome): Value {
  if (!outcome.ok) throw new Error(`call failed: ${outcome.failure.kind}: ${outcome.failure.message}`);
  return outcome.value;
}

let server: Server;
let port = 0;
beforeAll(async () => {
  server = createServer((socket) => socket.end());
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  port = (server.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((done) => server.close(() => done())));

for (const level of ISOLATION_LEVELS) describe(`isolation level ${level}`, needsLevel(level), () => {
  let work: string;
  let submission: string;
  let outside: string;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'rubricate-test-'));
    submission = join(work, 'submission');
    outside = join(work, 'outside');
    cpSync(fixture, submission, { recursive: true });
    cpSync(fixture, outside, { recursive: true });
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  // Calls that answer get a generous limit on a loaded machine; a call that never ends gets its own short one.
  const open = (limits = {}) => openPythonSession({ root: submission, module: 'hostile.py', isolation: level, limits: { memoryBytes: 512 << 20, callTimeoutMs: 60_000, ...limits } });

  it('reports the level it used', async () => {
    const session = await open();
    try {
      expect(session.isolation.level).toBe(level);
      expect(session.isolation.description.length).toBeGreaterThan(10);
    } finally {
      await session.close();
    }
  });

  it('kills a child that escaped with setsid() when the session closes', async () => {
    const marker = `rubricate-marker-${level}-${Date.now()}`;
    const session = await open();
    ok(await session.call('setsid_escape', [marker]));
    // The grandchild execs asynchronously: wait until it shows up.
    expect(await eventually(() => processesWith(marker).length)).toBe(1);
    await session.close();
    expect(processesWith(marker)).toEqual([]);
  });

  it('kills a fork bomb on timeout and leaves no process behind', async () => {
    const session = await open();
    const scratch = ok(await session.call('where', [])) as string;
    const outcome = await session.call('fork_bomb', [8], { timeoutMs: 1500 });
    expect(!outcome.ok && outcome.failure.kind).toBe('timeout');
    expect(processesWith(scratch)).toEqual([]);
    // The next call runs in a fresh process.
    expect(ok(await session.call('where', []))).toBe(scratch);
    await session.close();
    expect(processesWith(scratch)).toEqual([]);
    expect(existsSync(scratch)).toBe(false);
  });

  it('bounds the number of processes (pids cgroup for root, RLIMIT_NPROC otherwise)', async () => {
    const session = await open({ processes: 24 });
    try {
      const made = ok(await session.call('fork_count', [100])) as number;
      if (!isRoot || session.isolation.description.includes('pids cgroup')) {
        expect(made).toBeLessThan(24);
      } else {
        // Root without a writable pids cgroup: the count is not bounded, only the lifetime.
        expect(made).toBe(100);
      }
    } finally {
      await session.close();
    }
  });

  it('keeps the submission byte-identical and writes inside scratch only', async () => {
    const before = hashTree(submission);
    const outsideBefore = hashTree(outside);
    const parentBefore = readdirSync(work).sort();
    const session = await open();
    // At the rlimits level an absolute path is not protected: aim the absolute attempts at the decoy folder.
    const target = level === 'rlimits' ? outside : submission;
    const written = ok(await session.call('write_everywhere', [outside, target])) as Record<string, string>;
    await session.close();
    // Relative writes land in the scratch copy at every level.
    expect(written.cwd).toBe('written');
    expect(hashTree(submission)).toBe(before);
    expect(readdirSync(work).sort()).toEqual(parentBefore);
    if (level === 'rlimits') {
      // Absolute paths are not isolated at this level (the report says so).
      expect(session.isolation.description).toMatch(/NOT isolated/);
      expect(written.outside).toBe('written');
      rmSync(join(outside, 'rubricate-hostile-outside.txt'), { force: true });
      rmSync(join(outside, 'rubricate-hostile-sub.txt'), { force: true });
      rmSync('/tmp/rubricate-hostile-tmp.txt', { force: true });
    } else {
      expect(written.submission).not.toBe('written');
      expect(written.outside).not.toBe('written');
      expect(hashTree(outside)).toBe(outsideBefore);
      expect(existsSync('/tmp/rubricate-hostile-tmp.txt')).toBe(false);
    }
  });

  it(level === 'rlimits' ? 'does not isolate the network, and says so' : 'refuses network connections', async () => {
    const session = await open();
    try {
      const result = ok(await session.call('connect', ['127.0.0.1', port])) as string;
      if (level === 'rlimits') {
        expect(result).toBe('connected');
        expect(session.isolation.description).toMatch(/network .*NOT isolated/);
      } else {
        expect(result).not.toBe('connected');
        expect(result).toMatch(/Network is unreachable|Connection refused/);
      }
    } finally {
      await session.close();
    }
  });

  it(level === 'rlimits' ? 'reports what it leaves visible' : 'hides the host file system (and runs unprivileged under bubblewrap)', async () => {
    const session = await open();
    try {
      const original = ok(await session.call('peek', [join(submission, 'hostile.py')])) as string;
      const [uid] = ok(await session.call('identity', [])) as number[];
      if (level === 'bwrap') {
        // Only system folders, the interpreter and scratch exist in the sandbox: not the submission, not other submissions.
        expect(original).toBe('FileNotFoundError');
        expect(ok(await session.call('peek', [resolve('package.json')]))).toBe('FileNotFoundError');
        expect(ok(await session.call('peek', ['/etc/shadow']))).not.toMatch(/^root:/);
        // As root the learner runs as nobody when the interpreter is readable to it (the report says so), else as the caller.
        expect(uid).toBe(isRoot && session.isolation.description.includes('runs as uid 65534') ? 65534 : process.getuid?.());
      } else if (level === 'namespaces') {
        // System folders stay visible read-only; the host's /tmp (other submissions' copies), the grader's
        // checkout, /root and every other top-level folder are covered, the password hashes masked.
        expect(work.startsWith('/tmp/')).toBe(true);
        expect(original).toBe('FileNotFoundError');
        expect(ok(await session.call('peek', [resolve('package.json')]))).toBe('FileNotFoundError');
        if (existsSync('/root/.bashrc')) expect(ok(await session.call('peek', ['/root/.bashrc']))).toBe('FileNotFoundError');
        expect(ok(await session.call('peek', ['/etc/shadow']))).toBe('');
        // Every other file of /etc that only its owner (root) may read, e.g. host keys and service credentials.
        const privateEtc = privateFiles('/etc');
        expect(privateEtc).toContain('/etc/shadow');
        for (const file of privateEtc.slice(0, 20)) expect(ok(await session.call('peek', [file])), file).toBe('');
        expect(ok(await session.call('peek', ['/etc/passwd'])).startsWith('root:')).toBe(true);
        // Root without capabilities would pass the permission check on kernel tunables: they are mounted read-only.
        expect(ok(await session.call('tune', ['/proc/sys/kernel/printk_ratelimit', '5']))).toBe('OSError');
      } else {
        expect(original.startsWith('"""Runner test module')).toBe(true);
        expect(session.isolation.description).not.toMatch(/only system folders/);
      }
    } finally {
      await session.close();
    }
  });

  it('never takes a frame forged on the answer pipe as a result', async () => {
    const session = await open();
    try {
      const outcome = await session.call('forge_fd', [1]);
      expect(outcome.ok).toBe(false);
      expect(!outcome.ok && outcome.failure.kind).toBe('malformed');
      expect(ok(await session.call('where', []))).toMatch(/work$/);
    } finally {
      await session.close();
    }
  });

  it('caps megabytes of output and stops files at the size limit', async () => {
    const session = await open({ fileSizeBytes: 1 << 20 });
    try {
      expect(ok(await session.call('flood', [4]))).toBe(4);
      const output = session.output();
      expect(output.truncated).toBe(true);
      expect(output.stdout.length).toBeLessThanOrEqual(64 * 1024);
      const big = await session.call('big_file', [2]);
      expect(!big.ok && big.failure.message).toMatch(/File too large/);
    } finally {
      await session.close();
    }
  });
});
