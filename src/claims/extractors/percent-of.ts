/**
 * `percent-of`: a percentage against the fraction or the whole it is of.
 *
 *   3 / 4 steps (75%)                       a fraction written with it
 *   72% (23/32)   92.47% (15,459/16,679)    fail: 92.69%
 *   43% (1137/1999 lines missing)           the complement of a fraction of what is missing
 *   - Total Tests: 1,315                    a share of the group's stated total:
 *   - Failures: 492 (38%)                   fail, 492 / 1,315 = 37.4%
 *   - 97 passed (68%)                       shares of one whole (they add up to 100%):
 *   - 39 failed (28%)                       of 97 + 39 + 6; 27.46% may be written 28%
 *   - 6 skipped (4%)                        so that the shares add up to 100%
 *   Total: 124 tests, 119 passing (95.9%)   a share of the entry's own count
 *
 * The stated precision decides (rounded or truncated to the digits written;
 * `~` allows 5%). Shares of one whole are checked only against a stated
 * total, or against the sum of the parts when the shares themselves add up to
 * 100%; when they do exactly, each may be off by one unit of its last digit
 * (largest-remainder rounding). Shares of a table column likewise, against
 * its Total row or its sum. Not claims: `10 / 15 / 20`, dates, `2/3 of the time`.
 */
import type { ClaimsDocument, TableBlock } from '../document.js';
import { compare, textLines, type Extractor } from '../extractor.js';
import { groupsOf, type Entry, type Group } from '../groups.js';
import { BEFORE, cellQuantities, DIGITS, div, exactly, of, quantitiesIn, scale, stripDecoration, sub, sum, type Interval, type Quantity } from '../quantity.js';
import type { Claim } from '../types.js';
import { locate } from './table-total.js';

const N = String.raw`(?:${DIGITS})`;
const WORDS = String.raw`(?:\s+[A-Za-z][\w-]*){0,3}?`;
const SEP = String.raw`\s*(?:\/|\bout\s+of\b|\bof\b)\s*`;
const APPROX = String.raw`(?<approx>[~≈]\s*|(?:about|approx\.?|approximately|roughly|nearly|almost)\s+)?`;
const END = String.raw`(?![\d.,]\d)`;
const END_Y = String.raw`(?![\d.,]\d|\s*\/\s*\d)`;
const PERCENT = String.raw`(?<z>${N})\s*(?:%|\s?percent\b)`;

/** X [unit] / Y [unit] (Z%   — the percentage right after, in parentheses or after a comma, colon or dash. */
const FRACTION_THEN_PERCENT = new RegExp(String.raw`(?<!\/\s*)${BEFORE}(?<x>${N})${END}(?<xu>${WORDS})${SEP}(?<y>${N})${END_Y}(?<yu>${WORDS})\s*(?:\(|,|:|—|–|-|=)\s*${APPROX}${PERCENT}`, 'gd');
/** Z% (X/Y)  or  Z% (X of Y [unit]). */
const PERCENT_THEN_FRACTION = new RegExp(String.raw`${BEFORE}${APPROX}${PERCENT}(?:\s+[A-Za-z]+){0,2}\s*\(\s*(?<x>${N})${END}(?<xu>${WORDS})${SEP}(?<y>${N})${END_Y}(?<yu>${WORDS})\s*\)`, 'gd');
/** X [unit] (Z% of Y [unit]). */
const PART_THEN_SHARE = new RegExp(String.raw`${BEFORE}(?<x>${N})${END}(?<xu>${WORDS})\s*\(\s*${APPROX}${PERCENT}\s+of\s+(?:the\s+)?(?<y>${N})${END_Y}(?<yu>${WORDS})\s*\)`, 'gd');
/** Z% of Y [unit] is X. */
const SHARE_IS_PART = new RegExp(String.raw`${BEFORE}${APPROX}${PERCENT}\s+of\s+(?:the\s+)?(?<y>${N})${END_Y}(?<yu>${WORDS})\s*(?:=|≈|\bis\b|\bare\b|\bgives\b|\bmakes\b)\s*(?<x>${N})${END}(?<xu>${WORDS})`, 'gd');

