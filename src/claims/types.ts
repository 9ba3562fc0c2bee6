/**
 * Numeric claims: what a document asserts about its own numbers (a total, a
 * percentage, a product, a change, a count) recomputed from the numbers it
 * states. One claim is one assertion, located at the number that asserts it.
 */

/** The extractors, by name (each is one module under `src/claims/extractors/`). */
export type ClaimKind =
  | 'list-total'
  | 'table-total'
  | 'heading-count'
  | 'enumerated-count'
  | 'percent-of'
  | 'change'
  | 'table-delta'
  | 'product'
  | 'implied-sum';

export const CLAIM_KINDS: readonly ClaimKind[] = [
  'list-total',
  'table-total',
  'heading-count',
  'enumerated-count',
  'percent-of',
  'change',
  'table-delta',
  'product',
  'implied-sum',
];

/** Names of earlier versions, still accepted in `--kinds` and rubric options. */
export const CLAIM_KIND_ALIASES: Readonly<Record<string, readonly ClaimKind[]>> = {
  'itemized-total': ['list-total', 'table-total'],
  reduction: ['change'],
};

/** `ok`: the claim adds up; `fail`: it does not; `warn`: it does not, but the relation was only implied. */
export type ClaimStatus = 'ok' | 'fail' | 'warn';

export interface ClaimLocation {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based, counted in UTF-16 code units of the line. */
  column: number;
}

/** A number the claim was recomputed from, where the document states it. */
export interface ClaimItem {
  line: number;
  /** The number (or the item) as written. */
  text: string;
}

export interface Claim {
  kind: ClaimKind;
  status: ClaimStatus;
  /** One sentence: what was stated, what the stated numbers give, from which lines. */
  message: string;
  /** The value as the document states it ("145 tests", "72%", "-0.15"). */
  stated: string;
  /** What the document's own numbers give ("142", "71.875% (72% rounded)"). */
  expected: string;
  location: ClaimLocation;
  /** The numbers the claim was recomputed from, with their lines. */
  items?: ClaimItem[];
  /** The tolerance applied to the stated value, in words. */
  tolerance?: string;
  /** Lines the claim was recomputed from, when elsewhere. */
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

/** Expands aliases; undefined for an unknown name. */
export function resolveClaimKind(name: string): readonly ClaimKind[] | undefined {
  if ((CLAIM_KINDS as readonly string[]).includes(name)) return [name as ClaimKind];
  return CLAIM_KIND_ALIASES[name];
}
