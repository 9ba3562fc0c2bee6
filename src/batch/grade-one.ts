/**
 * One submission of a batch, start to finish: its cache key, the reuse of an
 * up-to-date report, grading under the per-submission time limit, then the
 * feedback, the extra formats and, last, the JSON report (each file written
 * whole). The same code runs on the calling thread (in-thread mode) and in
 * every grading thread (src/batch/worker.ts); the caller keeps the gradebook.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Services } from '../checks/kind.js';
import type { Registry } from '../checks/registry.js';
import { formatSeconds } from '../core/duration.js';
import { grade } from '../core/engine.js';
import type { Report, Rubric } from '../core/types.js';
import { DirectorySubmission } from '../input/submission.js';
import { gradescopeReporter } from '../reporters/gradescope.js';
import { markdownReporter } from '../reporters/markdown.js';
import { ForkServerPool } from '../runner/fork-server.js';
import { languageOf, openerFor } from '../runner/languages.js';
import type { IsolationLevel, LearnerSession, SessionOptions } from '../runner/types.js';
import { adjust, overridesFor, unadjust, type Override, type SubmissionTime } from './adjust.js';
import { writeAtomic } from './atomic.js';
import { cacheKey } from './cache-key.js';
import { errorReport } from './error-report.js';
import { rowFromReport, type GradebookRow } from './gradebook.js';
import { LAYOUT, type BatchFormat } from './layout.js';
import type { SubmissionEntry } from './submissions.js';
import { submissionTime, type TimesTable } from './times.js';

/** What every submission of a batch is graded and written with: plain data, the same in every thread. */
export interface BatchSettings {
  rubric: Rubric;
  /** Identifies the rubric exactly, for the cache key. */
  rubricText: string;
  toolVersion: string;
  /** Absolute output folder. */
  outDir: string;
  formats: BatchFormat[];
  force: boolean;
  audience: 'learner' | 'instructor';
  /** Further settings that change results, for the cache key. */
  settings: string;
  /** Wall-clock limit for grading one submission, ms. */
  timeoutMs: number;
  /** Points set by the instructor (src/batch/adjust.ts). */
  overrides?: Override[];
  /** Late penalties: the due date, and hand-in times from the LMS export when known. */
  late?: { due: Date; times?: TimesTable };
}

/** How this thread grades: its services (learner sessions), check kinds and stop signal. */
export interface Grading {
  services: Services;
  registry?: Registry;
  signal?: AbortSignal;
}

export interface Outcome {
  row: GradebookRow;
  report: Report;
  reused: boolean;
}

/**
 * Grades (or reuses) one submission and writes its files. Undefined when the
 * batch was stopped while it was being graded: nothing is written, so the
 * next run grades it. A `forced` report (an error report) is written as is.
 */
export async function processSubmission(entry: SubmissionEntry, settings: BatchSettings, grading: Grading, forced?: Report): Promise<Outcome | undefined> {
  try {
    return await writeOutcome(entry, settings, grading, forced);
  } catch (error) {
    // Writing the outputs failed (a report rubricate cannot render, say): record that instead.
    const message = `rubricate could not write this submission's report (${firstLine(error)})`;
    return writeOutcome(entry, settings, grading, errorReport(settings.rubric, entry, message));
  }
}

