#!/usr/bin/env node
/**
 * `node bench/outcomes.js`: a digest of how every lab fixture grades, to show
 * that a change (a faster judgement, say) grades alike.
 *
 * Grades every fixture folder that has an `<name>.expected.json` in
 * fixtures/rope-lab02, fixtures/rope-lab02-ts and fixtures/rope-lab02-rust
 * (with the rubric that file names) through the library, drops timings
 * (`durationMs`, the report's own), and prints one digest per fixture and one
 * over all of them. Equal digests mean equal findings: statuses, messages,
 * numbers, diagnoses, details and data.
 *
 * Options: --groups rope-lab02,rope-lab02-ts (default: the three lab groups),
 * --only <substring> (fixtures whose name contains it), --json (print the
 * reports instead of digests). Run `npx tsc -p .` first.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { option, root } from './class.js';

const dist = (p) => new URL(`../dist/${p}`, import.meta.url).href;
if (!existsSync(new URL('../dist/core/engine.js', import.meta.url))) {
  console.error('bench/outcomes: dist/ is missing; run `npx tsc -p .` first');
  process.exit(2);
}
const { grade } = await import(dist('core/engine.js'));
const { resolveRubric } = await import(dist('rubric/load.js'));

const groupsOption = option('groups', 'rope-lab02,rope-lab02-ts,rope-lab02-rust');
const groups = String(groupsOption).split(',');
const only = option('only', undefined);
const asJson = option('json', false) === true;

/** Removes every timing field, at any depth. */
function untimed(value) {
  if (Array.isArray(value)) return value.map(untimed);
  if (value === null || typeof value !== 'object') return value;
  const out = {};
  for (const [key, v] of Object.entries(value)) if (key !== 'durationMs' && key !== 'startedAt' && key !== 'finishedAt') out[key] = untimed(v);
  return out;
}

const all = createHash('sha256');
for (const group of groups) {
  const dir = join(root, 'fixtures', group);
  if (!existsSync(dir)) continue;
  for (const entry of readdirSync(dir).sort()) {
    if (!entry.endsWith('.expected.json')) continue;
    const name = entry.slice(0, -'.expected.json'.length);
    if (typeof only === 'string' && !name.includes(only)) continue;
    const target = join(dir, name);
    if (!existsSync(target)) continue;
    const expected = JSON.parse(readFileSync(join(dir, entry), 'utf8'));
    const rubric = await resolveRubric(expected.rubric);
    const report = await grade({ rubric, target });
    const text = JSON.stringify(untimed({ checks: report.checks, notices: report.notices, score: report.score, dimensions: report.dimensions, passed: report.passed })).split(root).join('<root>/');
    all.update(`${group}/${name}\n${text}\n`);
    if (asJson) console.log(`${group}/${name} ${text}`);
    else console.log(`${createHash('sha256').update(text).digest('hex').slice(0, 16)}  ${group}/${name}`);
  }
}
console.log(`${all.digest('hex').slice(0, 16)}  all`);
