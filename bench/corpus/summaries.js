/**
 * `npm run corpus -- summaries DIR [--verbose] [--json]`: runs `rubricate
 * claims <summary> --repo <repository>` over the real implementation summaries
 * named in bench/corpus/summaries/sources.json (each repository checked out
 * at its commit as DIR/<id>/repo, with its .git; the summary is <summary>
 * inside it) and compares its verdicts with the hand labels of
 * bench/corpus/summaries/expected.json, written before rubricate ran.
 *
 * A rubricate claim matches a label on the same line, of the same kind, about
 * the same path (one ending with the other; for a test count, the path written
 * or the test file rubricate counted) and the same stated number. Scores:
 * - extraction: labelled claims found, and rubricate claims no label covers
 *   (listed; a refutation among them is shown as a possible false alarm);
 * - verdicts on the matched claims, labels (verified, refuted, not-checkable,
 *   uncertain) against rubricate (verified, refuted, not-verified);
 * - FALSE ALARMS: refuted by rubricate, labelled verified (the figure that
 *   matters most), and refuted where the label says it cannot be decided;
 * - refutations found (labelled refuted, refuted) and missed; WRONG
 *   VERIFICATIONS: labelled refuted, verified by rubricate.
 * Uncertain labels are left out of every score. Exit code 0.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { readFileSync } from 'node:fs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');

function firstNumber(text) {
  const m = /\d[\d,]*(?:\.\d+)?/.exec(String(text ?? ''));
  return m ? Number(m[0].replace(/,/g, '')) : undefined;
}

function samePath(a, b) {
  if (!a || !b) return false;
  const x = a.replace(/^\.\//, '');
  const y = b.replace(/^\.\//, '');
  return x === y || x.endsWith(`/${y}`) || y.endsWith(`/${x}`);
}

function subjectOf(claim) {
  if (claim.path) return claim.path;
  const t = claim.target;
  if (!t) return undefined;
  return t.path ?? t.label ?? (t.topic ? t.topic.join(' ') : undefined);
}

/** Does rubricate's claim match the label? Same line and kind; then the subject or the number decides when both sides give one. */
function matches(claim, label) {
  if (claim.line !== label.line || claim.kind !== label.kind) return false;
  const n = firstNumber(label.stated);
  if (n !== undefined && claim.stated && claim.stated.value !== n) return false;
  if (label.subject && claim.path) return samePath(claim.path, label.subject);
  if (label.subject && claim.target?.path && !/\s/.test(label.subject) && /[./]/.test(label.subject)) return samePath(claim.target.path, label.subject) || samePath(claim.evidence?.file, label.subject);
  return true;
}

function pct(n, d) {
  return d === 0 ? 'n/a' : `${((100 * n) / d).toFixed(1)}%`;
}

