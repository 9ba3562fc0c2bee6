/**
 * Batch grading: a class of submissions graded by N concurrent jobs into an
 * output folder, one JSON report and one Markdown feedback file each, then a
 * gradebook (`grades.csv`), an instructor summary (`summary.md`) and
 * `batch.json` (the rows `rubricate merge` combines).
 *
 * Guarantees:
 * - one submission never stops the batch: a missing or unreadable folder, a
 *   crash inside grading or a run past the per-submission time limit gives
 *   that submission an error report and a gradebook row;
 * - every file is written whole (write, then rename); the JSON report is
 *   written last and carries the cache key, so it marks the submission done;
 * - a re-run (or a run restarted after being killed) reuses every report
 *   whose cache key (submission files, rubric, tool version, settings) is
 *   unchanged, unless `force`;
 * - memory stays flat: reports go to disk as they finish, only the small
 *   gradebook rows stay in memory.
 */
import { availableParallelism } from 'node:os';
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Services } from '../checks/kind.js';
import type { Registry } from '../checks/registry.js';
import { grade } from '../core/engine.js';
import { toolVersion } from '../core/paths.js';
import type { Report, Rubric } from '../core/types.js';
import { gradescopeReporter } from '../reporters/gradescope.js';
import { ForkServerPool } from '../runner/fork-server.js';
import { openPythonSession } from '../runner/session.js';
import type { IsolationLevel, LearnerSession, SessionOptions } from '../runner/types.js';
import { junitDocument, junitSuite } from '../reporters/junit.js';
import { markdownReporter } from '../reporters/markdown.js';
import { removeTemps, writeAtomic } from './atomic.js';
import { cacheKey } from './cache-key.js';
import { errorReport } from './error-report.js';
import { gradebookCsv, outlineOf, rowFromReport, sortRows, type GradebookRow, type RubricOutline } from './gradebook.js';
import { inShard, type Shard } from './shard.js';
import { nameSubmissions, type SubmissionEntry } from './submissions.js';
import { renderSummary } from './summary.js';

/** Extra per-submission formats a batch can write besides JSON and Markdown. */
export type BatchFormat = 'gradescope' | 'junit';

export interface BatchOptions {
  /** Submission folders (names are derived) or entries already named. */
  submissions: ReadonlyArray<string | SubmissionEntry>;
  rubric: Rubric;
  /** Text that identifies the rubric exactly, for the cache key; default: the rubric file's content. */
  rubricText?: string;
  outDir: string;
  /** Concurrent submissions; default: one per core. */
  jobs?: number;
  /** Regrade even when a report with the same cache key exists. */
  force?: boolean;
  shard?: Shard;
  services?: Services;
  registry?: Registry;
  formats?: readonly BatchFormat[];
  /** Audience of the Markdown feedback (default learner). */
  audience?: 'learner' | 'instructor';
  /** Wall-clock limit for grading one submission, ms (default 300 000). */
  submissionTimeoutMs?: number;
  /** Further settings that change results, for the cache key (interpreter, isolation). */
  settings?: string;
  onEvent?: (event: BatchEvent) => void;
  signal?: AbortSignal;
  /**
   * Start learner sessions from pre-warmed fork servers (one per job) instead
   * of a fresh interpreter each (default true). Ignored when
   * `services.openLearnerSession` is already set.
   */
  forkServer?: boolean;
}

export type BatchEvent =
  | { type: 'start'; total: number; inShard: number; jobs: number }
  | {
      type: 'submission';
      entry: SubmissionEntry;
      row: GradebookRow;
      /** The report, for live output (annotations); do not keep it. */
      report: Report;
      reused: boolean;
      done: number;
      total: number;
    };

export interface BatchResult {
  outDir: string;
  rows: GradebookRow[];
  /** Submissions in this run (after sharding). */
  total: number;
  graded: number;
  reused: number;
  passed: number;
  failed: number;
  errored: number;
  durationMs: number;
  /** True when the run was stopped (signal) before every submission was graded. */
  stopped: boolean;
}

/** Layout of a batch output folder. */
export const LAYOUT = {
  reports: 'reports',
  feedback: 'feedback',
  gradescope: 'gradescope',
  junit: 'junit',
  grades: 'grades.csv',
  summary: 'summary.md',
  batch: 'batch.json',
  junitAll: 'junit.xml',
} as const;

/** `batch.json`: what `rubricate merge` needs from a part. */
export interface BatchFile {
  schemaVersion: 1;
  tool: { name: 'rubricate'; version: string };
  rubric: RubricOutline;
  shard?: Shard;
  rows: GradebookRow[];
}

