#!/usr/bin/env node
/**
 * Single-submission latency (issue 17): the wall-clock time of
 * `node dist/cli/bin.js grade <one correct fixture> --format json`, as a
 * Gradescope or CI container runs it, and of the same through
 * `npx rubricate`. One warm-up call first (it fills the per-user probe cache
 * and the disk cache, and makes npx's link to this package), then `--single-n`
 * timed calls of each; medians, ranges, the whole tree's CPU when the caller
 * measures it, and the load average, since other work on the machine moves
 * wall-clock times most.
 *
 * `npm run bench` prints these lines after the others; `node bench/single.js
 * [--single-n 5] [--fixture fixtures/rope-lab02/ok-interleaved]` prints
 * them alone. npx runs with `--no`: it never downloads anything, and the npx
 * line says so when it cannot run the local package.
 */
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { option, root } from './class.js';

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** Runs one command to its end: wall-clock ms, the tree's CPU ms (NaN when not measured), exit code, and whether stdout was a graded report. */
function timeOnce(command, args, treeCpuMs) {
  return new Promise((resolve) => {
    const cpuBefore = treeCpuMs();
    const started = performance.now();
    const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const done = (code) => {
      const wallMs = performance.now() - started;
      let report = false;
      try {
        report = typeof JSON.parse(out).score === 'number';
      } catch {
        /* not a report */
      }
      resolve({ wallMs, cpuMs: treeCpuMs() - cpuBefore, code, report, err: err.trim().split('\n').slice(-1)[0] ?? '' });
    };
    child.on('close', done);
    child.on('error', (error) => {
      err = error.message;
      done(127);
    });
  });
}

/**
 * Times `runs` calls of each way in after one warm-up each. `treeCpuMs`
 * reads the CPU of this process and everything it started (the bench's
 * cpuacct cgroup); without it, CPU is not reported.
 */
export async function measureSingle({ runs = 5, fixture = join('fixtures', 'rope-lab02', 'ok-interleaved'), treeCpuMs = () => NaN } = {}) {
  const grade = ['grade', fixture, '--format', 'json'];
  const ways = [
    { name: 'node', label: `\`node dist/cli/bin.js ${grade.join(' ')}\``, command: process.execPath, args: [join(root, 'dist', 'cli', 'bin.js'), ...grade] },
    { name: 'npx', label: '`npx rubricate` (the same arguments)', command: 'npx', args: ['--no', '--', 'rubricate', ...grade] },
  ];
  const results = [];
  for (const way of ways) {
    const warm = await timeOnce(way.command, way.args, treeCpuMs);
    if (!warm.report) {
      results.push({ ...way, error: `did not produce a report (exit ${warm.code}${warm.err ? `: ${warm.err}` : ''})` });
      continue;
    }
    const samples = [];
    const loads = [];
    for (let i = 0; i < runs; i++) {
      loads.push(loadavg()[0]);
      samples.push(await timeOnce(way.command, way.args, treeCpuMs));
    }
    const walls = samples.map((s) => s.wallMs);
    const cpus = samples.map((s) => s.cpuMs).filter((c) => !Number.isNaN(c));
    results.push({ ...way, runs, walls, cpus, codes: [...new Set(samples.map((s) => s.code))], reports: samples.every((s) => s.report), loads });
  }
  return { fixture, results };
}

/** The lines `npm run bench` prints. */
export function singleLines({ results }) {
  const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
  const lines = [];
  results.forEach((r, i) => {
    const head = i === 0 ? 'single    ' : '          ';
    if (r.error) {
      lines.push(`${head} ${r.label}: ${r.error}`);
      return;
    }
    const cpu = r.cpus.length ? `, whole tree CPU median ${s(median(r.cpus))}` : '';
    lines.push(
      `${head} ${r.label}: median ${s(median(r.walls))} wall (${r.runs} runs after a warm-up: ${s(Math.min(...r.walls))}-${s(Math.max(...r.walls))})${cpu}; exit ${r.codes.join('/')}${r.reports ? '' : ', NOT every run printed a report'}; load average ${Math.min(...r.loads).toFixed(1)}-${Math.max(...r.loads).toFixed(1)} (target < 0.6 s on a quiet machine)`,
    );
  });
  return lines;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const runs = Number(option('single-n', 5));
  const fixture = String(option('fixture', join('fixtures', 'rope-lab02', 'ok-interleaved')));
  for (const line of singleLines(await measureSingle({ runs, fixture }))) console.log(line);
}
