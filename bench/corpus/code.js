/**
 * `npm run corpus -- code DIR`: grades RoPE implementations of public
 * projects, each ported to NumPy behind the lab's three functions as a
 * submission folder DIR/<id>/ (bench/corpus/code/sources.json says where each
 * comes from), with the code checks of rope-lab02 (rope-claims left out: the
 * folders carry another submission's write-up), and compares every verdict
 * and diagnosis with bench/corpus/code/expected.json, written from the maths
 * before rubricate was run on them.
 *
 * Agreement for an item: the same verdict; for a failure, exactly the
 * expected failing checks, every `named` pattern in their diagnoses and no
 * `notNamed` pattern in any diagnosis; for a pass, no diagnosis and a
 * precision note naming `note` when one is expected.
 *
 * Options: --only id,id (a subset), --json (one JSON line per item), --table
 * (a Markdown table of implementation, source, expected verdict, rubricate's
 * verdict and the catalogue variants it named on which checks).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const here = path.dirname(new URL(import.meta.url).pathname);
const dist = (p) => new URL(`../../dist/${p}`, import.meta.url).href;

export async function run(dir, args) {
  const { grade } = await import(dist('core/engine.js'));
  const { resolveRubric } = await import(dist('rubric/load.js'));
  const sources = JSON.parse(readFileSync(path.join(here, 'code', 'sources.json'), 'utf8')).items;
  const expected = JSON.parse(readFileSync(path.join(here, 'code', 'expected.json'), 'utf8')).items;
  const onlyAt = args.indexOf('--only');
  const only = onlyAt >= 0 ? new Set(String(args[onlyAt + 1] ?? '').split(',')) : undefined;
  const asJson = args.includes('--json');
  const rubric = await resolveRubric('rope-lab02');
  // The code checks only: the folders carry another submission's write-up and verify.py (rope-claims and rope-verify-script judge those).
  rubric.criteria = rubric.criteria.filter((c) => c.kind.startsWith('rope-') && c.kind !== 'rope-claims' && c.kind !== 'rope-verify-script');
  const rows = [];
  for (const id of Object.keys(expected).sort()) {
    if (only && !only.has(id)) continue;
    const folder = path.join(dir, id);
    if (!existsSync(folder)) {
      rows.push({ id, missing: true });
      continue;
    }
    const report = await grade({ rubric, target: folder });
    rows.push({ id, ...judge(report, expected[id]) });
  }
  const agreed = rows.filter((r) => r.agree).length;
  if (args.includes('--table')) {
    // A Markdown table: implementation, source, expected, rubricate's verdict and the variants it named.
    process.stdout.write('| implementation | source | expected | rubricate | variants named (checks) | agree |\n| --- | --- | --- | --- | --- | --- |\n');
    for (const r of rows) {
      const src = sources[r.id] ?? {};
      const want = expected[r.id];
      const named = new Map();
      for (const d of r.diagnoses ?? []) for (const v of d.variants) named.set(v, [...(named.get(v) ?? []), d.check]);
      const variants = [...named].map(([v, checks]) => `${v} (${checks.join(', ')})`).join('; ') || (r.note ? 'precision note' : '-');
      process.stdout.write(`| ${r.id} | ${src.repo} ${src.path} @ ${String(src.commit).slice(0, 7)} | ${want.verdict}${want.failing.length ? ` [${want.failing.join(', ')}]` : ''} | ${r.verdict ?? 'missing'}${r.failing?.length ? ` [${r.failing.join(', ')}]` : ''} | ${variants} | ${r.agree ? 'yes' : 'no'} |\n`);
    }
    process.stdout.write(`\n${agreed} of ${rows.length} implementations judged as expected\n`);
    return agreed === rows.length ? 0 : 1;
  }
  if (asJson) for (const r of rows) process.stdout.write(`${JSON.stringify(r)}\n`);
  else {
    for (const r of rows) {
      const src = sources[r.id] ?? {};
      const want = expected[r.id];
      process.stdout.write(`\n${r.agree ? 'AGREE   ' : 'DISAGREE'} ${r.id}  (${src.repo ?? '?'} ${src.path ?? ''})\n`);
      if (r.missing) {
        process.stdout.write('         folder missing\n');
        continue;
      }
      process.stdout.write(`  expected  ${want.verdict}${want.failing.length ? ` [${want.failing.join(', ')}]` : ''}${want.named ? ` naming ${want.named.join(' + ')}` : ''}${want.note ? ` with a ${want.note} note` : ''}\n`);
      process.stdout.write(`  rubricate ${r.verdict}${r.failing.length ? ` [${r.failing.join(', ')}]` : ''}\n`);
      for (const d of r.diagnoses) process.stdout.write(`            ${d.check}: ${d.text.slice(0, 400)}\n`);
      if (r.note) process.stdout.write(`            note: ${r.note.slice(0, 200)}\n`);
      for (const why of r.why) process.stdout.write(`  ! ${why}\n`);
    }
    process.stdout.write(`\n${agreed} of ${rows.length} implementations judged as expected\n`);
  }
  return agreed === rows.length ? 0 : 1;
}

function judge(report, want) {
  const code = report.checks;
  const notPassing = code.filter((c) => c.status !== 'pass');
  const failing = notPassing.map((c) => c.id.replace(/^code-/, '')).sort();
  const verdict = notPassing.length === 0 ? 'pass' : 'fail';
  const diagnoses = code.filter((c) => c.diagnosis).map((c) => ({ check: c.id.replace(/^code-/, ''), text: c.diagnosis, variants: c.data?.variants ?? [] }));
  // The precision note of a passing check ("precision note: computed in float32 ...").
  const note = code
    .filter((c) => c.status === 'pass')
    .flatMap((c) => [c.message, ...(c.details ?? []).map((d) => d.message)])
    .find((m) => /precision note|computed in/i.test(m));
  const why = [];
  if (verdict !== want.verdict) why.push(`verdict ${verdict}, expected ${want.verdict}`);
  const expectedFailing = [...want.failing].sort();
  if (JSON.stringify(failing) !== JSON.stringify(expectedFailing)) why.push(`not passing [${failing.join(', ')}], expected [${expectedFailing.join(', ')}]`);
  const failText = diagnoses.filter((d) => want.failing.includes(d.check)).map((d) => d.text).join('\n');
  for (const pattern of want.named ?? []) if (!new RegExp(pattern, 'i').test(failText)) why.push(`no diagnosis names /${pattern}/`);
  const allText = diagnoses.map((d) => d.text).join('\n');
  for (const pattern of want.notNamed ?? []) if (new RegExp(pattern, 'i').test(allText)) why.push(`a diagnosis names /${pattern}/`);
  if (want.verdict === 'pass' && diagnoses.length > 0) why.push('a passing implementation carries a diagnosis');
  if (want.note && !(note && new RegExp(want.note, 'i').test(note))) why.push(`no precision note naming ${want.note}`);
  return { verdict, failing, diagnoses, note, why, agree: why.length === 0 };
}
