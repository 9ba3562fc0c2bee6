/**
 * Checks the repository claims of an implementation summary against the
 * repository it describes: each claim is *verified*, *refuted* (with what the
 * repository shows) or *not verified* (with the reason). A claim is refuted
 * only when the repository contradicts it under every reading rubricate
 * knows (a path resolved from the root, from the summary's folder or as the
 * unique file ending so; a line count with or without blank lines, within the
 * tolerance; a test count anywhere in its interval, see tests/count.ts);
 * anything it cannot decide by reading is *not verified*, never refuted.
 *
 * With git (read through src/input/git.ts, never the learner's config or
 * hooks), the summary's commit is the last one that changed the summary: a
 * file claimed created or modified is verified as added or changed in that
 * commit or in one up to SESSION_DAYS before it (the work a summary reports
 * often spans a few commits); otherwise that point is not verified
 * (existence alone decides a refutation). "N new
 * tests" in a file compares the file's count at that commit with its
 * parent's.
 *
 * Test runs ("all tests passing") and lint results ("zero clippy
 * warnings") are decided only by running the project's tools, which only
 * `runTests` does (src/summary/run.ts, inside the sandbox); otherwise they
 * are not verified, and behaviour claims ("backward compatibility
 * maintained") are never decided by reading.
 */
import path from 'node:path/posix';
import { openGitRepository, type GitRepository } from '../input/git.js';
import { looksLikeTestFile } from './extract.js';
import { CommitTree, lineCount, WorkingTree } from './tree.js';
import { describeCount, type Count } from './tests/count.js';
import { testInventory, type SourceTree, type TestInventory, type TestTarget } from './tests/inventory.js';
import { countGoFile } from './tests/go.js';
import { countPythonFile } from './tests/python.js';
import { countRustFile } from './tests/rust.js';
import type { CheckedClaim, RepoClaim, StatedNumber } from './types.js';

/** A file's tests counted from its text alone (Rust, Python, Go), for its earlier state. */
function countText(file: string, text: string): Count | undefined {
  if (file.endsWith('.rs')) return countRustFile(text).count;
  if (file.endsWith('.py')) return countPythonFile(text);
  if (file.endsWith('_test.go')) return countGoFile(text);
  return undefined;
}

export interface SummaryCheckOptions {
  /** Relative tolerance of a line count, 0..1 (default 0.1: "280 lines" holds for 252-308), at least `lineSlack` lines. */
  lineTolerance?: number;
  /** Absolute slack of a line count, lines (default 5). */
  lineSlack?: number;
  /** Verdicts of test runs and lint claims from a sandboxed run (src/summary/run.ts). */
  run?: RunEvidence;
}

/** What a sandboxed run of the project's tools showed. */
export interface RunEvidence {
  /** Tests listed by the runner (`cargo test -- --list`), when it ran. */
  listed?: number;
  /** The test run: passed or not, with the runner's summary line. */
  tests?: { ok: boolean; detail: string };
  /** Lint runs by tool ("clippy"): clean or not. */
  lint?: Record<string, { ok: boolean; detail: string }>;
  /** Why no run happened or what it could not do. */
  notes: string[];
}

export const DEFAULT_LINE_TOLERANCE = 0.1;
export const DEFAULT_LINE_SLACK = 5;

/** The repository states a summary's claims are checked against. */
export interface RepositoryView {
  root: string;
  tree: SourceTree;
  /** The summary's path relative to the repository, when inside it. */
  summaryRel?: string;
  /** The commit that last changed the summary, its changes, and its parent's tree (for new tests). */
  commit?: { id: string; time: number; changed: Map<string, string>; parent?: SourceTree };
  /** For files the summary names that its commit did not change: their last change and their addition at or before it. */
  earlier?: Map<string, { changed?: { id: string; time: number }; added?: { id: string; time: number } }>;
  /** Why history could not be used, if it could not. */
  historyNote?: string;
  inventory: TestInventory;
}

