import type { Location } from './types.js';

/**
 * Errors that end a command with exit code 2 and a one-line message:
 * the user asked for something impossible (usage) or the configuration is
 * wrong (a rubric, an interpreter, a curriculum manifest). Learner input
 * never raises these: it becomes findings.
 */
export class RubricateError extends Error {
  readonly exitCode = 2;
  constructor(
    message: string,
    readonly location?: Location,
    /** Further located problems (every schema violation of a rubric, say). */
    readonly problems: Array<{ message: string; location?: Location }> = [],
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The command line is wrong: unknown option, missing argument, unknown format. */
export class UsageError extends RubricateError {}

/** A rubric, interpreter or other configuration problem. */
export class ConfigError extends RubricateError {}

/** Formats a location as `file:line:column` (parts that are unknown are left out). */
export function formatLocation(location: Location | undefined): string {
  if (!location) return '';
  let out = location.file;
  if (location.line !== undefined) {
    out += `:${location.line}`;
    if (location.column !== undefined) out += `:${location.column}`;
  }
  return out;
}
