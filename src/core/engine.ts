import { basename, isAbsolute, relative, resolve } from 'node:path';
import type { CheckContext, Services } from '../checks/kind.js';
import { defaultRegistry, type Registry } from '../checks/registry.js';
import { DirectorySubmission } from '../input/submission.js';
import type { SubmissionFiles } from '../input/files.js';
import { visibleText } from '../reporters/escape.js';
import { toolVersion } from './paths.js';
import { scoreChecks } from './scoring.js';
import {
  REPORT_SCHEMA_VERSION,
  type CheckOutcome,
  type CheckResult,
  type Criterion,
  type Detail,
  type Location,
  type Notice,
  type Report,
  type ResultTable,
  type Rubric,
} from './types.js';

export interface GradeOptions {
  rubric: Rubric;
  /** The submission folder (lab rubrics) or the verified document (document rubrics). */
  target: string;
  services?: Services;
  registry?: Registry;
  /** Called after each check, for progress output. */
  onCheck?: (result: CheckResult, index: number, total: number) => void;
  signal?: AbortSignal;
  /** Read access to the submission; default: the folder on disk. */
  files?: SubmissionFiles;
}

/**
 * Grades one target against a rubric: runs every criterion's check kind,
 * stamps the outcomes with the criterion's identity and points, and scores
 * them. Never throws for anything the submission contains: a check that
 * crashes becomes an `error` finding.
 */
export async function grade(options: GradeOptions): Promise<Report> {
  const started = performance.now();
  const { rubric } = options;
  const registry = options.registry ?? defaultRegistry;
  const targetPath = resolve(options.target);
  const isDocument = rubric.target === 'document';
  const root = isDocument ? resolve(targetPath, '..') : targetPath;
  const document = isDocument ? basename(targetPath) : undefined;
  const files = options.files ?? new DirectorySubmission(root);
  const memo = new Map<string, Promise<unknown>>();
  const notices: Notice[] = [];
  const noticeKeys = new Set<string>();
  const signal = options.signal ?? new AbortController().signal;
  const services = options.services ?? {};

  const notice = (raw: Notice) => {
    const n: Notice = { ...raw, message: printable(raw.message), ...(raw.location ? { location: printableLocation(raw.location) } : {}) };
    const key = `${n.level}|${n.message}|${n.location?.file}|${n.location?.line}`;
    if (noticeKeys.has(key)) return;
    noticeKeys.add(key);
    notices.push(n);
  };

  const checks: CheckResult[] = [];
  const contextFor = (criterion: Criterion): CheckContext => ({
    root,
    ...(document !== undefined ? { document } : {}),
    rubric,
    criterion,
    files,
    memo<T>(key: string, compute: () => Promise<T> | T): Promise<T> {
      let value = memo.get(key) as Promise<T> | undefined;
      if (!value) {
        value = Promise.resolve().then(compute);
        memo.set(key, value);
      }
      return value;
    },
    notice,
    services,
    signal,
  });
  // What later checks need (a sandboxed session) starts now, while the earlier ones run.
  const warming: Array<Promise<void>> = [];
  try {
    for (const criterion of rubric.criteria) {
      const kind = registry.get(criterion.kind);
      if (!kind?.warm || signal.aborted) continue;
      try {
        warming.push(Promise.resolve(kind.warm(contextFor(criterion), criterion.options)).catch(() => undefined));
      } catch {
        /* run() starts it again and reports what went wrong */
      }
    }
    for (const [index, criterion] of rubric.criteria.entries()) {
      const ctx = contextFor(criterion);
      const checkStarted = performance.now();
      // Once grading is stopped (Ctrl-C, the batch time limit), the remaining checks are not run.
      const outcome: CheckOutcome = signal.aborted
        ? { status: 'skip', message: 'not run: grading was stopped before this check' }
        : await runCheck(registry, ctx, criterion);
      const result = stamp(criterion, outcome, performance.now() - checkStarted);
      checks.push(result);
      options.onCheck?.(result, index, rubric.criteria.length);
    }
  } finally {
    // Whatever a warm-up started is in the memo once it settles, and is closed with the rest.
    await Promise.allSettled(warming);
    await closeMemoised(memo);
  }

  const score = scoreChecks(rubric, checks);
  const environment = (services.environment as Record<string, unknown> | undefined) ?? {};
  for (const result of checks) {
    const isolation = result.data?.isolation;
    if (isolation !== undefined && environment.isolation === undefined) {
      environment.isolation = typeof isolation === 'string' ? { level: isolation } : isolation;
    }
  }
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: 'rubricate', version: toolVersion() },
    rubric: { id: rubric.id, title: rubric.title, version: rubric.version },
    submission: { name: printable(basename(targetPath)), path: printable(displayPath(targetPath)) },
    ...score,
    checks,
    notices,
    ...(Object.keys(environment).length > 0 ? { environment } : {}),
    durationMs: Math.round(performance.now() - started),
  };
}