export async function run(dir, args = []) {
  const verbose = args.includes('--verbose') || args.includes('-v');
  const asJson = args.includes('--json');
  const base = path.join(here, 'summaries');
  const sources = JSON.parse(readFileSync(path.join(base, 'sources.json'), 'utf8'));
  const expected = JSON.parse(readFileSync(path.join(base, 'expected.json'), 'utf8'));
  const lib = await import(pathToFileURL(path.join(root, 'dist', 'summary', 'index.js')).href);

  const out = [];
  const matrix = {};
  const totals = { documents: 0, missing: [], labels: 0, labelsScored: 0, found: 0, extra: [], falseAlarms: [], refutedUndecidable: [], hits: [], missed: [], wrongVerifications: [], notFound: [] };
  for (const doc of sources.documents) {
    const repo = path.join(dir, doc.id, 'repo');
    const file = path.join(repo, doc.summary);
    if (!existsSync(file)) {
      totals.missing.push(doc.id);
      continue;
    }
    totals.documents++;
    const labels = expected.documents[doc.id]?.claims ?? [];
    const result = await lib.checkSummary(file, repo);
    const claims = result.claims;
    const used = new Set();
    const rows = [];
    for (const label of labels) {
      totals.labels++;
      if (label.verdict === 'uncertain') continue;
      totals.labelsScored++;
      const i = claims.findIndex((c, k) => !used.has(k) && matches(c, label));
      const item = { id: doc.id, line: label.line, kind: label.kind, subject: label.subject, stated: label.stated, label: label.verdict };
      if (i < 0) {
        totals.notFound.push(item);
        if (verbose) rows.push(`  not found ${label.line} [${label.kind}] ${label.subject ?? ''} ${label.stated ?? ''} (label ${label.verdict})`);
        continue;
      }
      used.add(i);
      totals.found++;
      const c = claims[i];
      const key = `${label.verdict} -> ${c.verdict}`;
      matrix[key] = (matrix[key] ?? 0) + 1;
      const row = { ...item, verdict: c.verdict, message: c.message };
      let mark = '';
      if (c.verdict === 'refuted' && label.verdict === 'verified') {
        totals.falseAlarms.push(row);
        mark = 'FALSE ALARM';
      } else if (c.verdict === 'refuted' && label.verdict === 'not-checkable') {
        totals.refutedUndecidable.push(row);
        mark = 'REFUTED, LABEL UNDECIDABLE';
      } else if (c.verdict === 'refuted' && label.verdict === 'refuted') {
        totals.hits.push(row);
        mark = 'refutation found';
      } else if (label.verdict === 'refuted' && c.verdict === 'verified') {
        totals.wrongVerifications.push(row);
        mark = 'WRONG VERIFICATION';
      } else if (label.verdict === 'refuted') {
        totals.missed.push(row);
        mark = 'refutation missed';
      }
      if (mark || verbose) rows.push(`  ${c.line}:${c.column} [${c.kind}] ${mark || 'agree?'} label ${label.verdict}, rubricate ${c.verdict}: ${c.message}`);
    }
    claims.forEach((c, k) => {
      if (used.has(k) || labels.some((l) => l.verdict === 'uncertain' && l.line === c.line && l.kind === c.kind)) return;
      totals.extra.push({ id: doc.id, line: c.line, kind: c.kind, subject: subjectOf(c), verdict: c.verdict, message: c.message });
      if (c.verdict === 'refuted' || verbose) rows.push(`  ${c.line}:${c.column} [${c.kind}] unlabelled claim, rubricate ${c.verdict}${c.verdict === 'refuted' ? ' (possible false alarm)' : ''}: ${c.message}`);
    });
    out.push(`${doc.id}: ${labels.length} labels, ${claims.length} claims extracted`, ...rows);
  }
  const scored = Object.entries(matrix).filter(([k]) => !k.startsWith('uncertain'));
  const agree = (matrix['verified -> verified'] ?? 0) + (matrix['refuted -> refuted'] ?? 0) + (matrix['not-checkable -> not-verified'] ?? 0);
  const matched = scored.reduce((a, [, n]) => a + n, 0);
  const labelledVerified = Object.entries(matrix).filter(([k]) => k.startsWith('verified ->')).reduce((a, [, n]) => a + n, 0);
  const labelledRefuted = Object.entries(matrix).filter(([k]) => k.startsWith('refuted ->')).reduce((a, [, n]) => a + n, 0);
  const summary = {
    documents: totals.documents,
    labels: totals.labels,
    labelsScored: totals.labelsScored,
    extracted: totals.found,
    extractionRecall: pct(totals.found, totals.labelsScored),
    unlabelledClaims: totals.extra.length,
    unlabelledRefuted: totals.extra.filter((e) => e.verdict === 'refuted').length,
    verdictAgreement: `${agree} of ${matched} (${pct(agree, matched)})`,
    matrix,
    falseAlarms: totals.falseAlarms.length,
    falseAlarmRate: `${totals.falseAlarms.length} of ${labelledVerified} labelled verified (${pct(totals.falseAlarms.length, labelledVerified)})`,
    refutedUndecidable: totals.refutedUndecidable.length,
    refutationsFound: `${totals.hits.length} of ${labelledRefuted} labelled refuted and extracted (${pct(totals.hits.length, labelledRefuted)})`,
    wrongVerifications: totals.wrongVerifications.length,
    verifiedOfLabelledVerified: `${matrix['verified -> verified'] ?? 0} of ${labelledVerified} (${pct(matrix['verified -> verified'] ?? 0, labelledVerified)})`,
  };
  if (asJson) {
    process.stdout.write(`${JSON.stringify({ summary, falseAlarms: totals.falseAlarms, refutedUndecidable: totals.refutedUndecidable, wrongVerifications: totals.wrongVerifications, missed: totals.missed, notFound: totals.notFound, unlabelled: totals.extra }, null, 2)}\n`);
    return 0;
  }
  out.push(
    '',
    `documents: ${summary.documents}${totals.missing.length ? ` (not in ${dir}: ${totals.missing.join(', ')})` : ''}`,
    `labels: ${summary.labels} (${summary.labelsScored} scored, uncertain left out); extracted: ${summary.extracted} (${summary.extractionRecall})`,
    `unlabelled claims extracted: ${summary.unlabelledClaims} (${summary.unlabelledRefuted} refuted)`,
    `verdict agreement on matched claims: ${summary.verdictAgreement}`,
    `label -> rubricate: ${Object.entries(matrix).sort().map(([k, n]) => `${k}: ${n}`).join(', ')}`,
    `FALSE ALARMS (refuted, labelled verified): ${summary.falseAlarmRate}`,
    `refuted where the label says undecidable: ${summary.refutedUndecidable}`,
    `refutations found: ${summary.refutationsFound}; wrong verifications: ${summary.wrongVerifications}`,
    `verified of labelled verified: ${summary.verifiedOfLabelledVerified}`,
  );
  process.stdout.write(`${out.join('\n')}\n`);
  return 0;
}
