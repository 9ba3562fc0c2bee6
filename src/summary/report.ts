/**
 * Checked summary claims as a rubricate report (schemas/report.schema.json),
 * like `claims` and `grade`: one check per claim, verified = pass, refuted =
 * fail, not verified = skip (0 points of 0), located at the summary's line
 * and column, with the repository file it rests on as a detail.
 */
import path from 'node:path';
import { printable } from '../core/engine.js';
import { toolVersion } from '../core/paths.js';
import { REPORT_SCHEMA_VERSION, type CheckResult, type DimensionScore, type Report, type Status } from '../core/types.js';
import type { SummaryResult } from './index.js';
import { REPO_CLAIM_KINDS, type CheckedClaim, type RepoClaimKind } from './types.js';

export const REPO_CLAIM_TITLES: Readonly<Record<RepoClaimKind, string>> = {
  'file-created': 'Files created',
  'file-modified': 'Files modified',
  'file-unchanged': 'Files left unchanged',
  'file-deleted': 'Files deleted',
  'line-count': 'Line counts',
  'test-count': 'Test counts',
  'test-new': 'New tests',
  'test-total': 'Test totals',
  'tests-pass': 'Test runs',
  'lint-clean': 'Lint results',
  behaviour: 'Behaviour',
};

const STATUS: Record<CheckedClaim['verdict'], Status> = { verified: 'pass', refuted: 'fail', 'not-verified': 'skip' };

/** One check per claim, id `<kind>:<line>:<column>`. */
export function summaryChecks(result: SummaryResult, fileLabel = path.basename(result.file)): CheckResult[] {
  return result.claims.map((c) => {
    const status = STATUS[c.verdict];
    const check: CheckResult = {
      id: `${c.kind}:${c.line}:${c.column}`,
      title: `${REPO_CLAIM_TITLES[c.kind]}: ${printable(c.path ?? c.stated?.text ?? c.subject ?? c.kind)} (line ${c.line})`,
      kind: 'summary-claims',
      dimension: c.kind,
      severity: 'error',
      visibility: 'learner',
      status,
      points: status === 'pass' ? 1 : 0,
      maxPoints: status === 'skip' ? 0 : 1,
      message: `${c.verdict === 'not-verified' ? 'not verified' : c.verdict}: ${printable(c.message)}`,
      location: { file: fileLabel, line: c.line, column: c.column },
      data: {
        verdict: c.verdict,
        excerpt: printable(c.excerpt),
        ...(c.path ? { path: printable(c.path) } : {}),
        ...(c.stated ? { stated: c.stated.text } : {}),
        ...(c.actual ? { actual: c.actual } : {}),
        ...(c.target ? { target: c.target } : {}),
      },
    };
    if (c.evidence) check.details = [{ message: `evidence in the repository`, location: { file: printable(c.evidence.file), ...(c.evidence.line ? { line: c.evidence.line } : {}) } }];
    return check;
  });
}

/** The result as a rubricate report (schemas/report.schema.json). */
export function summaryReport(result: SummaryResult): Report {
  const checks = summaryChecks(result);
  const dimensions: DimensionScore[] = REPO_CLAIM_KINDS.filter((k) => result.claims.some((c) => c.kind === k)).map((k) => {
    const mine = checks.filter((c) => c.dimension === k);
    return { id: k, title: REPO_CLAIM_TITLES[k], score: mine.reduce((a, c) => a + c.points, 0), maxScore: mine.reduce((a, c) => a + c.maxPoints, 0) };
  });
  const summary: Record<Status, number> = { pass: 0, warn: 0, fail: 0, error: 0, skip: 0 };
  for (const check of checks) summary[check.status]++;
  const score = checks.reduce((a, c) => a + c.points, 0);
  const maxScore = checks.reduce((a, c) => a + c.maxPoints, 0);
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: 'rubricate', version: toolVersion() },
    rubric: { id: 'summary-claims', title: 'Summary claims are true of the repository', version: 1 },
    submission: { name: path.basename(result.file), path: printable(result.file.split('\\').join('/')) },
    score,
    maxScore,
    passThreshold: 1,
    passed: summary.fail === 0,
    dimensions,
    summary,
    checks,
    notices: [
      ...(result.claims.length === 0 ? [{ level: 'info' as const, message: 'no repository claim found; nothing to check' }] : []),
      ...result.notes.map((n) => ({ level: 'info' as const, message: printable(n) })),
    ],
  };
}
