/**
 * Extracts the repository claims of an implementation summary, each at its
 * line and column. One general reader of the genre, from the Markdown
 * structure (src/claims/document.ts), not tuned to one document:
 *
 * - **files**: a path (`src/rope.rs`, or a plain `src/a/b.py` with a folder;
 *   a bare `main.rs` only in backticks or as the first thing of a list item,
 *   heading or table cell) is claimed *created* when a past-tense verb before
 *   it says so ("Created", "Added", "New", "Wrote"; "added ... to `x`" is a
 *   modification) or a mark after it does ("**NEW**", "(new, 246 lines)"),
 *   *modified* likewise ("Updated", "Modified", "Integrated with ... (`x`)",
 *   "(modified"), *unchanged* or *deleted*; a path that opens a list item or
 *   table row under a heading or lead-in ("## Files Modified", "**Created:**",
 *   "### Unchanged") takes that heading's meaning;
 * - **line counts**: "(280 lines)", "- 757 lines", "300 LOC", a Lines column,
 *   "**Size:** 543 lines" under "**File:** `x`", attached to the path they
 *   follow; not for modified files (a count there may be the size of the
 *   change), not "+88 lines", not coverage statements ("663 lines, 0% covered");
 * - **test counts**: "N tests" with a path on the line, in the item or heading
 *   above, or a breakdown entry ("RoPE tests: 16", "Unit tests: 30 (lib)",
 *   "test_config: 16/16 passed"); **new tests** ("16 new RoPE tests",
 *   "8 comprehensive tests added", "+61 tests"); **totals** ("All 145 tests
 *   passing", "Total: 145 tests", a "Total Tests" table row, "Passes all 145
 *   tests");
 * - **runs**: "all tests passing" and "N/N passed", lint results ("Zero clippy
 *   warnings", "`go vet` clean"), and behaviour ("Backward compatibility
 *   maintained", "no regressions"), which reading cannot decide.
 *
 * Sections about the future or about how to use the work ("Next Steps",
 * "How to Use", "Expected Benefits", "Before ..."), unchecked task items and
 * code blocks of programming languages hold no claims.
 */
import { prepareDocument, type ClaimsDocument, type ListItem, type TableBlock } from '../claims/document.js';
import type { RepoClaim, RepoClaimKind, StatedNumber, TestTargetRef } from './types.js';

const EXT =
  'rs|py|pyi|ts|tsx|js|jsx|mjs|cjs|mts|cts|go|md|mdx|rst|txt|toml|json|jsonc|jsonl|yaml|yml|sh|bash|zsh|ps1|bat|java|kt|kts|scala|rb|php|c|cc|cpp|cxx|h|hh|hpp|cs|swift|sql|html|css|scss|sass|vue|svelte|ipynb|lock|cfg|ini|xml|gradle|proto|graphql|tf|csv|jl|lua|dart|ex|exs|hs|zig|sol|nix|cmake|mk|env|example|template|sample|lock';
const SEG = String.raw`[\w@+-][\w.@+-]*`;
const PATH_RE = new RegExp(String.raw`(?<![\w/.@~:$%{}-])((?:~\/|\/)?(?:\.?${SEG}\/)*\.?${SEG}\.(?:${EXT}))(?![\w/-]|\.\w|\(\))`, 'g');
const NAMED_FILES = /(?<![\w/.-])((?:\.?[\w@+-][\w.@+-]*\/)*(?:Makefile|Dockerfile|Justfile|Procfile|LICENSE|Gemfile|Rakefile))(?![\w/.-])/g;

const NUM = String.raw`(~\s*|≈\s*|about\s+|approx(?:\.|imately)?\s+|over\s+|more than\s+|at least\s+|nearly\s+)?(\d{1,3}(?:,\d{3})+|\d+)(\+)?`;

const CREATED_VERB = /\b(created|added|new|newly|wrote|written|generated|introduced|scaffolded|bootstrapped|implemented new)\b/i;
const MODIFIED_VERB = /\b(updated|modified|changed|edited|extended|refactored|fixed|enhanced|integrated|rewrote|rewritten|revised|adjusted|patched|wired|migrated|amended|improved|expanded|tweaked|reworked)\b/i;
const DELETED_VERB = /\b(deleted|removed|dropped)\b/i;

/** Headings whose section holds no claims about the work done. */
const EXCLUDED_SECTION =
  /\b(next\s+steps?|next\s+actions?|todo|to-do|future|roadmap|recommend\w*|planned|plan|follow[- ]?ups?|remaining|how\s+to|usage|quick\s*start|getting\s+started|install\w*|troubleshoot\w*|references?|resources|examples?|before|original|proposals?|options?|alternatives?|expected|deployment\s+steps|rollback|known\s+(issues|limitations))\b/i;

