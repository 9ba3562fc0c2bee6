#!/usr/bin/env node
/**
 * `node bench/documents.js`: CPU the grader spends per submission on the
 * document side (files, PNG, manifest, write-up), without the runner.
 *
 * Copies the rope-lab02 fixtures that `npm run bench` grades (ok-*, not-ok-*,
 * bug-*; never hostile-*) into a temporary class folder, keeps the rope-lab02
 * criteria whose kind does not run learner code (every `rope-*` kind is left
 * out), and grades the submissions one after the other in this process through
 * the library (`grade`, `resolveRubric`). After a warm-up round it runs
 * `--rounds` timed rounds of `--n` submissions and prints, per round, the
 * process CPU (user + sys, all threads) and the wall time per submission, then
 * the median over the rounds. Every round's findings must equal the first
 * round's, and their digest (reports without timings) is printed: two versions
 * that grade alike print the same digest.
 *
 * Options: --n 200 (submissions a round), --rounds 5, --warmup 1 (rounds),
 * --keep (leave the temporary folder), --only <kind,...> (keep only these
 * check kinds, to look at one of them).
 * Run `npx tsc -p .` first. Profile with
 * `node --cpu-prof --cpu-prof-dir=<dir> bench/documents.js --rounds 1`.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildClass, option } from './class.js';

const dist = (p) => new URL(`../dist/${p}`, import.meta.url).href;

const n = Number(option('n', 200));
const rounds = Number(option('rounds', 5));
const warmup = Number(option('warmup', 1));
const keep = option('keep', false) === true;
const only = option('only', undefined);

if (!existsSync(new URL('../dist/core/engine.js', import.meta.url))) {
  console.error('bench/documents: dist/ is missing; run `npx tsc -p .` first');
  process.exit(2);
}
const { grade } = await import(dist('core/engine.js'));
const { resolveRubric } = await import(dist('rubric/load.js'));

const full = await resolveRubric('rope-lab02');
const kinds = typeof only === 'string' ? new Set(only.split(',')) : undefined;
const rubric = {
  ...full,
  criteria: full.criteria.filter((c) => !c.kind.startsWith('rope-') && (kinds === undefined || kinds.has(c.kind))),
};

const work = mkdtempSync(join(tmpdir(), 'rubricate-documents-'));
const { sources, folders } = buildClass(n, work);
if (sources.length === 0) {
  console.error('bench/documents: no ok-*, not-ok-* or bug-* fixtures in fixtures/rope-lab02');
  process.exit(2);
}
console.log(`bench/documents: ${n} submissions from ${sources.length} fixtures, ${rubric.criteria.length} checks (${rubric.criteria.map((c) => c.id).join(', ')})`);

/** Grades every folder once; returns CPU and wall ms per submission and each report without timings. */
async function round() {
  const reports = [];
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  for (const target of folders) {
    const report = await grade({ rubric, target });
    // Everything but timings and the temporary folder's name: compare this digest across versions.
    const checks = report.checks.map(({ durationMs, ...rest }) => rest);
    reports.push(JSON.stringify({ checks, notices: report.notices, score: report.score, dimensions: report.dimensions, passed: report.passed }).split(target).join('<submission>'));
  }
  const wall = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  return { cpu: (cpu.user + cpu.system) / 1000 / folders.length, wall: wall / folders.length, reports };
}

let reference;
for (let w = 0; w < warmup; w++) {
  const r = await round();
  reference ??= r.reports;
  console.log(`warm-up    cpu ${r.cpu.toFixed(2)} ms/submission, wall ${r.wall.toFixed(2)} ms/submission`);
}
const cpus = [];
const walls = [];
for (let k = 0; k < rounds; k++) {
  const r = await round();
  reference ??= r.reports;
  const changed = r.reports.findIndex((s, i) => s !== reference[i]);
  if (changed >= 0) {
    console.error(`bench/documents: outcomes differ between rounds for ${folders[changed]}:\n  ${reference[changed]}\n  ${r.reports[changed]}`);
    process.exitCode = 1;
  }
  cpus.push(r.cpu);
  walls.push(r.wall);
  console.log(`round ${k + 1}    cpu ${r.cpu.toFixed(2)} ms/submission, wall ${r.wall.toFixed(2)} ms/submission`);
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const digest = createHash('sha256').update(JSON.stringify(reference.map((s, i) => s.split(folders[i].slice(folders[i].lastIndexOf('/') + 1)).join('')))).digest('hex').slice(0, 16);
console.log(`outcomes   digest ${digest} (reports without timings; equal digests mean equal findings)`);
if (rounds > 0) console.log(`median     cpu ${median(cpus).toFixed(2)} ms/submission, wall ${median(walls).toFixed(2)} ms/submission (${rounds} rounds of ${n})`);

if (!keep) rmSync(work, { recursive: true, force: true });
else console.log(`kept ${work}`);
