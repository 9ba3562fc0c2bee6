/**
 * `heading-count`: a count in a heading against its section.
 *
 *   ## Configuration issues (15)          fail: its sub-headings count 11 + 2 + 1 = 14
 *   ### MongoDB (11 failures)
 *   ### Kubernetes (2 failures)
 *   ### SSH (1 failure)
 *
 *   ### Integration tests (68 tests)      fail: the table below totals 79 tests
 *   | Week | Tests | ... | **Total** | **79** |
 *
 *   ### Unit tests - 270 tests            ok: 41 + 43 + ... + 30+ is at least 246
 *   - test_a.py - 41 tests
 *
 * A heading counts when it writes `(N)`, `(N noun)` or `- N noun` (not
 * `Top N`, `Phase 2`). Compared with: the counts of its direct sub-headings when
 * every one of them has a count; else the number of its direct sub-headings
 * when they are numbered 1, 2, 3...; else the first block of its section: a list
 * whose items state counts of the same noun (their sum, `30+` as at least 30),
 * or a table with a column named like the noun (its Total row, else the sum
 * of the column). Items without a count make the sum a lower bound.
 */
import { sectionEnd, subHeadings, type ClaimsDocument, type Heading, type TableBlock } from '../document.js';
import { compare, makeClaim, type Extractor } from '../extractor.js';
import { groupsOf } from '../groups.js';
import { cellQuantities, of, quantitiesIn, singular, stripDecoration, sum, type Interval, type Quantity } from '../quantity.js';
import type { Claim, ClaimItem } from '../types.js';

interface HeadingCount {
  q: Quantity;
  /** Singular noun, "" for a bare (N). */
  noun: string;
  column: number;
}

/** A number right after a sequence word names a step, it does not count: "Phase 2", "Sprint 1 Tasks", "Week 4". */
export const SEQUENCE = /\b(?:phase|sprint|week|step|stage|day|version|v|part|chapter|section|lab|module|level|tier|task|issue|pr|item|lecture|lesson|round|iteration|session|option|priority|milestone|release|block|exercise|question|problem|figure|fig|table|eq|equation|appendix|case|test|run|epoch|layer|grade|class|batch|group|team|room)\s*#?\s*$/i;

/** Counts a heading states: "(15)", "(68 tests)", "- 270 tests", "(2h, 37 tests)"; not "Top 10", "Phase 2", "Week 4". */
export function headingCounts(text: string): HeadingCount[] {
  const out: HeadingCount[] = [];
  const parens = /\(([^()]*)\)|[-–—:]\s+([~≈]?\d[\d,]*\+?\s+[A-Za-z][\w-]*)\s*$/g;
  for (let m = parens.exec(text); m; m = parens.exec(text)) {
    const inner = m[1] ?? m[2]!;
    const innerStart = m.index + m[0].indexOf(inner);
    for (const part of inner.split(/,\s*/)) {
      const offset = innerStart + inner.indexOf(part);
      const q = quantitiesIn(part)[0];
      if (!q || part.slice(0, q.index).replace(/[~≈]/g, '').trim() !== '') continue;
      const rest = part.slice(q.index + q.length).trim();
      const noun = /^(\p{L}[\p{L}\w-]*)/u.exec(rest)?.[1] ?? (q.dimension === 'time' ? q.unit : '');
      if (SEQUENCE.test(text.slice(0, offset + q.index))) continue;
      if (rest && !noun) continue;
      if (q.dimension === 'percent' || q.dimension === 'ratio' || q.decimals > 0 && q.dimension === 'count') continue;
      out.push({ q: { ...q, index: offset + q.index }, noun: noun ? singular(noun) : '', column: offset + q.index + 1 });
    }
  }
  return out;
}

function tableColumnTotal(table: TableBlock, noun: string, heading: string): { value: Interval; items: ClaimItem[]; how: string } | undefined {
  const headers = table.header.map((h) => stripDecoration(h.text).toLowerCase());
  const headingWords = new Set((heading.toLowerCase().match(/[a-z]+/g) ?? []).map(singular));
  let col = headers.findIndex((h, i) => i > 0 && noun && (h.match(/[a-z]+/g) ?? []).map(singular).includes(noun));
  if (col < 0) col = headers.findIndex((h, i) => i > 0 && (h.match(/[a-z]+/g) ?? []).map((w) => singular(w).replace(/d$/, '')).some((w) => w.length > 3 && [...headingWords].some((hw) => hw.startsWith(w) || w.startsWith(hw))));
  if (col < 0) return undefined;
  const totalRow = table.rows.find((r) => /^(?:total|sum)\b/i.test(stripDecoration(r[0]?.text ?? '')));
  if (totalRow) {
    const q = cellQuantities(totalRow[col]?.text ?? '')[0];
    if (!q) return undefined;
    return { value: of(q), items: [{ line: totalRow[col]!.line, text: q.text }], how: `the Total row of column "${stripDecoration(table.header[col]!.text)}"` };
  }
  const qs = table.rows.map((r) => cellQuantities(r[col]?.text ?? '')[0]);
  if (qs.some((q) => !q)) return undefined;
  return { value: sum((qs as Quantity[]).map(of)), items: (qs as Quantity[]).map((q, i) => ({ line: table.rows[i]![col]!.line, text: q.text })), how: `the sum of column "${stripDecoration(table.header[col]!.text)}"` };
}

