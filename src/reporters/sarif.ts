import { posix } from 'node:path';
import type { CheckResult, Location, Report, Status } from '../core/types.js';
import { notPassedReasons } from '../core/scoring.js';
import { markdownText, sarifText, wellFormed } from './escape.js';
import type { Reporter, ReporterOptions } from './types.js';

/**
 * SARIF 2.1.0 (OASIS) from one or several reports, so that findings show on
 * a pull request (GitHub code scanning, Azure DevOps, VS Code SARIF viewer).
 *
 * - One run; `tool.driver.rules` has one rule per criterion (first seen wins),
 *   its id the criterion id, prefixed with the rubric id when the reports
 *   come from several rubrics.
 * - One result per check that did not pass (`fail`/`error` -> error, `warn` ->
 *   warning, unless the criterion's severity lowers it); with
 *   `includePassing`, passing checks become `kind: pass` results too.
 * - Every result has a physical location: the check's file and region, or
 *   the submission itself at line 1, since code-scanning UIs need one.
 *
 * Paths are made relative to the submission's path as printed in the report
 * (which is relative to the working directory), so run rubricate from the
 * repository root for annotations to land on the right file.
 */
export interface SarifOptions extends ReporterOptions {
  /** Also emit passing checks as `kind: "pass"` results (default false). */
  includePassing?: boolean;
}

export const SARIF_SCHEMA_URI = 'https://json.schemastore.org/sarif-2.1.0.json';
const DOCUMENT_FILE = /\.(md|markdown|mdx|txt|rst|adoc)$/i;
const INFORMATION_URI = 'https://github.com/rubricate/rubricate';

type Level = 'none' | 'note' | 'warning' | 'error';

interface Rule {
  id: string;
  name: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  help: { text: string; markdown: string };
  defaultConfiguration: { level: Level };
  properties: { tags: string[]; rubric: string; kind: string; dimension: string };
}

export function toSarif(reports: readonly Report[], options: SarifOptions = {}): Record<string, unknown> {
  const rubricIds = new Set(reports.map((r) => r.rubric.id));
  const prefixed = rubricIds.size > 1;
  const ruleIdOf = (report: Report, check: CheckResult) => (prefixed ? `${report.rubric.id}/${check.id}` : check.id);
  const audience = options.audience ?? 'instructor';

  const rules: Rule[] = [];
  const ruleIndex = new Map<string, number>();
  const results: Array<Record<string, unknown>> = [];

  for (const report of reports) {
    for (const check of report.checks) {
      if (audience === 'learner' && check.visibility === 'instructor') continue;
      const ruleId = ruleIdOf(report, check);
      if (!ruleIndex.has(ruleId)) {
        ruleIndex.set(ruleId, rules.length);
        rules.push(ruleFor(ruleId, report, check));
      }
      const passing = check.status === 'pass';
      if (passing && !options.includePassing) continue;
      if (check.status === 'skip' && !options.includePassing) continue;
      results.push(resultFor(report, check, ruleId, ruleIndex.get(ruleId)!));
    }
  }

  const version = reports[0]?.tool.version ?? '0.0.0';
  return {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'rubricate',
            version,
            semanticVersion: version,
            informationUri: INFORMATION_URI,
            rules,
          },
        },
        invocations: [{ executionSuccessful: reports.every((r) => r.summary.error === 0) }],
        columnKind: 'unicodeCodePoints',
        results,
        properties: {
          rubrics: [...rubricIds].sort(),
          submissions: reports.map((r) => {
            const reasons = notPassedReasons(r);
            return { path: toUri(r.submission.path), rubric: r.rubric.id, score: r.score, maxScore: r.maxScore, passed: r.passed, ...(reasons.length > 0 ? { notPassed: reasons } : {}) };
          }),
        },
      },
    ],
  };
}

/** The SARIF log as text: two-space indent, trailing newline. */
export function renderSarif(reports: readonly Report[], options: SarifOptions = {}): string {
  return JSON.stringify(toSarif(reports, options), null, 2) + '\n';
}

/** The SARIF reporter, for the `--format` map. */
export const sarifReporter: Reporter = (reports, options = {}) => renderSarif(reports, options);

/**
 * A rule per criterion. GitHub code scanning requires `fullDescription` and
 * `help` on every rule (it shows help under the alert): the help is the
 * rubric's hint, or, without one, what the criterion checks.
 */
