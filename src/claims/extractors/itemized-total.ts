/**
 * `itemized-total`: a stated total against the itemized list (or table) it sums.
 *
 *   - **Unit tests**: 30 (lib)
 *   - **Adam tests**: 13
 *   **Total**: 45 tests passing          fail: 30 + 13 = 43
 *
 * The list is found by proximity and a shared noun: "All 145 tests passing"
 * a few lines above a list of "X tests: N" items refers to it; a bare
 * "Total: N" must sit right next to the list (two lines at most). In a table,
 * a row labelled Total (or Sum) is checked column by column against the other
 * rows. Percent columns are left alone.
 */
import type { ClaimsDocument, ListBlock } from '../document.js';
import { makeClaim, matchLines, type Extractor } from '../extractor.js';
import { NUM, agrees, describeExpected, formatExact, normaliseUnit, parseNumber } from '../numbers.js';
import type { Claim } from '../types.js';
import { cellNumber, cellText } from './cells.js';

interface Item {
  line: number;
  value: number;
  decimals: number;
  text: string;
  noun: string;
}

interface Itemized {
  list: ListBlock;
  items: Item[];
  noun: string;
}

const ITEM = new RegExp(String.raw`^\s*(?<label>[^:\n]{1,80}?)\s*[:=]\s*(?<n>${NUM})(?!\s*%)(?<rest>.*)$`);
const TOTAL_WORD = /\b(?:total|sum|overall|altogether|in all)\b/i;

/** Lists whose items (most of them) read "label: N". */
function itemizedLists(doc: ClaimsDocument): Itemized[] {
  const out: Itemized[] = [];
  for (const list of doc.lists) {
    const items: Item[] = [];
    for (const entry of list.items) {
      const m = ITEM.exec(entry.text);
      if (!m) continue;
      const { label, n, rest } = m.groups as { label: string; n: string; rest: string };
      if (TOTAL_WORD.test(label) || /^\s*[×x*\/+\-−^]\s*\d/.test(rest)) continue;
      const value = parseNumber(n);
      if (!value) continue;
      const unit = /^\s+([A-Za-z][\w-]*)/.exec(rest)?.[1];
      const labelNoun = /([A-Za-z][\w-]*)\W*$/.exec(label)?.[1] ?? '';
      items.push({ line: entry.line, value: value.value, decimals: value.decimals, text: n, noun: normaliseUnit(unit ?? labelNoun) });
    }
    if (items.length < 2 || items.length < 0.8 * list.items.length) continue;
    const counts = new Map<string, number>();
    for (const item of items) counts.set(item.noun, (counts.get(item.noun) ?? 0) + 1);
    const [noun, count] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]!;
    out.push({ list, items, noun: count >= items.length / 2 ? noun : '' });
  }
  return out;
}

interface StatedTotal {
  line: number;
  column: number;
  text: string;
  value: number;
  decimals: number;
  /** Words around the number that name what is counted. */
  nouns: string[];
  /** The same words as written. */
  words: string[];
  /** "Total: N" with no noun: only a list right next to it can be meant. */
  bare: boolean;
}

const TOTAL_PATTERNS: RegExp[] = [
  // Total: 145 tests / Total tests: 145
  new RegExp(String.raw`\btotal\b(?<pre>[^:\n]{0,30}?)\s*:\s*[~≈]?\s*(?<n>${NUM})(?!\s*%)(?<post>(?:\s+[A-Za-z][\w-]*){0,3})`, 'gdi'),
  // All 145 tests / a total of 145 tests
  new RegExp(String.raw`\b(?:all|total\s+of|total)\s+(?<n>${NUM})(?!\s*%)(?<post>(?:\s+[A-Za-z][\w-]*){1,3})`, 'gdi'),
  // 145 tests in total
  new RegExp(String.raw`(?<n>${NUM})(?<post>(?:\s+[A-Za-z][\w-]*){1,3}?)\s+(?:in\s+total|in\s+all|overall|altogether)\b`, 'gdi'),
];

