/**
 * The per-session cgroup (root with a writable cgroup file system): it caps
 * the number of processes (pids.max, where RLIMIT_NPROC does nothing for
 * root) and the memory of all the session's processes together (memory.max
 * and memory.swap.max=0 on cgroup v2; memory.limit_in_bytes and
 * memory.memsw.limit_in_bytes on v1), and it lists every process of the
 * session for killing, setsid() or not.
 *
 * The grader makes and limits it before the learner's first process starts;
 * learner code never sees a cgroup file (no /sys at the bwrap and namespaces
 * levels) and so can neither lift its own limits nor touch another session's.
 * At the rlimits level learner code runs as the grader's user (root) and can.
 *
 * On cgroup v1 each controller has its own hierarchy: the session gets one
 * folder in each, made inside the grader's own cgroup there (so a container's
 * limits keep applying to its learners). On v2 the folder is made at the root
 * of the unified hierarchy, which may hold processes and enable controllers
 * for its children (a non-root cgroup with processes may not).
 */
import { closeSync, existsSync, openSync, readFileSync, readSync, rmdirSync } from 'node:fs';
import { mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CallOutcome } from './types.js';

export interface SessionCgroup {
  /** The folder whose cgroup.procs lists the session's processes. */
  dir: string;
  /** Every folder made for the session (one per v1 hierarchy, one on v2). */
  dirs: string[];
  /** The process cap applied (pids.max). */
  processes: number;
  /** The memory cap applied to all processes together, bytes; undefined when no memory cgroup could be had. */
  memoryBytes?: number;
  /** The folder holding the memory controller's files, when capped. */
  memoryDir?: string;
  /** Wraps a command so that it joins the cgroup(s) before it execs. */
  wrap(command: string, args: string[]): { command: string; args: string[] };
  /** The kernel's count of processes it killed for the memory cap, as last read (see overMemoryCap). */
  kills: number;
  /** The file that counts them (memory.events on v2, memory.oom_control on v1), kept open and re-read in place. */
  events?: { path: string; fd?: number };
}

/** The name the rest of the runner knows it by (it began as a pids cgroup). */
export type PidsCgroup = SessionCgroup;

const ROOT = '/sys/fs/cgroup';

/** The grader's own cgroup path in a v1 hierarchy holding `controller` ('/' when unknown). */
function ownV1Path(controller: string): string {
  try {
    for (const line of readFileSync('/proc/self/cgroup', 'utf8').split('\n')) {
      const [, controllers, where] = line.split(':');
      if (controllers !== undefined && where !== undefined && controllers.split(',').includes(controller)) return where;
    }
  } catch {
    /* not Linux */
  }
  return '/';
}

async function makeDir(parents: string[], name: string, write: (dir: string) => Promise<void>): Promise<string | undefined> {
  for (const parent of parents) {
    if (!existsSync(path.join(parent, 'cgroup.procs'))) continue;
    const dir = path.join(parent, name);
    try {
      await mkdir(dir);
    } catch {
      continue;
    }
    try {
      await write(dir);
      return dir;
    } catch {
      await rmdir(dir).catch(() => undefined);
    }
  }
  return undefined;
}

function v1Parents(controller: string): string[] {
  const base = path.join(ROOT, controller);
  const own = ownV1Path(controller);
  return [...new Set([path.join(base, own), base])];
}

async function writeMemoryV1(dir: string, bytes: number): Promise<void> {
  await writeFile(path.join(dir, 'memory.limit_in_bytes'), String(bytes));
  // Without swap accounting there is no memsw file, and the kernel cannot swap the session out beyond the limit either.
  if (existsSync(path.join(dir, 'memory.memsw.limit_in_bytes'))) await writeFile(path.join(dir, 'memory.memsw.limit_in_bytes'), String(bytes));
}