type FileContext = 'created' | 'modified' | 'unchanged' | 'deleted' | 'listed';

/** The file meaning of a heading or lead-in label, if any. */
function contextOf(text: string): FileContext | undefined {
  const t = text.toLowerCase();
  if (/\b(unchanged|untouched|not\s+(modified|changed))\b/.test(t)) return 'unchanged';
  const created = /\b(created|new\s+files?|added\s+files?|files?\s+(added|created)|new|added)\b/.test(t);
  const modified = /\b(modified|changed|changes|updated|edited|touched|enhanced|modifications)\b/.test(t);
  if (/\b(deleted|removed)\b/.test(t) && !created && !modified) return 'deleted';
  if (modified) return 'modified';
  if (created) return 'created';
  if (/\bfiles?\b/.test(t)) return 'listed';
  return undefined;
}

export function parseStated(prefix: string | undefined, digits: string, plus: string | undefined): StatedNumber {
  const value = Number(digits.replace(/,/g, ''));
  const p = (prefix ?? '').trim().toLowerCase();
  const bound: StatedNumber['bound'] = plus || /^(over|more than|at least)/.test(p) ? 'at-least' : /^(~|≈|about|approx|nearly)/.test(p) ? 'about' : 'exact';
  return { value, text: `${prefix ?? ''}${digits}${plus ?? ''}`.trim(), bound };
}

interface PathMention {
  path: string;
  /** 0-based offset in the line. */
  at: number;
  ticked: boolean;
}

/** Paths mentioned on a line (see the module comment for which count). */
function pathMentions(raw: string, prose: string, firstTokenAt: number | undefined): PathMention[] {
  const out: PathMention[] = [];
  // `src/__tests__/x.js` parses as emphasis ("__tests__" bold): paths keep the underscores the prose blanked.
  const text = prose.length === raw.length ? [...prose].map((ch, i) => (ch === ' ' && raw[i] === '_' ? '_' : ch)).join('') : prose;
  for (const re of [PATH_RE, NAMED_FILES]) {
    re.lastIndex = 0;
    for (const m of text.matchAll(re)) {
      const p = m[1]!;
      const at = (m.index ?? 0) + m[0].indexOf(p);
      if (/^https?:/.test(prose.slice(Math.max(0, at - 8), at + 1))) continue;
      if (/\/\/$/.test(prose.slice(Math.max(0, at - 2), at))) continue;
      const ticked = raw[at - 1] === '`' && raw[at + p.length] === '`';
      const first = firstTokenAt !== undefined && at === firstTokenAt;
      if (!p.includes('/') && !ticked && !first) continue;
      // A version number or a domain is not a file ("v1.2.md" stays, "example.com" has no known extension).
      if (/^\d+(\.\d+)+$/.test(p)) continue;
      out.push({ path: p, at, ticked });
    }
  }
  return out.sort((a, b) => a.at - b.at);
}

/** Offset of the first token of an item's text (after checkboxes, emoji, numbering and bold marks). */
function firstToken(prose: string, from: number): number {
  const rest = prose.slice(from);
  const skip = /^(?:\s|\d+[.)]\s|\[[ xX]\]\s|[✅✓✔️❌⚠🟢🟡🔴⭐✨🎯📝🔧🆕]|\uFE0F|[*_]|\||#)*/u.exec(rest);
  return from + (skip ? skip[0].length : 0);
}

interface LineInfo {
  line: number;
  raw: string;
  prose: string;
  /** Innermost first. */
  headings: Array<{ line: number; text: string }>;
  label?: { line: number; text: string };
  item?: ListItem;
  parents: ListItem[];
  heading: boolean;
  excluded: boolean;
}

