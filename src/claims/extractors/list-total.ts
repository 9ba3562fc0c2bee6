/**
 * `list-total`: a stated total against the entries it totals.
 *
 *   - Weeks 1-2: 56 tests, 100% passing
 *   - Weeks 3-6: 79 tests, 74 passing
 *   - Total: 124 new tests, 119 passing       fail: 56 + 79 = 135; 56 + 74 = 130
 *
 *   INPUT      memory: 224*224*3=150K          a code-block listing: the total
 *   ...                                        line sums the same field of the
 *   TOTAL memory: 24M                          lines above it
 *
 *   - Unit tests: 30                           a total right after (or just
 *   - Adam tests: 13                           before) a list whose every item
 *   **Total**: 45 tests                        states a number: the list is its
 *                                              breakdown (fail: 43)
 *
 * Sibling entries: the total entry (labelled Total, Sum, Overall, Combined,
 * All...) sums the entries of its group since the previous total (or up to
 * the next one when it comes first), with the same noun or none; in a tree
 * listing, the entries one level below it. A second number of the total entry
 * ("119 passing") sums the same noun of the entries, "100% passing" of 56
 * tests counting 56. In a list of figures a total larger than its entries is
 * not flagged (a category may be left out), a smaller one is; a code listing
 * whose lines all give the field, and a tree, are complete: any difference is.
 */
import type { ClaimsDocument } from '../document.js';
import { compare, textLines, type Extractor } from '../extractor.js';
import { compatibleNouns, groupsOf, readEntry, type Entry, type Group, type Measure } from '../groups.js';
import { agrees, exactly, of, sum, type Interval } from '../quantity.js';
import type { Claim, ClaimItem } from '../types.js';

interface Part {
  entry: Entry;
  measure: Measure;
}

function interval(p: Part): Interval {
  return p.measure.derived !== undefined ? exactly(p.measure.derived) : of(p.measure.q);
}

function item(p: Part): ClaimItem {
  return { line: p.entry.line, text: p.measure.derived !== undefined ? `${p.measure.q.text} of ${p.entry.main!.q.text}` : p.measure.q.text };
}

/** The entries a total entry sums: after it when it comes first, else before it back to the previous total. */
function scopeOf(group: Group, index: number): Entry[] {
  const entries = group.entries;
  const total = entries[index]!;
  const valued = (e: Entry) => e.main !== undefined || e.fields.size > 0;
  const before = entries.slice(0, index).filter(valued);
  let scope: Entry[];
  if (before.length === 0) {
    scope = [];
    for (const e of entries.slice(index + 1)) {
      if (e.isTotal) break;
      scope.push(e);
    }
  } else {
    scope = [];
    for (let i = index - 1; i >= 0; i--) {
      const e = entries[i]!;
      if (e.isTotal && e.depth === total.depth) break;
      scope.unshift(e);
    }
  }
  scope = scope.filter(valued);
  if (group.source === 'code') {
    // In a tree, the entries one level below the total (or the shallowest level present).
    const deeper = scope.filter((e) => e.depth > total.depth);
    const pool = deeper.length > 0 ? deeper : scope;
    const top = Math.min(...pool.map((e) => e.depth));
    return pool.filter((e) => e.depth === top);
  }
  return scope;
}

function partsFor(total: Entry, measure: Measure, scope: Entry[], isMain: boolean, key?: string): Part[] | undefined {
  const parts: Part[] = [];
  for (const e of scope) {
    let m: Measure | undefined;
    if (key) m = e.fields.get(key)?.[0];
    else if (isMain) m = e.main;
    else m = e.measures.find((x, i) => i > 0 && x.noun === measure.noun && (x.q.dimension === measure.q.dimension || x.derived !== undefined));
    if (!m) {
      if (key || !isMain) return undefined;
      continue;
    }
    // An entry counting something else (another noun, another dimension) is not one of the parts.
    if (isMain && !key && (m.q.dimension !== measure.q.dimension || !compatibleNouns(total, measure.noun, m))) continue;
    if (m.derived === undefined && m.q.dimension !== measure.q.dimension) return undefined;
    if (m.derived === undefined && (m.q.dimension === 'percent' || m.q.dimension === 'ratio')) return undefined;
    // "3/10": a score, not an amount.
    if (/^\s*\/\s*\d/.test(e.text.slice(m.q.index + m.q.length))) return undefined;
    parts.push({ entry: e, measure: m });
  }
  return parts;
}

