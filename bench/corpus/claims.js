/**
 * `npm run corpus -- claims DIR [--verbose] [--json]`: runs `rubricate claims`
 * over the real documents named in bench/corpus/claims/sources.json (saved as
 * DIR/<id>.md) and scores its flags against bench/corpus/claims/expected.json,
 * which was written by reading each document by hand before rubricate ran.
 *
 * A flag (a claim that fails or warns) is a true flag when it sits on the line
 * of an expected inconsistency (or one of its other `lines`) and reads the same
 * number; a flag listed under `alsoAcceptable` is neither true nor false; every
 * other flag is a false alarm. Recall is given over all real inconsistencies
 * and over those of the kinds the engine checks (each extractor declares the
 * structure kinds it covers; see docs/claims.md).
 *
 * Prints, per document, its flags and misses, then: documents, claims checked,
 * flags, false alarms, inconsistencies found and missed (each miss with its
 * document and line), precision and recall. Exit code 0.
 *
 * Options: --set heldout (the held-out documents of claims/heldout/, gathered
 * after the engine was rebuilt), --verbose (every document), --json.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');

/** Corpus structure kinds an extractor covers, for engines whose extractors do not declare them. */
const LEGACY_COVERS = {
  'itemized-total': ['list-total', 'table-total'],
  'percent-of': ['percent-of'],
  product: ['product'],
  reduction: ['change'],
  'implied-sum': ['implied-sum'],
  'table-delta': ['table-delta'],
};

/** The first number written at (or after) a column of a line: "+1,089", "24M", "307%" give 1089, 24, 307. */
function numberAt(line, column) {
  const rest = line.slice(Math.max(0, column - 1));
  const m = /\d[\d,]*(?:\.\d+)?/.exec(rest);
  return m ? Number(m[0].replace(/,/g, '')) : undefined;
}

function firstNumber(text) {
  const m = /\d[\d,]*(?:\.\d+)?/.exec(String(text));
  return m ? Number(m[0].replace(/,/g, '')) : undefined;
}

function sameNumber(a, b) {
  return a !== undefined && b !== undefined && Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a));
}

function matches(flag, entry, lines) {
  const where = new Set([entry.line, ...(entry.lines ?? [])]);
  if (!where.has(flag.location.line)) return false;
  const want = firstNumber(entry.stated);
  const at = numberAt(lines[flag.location.line - 1] ?? '', flag.location.column);
  return sameNumber(at, want) || sameNumber(firstNumber(flag.stated), want);
}

function pct(n, d) {
  return d === 0 ? 'n/a' : `${((100 * n) / d).toFixed(1)}%`;
}