/** The structure around every line: headings, lead-in labels, list items. */
function lineInfos(doc: ClaimsDocument): LineInfo[] {
  const itemAt = new Map<number, { item: ListItem; parents: ListItem[] }>();
  const walk = (items: ListItem[], parents: ListItem[]) => {
    for (const item of items) {
      itemAt.set(item.line, { item, parents });
      for (const child of item.children) walk(child.items, [item, ...parents]);
    }
  };
  for (const list of doc.lists.filter((l) => l.depth === 0)) walk(list.items, []);
  const program = new Set<number>();
  const listing = new Set<number>();
  for (const c of doc.code) for (let l = c.startLine; l <= c.endLine; l++) (c.program ? program : listing).add(l);
  const headingAt = new Map(doc.headings.map((h) => [h.line, h]));
  const titleLine = doc.headings[0]?.depth === 1 && !doc.headings.slice(1).some((h) => h.depth === 1) ? doc.headings[0].line : undefined;
  const infos: LineInfo[] = [];
  let stack: Array<{ line: number; depth: number; text: string }> = [];
  let label: { line: number; text: string } | undefined;
  let lastItem: { item: ListItem; parents: ListItem[] } | undefined;
  for (let i = 0; i < doc.lines.length; i++) {
    const line = i + 1;
    const raw = doc.lines[i]!;
    const h = headingAt.get(line);
    if (h) {
      stack = stack.filter((s) => s.depth < h.depth);
      stack.push({ line, depth: h.depth, text: h.text.trim() });
      label = undefined;
    }
    if (program.has(line)) continue;
    const prose = listing.has(line) ? raw : (doc.prose[i] ?? '');
    const trimmed = prose.trim();
    // A lead-in label: a short line ending with ':' ("**Created:**", "Files Modified:").
    if (!h && /^[A-Za-z][A-Za-z0-9 /&()-]{1,40}:$/.test(trimmed.replace(/\s+/g, ' ')) && !itemAt.has(line)) label = { line, text: trimmed };
    const at = itemAt.get(line);
    if (at) lastItem = at;
    else if (trimmed === '' || h) lastItem = undefined;
    const headings = [...stack].reverse().map((s) => ({ line: s.line, text: s.text }));
    // The document's title ("Option E: ... Summary") names the work, not a section about the future.
    const excluded = stack.some((s) => s.line !== titleLine && EXCLUDED_SECTION.test(s.text) && !/\b(files?|tests?|results?|created|modified)\b/i.test(s.text)) || /^\s*[-*+]\s+\[ \]/.test(raw);
    const info: LineInfo = { line, raw, prose, headings, parents: at?.parents ?? lastItem?.parents ?? [], heading: Boolean(h), excluded };
    if (label) info.label = label;
    if (at) info.item = at.item;
    else if (lastItem && /^\s+\S/.test(raw)) info.item = lastItem.item;
    infos.push(info);
  }
  return infos;
}

