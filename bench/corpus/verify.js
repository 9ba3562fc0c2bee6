/**
 * `npm run corpus -- verify DIR [--rubric ID|FILE] [--json] [--min FRACTION]`:
 * how often `rubricate verify` agrees with a careful reader on real texts
 * that teach RoPE.
 *
 * DIR holds the texts named in bench/corpus/verify/sources.json (others'
 * text, kept out of this repository); bench/corpus/verify/labels.json holds
 * the verdict a reader gave each criterion of each text (covered / partial /
 * missing), written before rubricate was run on them. The tool's verdict is
 * its check status: pass = covered, warn = partial, fail = missing.
 *
 * Texts marked `"set": "held-out"` in sources.json (labelled after the rules
 * were written) are also counted apart.
 *
 * Prints the agreement per text and per criterion, the confusion between the
 * three verdicts, and every disagreement with the tool's evidence (what it
 * found where, what it found missing, what it set aside as negated or
 * contradicted), so a reader can tell a wrong label from a wrong tool.
 * Exits 1 when the overall agreement is below --min (default 0: report only).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveRubric } from '../../dist/rubric/load.js';
import { verifyDocument } from '../../dist/verify/verify.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const VERDICT = { pass: 'covered', warn: 'partial', fail: 'missing', error: 'error', skip: 'skip' };
const LEVELS = ['covered', 'partial', 'missing'];

function option(args, name, fallback) {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
}

export async function run(dir, args = []) {
  const sources = JSON.parse(readFileSync(path.join(here, 'verify', 'sources.json'), 'utf8'));
  const labels = JSON.parse(readFileSync(path.join(here, 'verify', 'labels.json'), 'utf8'));
  const rubric = await resolveRubric(option(args, '--rubric', 'rope-build-prompt'));
  const min = Number(option(args, '--min', '0'));
  const out = [];
  const rows = [];
  const missingFiles = [];

  for (const source of sources.texts) {
    const file = path.join(dir, source.file);
    const expected = labels.texts[source.file];
    if (!expected) throw new Error(`labels.json has no labels for ${source.file}`);
    if (!existsSync(file)) {
      missingFiles.push(source.file);
      continue;
    }
    const report = await verifyDocument({ rubric, document: file });
    for (const check of report.checks) {
      const label = expected[check.id]?.label;
      if (!label) throw new Error(`labels.json: ${source.file} has no label for ${check.id}`);
      rows.push({ text: source.file, set: source.set ?? 'main', criterion: check.id, expected: label, actual: VERDICT[check.status] ?? check.status, check, why: expected[check.id].why });
    }
  }
  if (missingFiles.length > 0) out.push(`not in ${dir}: ${missingFiles.join(', ')}`, '');

  const agree = (r) => r.expected === r.actual;
  const share = (list) => `${list.filter(agree).length}/${list.length} (${pct(list.filter(agree).length, list.length)})`;
  const group = (key) => {
    const m = new Map();
    for (const r of rows) m.set(r[key], [...(m.get(r[key]) ?? []), r]);
    return m;
  };

  out.push(`rubric ${rubric.id} v${rubric.version}: ${rows.length} verdicts on ${new Set(rows.map((r) => r.text)).size} texts`, '');
  out.push('agreement per text:');
  for (const [text, list] of group('text')) out.push(`  ${text.padEnd(34)} ${share(list)}`);
  out.push('', 'agreement per criterion:');
  for (const [criterion, list] of group('criterion')) out.push(`  ${criterion.padEnd(22)} ${share(list)}`);
  out.push('', 'confusion (rows: label, columns: rubricate):');
  out.push(`  ${''.padEnd(9)}${LEVELS.map((l) => l.padStart(9)).join('')}${'other'.padStart(9)}`);
  for (const e of LEVELS) {
    const line = LEVELS.map((a) => String(rows.filter((r) => r.expected === e && r.actual === a).length).padStart(9)).join('');
    const other = rows.filter((r) => r.expected === e && !LEVELS.includes(r.actual)).length;
    out.push(`  ${e.padEnd(9)}${line}${String(other).padStart(9)}`);
  }
  out.push('', `overall: ${share(rows)}`);
  for (const [set, list] of group('set')) if (group('set').size > 1) out.push(`  ${set}: ${share(list)}`);

  const disagreements = rows.filter((r) => !agree(r));
  if (disagreements.length > 0) out.push('', `disagreements (${disagreements.length}):`);
  for (const r of disagreements) {
    out.push('', `- ${r.text} ${r.criterion}: label ${r.expected}, rubricate ${r.actual}`);
    out.push(`    label: ${r.why}`);
    out.push(`    rubricate: ${r.check.message}`);
    for (const d of r.check.details ?? []) {
      const at = d.location?.line !== undefined ? ` (line ${d.location.line})` : '';
      out.push(`      ${d.message}${at}${d.actual ? `: "${d.actual}"` : ''}`);
    }
  }

  if (args.includes('--json')) {
    process.stdout.write(JSON.stringify({ rubric: rubric.id, verdicts: rows.map(({ check, why, ...r }) => r) }, null, 2) + '\n');
  } else {
    process.stdout.write(out.join('\n') + '\n');
  }
  const overall = rows.length === 0 ? 0 : rows.filter(agree).length / rows.length;
  return missingFiles.length === sources.texts.length ? 2 : overall < min ? 1 : 0;
}

function pct(n, d) {
  return d === 0 ? '-' : `${((100 * n) / d).toFixed(0)}%`;
}
