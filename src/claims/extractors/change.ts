/**
 * `change`: a change stated in prose with both values it compares.
 *
 *   reduced by 40.1% from 850ms to 509ms            relative change (either direction)
 *   Coverage: 40.20% → 78.29% (+38.09%)             percentage points, or a relative change
 *   74% failure reduction (765 → 174)               fail: 77.3%
 *   311 tests passing (up from 101 = 307% increase) fail: +207.9%
 *   28.3ms vs 114.3ms (4.0x faster)                 a ratio, either way round
 *   - Without cache: 1554 ms                        labelled lines: the last two values
 *   - With cache: 79 ms                             before an Improvement / Reduction /
 *   - Improvement: 94.9%                            Savings / Change line
 *   Zero parameters (100% reduction)                anything down to zero is 100 %
 *
 *   - Phase 1: 101 tests passing             a signed change with its relative
 *   - Phase 2: 311 tests passing             change ("+D (+Z%)"): checked against the
 *   - Increase: +210 tests (+307%)           two sibling values D apart: fail, +207.9%
 *
 * A pair is `from A to B`, `A → B` (->, =>), `A vs B` or `B (up from A)`;
 * the change is the percentage, points, ratio (`4x`) or signed difference
 * written right after it (in parentheses or after a colon or comma), or just
 * before it (`Z% word… (A → B)`, `by Z% from A to B`). Every reading is tried
 * (B − A or A − B, relative to A — or to either value for `vs` — points for
 * two percentages, a speed gain for durations, A/B or B/A for ratios) and the
 * claim is flagged only when none agrees at the stated precision.
 */
import type { ClaimsDocument } from '../document.js';
import { claimCollector, makeClaim, textLines, type Extractor } from '../extractor.js';
import { groupsOf } from '../groups.js';
import { agrees, div, exactQuantity, formatInterval, of, quantitiesIn, scale, type Quantity } from '../quantity.js';
import type { Claim } from '../types.js';
import { changeReadings } from './table-delta.js';

interface Pair {
  a: Quantity;
  b: Quantity;
  /** Offsets of the pair in the line. */
  start: number;
  end: number;
  /** `A vs B`: either value may be the base of a relative change. */
  eitherBase: boolean;
}

