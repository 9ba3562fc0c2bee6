/**
 * The fork-server pool batch runs use for learner sessions: sessions work
 * like plain ones, and what one learner does cannot reach the next (leftover
 * processes are killed, the server cannot be inspected, a killed or timed-out
 * session gets a fresh server). Every isolation level; those this machine
 * lacks are skipped with the reason.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ForkServerPool } from '../../src/runner/fork-server.js';
import { resolvePython } from '../../src/runner/python.js';
import { harnessDir, sandboxUser } from '../../src/runner/sandbox.js';
import { markShared } from '../../src/runner/refs.js';
import type { NDArray, Value } from '../../src/runner/types.js';
import { ISOLATION_LEVELS, needsLevel } from '../helpers/machine.js';
import { onlyIf } from '../helpers/levels.js';
import { eventually } from '../helpers/wait.js';

const fixtures = new URL('../../fixtures/batch/forked/', import.meta.url).pathname;

for (const level of ISOLATION_LEVELS) describe(`fork-server pool at the ${level} level`, needsLevel(level), () => {
  let pool: ForkServerPool;
  beforeAll(async () => {
    const created = await ForkServerPool.create({ isolation: level });
    if (!created) throw new Error(`ForkServerPool.create refused the ${level} level, which this machine offers`);
    pool = created;
  });
  afterAll(() => pool?.close());
  const open = (name: string, limits = {}) => pool.open({ root: join(fixtures, name), module: 'mod.py', limits });

  it('serves calls from forked children of one warm server', async () => {
    expect(pool.level).toBe(level);
    const first = await open('ok');
    const sum = await first.call('add', [[1.5, 2], [3, 4]]);
    expect(sum.ok && Array.from((sum.value as NDArray).data)).toEqual([4.5, 6]);
    const a = await first.call('whoami', []);
    await first.close();
    const second = await open('ok');
    const b = await second.call('whoami', []);
    await second.close();
    expect(a.ok && b.ok).toBe(true);
    const who = (x: typeof a) => (x.ok ? (x.value as { pid: number; parent: number }) : { pid: 0, parent: 0 });
    // Two different children of the same parent: a fresh process per session, one server.
    expect(who(a).pid).not.toBe(who(b).pid);
    expect(who(a).parent).toBe(who(b).parent);
    expect(first.isolation.description).toContain('forked from a pre-warmed server');
    // The same user switch as a plain session: nobody inside bubblewrap and namespaces when rubricate runs as root.
    const python = await resolvePython();
    const user = pool.level === 'bwrap' || pool.level === 'namespaces' ? sandboxUser(python.prefixes, harnessDir()) : undefined;
    expect(a.ok && (a.value as { uid: number }).uid).toBe(user?.uid ?? process.getuid?.());
  });

  // Learner code runs as nobody in every session at once (and other programs may run as nobody too):
  // RLIMIT_NPROC, which counts all of that user's processes on the machine, must not be what limits a
  // session where a pids cgroup does. 80 processes of the sandbox user outside the batch, then a child.
  const asRootWithUser = process.getuid?.() === 0 && level !== 'rlimits';
  it("starts a child whatever the sandbox user runs elsewhere on the machine", onlyIf(asRootWithUser, level === 'rlimits' ? 'learner code runs as the grader at rlimits' : 'needs root: the sandbox user is the grader otherwise'), async () => {
    const python = await resolvePython();
    const user = sandboxUser(python.prefixes, harnessDir());
    expect(user, 'the sandbox user').toBeDefined();
    const sleepers = Array.from({ length: 80 }, () =>
      spawn('setpriv', [`--reuid=${user!.uid}`, `--regid=${user!.gid}`, '--clear-groups', 'sleep', '600'], { stdio: 'ignore' }),
    );
    try {
      const runsAs = (pid: number | undefined) => pid !== undefined && /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] === String(user!.uid);
      await eventually(() => sleepers.every((p) => runsAs(p.pid)));
      const session = await open('ok');
      const child = await session.call('start_child', []);
      await session.close();
      expect(child).toMatchObject({ ok: true, value: 7 });
    } finally {
      for (const p of sleepers) p.kill('SIGKILL');
    }
  });

  it('passes shared inputs and kept results by reference, each use a fresh copy', async () => {
    const nd = (data: Float64Array, shape = [data.length]): Value => ({ kind: 'ndarray', dtype: 'float64', shape, data });
    const ones = markShared(new Float64Array(12).fill(1), `test-ones-${level}`);
    const first = await open('ok');
    // The server does not hold it yet: sent inline, and loaded into the server for later children.
    const a = await first.call('scale_inplace', [nd(ones, [3, 4]), 3]);
    expect(a.ok && Array.from((a.value as NDArray).data)).toEqual(new Array(12).fill(3));
    // This child was forked before the load: a second call must still work (inline again).
    const b = await first.call('scale_inplace', [nd(ones, [3, 4]), 2]);
    expect(b.ok && Array.from((b.value as NDArray).data)).toEqual(new Array(12).fill(2));
    // Kept results come back by reference; the float32 one is sent as float64, as the bytes would have been.
    const t = await first.call('tables', [4], { keep: true });
    expect(t.ok).toBe(true);
    const [half, f32] = (t.ok ? t.value : []) as NDArray[];
    expect(half!.kept).toMatch(/:0$/);
    // White-box: change the grader's copy; the process uses the copy it kept, so the bytes were not sent.
    half!.data[0] = 1000;
    const sum = await first.call('total', [half!, { ...f32!, data: Float64Array.from(f32!.data) }]);
    expect(sum.ok && sum.value).toBe(3 + 4);
    await first.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    // A later child inherits the input: its in-place write in one call does not reach the next.
    const second = await open('ok');
    // White-box, as above: the child resolves the input from the server's copy, not from bytes sent now.
    ones[0] = 100;
    const c = await second.call('scale_inplace', [nd(ones, [3, 4]), 5]);
    ones[0] = 1;
    const d = await second.call('scale_inplace', [nd(ones, [2, 6]), 7]);
    await second.close();
    expect(c.ok && Array.from((c.value as NDArray).data)).toEqual(new Array(12).fill(5));
    expect(d.ok && (d.value as NDArray).shape).toEqual([2, 6]);
    expect(d.ok && Array.from((d.value as NDArray).data)).toEqual(new Array(12).fill(7));
    expect(Array.from(ones)).toEqual(new Array(12).fill(1));
  });

  it("keeps one learner's files from the next, and never writes into the submission", async () => {
    const first = await open('ok');
    expect((await first.call('write_file', ['left-behind.bin', 1])).ok).toBe(true);
    await first.close();
    const second = await open('ok');
    const listing = await second.call('listdir', []);
    await second.close();
    expect(listing.ok && listing.value).toEqual(readdirSync(join(fixtures, 'ok')).sort());
    expect(existsSync(join(fixtures, 'ok', 'left-behind.bin'))).toBe(false);
  });

  // At the namespaces level (and bwrap as root) a child's files live in a capped tmpfs: a learner filling it gets ENOSPC, nothing more.
  const asRoot = process.getuid?.() === 0;
  if (level === 'namespaces' || level === 'bwrap') it('caps what a learner can write', onlyIf(level !== 'bwrap' || asRoot, "bwrap caps the children's folder only when the grader runs as root"), async () => {
    const session = await open('ok', { fileSizeBytes: 1 << 30 });
    const big = await session.call('write_file', ['big.bin', 400]);
    const after = await session.call('add', [1, 2]);
    await session.close();
    expect(big.ok && big.value).toBe('OSError:28');
    expect(after.ok).toBe(true);
  });

  it('kills what a learner leaves behind before the next session starts', async () => {
    const bad = await open('daemon');
    const left = await bad.call('leave', []);
    expect(left.ok).toBe(true);
    await bad.close();
    const next = await open('ok');
    const alive = await next.call('alive', [left.ok ? (left.value as number) : 0]);
    await next.close();
    expect(alive.ok && alive.value).toBe(false);
  });

  // The server is not dumpable: a learner as nobody (bubblewrap) or without capabilities (namespaces) cannot read it.
  // At the rlimits level learner and server share a uid and every capability.
  if (level !== 'rlimits') it('keeps learner code from reading the server', async () => {
    const session = await open('ok');
    const peek = await session.call('peek_parent', []);
    await session.close();
    expect(peek.ok && peek.value).toBe(false);
  });

  it('times out a call, and the pool replaces a server whose child misbehaved', async () => {
    const servers = pool.stats.servers;
    const loop = await open('loop', { callTimeoutMs: 300 });
    const spun = await loop.call('spin', []);
    expect(spun.ok).toBe(false);
    if (!spun.ok) expect(spun.failure.kind).toBe('timeout');
    await loop.close();
    const next = await open('ok');
    expect((await next.call('add', [1, 2])).ok).toBe(true);
    await next.close();
    expect(pool.stats.servers).toBe(servers + 1);
  });

  it('survives a learner that kills the server', async () => {
    const killer = await open('killer');
    // Its answer may or may not get out before the sandbox goes down.
    await killer.call('kill_parent', []);
    if (level === 'namespaces') {
      // The server is the init of its PID namespace: the kernel drops a SIGKILL sent from inside, at once.
      expect((await killer.call('ping', [])).ok).toBe(true);
    } else {
      // The sandbox goes down with its server, the learner process with it: calls fail once the pool has seen it
      // (a fixed wait of 500 ms could be too short on a loaded machine).
      expect(await eventually(async () => !(await killer.call('ping', [])).ok)).toBe(true);
    }
    await killer.close();
    const next = await open('ok');
    expect((await next.call('add', [2, 2])).ok).toBe(true);
    await next.close();
  });

  // The cleaner (a child of the server that empties the children's folder, /tmp and /dev/shm) runs as
  // the learner's user: stopping or killing it must cost at most a restart, never the next submission.
  for (const how of ['stop_cleaner', 'kill_cleaner']) {
    it(`starts the next session whole after a learner calls ${how}`, async () => {
      const hostile = await open('killer');
      const done = await hostile.call(how, []);
      // rlimits: nothing to clean between children, so no cleaner.
      expect(done.ok && done.value).toBe(level !== 'rlimits');
      await hostile.close();
      const next = await open('ok');
      expect((await next.call('add', [2, 2])).ok).toBe(true);
      await next.close();
    });
  }
});

describe('orphaned fork-server folders', () => {
  it('are cleaned up without ever blocking on what is in them (a FIFO, a link to /dev/zero, a huge file as owner)', async () => {
    const saved = process.env.TMPDIR;
    const tmp = mkdtempSync(join(tmpdir(), 'rubricate-orphan-test-'));
    process.env.TMPDIR = tmp;
    try {
      const folder = (name: string) => {
        const dir = join(tmp, `rubricate-fs-${name}`);
        mkdirSync(dir);
        return join(dir, 'owner');
      };
      execFileSync('mkfifo', [folder('fifo')]);
      symlinkSync('/dev/zero', folder('zero'));
      writeFileSync(folder('huge'), '7'.repeat(8 << 20));
      writeFileSync(folder('alive'), String(process.pid));
      // A grader that ran and is gone: a pid no process has now.
      const gone = execFileSync('sh', ['-c', 'sh -c "echo \\$\\$" '], { encoding: 'utf8' }).trim();
      writeFileSync(folder('dead'), gone);
      const pool = (await ForkServerPool.create({ isolation: 'rlimits' }))!;
      await pool.close();
      // Only the folder of a grader known to be gone is removed; nothing else is read past a few bytes.
      expect(readdirSync(tmp).sort()).toEqual(['rubricate-fs-alive', 'rubricate-fs-fifo', 'rubricate-fs-huge', 'rubricate-fs-zero']);
    } finally {
      process.env.TMPDIR = saved;
      if (saved === undefined) delete process.env.TMPDIR;
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe('fork-server pool that copies submissions (rlimits level)', () => {
  it('removes the scratch copy when moving it into the server folder fails', async () => {
    // A temporary folder of this test's own: what is left in it afterwards is what leaked.
    const saved = process.env.TMPDIR;
    const tmp = mkdtempSync(join(tmpdir(), 'rubricate-leak-test-'));
    process.env.TMPDIR = tmp;
    const pool = (await ForkServerPool.create({ isolation: 'rlimits' }))!;
    try {
      const first = await pool.open({ root: join(fixtures, 'ok'), module: 'mod.py' });
      await first.close();
      // The warm server's folder disappears: the next copy cannot be renamed into it.
      const serverDirs = readdirSync(tmp).filter((name) => name.startsWith('rubricate-fs-'));
      expect(serverDirs).toHaveLength(1);
      rmSync(join(tmp, serverDirs[0]!), { recursive: true, force: true });
      await expect(pool.open({ root: join(fixtures, 'ok'), module: 'mod.py' })).rejects.toThrow(/ENOENT/);
      expect(readdirSync(tmp)).toEqual([]);
    } finally {
      await pool.close();
      process.env.TMPDIR = saved;
      if (saved === undefined) delete process.env.TMPDIR;
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