/** Opens the repository at `root` for checking the summary at `summaryPath`. */
export async function openRepositoryView(root: string, summaryPath: string, paths: string[] = []): Promise<RepositoryView> {
  const tree = new WorkingTree(root);
  const rel = path.normalize(path.relative(toPosix(root), toPosix(summaryPath)));
  const summaryRel = rel.startsWith('..') || path.isAbsolute(rel) ? undefined : rel;
  const view: RepositoryView = { root, tree, inventory: await testInventory(tree) };
  if (summaryRel) view.summaryRel = summaryRel;
  const git = await openGitRepository(root);
  if ('unavailable' in git) {
    view.historyNote = git.unavailable;
    return view;
  }
  try {
    await readHistory(git, view);
    if (view.commit) await readEarlier(git, view, paths);
  } catch (error) {
    view.historyNote = `the history could not be read: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
  } finally {
    await git.close();
  }
  return view;
}

function toPosix(p: string): string {
  return p.split('\\').join('/');
}

async function readHistory(git: GitRepository, view: RepositoryView): Promise<void> {
  if (!view.summaryRel) {
    view.historyNote = 'the summary is outside the repository, so no commit of it is known';
    return;
  }
  const head = await git.resolve('HEAD');
  if (!head) {
    view.historyNote = 'the repository has no commit';
    return;
  }
  const [commit] = await git.log(head, { paths: [view.summaryRel], max: 1 });
  if (!commit) {
    view.historyNote = `${view.summaryRel} is not committed, so the commits it covers are not known`;
    return;
  }
  const parent = commit.parents[0];
  const changes = await git.changes(parent, commit.id);
  view.commit = { id: commit.id, time: commit.time, changed: new Map(changes.map((c) => [c.path, c.status])) };
  if (parent) view.commit.parent = await CommitTree.load(git, parent);
}

/** Work a summary reports may span the commits of this many days before the summary's commit. */
export const SESSION_DAYS = 7;
/** Files looked up in the history at most (one or two git runs each). */
const MAX_EARLIER_LOOKUPS = 200;

/** The last change and the addition, at or before the summary's commit, of each named file its commit did not change. */
async function readEarlier(git: GitRepository, view: RepositoryView, written: string[]): Promise<void> {
  const commit = view.commit!;
  const files = [...new Set(written.flatMap((w) => resolvePath(view, w)))].filter((f) => !commit.changed.has(f)).slice(0, MAX_EARLIER_LOOKUPS);
  view.earlier = new Map();
  for (const file of files) {
    const [changed] = await git.log(commit.id, { paths: [file], max: 1 });
    const [added] = await git.log(commit.id, { paths: [file], max: 1, addedOnly: true });
    view.earlier.set(file, { ...(changed ? { changed: { id: changed.id, time: changed.time } } : {}), ...(added ? { added: { id: added.id, time: added.time } } : {}) });
  }
}

/** Candidate repository paths of a path as the summary writes it. */
export function resolvePath(view: RepositoryView, written: string): string[] {
  const clean = written.replace(/^\.\//, '').replace(/^\/+/, '');
  if (written.startsWith('~')) return [];
  const tries = [clean];
  if (view.summaryRel) {
    const dir = path.dirname(view.summaryRel);
    if (dir !== '.') tries.push(path.normalize(path.join(dir, clean)));
  }
  for (const t of tries) if (view.tree.has(t)) return [t];
  // The unique file whose path ends with the written one ("rope.rs", "core/x.py" in a subfolder).
  const suffix = `/${clean}`;
  return view.tree.files().filter((f) => f.endsWith(suffix));
}

/** Half the unit of the last significant digit written: a round "300" may be anything that rounds to it (250-349). */
function roundingRoom(stated: StatedNumber): number {
  const digits = stated.text.replace(/\D/g, '');
  const zeros = /0*$/.exec(digits)![0].length;
  return zeros > 0 && zeros < digits.length ? 10 ** zeros / 2 : 0;
}

function within(stated: StatedNumber, actual: number, tolerance: number, slack: number): boolean {
  const room = Math.max(slack, stated.value * tolerance, roundingRoom(stated));
  if (stated.bound === 'at-least') return actual >= stated.value - room;
  if (stated.bound === 'at-most') return actual <= stated.value + room;
  const about = stated.bound === 'about' ? 2 : 1;
  return Math.abs(actual - stated.value) <= room * about;
}

/** Does a stated test count fall in the interval (exactly; "85+" means at least 85)? */
function countHolds(stated: StatedNumber, c: Count): boolean {
  if (stated.bound === 'at-least') return c.max >= stated.value;
  if (stated.bound === 'at-most') return c.min <= stated.value;
  if (stated.bound === 'about') return c.max >= stated.value * 0.9 && c.min <= stated.value * 1.1;
  return stated.value >= c.min && stated.value <= c.max;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Checks every claim (see the module comment). */
export function checkRepoClaims(claims: RepoClaim[], view: RepositoryView, options: SummaryCheckOptions = {}): CheckedClaim[] {
  return claims.map((c) => checkOne(c, view, options));
}

function verdict(claim: RepoClaim, v: CheckedClaim['verdict'], message: string, extra: Partial<CheckedClaim> = {}): CheckedClaim {
  return { ...claim, verdict: v, message, ...extra };
}

function checkOne(claim: RepoClaim, view: RepositoryView, options: SummaryCheckOptions): CheckedClaim {
  switch (claim.kind) {
    case 'file-created':
    case 'file-modified':
    case 'file-unchanged':
    case 'file-deleted':
      return checkFile(claim, view);
    case 'line-count':
      return checkLines(claim, view, options);
    case 'test-count':
    case 'test-new':
    case 'test-total':
      return checkTests(claim, view);
    case 'tests-pass':
      return checkRun(claim, options.run, 'tests');
    case 'lint-clean':
      return checkRun(claim, options.run, 'lint');
    case 'behaviour':
      return verdict(claim, 'not-verified', `"${claim.subject}" is a statement about behaviour: reading the repository cannot decide it (a test that shows it would)`);
  }
}

function missing(view: RepositoryView, written: string): string {
  const refused = view.tree instanceof WorkingTree ? view.tree.refused(written) : undefined;
  return refused ? `${written} was not read: ${refused}` : `there is no file ${written} in ${view.tree.label}${view.summaryRel && path.dirname(view.summaryRel) !== '.' ? ` (looked from the root and from ${path.dirname(view.summaryRel)}/, and for a file ending so)` : ' (nor a file ending so)'}`;
}

function checkFile(claim: RepoClaim, view: RepositoryView): CheckedClaim {
  const written = claim.path!;
  const found = resolvePath(view, written);
  const what = claim.kind.slice('file-'.length);
  if (written.startsWith('~') || written.startsWith('/')) return verdict(claim, 'not-verified', `${written} is outside the repository`);
  if (claim.kind === 'file-deleted') {
    if (found.length === 0) return verdict(claim, 'verified', `${written} is not in ${view.tree.label}`, { actual: 'absent' });
    return verdict(claim, found.length === 1 && found[0] === written.replace(/^\.\//, '') ? 'refuted' : 'not-verified', `${written} is said deleted, but ${found.slice(0, 3).join(', ')} exists`, { actual: 'present', evidence: { file: found[0]! } });
  }
  if (found.length === 0) {
    if (view.tree instanceof WorkingTree && view.tree.truncated) return verdict(claim, 'not-verified', `${written} was not found, but the repository listing stopped at its cap`);
    return verdict(claim, 'refuted', `${written} is said ${what}, but ${missing(view, written)}`, { actual: 'absent' });
  }
  if (found.length > 1) return verdict(claim, 'verified', `${written} exists (${found.length} files end so: ${found.slice(0, 3).join(', ')}${found.length > 3 ? ', ...' : ''})`, { actual: 'present', evidence: { file: found[0]! } });
  const file = found[0]!;
  const evidence = { file };
  if (!view.commit) return verdict(claim, 'verified', `${file} exists${view.historyNote ? ` (whether it was ${what} is not checked without the summary's commit)` : ''}`, { actual: 'present', evidence });
  const short = view.commit.id.slice(0, 7);
  const status = view.commit.changed.get(file);
  if (claim.kind === 'file-unchanged') {
    return status ? verdict(claim, 'refuted', `${file} is said unchanged, but commit ${short} (the summary's) changed it`, { actual: `changed in ${short}`, evidence }) : verdict(claim, 'verified', `${file} exists and commit ${short} (the summary's) did not change it`, { actual: 'unchanged', evidence });
  }
  if (status === 'A' && claim.kind === 'file-created') return verdict(claim, 'verified', `${file} was added in commit ${short}, the summary's`, { actual: `added in ${short}`, evidence });
  if (status) return verdict(claim, 'verified', `${file} was changed in commit ${short}, the summary's`, { actual: `changed in ${short}`, evidence });
  // The work may span the commits before the summary's: a change within SESSION_DAYS of it counts.
  const earlier = view.earlier?.get(file);
  const event = claim.kind === 'file-created' ? earlier?.added : earlier?.changed;
  if (event) {
    const days = (view.commit.time - event.time) / 86_400;
    const when = days < 1 ? `${Math.max(1, Math.round(days * 24))} h` : `${Math.round(days)} days`;
    const did = claim.kind === 'file-created' ? 'added' : 'changed';
    if (days <= SESSION_DAYS) return verdict(claim, 'verified', `${file} was ${did} in commit ${event.id.slice(0, 7)}, ${when} before the summary's commit ${short}`, { actual: `${did} in ${event.id.slice(0, 7)}`, evidence });
    return verdict(claim, 'not-verified', `${file} exists, but it was last ${did} in commit ${event.id.slice(0, 7)}, ${when} before the summary's commit ${short} (more than ${SESSION_DAYS} days): whether this work ${claim.kind === 'file-created' ? 'created' : 'changed'} it cannot be told`, { actual: `${did} in ${event.id.slice(0, 7)}`, evidence });
  }
  return verdict(claim, 'not-verified', `${file} exists, but commit ${short} (the summary's) did not change it: the work may span earlier commits`, { actual: 'present', evidence });
}

function checkLines(claim: RepoClaim, view: RepositoryView, options: SummaryCheckOptions): CheckedClaim {
  const written = claim.path!;
  const stated = claim.stated!;
  const found = resolvePath(view, written);
  if (found.length === 0) return verdict(claim, 'not-verified', `the line count of ${written} cannot be checked: ${missing(view, written)} (the file claim says so)`);
  const tolerance = options.lineTolerance ?? DEFAULT_LINE_TOLERANCE;
  const slack = options.lineSlack ?? DEFAULT_LINE_SLACK;
  const counts = found.map((f) => ({ f, text: view.tree.read(f) })).filter((x) => x.text !== undefined).map((x) => ({ f: x.f, ...lineCount(x.text!) }));
  if (counts.length === 0) return verdict(claim, 'not-verified', `${found[0]} could not be read as text`);
  const fits = counts.find((c) => within(stated, c.total, tolerance, slack));
  const rounding = roundingRoom(stated);
  const room = `within ${Math.round(tolerance * 100)}% or ${slack} lines${rounding > Math.max(slack, stated.value * tolerance) ? ` or the ${rounding * 2} it is rounded to` : ''}`;
  if (fits) return verdict(claim, 'verified', `${fits.f} has ${plural(fits.total, 'line')} (${fits.nonBlank} not blank); ${stated.text} is ${room}`, { actual: `${fits.total} lines`, evidence: { file: fits.f } });
  if (found.length > 1) return verdict(claim, 'not-verified', `${found.length} files end with ${written} and none has ${stated.text} lines ${room} (${counts.map((c) => `${c.f}: ${c.total}`).join(', ')})`);
  const c = counts[0]!;
  // A count given for a file the summary's commit modified (it existed before) may be the size of the change.
  if (view.commit && view.commit.changed.get(c.f) !== 'A' && view.commit.parent?.has(c.f) && view.commit.changed.has(c.f)) {
    return verdict(claim, 'not-verified', `${c.f} has ${plural(c.total, 'line')}, not ${stated.text}; commit ${view.commit.id.slice(0, 7)} modified it (it existed before), so ${stated.text} may be the size of the change`, { actual: `${c.total} lines`, evidence: { file: c.f } });
  }
  return verdict(claim, 'refuted', `${c.f} has ${plural(c.total, 'line')} (${c.nonBlank} not blank), not ${stated.text} ${room}`, { actual: `${c.total} lines`, evidence: { file: c.f } });
}

/** The test counts a file stands for: its integration target when it is one, else the file's own count. */
function fileCount(view: RepositoryView, file: string): Count | undefined {
  const target = view.inventory.targets.find((t) => t.kind === 'integration' && t.files[0] === file);
  return target?.count ?? view.inventory.files.get(file);
}

function checkTests(claim: RepoClaim, view: RepositoryView): CheckedClaim {
  const stated = claim.stated!;
  const inv = view.inventory;
  if (inv.targets.length === 0 && inv.files.size === 0) return verdict(claim, 'not-verified', `no tests were found in ${view.tree.label} by reading (Rust #[test], pytest test_*, vitest/jest it/test, Go Test*): the tests may be in a language or layout rubricate does not count`);
  if (claim.kind === 'test-total') return checkTotal(claim, view, stated);
  const target = claim.target;
  if (target && 'path' in target) {
    const found = resolvePath(view, target.path);
    if (found.length !== 1) return verdict(claim, found.length === 0 ? 'not-verified' : 'not-verified', found.length === 0 ? `the tests of ${target.path} cannot be counted: ${missing(view, target.path)}` : `${found.length} files end with ${target.path}`);
    let file = found[0]!;
    let count = fileCount(view, file);
    // "`date_ranges.py` | 41 tests": a source file's tests are in the one test file named after it.
    if (!count && !looksLikeTestFile(file)) {
      const tests = testFileFor(view, file);
      if (tests) {
        file = tests;
        count = fileCount(view, tests);
      }
    }
    if (!count) return verdict(claim, 'not-verified', `no test of a known framework was found in ${file}; it may hold tests rubricate does not count`, { evidence: { file } });
    if (claim.kind === 'test-new') return checkNew(claim, view, file, count);
    return compare(claim, count, `${file} has`, { file });
  }
  if (target && 'label' in target) {
    const match = labelTarget(inv, target.label);
    if (!match) return verdict(claim, 'not-verified', `"${target.label}" names no test target or file rubricate can tell (targets: ${inv.targets.slice(0, 6).map((t) => t.name).join(', ')}${inv.targets.length > 6 ? ', ...' : ''})`);
    return compare(claim, match.count, `${match.name} has`, match.files[0] ? { file: match.files[0] } : undefined);
  }
  if (target && 'topic' in target) {
    const words = target.topic.map((w) => w.toLowerCase().replace(/[^a-z0-9]/g, '')).filter((w) => w.length >= 3);
    const named = [...inv.files.keys()].filter((f) => words.some((w) => path.basename(f).toLowerCase().replace(/[^a-z0-9]/g, '').includes(w)));
    // "16 new RoPE tests": a test file named so before a source file with unit tests of the same name.
    const testFiles = named.filter((f) => looksLikeTestFile(f));
    const files = testFiles.length > 0 ? testFiles : named;
    if (files.length !== 1) return verdict(claim, 'not-verified', files.length === 0 ? `no test file is named after ${target.topic.join(' ')}` : `${files.length} test files are named after ${target.topic.join(' ')} (${files.slice(0, 3).join(', ')})`);
    const count = fileCount(view, files[0]!)!;
    if (claim.kind === 'test-new') return checkNew(claim, view, files[0]!, count);
    return compare(claim, count, `${files[0]} has`, { file: files[0]! });
  }
  return verdict(claim, 'not-verified', 'the claim does not say which tests it counts');
}

/** The one test file named after a source file (test_x.py, x_test.go, x.test.ts, tests/x.rs...), if exactly one has tests. */
function testFileFor(view: RepositoryView, file: string): string | undefined {
  const base = path.basename(file);
  const stem = base.replace(/\.[^.]+$/, '');
  const ext = base.slice(stem.length);
  const names = new Set([`test_${stem}${ext}`, `${stem}_test${ext}`, `${stem}_tests${ext}`, `${stem}.test${ext}`, `${stem}.spec${ext}`]);
  const found = [...view.inventory.files.keys()].filter((f) => names.has(path.basename(f)) || (ext === '.rs' && f.endsWith(`tests/${base}`)));
  return found.length === 1 ? found[0] : undefined;
}

function compare(claim: RepoClaim, count: Count, who: string, evidence?: { file: string }): CheckedClaim {
  const stated = claim.stated!;
  const shown = describeCount(count);
  const notes = count.notes.length > 0 ? ` (${count.notes.join('; ')})` : '';
  const extra: Partial<CheckedClaim> = { actual: `${shown} tests`, ...(evidence ? { evidence } : {}) };
  const tests = shown === '1' ? 'test' : 'tests';
  if (countHolds(stated, count)) return verdict(claim, 'verified', `${who} ${shown} ${tests}${notes}`, extra);
  return verdict(claim, 'refuted', `${who} ${shown} ${tests}, not ${stated.text}${notes}`, extra);
}

function checkNew(claim: RepoClaim, view: RepositoryView, file: string, count: Count): CheckedClaim {
  const commit = view.commit;
  if (commit) {
    const status = commit.changed.get(file);
    if (status === 'A' || (status && commit.parent && !commit.parent.has(file))) return compare(claim, count, `${file} (added in commit ${commit.id.slice(0, 7)}, the summary's) has`, { file });
    if (status && commit.parent) {
      const before = commit.parent.read(file);
      const old = before === undefined ? undefined : countText(file, before);
      if (old) {
        const added: Count = { min: Math.max(0, count.min - old.max), max: count.max - old.min, written: count.written - old.written, skipped: 0, notes: [...count.notes] };
        if (count.min === count.max && old.min === old.max) added.min = added.max = count.min - old.min;
        return compare(claim, added, `${file} went from ${describeCount(old)} to ${describeCount(count)} tests in commit ${commit.id.slice(0, 7)} (the summary's), so it gained`, { file });
      }
    }
  }
  // Without the file's earlier state, its whole count bounds the new tests from above.
  const stated = claim.stated!;
  if (count.max < stated.value && stated.bound !== 'at-most') return verdict(claim, 'refuted', `${file} has ${describeCount(count)} tests in all, fewer than the ${stated.text} new ones claimed`, { actual: `${describeCount(count)} tests`, evidence: { file } });
  if (countHolds(stated, count)) return verdict(claim, 'verified', `${file} has ${describeCount(count)} tests${commit ? '' : ' (new ones not told apart: no history)'}`, { actual: `${describeCount(count)} tests`, evidence: { file } });
  return verdict(claim, 'not-verified', `${file} has ${describeCount(count)} tests; which of them are new cannot be told${view.historyNote ? ` (${view.historyNote})` : ` (commit ${commit?.id.slice(0, 7)} did not add the file)`}`, { actual: `${describeCount(count)} tests`, evidence: { file } });
}

/** A test target a breakdown label names: "lib"/"unit" → the library, "doc" → doc tests, "integration" → all integration targets, else a target or file named by its words. */
function labelTarget(inv: TestInventory, label: string): { name: string; count: Count; files: string[] } | undefined {
  const l = label.toLowerCase().replace(/_/g, ' ');
  const rust = inv.targets.filter((t) => t.language === 'rust');
  const one = (t: TestTarget) => ({ name: t.kind === 'lib' ? 'the library (lib) target' : t.name, count: t.count, files: t.files });
  if (/\bdoc(\s|-)?tests?\b|\(doc\)/.test(l)) {
    const docs = rust.filter((t) => t.kind === 'doc');
    if (docs.length === 1) return one(docs[0]!);
  }
  if (/\(lib\)|\blib(rary)?\b|^unit\b|\bunit tests?\b/.test(l)) {
    const libs = rust.filter((t) => t.kind === 'lib');
    if (libs.length === 1) return one(libs[0]!);
  }
  const words = l.replace(/\btests?\b|\(.*?\)/g, ' ').split(/[^a-z0-9_]+/).filter((w) => w.length >= 3 && !/^(the|and|for|new|all|unit|integration|suite)$/.test(w));
  if (words.length === 0) return undefined;
  const named = inv.targets.filter((t) => t.kind === 'integration' || t.kind === 'file').filter((t) => {
    const base = path.basename(t.name).replace(/\.[^.]+$/, '').toLowerCase();
    const parts = base.split(/[_.\-]+/).filter((p) => p !== 'test' && p !== 'tests' && p !== 'spec');
    // "RMSNorm tests" names rms_norm_test.rs: the words may also be the file's parts run together.
    return parts.length > 0 && (words.every((w) => parts.some((p) => p === w || p.replace(/s$/, '') === w.replace(/s$/, ''))) || words.join('') === parts.join(''));
  });
  if (named.length === 1) return one(named[0]!);
  return undefined;
}

function checkTotal(claim: RepoClaim, view: RepositoryView, stated: StatedNumber): CheckedClaim {
  const inv = view.inventory;
  // Readings of "all N tests": every language's total, all languages together, and each without doc tests or ignored tests.
  const readings: Array<{ label: string; count: Count }> = [];
  for (const t of inv.totals) {
    readings.push(t);
    if (t.language === 'rust') {
      const docs = inv.targets.filter((x) => x.kind === 'doc').reduce((a, x) => a + x.count.min, 0);
      const docMax = inv.targets.filter((x) => x.kind === 'doc').reduce((a, x) => a + x.count.max, 0);
      if (docMax > 0) readings.push({ label: `${t.label} without doc tests`, count: { ...t.count, min: t.count.min - docs, max: t.count.max - docMax } });
    }
    if (t.count.skipped > 0) readings.push({ label: `${t.label} not ignored`, count: { ...t.count, min: Math.max(0, t.count.min - t.count.skipped), max: t.count.max - t.count.skipped } });
  }
  const main = inv.totals[inv.totals.length - 1]!;
  if (claim.subject === 'passing' && stated.bound === 'exact') {
    // The summary reports failing or skipped tests: the passes of a run are at most the tests there are.
    if (readings.some((r) => countHolds(stated, r.count))) return verdict(claim, 'verified', `the repository has ${describeCount(readings.find((r) => countHolds(stated, r.count))!.count)} tests`, { actual: `${describeCount(main.count)} tests` });
    if (readings.some((r) => r.count.max >= stated.value)) return verdict(claim, 'not-verified', `the repository has ${describeCount(main.count)} ${main.label}; the summary reports failing or skipped tests, so how many of them passed is told only by a run`, { actual: `${describeCount(main.count)} tests` });
    return verdict(claim, 'refuted', `the repository has ${describeCount(main.count)} ${main.label}, fewer than the ${stated.text} said to pass`, { actual: `${describeCount(main.count)} tests` });
  }
  const fit = readings.find((r) => countHolds(stated, r.count));
  if (fit) return verdict(claim, 'verified', `the repository has ${describeCount(fit.count)} ${fit.label}`, { actual: `${describeCount(fit.count)} tests` });
  if (inv.notes.length > 0 && main.count.max === Infinity) return verdict(claim, 'not-verified', `the repository has ${describeCount(main.count)} ${main.label}; ${inv.notes[0]}`);
  const list = readings.slice(0, 4).map((r) => `${describeCount(r.count)} ${r.label}`).join(', ');
  return verdict(claim, 'refuted', `the repository has ${list}, not ${stated.text} tests${main.count.notes.length > 0 ? ` (${main.count.notes.join('; ')})` : ''}`, { actual: `${describeCount(main.count)} tests` });
}

function checkRun(claim: RepoClaim, run: RunEvidence | undefined, what: 'tests' | 'lint'): CheckedClaim {
  if (!run) return verdict(claim, 'not-verified', what === 'tests' ? 'whether the tests pass is decided only by running them: use --run-tests (runs the project\'s test runner inside the sandbox, with a time limit)' : `a ${claim.subject ?? 'lint'} result is decided only by running the tool: use --run-tests (runs it inside the sandbox, with a time limit)`);
  if (what === 'tests') {
    if (!run.tests) return verdict(claim, 'not-verified', `the tests were not run: ${run.notes.join('; ') || 'no runner for this project'}`);
    return verdict(claim, run.tests.ok ? 'verified' : 'refuted', `the sandboxed test run ${run.tests.ok ? 'passed' : 'failed'}: ${run.tests.detail}`, { actual: run.tests.ok ? 'passed' : 'failed' });
  }
  const tool = claim.subject && run.lint?.[claim.subject] ? claim.subject : Object.keys(run.lint ?? {}).length === 1 && /warnings|lint|compiler|build|rustc/.test(claim.subject ?? '') ? Object.keys(run.lint!)[0]! : undefined;
  const result = tool ? run.lint![tool] : undefined;
  if (!result) return verdict(claim, 'not-verified', `${claim.subject ?? 'the linter'} was not run: ${run.notes.join('; ') || 'no such tool for this project'}`);
  return verdict(claim, result.ok ? 'verified' : 'refuted', `${tool} in the sandbox: ${result.detail}`, { actual: result.ok ? 'clean' : 'warnings' });
}