/** Words that make a fraction count what is left out: its percentage may be the complement. */
const COMPLEMENT = /\b(?:missing|missed|uncovered|failed|failing|failures?|errors?|remaining|left|lost|skipped|not covered|untested)\b/i;

function num(text: string): Quantity | undefined {
  return quantitiesIn(text)[0];
}

function fractionClaims(doc: ClaimsDocument): Claim[] {
  const claims: Claim[] = [];
  const seen = new Set<string>();
  for (const { line, text } of textLines(doc)) {
    for (const pattern of [FRACTION_THEN_PERCENT, PERCENT_THEN_FRACTION, PART_THEN_SHARE, SHARE_IS_PART]) {
      pattern.lastIndex = 0;
      for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
        const g = m.groups!;
        const x = num(g.x!);
        const y = num(g.y!);
        const zStart = m.indices!.groups!.z![0];
        const zq = quantitiesIn(text.slice(0, m.index + m[0].length), Math.max(0, zStart - (g.approx?.length ?? 0) - 1)).find((q) => q.dimension === 'percent' && q.index <= zStart && q.index + q.length > zStart);
        if (!x || !y || !zq || y.value === 0) continue;
        const xu = g.xu!.trim();
        const yu = g.yu!.trim();
        // "3 hours / 4 days": different units are not a fraction.
        if (xu && yu && !COMPLEMENT.test(yu) && xu.split(/\s+/)[0]!.toLowerCase() !== yu.split(/\s+/)[0]!.toLowerCase()) continue;
        const key = `${line}:${zq.index}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const share = scale(div(of(x), of(y))!, 100);
        const fraction = `${x.text}${xu ? ' ' + xu : ''} / ${y.text}${yu ? ' ' + yu : ''}`;
        const items = [
          { line, text: x.text },
          { line, text: y.text },
        ];
        let claim = compare(doc, 'percent-of', zq, { line, column: zq.index + 1 }, share, { what: 'Stated', how: fraction, items });
        if (claim.status !== 'ok' && COMPLEMENT.test(`${xu} ${yu}`)) {
          const complement = sub(exactly(100), share);
          const alt = compare(doc, 'percent-of', zq, { line, column: zq.index + 1 }, complement, { what: 'Stated', how: `100% − ${fraction} (the share not ${/missing|uncovered|not covered|untested/i.test(`${xu} ${yu}`) ? 'missing' : 'counted'})`, items });
          if (alt.status === 'ok') claim = alt;
        }
        claims.push(claim);
      }
    }
  }
  return claims;
}

// ---- shares of one whole -----------------------------------------------------------

interface Share {
  entry: Entry;
  count: Quantity;
  percent: Quantity;
  column: number;
}

/** A count followed (in parentheses) by its percentage: "492 (38%)", "97 עברו (68%)", "83,886,080  (15.0%)". */
/** Words after a percentage that make it a change, not a share: "(48% reduction)", "(100% eliminated!)". */
const CHANGE_AFTER = /^\s*(?:\w+\s+)?(?:reduction|reduced|decrease|decreased|increase|increased|improvement|improved|faster|slower|smaller|larger|bigger|less|more|fewer|lower|higher|better|worse|eliminated|drop|dropped|gain|growth|savings?|saved|cut|up|down|change|shorter|longer)\b/i;
/** Words for the state of some of the things a count counts ("119 passing" of "124 tests"). */
const STATE = /(?:ing|ed)$|^(?:pass|fail|done|complete|open|closed|green|red|ok|new|fixed|remaining|left|pending|blocked)$/;

function isShare(text: string, p: Quantity): boolean {
  return !p.signed && !CHANGE_AFTER.test(text.slice(p.index + p.length));
}

function shareOf(entry: Entry): Share | undefined {
  const ms = entry.measures;
  for (let i = 0; i + 1 < ms.length; i++) {
    const c = ms[i]!;
    const p = ms[i + 1]!;
    if (c.q.dimension !== 'count' || p.q.dimension !== 'percent' || c.derived !== undefined) continue;
    if (i !== 0) return undefined;
    const between = entry.text.slice(c.q.index + c.q.length, p.q.index);
    if (!/^[^\d%]{0,40}\(\s*[~≈]?\s*$/.test(between) || !isShare(entry.text, p.q)) return undefined;
    return { entry, count: c.q, percent: p.q, column: p.column };
  }
  return undefined;
}

function groupShares(doc: ClaimsDocument, group: Group): Claim[] {
  const claims: Claim[] = [];
  // Levels: a tree listing has shares per level of siblings under the same parent.
  const runs: Entry[][] = [];
  let current: Entry[] = [];
  let depth = -1;
  for (const e of group.entries) {
    if (!e.main && !e.isTotal) continue;
    if (e.depth !== depth && current.length > 0) {
      runs.push(current);
      current = [];
    }
    depth = e.depth;
    current.push(e);
  }
  if (current.length > 0) runs.push(current);
  // Siblings of one level may be split by deeper runs: merge runs of the same depth that share a parent.
  const levels = new Map<string, Entry[]>();
  let parentLine = 0;
  for (const run of runs) {
    const d = run[0]!.depth;
    if (d === Math.min(...group.entries.map((e) => e.depth))) parentLine = 0;
    const key = `${d}:${d === 0 ? 0 : parentLine}`;
    levels.set(key, [...(levels.get(key) ?? []), ...run]);
    parentLine = run[run.length - 1]!.line;
  }
  for (const siblings of levels.values()) {
    const total = siblings.find((e) => e.isTotal && e.main && e.main.q.dimension === 'count');
    const shares = siblings.filter((e) => e !== total).map(shareOf).filter((s): s is Share => s !== undefined);
    if (shares.length === 0) continue;
    let whole: Interval | undefined;
    let wholeText = '';
    let extraSteps = 0;
    if (total) {
      whole = of(total.main!.q);
      wholeText = `the stated total ${total.main!.q.text} (line ${total.line})`;
    } else {
      const counted = siblings.filter((e) => e.main && e.main.q.dimension === 'count');
      if (shares.length < 2 || shares.length !== counted.length) continue;
      const percentSum = shares.reduce((acc, s) => acc + s.percent.value, 0);
      const step = Math.max(...shares.map((s) => s.percent.step));
      if (Math.abs(percentSum - 100) > step * shares.length / 2 + 1e-9) continue;
      whole = sum(shares.map((s) => of(s.count)));
      wholeText = `the whole ${shares.map((s) => s.count.text).join(' + ')}`;
      if (Math.abs(percentSum - 100) < 1e-9) extraSteps = 1;
    }
    for (const s of shares) {
      const value = div(of(s.count), whole);
      if (!value) continue;
      claims.push(
        compare(doc, 'percent-of', s.percent, { line: s.entry.line, column: s.column }, scale(value, 100), {
          what: 'Stated share',
          how: `${s.count.text} / ${wholeText}`,
          items: [{ line: s.entry.line, text: s.count.text }, ...(total ? [{ line: total.line, text: total.main!.q.text }] : shares.map((o) => ({ line: o.entry.line, text: o.count.text })))],
          extraSteps,
        }),
      );
    }
  }
  // "Total: 124 tests, 119 passing (95.9%)": a share of the entry's own count.
  for (const e of group.entries) {
    if (!e.main || e.main.q.dimension !== 'count') continue;
    for (let i = 1; i + 1 < e.measures.length; i++) {
      const c = e.measures[i]!;
      const p = e.measures[i + 1]!;
      if (c.q.dimension !== 'count' || p.q.dimension !== 'percent' || c.derived !== undefined) continue;
      const between = e.text.slice(c.q.index + c.q.length, p.q.index);
      if (!/^[^\d%]{0,30}\(\s*$/.test(between) || !c.noun || !isShare(e.text, p.q)) continue;
      // A part of the entry's own count: after a separator, counting the same things or a state of them.
      const before = e.text.slice(e.main.q.index + e.main.q.length, c.q.index);
      if (!/[,;(]|\band\b|\bwith\b/.test(before) || (c.noun !== e.main.noun && !STATE.test(c.noun))) continue;
      const value = div(of(c.q), of(e.main.q));
      if (!value) continue;
      claims.push(
        compare(doc, 'percent-of', p.q, { line: e.line, column: p.column }, scale(value, 100), {
          what: 'Stated share',
          how: `${c.q.text} ${c.noun} / ${e.main.q.text}${e.main.noun ? ' ' + e.main.noun : ''}`,
          items: [
            { line: e.line, text: c.q.text },
            { line: e.line, text: e.main.q.text },
          ],
        }),
      );
    }
  }
  return claims;
}

// ---- shares of a table column ------------------------------------------------------

const TOTAL_ROW = /^(?:total|sum|overall)\b/i;

function tableShares(doc: ClaimsDocument, table: TableBlock): Claim[] {
  const claims: Claim[] = [];
  const cols = table.header.length;
  for (let p = 1; p < cols; p++) {
    // A percent column next to a count column.
    const c = p - 1;
    if (c < 1) continue;
    const rows = table.rows.map((row) => ({ row, count: cellQuantities(row[c]?.text ?? '')[0], pct: cellQuantities(row[p]?.text ?? '')[0], label: stripDecoration(row[0]?.text ?? '') }));
    const usable = rows.filter((r) => r.count && r.pct && r.count.dimension !== 'percent' && r.pct.dimension === 'percent');
    if (usable.length < 2) continue;
    const totalRow = usable.find((r) => TOTAL_ROW.test(r.label));
    const parts = usable.filter((r) => r !== totalRow);
    // A column of shares: its rows add up to 100% (and its Total row, if any, says 100%).
    const percentSum = parts.reduce((acc, r) => acc + r.pct!.value, 0);
    const step = Math.max(...parts.map((r) => r.pct!.step));
    if (Math.abs(percentSum - 100) > (step * parts.length) / 2 + 1e-9) continue;
    if (totalRow && Math.abs(totalRow.pct!.value - 100) > 1e-9) continue;
    if (parts.length + (totalRow ? 1 : 0) !== table.rows.length) continue;
    let whole: Interval;
    let wholeText: string;
    let extraSteps = 0;
    if (totalRow) {
      whole = of(totalRow.count!);
      wholeText = `the Total row's ${totalRow.count!.text}`;
    } else {
      whole = sum(parts.map((r) => of(r.count!)));
      wholeText = `the column's sum ${parts.map((r) => r.count!.text).join(' + ')}`;
    }
    if (Math.abs(percentSum - 100) < 1e-9) extraSteps = 1;
    for (const r of parts) {
      const value = div(of(r.count!), whole);
      if (!value) continue;
      const cell = r.row[p]!;
      claims.push(
        compare(doc, 'percent-of', r.pct!, { line: cell.line, column: locate(cell, r.pct!) }, scale(value, 100), {
          what: `Stated share${r.label ? ` of "${r.label}"` : ''}`,
          how: `${r.count!.text} / ${wholeText}`,
          items: [{ line: cell.line, text: r.count!.text }],
          extraSteps,
        }),
      );
    }
  }
  return claims;
}

export const percentOf: Extractor = {
  kind: 'percent-of',
  summary: 'a percentage against the fraction it is written with, or the whole it is a share of (a stated total, or shares that add up to 100%)',
  covers: ['percent-of', 'complement'],
  extract(doc: ClaimsDocument): Claim[] {
    const claims = fractionClaims(doc);
    for (const g of groupsOf(doc)) claims.push(...groupShares(doc, g));
    for (const t of doc.tables) claims.push(...tableShares(doc, t));
    return claims;
  },
};