async function writeV2(dir: string, processes: number, memoryBytes: number | undefined, withMemory: boolean): Promise<void> {
  await writeFile(path.join(dir, 'pids.max'), String(processes));
  if (withMemory && memoryBytes !== undefined) {
    await writeFile(path.join(dir, 'memory.max'), String(memoryBytes));
    if (existsSync(path.join(dir, 'memory.swap.max'))) await writeFile(path.join(dir, 'memory.swap.max'), '0');
  }
}

/**
 * Makes the session's cgroup with at most `maxProcesses` processes and, when
 * `memoryBytes` is given and a memory controller is writable, at most that
 * much memory for all its processes together. Undefined when no pids cgroup
 * can be had (not root, no cgroup file system).
 */
export async function createPidsCgroup(token: string, maxProcesses: number, memoryBytes?: number): Promise<SessionCgroup | undefined> {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  const name = `rubricate-${token}`;
  const dirs: string[] = [];
  let dir: string | undefined;
  let memoryDir: string | undefined;
  if (existsSync(path.join(ROOT, 'pids', 'cgroup.procs'))) {
    // cgroup v1 (or hybrid): one folder per controller.
    dir = await makeDir(v1Parents('pids'), name, (d) => writeFile(path.join(d, 'pids.max'), String(maxProcesses)));
    if (!dir) return undefined;
    dirs.push(dir);
    if (memoryBytes !== undefined) {
      memoryDir = await makeDir(v1Parents('memory'), name, (d) => writeMemoryV1(d, memoryBytes));
      if (memoryDir) dirs.push(memoryDir);
    }
  } else if (existsSync(path.join(ROOT, 'cgroup.controllers'))) {
    const enabled = await readFile(path.join(ROOT, 'cgroup.subtree_control'), 'utf8').catch(() => '');
    if (!enabled.split(/\s+/).includes('pids')) return undefined;
    const withMemory = memoryBytes !== undefined && enabled.split(/\s+/).includes('memory');
    dir = await makeDir([ROOT], name, (d) => writeV2(d, maxProcesses, memoryBytes, withMemory));
    if (!dir) return undefined;
    dirs.push(dir);
    if (withMemory) memoryDir = dir;
  } else {
    return undefined;
  }
  const procs = dirs.map((d) => path.join(d, 'cgroup.procs'));
  const join = procs.map((_, i) => `echo $$ > "$${i + 1}"`).join(' && ');
  const cgroup: SessionCgroup = {
    dir,
    dirs,
    processes: maxProcesses,
    kills: 0,
    wrap: (command, args) => ({
      command: '/bin/sh',
      args: ['-c', `${join} && shift ${procs.length} && exec "$@"`, 'rubricate-cgroup', ...procs, command, ...args],
    }),
  };
  if (memoryDir !== undefined && memoryBytes !== undefined) {
    cgroup.memoryDir = memoryDir;
    cgroup.memoryBytes = memoryBytes;
    const events = ['memory.events', 'memory.oom_control'].map((file) => path.join(memoryDir!, file)).find((file) => existsSync(file));
    if (events) cgroup.events = { path: events };
  }
  return cgroup;
}

const eventsBuffer = Buffer.alloc(1024);

/**
 * How many processes of the session the kernel killed for going over its
 * memory cap, so far: one read of a file kept open (a call makes one; about
 * 10 us of CPU, where opening the file each time and trying the other
 * version's name first cost ten times that).
 */