async function writeOutcome(entry: SubmissionEntry, settings: BatchSettings, grading: Grading, forced?: Report): Promise<Outcome | undefined> {
  const { outDir } = settings;
  const paths = {
    report: join(outDir, LAYOUT.reports, `${entry.name}.json`),
    feedback: join(outDir, LAYOUT.feedback, `${entry.name}.md`),
    gradescope: join(outDir, LAYOUT.gradescope, `${entry.name}.json`),
    junit: join(outDir, LAYOUT.junit, `${entry.name}.xml`),
    html: join(outDir, LAYOUT.html, `${entry.name}.html`),
  };
  // Stopped before it began: nothing to write, the next run grades it.
  if (!forced && grading.signal?.aborted) return undefined;
  // The submission's one file list: the cache key covers it, the checks read through it, the sandbox copy is made from it.
  const files = forced ? undefined : new DirectorySubmission(entry.abs);
  const key = files
    ? await Promise.resolve()
        .then(() =>
          cacheKey({
            root: entry.abs,
            listing: files.listing(),
            toolVersion: settings.toolVersion,
            rubricText: settings.rubricText,
            settings: settings.settings,
            gitState: settings.rubric.criteria.some((c) => c.kind === 'git-history'),
          }),
        )
        .catch(() => undefined)
    : undefined;
  let report = forced ?? (!settings.force && key ? await reusable(paths.report, key) : undefined);
  const reused = report !== undefined && !forced;
  if (!report) {
    report = await gradeGuarded(entry, settings, grading, files);
    // Stopped mid-way: the report is incomplete (cancelled checks). Write nothing, so a re-run grades it.
    if (grading.signal?.aborted) return undefined;
    report.environment = { ...(report.environment ?? {}), ...(key ? { cacheKey: key } : {}) };
  }
  // Overrides and the late penalty are applied to the report as graded: a reused report is restored first.
  const stored = report;
  report = await applyAdjustments(reused ? unadjust(report, settings.rubric) : report, entry, settings);
  // Feedback and extra formats first, the JSON report last: it marks the submission done.
  const rewrite = !reused || JSON.stringify(report) !== JSON.stringify(stored);
  if (rewrite || !(await exists(paths.feedback))) await writeAtomic(paths.feedback, markdownReporter([report], { audience: settings.audience }));
  for (const format of settings.formats) {
    if (!rewrite && (await exists(paths[format]))) continue;
    const text =
      format === 'gradescope'
        ? gradescopeReporter([report])
        : format === 'junit'
          ? await junitDocumentOf(report)
          : await (await import('../reporters/html/pages.js')).learnerPage(report, { audience: settings.audience, classLink: `../${LAYOUT.report}` });
    await writeAtomic(paths[format], text);
  }
  if (rewrite) await writeAtomic(paths.report, JSON.stringify(report, null, 2) + '\n');
  return { row: rowFromReport(report, entry.name, entry.path), report, reused };
}

/** The report with this learner's overrides and the late penalty (when a due date is set) applied. */
async function applyAdjustments(report: Report, entry: SubmissionEntry, settings: BatchSettings): Promise<Report> {
  const overrides = overridesFor(settings.overrides, entry.learner ? [entry.name, entry.learner] : [entry.name]);
  const { late } = settings;
  const policy = settings.rubric.late;
  if (overrides.length === 0 && !(late && policy)) return report;
  return adjust(report, settings.rubric, {
    overrides,
    ...(late && policy ? { late: { due: late.due, policy, ...(await withTime(entry.abs, late.times)) } } : {}),
  });
}

async function withTime(folder: string, times?: TimesTable): Promise<{ submitted?: SubmissionTime }> {
  const submitted = await submissionTime(folder, times);
  return submitted ? { submitted } : {};
}

/** The error message of a submission whose grading ran past the batch's limit. */
export function overrunMessage(timeoutMs: number): string {
  return `grading took longer than the batch limit of ${formatSeconds(timeoutMs)} and was stopped; the submission was not graded`;
}