function statedTotals(doc: ClaimsDocument): StatedTotal[] {
  const out: StatedTotal[] = [];
  const seen = new Set<string>();
  for (const pattern of TOTAL_PATTERNS) {
    for (const { match, line } of matchLines(doc, pattern)) {
      const g = match.groups!;
      const value = parseNumber(g.n!);
      if (!value) continue;
      const column = match.indices!.groups!.n![0] + 1;
      const key = `${line}:${column}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const words = `${g.pre ?? ''} ${g.post ?? ''}`.split(/[^A-Za-z-]+/).filter(Boolean);
      out.push({
        line,
        column,
        text: g.n!,
        value: value.value,
        decimals: value.decimals,
        nouns: words.map(normaliseUnit),
        words,
        bare: words.length === 0,
      });
    }
  }
  return out;
}

/**
 * Lines between the list and the stated total; 0 inside the list. A line
 * after the last item counts as outside even when Markdown makes it a lazy
 * continuation of that item ("- Heads: 8\nTotal: 40").
 */
function distance(list: ListBlock, items: Item[], line: number): number {
  const first = items[0]!.line;
  const last = list.items[list.items.length - 1]!.line;
  if (line < first) return first - line;
  if (line > list.endLine) return line - list.endLine;
  if (line > last && items[items.length - 1]!.line === last) return line - last;
  return 0;
}

export const itemizedTotal: Extractor = {
  kind: 'itemized-total',
  summary: 'a stated total against the itemized list or table it sums: "Total: 145 tests" after "Unit tests: 30", ...',
  extract(doc: ClaimsDocument): Claim[] {
    const claims: Claim[] = [];
    const lists = itemizedLists(doc);
    for (const total of statedTotals(doc)) {
      const candidates = lists
        .map((l) => ({ l, d: distance(l.list, l.items, total.line) }))
        .filter(({ l, d }) => d > 0 && (l.noun && total.nouns.includes(l.noun) ? d <= 15 : total.bare && d <= 2))
        .sort((a, b) => a.d - b.d);
      const chosen = candidates[0]?.l;
      if (!chosen) continue;
      const sum = chosen.items.reduce((acc, item) => acc + item.value, 0);
      const decimals = Math.max(total.decimals, ...chosen.items.map((i) => i.decimals));
      const ok = agrees(sum, total.value, decimals);
      const nounIndex = chosen.noun ? total.nouns.indexOf(chosen.noun) : -1;
      const noun = nounIndex >= 0 ? ` ${total.words[nounIndex]}` : '';
      const first = chosen.items[0]!.line;
      const last = chosen.items[chosen.items.length - 1]!.line;
      const terms = chosen.items.map((i) => i.text).join(' + ');
      const expected = `${describeExpected(sum, decimals)}${noun}`;
      claims.push(
        makeClaim(doc, 'itemized-total', {
          status: ok ? 'ok' : 'fail',
          line: total.line,
          column: total.column,
          stated: `${total.text}${noun}`,
          expected,
          message: ok
            ? `Total ${total.text}${noun} matches the itemized list (${chosen.items.length} items, lines ${first}-${last})`
            : `Stated total ${total.text}${noun} does not match the itemized list: ${terms} = ${formatExact(sum)} (${chosen.items.length} items, lines ${first}-${last})`,
          basis: { line: first, endLine: last },
        }),
      );
    }
    claims.push(...tableTotals(doc));
    return claims;
  },
};

/** Tables with a row labelled Total/Sum: each numeric column must add up. */
function tableTotals(doc: ClaimsDocument): Claim[] {
  const claims: Claim[] = [];
  for (const table of doc.tables) {
    const totalIndex = table.rows.findIndex((row) => /^(?:total|sum|overall|all)\b/i.test(cellText(row[0]?.text ?? '')));
    if (totalIndex < 0) continue;
    const totalRow = table.rows[totalIndex]!;
    const others = table.rows.filter((_, i) => i !== totalIndex);
    if (others.length < 2) continue;
    for (let c = 1; c < table.header.length; c++) {
      const totalCell = totalRow[c];
      const stated = totalCell ? cellNumber(totalCell.text) : undefined;
      if (!totalCell || !stated || stated.percent || stated.approx) continue;
      const values = others.map((row) => (row[c] ? cellNumber(row[c]!.text) : undefined));
      if (values.some((v) => !v || v.percent || v.approx)) continue;
      const sum = values.reduce((acc, v) => acc + v!.value, 0);
      const decimals = Math.max(stated.decimals, ...values.map((v) => v!.decimals));
      const ok = agrees(sum, stated.value, decimals);
      const column = cellText(table.header[c]!.text) || `column ${c + 1}`;
      const expected = describeExpected(sum, decimals);
      claims.push(
        makeClaim(doc, 'itemized-total', {
          status: ok ? 'ok' : 'fail',
          line: totalCell.line,
          column: totalCell.column,
          stated: totalCell.text,
          expected,
          message: ok
            ? `Total of column "${column}" matches its ${others.length} rows`
            : `Stated total ${cellText(totalCell.text)} in column "${column}" does not match its rows: ${values.map((v) => formatExact(v!.value)).join(' + ')} = ${formatExact(sum)}`,
          basis: { line: others[0]![0]!.line, endLine: others[others.length - 1]![0]!.line },
        }),
      );
    }
  }
  return claims;
}
