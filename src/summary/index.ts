/**
 * `rubricate claims <summary.md> --repo <dir>`: the repository claims of an
 * implementation summary (extract.ts), checked against the repository
 * (check.ts), optionally with the project's tools run in the sandbox
 * (run.ts), as one rubricate report: verified claims pass, refuted ones
 * fail with what the repository shows, and claims that cannot be decided
 * are skipped with the reason. Each check is located at the summary's line
 * and column.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { prepareDocument } from '../claims/document.js';
import { printable } from '../core/engine.js';
import { UsageError } from '../core/errors.js';
import { toolVersion } from '../core/paths.js';
import { REPORT_SCHEMA_VERSION, type CheckResult, type DimensionScore, type Report, type Status } from '../core/types.js';
import { checkRepoClaims, openRepositoryView, type SummaryCheckOptions } from './check.js';
import { extractRepoClaims } from './extract.js';
import { runProjectTools, type RunOptions } from './run.js';
import { REPO_CLAIM_KINDS, type CheckedClaim, type RepoClaimKind } from './types.js';

export type { CheckedClaim, RepoClaim, RepoClaimKind, Verdict } from './types.js';
export { extractRepoClaimsText } from './extract.js';

/** Largest summary read. */
const MAX_SUMMARY_BYTES = 4 * 1024 * 1024;

export interface SummaryOptions extends Omit<SummaryCheckOptions, 'run'> {
  /** Run the project's test runner and linter in the sandbox (src/summary/run.ts). */
  runTests?: boolean | RunOptions;
}

export interface SummaryResult {
  file: string;
  repo: string;
  claims: CheckedClaim[];
  /** What limited the check (history, configurations, the run). */
  notes: string[];
}

function readSummary(file: string): string {
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new UsageError(`${file}: not a file`);
    size = st.size;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`${file}: cannot read the summary (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (size > MAX_SUMMARY_BYTES) throw new UsageError(`${file}: the summary is ${size} bytes, over the ${MAX_SUMMARY_BYTES}-byte limit`);
  return readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
}

/** Checks the summary at `file` against the repository folder `repo`. */
export async function checkSummary(file: string, repo: string, options: SummaryOptions = {}): Promise<SummaryResult> {
  const text = readSummary(file);
  let st;
  try {
    st = statSync(repo);
  } catch {
    throw new UsageError(`--repo ${repo}: no such folder`);
  }
  if (!st.isDirectory()) throw new UsageError(`--repo ${repo}: not a folder`);
  const claims = extractRepoClaims(prepareDocument(file, text));
  const view = await openRepositoryView(path.resolve(repo), path.resolve(file));
  const notes: string[] = [];
  if (view.historyNote) notes.push(`history not used: ${view.historyNote}`);
  else if (view.commit) notes.push(`the summary's commit is ${view.commit.id.slice(0, 12)} (the last commit that changed it)`);
  notes.push(...view.inventory.notes);
  const checkOptions: SummaryCheckOptions = { ...options };
  delete (checkOptions as SummaryOptions).runTests;
  if (options.runTests && claims.some((c) => c.kind === 'tests-pass' || c.kind === 'lint-clean' || c.kind.startsWith('test-'))) {
    const run = await runProjectTools(path.resolve(repo), view, options.runTests === true ? {} : options.runTests);
    checkOptions.run = run;
    notes.push(...run.notes);
  }
  return { file, repo, claims: checkRepoClaims(claims, view, checkOptions), notes };
}

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
