/**
 * Numeric claims: what a document asserts about its own numbers (a total, a
 * percentage, a product, a delta column) recomputed from the numbers it
 * states. One claim is one assertion, located at the number that asserts it.
 */

/** The extractors, by name (each is one module under `src/claims/extractors/`). */
export type ClaimKind = 'itemized-total' | 'percent-of' | 'product' | 'reduction' | 'implied-sum' | 'table-delta';

export const CLAIM_KINDS: readonly ClaimKind[] = ['itemized-total', 'percent-of', 'product', 'reduction', 'implied-sum', 'table-delta'];

/** `ok`: the claim adds up; `fail`: it does not; `warn`: it does not, but the relation was only implied. */
export type ClaimStatus = 'ok' | 'fail' | 'warn';

export interface ClaimLocation {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based, counted in UTF-16 code units of the line. */
  column: number;
}

export interface Claim {
  kind: ClaimKind;
  status: ClaimStatus;
  /** One sentence: what was stated and what the stated numbers give. */
  message: string;
  /** The value as the document states it ("145 tests", "72%", "-0.15"). */
  stated: string;
  /** What the document's own numbers give, at the stated precision ("142 tests", "71.875% (72% rounded)"). */
  expected: string;
  location: ClaimLocation;
  /** Lines the claim was recomputed from (the itemized list, the table row), when elsewhere. */
  basis?: { line: number; endLine: number };
}

export interface ClaimsFileReport {
  file: string;
  claims: Claim[];
}

export interface ClaimsSummary {
  checked: number;
  ok: number;
  warn: number;
  fail: number;
}

export interface ClaimsReport {
  files: ClaimsFileReport[];
  summary: ClaimsSummary;
}

export interface ClaimsOptions {
  /** Extractors to run (default: all). */
  kinds?: readonly ClaimKind[];
}
