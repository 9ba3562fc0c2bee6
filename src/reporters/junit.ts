import { create } from 'xmlbuilder2';
import { formatLocation } from '../core/errors.js';
import { notPassedReasons } from '../core/scoring.js';
import type { CheckResult, Report } from '../core/types.js';
import { visibleChecks, type Reporter } from './types.js';

/**
 * JUnit XML, the format CI servers show as test results: one `<testsuite>`
 * per submission, one `<testcase>` per check. `fail` becomes `<failure>`,
 * `error` becomes `<error>`, `skip` becomes `<skipped>`; a warning passes and
 * carries its message in `<system-out>`. Learner-derived text is escaped by
 * xmlbuilder2 and characters XML 1.0 forbids are replaced.
 */
export const junitReporter: Reporter = (reports, options = {}) => {
  const totals = { tests: 0, failures: 0, errors: 0, skipped: 0, time: 0 };
  const suites = reports.map((report) => {
    const checks = visibleChecks(report, options.audience);
    totals.tests += checks.length;
    totals.failures += checks.filter((c) => c.status === 'fail').length;
    totals.errors += checks.filter((c) => c.status === 'error').length;
    totals.skipped += checks.filter((c) => c.status === 'skip').length;
    totals.time += (report.durationMs ?? 0) / 1000;
    return junitSuite(report, options.audience);
  });
  return junitDocument(suites, totals);
};

export interface JunitTotals {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
  time: number;
}

/** The XML document around suite fragments (as returned by `junitSuite`). */
export function junitDocument(suites: readonly string[], totals: JunitTotals): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<testsuites name="rubricate" tests="${totals.tests}" failures="${totals.failures}" errors="${totals.errors}" ` +
    `skipped="${totals.skipped}" time="${seconds(totals.time * 1000)}">\n` +
    suites.join('') +
    '</testsuites>\n'
  );
}

/** One `<testsuite>` element (no XML declaration), indented by two spaces, ending with a newline. */
export function junitSuite(report: Report, audience?: 'learner' | 'instructor'): string {
  const checks = visibleChecks(report, audience);
  const doc = create({ invalidCharReplacement: '\uFFFD' });
  const suite = doc.ele('testsuite', {
    name: clean(report.submission.name),
    tests: String(checks.length),
    failures: String(checks.filter((c) => c.status === 'fail').length),
    errors: String(checks.filter((c) => c.status === 'error').length),
    skipped: String(checks.filter((c) => c.status === 'skip').length),
    time: seconds(report.durationMs ?? 0),
  });
  const props = suite.ele('properties');
  props.ele('property', { name: 'rubric', value: `${report.rubric.id} v${report.rubric.version}` });
  props.ele('property', { name: 'score', value: `${report.score}/${report.maxScore}` });
  props.ele('property', { name: 'passed', value: String(report.passed) });
  const reasons = notPassedReasons(report);
  if (reasons.length > 0) props.ele('property', { name: 'notPassed', value: clean(reasons.join('; ')) });
  for (const check of checks) {
    const testcase = suite.ele('testcase', {
      name: clean(check.title),
      classname: clean(`${report.rubric.id}.${check.dimension}.${check.id}`),
      time: seconds(check.durationMs ?? 0),
    });
    if (check.location) testcase.att('file', clean(check.location.file));
    if (check.location?.line !== undefined) testcase.att('line', String(check.location.line));
    const body = describe(check);
    const message = clean(`${check.required ? 'required: ' : ''}${check.message}`);
    if (check.status === 'fail') testcase.ele('failure', { message, type: check.kind }).txt(clean(body));
    else if (check.status === 'error') testcase.ele('error', { message, type: check.kind }).txt(clean(body));
    else if (check.status === 'skip') testcase.ele('skipped', { message });
    else if (check.status === 'warn') testcase.ele('system-out').txt(clean(`warning: ${body}`));
  }
  const xml = suite.end({ prettyPrint: true, headless: true });
  return xml.replace(/^/gm, '  ') + '\n';
}

function describe(check: CheckResult): string {
  const lines = [`${check.points}/${check.maxPoints} points${check.required ? ', required by the lab (the submission does not pass without it)' : ''}. ${check.message}`];
  if (check.location) lines.push(`at ${formatLocation(check.location)}`);
  if (check.diagnosis) lines.push(`Likely cause: ${check.diagnosis}`);
  for (const d of check.details?.slice(0, 20) ?? []) {
    const at = d.location ? `${formatLocation(d.location)}: ` : '';
    lines.push(`- ${at}${d.message}${d.expected !== undefined ? ` (found ${d.actual ?? '?'}, expected ${d.expected})` : ''}`);
  }
  if (check.hint) lines.push(`Hint: ${check.hint}`);
  return lines.join('\n');
}

/** Removes characters XML 1.0 cannot carry (controls other than tab, LF, CR; lone surrogates; U+FFFE/FFFF). */
export function clean(text: string): string {
  return text.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

function seconds(ms: number): string {
  return (Math.max(0, ms) / 1000).toFixed(3);
}
