import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ensureDir, reasonOf, writeAtomic } from '../core/dirs.js';
import { ConfigError, UsageError } from '../core/errors.js';
import type { Reporter } from '../reporters/index.js';

/** Writes text to a file atomically (write a sibling, then rename), or to stdout. */
export async function emit(text: string, file?: string): Promise<void> {
  if (!file || file === '-') {
    process.stdout.write(text.endsWith('\n') ? text : text + '\n');
    return;
  }
  const target = await prepareOutput(file);
  await writeAtomic(target!, text).catch((error: unknown) => {
    throw new ConfigError(`cannot write ${file} (${reasonOf(error)})`);
  });
}

/**
 * Checks, before any work is done, that `-o FILE` can be written: its folder
 * exists or can be made, and FILE is not a folder. A configuration error
 * (exit 2) otherwise. Returns the absolute path (undefined for stdout).
 */
export async function prepareOutput(file?: string): Promise<string | undefined> {
  if (!file || file === '-') return undefined;
  const target = resolve(file);
  await ensureDir(dirname(target)).catch((error: unknown) => {
    throw new ConfigError(`cannot write ${file}: cannot create ${dirname(target)} (${reasonOf(error)})`);
  });
  if ((await stat(target).catch(() => undefined))?.isDirectory()) {
    throw new ConfigError(`cannot write ${file}: it is a folder; name a file to write the report to`);
  }
  return target;
}

/**
 * Colour on a TTY unless NO_COLOR is set or TERM is `dumb`, never into a
 * file; FORCE_COLOR forces it, and FORCE_COLOR=0 (or false) turns it off, as
 * in Node and chalk.
 */
export function useColor(file?: string): boolean {
  if (file && file !== '-') return false;
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  const force = process.env.FORCE_COLOR;
  if (force === '0' || force === 'false') return false;
  if (force !== undefined) return true;
  if (process.env.TERM === 'dumb') return false;
  return Boolean(process.stdout.isTTY);
}

/**
 * The width to wrap terminal reports to: the terminal's columns on a TTY,
 * else `COLUMNS` when set (a file or pipe otherwise keeps long lines whole).
 */
export function terminalWidth(file?: string): number | undefined {
  if (file && file !== '-') return undefined;
  const columns = process.stdout.isTTY ? process.stdout.columns : Number(process.env.COLUMNS);
  return Number.isInteger(columns) && columns >= 40 ? columns : undefined;
}

/**
 * The one reporter module each format needs: loading every reporter (the
 * terminal one with chalk and wrap-ansi, JUnit with xmlbuilder2) cost about
 * 150 ms of CPU at the end of a `--format json` run.
 */
const REPORTER_MODULES: Record<string, () => Promise<Reporter>> = {
  terminal: async () => (await import('../reporters/terminal.js')).terminalReporter,
  json: async () => (await import('../reporters/json.js')).jsonReporter,
  markdown: async () => (await import('../reporters/markdown.js')).markdownReporter,
  junit: async () => (await import('../reporters/junit.js')).junitReporter,
  gradescope: async () => (await import('../reporters/gradescope.js')).gradescopeReporter,
  github: async () => (await import('../reporters/github.js')).githubReporter,
  sarif: async () => (await import('../reporters/sarif.js')).sarifReporter,
};

/** The reporter for a format (the reporters are loaded on first use, only the one asked for: `--help` does not pay for them). */
export async function reporterFor(format: string, allowed?: readonly string[]): Promise<Reporter> {
  const load = Object.hasOwn(REPORTER_MODULES, format) ? REPORTER_MODULES[format] : undefined;
  if (load && allowed?.includes(format)) return load();
  const { reporterNames, reporters } = await import('../reporters/index.js');
  allowed ??= reporterNames();
  const reporter = Object.hasOwn(reporters, format) ? reporters[format] : undefined;
  if (!reporter || !allowed.includes(format)) {
    throw new UsageError(`unknown format '${format}', expected one of ${allowed.join(', ')}`);
  }
  return reporter;
}
