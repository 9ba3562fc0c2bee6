import type { CheckResult, Detail, Report } from '../core/types.js';

export interface ReporterOptions {
  /** Use ANSI colours (terminal reporter only). */
  color?: boolean;
  /** `learner` leaves out instructor-only checks and internal data. */
  audience?: 'learner' | 'instructor';
  /** Print every check, not only those that need attention (terminal reporter). */
  verbose?: boolean;
  /** Wrap lines to this many columns (terminal reporter; the CLI passes the terminal's width). */
  width?: number;
}

/** A reporter is a pure function from reports to text; only the CLI writes. */
export type Reporter = (reports: readonly Report[], options?: ReporterOptions) => string;

/** The checks a given audience may see. */
export function visibleChecks(report: Report, audience: ReporterOptions['audience'] = 'instructor') {
  return audience === 'learner' ? report.checks.filter((c) => c.visibility !== 'instructor') : report.checks;
}

export function percent(score: number, max: number): string {
  return max === 0 ? '100%' : `${Math.round((100 * score) / max)}%`;
}

export { fmtPoints } from '../core/scoring.js';

/**
 * The notes of a passing check worth showing without --verbose (`Detail.note`),
 * each kind of note once per report: notes that differ only in their figures
 * (the same precision note on seven checks) are shown on the first check only.
 */
export function notesOf(checks: readonly CheckResult[]): Map<string, Detail[]> {
  const seen = new Set<string>();
  const out = new Map<string, Detail[]>();
  for (const check of checks) {
    if (check.status !== 'pass') continue;
    for (const detail of check.details ?? []) {
      if (!detail.note) continue;
      const shape = detail.message.replace(/[-+]?\d[\d.e+-]*/gi, '#');
      if (seen.has(shape)) continue;
      seen.add(shape);
      out.set(check.id, [...(out.get(check.id) ?? []), detail]);
    }
  }
  return out;
}
