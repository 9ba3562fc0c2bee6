/**
 * `enumerated-count`: a stated count of things against the list that
 * enumerates them.
 *
 *   **Created (10 files):**                 the list right after a lead-in
 *   1. ...  (ten items)                     (a heading, or a line ending in ":")
 *
 *   ### By file (Top 10)                    a list closed by an "Others" item
 *   1. a.py ... 8. h.py                     names all it lists: 8, not 10
 *   9. Others - ~63 failures
 *
 *   ## Next Modules to Verify               "N <things> remaining" against the
 *   1. linear ... 6. checkpointing          list of next things named in a heading:
 *   Status: rope done, 5 modules remaining  fail, six are listed
 *
 *   There are 8 key benchmarks ...          a table right after, with a column
 *   | Capability | Benchmark | ...          named like the things: 13 benchmarks
 *
 *   4 domains (A, B, C and D)               an enumeration in parentheses
 *
 * Items are the top-level items of the list (or the non-empty cells of the
 * table column). More items than announced is always flagged; fewer only when
 * the count is of items ("8-Item Checklist", "(8 Items)") or the list is closed
 * by an "Others" item, since a shorter list may describe rather than enumerate.
 */
import { sectionEnd, type Block, type ClaimsDocument, type ListBlock, type TableBlock } from '../document.js';
import { claimCollector, makeClaim, type Extractor } from '../extractor.js';
import { COUNT_TOKEN, countAt, quantitiesIn, singular, stripDecoration, type Quantity } from '../quantity.js';
import type { Claim } from '../types.js';
import { headingCounts, SEQUENCE } from './heading-count.js';

const OTHERS = /^\s*(?:\*\*)?(?:others?|the rest|rest|remaining|misc(?:ellaneous)?|etc)\b/i;
const ITEM_NOUN = /^(?:item|entry|step)$/;

interface Count {
  q: Quantity;
  noun: string;
  column: number;
  line: number;
  /** "Top N": the N first of a longer ranking. */
  top: boolean;
}

