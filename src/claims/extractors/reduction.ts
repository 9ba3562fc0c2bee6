/**
 * `reduction`: a relative change stated with both values.
 *
 *   from 400 ms to 100 ms (75% reduction)         ok
 *   1,000 → 250 (−75%)                            ok
 *   from 10 to 15 (50% increase)                  ok
 *   Zero parameters (100% reduction)              ok: anything down to zero is 100 %
 *   - Learned: 65,536 parameters                  the two list items above a
 *   - RoPE: 0 parameters                          "Reduction: Z%" item give the
 *   - Reduction: 100%                             before and after values
 *
 * A percentage with no values nearby ("50% reduction in parameters") is not a
 * claim this extractor can check, and is left alone.
 */
import type { ClaimsDocument, ListBlock } from '../document.js';
import { groupColumn, makeClaim, matchLines, type Extractor } from '../extractor.js';
import { CORE, LA, LB, NUM, agrees, describeExpected, formatExact, normaliseUnit, parseNumber } from '../numbers.js';
import type { Claim } from '../types.js';

const DOWN = 'reduction|reduced|decrease|decreased|drop|fewer|less|smaller|lower|cut|saving|savings|shrink|smaller';
const UP = 'increase|increased|growth|more|larger|higher|gain|bigger|rise';
const WORD = `(?<word>${DOWN}|${UP})`;
const APPROX = String.raw`(?<approx>[~≈]\s*)?`;
const UNIT = String.raw`(?:\s*(?:[A-Za-z%][\w/]*))?`;

const FROM_TO = new RegExp(
  String.raw`\bfrom\s+[~≈]?\s*(?<a>${NUM})${UNIT}\s+to\s+[~≈]?\s*(?<b>${NUM})${UNIT}[^.\n\d]{0,40}?${APPROX}(?<sign>[+\-−])?(?<z>${CORE})\s*%\s*${WORD}\b`,
  'gdi',
);
const ARROW = new RegExp(
  String.raw`${LB}(?<a>${CORE})${LA}${UNIT}\s*(?:→|->|=>|⟶|⇒)\s*(?<b>${CORE})${LA}${UNIT}\s*[(,:]\s*${APPROX}(?<sign>[+\-−])?(?<z>${CORE})\s*%(?:\s*${WORD}\b)?`,
  'gdi',
);
const ZERO = new RegExp(
  String.raw`(?:^|[^\w.])(?:zero|0)\s+(?:[A-Za-z][\w-]*\s+){0,3}?\(\s*${APPROX}(?<z>${CORE})\s*%\s*(?<word>reduction|decrease|fewer|less|smaller|lower|savings?)\b`,
  'gdi',
);
const LABELLED = new RegExp(String.raw`\b(?<word>reduction|savings?|decrease)\s*:\s*${APPROX}(?<z>${NUM})\s*%`, 'gdi');
const DOWN_RE = new RegExp(`^(?:${DOWN})$`, 'i');

function check(
  doc: ClaimsDocument,
  line: number,
  column: number,
  a: number,
  b: number,
  z: string,
  approxMark: string | undefined,
  word: string | undefined,
  sign: string | undefined,
  basis?: { line: number; endLine: number },
  change = `${formatExact(a)} → ${formatExact(b)}`,
): Claim | undefined {
  const stated = parseNumber(z);
  if (!stated || a === 0) return undefined;
  // Direction: the word decides; otherwise a sign; otherwise the values.
  let down: boolean;
  if (word) down = DOWN_RE.test(word);
  else if (sign) down = sign !== '+';
  else down = b < a;
  const computed = down ? (100 * (a - b)) / a : (100 * (b - a)) / a;
  const approx = Boolean(approxMark);
  const ok = agrees(computed, stated.value, stated.decimals, approx);
  const what = down ? 'reduction' : 'increase';
  const expected = describeExpected(computed, stated.decimals, '%');
  return makeClaim(doc, 'reduction', {
    status: ok ? 'ok' : 'fail',
    line,
    column,
    stated: `${approx ? '~' : ''}${z}% ${what}`,
    expected: `${expected} ${what}`,
    message: ok ? `${change} is a ${expected} ${what}, as stated` : `Stated ${z}% ${what} does not match ${change}: ${expected} ${what}`,
    ...(basis ? { basis } : {}),
  });
}

/** The value of a list item carrying "N unit": the last number before the unit word. */
function quantity(text: string): { value: number; unit: string } | undefined {
  const re = new RegExp(String.raw`(?<n>${NUM})\s+(?<unit>[A-Za-z][\w-]*)`, 'g');
  let last: { value: number; unit: string } | undefined;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const n = parseNumber(m.groups!.n!);
    if (n) last = { value: n.value, unit: normaliseUnit(m.groups!.unit!) };
  }
  return last;
}

export const reduction: Extractor = {
  kind: 'reduction',
  summary: 'a relative change with both values: "from 400 to 100 (75% reduction)", "Zero parameters (100% reduction)"',
  extract(doc: ClaimsDocument): Claim[] {
    const claims: Claim[] = [];
    const seen = new Set<string>();
    const push = (claim: Claim | undefined) => {
      if (!claim) return;
      const key = `${claim.location.line}:${claim.location.column}`;
      if (seen.has(key)) return;
      seen.add(key);
      claims.push(claim);
    };
    for (const pattern of [FROM_TO, ARROW]) {
      for (const { match, line } of matchLines(doc, pattern)) {
        const g = match.groups!;
        const a = parseNumber(g.a!);
        const b = parseNumber(g.b!);
        if (!a || !b) continue;
        // An arrow with a bare percentage and no sign or word is not clearly a change claim.
        if (pattern === ARROW && !g.word && !g.sign) continue;
        push(check(doc, line, groupColumn(match, 'z'), a.value, b.value, g.z!, g.approx, g.word, g.sign));
      }
    }
    for (const { match, line } of matchLines(doc, ZERO)) {
      const g = match.groups!;
      // Anything reduced to zero is a 100 % reduction, whatever it was before.
      push(check(doc, line, groupColumn(match, 'z'), 1, 0, g.z!, g.approx, g.word, undefined, undefined, 'down to zero'));
    }
    for (const { match, line } of matchLines(doc, LABELLED)) {
      const g = match.groups!;
      const list = doc.lists.find((l: ListBlock) => l.items.some((item) => item.line === line));
      if (!list) continue;
      const index = list.items.findIndex((item) => item.line === line);
      const before = list.items.slice(0, index).map((item) => ({ item, q: quantity(item.text) })).filter((e) => e.q);
      if (before.length < 2) continue;
      const [first, second] = before.slice(-2) as [(typeof before)[0], (typeof before)[0]];
      if (first.q!.unit !== second.q!.unit) continue;
      push(check(doc, line, groupColumn(match, 'z'), first.q!.value, second.q!.value, g.z!, g.approx, g.word, undefined, { line: first.item.line, endLine: second.item.line }));
    }
    return claims;
  },
};
