import { githubReporter } from './github.js';
import { gradescopeReporter } from './gradescope.js';
import { jsonReporter } from './json.js';
import { junitReporter } from './junit.js';
import { markdownReporter } from './markdown.js';
import { sarifReporter } from './sarif.js';
import { terminalReporter } from './terminal.js';
import type { Reporter } from './types.js';

export type { Reporter, ReporterOptions } from './types.js';

/** Every output format, by the name `--format` takes. */
export const reporters: Record<string, Reporter> = {
  terminal: terminalReporter,
  json: jsonReporter,
  markdown: markdownReporter,
  junit: junitReporter,
  gradescope: gradescopeReporter,
  github: githubReporter,
  sarif: sarifReporter,
};

export function reporterNames(): string[] {
  return Object.keys(reporters);
}