function checkGroup(doc: ClaimsDocument, group: Group): Claim[] {
  const claims: Claim[] = [];
  // An entry is totalled at most once: a total right after another one does not sum the same entries again.
  const used = new Set<Entry>();
  group.entries.forEach((total, index) => {
    if (!total.isTotal) return;
    // In a code listing the entries summed are labelled lines ("name: value"), not drawing or arithmetic lines.
    const scope = scopeOf(group, index).filter((e) => !used.has(e) && (group.source === 'list' || e.label !== ''));
    const checks: Array<{ measure: Measure; isMain: boolean; key?: string }> = [];
    for (const [key, candidates] of group.source === 'code' ? total.fields : []) {
      const sample = scope.map((e) => e.fields.get(key)?.[0]).find((m) => m);
      if (!sample) continue;
      const m = candidates.find((c) => c.q.dimension === sample.q.dimension);
      if (m) checks.push({ measure: m, isMain: false, key });
    }
    if (checks.length === 0 && total.main) {
      checks.push({ measure: total.main, isMain: true });
      for (const m of total.measures.slice(1)) if (m.q.dimension === 'count' && m.noun && m.derived === undefined) checks.push({ measure: m, isMain: false });
    }
    for (const check of checks) {
      const { measure } = check;
      if (measure.q.dimension === 'percent' || measure.q.dimension === 'ratio' || measure.q.dimension === 'points') continue;
      const parts = partsFor(total, measure, scope, check.isMain, check.key);
      if (!parts || parts.length < 2) continue;
      for (const p of parts) used.add(p.entry);
      const computed = sum(parts.map(interval));
      const agreement = agrees(measure.q, computed);
      // In a list of figures a total larger than its entries may count what the list leaves out;
      // a listing (every line giving the same field) or a tree (a node and its children) is complete.
      if (!agreement.ok && group.source === 'list' && computed.hi < measure.q.lo) continue;
      const noun = check.key ? '' : measure.noun && measure.q.dimension === 'count' ? plural(measure.noun, measure.q.value) : '';
      claims.push(
        compare(doc, 'list-total', measure.q, { line: total.line, column: measure.column }, computed, {
          what: check.key ? `Stated total ${check.key}` : 'Stated total',
          noun,
          how: `the ${parts.length} ${group.source === 'code' ? 'lines' : 'entries'} it totals, ${parts.map((p) => p.measure.derived !== undefined ? `${p.measure.q.text} of ${p.entry.main!.q.text}` : p.measure.q.text).join(' + ')} (lines ${parts[0]!.entry.line}-${parts[parts.length - 1]!.entry.line})`,
          items: parts.map(item),
        }),
      );
    }
  });
  return claims;
}

/** "tests" for a count of 2 "test", "passing" as it is. */
function plural(noun: string, n: number): string {
  if (n === 1 || /(?:ing|ed|s)$/.test(noun)) return noun;
  return /[^aeiou]y$/.test(noun) ? `${noun.slice(0, -1)}ies` : `${noun}s`;
}

// ---- totals stated next to a list --------------------------------------------

const NUMBER = String.raw`(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?`;
const TOTAL_PATTERNS: RegExp[] = [
  // Total: 145 tests / Total tests: 145
  new RegExp(String.raw`\btotal\b(?<pre>[^:\n]{0,30}?)\s*:\s*(?<n>[~≈]?\s*${NUMBER})(?!\s*%|[\d.])(?<post>(?:\s+[A-Za-z][\w-]*){0,3})`, 'gdi'),
  // All 145 tests / a total of 145 tests
  new RegExp(String.raw`\b(?:all|total\s+of|total)\s+(?<n>${NUMBER})(?!\s*%|[\d.,])(?<post>(?:\s+[A-Za-z][\w-]*){1,3})`, 'gdi'),
  // 145 tests in total
  new RegExp(String.raw`(?<![\w.,])(?<n>${NUMBER})(?<post>(?:\s+[A-Za-z][\w-]*){1,3}?)\s+(?:in\s+total|in\s+all|altogether)\b`, 'gdi'),
];

