/**
 * The fork-server pool batch runs use for learner sessions: sessions work
 * like plain ones, and what one learner does cannot reach the next (leftover
 * processes are killed, the server cannot be inspected, a killed or timed-out
 * session gets a fresh server).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ForkServerPool } from '../../src/runner/fork-server.js';
import { resolvePython } from '../../src/runner/python.js';
import { bwrapWorks, harnessDir, namespacesWork, sandboxUser } from '../../src/runner/sandbox.js';
import type { NDArray } from '../../src/runner/types.js';

const fixtures = new URL('../../fixtures/batch/forked/', import.meta.url).pathname;

function hasNumpy(): boolean {
  try {
    execFileSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

// Every level this machine offers; rlimits always.
const levels: Array<'bwrap' | 'namespaces' | 'rlimits'> = ['rlimits'];
if (await namespacesWork()) levels.unshift('namespaces');
if (await bwrapWorks()) levels.unshift('bwrap');

describe.runIf(hasNumpy()).each(levels)('fork-server pool at the %s level', async (level) => {
  const pool = (await ForkServerPool.create({ isolation: level }))!;
  afterAll(() => pool?.close());
  const open = (name: string, limits = {}) => pool.open({ root: join(fixtures, name), module: 'mod.py', limits });

  it('serves calls from forked children of one warm server', async () => {
    expect(pool).toBeDefined();
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
    // The same user switch as a plain session: nobody inside bubblewrap when rubricate runs as root.
    const python = await resolvePython();
    const user = pool.level === 'bwrap' ? sandboxUser(python.prefixes, harnessDir()) : undefined;
    expect(a.ok && (a.value as { uid: number }).uid).toBe(user?.uid ?? process.getuid?.());
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
  it.runIf(level !== 'rlimits')('keeps learner code from reading the server', async () => {
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
    await killer.call('kill_parent', []);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const after = await killer.call('kill_parent', []);
    await killer.close();
    if (level === 'namespaces') {
      // The server is the init of its PID namespace: the kernel drops a SIGKILL sent from inside.
      expect(after.ok).toBe(true);
    } else {
      // The sandbox goes down with its server, the learner process with it.
      expect(after.ok).toBe(false);
    }
    const next = await open('ok');
    expect((await next.call('add', [2, 2])).ok).toBe(true);
    await next.close();
  });
});
