/**
 * pytest tests counted statically, as pytest collects them by default:
 * in files named `test_*.py` or `*_test.py`, functions whose name starts with
 * `test` at module level, and methods starting with `test` of classes named
 * `Test*` without an `__init__` (nested `Test*` classes too) or of
 * `unittest.TestCase` subclasses; a test class deriving from another test
 * class of the same file inherits its tests.
 *
 * The source is read with a careful line scanner (strings, triple-quoted
 * strings, comments, brackets and line continuations skipped), not executed.
 * `@pytest.mark.parametrize`, `pytest_generate_tests` and a base class from
 * another file make the count a lower bound; a definition under an
 * `if`/`try` at module level may not exist (an upper bound). Skip marks are
 * counted as skipped. A pytest configuration that renames what is collected
 * (`python_files`, `python_functions`, `python_classes`) is said, and makes
 * totals uncertain.
 */
import { parse as parseToml } from 'smol-toml';
import type { Count } from './count.js';

interface Scope {
  indent: number;
  kind: 'class' | 'def' | 'block';
  name: string;
  /** For classes: collectable test class. */
  collect?: boolean;
  bases?: string[];
  hasInit?: boolean;
  tests?: number;
  parametrized?: number;
  skipped?: number;
  conditional?: boolean;
}

/** Logical lines of Python source (continuations joined), with their indentation; strings and comments blanked. */
export function logicalLines(source: string): Array<{ indent: number; text: string }> {
  const out: Array<{ indent: number; text: string }> = [];
  let current = '';
  let indent = -1;
  let depth = 0;
  let quote: string | undefined;
  let i = 0;
  let atLineStart = true;
  let lineIndent = 0;
  while (i < source.length) {
    const ch = source[i]!;
    if (quote) {
      if (ch === '\\') {
        i += 2;
        continue;
      }
      if (source.startsWith(quote, i)) {
        current += quote;
        i += quote.length;
        quote = undefined;
        continue;
      }
      if (ch === '\n' && quote.length === 1) quote = undefined; // unterminated single-quoted string
      i++;
      continue;
    }
    if (atLineStart) {
      lineIndent = 0;
      while (source[i] === ' ' || source[i] === '\t') {
        lineIndent += source[i] === '\t' ? 8 - (lineIndent % 8) : 1;
        i++;
      }
      atLineStart = false;
      if (indent < 0 && source[i] !== '\n' && source[i] !== '#' && source[i] !== '\r' && i < source.length) indent = lineIndent;
      continue;
    }
    if (ch === '#') {
      while (i < source.length && source[i] !== '\n') i++;
      continue;
    }
    if (ch === '"' || ch === "'") {
      const triple = source.startsWith(ch.repeat(3), i) ? ch.repeat(3) : ch;
      quote = triple;
      current += triple;
      i += triple.length;
      continue;
    }
    if (ch === '\\' && source[i + 1] === '\n') {
      i += 2;
      current += ' ';
      continue;
    }
    if ('([{'.includes(ch)) depth++;
    else if (')]}'.includes(ch)) depth = Math.max(0, depth - 1);
    if (ch === '\n') {
      if (depth === 0) {
        if (current.trim() && indent >= 0) out.push({ indent, text: current.trim() });
        current = '';
        indent = -1;
      } else current += ' ';
      atLineStart = true;
      i++;
      continue;
    }
    current += ch;
    i++;
  }
  if (current.trim() && indent >= 0) out.push({ indent, text: current.trim() });
  return out;
}