interface Breakdown {
  group: Group;
  entries: Entry[];
  noun: string;
}

/** Lists whose items (nearly all) state one number with one noun: a breakdown. */
function breakdowns(groups: Group[]): Breakdown[] {
  const out: Breakdown[] = [];
  for (const group of groups) {
    if (group.source !== 'list' || !group.list) continue;
    const entries = group.entries.filter((e) => e.main && e.label && !e.isTotal && e.main.q.dimension === 'count' && !e.main.q.atLeast && !e.main.q.approx);
    if (entries.length < 2 || entries.length < 0.8 * group.entries.length) continue;
    const counts = new Map<string, number>();
    for (const e of entries) counts.set(e.main!.noun, (counts.get(e.main!.noun) ?? 0) + 1);
    const [noun, count] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]!;
    out.push({ group, entries, noun: count >= entries.length / 2 ? noun : '' });
  }
  return out;
}

function statedTotalsNear(doc: ClaimsDocument, breakdownsList: Breakdown[]): Claim[] {
  const claims: Claim[] = [];
  const inList = new Set<number>();
  for (const list of doc.lists) for (const i of list.items) inList.add(i.line);
  const seen = new Set<string>();
  for (const { line, text } of textLines(doc)) {
    if (inList.has(line)) continue;
    for (const pattern of TOTAL_PATTERNS) {
      pattern.lastIndex = 0;
      for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
        const column = m.indices!.groups!.n![0] + 1;
        if (seen.has(`${line}:${column}`)) continue;
        const entry = readEntry(text.slice(column - 1), line);
        const q = entry.measures[0]?.q;
        if (!q || q.dimension !== 'count') continue;
        const words = `${m.groups!.pre ?? ''} ${m.groups!.post ?? ''}`.split(/[^A-Za-z-]+/).filter(Boolean).map((w) => w.toLowerCase().replace(/s$/, ''));
        const bare = words.length === 0;
        // The list and the total in one section: no heading between them.
        const sameSection = (b: Breakdown) => !doc.headings.some((h) => h.line > Math.min(line, b.group.startLine) && h.line < Math.max(line, b.group.endLine) && (h.line < b.group.startLine || h.line > b.group.endLine));
        const candidates = breakdownsList
          .map((b) => ({ b, d: distance(b, line) }))
          .filter(({ b, d }) => d > 0 && sameSection(b) && (b.noun && words.includes(b.noun) ? d <= 15 : bare && d <= 2))
          .sort((a, b) => a.d - b.d);
        const chosen = candidates[0]?.b;
        if (!chosen) continue;
        seen.add(`${line}:${column}`);
        const parts = chosen.entries;
        const computed = sum(parts.map((e) => of(e.main!.q)));
        const noun = chosen.noun && words.includes(chosen.noun) ? plural(chosen.noun, q.value) : '';
        claims.push(
          compare(doc, 'list-total', q, { line, column }, computed, {
            what: 'Stated total',
            noun,
            how: `the itemized list, ${parts.map((e) => e.main!.q.text).join(' + ')} (${parts.length} items, lines ${parts[0]!.line}-${parts[parts.length - 1]!.line})`,
            items: parts.map((e) => ({ line: e.line, text: e.main!.q.text })),
          }),
        );
      }
    }
  }
  return claims;
}

/** Lines between a list and a stated total; 0 inside the list (a lazy continuation of the last item counts as after it). */
function distance(b: Breakdown, line: number): number {
  const list = b.group.list!;
  const first = b.entries[0]!.line;
  const last = list.items[list.items.length - 1]!.line;
  if (line < first) return first - line;
  if (line > list.endLine) return line - list.endLine;
  if (line > last) return line - last;
  return 0;
}

export const listTotal: Extractor = {
  kind: 'list-total',
  summary: 'a stated total against the sibling entries it totals: list items, code-block listings, tree listings, or a list it follows',
  covers: ['list-total'],
  extract(doc: ClaimsDocument): Claim[] {
    const groups = groupsOf(doc);
    const claims = groups.flatMap((g) => checkGroup(doc, g));
    claims.push(...statedTotalsNear(doc, breakdowns(groups)));
    return claims;
  },
};
