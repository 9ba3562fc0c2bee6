/**
 * `npm run corpus -- experiments DIR`: runs the spec checks of
 * rubrics/pe-compare-experiment.yaml (`spec-sections`, `predictions-table`)
 * on real experiment write-ups, DIR/<id>.md (bench/corpus/experiments/
 * sources.json says where each comes from), and compares every part and the
 * predictions table with bench/corpus/experiments/expected.json, written by
 * hand before rubricate was run on them.
 *
 * Each write-up is graded as the spec of a submission folder made for it
 * (the text as spec.md). A part agrees when rubricate finds it (heading or
 * statement) and the label says present, or misses it (missing or empty)
 * and the label says missing. The table agrees when rubricate finds no
 * predictions table and the label says absent, or finds one and its
 * consistency matches.
 *
 * Options: --json (one JSON line per item), --only id,id.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const here = path.dirname(new URL(import.meta.url).pathname);
const dist = (p) => new URL(`../../dist/${p}`, import.meta.url).href;

export async function run(dir, args) {
  const { grade } = await import(dist('core/engine.js'));
  const { resolveRubric } = await import(dist('rubric/load.js'));
  const expected = JSON.parse(readFileSync(path.join(here, 'experiments', 'expected.json'), 'utf8')).items;
  const sources = JSON.parse(readFileSync(path.join(here, 'experiments', 'sources.json'), 'utf8')).items;
  const onlyAt = args.indexOf('--only');
  const only = onlyAt >= 0 ? new Set(String(args[onlyAt + 1] ?? '').split(',')) : undefined;
  const rubric = await resolveRubric('pe-compare-experiment');
  rubric.criteria = rubric.criteria.filter((c) => c.kind === 'sections' || c.kind === 'predictions-table');
  const partIds = rubric.criteria.find((c) => c.kind === 'sections').options.parts.map((p) => p.id);
  const confusion = Object.fromEntries(partIds.map((id) => [id, { tp: 0, fp: 0, fn: 0, tn: 0 }]));
  const rows = [];
  const work = mkdtempSync(path.join(tmpdir(), 'rubricate-corpus-experiments-'));
  try {
    for (const id of Object.keys(expected).sort()) {
      if (only && !only.has(id)) continue;
      const file = path.join(dir, `${id}.md`);
      if (!existsSync(file)) {
        rows.push({ id, missing: true });
        continue;
      }
      const folder = path.join(work, id);
      rmSync(folder, { recursive: true, force: true });
      mkdirSync(folder);
      writeFileSync(path.join(folder, 'spec.md'), readFileSync(file));
      const report = await grade({ rubric, target: folder });
      const sections = report.checks.find((c) => c.kind === 'sections');
      const table = report.checks.find((c) => c.kind === 'predictions-table');
      const found = Object.fromEntries((sections.data?.parts ?? []).map((p) => [p.id, p]));
      const want = expected[id];
      const parts = {};
      for (const pid of partIds) {
        const got = found[pid]?.status === 'found' ? 'present' : 'missing';
        const label = want.parts[pid];
        parts[pid] = { label, got, agree: got === label, ...(found[pid] ? { line: found[pid].line, by: found[pid].by } : {}) };
        const c = confusion[pid];
        if (label === 'present') got === 'present' ? c.tp++ : c.fn++;
        else got === 'present' ? c.fp++ : c.tn++;
      }
      const tableGot = table.status === 'pass' ? 'consistent' : /no predictions table|no file holding predictions/.test(table.message) ? 'absent' : 'inconsistent';
      rows.push({ id, parts, table: { label: want.table, got: tableGot, agree: tableGot === want.table, message: table.message, location: table.location } });
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }

  if (args.includes('--json')) {
    for (const r of rows) process.stdout.write(`${JSON.stringify(r)}\n`);
  } else {
    for (const r of rows) {
      if (r.missing) {
        process.stdout.write(`${r.id}: not in ${dir}\n`);
        continue;
      }
      const partAgree = Object.values(r.parts).filter((p) => p.agree).length;
      process.stdout.write(`${r.id} (${sources[r.id]?.repo ?? '?'}): parts ${partAgree}/${partIds.length} agree; table ${r.table.agree ? 'agrees' : 'DISAGREES'} (label ${r.table.label}, rubricate ${r.table.got})\n`);
      for (const [pid, p] of Object.entries(r.parts)) {
        if (!p.agree) process.stdout.write(`  ${pid}: label ${p.label}, rubricate ${p.got}${p.line ? ` (line ${p.line}${p.by ? `, by ${p.by}` : ''})` : ''}\n`);
      }
      if (!r.table.agree) process.stdout.write(`  table: ${r.table.message}\n`);
    }
  }
  const done = rows.filter((r) => !r.missing);
  const partTotal = done.length * partIds.length;
  const partAgreed = done.reduce((n, r) => n + Object.values(r.parts).filter((p) => p.agree).length, 0);
  const tableAgreed = done.filter((r) => r.table.agree).length;
  const sum = (k) => Object.values(confusion).reduce((n, c) => n + c[k], 0);
  // A part reported missing that the write-up has is the false alarm a learner would see ("your spec lacks X").
  process.stdout.write(`\nparts: ${partAgreed} of ${partTotal} labels agree (${((100 * partAgreed) / Math.max(1, partTotal)).toFixed(1)}%); present and found ${sum('tp')}; present but reported missing ${sum('fn')} (false alarms); missing but reported present ${sum('fp')} (misses)\n`);
  process.stdout.write(`per part (tp/fn/fp/tn): ${partIds.map((id) => `${id} ${confusion[id].tp}/${confusion[id].fn}/${confusion[id].fp}/${confusion[id].tn}`).join(', ')}\n`);
  process.stdout.write(`predictions table: ${tableAgreed} of ${done.length} agree\n`);
  // Per labelling round (sources.json heldOut): a later round was labelled before rubricate ran on it, so its figure is the honest one.
  const rounds = [...new Set(done.map((r) => sources[r.id]?.heldOut ?? 1))].sort();
  if (rounds.length > 1 || rounds[0] !== 1) {
    for (const round of rounds) {
      const set = done.filter((r) => (sources[r.id]?.heldOut ?? 1) === round);
      const agreed = set.reduce((n, r) => n + Object.values(r.parts).filter((p) => p.agree).length, 0);
      const alarms = set.reduce((n, r) => n + Object.values(r.parts).filter((p) => p.label === 'present' && p.got === 'missing').length, 0);
      const total = set.length * partIds.length;
      process.stdout.write(
        `${round === 1 ? 'first set' : `held-out set ${round}`} (${set.length} write-ups): parts ${agreed} of ${total} (${((100 * agreed) / Math.max(1, total)).toFixed(1)}%), ${alarms} false alarm${alarms === 1 ? '' : 's'}; table ${set.filter((r) => r.table.agree).length} of ${set.length}\n`,
      );
    }
  }
  return partAgreed === partTotal && tableAgreed === done.length ? 0 : 1;
}
