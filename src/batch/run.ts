/**
 * Batch grading: a class of submissions graded by N concurrent jobs into an
 * output folder, one JSON report and one Markdown feedback file each, then a
 * gradebook (`grades.csv`), an instructor summary (`summary.md`) and
 * `batch.json` (the rows `rubricate merge` combines).
 *
 * The jobs run in worker threads (one per job up to the number of cores; one
 * for all jobs on a machine with at most two cores), each
 * with its own learner-session pool (src/batch/threads.ts); with a custom
 * registry object, services holding functions, or no built worker script, they
 * run on the calling thread instead. Either way this thread keeps the
 * gradebook, reports progress and writes the files of the whole batch.
 *
 * Guarantees:
 * - one submission never stops the batch: a missing or unreadable folder, a
 *   crash inside grading (or of its grading thread) or a run past the
 *   per-submission time limit gives that submission an error report and a
 *   gradebook row;
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
import { basename, join, resolve } from 'node:path';
import type { Services } from '../checks/kind.js';
import type { Registry } from '../checks/registry.js';
import { ensureOutputFolder } from '../core/dirs.js';
import { UsageError } from '../core/errors.js';
import { toolVersion } from '../core/paths.js';
import { runsPython } from '../runner/languages.js';
import type { Report, Rubric } from '../core/types.js';
import { removeTemps, writeAtomic } from './atomic.js';
import { readBatchFile, type BatchFile } from './batch-file.js';
import { rubricIdentity } from './cache-key.js';
import { errorReport } from './error-report.js';
import { lazyPool, processSubmission, type BatchSettings, type Grading } from './grade-one.js';
import type { Override } from './adjust.js';
import { canvasCsv, gradebookCsv, outlineOf, sortRows, type GradebookRow, type RubricOutline } from './gradebook.js';
import { matchRoster, type Roster, type RosterMatch } from './roster.js';
import type { TimesTable } from './times.js';
import { LAYOUT, type BatchFormat } from './layout.js';
import { inShard, type Shard } from './shard.js';
import { nameSubmissions, submissionHolding, type SubmissionEntry } from './submissions.js';
import { renderSummary } from './summary.js';
import { gradeInThreads, loadRegistryModule, threadCount, workerScript } from './threads.js';

export { LAYOUT, type BatchFormat } from './layout.js';

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
  /** Wall-clock limit for grading one submission, ms (default 300 000, at most MAX_SUBMISSION_TIMEOUT_MS). */
  submissionTimeoutMs?: number;
  /** Further settings that change results, for the cache key (interpreter, isolation). */
  settings?: string;
  /**
   * Submissions not to grade (absolute folder -> why, e.g. their manifest
   * names another rubric: `pickBatchRubric`'s `elsewhere`): each gets an
   * error report with the reason, a row of the gradebook, and the batch goes on.
   */
  notGraded?: ReadonlyMap<string, string>;
  onEvent?: (event: BatchEvent) => void;
  /**
   * Hand each submission's report to `onEvent` (for live output such as CI
   * annotations). Off by default: a grading thread then sends only the
   * gradebook row, not a copy of the whole report.
   */
  eventReports?: boolean;
  signal?: AbortSignal;
  /**
   * Start learner sessions from pre-warmed fork servers (one per job) instead
   * of a fresh interpreter each (default true). Ignored when
   * `services.openLearnerSession` is already set.
   */
  forkServer?: boolean;
  /**
   * Worker threads that grade (default: one on a machine with at most two
   * cores, otherwise one per job up to the number of cores; see
   * `defaultThreads`); 0 grades on the calling thread. Threads need the built package
   * (dist/batch/worker.js), plain-data `services` and the built-in check kinds
   * (or `registryModule`); otherwise the batch grades on the calling thread.
   */
  threads?: number;
  /** Points set by the instructor, applied to the reports (src/batch/adjust.ts). */
  overrides?: Override[];
  /** Apply the rubric's late policy against this due date; hand-in times from `times` (an LMS export) or the files. */
  late?: { due: Date; times?: TimesTable };
  /** The class roster: learner columns in grades.csv, `missing` rows, and what `canvas` needs. */
  roster?: Roster;
  /** Write grades.csv with a UTF-8 byte order mark (Excel). */
  csvBom?: boolean;
  /** Also write canvas.csv, Canvas's gradebook import, with this assignment column (needs `roster`). */
  canvas?: { assignment: string };
  /**
   * A JavaScript module (path or file URL) whose `registry` export holds the
   * check kinds, for custom kinds in thread mode: every thread imports it. A
   * `registry` object given as well is used on the calling thread.
   */
  registryModule?: string;
}

