import { isAbsolute, relative } from 'node:path';
import { printable, stamp } from '../core/engine.js';
import { scoreChecks } from '../core/scoring.js';
import { toolVersion } from '../core/paths.js';
import { REPORT_SCHEMA_VERSION, type Report, type Rubric } from '../core/types.js';

/**
 * The report of a submission that could not be graded at all (its folder is
 * missing or unreadable, grading crashed or overran the batch's time limit):
 * every criterion is an `error` with the reason, so the gradebook keeps one
 * row per submission with the same columns.
 */
export function errorReport(rubric: Rubric, submission: { name: string; abs: string }, message: string, durationMs = 0): Report {
  const checks = rubric.criteria.map((criterion) => stamp(criterion, { status: 'error', message }));
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: 'rubricate', version: toolVersion() },
    rubric: { id: rubric.id, title: rubric.title, version: rubric.version },
    submission: { name: submission.name, path: printable(displayPath(submission.abs)) },
    ...scoreChecks(rubric, checks),
    checks,
    notices: [{ level: 'error', message: printable(message) }],
    durationMs: Math.round(durationMs),
  };
}

export function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return (rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path).split('\\').join('/') || '.';
}
