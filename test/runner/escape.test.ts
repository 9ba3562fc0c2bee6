/**
 * Hostile learner code against the kernel's interfaces (issue 13, classes 3
 * and 5): the host's cgroup tree, its own and a neighbour's process limit,
 * /dev (files, device nodes, the kernel log, loop and disk devices), terminals
 * (TIOCSTI), its own hard limits, memory across many processes, and the
 * scratch file system's bytes and inodes; and a sandbox that cannot be set up
 * (issue 20: it fails closed). Each attack is asserted contained at every
 * level this machine gives; at the rlimits level, where learner code runs as
 * the grader's user, the attacks that would reach the host are not run and
 * the test says so in its name, and the level's description must say what it
 * does not isolate.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { memoryPeak, type SessionCgroup } from '../../src/runner/cgroup.js';
import { openNodeSession } from '../../src/runner/node/index.js';
import { SCRATCH_FS } from '../../src/runner/sandbox.js';
import { openPythonSession } from '../../src/runner/session.js';
import type { CallOutcome, LearnerSession, ResourceLimits, Value } from '../../src/runner/types.js';
import { onlyIf, probeLevels } from '../helpers/levels.js';

const fixture = resolve('fixtures/runner/escape');
const tsFixture = resolve('fixtures/runner/escape-ts');
const isRoot = process.getuid?.() === 0;
const CGROUP_ROOTS = ['/sys/fs/cgroup', '/sys/fs/cgroup/pids', '/sys/fs/cgroup/memory', '/sys/fs/cgroup/unified'];
/** What a private /dev holds (bubblewrap adds a `core` link to /proc/kcore, which only root with CAP_SYS_RAWIO can read). */
const PRIVATE_DEV = new Set(['null', 'zero', 'full', 'random', 'urandom', 'tty', 'fd', 'stdin', 'stdout', 'stderr', 'ptmx', 'pts', 'shm', 'core']);

function value(outcome: CallOutcome): Value {
  if (!outcome.ok) throw new Error(`call failed: ${outcome.failure.kind}: ${outcome.failure.message}`);
  return outcome.value;
}

function marker(): string {
  return `rubricate-escape-${randomBytes(6).toString('hex')}`;
}

/** White-box: a plain session's cgroup and scratch folder. */
function internals(session: LearnerSession): { cgroup?: SessionCgroup; scratch: { dir: string } } {
  return session as unknown as { cgroup?: SessionCgroup; scratch: { dir: string } };
}

const probes = await probeLevels();

