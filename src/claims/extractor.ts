import type { ClaimsDocument } from './document.js';
import type { Claim, ClaimKind, ClaimStatus } from './types.js';

/**
 * An extractor finds one family of numeric claims in a document and
 * recomputes each from the numbers the document states. It returns every
 * claim it recognised, consistent ones included (`ok`), so that callers can
 * say how many claims were checked.
 */
export interface Extractor {
  kind: ClaimKind;
  /** One line for documentation. */
  summary: string;
  extract(doc: ClaimsDocument): Claim[];
}

export interface ClaimInit {
  status: ClaimStatus;
  line: number;
  /** 1-based column. */
  column: number;
  message: string;
  stated: string;
  expected: string;
  basis?: { line: number; endLine: number };
}

export function makeClaim(doc: ClaimsDocument, kind: ClaimKind, init: ClaimInit): Claim {
  return {
    kind,
    status: init.status,
    message: init.message,
    stated: init.stated,
    expected: init.expected,
    location: { file: doc.file, line: init.line, column: init.column },
    ...(init.basis ? { basis: init.basis } : {}),
  };
}

/** Runs a global regex over every prose line, with 1-based line numbers. */
export function* matchLines(doc: ClaimsDocument, pattern: RegExp): Generator<{ match: RegExpExecArray; line: number }> {
  for (const [i, text] of doc.prose.entries()) {
    if (!text) continue;
    pattern.lastIndex = 0;
    for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
      yield { match: m, line: i + 1 };
      if (m[0].length === 0) pattern.lastIndex++;
    }
  }
}

/** Column (1-based) of a named group in a match made with the `d` flag. */
export function groupColumn(match: RegExpExecArray, group: string): number {
  const span = match.indices?.groups?.[group];
  return (span ? span[0] : match.index) + 1;
}
