/**
 * The tests of a repository, counted statically per language and per target
 * (a Cargo target, a test file), from a `SourceTree`: the working tree read
 * through the safe listing, or a commit's tree read through safe git.
 */
import { countGoFile, isGoTestFile } from './go.js';
import { countJsFile, isJsTestFile, jsConfigNarrows } from './javascript.js';
import { countPythonFile, isPytestFile, pytestConfig, pytestSkipsFolder } from './python.js';
import { rustTargets } from './rust.js';
import { addCounts, type Count, type TestLanguage } from './count.js';

/** Files of one state of the repository. Reads are synchronous: a tree holds (or has loaded) the text of the files counting needs. */
export interface SourceTree {
  /** "the working tree", "commit 41f6872". */
  readonly label: string;
  /** Every file, relative, sorted. */
  files(): string[];
  has(rel: string): boolean;
  /** The file's text, or undefined (missing, unreadable, binary, over the cap). */
  read(rel: string): string | undefined;
}

export interface TestTarget {
  language: TestLanguage;
  /** Cargo package folder ('.' for the root), for Rust. */
  package?: string;
  /** "lib", "bin llm", "doc tests", or the file of an integration target or test file. */
  name: string;
  kind: 'lib' | 'bin' | 'integration' | 'doc' | 'file';
  files: string[];
  count: Count;
}

export interface TestInventory {
  targets: TestTarget[];
  /** Per file counts (every file with tests). */
  files: Map<string, Count>;
  /** Totals a summary may mean: per language (and per Cargo package) and all together. */
  totals: Array<{ label: string; count: Count; language?: TestLanguage }>;
  /** What limits the counts: configurations, unreadable manifests. */
  notes: string[];
}

/** Counts the tests of the tree (see the module comment). */
export async function testInventory(tree: SourceTree): Promise<TestInventory> {
  const targets: TestTarget[] = [];
  const files = new Map<string, Count>();
  const notes: string[] = [];
  const all = tree.files();

  const rust = rustTargets(tree);
  targets.push(...rust.targets);
  for (const [f, c] of rust.files) files.set(f, c);
  notes.push(...rust.notes);

  const configs = all.filter((f) => /^(pytest\.ini|pyproject\.toml|setup\.cfg|tox\.ini)$/.test(f)).map((f) => ({ path: f, text: tree.read(f) ?? '' }));
  const pyConfig = pytestConfig(configs);
  if (pyConfig.source) notes.push(`pytest collects as ${pyConfig.source} says: files ${pyConfig.files.join(' ')}, functions ${pyConfig.functions.join(' ')}, classes ${pyConfig.classes.join(' ')}${pyConfig.testpaths ? `, under ${pyConfig.testpaths.join(' ')}` : ''}`);
  for (const f of all) {
    if (!isPytestFile(f, pyConfig) || pytestSkipsFolder(f)) continue;
    const text = tree.read(f);
    if (text === undefined) continue;
    const count = countPythonFile(text, pyConfig);
    if (count.written === 0 && count.max === 0) continue;
    const outside = pyConfig.testpaths && !pyConfig.testpaths.some((p) => f === p || f.startsWith(p.replace(/\/$/, '') + '/'));
    files.set(f, count);
    if (!outside) targets.push({ language: 'python', name: f, kind: 'file', files: [f], count });
  }
  const conftests = all.filter((f) => f.endsWith('conftest.py') && /\bdef\s+pytest_generate_tests\b/.test(tree.read(f) ?? ''));
  if (conftests.length > 0) notes.push(`${conftests[0]} generates tests (pytest_generate_tests): Python totals are lower bounds`);

  for (const f of all) {
    if (!isJsTestFile(f)) continue;
    const text = tree.read(f);
    if (text === undefined) continue;
    const count = await countJsFile(f, text);
    if (count.written === 0 && count.max === 0) continue;
    files.set(f, count);
    targets.push({ language: 'javascript', name: f, kind: 'file', files: [f], count });
  }
  const jsConfigs = all.filter((f) => /(^|\/)((jest|vitest|vite)\.config\.[cm]?[jt]s|package\.json)$/.test(f) && !f.includes('node_modules')).map((f) => ({ path: f, text: tree.read(f) ?? '' }));
  const narrows = jsConfigNarrows(jsConfigs);

  for (const f of all) {
    if (!isGoTestFile(f)) continue;
    const text = tree.read(f);
    if (text === undefined) continue;
    const count = countGoFile(text);
    if (count.written === 0) continue;
    files.set(f, count);
    targets.push({ language: 'go', name: f, kind: 'file', files: [f], count });
  }

  const totals: TestInventory['totals'] = [];
  const languages = [...new Set(targets.map((t) => t.language))];
  for (const language of languages) {
    const mine = targets.filter((t) => t.language === language);
    const count = addCounts(mine.map((t) => t.count));
    if (language === 'javascript' && narrows) {
      count.min = 0;
      count.notes.push(`${narrows} may narrow the test files`);
    }
    if (language === 'python' && conftests.length > 0) count.max = Infinity;
    totals.push({ label: `${language} tests`, count, language });
    if (language === 'rust') {
      const packages = [...new Set(mine.map((t) => t.package ?? '.'))];
      if (packages.length > 1) {
        for (const pkg of packages) totals.push({ label: `rust tests of package ${pkg}`, count: addCounts(mine.filter((t) => (t.package ?? '.') === pkg).map((t) => t.count)), language });
      }
    }
  }
  if (languages.length > 1) totals.push({ label: 'tests in all languages', count: addCounts(totals.filter((t) => !t.label.startsWith('rust tests of package')).map((t) => t.count)) });
  return { targets, files, totals, notes };
}