function ruleFor(id: string, report: Report, check: CheckResult): Rule {
  const what = `${check.title} (${report.rubric.title}, criterion '${check.id}', check kind '${check.kind}').`;
  const help = check.hint ?? `rubricate checks: ${what} See the report's message for what was found.`;
  return {
    id,
    name: pascal(check.id),
    shortDescription: { text: sarifText(check.title) },
    fullDescription: { text: sarifText(what) },
    help: { text: sarifText(help), markdown: markdownText(help) },
    defaultConfiguration: { level: defaultLevel(check) },
    properties: { tags: [...new Set([report.rubric.id, check.dimension, ...(check.required ? ['required'] : [])])], rubric: report.rubric.id, kind: check.kind, dimension: check.dimension },
  };
}

function resultFor(report: Report, check: CheckResult, ruleId: string, index: number): Record<string, unknown> {
  const { kind, level } = classify(check.status, check);
  const unmet = check.required && check.status !== 'pass' && check.status !== 'warn';
  const text = [unmet ? 'Required by the lab (the submission does not pass without it):' : '', check.message, check.diagnosis, check.hint].filter(Boolean).join(' ');
  const result: Record<string, unknown> = {
    ruleId,
    ruleIndex: index,
    kind,
    level,
    message: { text: sarifText(text || check.title) },
    locations: [physical(report, check.location)],
    partialFingerprints: { rubricateCheck: `${report.rubric.id}/${check.id}/${toUri(report.submission.path)}` },
    properties: { status: check.status, points: check.points, maxPoints: check.maxPoints, dimension: check.dimension, ...(check.required ? { required: true } : {}) },
  };
  const related = (check.details ?? [])
    .filter((d) => d.location)
    .slice(0, 20)
    .map((d, i) => ({ id: i, ...physical(report, d.location), message: { text: sarifText(d.actual ? `${d.message}: ${d.actual}` : d.message) } }));
  if (related.length > 0) result.relatedLocations = related;
  return result;
}

function classify(status: Status, check: CheckResult): { kind: string; level: Level } {
  switch (status) {
    case 'pass':
      return { kind: 'pass', level: 'none' };
    case 'skip':
      return { kind: 'notApplicable', level: 'none' };
    case 'warn':
      return { kind: 'fail', level: check.severity === 'info' ? 'note' : 'warning' };
    case 'fail':
    case 'error':
      return { kind: 'fail', level: check.severity === 'error' ? 'error' : check.severity === 'warning' ? 'warning' : 'note' };
  }
}

function defaultLevel(check: CheckResult): Level {
  return check.severity === 'error' ? 'error' : check.severity === 'warning' ? 'warning' : 'note';
}

function physical(report: Report, location: Location | undefined): { physicalLocation: Record<string, unknown> } {
  const uri = artifactUri(report.submission.path, location?.file);
  const region: Record<string, number> = { startLine: positive(location?.line) ?? 1 };
  const startColumn = positive(location?.column);
  if (startColumn !== undefined) region.startColumn = startColumn;
  const endLine = positive(location?.endLine);
  if (endLine !== undefined && endLine >= region.startLine!) region.endLine = endLine;
  const endColumn = positive(location?.endColumn);
  if (endColumn !== undefined && region.endLine !== undefined) region.endColumn = endColumn;
  return { physicalLocation: { artifactLocation: { uri }, region } };
}

/**
 * The file a location names, relative to the working directory: locations are
 * relative to the submission folder, or (document rubrics) to the folder of
 * the verified document, whose own path is the submission path.
 */
export function artifactUri(submissionPath: string, file: string | undefined): string {
  return toUri(locationPath(submissionPath, file));
}

/** The path (not URI-encoded) of the file a location names, relative to the working directory; see `artifactUri`. */
export function locationPath(submissionPath: string, file: string | undefined): string {
  const sub = submissionPath.split('\\').join('/').replace(/\/+$/, '') || '.';
  if (!file) return sub;
  const rel = file.split('\\').join('/');
  if (sub === rel || sub.endsWith('/' + rel)) return sub;
  // A document submission (a file, not a folder): locations are relative to its folder.
  if (DOCUMENT_FILE.test(posix.basename(sub))) return posix.normalize(posix.join(posix.dirname(sub), rel));
  return posix.normalize(posix.join(sub, rel));
}

function toUri(path: string): string {
  // A learner's file name may hold a lone surrogate, which encodeURIComponent refuses.
  return wellFormed(path)
    .split('/')
    .map((segment) => encodeURIComponent(segment).replace(/%3A/gi, ':'))
    .join('/')
    .replace(/^\.\//, '');
}

function positive(n: number | undefined): number | undefined {
  return n !== undefined && Number.isInteger(n) && n >= 1 ? n : undefined;
}

function pascal(id: string): string {
  return id
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');
}