async function runCheck(registry: Registry, ctx: CheckContext, criterion: Criterion): Promise<CheckOutcome> {
  const kind = registry.get(criterion.kind);
  if (!kind) {
    return { status: 'error', message: `unknown check kind '${criterion.kind}' (the rubric was not validated)` };
  }
  try {
    return await kind.run(ctx, criterion.options);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return {
      status: 'error',
      message: `internal error in check kind '${kind.name}': ${reason}. This is a rubricate bug, not a problem with the submission.`,
    };
  }
}

/** Turns a kind's outcome into a graded result: severity, credit and points. */
export function stamp(criterion: Criterion, outcome: CheckOutcome, durationMs = 0): CheckResult {
  const defaultCredit = outcome.status === 'pass' || outcome.status === 'warn' ? 1 : 0;
  const credit = clamp01(outcome.credit ?? defaultCredit);
  let status = outcome.status;
  if (status === 'fail' && criterion.severity !== 'error') status = 'warn';
  const result: CheckResult = {
    id: criterion.id,
    title: criterion.title,
    kind: criterion.kind,
    dimension: criterion.dimension,
    severity: criterion.severity,
    visibility: criterion.visibility,
    ...(criterion.required === true ? { required: true as const } : {}),
    status,
    points: round2(credit * criterion.points),
    maxPoints: criterion.points,
    message: printable(outcome.message),
  };
  if (outcome.diagnosis) result.diagnosis = printable(outcome.diagnosis);
  if (criterion.hint && status !== 'pass' && status !== 'skip') result.hint = criterion.hint;
  if (outcome.location) result.location = printableLocation(outcome.location);
  if (outcome.details?.length) result.details = outcome.details.map(printableDetail);
  if (outcome.data && Object.keys(outcome.data).length > 0) result.data = outcome.data;
  if (outcome.table) result.table = printableTable(outcome.table);
  result.durationMs = Math.round(durationMs);
  return result;
}

/**
 * Report text without control characters. Messages quote what learners wrote
 * (exception messages, tracebacks, file names, their text): an escape
 * sequence in one would reach the instructor's terminal (clear the screen,
 * retitle the window, write the clipboard) or a CI log, a carriage return
 * could print over a line, and a bidi override reorder what a reader sees.
 * Line breaks are kept here (each format decides what to do with them, in
 * src/reporters/escape.ts); every other control, bidi and invisible
 * formatting character is shown as a visible mark (ESC as U+241B).
 */
export function printable(text: string): string {
  return visibleText(text, { keepNewlines: true });
}

function printableLocation(location: Location): Location {
  return { ...location, file: printable(location.file) };
}

function printableDetail(detail: Detail): Detail {
  const out: Detail = { ...detail, message: printable(detail.message) };
  if (detail.location) out.location = printableLocation(detail.location);
  if (detail.actual !== undefined) out.actual = printable(detail.actual);
  if (detail.expected !== undefined) out.expected = printable(detail.expected);
  return out;
}

function printableTable(table: ResultTable): ResultTable {
  const out: ResultTable = { columns: table.columns.map(printable), rows: table.rows.map((row) => row.map(printable)) };
  if (table.caption !== undefined) out.caption = printable(table.caption);
  return out;
}

/** Closes every memoised value that holds a resource (runner sessions). */
async function closeMemoised(memo: Map<string, Promise<unknown>>): Promise<void> {
  await Promise.all(
    [...memo.values()].map(async (pending) => {
      try {
        const value = (await pending) as { close?: () => unknown } | undefined;
        if (value && typeof value === 'object' && typeof value.close === 'function') await value.close();
      } catch {
        // A failed computation has nothing to close.
      }
    }),
  );
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return (rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path).split('\\').join('/') || '.';
}