function itemsOf(list: ListBlock): { named: number; others: boolean; total: number } {
  const total = list.items.length;
  const last = list.items[total - 1];
  const others = Boolean(last && OTHERS.test(last.text.slice(last.column - 1).replace(/^[\s`*_]+/, '')));
  return { named: others ? total - 1 : total, others, total };
}

function claim(doc: ClaimsDocument, count: Count, found: number, what: string, items: Array<{ line: number; text: string }>, ok: boolean): Claim {
  const noun = count.noun ? ` ${count.noun}${count.q.value === 1 ? '' : 's'}` : '';
  return makeClaim(doc, 'enumerated-count', {
    status: ok ? 'ok' : 'fail',
    line: count.line,
    column: count.column,
    stated: count.q.text,
    expected: String(found),
    message: ok ? `${count.q.text}${noun}: ${what} enumerates ${found}` : `Stated count ${count.q.text}${noun} does not match ${what}, which enumerates ${found}; tolerance: exact (a count of listed things)`,
    items,
    tolerance: 'exact',
  });
}

function compareList(doc: ClaimsDocument, count: Count, list: ListBlock): Claim | undefined {
  const { named, others } = itemsOf(list);
  const listed = `the list on lines ${list.startLine}-${list.endLine}${others ? ' (closed by an "Others" item)' : ''}`;
  const items = list.items.slice(0, named).map((i) => ({ line: i.line, text: stripDecoration(i.text).slice(0, 40) }));
  const n = count.q.value;
  if (named === n) return claim(doc, count, named, listed, items, true);
  if (named > n && !count.top) return claim(doc, count, named, listed, items, false);
  if (named < n && (others || ITEM_NOUN.test(count.noun))) return claim(doc, count, named, listed, items, false);
  if (count.top && others && named !== n) return claim(doc, count, named, listed, items, false);
  return undefined;
}

function compareTable(doc: ClaimsDocument, count: Count, table: TableBlock): Claim | undefined {
  const headers = table.header.map((h) => stripDecoration(h.text).toLowerCase());
  let col = -1;
  // The column whose header names the things counted: its head noun (last word), or the whole header.
  if (ITEM_NOUN.test(count.noun)) col = -2;
  else col = headers.findIndex((h) => singular((h.match(/[a-z]+/g) ?? []).pop() ?? '') === count.noun);
  if (col === -1) return undefined;
  const rows = col === -2 ? table.rows : table.rows.filter((r) => stripDecoration(r[col]?.text ?? '') !== '');
  const found = rows.length;
  const items = rows.map((r) => ({ line: r[0]?.line ?? 0, text: stripDecoration(r[Math.max(0, col)]?.text ?? '').slice(0, 40) }));
  const what = col === -2 ? `the table on lines ${table.line}-${table.endLine}` : `column "${stripDecoration(table.header[col]!.text)}" of the table on lines ${table.line}-${table.endLine}`;
  if (found === count.q.value) return claim(doc, count, found, what, items, true);
  if (found > count.q.value || ITEM_NOUN.test(count.noun)) return claim(doc, count, found, what, items, false);
  return undefined;
}

/**
 * Counts a lead-in states: "(10 files)", "(Top 10)", "8-Item", "There are 8
 * key benchmarks" — in a label or heading, or in the last sentence of a
 * paragraph, outside parentheses; not approximate, not after a sequence word.
 */
function leadCounts(text: string, line: number, isHeading: boolean, wholeParagraph: boolean): Count[] {
  const out: Count[] = [];
  const short = isHeading || text.trim().length <= 80;
  if (short) {
    for (const c of headingCounts(text)) {
      if (c.q.dimension === 'count' && !c.q.approx) out.push({ q: c.q, noun: c.noun, column: c.column, line, top: false });
    }
  }
  const top = /\btop\s+(\d+)\b/gi;
  for (let m = top.exec(text); m; m = top.exec(text)) {
    const q = quantitiesIn(text, m.index + m[0].indexOf(m[1]!))[0];
    if (q) out.push({ q, noun: '', column: q.index + 1, line, top: true });
  }
  const item = /(?<![\w.-])(\d+)-(item|step|point)s?\b/gi;
  for (let m = item.exec(text); m; m = item.exec(text)) {
    const q = quantitiesIn(text, m.index)[0];
    if (q) out.push({ q, noun: singular(m[2]!), column: q.index + 1, line, top: false });
  }
  // The last sentence, parenthesised text blanked.
  const sentenceStart = wholeParagraph ? 0 : Math.max(0, ...[...text.matchAll(/[.!?;]\s+(?=[A-Z\d*_`])/g)].map((m) => m.index! + m[0].length).filter((i) => i < text.trimEnd().length - 1));
  const lastSentence = ' '.repeat(sentenceStart) + text.slice(sentenceStart).replace(/\([^()]*\)/g, (m) => ' '.repeat(m.length));
  const counted = new RegExp(String.raw`(?<![\w.,~≈])(${COUNT_TOKEN})\s+(?:(?:key|main|major|new|more|other|following|critical|core|distinct)\s+)?(?:[A-Z]{2,}\s+)?([A-Za-z][a-z-]+s)\b`, 'g');
  for (let m = counted.exec(lastSentence); m; m = counted.exec(lastSentence)) {
    if (out.some((o) => o.column === m!.index + 1)) continue;
    if (SEQUENCE.test(text.slice(0, m.index)) || /^(?:others|more|times|percent|points|years|months|days|hours|minutes|seconds)$/i.test(m[2]!)) continue;
    const q = countAt(text, m.index);
    if (q && q.dimension === 'count' && !q.approx) out.push({ q, noun: singular(m[2]!), column: q.index + 1, line, top: false });
  }
  return out;
}

const REMAINING = new RegExp(String.raw`(?<![\w.,])(${COUNT_TOKEN})\s+([a-z][a-z-]+s)\s+(?:remaining|left|to go|to verify|to do|pending|outstanding)\b`, 'g');
const NEXT_HEADING = /\b(?:next|remaining|to ?do|pending|planned|outstanding|upcoming|to verify|backlog)\b/i;