/** Quantities of a line that can be compared (not percentages of something else glued to them). */
function pairsIn(text: string, qs: Quantity[]): Pair[] {
  const pairs: Pair[] = [];
  for (let i = 0; i + 1 < qs.length; i++) {
    const a = qs[i]!;
    const b = qs[i + 1]!;
    const between = text.slice(a.index + a.length, b.index);
    const fromBefore = /\bfrom\s*$/i.test(text.slice(Math.max(0, a.index - 12), a.index));
    const sameKind = a.dimension === b.dimension || (a.dimension === 'count' && b.dimension === 'count');
    if (!sameKind || a.dimension === 'ratio' || a.dimension === 'points') continue;
    if (/^\s*(?:[A-Za-z/]+\s*){0,2}(?:→|->|=>|⟶|⇒)\s*$/.test(between) || (fromBefore && /^\s*(?:[A-Za-z/]+\s*){0,2}to\s*$/i.test(between))) {
      pairs.push({ a, b, start: a.index, end: b.index + b.length, eitherBase: false });
    } else if (/^\s*(?:[A-Za-z/]+\s*){0,2}(?:vs\.?|versus)\s*$/i.test(between)) {
      pairs.push({ a, b, start: a.index, end: b.index + b.length, eitherBase: true });
    } else if (/^\s*(?:[A-Za-z-]+\s*){0,3}\(\s*(?:up|down)\s+from\s*$/i.test(between)) {
      // "311 tests passing (up from 101 = 307% increase)": the later value first.
      pairs.push({ a: b, b: a, start: a.index, end: b.index + b.length, eitherBase: false });
    }
  }
  return pairs;
}

/** Change quantities attached to a pair: right after it, or just before it. */
function attached(text: string, qs: Quantity[], pair: Pair): Quantity[] {
  const out: Quantity[] = [];
  const after = qs.filter((q) => q.index >= pair.end);
  let cursor = pair.end;
  for (const q of after.slice(0, 2)) {
    const gap = text.slice(cursor, q.index);
    // "(+38.09%)", ": 94.9%", ", -11.3%", " = 307% increase", "(+210, +208%)", "JSON (4.0x faster)".
    if (!/^\s*(?:[A-Za-z.]+\s*){0,2}[(:,=–—-]?\s*(?:\(\s*)?$/.test(gap) || (out.length > 0 && !/^\s*[,;(]\s*$/.test(gap))) break;
    if (!isChange(q)) break;
    out.push(q);
    cursor = q.index + q.length;
  }
  if (out.length > 0) return out;
  // Before: "74% failure reduction (765 → 174)", "by 74% from 765 to 201", "1.7x faster than orjson for simple objects (4.83ms vs 8.19ms)".
  const before = qs.filter((q) => q.index + q.length <= pair.start);
  const last = before[before.length - 1];
  if (last && isChange(last)) {
    const gap = text.slice(last.index + last.length, pair.start);
    if (/^\s*(?:[A-Za-z][\w-]*\s*){0,6}\(\s*$/.test(gap) || /^\s*from\s*$/i.test(gap)) out.push(last);
  }
  return out;
}

/** A quantity that can state a change: a percentage, points, a ratio, or a signed amount. */
function isChange(q: Quantity): boolean {
  return q.dimension === 'percent' || q.dimension === 'points' || q.dimension === 'ratio' || q.signed;
}

function readings(stated: Quantity, pair: Pair) {
  const rs = changeReadings(stated, pair.a, pair.b);
  if (pair.eitherBase) {
    for (const r of changeReadings(stated, pair.b, pair.a)) if (!rs.some((x) => x.name === r.name)) rs.push(r);
    // "32h actual vs 48h estimated (67%)": one value as a percentage of the other.
    if (stated.dimension === 'percent' && pair.a.dimension === pair.b.dimension) {
      const ab = div(of(pair.a), of(pair.b));
      const ba = div(of(pair.b), of(pair.a));
      if (ab) rs.push({ name: `${pair.a.text} / ${pair.b.text}`, value: scale(ab, 100), dir: -1 });
      if (ba) rs.push({ name: `${pair.b.text} / ${pair.a.text}`, value: scale(ba, 100), dir: 1 });
    }
  }
  return rs;
}

function claimFor(doc: ClaimsDocument, line: number, stated: Quantity, pair: Pair, column: number): Claim | undefined {
  const rs = readings(stated, pair);
  if (rs.length === 0) return undefined;
  const ok = rs.find((r) => agrees(stated, r.value).ok);
  const shown = ok ?? rs[0]!;
  const tolerance = agrees(stated, shown.value).tolerance;
  const pairText = `${pair.a.text} → ${pair.b.text}`;
  const message = ok
    ? `${stated.text} agrees with ${pairText}: ${ok.name} = ${formatInterval(ok.value, stated)}`
    : `Stated change ${stated.text} does not match ${pairText} under any reading: ${rs.map((r) => `${r.name} = ${formatInterval(r.value, stated)}`).join('; ')}; tolerance: ${tolerance}`;
  return makeClaim(doc, 'change', {
    status: ok ? 'ok' : 'fail',
    line,
    column,
    message,
    stated: stated.text,
    expected: formatInterval(shown.value, stated),
    items: [
      { line, text: pair.a.text },
      { line, text: pair.b.text },
    ],
    tolerance,
  });
}

const ZERO = /(?:^|[^\w.])(?:zero|0)\s+(?:[A-Za-z][\w-]*\s+){0,3}?\(\s*(?<z>\d+(?:\.\d+)?)\s*%\s*(?:reduction|decrease|fewer|less|smaller|lower|savings?)\b/gdi;
const CHANGE_LABEL = /^\s*(?:net\s+)?(?:improvement|reduction|savings?|speed-?up|change|gain|decrease|increase|delta|difference)\s*:/i;

/** The value a labelled line states: the number after its last `=`, else the first number after its label. */
function lineValue(text: string): Quantity | undefined {
  const eq = text.lastIndexOf('=');
  if (eq >= 0) return quantitiesIn(text, eq + 1)[0];
  const colon = text.indexOf(':');
  return quantitiesIn(text, colon >= 0 ? colon + 1 : 0)[0];
}

export const change: Extractor = {
  kind: 'change',
  summary: 'a change stated with both values it compares: from A to B, A → B, A vs B, B (up from A), labelled before/after lines',
  covers: ['change', 'points', 'difference', 'ratio'],
  extract(doc: ClaimsDocument): Claim[] {
    const { claims, push } = claimCollector();
    const texts = textLines(doc);
    for (const { line, text } of texts) {
      const qs = quantitiesIn(text);
      for (const pair of pairsIn(text, qs)) {
        for (const z of attached(text, qs, pair)) push(claimFor(doc, line, z, pair, z.index + 1));
      }
      ZERO.lastIndex = 0;
      for (let m = ZERO.exec(text); m; m = ZERO.exec(text)) {
        const zq = quantitiesIn(text, m.indices!.groups!.z![0])[0];
        if (!zq) continue;
        push(claimFor(doc, line, zq, { a: exactQuantity(1, 'anything'), b: exactQuantity(0, 'zero'), start: 0, end: 0, eitherBase: false }, zq.index + 1));
      }
    }
    // "+D (+Z%)" in a group: the two sibling values (same noun) that are D apart.
    for (const group of groupsOf(doc)) {
      for (const e of group.entries) {
        for (let i = 0; i + 1 < e.measures.length; i++) {
          const d = e.measures[i]!;
          const z = e.measures[i + 1]!;
          if (!d.q.signed || d.q.dimension !== 'count' || !d.noun || z.q.dimension !== 'percent' || d.derived !== undefined) continue;
          if (!/^\s*[^\d%]{0,12}\(\s*[+\-−]?$/.test(e.text.slice(d.q.index + d.q.length, z.q.index).replace(/[+\-−]$/, '+'))) continue;
          const values = group.entries
            .filter((o) => o !== e)
            .flatMap((o) => o.measures.filter((m) => m.noun === d.noun && m.q.dimension === 'count' && !m.q.signed && m.derived === undefined).map((m) => ({ o, m })));
          let pair: Pair | undefined;
          for (let x = 0; x < values.length && !pair; x++) {
            for (let y = x + 1; y < values.length && !pair; y++) {
              const a = values[x]!.m.q;
              const b = values[y]!.m.q;
              if (Math.abs(Math.abs(b.value - a.value) - Math.abs(d.q.value)) <= 1e-9 * Math.max(1, Math.abs(d.q.value)) && Math.sign(b.value - a.value) === Math.sign(d.q.value)) pair = { a, b, start: 0, end: 0, eitherBase: false };
            }
          }
          if (pair) push(claimFor(doc, e.line, z.q, pair, z.column));
        }
      }
    }
    // Labelled lines: "Before: A" / "After: B" / "Improvement: Z%", consecutive.
    for (let i = 2; i < texts.length; i++) {
      const cur = texts[i]!;
      if (!CHANGE_LABEL.test(cur.text.replace(/^\s*(?:[-*+]|\d+[.)])\s+/, ''))) continue;
      const p1 = texts[i - 1]!;
      const p2 = texts[i - 2]!;
      if (p1.line !== cur.line - 1 || p2.line !== cur.line - 2) continue;
      if (!/:/.test(p1.text) || !/:/.test(p2.text)) continue;
      const a = lineValue(p2.text);
      const b = lineValue(p1.text);
      const z = quantitiesIn(cur.text).find(isChange);
      if (!a || !b || !z) continue;
      push(claimFor(doc, cur.line, z, { a, b, start: 0, end: 0, eitherBase: false }, z.index + 1));
    }
    return claims;
  },
};