/** The file meaning a path gets on its line: verbs before it, marks after it, then the item's, lead-in's and headings' meaning. */
function fileMeaning(info: LineInfo, mention: PathMention, mentions: PathMention[], itemStart: number | undefined): FileContext | undefined {
  const prose = info.prose;
  const clauseStart = Math.max(0, ...[/[.;!?]\s/g, /\s[-–—]\s/g].flatMap((re) => [...prose.slice(0, mention.at).matchAll(re)].map((m) => (m.index ?? 0) + m[0].length)));
  const before = prose.slice(clauseStart, mention.at);
  const nextPath = mentions.find((m) => m.at > mention.at)?.at ?? prose.length;
  const after = prose.slice(mention.at + mention.path.length, Math.min(nextPath, mention.at + mention.path.length + 40));
  if (/^\W{0,6}(\(?\s*new\b|\bNEW\b)/.test(after) || /^\W{0,4}[-–—(]\s*\W{0,4}NEW\b/.test(after)) return 'created';
  if (/^\W{0,4}\(\s*(modified|updated|changed)\b/i.test(after) || /^\s*[-–—]\s*(Modified|Updated)\b/.test(after)) return 'modified';
  if (/^\W{0,4}\(\s*(unchanged|untouched)\b/i.test(after)) return 'unchanged';
  if (/^\W{0,4}\(\s*(deleted|removed)\b/i.test(after)) return 'deleted';
  const verbText = before.replace(/`[^`]*`/g, ' ');
  const lastVerb = (re: RegExp) => {
    let found: number | undefined;
    for (const m of verbText.matchAll(new RegExp(re.source, 'gi'))) found = m.index;
    return found;
  };
  const created = lastVerb(CREATED_VERB);
  const modified = lastVerb(MODIFIED_VERB);
  const deleted = lastVerb(DELETED_VERB);
  const best = Math.max(created ?? -1, modified ?? -1, deleted ?? -1);
  if (best >= 0) {
    const between = verbText.slice(best);
    // "added X to `file`", "removed X from `file`": the file was changed, not made or deleted.
    const into = /\b(to|into|in|from|within|inside)\s+(the\s+)?$/i.test(verbText) && !/\b(in|to)\s+(a\s+)?new\b/i.test(between);
    if (best === modified) return 'modified';
    // "Added `x` to the summary output", "removed `x` from ...": x is what was put in or taken out, not a file made or deleted.
    if (/^[`*_]*\s+(to|into|from)\s/i.test(after)) return undefined;
    if (best === deleted) return into ? 'modified' : 'deleted';
    if (best === created) return into ? 'modified' : 'created';
  }
  // A path opening its list item, heading or table row takes the item's, lead-in's or heading's meaning.
  const opens = itemStart !== undefined && mention.at === itemStart;
  if (!opens) return undefined;
  for (const parent of info.parents) {
    const c = contextOf(parent.text);
    if (c && c !== 'listed') return c;
  }
  if (info.label) {
    const c = contextOf(info.label.text);
    if (c) return c;
  }
  for (const h of info.heading ? info.headings.slice(1) : info.headings) {
    const c = contextOf(h.text);
    if (c) return c;
  }
  return undefined;
}

const LINES_RE = new RegExp(String.raw`(?<![+\-±\w.])${NUM}[\s-]*(lines? of code|lines?|LOC|SLOC|loc)\b(?!\s*(changed|added|removed|deleted|modified|covered|of (the )?diff))`, 'gi');
const TESTS_RE = new RegExp(String.raw`(?<![\w.+\-/])${NUM}\s+((?:[A-Za-z][\w-]*\s+){0,3}?)(tests?|test cases?|specs)\b(?!\s+(files?|suites?|modules?|classes|directories|folders|failures?|errors?|failing|fixtures?|helpers?|utilities|infrastructure))`, 'gi');
const FRACTION_RE = /(?<![\w./])(\d{1,5})\/(\d{1,5})\s*(?:tests?\s+)?(passed|passing|pass)\b/gi;

const ADJECTIVES = new Set([
  'comprehensive', 'focused', 'unit', 'integration', 'additional', 'extra', 'more', 'new', 'passing', 'thorough', 'detailed', 'robust', 'simple', 'basic',
  'dedicated', 'targeted', 'automated', 'regression', 'e2e', 'end-to-end', 'total', 'all', 'the', 'of', 'and', 'with', 'rigorous', 'extensive', 'solid', 'property',
]);

/** Words that name a topic ("RoPE" in "16 new RoPE tests"). */
function topicWords(words: string): string[] {
  return words
    .split(/\s+/)
    .map((w) => w.replace(/[^\w-]/g, ''))
    .filter((w) => w.length >= 2 && !ADJECTIVES.has(w.toLowerCase()) && !/^\d/.test(w));
}

function excerpt(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > 120 ? `${t.slice(0, 117)}...` : t;
}

export function extractRepoClaims(doc: ClaimsDocument): RepoClaim[] {
  const claims: RepoClaim[] = [];
  const seen = new Set<string>();
  const push = (c: RepoClaim) => {
    const key = `${c.kind}:${c.line}:${c.column}:${c.path ?? ''}`;
    if (seen.has(key)) return;
    seen.add(key);
    claims.push(c);
  };
  const infos = lineInfos(doc);
  // A summary that reports failing, erroring or skipped tests: its "N tests passing" counts a run's passes, not the tests.
  const reportsFailures = infos.some((i) => !i.excluded && /\b[1-9]\d*\s+(?:[\w-]+\s+){0,2}(failed|failing|failures?|errors|errored|skipped|xfail\w*)\b|\b(failed|failing|errors|skipped)\W{0,6}[1-9]\d*\s+tests?\b/i.test(i.prose));
  const tableRows = new Map<number, { table: TableBlock; cells: TableBlock['rows'][number] }>();
  const tableHeaders = new Set<number>();
  for (const table of doc.tables) {
    tableHeaders.add(table.line);
    for (const cells of table.rows) if (cells[0]) tableRows.set(cells[0].line, { table, cells });
  }
  // The current "**File:** `x`" of a paragraph block, for "**Size:** N lines" lines under it.
  let fileLead: { path: string; line: number } | undefined;

  for (const info of infos) {
    if (info.excluded || tableHeaders.has(info.line)) continue;
    const { raw, prose, line } = info;
    if (!prose.trim()) {
      fileLead = undefined;
      continue;
    }
    const row = tableRows.get(line);
    const itemStart = info.item && info.item.line === line ? firstToken(prose, info.item.column - 1) : info.heading ? firstToken(prose, 0) : row ? firstToken(prose, row.cells[0]!.column - 1) : undefined;
    const mentions = pathMentions(raw, prose, itemStart);
    const text = excerpt(prose);

    // ---------------------------------------------------------------- files
    const meanings = new Map<PathMention, FileContext | undefined>();
    for (const m of mentions) {
      const meaning = fileMeaning(info, m, mentions, itemStart);
      meanings.set(m, meaning);
      if (meaning && meaning !== 'listed') {
        const kind = `file-${meaning}` as RepoClaimKind;
        push({ kind, line, column: m.at + 1, excerpt: text, path: m.path });
      }
    }
    const lead = /^\W*(file|location|path)\W*:\W*$/i.exec(prose.slice(0, mentions[0]?.at ?? 0));
    if (lead && mentions.length === 1) fileLead = { path: mentions[0]!.path, line };

    // ---------------------------------------------------------------- line counts
    const lineCounts = (where: string, offset: number, owner: PathMention | { path: string; at: number } | undefined, meaning: FileContext | undefined) => {
      LINES_RE.lastIndex = 0;
      for (const m of where.matchAll(LINES_RE)) {
        if (!owner || meaning === 'modified' || meaning === 'unchanged' || meaning === 'deleted') continue;
        const around = where.slice(Math.max(0, (m.index ?? 0) - 30), (m.index ?? 0) + m[0].length + 30);
        if (/cover|coverage|%|statements/i.test(around)) continue;
        const at = offset + (m.index ?? 0) + m[0].indexOf(m[2]!) - (m[1] ? m[1].length : 0);
        push({ kind: 'line-count', line, column: at + 1, excerpt: text, path: owner.path, stated: parseStated(m[1], m[2]!, m[3]) });
      }
    };
    if (row) {
      const cols = row.table.header.map((h) => h.text.replace(/[*_`]/g, '').trim().toLowerCase());
      const linesCol = cols.findIndex((c) => /^(lines|loc|sloc|size|lines of code|# ?lines)$/.test(c));
      const fileMention = mentions.find((m) => row.cells[0] && m.at >= row.cells[0].column - 1 && m.at < row.cells[0].column - 1 + row.cells[0].text.length + 2);
      if (linesCol > 0 && fileMention) {
        const cell = row.cells[linesCol];
        const num = cell && new RegExp(`^\\W*${NUM}\\W*(lines?)?\\W*$`, 'i').exec(cell.text.replace(/[*_]/g, ''));
        const meaning = meanings.get(fileMention);
        if (cell && num && !/^\s*[+\-±]/.test(cell.text) && meaning !== 'modified' && meaning !== 'unchanged') {
          push({ kind: 'line-count', line, column: cell.column + cell.text.search(/\d/), excerpt: text, path: fileMention.path, stated: parseStated(num[1], num[2]!, num[3]) });
        }
      }
    }
    if (mentions.length > 0) {
      // Each count belongs to the path before it on the line.
      for (let k = 0; k < mentions.length; k++) {
        const m = mentions[k]!;
        const end = mentions[k + 1]?.at ?? prose.length;
        const seg = prose.slice(m.at + m.path.length, end);
        if (row) {
          const cellEnd = row.cells.find((c) => c.column - 1 > m.at)?.column ?? Infinity;
          if (cellEnd !== Infinity) continue; // table rows: counts come from their columns
        }
        lineCounts(seg, m.at + m.path.length, m, meanings.get(m));
      }
    } else if (fileLead && fileLead.line !== line && /^\W*(size|lines|length)\W*:/i.test(prose)) {
      lineCounts(prose, 0, { path: fileLead.path, at: 0 }, 'listed');
    }

    // ---------------------------------------------------------------- tests
    extractTests(info, mentions, row, text, push, infos, reportsFailures);
  }
  return claims.sort((a, b) => a.line - b.line || a.column - b.column);
}

/** Is this path a test file in some language's conventions? */
export function looksLikeTestFile(p: string): boolean {
  const name = p.slice(p.lastIndexOf('/') + 1);
  return /(^test_.*\.py$|_test\.(py|go|rs)$|_tests?\.rs$|\.(test|spec)\.[cm]?[jt]sx?$|^tests?\.rs$)/.test(name) || /(^|\/)(tests?|__tests__|spec)\//.test(p);
}

function extractTests(
  info: LineInfo,
  mentions: PathMention[],
  row: { table: TableBlock; cells: TableBlock['rows'][number] } | undefined,
  text: string,
  push: (c: RepoClaim) => void,
  infos: LineInfo[],
  reportsFailures: boolean,
): void {
  const { prose, line } = info;
  const numbered: Array<{ at: number; stated: StatedNumber; words: string; end: number }> = [];
  TESTS_RE.lastIndex = 0;
  for (const m of prose.matchAll(TESTS_RE)) {
    const words = m[4] ?? '';
    if (/\b(failing|failed|failures?|flaky|broken|fixed|remaining|deferred|blocked|skipped|more|fewer|other|affected|pending|todo|original|existing|previous|prior|pre-existing|old|legacy|baseline)\b/i.test(words)) continue;
    const at = (m.index ?? 0) + (m[1]?.length ?? 0) + m[0].slice(m[1]?.length ?? 0).indexOf(m[2]!);
    numbered.push({ at, stated: parseStated(m[1], m[2]!, m[3]), words, end: (m.index ?? 0) + m[0].length });
  }
  FRACTION_RE.lastIndex = 0;
  for (const m of prose.matchAll(FRACTION_RE)) {
    if (m[1] !== m[2]) continue;
    // Located at the first number of "16/16", where a label ("test_config: 16/16") or "Total:" ends.
    const at = m.index ?? 0;
    if (!numbered.some((n) => Math.abs(n.at - at) < 6)) numbered.push({ at, stated: parseStated(undefined, m[2]!, undefined), words: '', end: (m.index ?? 0) + m[0].length });
  }

  // Runs: "all tests passing", "N/N passed", "passes all N tests".
  const pass =
    /\ball\b[^.;\n]{0,25}\btests?\b[^.;\n]{0,20}\b(pass(ing|ed|es)?|green|succeed(ed|ing|s)?)\b/i.exec(prose) ??
    /\bpass(es|ing|ed)?\s+all\b[^.;\n]{0,15}\btests?\b/i.exec(prose) ??
    /\b100\s*%\s*pass/i.exec(prose) ??
    /\btests?\s+(are\s+)?(all\s+)?passing\b(?!\s*\()/i.exec(/\ball\b/i.test(prose) ? prose : '');
  const fraction = [...prose.matchAll(/(?<![\w./])(\d{1,5})\/(\d{1,5})\s*(?:tests?\s+)?(passed|passing|pass)\b/gi)].find((m) => m[1] === m[2]);
  if (pass || (fraction && /\btotal\b|\ball\b/i.test(prose))) {
    const at = pass?.index ?? fraction?.index ?? 0;
    push({ kind: 'tests-pass', line, column: at + 1, excerpt: text });
  }
  const lint =
    /\b(?:zero|no|0)\s+(clippy|lint(?:er)?|eslint|ruff|flake8|pylint|mypy|tsc|typescript|type|compiler|build|rustc)?\s*(?:lint\s+)?warnings?\b/i.exec(prose) ??
    /\b(clippy|eslint|ruff|go vet|golangci-lint|flake8|pylint|mypy)\b[^.;\n]{0,25}\b(clean|pass(?:es|ing|ed)?|no warnings|0 warnings|zero warnings)\b/i.exec(prose);
  if (lint) push({ kind: 'lint-clean', line, column: (lint.index ?? 0) + 1, excerpt: text, subject: (lint[1] ?? 'warnings').toLowerCase() });
  const behaviour =
    /\b(backwards?[- ]compatib\w*)\b[^.;\n]{0,20}\b(maintained|preserved|kept|intact|ensured)\b/i.exec(prose) ??
    /\b(?:maintains|preserves|keeps|ensures)\s+(backwards?[- ]compatib\w*)/i.exec(prose) ??
    /\b((?:no|zero) regressions?|no breaking changes)\b/i.exec(prose);
  if (behaviour && (info.item || /^\s*\W{0,3}(✅|✓|✔)/u.test(info.raw))) push({ kind: 'behaviour', line, column: (behaviour.index ?? 0) + 1, excerpt: text, subject: behaviour[1]!.toLowerCase() });

  for (const n of numbered) {
    const before = prose.slice(Math.max(0, n.at - 40), n.at);
    const after = prose.slice(n.end, n.end + 30);
    const isNew = /\bnew\b/i.test(n.words) || /\b(added|wrote|created|introduced)\s+(\w+\s+)?$/i.test(before) || /^\s*(were\s+|have been\s+)?(added|created|written|introduced)\b/i.test(after) || /\+\s*$/.test(before);
    const isTotal =
      !isNew &&
      (/\b(all|total(?:ling)?|entire|whole|full)\b[^.;:!?\n]{0,25}$/i.test(before) ||
        /^\s*(in total|total)\b/i.test(after) ||
        /^\W*total(\s+tests?)?\W*[:|]\W*$/i.test(prose.slice(0, n.at)) ||
        /\btest suite\b[^.;\n]{0,20}$/i.test(before));
    // "**Failed**: 4 tests in `x.py`": a count of failures, not of the file's tests.
    if (/\b(fail(ed|ing|ures?)?|errors?|errored|skipped|broken|flaky|xfail\w*)\W{0,6}$/i.test(before)) continue;
    const path = nearestPath(mentions, n.at);
    if (isNew) {
      const topic = topicWords(n.words);
      const target: TestTargetRef | undefined = path ? { path: path.path } : topic.length > 0 ? { topic } : (parentTarget(info, infos) ?? headingTopic(info));
      push({ kind: 'test-new', line, column: n.at + 1, excerpt: text, stated: n.stated, ...(target ? { target } : {}) });
      continue;
    }
    if (isTotal) {
      // "existing collector tests are working (39 tests total)": the total of the tests the clause names, not of the repository.
      const clause = prose.slice(0, n.at).split(/[.;!?]\s/).pop() ?? '';
      const named = [...clause.matchAll(/\b([A-Za-z][\w-]+)\s+tests?\b/gi)].map((m) => m[1]!).filter((w) => !ADJECTIVES.has(w.toLowerCase()) && !/^(our|its|their|these|those|every|each|pass\w*|total\w*|run\w*)$/i.test(w));
      if (named.length > 0 && !/\ball\b[^.;:!?\n]{0,25}$/i.test(before)) {
        if (!path) push({ kind: 'test-count', line, column: n.at + 1, excerpt: text, stated: n.stated, target: { topic: named.slice(-1) } });
        else push({ kind: 'test-count', line, column: n.at + 1, excerpt: text, stated: n.stated, target: { path: path.path } });
        continue;
      }
      // With failures reported, "Total: 311 tests passing" counts the passes of a run: the repository has at least that many.
      const passing = reportsFailures && !/\ball\b/i.test(before) && /\b(passing|passed)\b/i.test(prose.slice(n.at, n.end + 12));
      push({ kind: 'test-total', line, column: n.at + 1, excerpt: text, stated: n.stated, ...(passing ? { subject: 'passing' } : {}) });
      continue;
    }
    if (path) {
      push({ kind: 'test-count', line, column: n.at + 1, excerpt: text, stated: n.stated, target: { path: path.path } });
      continue;
    }
    const label = breakdownLabel(info, n.at, infos);
    if (label) {
      push({ kind: 'test-count', line, column: n.at + 1, excerpt: text, stated: n.stated, target: { label } });
      continue;
    }
    const parent = parentTarget(info, infos);
    if (parent) push({ kind: 'test-count', line, column: n.at + 1, excerpt: text, stated: n.stated, target: parent });
  }

  // Breakdown entries without the word "tests" after the number: "**RoPE tests**: 16", "- Adam tests: 13", "test_config: 16/16 passed".
  const entry = /^(\s*(?:[-*+]|\d+[.)])?\s*)([^:|]{2,60}?)\s*[:：]\s*\**\s*(\d{1,3}(?:,\d{3})+|\d+)(\+)?(?:\s*\/\s*\d+)?\b/.exec(prose);
  // The entry's number: the first after its colon ("test_config: 16/16" is at the first 16).
  const entryAt = entry ? entry.index + entry[1]!.length + entry[2]!.length + entry[0].slice(entry[1]!.length + entry[2]!.length).search(/\d/) : -1;
  if (entry && info.item && !numbered.some((n) => n.at === entryAt)) {
    const labelText = entry[2]!.replace(/[*`✅✓✨⭐]/gu, '').trim().replace(/^_+|_+$/g, '');
    const inTests = /\btests?\b/i.test(labelText) || info.headings.some((h) => /\btests?\b/i.test(h.text) && /\b(breakdown|results?|by|per|summary|statistics|counts?)\b/i.test(h.text)) || (info.label !== undefined && /\btests?\b/i.test(info.label.text));
    const at = entryAt;
    if (inTests && !/\b(coverage|time|duration|seconds?|hours?|lines?|loc|files?|failures?|failing|failed|skipped|passing rate|rate)\b/i.test(labelText)) {
      const stated = parseStated(undefined, entry[3]!, entry[4]);
      if (/^\W*total\b/i.test(labelText)) {
        if (/\btests?\b/i.test(labelText) || /\btests?\b/i.test(prose.slice(at)) || info.headings.some((h) => /\btests?\b/i.test(h.text))) push({ kind: 'test-total', line, column: at + 1, excerpt: text, stated });
      } else {
        const hint = /\((lib|bin|unit|doc|integration)\)/i.exec(prose.slice(at))?.[1];
        push({ kind: 'test-count', line, column: at + 1, excerpt: text, stated, target: { label: hint ? `${labelText} (${hint})` : labelText } });
      }
    }
  }

  // Tables: a "Total Tests" row, a Tests column.
  if (row) {
    const first = row.cells[0]!.text.replace(/[*_`]/g, '').trim();
    const cols = row.table.header.map((h) => h.text.replace(/[*_`]/g, '').trim().toLowerCase());
    if (/^total\s+tests?$|^tests?\s+total$|^total\s+test\s+count$/i.test(first)) {
      const numeric = row.cells.slice(1).map((c, i) => ({ c, i: i + 1 })).filter(({ c }) => /^\W*\d[\d,]*\+?\W*$/.test(c.text.replace(/[*_✅]/gu, '').trim()) && !/^\s*[+\-±]/.test(c.text.replace(/[*_✅]/gu, '')));
      const after = numeric.find(({ i }) => /\b(after|current|final|now|end|new|today|total)\b/.test(cols[i] ?? '')) ?? numeric[numeric.length - 1];
      if (after) {
        const m = /(\d{1,3}(?:,\d{3})+|\d+)(\+)?/.exec(after.c.text)!;
        push({ kind: 'test-total', line, column: after.c.column + after.c.text.indexOf(m[1]!), excerpt: text, stated: parseStated(undefined, m[1]!, m[2]) });
      }
    }
    const testsCol = cols.findIndex((c) => /^(tests?|test count|# ?tests|test cases|tests added)$/.test(c));
    if (testsCol > 0 && !/^total\b/i.test(first)) {
      const cell = row.cells[testsCol];
      const m = cell && /^\W*(\d{1,3}(?:,\d{3})+|\d+)(\+)?\W*(tests?)?\W*$/i.exec(cell.text.replace(/[*_]/g, ''));
      if (cell && m && !numbered.some((n) => n.at === cell.column - 1 + cell.text.indexOf(m[1]!))) {
        const path = mentions.find((p) => p.at < cell.column - 1);
        const stated = parseStated(undefined, m[1]!, m[2]);
        const column = cell.column + cell.text.indexOf(m[1]!);
        if (path) push({ kind: 'test-count', line, column, excerpt: text, stated, target: { path: path.path } });
        else if (first && !/^\W*$/.test(first) && !/^(python|go|rust|java|javascript|typescript|ruby|node|c\+\+)$/i.test(first)) push({ kind: 'test-count', line, column, excerpt: text, stated, target: { label: first } });
      }
    }
  }
}

function nearestPath(mentions: PathMention[], at: number): PathMention | undefined {
  let best: PathMention | undefined;
  for (const m of mentions) if (m.at < at) best = m;
  return best ?? (mentions.length === 1 ? mentions[0] : undefined);
}

/** A single test file named by the list item(s) above, or by the heading of the section. */
function parentTarget(info: LineInfo, infos: LineInfo[]): TestTargetRef | undefined {
  const lookup = (ln: number) => infos.find((i) => i.line === ln);
  for (const parent of info.parents) {
    const p = lookup(parent.line);
    const found = p ? pathMentions(p.raw, p.prose, undefined).filter((m) => looksLikeTestFile(m.path)) : [];
    if (found.length === 1) return { path: found[0]!.path };
    if (found.length > 1) return undefined;
  }
  const h = info.headings[0];
  if (h && !info.heading) {
    const hi = lookup(h.line);
    const found = hi ? pathMentions(hi.raw, hi.prose, undefined).filter((m) => looksLikeTestFile(m.path)) : [];
    if (found.length === 1) return { path: found[0]!.path };
  }
  return undefined;
}

/** The words of the innermost heading, as a topic ("Step 1: RMSNorm (COMPLETE)" names RMSNorm). */
function headingTopic(info: LineInfo): TestTargetRef | undefined {
  const h = info.headings[0];
  if (!h) return undefined;
  const words = h.text.replace(/[#*_`:()✅⭐✨-]/gu, ' ').split(/\s+/).filter((w) => w.length >= 3 && !/^(step|phase|week|part|stage|complete|completed|done|the|and|with|tests?|implementation|integration|summary)$/i.test(w) && !/^\d/.test(w));
  return words.length > 0 ? { topic: words } : undefined;
}

/** The label of a breakdown entry whose number is at `at` ("RoPE tests" in "- **RoPE tests**: 16"). */
function breakdownLabel(info: LineInfo, at: number, _infos: LineInfo[]): string | undefined {
  if (!info.item) return undefined;
  const before = info.prose.slice(0, at);
  const m = /^\s*(?:[-*+]|\d+[.)])?\s*(.{2,60}?)\s*[:：]\s*\W*$/.exec(before);
  if (!m) return undefined;
  const label = m[1]!.replace(/[*`✅✓✨⭐]/gu, '').trim().replace(/^_+|_+$/g, '');
  if (/^\W*total\b/i.test(label) || /\b(coverage|time|duration|lines?|loc|files?|status)\b/i.test(label)) return undefined;
  const hint = /\((lib|bin|unit|doc|integration)\)/i.exec(info.prose.slice(at))?.[1];
  return hint ? `${label} (${hint})` : label;
}

/** Claims of a Markdown text (`file` only locates them). */
export function extractRepoClaimsText(text: string, file = 'summary.md'): RepoClaim[] {
  return extractRepoClaims(prepareDocument(file, text));
}