export function memoryCapKills(cgroup: SessionCgroup | undefined): number {
  const events = cgroup?.events;
  if (!events) return 0;
  try {
    events.fd ??= openSync(events.path, 'r');
    const read = readSync(events.fd, eventsBuffer, 0, eventsBuffer.length, 0);
    const match = /^oom_kill (\d+)$/m.exec(eventsBuffer.toString('latin1', 0, read));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

function closeEvents(cgroup: SessionCgroup): void {
  if (cgroup.events?.fd === undefined) return;
  try {
    closeSync(cgroup.events.fd);
  } catch {
    /* already closed */
  }
  delete cgroup.events.fd;
}

/** Takes the kernel's count of memory-cap kills as the baseline (a learner process starts: what came before is not its doing). */
export function noteMemoryCapKills(cgroup: SessionCgroup | undefined): void {
  if (cgroup?.memoryBytes) cgroup.kills = memoryCapKills(cgroup);
}

/**
 * A call during which the kernel killed one of the session's processes for
 * going over the session's memory cap fails as `memory`, whatever the harness
 * answered: its children's work was cut short. One read of a cgroup file per
 * call (about 25 us of CPU), none without a memory cap.
 */
export function overMemoryCap(outcome: CallOutcome, fn: string, cgroup: SessionCgroup | undefined): CallOutcome {
  if (!cgroup?.memoryBytes) return outcome;
  const kills = memoryCapKills(cgroup);
  if (kills <= cgroup.kills) return outcome;
  cgroup.kills = kills;
  return {
    ok: false,
    durationMs: outcome.durationMs,
    failure: {
      kind: 'memory',
      message: `${fn}: the session's processes together went over its memory cap of ${Math.round(cgroup.memoryBytes / 1048576)} MiB, and the kernel killed one of them`,
    },
  };
}

/** The most memory the session's processes held together so far (bytes), when the kernel reports it. */
export function memoryPeak(cgroup: SessionCgroup | undefined): number | undefined {
  if (!cgroup?.memoryDir) return undefined;
  for (const file of ['memory.peak', 'memory.max_usage_in_bytes']) {
    try {
      return Number(readFileSync(path.join(cgroup.memoryDir, file), 'utf8').trim());
    } catch {
      /* the other version's file */
    }
  }
  return undefined;
}

/** What the cgroup caps, for the isolation description. */
export function describeCgroup(cgroup: SessionCgroup | undefined, processes: number): string {
  if (!cgroup) return `; process count and session memory NOT capped by a cgroup (per-process limits only)`;
  const memory = cgroup.memoryBytes !== undefined
    ? `, at most ${Math.round(cgroup.memoryBytes / 1048576)} MiB of memory for all of them together (memory cgroup)`
    : '; session memory NOT capped (no writable memory cgroup: per-process limits only)';
  return `; at most ${processes} processes (pids cgroup)${memory}`;
}

export async function cgroupPids(cgroup: SessionCgroup): Promise<number[]> {
  const pids = new Set<number>();
  for (const dir of cgroup.dirs) {
    try {
      const text = await readFile(path.join(dir, 'cgroup.procs'), 'utf8');
      for (const line of text.split('\n')) if (line.trim() !== '') pids.add(Number(line));
    } catch {
      /* gone */
    }
  }
  return [...pids];
}

function signalKill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

/** Kills everything left in the cgroup and removes its folders. */
export async function removePidsCgroup(cgroup: SessionCgroup): Promise<void> {
  closeEvents(cgroup);
  for (let round = 0; round < 50; round++) {
    const pids = await cgroupPids(cgroup);
    if (pids.length === 0) break;
    for (const pid of pids) signalKill(pid);
    await new Promise((resolve) => setTimeout(resolve, round < 5 ? 2 : 20));
  }
  for (const dir of cgroup.dirs) {
    for (let round = 0; round < 20; round++) {
      try {
        await rmdir(dir);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
  }
}

/** Synchronous last resort (process exit): kills what is listed and removes the folders it can. */
export function abandonCgroup(cgroup: SessionCgroup): void {
  closeEvents(cgroup);
  for (const dir of cgroup.dirs) {
    try {
      for (const line of readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n')) if (line.trim()) signalKill(Number(line));
    } catch {
      /* gone */
    }
    try {
      rmdirSync(dir);
    } catch {
      /* still has dying members; the kernel keeps an empty cgroup harmlessly */
    }
  }
}
