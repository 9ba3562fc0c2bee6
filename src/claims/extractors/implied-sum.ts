/**
 * `implied-sum`: quantities with one unit listed item by item, and a total
 * with that unit nearby that the document does not say is their sum.
 *
 *   - Step 1: RMSNorm (4 hours)
 *   - Step 2: SwiGLU (5 hours)
 *   - Step 3: Bias removal (4 hours estimated)
 *   Total effort so far: 9 hours                 ok: 4 + 5 (done steps)
 *   Total effort so far: 23 hours                warn: 4 + 5 = 9, or 13 with the estimate
 *
 * Because the relation is implied rather than stated (the total may include
 * work not listed), a mismatch is a warning, never a failure. Items marked as
 * estimated, planned, remaining or pending may be left out of the sum.
 */
import type { ClaimsDocument } from '../document.js';
import { makeClaim, type Extractor } from '../extractor.js';
import { agrees, formatInterval, of, quantitiesIn, singular, sum, type Quantity } from '../quantity.js';
import type { Claim } from '../types.js';

/** Nouns of counts that add up; a count of "layers" or "dimensions" does not. */
const ADDITIVE = /^(?:point|pt|credit|usd|eur|dollar|euro|token|sample|example|file|line|step|epoch|task|person-day|month)$/;
const PENDING = /\b(?:estimated|estimate|planned|remaining|pending|todo|to do|next|upcoming|expected)\b|⏳|🔜|☐|\[ \]/i;
const TOTAL_LINE = /\b(?:total|overall|in all|altogether|combined|sum|so far)\b/i;

function unitOf(q: Quantity, text: string): string | undefined {
  if (q.dimension === 'time' || q.dimension === 'bytes') return q.dimension;
  if (q.dimension !== 'count') return undefined;
  const noun = /^\s*([A-Za-z][\w-]*)/.exec(text.slice(q.index + q.length))?.[1];
  return noun && ADDITIVE.test(singular(noun)) ? singular(noun) : undefined;
}

function firstUnitQuantity(text: string): { q: Quantity; unit: string } | undefined {
  for (const q of quantitiesIn(text)) {
    const unit = unitOf(q, text);
    if (unit) return { q, unit };
  }
  return undefined;
}

function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i <= to; i++) out.push(i);
  return out;
}

export const impliedSum: Extractor = {
  kind: 'implied-sum',
  summary: 'listed quantities with one unit against a nearby total in that unit (warnings: the relation is implied)',
  covers: ['implied-sum'],
  extract(doc: ClaimsDocument): Claim[] {
    const claims: Claim[] = [];
    const claimed = new Set<number>();
    for (const list of doc.lists) {
      const items = list.items
        .map((entry) => ({ entry, found: firstUnitQuantity(entry.text) }))
        .filter((e): e is { entry: typeof e.entry; found: NonNullable<typeof e.found> } => e.found !== undefined);
      if (items.length < 2) continue;
      const unit = items[0]!.found.unit;
      if (items.some((i) => i.found.unit !== unit)) continue;
      const listLines = new Set(list.items.map((i) => i.line));
      const lastItem = list.items[list.items.length - 1]!.line;
      // The total: a line near the list (4 lines before or after), outside it, naming a total in the same unit.
      for (const line of [...range(lastItem + 1, list.endLine + 4), ...range(list.startLine - 4, list.startLine - 1)]) {
        if (line < 1 || line > doc.prose.length || listLines.has(line) || claimed.has(line)) continue;
        if (doc.lists.some((other) => other !== list && other.depth <= list.depth && other.items.some((i) => i.line === line))) continue;
        const text = doc.prose[line - 1] ?? '';
        const keyword = TOTAL_LINE.exec(text);
        if (!keyword) continue;
        const stated = quantitiesIn(text, keyword.index).find((q) => unitOf(q, text) === unit);
        if (!stated) continue;
        claimed.add(line);
        const all = sum(items.map((i) => of(i.found.q)));
        const done = items.filter((i) => !PENDING.test(i.entry.text));
        const partial = done.length > 0 && done.length < items.length;
        const doneSum = sum(done.map((i) => of(i.found.q)));
        const ok = agrees(stated, all).ok || (partial && agrees(stated, doneSum).ok);
        const terms = (list: typeof items) => list.map((i) => `${i.found.q.text} (line ${i.entry.line})`).join(' + ');
        const expected = partial ? `${formatInterval(doneSum, stated)} or ${formatInterval(all, stated)}` : formatInterval(all, stated);
        const sums = partial
          ? `${terms(done)} = ${formatInterval(doneSum, stated)} for the done items, ${formatInterval(all, stated)} with the ${items.length - done.length} pending`
          : `${terms(items)} = ${formatInterval(all, stated)}`;
        const unitWord = /^\s*([A-Za-z-]+)/.exec(text.slice(stated.index + stated.length))?.[1] ?? '';
        const shown = `${stated.text}${unitWord ? ' ' + unitWord : ''}`;
        claims.push(
          makeClaim(doc, 'implied-sum', {
            status: ok ? 'ok' : 'warn',
            line,
            column: stated.index + 1,
            stated: shown,
            expected,
            message: ok
              ? `${shown} matches the quantities listed on lines ${items[0]!.entry.line}-${items[items.length - 1]!.entry.line}`
              : `${shown} is not the sum of the quantities listed on lines ${items[0]!.entry.line}-${items[items.length - 1]!.entry.line} (${sums}); the relation is implied, not stated, so this may be intended`,
            items: items.map((i) => ({ line: i.entry.line, text: i.found.q.text })),
            tolerance: agrees(stated, all).tolerance,
          }),
        );
        break;
      }
    }
    return claims;
  },
};
