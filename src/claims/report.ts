/**
 * Claims as rubricate reports (schemas/report.schema.json), so that `claims`
 * speaks the format `grade` and `verify` speak: one report per document, one
 * check per claim (pass: it adds up, warn: an implied relation does not,
 * fail: it does not), located at the stated number. CI, SARIF and GitHub
 * consumers then read all three commands alike.
 */
import { basename } from 'node:path';
import { printable } from '../core/engine.js';
import { toolVersion } from '../core/paths.js';
import { REPORT_SCHEMA_VERSION, type CheckResult, type DimensionScore, type Report, type Status } from '../core/types.js';
import { CLAIM_KINDS, type Claim, type ClaimKind, type ClaimsReport } from './types.js';

/** Dimension titles: one dimension per structure checked. */
export const CLAIM_KIND_TITLES: Readonly<Record<ClaimKind, string>> = {
  'list-total': 'List totals',
  'table-total': 'Table totals',
  'heading-count': 'Counts in headings',
  'enumerated-count': 'Counts of listed things',
  'percent-of': 'Percentages',
  change: 'Stated changes',
  'table-delta': 'Table delta columns',
  product: 'Arithmetic',
  'implied-sum': 'Implied sums',
};

const STATUS: Record<Claim['status'], Status> = { ok: 'pass', warn: 'warn', fail: 'fail' };

/** The check of one claim: id `<kind>:<line>:<column>`, 1 point when it adds up (or only warns). */
export function claimCheck(claim: Claim, file: string): CheckResult {
  const { line, column } = claim.location;
  const status = STATUS[claim.status];
  const items = claim.items ?? [];
  const check: CheckResult = {
    id: `${claim.kind}:${line}:${column}`,
    title: `${CLAIM_KIND_TITLES[claim.kind]}: ${printable(claim.stated)} (line ${line})`,
    kind: 'claims',
    dimension: claim.kind,
    severity: claim.kind === 'implied-sum' ? 'warning' : 'error',
    visibility: 'learner',
    status,
    points: status === 'fail' ? 0 : 1,
    maxPoints: 1,
    message: printable(claim.message),
    location: { file, line, column },
    data: {
      stated: claim.stated,
      expected: claim.expected,
      ...(claim.tolerance ? { tolerance: claim.tolerance } : {}),
      items: items.map((i) => ({ line: i.line, text: i.text })),
    },
  };
  if (status !== 'pass' && claim.basis) {
    const lines = claim.basis.endLine > claim.basis.line ? `lines ${claim.basis.line}-${claim.basis.endLine}` : `line ${claim.basis.line}`;
    check.details = [
      {
        message: `recomputed from ${items.length} item${items.length === 1 ? '' : 's'} on ${lines}`,
        location: { file, line: claim.basis.line, ...(claim.basis.endLine > claim.basis.line ? { endLine: claim.basis.endLine } : {}) },
        actual: printable(claim.stated),
        expected: printable(claim.expected),
      },
    ];
  }
  return check;
}

/** One report per document. Locations are relative to the document's folder, as for `verify`. */
export function claimsReports(report: ClaimsReport): Report[] {
  return report.files.map(({ file, claims }) => {
    const name = basename(file);
    const checks = claims.map((c) => claimCheck(c, name));
    const dimensions: DimensionScore[] = CLAIM_KINDS.filter((k) => claims.some((c) => c.kind === k)).map((k) => {
      const mine = checks.filter((c) => c.dimension === k);
      return { id: k, title: CLAIM_KIND_TITLES[k], score: mine.reduce((a, c) => a + c.points, 0), maxScore: mine.length };
    });
    const summary: Record<Status, number> = { pass: 0, warn: 0, fail: 0, error: 0, skip: 0 };
    for (const check of checks) summary[check.status]++;
    const score = checks.reduce((a, c) => a + c.points, 0);
    return {
      schemaVersion: REPORT_SCHEMA_VERSION,
      tool: { name: 'rubricate', version: toolVersion() },
      rubric: { id: 'claims', title: 'Numeric claims add up', version: 1 },
      submission: { name, path: printable(file.split('\\').join('/')) },
      score,
      maxScore: checks.length,
      passThreshold: 1,
      passed: summary.fail === 0,
      dimensions,
      summary,
      checks,
      notices: claims.length === 0 ? [{ level: 'info', message: 'no numeric claim found; nothing to check' }] : [],
    };
  });
}