export const enumeratedCount: Extractor = {
  kind: 'enumerated-count',
  summary: 'a stated count of things against the list (or table column) that enumerates them',
  covers: ['count-vs-list', 'count-vs-table'],
  extract(doc: ClaimsDocument): Claim[] {
    const { claims, push } = claimCollector();
    // 1. Lead-ins: a heading, or the last line of a paragraph ending in ":", right before a list or a table.
    for (let i = 0; i + 1 < doc.blocks.length; i++) {
      const lead = doc.blocks[i]!;
      const next: Block = doc.blocks[i + 1]!;
      if (next.kind !== 'list' && next.kind !== 'table') continue;
      const line = lead.kind === 'heading' ? lead.startLine : lead.kind === 'paragraph' ? lead.endLine : 0;
      if (!line) continue;
      const text = doc.prose[line - 1] ?? '';
      const isLead = lead.kind === 'heading' || /:\s*(?:\*\*)?\s*$/.test(text.trimEnd()) || next.kind === 'table';
      if (!isLead) continue;
      // Before a table any sentence of the lead may count its rows (the column named like the things decides).
      for (const count of leadCounts(text, line, lead.kind === 'heading', next.kind === 'table')) {
        if (next.kind === 'list' && next.list) {
          if (!count.noun && !count.top && lead.kind !== 'heading') continue;
          push(compareList(doc, count, next.list));
        } else if (next.table && count.noun) push(compareTable(doc, count, next.table));
      }
    }
    // 2. "N <things> remaining" against the list under the heading that names the next things.
    doc.prose.forEach((text, idx) => {
      if (!text) return;
      REMAINING.lastIndex = 0;
      for (let m = REMAINING.exec(text); m; m = REMAINING.exec(text)) {
        const noun = singular(m[2]!);
        const line = idx + 1;
        const candidates = doc.headings.filter((h) => h.line < line && NEXT_HEADING.test(h.text) && (h.text.toLowerCase().match(/[a-z]+/g) ?? []).map(singular).includes(noun));
        const h = candidates[candidates.length - 1];
        if (!h || line - h.line > 40) continue;
        const list = doc.lists.find((l) => l.depth === 0 && l.startLine > h.line && l.startLine <= sectionEnd(doc, h));
        if (!list) continue;
        const q = countAt(text, m.index);
        if (!q) continue;
        const { named } = itemsOf(list);
        const items = list.items.slice(0, named).map((it) => ({ line: it.line, text: stripDecoration(it.text).slice(0, 40) }));
        push(claim(doc, { q, noun, column: q.index + 1, line, top: false }, named, `the list under "${stripDecoration(h.text)}" (line ${h.line})`, items, named === q.value));
      }
    });
    // 3. "N things (A, B, C and D)".
    doc.prose.forEach((text, idx) => {
      if (!text) return;
      const re = new RegExp(String.raw`(?<![\w.,])(${COUNT_TOKEN})\s+(?:[A-Za-z-]+\s+){0,2}?([A-Za-z][a-z-]+s)\s*\(([^()]{3,200})\)`, 'g');
      for (let m = re.exec(text); m; m = re.exec(text)) {
        const inner = m[3]!;
        if (/^\s*(?:e\.g\.|eg\b|such as|incl|including|like|for example|see|from|vs|\d)/i.test(inner) || /\betc\b|\.\.\.|…/.test(inner)) continue;
        if (/^(?:others|more|times)$/i.test(m[2]!) || SEQUENCE.test(text.slice(0, m.index))) continue;
        const parts = inner.split(/\s*(?:,|;|\band\b|\bor\b|&)\s*/).map((p) => p.trim()).filter(Boolean);
        // Names: each part capitalised (or code), at most four words.
        if (parts.length < 2 || parts.some((p) => p.split(/\s+/).length > 4 || !/^[A-Z`\d]/.test(p))) continue;
        const q = countAt(text, m.index);
        if (!q) continue;
        const line = idx + 1;
        push(claim(doc, { q, noun: singular(m[2]!), column: q.index + 1, line, top: false }, parts.length, 'the enumeration in parentheses', parts.map((p) => ({ line, text: p })), parts.length === q.value));
      }
    });
    return claims;
  },
};