/** Counts the pytest tests of one test file's source. */
export function countPythonFile(source: string, names: PytestNames = PYTEST_DEFAULTS): Count {
  const lines = logicalLines(source);
  const stack: Scope[] = [];
  const classes = new Map<string, Scope>();
  let decorators: string[] = [];
  let total = 0;
  let parametrized = 0;
  let skipped = 0;
  let conditional = 0;
  let inheritedUnknown = false;
  const generator = /\bdef\s+pytest_generate_tests\b/.test(source);
  const finish = (scope: Scope) => {
    if (scope.kind !== 'class') return;
    const collect = scope.collect && !scope.hasInit;
    if (!collect) return;
    let tests = scope.tests ?? 0;
    let par = scope.parametrized ?? 0;
    let skip = scope.skipped ?? 0;
    for (const base of scope.bases ?? []) {
      const known = classes.get(base);
      if (known) {
        tests += known.tests ?? 0;
        par += known.parametrized ?? 0;
        skip += known.skipped ?? 0;
      } else if (!/^(object|unittest\.TestCase|TestCase|IsolatedAsyncioTestCase|unittest\.IsolatedAsyncioTestCase|ABC|abc\.ABC)$/.test(base) && /^Test|TestCase$|Tests?$/.test(base)) {
        inheritedUnknown = true;
      }
    }
    total += tests;
    parametrized += par;
    skipped += skip;
    if (scope.conditional) conditional += tests;
  };
  for (const { indent, text } of lines) {
    while (stack.length > 0 && indent <= stack[stack.length - 1]!.indent) finish(stack.pop()!);
    if (text.startsWith('@')) {
      decorators.push(text);
      continue;
    }
    const parent = stack[stack.length - 1];
    const cls = /^class\s+([A-Za-z_]\w*)\s*(?:\(([^)]*)\))?\s*:/.exec(text);
    const def = /^(?:async\s+)?def\s+([A-Za-z_]\w*)\s*\(/.exec(text);
    const marks = decorators.join(' ');
    decorators = [];
    const isParam = /\bparametrize\s*\(/.test(marks);
    const isSkip = /\bmark\s*\.\s*(skip|skipif|xfail)\b|\bunittest\s*\.\s*skip|@skip\b/.test(marks);
    if (cls) {
      const name = cls[1]!;
      const bases = (cls[2] ?? '').split(',').map((b) => b.trim().replace(/\s*=.*$/, '')).filter(Boolean);
      const testCase = bases.some((b) => /TestCase$/.test(b));
      const inTest = parent === undefined || (parent.kind === 'class' && parent.collect === true);
      const inherits = bases.some((b) => classes.get(b)?.collect);
      const scope: Scope = { indent, kind: 'class', name, collect: inTest && (nameMatches(name, names.classes) || testCase || inherits), bases, tests: 0, parametrized: 0, skipped: 0, conditional: stack.some((s) => s.kind === 'block') };
      if (isSkip) scope.skipped = -1; // marks the whole class
      stack.push(scope);
      classes.set(name, scope);
      continue;
    }
    if (def) {
      const name = def[1]!;
      if (parent === undefined && nameMatches(name, names.functions)) {
        total++;
        if (isParam) parametrized++;
        if (isSkip) skipped++;
      } else if (parent?.kind === 'class') {
        if (name === '__init__') parent.hasInit = true;
        if (nameMatches(name, names.functions)) {
          parent.tests = (parent.tests ?? 0) + 1;
          if (isParam) parent.parametrized = (parent.parametrized ?? 0) + 1;
          if (isSkip || parent.skipped === -1) parent.skipped = Math.max(0, parent.skipped ?? 0) + 1;
        }
      } else if (parent?.kind === 'block' && stack.every((s) => s.kind === 'block') && nameMatches(name, names.functions)) {
        total++;
        conditional++;
      }
      stack.push({ indent, kind: 'def', name });
      continue;
    }
    if (/^(if|elif|else|try|except|finally|with|for|while|async\s+with|async\s+for)\b.*:$/.test(text) && (parent === undefined || parent.kind === 'block')) {
      stack.push({ indent, kind: 'block', name: text.split(/\s/)[0]! });
    }
  }
  while (stack.length > 0) finish(stack.pop()!);
  const notes: string[] = [];
  let min = total;
  let max = total;
  if (parametrized > 0 || generator || inheritedUnknown) {
    max = Infinity;
    notes.push(parametrized > 0 ? `${parametrized} parametrized test${parametrized === 1 ? '' : 's'} (each runs once per parameter set)` : generator ? 'pytest_generate_tests makes tests' : 'test classes inherit tests from another file');
  }
  if (conditional > 0) {
    min = total - conditional;
    notes.push(`${conditional} test${conditional === 1 ? '' : 's'} defined under a condition`);
  }
  return { min, max, written: total, skipped, notes };
}

/** What pytest collects: file name globs, function and class name patterns (a glob, or a prefix without one). */
export interface PytestNames {
  files: string[];
  functions: string[];
  classes: string[];
  /** Folders collection starts from (`testpaths`), relative to the repository root. */
  testpaths?: string[];
  /** Where these came from ("pyproject.toml"), when not pytest's defaults. */
  source?: string;
}

export const PYTEST_DEFAULTS: PytestNames = { files: ['test_*.py', '*_test.py'], functions: ['test'], classes: ['Test'] };

/** fnmatch-style glob (`*`, `?`, `[...]`) or, without wildcards, a prefix. */
export function nameMatches(name: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => {
    if (!/[*?[]/.test(p)) return name.startsWith(p);
    const re = p.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
    return new RegExp(`^${re}$`).test(name);
  });
}

export function isPytestFile(rel: string, names: PytestNames = PYTEST_DEFAULTS): boolean {
  return nameMatches(rel.slice(rel.lastIndexOf('/') + 1), names.files) && rel.endsWith('.py');
}

/** Folders pytest does not recurse into by default. */
export function pytestSkipsFolder(rel: string): boolean {
  return rel.split('/').slice(0, -1).some((seg) => seg.startsWith('.') || /^(build|dist|venv|env|node_modules|site-packages|__pycache__|CVS|_darcs|\{arch\})$/.test(seg) || seg.endsWith('.egg') || seg.endsWith('.egg-info'));
}

/** The collection settings of the first pytest configuration found (pytest.ini, pyproject.toml, tox.ini, setup.cfg, in pytest's order). */
export function pytestConfig(files: Array<{ path: string; text: string }>): PytestNames {
  const order = ['pytest.ini', 'pyproject.toml', 'tox.ini', 'setup.cfg'];
  for (const name of order) {
    const file = files.find((f) => f.path === name);
    if (!file) continue;
    let values: Record<string, unknown> | undefined;
    if (name === 'pyproject.toml') {
      try {
        values = ((parseToml(file.text) as Record<string, any>).tool?.pytest?.ini_options as Record<string, unknown> | undefined) ?? undefined;
      } catch {
        values = undefined;
      }
    } else {
      const header = name === 'setup.cfg' ? 'tool:pytest' : 'pytest';
      values = iniSection(file.text, header);
    }
    if (!values) continue;
    const list = (v: unknown): string[] | undefined => (v === undefined ? undefined : Array.isArray(v) ? v.map(String) : String(v).split(/\s+/).filter(Boolean));
    const out: PytestNames = {
      files: list(values.python_files) ?? PYTEST_DEFAULTS.files,
      functions: list(values.python_functions) ?? PYTEST_DEFAULTS.functions,
      classes: list(values.python_classes) ?? PYTEST_DEFAULTS.classes,
      source: name,
    };
    const tp = list(values.testpaths);
    if (tp) out.testpaths = tp.map((p) => p.replace(/^\.\//, '').replace(/\/$/, ''));
    return out;
  }
  return PYTEST_DEFAULTS;
}

/** The keys of one `[section]` of an ini file (continuation lines joined). */
function iniSection(text: string, header: string): Record<string, string> | undefined {
  let inside = false;
  let found = false;
  let key: string | undefined;
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const h = /^\s*\[([^\]]+)\]\s*$/.exec(raw);
    if (h) {
      inside = h[1]!.trim() === header;
      found ||= inside;
      key = undefined;
      continue;
    }
    if (!inside || /^\s*[#;]/.test(raw)) continue;
    const kv = /^([A-Za-z_][\w-]*)\s*[=:]\s*(.*)$/.exec(raw);
    if (kv) {
      key = kv[1]!;
      out[key] = kv[2]!.trim();
    } else if (key && /^\s+\S/.test(raw)) out[key] += ` ${raw.trim()}`;
  }
  return found ? out : undefined;
}