for (const probe of probes) {
  const { level } = probe;
  const contained = level !== 'rlimits';
  const hostAttack = (title: string) => title;
  const AT_RLIMITS = "not run at rlimits: learner code runs as the grader's user with its capabilities, so this attack would reach the host (the level's description says so)";
  const NO_CGROUP = 'needs root: no session cgroup without it';

  describe(`hostile learner code at the ${level} level`, probe.options, () => {
    const sessions: LearnerSession[] = [];
    const open = async (limits: Partial<ResourceLimits> = {}) => {
      const session = await openPythonSession({ root: fixture, module: 'escape.py', isolation: level, limits });
      sessions.push(session);
      expect(session.importFailure).toBeUndefined();
      expect(session.isolation.level).toBe(level);
      return session;
    };
    afterEach(async () => {
      await Promise.all(sessions.splice(0).map((s) => s.close()));
    });

    it(hostAttack('cannot write the host cgroup tree'), onlyIf(contained, AT_RLIMITS), async () => {
      const name = marker();
      const session = await open();
      const result = value(await session.call('cgroup_write', [name])) as Record<string, string>;
      const leaked = CGROUP_ROOTS.map((root) => join(root, name)).filter((dir) => existsSync(dir));
      for (const dir of leaked) rmdirSync(dir);
      expect(leaked).toEqual([]);
      expect(existsSync(join('/sys/fs/cgroup', `${name}.txt`))).toBe(false);
      expect(Object.values(result).filter((r) => r === 'done')).toEqual([]);
    });

    it(hostAttack('cannot raise its own pids.max'), onlyIf(contained && isRoot, contained ? NO_CGROUP : AT_RLIMITS), async () => {
      const session = await open({ processes: 24 });
      expect(session.isolation.description).toContain('pids cgroup');
      const result = value(await session.call('raise_pids', [60])) as { written: string[]; made: number };
      expect(result.written).toEqual([]);
      expect(result.made).toBeLessThan(24);
    });

    it(hostAttack('cannot make a user namespace (where it would mount the cgroup tree itself and raise its limits)'), onlyIf(contained, AT_RLIMITS), async () => {
      const session = await open();
      const result = value(await session.call('userns_cgroup', [marker()])) as Record<string, string>;
      expect(result).toEqual({ unshare: 'EPERM' });
    });

    it(hostAttack("cannot lower a neighbour session's pids.max"), onlyIf(contained && isRoot, contained ? NO_CGROUP : AT_RLIMITS), async () => {
      const neighbour = await open({ processes: 24 });
      const hostile = await open();
      expect(value(await hostile.call('lower_neighbours', [3]))).toEqual([]);
      expect(value(await neighbour.call('fork_count', [16]))).toBe(16);
    });

    it(hostAttack('sees a private /dev: no host device, nothing can be created, no kernel log, no loop or disk device'), onlyIf(contained, AT_RLIMITS), async () => {
      const name = marker();
      const session = await open();
      const result = value(await session.call('dev_attacks', [name])) as Record<string, string | string[]>;
      const left = readdirSync('/dev').filter((entry) => entry.startsWith(name));
      for (const entry of left) rmSync(join('/dev', entry), { force: true });
      expect(left).toEqual([]);
      expect((result.listing as string[]).filter((entry) => !PRIVATE_DEV.has(entry))).toEqual([]);
      for (const attack of ['file', 'mknod', 'symlink', 'rename', 'kmsg']) expect(result[attack], attack).not.toBe('done');
      expect(result.opened).toEqual([]);
      expect(existsSync('/dev/full')).toBe(true);
    });

    it(hostAttack('reaches no terminal with TIOCSTI (new session, no controlling terminal, no host terminal device)'), onlyIf(contained, AT_RLIMITS), async () => {
      const session = await open();
      expect(value(await session.call('tiocsti', []))).toEqual([]);
    });

    it(hostAttack("cannot write the kernel's settings in /proc (IRQ affinity, sysctls)"), onlyIf(contained, AT_RLIMITS), async () => {
      const session = await open();
      expect(value(await session.call('proc_writes', []))).toEqual([]);
    });

    it(hostAttack('cannot lift its own hard limits'), onlyIf(contained, AT_RLIMITS), async () => {
      const session = await open();
      expect(value(await session.call('raise_limits', []))).toEqual([]);
    });

    it(hostAttack('fills only its scratch tmpfs, capped in files, never the host disk'), onlyIf(contained, AT_RLIMITS), async () => {
      const session = await open();
      const scratch = internals(session).scratch.dir;
      const result = value(await session.call('fill_inodes', ['inodes', 100_000])) as { files: number; error: string };
      expect(result.error).toBe('ENOSPC');
      expect(result.files).toBeLessThanOrEqual(SCRATCH_FS.inodes);
      // The host's scratch folder holds the grader's copy only.
      expect(existsSync(join(scratch, 'work', 'inodes'))).toBe(false);
    });

    it(hostAttack('fills only its scratch tmpfs, capped in bytes, never the host disk'), onlyIf(contained, AT_RLIMITS), async () => {
      const session = await open();
      const scratch = internals(session).scratch.dir;
      const result = value(await session.call('fill_bytes', ['bytes', 1024])) as { mib: number; error: string };
      expect(result.error).toBe('ENOSPC');
      expect(result.mib).toBeLessThanOrEqual(SCRATCH_FS.bytes / 1048576);
      expect(existsSync(join(scratch, 'work', 'bytes'))).toBe(false);
      const tmp = value(await session.call('fill_bytes', ['/tmp/fill', 100])) as { mib: number; error: string };
      expect(tmp.error).toBe('ENOSPC');
      expect(tmp.mib).toBeLessThanOrEqual(16);
    });

    it('caps the memory of all its processes together (six children at 600 MiB each)', { ...onlyIf(isRoot, NO_CGROUP), timeout: 180_000 }, async () => {
      const session = await open({ callTimeoutMs: 120_000 });
      const cgroup = internals(session).cgroup;
      if (!cgroup?.memoryBytes) {
        // No writable memory cgroup here: the description must say so instead.
        expect(session.isolation.description).toMatch(/session memory NOT capped/);
        return;
      }
      const rssBefore = process.memoryUsage().rss;
      const outcome = await session.call('many_children', [6, 600]);
      expect(outcome.ok).toBe(false);
      expect(!outcome.ok && outcome.failure.kind).toBe('memory');
      expect(!outcome.ok && outcome.failure.message).toMatch(/memory cap of \d+ MiB/);
      const peak = memoryPeak(cgroup);
      expect(peak).toBeDefined();
      expect(peak!).toBeLessThanOrEqual(cgroup.memoryBytes);
      // The grader itself holds none of it.
      expect(process.memoryUsage().rss - rssBefore).toBeLessThan(256 * 1048576);
      // The session goes on: the next call runs.
      expect(value(await session.call('where', []))).toMatch(/work$/);
    });

    if (level === 'rlimits') it('states what it does not isolate', async () => {
      const session = await open();
      expect(session.isolation.description).toMatch(/network and file system are NOT isolated/);
      expect(session.isolation.description).toMatch(/host disk, capped only per file/);
    });

    it(hostAttack('TypeScript: fills only its scratch tmpfs and writes nothing of the host'), { ...onlyIf(contained, AT_RLIMITS), timeout: 120_000 }, async () => {
      const name = marker();
      const session = await openNodeSession({ root: tsFixture, module: 'escape.ts', isolation: level });
      sessions.push(session);
      expect(session.importFailure).toBeUndefined();
      const writes = value(await session.call('hostWrites', [name])) as Record<string, string>;
      expect(Object.entries(writes).filter(([, r]) => r === 'done')).toEqual([]);
      expect(existsSync(join('/sys/fs/cgroup/pids', name))).toBe(false);
      expect(existsSync(join('/dev', name))).toBe(false);
      const files = value(await session.call('fillInodes', ['inodes', 100_000])) as { files: number; error: string };
      expect(files.error).toBe('ENOSPC');
      expect(files.files).toBeLessThanOrEqual(SCRATCH_FS.inodes);
      const fresh = await openNodeSession({ root: tsFixture, module: 'escape.ts', isolation: level });
      sessions.push(fresh);
      const bytes = value(await fresh.call('fillBytes', ['bytes', 1024])) as { mib: number; error: string };
      expect(bytes.error).toBe('ENOSPC');
      expect(bytes.mib).toBeLessThanOrEqual(SCRATCH_FS.bytes / 1048576);
    });
  });
}

