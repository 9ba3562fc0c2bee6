/**
 * `rubricate claims <summary.md> --repo <dir>`: the repository claims of an
 * implementation summary (extract.ts), checked against the repository
 * (check.ts), optionally with the project's tools run in the sandbox
 * (run.ts), as one rubricate report: verified claims pass, refuted ones
 * fail with what the repository shows, and claims that cannot be decided
 * are skipped with the reason (report.ts). Each check is located at the
 * summary's line and column.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { prepareDocument } from '../claims/document.js';
import { UsageError } from '../core/errors.js';
import { checkRepoClaims, openRepositoryView, type SummaryCheckOptions } from './check.js';
import { extractRepoClaims } from './extract.js';
import { runProjectTools, type RunOptions } from './run.js';
import type { CheckedClaim } from './types.js';

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
  return checkSummaryText(file, readSummary(file), repo, options);
}

/** Checks a summary already read (`file` locates it and places it in the repository's history). */
export async function checkSummaryText(file: string, text: string, repo: string, options: SummaryOptions = {}): Promise<SummaryResult> {
  let st;
  try {
    st = statSync(repo);
  } catch {
    throw new UsageError(`--repo ${repo}: no such folder`);
  }
  if (!st.isDirectory()) throw new UsageError(`--repo ${repo}: not a folder`);
  const claims = extractRepoClaims(prepareDocument(file, text));
  const named = claims.flatMap((c) => [c.path, c.target && 'path' in c.target ? c.target.path : undefined]).filter((p): p is string => p !== undefined);
  const view = await openRepositoryView(path.resolve(repo), path.resolve(file), named);
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