export type BatchEvent =
  /** `jobs`: submissions graded at once (at most those in the shard); `threads`: grading threads (0: the calling thread grades). */
  | { type: 'start'; total: number; inShard: number; jobs: number; threads: number }
  | {
      type: 'submission';
      entry: SubmissionEntry;
      row: GradebookRow;
      /** The report, with `eventReports`, for live output (annotations); do not keep it. */
      report?: Report;
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
  /** Grading threads used (0: graded on the calling thread). */
  threads: number;
  /** Gradebook rows kept from earlier runs into the same folder (submissions not graded in this run). */
  kept: number;
  /** Problems worth a line on stderr: roster entries without a submission, submissions no learner claims. */
  warnings: string[];
}

export type { BatchFile } from './batch-file.js';

/**
 * The longest time limit for one submission, a million seconds (11.5 days);
 * longer ones are cut to it. Node's timers hold at most 2^31 - 1 ms (24.8
 * days) and fire at once beyond it, and the thread watchdog waits a tenth
 * longer than the limit.
 */
export const MAX_SUBMISSION_TIMEOUT_MS = 1_000_000_000;

export async function runBatch(options: BatchOptions): Promise<BatchResult> {
  const started = performance.now();
  const outDir = resolve(options.outDir);
  const rubric = options.rubric;
  const outline = outlineOf(rubric);
  const formats = [...new Set(options.formats ?? [])];
  const jobs = Math.max(1, Math.floor(options.jobs ?? availableParallelism()));
  const version = toolVersion();
  const settings: BatchSettings = {
    rubric,
    rubricText: options.rubricText ?? rubricIdentity(rubric, await readFile(rubric.path, 'utf8').catch(() => JSON.stringify(rubric))),
    toolVersion: version,
    outDir,
    formats,
    force: options.force === true,
    audience: options.audience ?? 'learner',
    settings: options.settings ?? '',
    timeoutMs: Math.min(options.submissionTimeoutMs ?? 300_000, MAX_SUBMISSION_TIMEOUT_MS),
    ...(options.overrides?.length ? { overrides: options.overrides } : {}),
    ...(options.late ? { late: options.late } : {}),
  };
  if (options.canvas && !options.roster) throw new UsageError('the Canvas gradebook needs a roster (--roster FILE) with canvas_id, sis_user_id or sis_login_id for each learner');

  const listed = isNamed(options.submissions) ? [...options.submissions] : nameSubmissions(options.submissions as string[]);
  const roster = options.roster ? matchRoster(options.roster, listed.map((e) => ({ name: e.name, folder: basename(e.abs) }))) : undefined;
  const named = roster ? listed.map((e) => (roster.bySubmission.has(e.name) ? { ...e, learner: roster.bySubmission.get(e.name)!.id } : e)) : listed;
  const entries = named.filter((e) => inShard(e.name, options.shard));
  const holder = submissionHolding(outDir, named);
  if (holder) throw new UsageError(`the output folder ${options.outDir} is inside the submission ${holder.path}; choose a folder outside every submission`);
  const folders = [LAYOUT.reports, LAYOUT.feedback, ...formats.map((f) => LAYOUT[f])].map((f) => join(outDir, f));
  // An output folder that cannot be made is the command's problem, not every submission's.
  for (const folder of [outDir, ...folders]) await ensureOutputFolder(folder);
  await removeTemps([outDir, ...folders]);

  const services = options.services ?? {};
  const threads = threadCount({
    threads: options.threads,
    jobs,
    count: entries.length,
    rubric,
    services,
    hasRegistry: options.registry !== undefined,
    registryModule: options.registryModule,
  });
  // The jobs that can run at once: no more than the submissions to grade.
  options.onEvent?.({ type: 'start', total: named.length, inShard: entries.length, jobs: Math.min(jobs, Math.max(1, entries.length)), threads });

  const rows: GradebookRow[] = [];
  let graded = 0;
  let reused = 0;
  let done = 0;
  const record = (entry: SubmissionEntry, outcome: { row: GradebookRow; report?: Report; reused: boolean }): void => {
    rows.push(outcome.row);
    if (outcome.reused) reused++;
    else graded++;
    done++;
    try {
      options.onEvent?.({
        type: 'submission',
        entry,
        row: outcome.row,
        ...(options.eventReports && outcome.report ? { report: outcome.report } : {}),
        reused: outcome.reused,
        done,
        total: entries.length,
      });
    } catch {
      // Progress output must not undo a written report.
    }
  };

  // Submissions the batch does not grade: their error report, here, before the others start.
  const toGrade: SubmissionEntry[] = [];
  for (const entry of entries) {
    const why = options.notGraded?.get(entry.abs);
    if (why === undefined) {
      toGrade.push(entry);
      continue;
    }
    const outcome = await processSubmission(entry, settings, { services }, errorReport(rubric, entry, why));
    if (outcome) record(entry, outcome);
  }

  let rest: SubmissionEntry[] = toGrade;
  if (threads > 0 && toGrade.length > 0) {
    rest = await gradeInThreads(toGrade, {
      script: workerScript()!,
      threads,
      jobs,
      signal: options.signal,
      setup: {
        ...settings,
        services,
        forkServer: options.forkServer !== false,
        sharedPython: options.forkServer !== false && runsPython(rubric),
        ...(options.registryModule ? { registryModule: options.registryModule } : {}),
        sendReports: options.onEvent !== undefined && options.eventReports === true,
      },
      onDone: record,
      async onLost(entry, message) {
        const outcome = await processSubmission(entry, settings, { services }, errorReport(rubric, entry, message));
        if (outcome) record(entry, outcome);
      },
    });
    // A thread may have died while writing: its temp files go now rather than on the next run.
    await removeTemps([outDir, ...folders]);
  }
  if (rest.length > 0) {
    // In-thread mode, or no grading thread could start: this thread grades.
    const registry = options.registry ?? (options.registryModule ? await loadRegistryModule(options.registryModule) : undefined);
    await gradeHere(rest, settings, { services, ...(registry ? { registry } : {}), ...(options.signal ? { signal: options.signal } : {}) }, jobs, options.forkServer !== false, record);
  }

  const sorted = sortRows(rows);
  const durationMs = Math.round(performance.now() - started);
  const scope = options.shard ? `Shard ${options.shard.index}/${options.shard.count} of ${named.length} submissions` : undefined;
  // The gradebook holds the whole class: rows of earlier runs into this folder stay unless regraded now.
  const earlier = await earlierRows(outDir, outline, options.shard, new Set(sorted.map((r) => r.submission)));
  const gradebook = sortRows([...sorted, ...earlier]);
  await writeAtomic(join(outDir, LAYOUT.grades), gradebookCsv(outline, gradebook, { ...(roster ? { roster } : {}), ...(options.csvBom ? { bom: true } : {}) }));
  if (options.canvas && roster) await writeAtomic(join(outDir, LAYOUT.canvas), canvasCsv(outline, gradebook, roster, options.canvas.assignment));
  await writeAtomic(join(outDir, LAYOUT.summary), renderSummary(outline, gradebook, { ...(scope ? { scope } : {}), durationMs, graded, reused, kept: earlier.length }));
  const batchFile: BatchFile = {
    schemaVersion: 1,
    tool: { name: 'rubricate', version },
    rubric: outline,
    ...(options.shard ? { shard: options.shard } : {}),
    rows: gradebook,
  };
  await writeAtomic(join(outDir, LAYOUT.batch), JSON.stringify(batchFile, null, 2) + '\n');
  if (formats.includes('junit')) await writeCombinedJunit(outDir, gradebook);
  if (formats.includes('html')) {
    const { classPage } = await import('../reporters/html/pages.js');
    const html = await classPage(outline, gradebook, { ...(scope ? { scope } : {}), linkOf: (row) => `${LAYOUT.html}/${encodeURIComponent(row.submission)}.html` });
    await writeAtomic(join(outDir, LAYOUT.report), html);
  }

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
    threads,
    kept: earlier.length,
    warnings: roster ? rosterWarnings(roster) : [],
  };
}

