/**
 * `implied-sum`: quantities with the same unit listed item by item, and a
 * total with that unit nearby that the document does not say is their sum.
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
import { CORE, LA, LB, agrees, formatExact, normaliseUnit, parseNumber } from '../numbers.js';
import type { Claim } from '../types.js';

/** Units that add up; a count of "layers" or "dimensions" does not. */
const UNITS = String.raw`hours?|hrs?|h|minutes?|mins?|days?|weeks?|months?|person-days?|points?|pts|credits?|GB|MB|KB|TB|GiB|MiB|USD|EUR|dollars?|euros?|tokens?|samples?|examples?|files?|lines?|steps?|epochs?|tasks?`;
const QUANTITY = new RegExp(String.raw`${LB}(?<n>${CORE})${LA}\s*(?<unit>${UNITS})\b`, 'gi');
const PENDING = /\b(?:estimated|estimate|planned|remaining|pending|todo|to do|next|upcoming|expected)\b|⏳|🔜|☐|\[ \]/i;
const TOTAL_LINE = /\b(?:total|overall|in all|altogether|combined|sum|so far)\b/i;

function firstQuantity(text: string): { n: string; value: number; decimals: number; unit: string; index: number } | undefined {
  QUANTITY.lastIndex = 0;
  const m = QUANTITY.exec(text);
  if (!m) return undefined;
  const n = parseNumber(m.groups!.n!);
  if (!n) return undefined;
  return { n: m.groups!.n!, value: n.value, decimals: n.decimals, unit: normaliseUnit(m.groups!.unit!), index: m.index };
}

export const impliedSum: Extractor = {
  kind: 'implied-sum',
  summary: 'listed quantities with one unit against a nearby total in that unit (warnings: the relation is implied)',
  extract(doc: ClaimsDocument): Claim[] {
    const claims: Claim[] = [];
    const claimed = new Set<number>();
    for (const list of doc.lists) {
      const items = list.items
        .map((entry) => ({ entry, q: firstQuantity(entry.text) }))
        .filter((e): e is { entry: typeof e.entry; q: NonNullable<typeof e.q> } => e.q !== undefined);
      if (items.length < 2) continue;
      const unit = items[0]!.q.unit;
      if (items.some((i) => i.q.unit !== unit)) continue;
      const listLines = new Set(list.items.map((i) => i.line));
      // The total: a line near the list (4 lines before or after), outside it, naming a total in the same unit.
      const lastItem = list.items[list.items.length - 1]!.line;
      for (const line of [...range(lastItem + 1, list.endLine + 4), ...range(list.startLine - 4, list.startLine - 1)]) {
        if (line < 1 || line > doc.prose.length || listLines.has(line) || claimed.has(line)) continue;
        if (doc.lists.some((other) => other !== list && other.depth <= list.depth && other.items.some((i) => i.line === line))) continue;
        const text = doc.prose[line - 1] ?? '';
        const keyword = TOTAL_LINE.exec(text);
        if (!keyword) continue;
        const stated = firstQuantity(text.slice(keyword.index));
        if (!stated || stated.unit !== unit) continue;
        claimed.add(line);
        const column = keyword.index + stated.index + 1;
        const all = items.reduce((acc, i) => acc + i.q.value, 0);
        const done = items.filter((i) => !PENDING.test(i.entry.text));
        const doneSum = done.reduce((acc, i) => acc + i.q.value, 0);
        const decimals = Math.max(stated.decimals, ...items.map((i) => i.q.decimals));
        const ok = agrees(all, stated.value, decimals) || (done.length > 0 && done.length < items.length && agrees(doneSum, stated.value, decimals));
        const unitWord = /\s*([A-Za-z-]+)/.exec(text.slice(keyword.index + stated.index + stated.n.length))?.[1] ?? unit;
        const terms = (list: typeof items) => list.map((i) => i.q.n).join(' + ');
        const partial = done.length > 0 && done.length < items.length;
        const expected = partial ? `${formatExact(doneSum)} or ${formatExact(all)} ${unitWord}` : `${formatExact(all)} ${unitWord}`;
        const basis = { line: items[0]!.entry.line, endLine: items[items.length - 1]!.entry.line };
        const sums = partial
          ? `${terms(done)} = ${formatExact(doneSum)} for the done items, ${formatExact(all)} with the ${items.length - done.length} pending`
          : `${terms(items)} = ${formatExact(all)}`;
        claims.push(
          makeClaim(doc, 'implied-sum', {
            status: ok ? 'ok' : 'warn',
            line,
            column,
            stated: `${stated.n} ${unitWord}`,
            expected,
            message: ok
              ? `${stated.n} ${unitWord} matches the ${unitWord} listed on lines ${basis.line}-${basis.endLine}`
              : `${stated.n} ${unitWord} is not the sum of the ${unitWord} listed on lines ${basis.line}-${basis.endLine} (${sums}); the relation is implied, not stated, so this may be intended`,
            basis,
          }),
        );
        break;
      }
    }
    return claims;
  },
};

function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i <= to; i++) out.push(i);
  return out;
}
