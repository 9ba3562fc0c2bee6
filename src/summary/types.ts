/**
 * Repository claims of an implementation summary: what a "work complete"
 * summary says about the repository it describes (files created, modified or
 * left unchanged, their line counts, test counts and totals, test runs and
 * lint results, behaviour), each located at its line and column.
 */

export type RepoClaimKind =
  | 'file-created'
  | 'file-modified'
  | 'file-unchanged'
  | 'file-deleted'
  | 'line-count'
  | 'test-count'
  | 'test-new'
  | 'test-total'
  | 'tests-pass'
  | 'lint-clean'
  | 'behaviour';

export const REPO_CLAIM_KINDS: readonly RepoClaimKind[] = [
  'file-created',
  'file-modified',
  'file-unchanged',
  'file-deleted',
  'line-count',
  'test-count',
  'test-new',
  'test-total',
  'tests-pass',
  'lint-clean',
  'behaviour',
];

/** A number as the summary states it: "280", "85+", "~300", "600+". */
export interface StatedNumber {
  value: number;
  text: string;
  /** `at-least` for "85+" and "over 30", `about` for "~300". */
  bound: 'exact' | 'at-least' | 'at-most' | 'about';
}

/** What a test count is about. */
export type TestTargetRef =
  /** A file the summary names ("tests/rope_test.rs"). */
  | { path: string }
  /** A label of a breakdown ("RoPE tests", "Unit tests (lib)", "Doc tests"). */
  | { label: string }
  /** Words naming a topic ("16 new RoPE tests", a section "Step 1: RMSNorm"). */
  | { topic: string[] };

export interface RepoClaim {
  kind: RepoClaimKind;
  /** 1-based line of the summary. */
  line: number;
  /** 1-based column of the path or number the claim is about. */
  column: number;
  /** The line as written, trimmed and shortened, for messages. */
  excerpt: string;
  /** The path as written (file claims, line counts). */
  path?: string;
  stated?: StatedNumber;
  target?: TestTargetRef;
  /** Tool named by a lint claim ("clippy"), or the behaviour claimed. */
  subject?: string;
}

export type Verdict = 'verified' | 'refuted' | 'not-verified';

export interface CheckedClaim extends RepoClaim {
  verdict: Verdict;
  /** One sentence: what the summary says and what the repository shows (or why it cannot be told). */
  message: string;
  /** What the repository shows, short ("276 lines", "202 tests"). */
  actual?: string;
  /** The repository file the verdict rests on, relative to the repository. */
  evidence?: { file: string; line?: number };
}