function rosterWarnings(match: RosterMatch): string[] {
  const list = (names: readonly string[]) => `${names.slice(0, 10).join(', ')}${names.length > 10 ? `, ... (${names.length} in all)` : ''}`;
  const out: string[] = [];
  if (match.unclaimed.length > 0) out.push(`no learner in the roster for ${match.unclaimed.length} submission${match.unclaimed.length === 1 ? '' : 's'}: ${list(match.unclaimed)}`);
  if (match.ambiguous.length > 0) out.push(`submissions matching several learners' folder patterns (left unassigned): ${list(match.ambiguous)}`);
  if (match.missing.length > 0) out.push(`${match.missing.length} learner${match.missing.length === 1 ? ' has' : 's have'} no submission (rows marked missing): ${list(match.missing.map((l) => l.id))}`);
  return out;
}

/**
 * The gradebook rows an earlier run wrote into `outDir` (its batch.json) for
 * submissions not graded now, when that run used the same rubric version and
 * shard and the submission's report is still there: regrading one learner
 * into a class's folder keeps the rest of the class. Deleting a report drops
 * its row.
 */
async function earlierRows(outDir: string, outline: RubricOutline, shard: Shard | undefined, now: ReadonlySet<string>): Promise<GradebookRow[]> {
  const batch = await readBatchFile(outDir).catch(() => undefined);
  if (!batch || batch.rubric.id !== outline.id || batch.rubric.version !== outline.version) return [];
  if ((batch.shard?.index ?? 0) !== (shard?.index ?? 0) || (batch.shard?.count ?? 0) !== (shard?.count ?? 0)) return [];
  const kept: GradebookRow[] = [];
  for (const row of batch.rows) {
    if (now.has(row.submission)) continue;
    if (await stat(join(outDir, LAYOUT.reports, `${row.submission}.json`)).then((s) => s.isFile(), () => false)) kept.push(row);
  }
  return kept;
}