export async function run(dir, args = []) {
  const verbose = args.includes('--verbose') || args.includes('-v');
  const asJson = args.includes('--json');
  const set = args.includes('--set') ? args[args.indexOf('--set') + 1] : '';
  if (set && !/^[a-z-]+$/.test(set)) throw new Error(`bad --set ${set}`);
  const base = set ? path.join(here, 'claims', set) : path.join(here, 'claims');
  const sources = JSON.parse(readFileSync(path.join(base, 'sources.json'), 'utf8'));
  const expected = JSON.parse(readFileSync(path.join(base, 'expected.json'), 'utf8'));
  const lib = await import(pathToFileURL(path.join(root, 'dist', 'claims', 'index.js')).href);
  const covered = new Set();
  for (const extractor of lib.extractors) for (const kind of extractor.covers ?? LEGACY_COVERS[extractor.kind] ?? []) covered.add(kind);

  const out = [];
  const totals = { documents: 0, missingFiles: [], checked: 0, ok: 0, flags: 0, trueFlags: 0, acceptable: 0, falseAlarms: [], found: [], missed: [] };
  for (const doc of sources.documents) {
    const file = path.join(dir, `${doc.id}.md`);
    if (!existsSync(file)) {
      totals.missingFiles.push(doc.id);
      continue;
    }
    const exp = expected.documents[doc.id] ?? { inconsistencies: [], consistent: [], alsoAcceptable: [] };
    const text = readFileSync(file, 'utf8');
    const lines = text.split(/\r?\n/);
    const report = await lib.checkClaims([file]);
    const claims = report.files[0].claims;
    totals.documents++;
    totals.checked += claims.length;
    totals.ok += claims.filter((c) => c.status === 'ok').length;
    const flags = claims.filter((c) => c.status !== 'ok');
    totals.flags += flags.length;
    const hit = new Set();
    const rows = [];
    for (const flag of flags) {
      const real = exp.inconsistencies.findIndex((e) => matches(flag, e, lines));
      const acceptable = real < 0 && (exp.alsoAcceptable ?? []).some((e) => matches(flag, e, lines));
      let mark;
      if (real >= 0) {
        hit.add(real);
        totals.trueFlags++;
        mark = 'real';
      } else if (acceptable) {
        totals.acceptable++;
        mark = 'acceptable';
      } else {
        totals.falseAlarms.push({ id: doc.id, line: flag.location.line, stated: flag.stated, kind: flag.kind, message: flag.message });
        mark = 'FALSE ALARM';
      }
      rows.push(`  ${flag.location.line}:${flag.location.column} ${flag.status} [${flag.kind}] ${mark}: ${flag.message}`);
    }
    exp.inconsistencies.forEach((e, i) => {
      const item = { id: doc.id, line: e.line, stated: e.stated, kind: e.kind, checkedKind: covered.has(e.kind), why: e.why };
      if (hit.has(i)) totals.found.push(item);
      else {
        totals.missed.push(item);
        rows.push(`  missed ${e.line} ${e.stated} [${e.kind}${covered.has(e.kind) ? '' : ', not a checked kind'}]: ${e.why}`);
      }
    });
    if (rows.length > 0 || verbose) out.push(`${doc.id}: ${claims.length} claims checked, ${flags.length} flagged`, ...rows);
  }

  const realTotal = totals.found.length + totals.missed.length;
  const inKinds = (list) => list.filter((e) => e.checkedKind);
  const summary = {
    documents: totals.documents,
    claimsChecked: totals.checked,
    flags: totals.flags,
    trueFlags: totals.trueFlags,
    acceptableFlags: totals.acceptable,
    falseAlarms: totals.falseAlarms.length,
    realInconsistencies: realTotal,
    found: totals.found.length,
    missed: totals.missed.length,
    precision: pct(totals.trueFlags, totals.trueFlags + totals.falseAlarms.length),
    recall: pct(totals.found.length, realTotal),
    checkedKinds: [...covered].sort(),
    realOfCheckedKinds: inKinds(totals.found).length + inKinds(totals.missed).length,
    foundOfCheckedKinds: inKinds(totals.found).length,
    recallOfCheckedKinds: pct(inKinds(totals.found).length, inKinds(totals.found).length + inKinds(totals.missed).length),
  };
  if (asJson) {
    process.stdout.write(`${JSON.stringify({ summary, falseAlarms: totals.falseAlarms, found: totals.found, missed: totals.missed }, null, 2)}\n`);
    return 0;
  }
  out.push(
    '',
    `documents: ${summary.documents}${totals.missingFiles.length ? ` (not in ${dir}: ${totals.missingFiles.join(', ')})` : ''}`,
    `claims checked: ${summary.claimsChecked} (${totals.ok} consistent)`,
    `flags: ${summary.flags} (${summary.trueFlags} real, ${summary.acceptableFlags} acceptable, ${summary.falseAlarms} false alarms)`,
    `real inconsistencies: ${realTotal}, found ${summary.found}, missed ${summary.missed}`,
    `precision: ${summary.precision}   recall: ${summary.recall}`,
    `kinds checked: ${summary.checkedKinds.join(', ')}`,
    `recall on the kinds checked: ${summary.foundOfCheckedKinds} of ${summary.realOfCheckedKinds} (${summary.recallOfCheckedKinds})`,
  );
  if (totals.missed.length > 0) {
    out.push('missed:');
    for (const m of totals.missed) out.push(`  ${m.id}:${m.line} ${m.stated} [${m.kind}${m.checkedKind ? '' : ', not checked'}]`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
  return 0;
}
