import type { ClaimsDocument } from './document.js';
import { agrees, formatInterval, type Interval, type Quantity } from './quantity.js';
import type { Claim, ClaimItem, ClaimKind, ClaimStatus } from './types.js';

/**
 * An extractor finds one structure of numeric claims in a document (a list
 * with its total, a table's total row, a count in a heading...) and
 * recomputes each claim from the numbers the document states, through the
 * shared arithmetic model (`quantity.ts`). It returns every claim it
 * recognised, consistent ones included (`ok`), so that callers can say how
 * many claims were checked.
 */
export interface Extractor {
  kind: ClaimKind;
  /** One line for documentation. */
  summary: string;
  /** The structures it checks, in the vocabulary of docs/claims.md (and of the corpus expectations). */
  covers: readonly string[];
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
  items?: ClaimItem[];
  tolerance?: string;
}

export function makeClaim(doc: ClaimsDocument, kind: ClaimKind, init: ClaimInit): Claim {
  const items = init.items?.filter((i) => i.line > 0);
  const basisLines = items?.map((i) => i.line).filter((l) => l !== init.line) ?? [];
  return {
    kind,
    status: init.status,
    message: init.message,
    stated: init.stated,
    expected: init.expected,
    location: { file: doc.file, line: init.line, column: init.column },
    ...(items && items.length > 0 ? { items } : {}),
    ...(init.tolerance ? { tolerance: init.tolerance } : {}),
    ...(basisLines.length > 0 ? { basis: { line: Math.min(...basisLines), endLine: Math.max(...basisLines) } } : {}),
  };
}

/** "2,300 (line 54) + 2,910 (line 55)"; consecutive items on one line are not repeated. */
export function describeItems(items: readonly ClaimItem[], joiner = ' + '): string {
  return items.map((i) => `${i.text} (line ${i.line})`).join(joiner);
}

/**
 * The common shape of a checked claim: a stated quantity against a recomputed
 * interval, with the items and the tolerance in the message.
 */
export function compare(
  doc: ClaimsDocument,
  kind: ClaimKind,
  stated: Quantity,
  at: { line: number; column: number },
  computed: Interval,
  describe: { what: string; how: string; items: ClaimItem[]; extraSteps?: number; warnOnly?: boolean; noun?: string },
): Claim {
  const agreement = agrees(stated, computed, describe.extraSteps ?? 0);
  const expected = formatInterval(computed, stated);
  const status: ClaimStatus = agreement.ok ? 'ok' : describe.warnOnly ? 'warn' : 'fail';
  const value = `${stated.text}${describe.noun ? ` ${describe.noun}` : ''}`;
  const message = agreement.ok
    ? `${describe.what} ${value} agrees with ${describe.how} = ${expected}`
    : `${describe.what} ${value} does not match ${describe.how} = ${expected}; tolerance: ${agreement.tolerance}`;
  return makeClaim(doc, kind, { status, line: at.line, column: at.column, message, stated: stated.text, expected, items: describe.items, tolerance: agreement.tolerance });
}

/** Collects claims, one per located number (the first one found wins). */
export function claimCollector(): { claims: Claim[]; push: (c: Claim | undefined) => void } {
  const claims: Claim[] = [];
  const seen = new Set<string>();
  const push = (c: Claim | undefined) => {
    if (!c) return;
    const key = `${c.location.line}:${c.location.column}`;
    if (seen.has(key)) return;
    seen.add(key);
    claims.push(c);
  };
  return { claims, push };
}

/** Every line that can state a claim: prose lines and the lines of listing code blocks, in document order. */
export function textLines(doc: ClaimsDocument): Array<{ line: number; text: string }> {
  const texts: Array<{ line: number; text: string }> = [];
  doc.prose.forEach((text, i) => text && texts.push({ line: i + 1, text }));
  for (const c of doc.code) if (!c.program) for (const l of c.lines) texts.push(l);
  return texts.sort((x, y) => x.line - y.line);
}
