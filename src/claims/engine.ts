import { prepareDocument, type ClaimsDocument } from './document.js';
import type { Extractor } from './extractor.js';
import { change } from './extractors/change.js';
import { enumeratedCount } from './extractors/enumerated-count.js';
import { headingCount } from './extractors/heading-count.js';
import { impliedSum } from './extractors/implied-sum.js';
import { listTotal } from './extractors/list-total.js';
import { percentOf } from './extractors/percent-of.js';
import { product } from './extractors/product.js';
import { tableDelta } from './extractors/table-delta.js';
import { tableTotal } from './extractors/table-total.js';
import type { Claim, ClaimKind, ClaimsOptions, ClaimsSummary } from './types.js';

/**
 * Every extractor, in the order their claims win when two read the same
 * number: the more specific structure first (a table's total row before a
 * delta column, a heading's count before a plain count).
 */
export const extractors: readonly Extractor[] = [tableTotal, listTotal, headingCount, enumeratedCount, tableDelta, percentOf, change, product, impliedSum];

export function extractorFor(kind: ClaimKind): Extractor | undefined {
  return extractors.find((e) => e.kind === kind);
}

/** Extracts and checks every numeric claim of one document, sorted by position. */
export function extractClaims(doc: ClaimsDocument, options: ClaimsOptions = {}): Claim[] {
  const wanted = options.kinds ? new Set(options.kinds) : undefined;
  const claims: Claim[] = [];
  const taken = new Set<string>();
  for (const extractor of extractors) {
    if (wanted && !wanted.has(extractor.kind)) continue;
    for (const claim of extractor.extract(doc)) {
      // Two extractors reading the same stated number: the first (more specific) one wins.
      const key = `${claim.location.line}:${claim.location.column}`;
      if (taken.has(key)) continue;
      taken.add(key);
      claims.push(claim);
    }
  }
  return claims.sort((a, b) => a.location.line - b.location.line || a.location.column - b.location.column);
}

/** Checks the claims of a Markdown text; `file` is only used to locate findings. */
export function checkClaimsText(text: string, file = 'document.md', options: ClaimsOptions = {}): Claim[] {
  return extractClaims(prepareDocument(file, text), options);
}

export function summarise(claims: readonly Claim[]): ClaimsSummary {
  return {
    checked: claims.length,
    ok: claims.filter((c) => c.status === 'ok').length,
    warn: claims.filter((c) => c.status === 'warn').length,
    fail: claims.filter((c) => c.status === 'fail').length,
  };
}
