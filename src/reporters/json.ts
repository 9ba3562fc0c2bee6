import type { Reporter } from './types.js';

/**
 * The JSON report (schemas/report.schema.json): one object for one report,
 * an array for several. Stable key order, two-space indent, trailing newline.
 */
export const jsonReporter: Reporter = (reports) => {
  const value = reports.length === 1 ? reports[0] : reports;
  return JSON.stringify(value, null, 2) + '\n';
};