function checkHeading(doc: ClaimsDocument, h: Heading): Claim[] {
  const claims: Claim[] = [];
  const counts = headingCounts(h.text);
  if (counts.length === 0) return claims;
  const subs = subHeadings(doc, h);
  const end = sectionEnd(doc, h);
  for (const count of counts) {
    if (count.q.dimension !== 'count' && count.q.dimension !== 'time') continue;
    // 1. Sub-headings that all carry a count (of the same noun, or bare).
    if (subs.length >= 2) {
      const subCounts = subs.map((s) => ({ s, c: headingCounts(s.text).find((c) => c.q.dimension === count.q.dimension && (!count.noun || !c.noun || c.noun === count.noun)) }));
      if (subCounts.every((x) => x.c)) {
        const computed = sum(subCounts.map((x) => of(x.c!.q)));
        claims.push(
          compare(doc, 'heading-count', count.q, { line: h.line, column: count.column }, computed, {
            what: 'Count in the heading',
            how: `its sub-headings, ${subCounts.map((x) => x.c!.q.text).join(' + ')} (lines ${subCounts.map((x) => x.s.line).join(', ')})`,
            items: subCounts.map((x) => ({ line: x.s.line, text: x.c!.q.text })),
          }),
        );
        continue;
      }
    }
    // 2. Numbered sub-headings (1., 2., 3.): the things the heading counts, one each.
    const numbers = subs.map((s) => /^\s*(?:#\s*)?(\d{1,3})[.):]\s/.exec(stripDecoration(s.text))?.[1]);
    if (count.q.dimension === 'count' && subs.length >= 2 && numbers.every((n, i) => n !== undefined && Number(n) === i + 1)) {
      claims.push(
        makeClaim(doc, 'heading-count', {
          status: subs.length === count.q.value ? 'ok' : 'fail',
          line: h.line,
          column: count.column,
          message: subs.length === count.q.value
            ? `Count in the heading ${count.q.text} agrees with its ${subs.length} numbered sub-headings (lines ${subs[0]!.line}-${subs[subs.length - 1]!.line})`
            : `Count in the heading ${count.q.text} does not match its ${subs.length} numbered sub-headings (lines ${subs[0]!.line}-${subs[subs.length - 1]!.line}); tolerance: exact (a count of listed things)`,
          stated: count.q.text,
          expected: String(subs.length),
          items: subs.map((s) => ({ line: s.line, text: stripDecoration(s.text).slice(0, 40) })),
          tolerance: 'exact',
        }),
      );
      continue;
    }
    // 3. The first block of the section, before any sub-heading.
    const firstSub = subs[0]?.line ?? end + 1;
    const block = doc.blocks.find((b) => b.startLine > h.line && b.startLine < firstSub && b.kind !== 'thematicBreak' && b.kind !== 'html');
    if (!block) continue;
    if (block.kind === 'list' && block.list) {
      const group = groupsOf(doc).find((g) => g.list === block.list);
      if (!group) continue;
      const entries = group.entries;
      // A bare "(9)" counts what its items count, when they all name the same noun.
      const nouns = new Set(entries.flatMap((e) => e.measures.filter((m) => m.q.dimension === 'count' && m.noun && m.derived === undefined).map((m) => m.noun)));
      const noun = count.noun || (nouns.size === 1 ? [...nouns][0]! : '');
      if (!noun) continue;
      const withNoun = entries.filter((e) => e.measures.some((m) => m.q.dimension === 'count' && m.noun === noun && m.derived === undefined));
      if (withNoun.length < 2 || withNoun.length < entries.length / 2) continue;
      const parts = withNoun.filter((e) => !e.isTotal).map((e) => e.measures.find((m) => m.q.dimension === 'count' && m.noun === noun)!);
      const missing = entries.filter((e) => !e.isTotal).length - parts.length;
      let computed = sum(parts.map((m) => of(m.q)));
      if (missing > 0) computed = { lo: computed.lo, hi: Number.POSITIVE_INFINITY };
      claims.push(
        compare(doc, 'heading-count', count.q, { line: h.line, column: count.column }, computed, {
          what: 'Count in the heading',
          how: `the items of its list, ${parts.map((m) => m.q.text).join(' + ')}${missing > 0 ? ` and ${missing} item${missing > 1 ? 's' : ''} without a count` : ''} (lines ${block.startLine}-${block.endLine})`,
          items: withNoun.filter((e) => !e.isTotal).map((e, i) => ({ line: e.line, text: parts[i]!.q.text })),
        }),
      );
    } else if (block.kind === 'table' && block.table && count.noun) {
      const total = tableColumnTotal(block.table, count.noun, h.text);
      if (!total) continue;
      claims.push(
        compare(doc, 'heading-count', count.q, { line: h.line, column: count.column }, total.value, {
          what: 'Count in the heading',
          how: `${total.how} below it`,
          items: total.items,
        }),
      );
    }
  }
  return claims;
}

export const headingCount: Extractor = {
  kind: 'heading-count',
  summary: "a count in a heading against its section: its sub-headings' counts, or the list or table that opens it",
  covers: ['heading-count'],
  extract(doc: ClaimsDocument): Claim[] {
    return doc.headings.flatMap((h) => checkHeading(doc, h));
  },
};
