#!/usr/bin/env node
/**
 * `npm run bench`: batch throughput against the hand-written baseline.
 *
 * 1. Builds N submissions (default 200) by copying the rope-lab02 fixtures
 *    that are correct or buggy (ok-*, not-ok-*, bug-*; never hostile-*).
 * 2. Grades them with the full rope-lab02 rubric through `runBatch`
 *    (the same code as `rubricate grade --out`), one job per core.
 * 3. Times the baseline an instructor would write: a fresh `python3` per
 *    submission that imports NumPy and runs only the relative-position and
 *    norm checks (bench/baseline.py), with the same number of parallel jobs.
 * 4. Prints submissions per second for both, the ratio, and the peak memory
 *    (resident set of rubricate plus every child process, sampled).
 * 5. Measures the isolation floor: sessions forked from a warm fork server
 *    that import a trivial module and answer one trivial call, or 56 (as many
 *    as a correct rope-lab02 submission's checks make), no checks.
 *    Its CPU per session bounds what any batch with one sandboxed process
 *    per submission can reach on this machine, whatever the checks cost.
 *
 * Options: --n 200, --jobs <cores>, --baseline-n <n> (default: min(n, 200)),
 * --keep (leave the temp folder), --rubric rope-lab02, --skip-kinds k1,k2 (leave
 * out the criteria of these kinds: `constraints,rope-verify-script` grades the
 * 18 checks issue 17 measured, before the lab's rules added a tasks session
 * and the verify.py runs), --no-fork-server (a fresh
 * sandboxed interpreter per submission, to see what the fork servers buy),
 * --threads <n> (grading threads; 0 grades on the main thread; default as
 * `rubricate grade`: one per job up to the number of cores, one on a machine
 * with at most two cores), --floor-n 100
 * (sessions for the isolation floor; 0 skips it), --single-n 5 (timed
 * single-submission calls through node and npx, bench/single.js; 0 skips them).
 * Run `npm run build` first (the npm script does).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { buildClass, option, root } from './class.js';

const dist = (p) => new URL(`../dist/${p}`, import.meta.url).href;

const n = Number(option('n', 200));
const jobs = Number(option('jobs', availableParallelism()));
const baselineN = Number(option('baseline-n', Math.min(n, 200)));
const rubricId = String(option('rubric', 'rope-lab02'));
// Leaves out the criteria of these kinds (e.g. constraints,rope-verify-script: the rubric as issue 17 measured it).
const skipKinds = String(option('skip-kinds', '')).split(',').filter((k) => k !== '' && k !== 'true');
const keep = option('keep', false) === true;
const forkServer = option('no-fork-server', false) !== true;
const threadsOption = option('threads', undefined);
const threads = threadsOption === undefined ? undefined : Number(threadsOption);
const floorN = Number(option('floor-n', 100));
const singleN = Number(option('single-n', 5));

if (!existsSync(new URL('../dist/batch/run.js', import.meta.url))) {
  console.error('bench: dist/ is missing; run `npm run build` first');
  process.exit(2);
}

const { runBatch } = await import(dist('batch/run.js'));
const { resolveRubric } = await import(dist('rubric/load.js'));
const { resolvePython } = await import(dist('runner/python.js'));
// The baseline gets the real interpreter, not a pyenv shim (which adds ~80 ms a start): a stricter baseline.
const python = (await resolvePython(undefined).catch(() => ({ path: 'python3' }))).path;

// --- build the class ---------------------------------------------------------
const work = mkdtempSync(join(tmpdir(), 'rubricate-bench-'));
const classDir = join(work, 'class');
const { sources, folders } = buildClass(n, classDir);
if (sources.length === 0) {
  console.error('bench: no ok-*, not-ok-* or bug-* fixtures in fixtures/rope-lab02');
  process.exit(2);
}
const correct = sources.filter((s) => s.startsWith('ok-')).length;
console.log(`bench: ${n} submissions from ${sources.length} fixtures (${correct} correct, ${sources.length - correct} with bugs), ${jobs} jobs, ${availableParallelism()} cores`);

// --- memory sampler: rubricate and every descendant ---------------------------
// It reads /proc every 100 ms in a worker thread, so the sampling does not take
// turns with the grading on the main thread.
const samplerSource = `
const { parentPort } = require('node:worker_threads');
const { readdirSync, readFileSync } = require('node:fs');
const root = ${process.pid};
function treeRssBytes() {
  const parent = new Map();
  const rss = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync('/proc/' + entry + '/stat', 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(entry), Number(fields[1]));
      rss.set(Number(entry), Number(fields[21]) * 4096);
    } catch {
      // the process ended meanwhile
    }
  }
  let total = 0;
  for (const [pid, bytes] of rss) {
    let p = pid;
    for (let hops = 0; p > 1 && hops < 64; hops++) {
      if (p === root) {
        total += bytes;
        break;
      }
      p = parent.get(p) ?? 0;
    }
  }
  return total;
}
/** This thread's own CPU (utime + stime of /proc/thread-self/stat), ms: the bench's, not rubricate's. */
function ownCpuMs() {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return 0;
  }
}
let peak = 0;
const timer = setInterval(() => { peak = Math.max(peak, treeRssBytes()); }, 100);
parentPort.on('message', () => {
  clearInterval(timer);
  peak = Math.max(peak, treeRssBytes());
  parentPort.postMessage({ peak, cpuMs: ownCpuMs() });
});
`;

function sampler() {
  const worker = new Worker(samplerSource, { eval: true });
  return {
    stop() {
      return new Promise((resolve, reject) => {
        worker.once('message', (sample) => {
          void worker.terminate();
          resolve(sample);
        });
        worker.once('error', reject);
        worker.postMessage('stop');
      });
    },
  };
}

/** CPU of every ended and reaped descendant (cutime + cstime of /proc/self/stat), ms. */
function childrenCpuMs() {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[13]) + Number(fields[14])) * 1000) / 100;
  } catch {
    return NaN;
  }
}

/**
 * CPU of this process and every process it starts, whatever becomes of them
 * (learner processes killed inside a sandbox never reach cutime): a cpuacct
 * cgroup (v1) of the bench's own, which rubricate's pids and memory cgroups
 * leave alone. ms; NaN where there is none (not root, cgroup v2 only).
 */
const treeCpuMs = (() => {
  const base = '/sys/fs/cgroup/cpuacct';
  const dir = join(base, `rubricate-bench-${process.pid}`);
  try {
    mkdirSync(dir);
    writeFileSync(join(dir, 'cgroup.procs'), String(process.pid));
  } catch {
    return () => NaN;
  }
  process.on('exit', () => {
    try {
      writeFileSync(join(base, 'cgroup.procs'), String(process.pid));
      rmdirSync(dir);
    } catch {
      /* a child still ending; the kernel keeps an empty cgroup harmlessly */
    }
  });
  return () => {
    try {
      return Number(readFileSync(join(dir, 'cpuacct.usage'), 'utf8')) / 1e6;
    } catch {
      return NaN;
    }
  };
})();

const mib = (bytes) => `${Math.round(bytes / (1024 * 1024))} MiB`;

// --- rubricate, full rubric ----------------------------------------------------
let rubric;
try {
  rubric = await resolveRubric(rubricId);
  if (skipKinds.length > 0) rubric = { ...rubric, criteria: rubric.criteria.filter((c) => !skipKinds.includes(c.kind)) };
} catch (error) {
  console.error(`bench: cannot load rubric ${rubricId}: ${error.message}`);
  process.exit(2);
}
const memory = sampler();
const cpuBefore = process.cpuUsage();
const childrenBefore = childrenCpuMs();
const treeBefore = treeCpuMs();
const heapBefore = process.memoryUsage().heapUsed;
let heapPeak = heapBefore;
const result = await runBatch({
  submissions: folders,
  rubric,
  outDir: join(work, 'out'),
  jobs,
  forkServer,
  ...(threads !== undefined ? { threads } : {}),
  onEvent(event) {
    if (event.type === 'submission' && event.done % 50 === 0) {
      heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
      process.stderr.write(`  ${event.done}/${event.total} graded, heap ${mib(process.memoryUsage().heapUsed)}\n`);
    }
  },
});
const cpu = process.cpuUsage(cpuBefore);
const childrenCpu = childrenCpuMs() - childrenBefore;
const treeCpu = treeCpuMs() - treeBefore;
const { peak, cpuMs: samplerCpu } = await memory.stop();
// The memory sampler (a thread of this process) reads /proc every 100 ms: the bench's CPU, not rubricate's.
const graderCpu = (cpu.user + cpu.system) / 1000 - samplerCpu;
const rate = result.total / (result.durationMs / 1000);
const statuses = result.rows.reduce((acc, r) => ((acc[r.status] = (acc[r.status] ?? 0) + 1), acc), {});
const { chooseIsolation } = await import(dist('runner/sandbox.js'));
const isolation = `${(await chooseIsolation('auto')) ?? 'unknown'}, ${forkServer ? 'fork servers' : 'a fresh interpreter per submission'}`;

// --- baseline: fresh python3 + NumPy per submission -----------------------------
function runPython(folder) {
  return new Promise((resolve) => {
    const child = spawn(python, [join(root, 'bench', 'baseline.py'), folder], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('close', () => resolve(out));
    child.on('error', () => resolve(''));
  });
}
const baselineFolders = folders.slice(0, baselineN);
const baseStarted = performance.now();
const baseTreeBefore = treeCpuMs();
let next = 0;
let baselineOk = 0;
await Promise.all(
  Array.from({ length: jobs }, async () => {
    while (next < baselineFolders.length) {
      const out = await runPython(baselineFolders[next++]);
      if (out.includes('"relative_position"')) baselineOk++;
    }
  }),
);
const baseSeconds = (performance.now() - baseStarted) / 1000;
const baseTreeCpu = treeCpuMs() - baseTreeBefore;
const baseRate = baselineFolders.length / baseSeconds;

// --- isolation floor: forked sandboxed sessions that do next to nothing ---------------
/** CPU of `count` sessions of `calls` trivial calls each, through a fork-server pool of its own (server start-up included). */
async function floorRun(count, calls) {
  const { ForkServerPool } = await import(dist('runner/fork-server.js'));
  const childrenAtStart = childrenCpuMs();
  const treeAtStart = treeCpuMs();
  const cpuBefore = process.cpuUsage();
  const pool = await ForkServerPool.create({ isolation: 'auto' });
  if (!pool) return undefined;
  const trivial = { root: join(root, 'fixtures', 'batch', 'forked', 'ok'), module: 'mod.py' };
  let started = 0;
  await Promise.all(Array.from({ length: jobs }, async () => {
    while (started++ < count) {
      const s = await pool.open(trivial);
      for (let c = 0; c < calls; c++) {
        const sum = await s.call('add', [1, 2]);
        if (!sum.ok) throw new Error(`bench: a trivial call of the isolation floor failed: ${sum.failure.message}`);
      }
      await s.close();
    }
  }));
  await pool.close();
  const cpu = process.cpuUsage(cpuBefore);
  // Learner CPU reaches this process's account once the servers are reaped.
  let learner = 0;
  for (let i = 0; i < 50 && learner === 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    learner = childrenCpuMs() - childrenAtStart;
  }
  const tree = treeCpuMs() - treeAtStart;
  // With the cgroup's figure, learner processes are the tree's CPU minus this process's.
  return { grader: (cpu.user + cpu.system) / 1000, learner: Number.isNaN(tree) ? learner : tree - (cpu.user + cpu.system) / 1000 };
}
/** Per session, without the servers' start-up: the difference between a long and a short run. */
async function isolationFloor(count, calls) {
  const short = await floorRun(2 * jobs, calls);
  const long = short && (await floorRun(2 * jobs + count, calls));
  if (!short || !long) return undefined;
  return { calls, graderMs: (long.grader - short.grader) / count, learnerMs: (long.learner - short.learner) / count };
}
// A correct rope-lab02 submission makes 56 learner calls.
const floors = forkServer && floorN > 0 ? [await isolationFloor(floorN, 1), await isolationFloor(floorN, 56)].filter(Boolean) : [];

// --- single submission: one `rubricate grade` as a Gradescope or CI container runs it -----
const single = singleN > 0 ? await (await import('./single.js')).measureSingle({ runs: singleN, treeCpuMs }) : undefined;

// --- report ------------------------------------------------------------------------
const ratio = rate / baseRate;
console.log('');
console.log(`rubricate  ${result.total} submissions, ${skipKinds.length > 0 ? `${rubric.id} rubric without ${skipKinds.join(', ')}` : `full ${rubric.id} rubric`} (${rubric.criteria.length} checks), isolation ${isolation}`);
console.log(`           mode: ${result.threads > 0 ? `${result.threads} grading thread${result.threads === 1 ? '' : 's'}` : 'in-thread (main thread grades)'}, ${jobs} jobs`);
console.log(`           ${(result.durationMs / 1000).toFixed(2)} s, ${rate.toFixed(1)} submissions/s`);
console.log(`           ${Object.entries(statuses).map(([k, v]) => `${v} ${k}`).join(', ')}`);
console.log(`           rubricate process CPU ${(graderCpu / result.total).toFixed(1)} ms a submission (user + sys, all its threads but the bench's memory sampler, ${(samplerCpu / result.total).toFixed(1)} ms more; learner processes not counted)`);
if (Number.isNaN(treeCpu)) {
  console.log(`           learner processes CPU ${(childrenCpu / result.total).toFixed(1)} ms a submission (fork servers and their children, sandbox tools; counted once they ended)`);
} else {
  console.log(`           learner processes CPU ${((treeCpu - (cpu.user + cpu.system) / 1000) / result.total).toFixed(1)} ms a submission (fork servers and their children, sandbox tools, bwrap; cpuacct cgroup)`);
  console.log(`           whole tree CPU ${((treeCpu - samplerCpu) / result.total).toFixed(1)} ms a submission, the sampler aside (2 cores busy would cap it at ${((Math.min(jobs, availableParallelism()) * 1000 * result.total) / (treeCpu - samplerCpu)).toFixed(1)} submissions/s)`);
}
console.log(`           peak memory ${mib(peak)} (rubricate and all learner processes), main thread's Node heap ${mib(heapBefore)} -> peak ${mib(heapPeak)}`);
console.log(`baseline   ${baselineFolders.length} submissions, fresh python3 (its real interpreter, not a shim) + NumPy each, relative-position and norm only, ${jobs} parallel`);
console.log(`           ${baseSeconds.toFixed(2)} s, ${baseRate.toFixed(1)} submissions/s (${baselineOk} answered)${Number.isNaN(baseTreeCpu) ? '' : `, CPU ${(baseTreeCpu / baselineFolders.length).toFixed(1)} ms a submission`}`);
console.log(`ratio      ${ratio.toFixed(1)}x the baseline's throughput (target 3.5x on a quiet machine)`);
if (!Number.isNaN(treeCpu) && !Number.isNaN(baseTreeCpu)) {
  // On a machine others load too, wall-clock rates depend on who else runs; CPU a submission does much less.
  console.log(`           ${((baseTreeCpu / baselineFolders.length) / ((treeCpu - samplerCpu) / result.total)).toFixed(2)}x by CPU a submission (the baseline's CPU a submission over rubricate's whole tree's), the rate both would reach on cores they had to themselves`);
}
console.log(`1000 submissions would take ${(1000 / rate).toFixed(1)} s at this rate (target < 30 s)`);
if (floors.length > 0) {
  const cores = Math.min(jobs, availableParallelism());
  console.log(`floor      ${floorN} sandboxed sessions forked from a warm server (start-up excluded), each importing a trivial module and answering trivial calls, no checks`);
  for (const floor of floors) {
    const total = floor.graderMs + floor.learnerMs;
    const cap = (cores * 1000) / total;
    console.log(`           ${String(floor.calls).padStart(2)} call${floor.calls === 1 ? ': ' : 's:'} rubricate ${floor.graderMs.toFixed(1)} ms + learner processes ${floor.learnerMs.toFixed(1)} ms CPU a session; ${cores} cores cap it at ${cap.toFixed(0)} sessions/s, ${(cap / baseRate).toFixed(1)}x the baseline`);
  }
  console.log(`           3.5x the baseline leaves ${((cores * 1000) / (3.5 * baseRate)).toFixed(1)} ms of CPU a submission${Number.isNaN(baseTreeCpu) ? '' : ` (${((baseTreeCpu / baselineFolders.length) / 3.5).toFixed(1)} ms by the baseline's CPU)`}; 1000 in 30 s leaves ${((cores * 30000) / 1000).toFixed(1)} ms`);
}
if (single) for (const line of (await import('./single.js')).singleLines(single)) console.log(line);
if (keep) console.log(`kept ${work}`);
else rmSync(work, { recursive: true, force: true });