/** Grades one submission; whatever goes wrong becomes that submission's error report. */
async function gradeGuarded(entry: SubmissionEntry, settings: BatchSettings, grading: Grading, files?: DirectorySubmission): Promise<Report> {
  const { rubric, timeoutMs } = settings;
  const started = performance.now();
  const info = await stat(entry.abs).catch((error: NodeJS.ErrnoException) => error);
  if (info instanceof Error) {
    const why = info.code === 'ENOENT' ? 'not found' : `unreadable (${info.code ?? info.message})`;
    return errorReport(rubric, entry, `submission folder ${entry.path} ${why}; nothing was graded`);
  }
  if (!info.isDirectory()) return errorReport(rubric, entry, `${entry.path} is not a folder; nothing was graded`);

  const controller = new AbortController();
  const onAbort = () => controller.abort();
  grading.signal?.addEventListener('abort', onAbort, { once: true });
  // Stopped before this submission began (an abort already fired never calls the listener).
  if (grading.signal?.aborted) controller.abort();
  let timer: NodeJS.Timeout | undefined;
  const overrun = new Promise<Report>((done) => {
    timer = setTimeout(() => {
      controller.abort();
      done(errorReport(rubric, entry, overrunMessage(timeoutMs), performance.now() - started));
    }, timeoutMs);
    timer.unref?.();
  });
  try {
    const graded = grade({
      rubric,
      target: entry.abs,
      // A fresh services object per submission: the engine records the environment in it.
      services: { ...grading.services, environment: {} },
      ...(files ? { files } : {}),
      ...(grading.registry ? { registry: grading.registry } : {}),
      signal: controller.signal,
    });
    const report = await Promise.race([graded, overrun]);
    graded.catch(() => undefined);
    report.submission = { ...report.submission, name: entry.name };
    return report;
  } catch (error) {
    const reason = firstLine(error);
    return errorReport(rubric, entry, `grading stopped with an internal error (${reason}); this is a rubricate bug, not the submission's fault`, performance.now() - started);
  } finally {
    clearTimeout(timer);
    grading.signal?.removeEventListener('abort', onAbort);
  }
}

export function firstLine(error: unknown): string {
  return error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
}

/** The stored report when it exists, parses, carries the same cache key and was not kept from grading by the machine. */
async function reusable(file: string, key: string): Promise<Report | undefined> {
  try {
    const report = JSON.parse(await readFile(file, 'utf8')) as Report;
    if (report?.environment?.cacheKey !== key || !Array.isArray(report.checks) || typeof report.summary !== 'object') return undefined;
    // A check the machine kept from running (its learner session could not start) is graded again, once the machine is fixed.
    if (report.checks.some((check) => check?.status === 'error' && check.data?.environmentError === true)) return undefined;
    return report;
  } catch {
    return undefined;
  }
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    (s) => s.isFile(),
    () => false,
  );
}

/** One submission's JUnit document (the XML builder is loaded only by batches that ask for JUnit). */
async function junitDocumentOf(report: Report): Promise<string> {
  const { junitDocument, junitSuite } = await import('../reporters/junit.js');
  const s = report.summary;
  return junitDocument([junitSuite(report)], {
    tests: report.checks.length,
    failures: s.fail,
    errors: s.error,
    time: (report.durationMs ?? 0) / 1000,
  });
}

/** The interpreter `--python` named (services.python), or undefined for python3 on PATH. */
export function explicitPython(services: Services): string | undefined {
  return typeof services.python === 'string' ? services.python : undefined;
}

/** A learner-session factory with its own pool, and how to close the pool. */
export interface SessionPool {
  open: (options: SessionOptions) => Promise<LearnerSession>;
  close: () => Promise<void>;
}

/**
 * A fork-server pool started on the first learner session (document rubrics
 * never start one); where fork servers cannot give the requested isolation,
 * sessions fall back to fresh interpreters. One per grading thread.
 */
export function lazyPool(services: Services): SessionPool {
  let pool: Promise<ForkServerPool | undefined> | undefined;
  const isolation = typeof services.isolation === 'string' ? (services.isolation as IsolationLevel | 'auto') : 'auto';
  const python = explicitPython(services);
  return {
    async open(options) {
      // Fork servers hold a warm Python; other languages, or no server to be had, get the module's own runner.
      if (languageOf(options.module) === 'python') {
        pool ??= ForkServerPool.create({ isolation, ...(python ? { python } : {}) }).catch(() => undefined);
        const ready = await pool;
        if (ready) return ready.open(options);
      }
      return (await openerFor(options.module))(options);
    },
    async close() {
      const ready = await pool;
      await ready?.close();
    },
  };
}
