/**
 * Which runner serves a learner module, by its file name: `.ts`, `.mts`,
 * `.cts`, `.js`, `.mjs` and `.cjs` run in the Node harness, a Rust crate
 * (`src/lib.rs`, any `.rs` file or `Cargo.toml`) is built against the Rust
 * harness, everything else is Python.
 */
import type { Rubric } from '../core/types.js';
import type { LearnerSession, SessionOptions } from './types.js';

export type RunnerLanguage = 'python' | 'node' | 'rust';

export type SessionOpener = (options: SessionOptions) => Promise<LearnerSession>;

export function languageOf(module: string): RunnerLanguage {
  if (/\.(ts|mts|cts|js|mjs|cjs)$/.test(module)) return 'node';
  if (/\.rs$|(^|\/)Cargo\.toml$/.test(module)) return 'rust';
  return 'python';
}

/**
 * The languages the rubric's checks run in a sandbox: those of their learner
 * modules (`module` option), and Python when a check parses Python files
 * (`files` patterns ending in .py: Python's own parser runs in the sandbox).
 */
export function codeLanguages(rubric: Rubric): Set<RunnerLanguage> {
  const languages = new Set<RunnerLanguage>();
  for (const criterion of rubric.criteria) {
    const options = criterion.options as { module?: unknown; files?: unknown } | undefined;
    const modules = options?.module;
    if (Array.isArray(modules)) for (const module of modules) if (typeof module === 'string') languages.add(languageOf(module));
    if (Array.isArray(options?.files) && options.files.some((f) => typeof f === 'string' && f.endsWith('.py'))) languages.add('python');
  }
  return languages;
}

/** Whether a criterion of the rubric runs a Python module. */
export function runsPython(rubric: Rubric): boolean {
  return codeLanguages(rubric).has('python');
}

/** The plain (not pooled) session opener for a module's language; runners are imported on first use. */
export async function openerFor(module: string): Promise<SessionOpener> {
  switch (languageOf(module)) {
    case 'node':
      return (await import('./node/index.js')).openNodeSession;
    case 'rust': {
      const rust = await import('./rust/index.js');
      return (options) => rust.openRustSession(options);
    }
    default:
      return (await import('./session.js')).openPythonSession;
  }
}