export async function runBatch(options: BatchOptions): Promise<BatchResult> {
  const started = performance.now();
  const outDir = resolve(options.outDir);
  const rubric = options.rubric;
  const outline = outlineOf(rubric);
  const formats = [...new Set(options.formats ?? [])];
  const jobs = Math.max(1, Math.floor(options.jobs ?? availableParallelism()));
  const timeoutMs = options.submissionTimeoutMs ?? 300_000;
  const rubricText = options.rubricText ?? (await readFile(rubric.path, 'utf8').catch(() => JSON.stringify(rubric)));
  const version = toolVersion();

  const named = isNamed(options.submissions) ? [...options.submissions] : nameSubmissions(options.submissions as string[]);
  const entries = named.filter((e) => inShard(e.name, options.shard));
  const folders = [LAYOUT.reports, LAYOUT.feedback, ...formats.map((f) => LAYOUT[f])].map((f) => join(outDir, f));
  await removeTemps([outDir, ...folders]);

  options.onEvent?.({ type: 'start', total: named.length, inShard: entries.length, jobs });
  const pool = options.forkServer !== false && !options.services?.openLearnerSession ? lazyPool(options.services ?? {}) : undefined;
  const services: Services = { ...(options.services ?? {}), ...(pool ? { openLearnerSession: pool.open } : {}) };

  const rows: GradebookRow[] = [];
  let graded = 0;
  let reused = 0;
  let next = 0;
  let done = 0;

  const processOne = async (entry: SubmissionEntry, forced?: Report): Promise<void> => {
    const paths = {
      report: join(outDir, LAYOUT.reports, `${entry.name}.json`),
      feedback: join(outDir, LAYOUT.feedback, `${entry.name}.md`),
      gradescope: join(outDir, LAYOUT.gradescope, `${entry.name}.json`),
      junit: join(outDir, LAYOUT.junit, `${entry.name}.xml`),
    };
    const key = forced
      ? undefined
      : await cacheKey({ root: entry.abs, toolVersion: version, rubricText, settings: options.settings ?? '' }).catch(() => undefined);
    let report = forced ?? (!options.force && key ? await reusable(paths.report, key) : undefined);
    const wasReused = report !== undefined && !forced;
    if (!report) {
      report = await gradeGuarded(entry, rubric, { ...options, services }, timeoutMs);
      // Stopped mid-way: the report is incomplete (cancelled checks). Write nothing, so a re-run grades it.
      if (options.signal?.aborted) return;
      report.environment = { ...(report.environment ?? {}), ...(key ? { cacheKey: key } : {}) };
    }
    // Feedback and extra formats first, the JSON report last: it marks the submission done.
    const rewrite = !wasReused;
    if (rewrite || !(await exists(paths.feedback))) await writeAtomic(paths.feedback, markdownReporter([report], { audience: options.audience ?? 'learner' }));
    for (const format of formats) {
      if (!rewrite && (await exists(paths[format]))) continue;
      const text = format === 'gradescope' ? gradescopeReporter([report]) : junitDocumentOf(report);
      await writeAtomic(paths[format], text);
    }
    if (rewrite) await writeAtomic(paths.report, JSON.stringify(report, null, 2) + '\n');
    const row = rowFromReport(report, entry.name, entry.path);
    rows.push(row);
    if (wasReused) reused++;
    else graded++;
    try {
      options.onEvent?.({ type: 'submission', entry, row, report, reused: wasReused, done: ++done, total: entries.length });
    } catch {
      // Progress output must not undo a written report.
    }
  };

  const worker = async (): Promise<void> => {
    while (next < entries.length) {
      if (options.signal?.aborted) return;
      const entry = entries[next++]!;
      try {
        await processOne(entry);
      } catch (error) {
        // Writing the outputs failed (a report rubricate cannot render, say): record that instead.
        const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
        await processOne(entry, errorReport(rubric, entry, `rubricate could not write this submission's report (${reason})`));
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(jobs, Math.max(1, entries.length)) }, worker));
  } finally {
    await pool?.close();
  }

  const sorted = sortRows(rows);
  const durationMs = Math.round(performance.now() - started);
  const scope = options.shard ? `Shard ${options.shard.index}/${options.shard.count} of ${named.length} submissions` : undefined;
  await writeAtomic(join(outDir, LAYOUT.grades), gradebookCsv(outline, sorted));
  await writeAtomic(join(outDir, LAYOUT.summary), renderSummary(outline, sorted, { ...(scope ? { scope } : {}), durationMs, graded, reused }));
  const batchFile: BatchFile = {
    schemaVersion: 1,
    tool: { name: 'rubricate', version },
    rubric: outline,
    ...(options.shard ? { shard: options.shard } : {}),
    rows: sorted,
  };
  await writeAtomic(join(outDir, LAYOUT.batch), JSON.stringify(batchFile, null, 2) + '\n');
  if (formats.includes('junit')) await writeCombinedJunit(outDir, sorted);

  return {
    outDir,
    rows: sorted,
    total: entries.length,
    graded,
    reused,
    passed: sorted.filter((r) => r.status === 'passed').length,
    failed: sorted.filter((r) => r.status === 'failed').length,
    errored: sorted.filter((r) => r.status === 'error').length,
    durationMs,
    stopped: sorted.length < entries.length,
  };
}