// ------------------------------------------------------------------ fails closed

const namespaces = probes.find((p) => p.level === 'namespaces')!;
const bwrap = probes.find((p) => p.level === 'bwrap')!;

describe('a sandbox that cannot be set up ends the session (fails closed)', () => {
  const saved = process.env.RUBRICATE_TEST_SANDBOX_FAULT;
  afterEach(() => {
    if (saved === undefined) delete process.env.RUBRICATE_TEST_SANDBOX_FAULT;
    else process.env.RUBRICATE_TEST_SANDBOX_FAULT = saved;
  });

  async function withFault(fault: object, level: 'bwrap' | 'namespaces'): Promise<LearnerSession> {
    process.env.RUBRICATE_TEST_SANDBOX_FAULT = JSON.stringify(fault);
    return openPythonSession({ root: fixture, module: 'escape.py', isolation: level });
  }

  it('a read-only remount that fails is an isolation error, not a writable mount (namespaces)', namespaces.options, async () => {
    const session = await withFault({ failMount: '/' }, 'namespaces');
    try {
      expect(session.importFailure?.message).toMatch(/^isolation error: .*mount \/: Operation not permitted.*learner code was not run$/);
      const call = await session.call('where', []);
      expect(!call.ok && call.failure.message).toMatch(/isolation error/);
    } finally {
      await session.close();
    }
  });

  it('a remount skipped silently is caught by the final check of every reachable mount (namespaces)', namespaces.options, async () => {
    const session = await withFault({ skipMount: '/' }, 'namespaces');
    try {
      expect(session.importFailure?.message).toMatch(/^isolation error: the sandbox is incomplete: \/ \(\w+\) is writable/);
    } finally {
      await session.close();
    }
  });

  it('a file system that cannot be mounted is an isolation error (namespaces)', namespaces.options, async () => {
    const session = await withFault({ failType: 'tmpfs' }, 'namespaces');
    try {
      expect(session.importFailure?.message).toMatch(/^isolation error: .*mount \/sys: Operation not permitted/);
    } finally {
      await session.close();
    }
  });

  it(
    'a scratch tmpfs that cannot be mounted in front of bubblewrap is an isolation error',
    bwrap.available ? onlyIf(isRoot, 'needs root: bubblewrap mounts the scratch tmpfs only for root') : bwrap.options,
    async () => {
      const session = await withFault({ failType: 'tmpfs' }, 'bwrap');
      try {
        expect(session.importFailure?.message).toMatch(/isolation error: .*Operation not permitted/);
      } finally {
        await session.close();
      }
    },
  );
});
