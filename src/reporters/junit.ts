import { create } from 'xmlbuilder2';
import { formatLocation } from '../core/errors.js';
import { notPassedReasons } from '../core/scoring.js';
import type { CheckResult, Report } from '../core/types.js';
import { xmlText } from './escape.js';
import { visibleChecks, type Reporter } from './types.js';

/**
 * JUnit XML, the format CI servers show as test results: one `<testsuite>`
 * per submission (its `file` the submission's path), one `<testcase>` per
 * check, whose `classname` is `<submission>.<dimension>` so that consumers
 * grouping by class never merge two learners. The structure is the one
 * Jenkins' xunit plugin validates (fixtures/reporters/junit-jenkins.xsd):
 * no `skipped` on `<testsuites>`, no `file`/`line` on `<testcase>` (the
 * location is in the failure text). `fail` becomes `<failure>`,
 * `error` becomes `<error>`, `skip` becomes `<skipped>`; a warning passes and
 * carries its message in `<system-out>`. Markup in report text is escaped by
 * xmlbuilder2; `xmlText` replaces characters XML 1.0 forbids and shows
 * control and bidi characters.
 */
export const junitReporter: Reporter = (reports, options = {}) => {
  const totals = { tests: 0, failures: 0, errors: 0, time: 0 };
  const suites = reports.map((report) => {
    const checks = visibleChecks(report, options.audience);
    totals.tests += checks.length;
    totals.failures += checks.filter((c) => c.status === 'fail').length;
    totals.errors += checks.filter((c) => c.status === 'error').length;
    totals.time += (report.durationMs ?? 0) / 1000;
    return junitSuite(report, options.audience);
  });
  return junitDocument(suites, totals);
};

export interface JunitTotals {
  tests: number;
  failures: number;
  errors: number;
  time: number;
}

/** The XML document around suite fragments (as returned by `junitSuite`). */
export function junitDocument(suites: readonly string[], totals: JunitTotals): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<testsuites name="rubricate" tests="${totals.tests}" failures="${totals.failures}" errors="${totals.errors}" ` +
    `time="${seconds(totals.time * 1000)}">\n` +
    suites.join('') +
    '</testsuites>\n'
  );
}

/** One `<testsuite>` element (no XML declaration), indented by two spaces, ending with a newline. */
export function junitSuite(report: Report, audience?: 'learner' | 'instructor'): string {
  const checks = visibleChecks(report, audience);
  const doc = create({ invalidCharReplacement: '\uFFFD' });
  const suite = doc.ele('testsuite', {
    name: attribute(report.submission.name),
    tests: String(checks.length),
    failures: String(checks.filter((c) => c.status === 'fail').length),
    errors: String(checks.filter((c) => c.status === 'error').length),
    skipped: String(checks.filter((c) => c.status === 'skip').length),
    time: seconds(report.durationMs ?? 0),
    file: attribute(report.submission.path),
  });
  const props = suite.ele('properties');
  props.ele('property', { name: 'rubric', value: `${report.rubric.id} v${report.rubric.version}` });
  props.ele('property', { name: 'score', value: `${report.score}/${report.maxScore}` });
  props.ele('property', { name: 'passed', value: String(report.passed) });
  const reasons = notPassedReasons(report);
  if (reasons.length > 0) props.ele('property', { name: 'notPassed', value: attribute(reasons.join('; ')) });
  for (const check of checks) {
    const testcase = suite.ele('testcase', {
      name: attribute(check.title),
      classname: attribute(`${report.submission.name.replace(/\./g, '_')}.${check.dimension}`),
      time: seconds(check.durationMs ?? 0),
    });
    const body = describe(check);
    const message = attribute(`${check.required ? 'required: ' : ''}${check.message}`);
    if (check.status === 'fail') testcase.ele('failure', { message, type: check.kind }).txt(xmlText(body));
    else if (check.status === 'error') testcase.ele('error', { message, type: check.kind }).txt(xmlText(body));
    else if (check.status === 'skip') testcase.ele('skipped', { message });
    else if (check.status === 'warn') testcase.ele('system-out').txt(xmlText(`warning: ${body}`));
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

function attribute(text: string): string {
  return xmlText(text, { keepNewlines: false });
}

function seconds(ms: number): string {
  return (Math.max(0, ms) / 1000).toFixed(3);
}