function isNamed(list: BatchOptions['submissions']): list is SubmissionEntry[] {
  return list.length > 0 && typeof list[0] === 'object';
}

/** Grades one submission; whatever goes wrong becomes that submission's error report. */
async function gradeGuarded(entry: SubmissionEntry, rubric: Rubric, options: BatchOptions, timeoutMs: number): Promise<Report> {
  const started = performance.now();
  const info = await stat(entry.abs).catch((error: NodeJS.ErrnoException) => error);
  if (info instanceof Error) {
    const why = info.code === 'ENOENT' ? 'not found' : `unreadable (${info.code ?? info.message})`;
    return errorReport(rubric, entry, `submission folder ${entry.path} ${why}; nothing was graded`);
  }
  if (!info.isDirectory()) return errorReport(rubric, entry, `${entry.path} is not a folder; nothing was graded`);

  const controller = new AbortController();
  const onAbort = () => controller.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const overrun = new Promise<Report>((done) => {
    timer = setTimeout(() => {
      controller.abort();
      done(
        errorReport(
          rubric,
          entry,
          `grading took longer than the batch limit of ${Math.round(timeoutMs / 1000)} s and was stopped; the submission was not graded`,
          performance.now() - started,
        ),
      );
    }, timeoutMs);
    timer.unref?.();
  });
  try {
    const graded = grade({
      rubric,
      target: entry.abs,
      // A fresh services object per submission: the engine records the environment in it.
      services: { ...(options.services ?? {}), environment: {} },
      ...(options.registry ? { registry: options.registry } : {}),
      signal: controller.signal,
    });
    const report = await Promise.race([graded, overrun]);
    graded.catch(() => undefined);
    report.submission = { ...report.submission, name: entry.name };
    return report;
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return errorReport(rubric, entry, `grading stopped with an internal error (${reason}); this is a rubricate bug, not the submission's fault`, performance.now() - started);
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
}

/** The stored report when it exists, parses and carries the same cache key. */
async function reusable(file: string, key: string): Promise<Report | undefined> {
  try {
    const report = JSON.parse(await readFile(file, 'utf8')) as Report;
    if (report?.environment?.cacheKey !== key || !Array.isArray(report.checks) || typeof report.summary !== 'object') return undefined;
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

function junitDocumentOf(report: Report): string {
  const s = report.summary;
  return junitDocument([junitSuite(report)], {
    tests: report.checks.length,
    failures: s.fail,
    errors: s.error,
    skipped: s.skip,
    time: (report.durationMs ?? 0) / 1000,
  });
}

/** `junit.xml`: every per-submission suite in one document, read back from the per-submission files. */
export async function writeCombinedJunit(outDir: string, rows: readonly GradebookRow[]): Promise<void> {
  const totals = { tests: 0, failures: 0, errors: 0, skipped: 0, time: 0 };
  const suites: string[] = [];
  for (const row of rows) {
    const xml = await readFile(join(outDir, LAYOUT.junit, `${row.submission}.xml`), 'utf8').catch(() => '');
    const start = xml.indexOf('<testsuite ');
    const end = xml.lastIndexOf('</testsuites>');
    if (start < 0 || end <= start) continue;
    const s = row.summary;
    totals.tests += s.pass + s.warn + s.fail + s.error + s.skip;
    totals.failures += s.fail;
    totals.errors += s.error;
    totals.skipped += s.skip;
    totals.time += (row.durationMs ?? 0) / 1000;
    suites.push('  ' + xml.slice(start, end));
  }
  await writeAtomic(join(outDir, LAYOUT.junitAll), junitDocument(suites, totals));
}

/**
 * A fork-server pool started on the first learner session (document rubrics
 * never start one); where fork servers cannot give the requested isolation,
 * sessions fall back to fresh interpreters.
 */
function lazyPool(services: Services): { open: (options: SessionOptions) => Promise<LearnerSession>; close: () => Promise<void> } {
  let pool: Promise<ForkServerPool | undefined> | undefined;
  const isolation = typeof services.isolation === 'string' ? (services.isolation as IsolationLevel | 'auto') : 'auto';
  const python = typeof services.python === 'string' ? services.python : undefined;
  return {
    async open(options) {
      pool ??= ForkServerPool.create({ isolation, ...(python ? { python } : {}) }).catch(() => undefined);
      const ready = await pool;
      return ready ? ready.open(options) : openPythonSession(options);
    },
    async close() {
      const ready = await pool;
      await ready?.close();
    },
  };
}