function isNamed(list: BatchOptions['submissions']): list is SubmissionEntry[] {
  return list.length > 0 && typeof list[0] === 'object';
}

/**
 * In-thread mode: `jobs` concurrent submissions on the calling thread, with
 * one learner-session pool unless the services bring their own sessions.
 */
async function gradeHere(
  entries: readonly SubmissionEntry[],
  settings: BatchSettings,
  base: Grading,
  jobs: number,
  forkServer: boolean,
  record: (entry: SubmissionEntry, outcome: { row: GradebookRow; report: Report; reused: boolean }) => void,
): Promise<void> {
  const pool = forkServer && !base.services.openLearnerSession ? lazyPool(base.services) : undefined;
  const grading: Grading = { ...base, services: { ...base.services, ...(pool ? { openLearnerSession: pool.open } : {}) } };
  let next = 0;
  const job = async (): Promise<void> => {
    while (next < entries.length) {
      if (grading.signal?.aborted) return;
      const entry = entries[next++]!;
      const outcome = await processSubmission(entry, settings, grading);
      if (outcome) record(entry, outcome);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(jobs, Math.max(1, entries.length)) }, job));
  } finally {
    await pool?.close();
  }
}

/** `junit.xml`: every per-submission suite in one document, read back from the per-submission files. */
export async function writeCombinedJunit(outDir: string, rows: readonly GradebookRow[]): Promise<void> {
  const totals = { tests: 0, failures: 0, errors: 0, time: 0 };
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
    totals.time += (row.durationMs ?? 0) / 1000;
    suites.push('  ' + xml.slice(start, end));
  }
  const { junitDocument } = await import('../reporters/junit.js');
  await writeAtomic(join(outDir, LAYOUT.junitAll), junitDocument(suites, totals));
}
