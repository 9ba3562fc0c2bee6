import { Command, InvalidArgumentError, Option } from 'commander';
import { appendFile, stat } from 'node:fs/promises';
import { availableParallelism, constants as osConstants } from 'node:os';
import { join, relative } from 'node:path';
import { LAYOUT, type BatchFormat } from '../../batch/layout.js';
import { parseShard } from '../../batch/shard.js';
import { parseTime } from '../../batch/times.js';
import { batchFolders, distinctFolders, nameSubmissions, readListFile } from '../../batch/submissions.js';
import type { LimitsOverride, Services } from '../../checks/kind.js';
import { ConfigError, UsageError } from '../../core/errors.js';
import { learnerLimits } from '../../core/limits.js';
import { exitCodeFor } from '../../core/scoring.js';
import type { Report, Rubric } from '../../core/types.js';
import type { IsolationLevel, LearnerSession, SessionOptions } from '../../runner/types.js';
import { terminalText } from '../../reporters/escape.js';
import { emit, prepareOutput, reporterFor, terminalWidth, useColor } from '../output.js';
import { nonEmpty } from '../options.js';

// The engine, the rubric loader and the batch runner are imported when a
// command runs, not when the program is built: `--help` stays fast.

export interface GradeCommandOptions {
  rubric?: string;
  format: string;
  output?: string;
  python?: string;
  isolation?: string;
  audience?: 'learner' | 'instructor';
  verbose?: boolean;
  from?: string[];
  out?: string;
  jobs?: number;
  threads?: number;
  force?: boolean;
  shard?: string;
  submissionTimeout?: number;
  overrides?: string;
  due?: Date;
  times?: string;
  roster?: string;
  csvBom?: boolean;
  canvasAssignment?: string;
  importTimeout?: number;
  callTimeout?: number;
}

const FORMATS = ['terminal', 'json', 'markdown', 'gradescope', 'junit', 'github', 'html', 'canvas'];
/** Formats whose stdout is read by a program: CI annotations must not be mixed into it. */
const MACHINE_FORMATS = new Set(['json', 'gradescope', 'junit']);

export function registerGrade(program: Command): void {
  program
    .command('grade')
    .description("grade learners' submissions against a rubric; with --out, grade a whole class into a folder")
    .argument('[submission...]', 'submission folder(s): code, README.md, manifest.json, plot')
    .option('-r, --rubric <id|path>', "rubric id (see 'rubricate rubric list') or YAML file; default: picked from manifest.json \"experiment\"", nonEmpty)
    .addOption(new Option('-f, --format <format>', 'output format (with --out: gradescope, junit and html add one file per submission, html a class page, canvas an LMS import)').choices(FORMATS).default('terminal'))
    .option('-o, --output <file>', 'write the report to a file instead of stdout')
    .option('--python <path>', 'Python interpreter for learner code (default: the real path of python3)', nonEmpty)
    .addOption(new Option('--isolation <level>', 'sandbox for learner code (default: the strongest available)').choices(['auto', 'bwrap', 'namespaces', 'rlimits']))
    .addOption(new Option('--audience <who>', 'learner hides instructor-only checks').choices(['learner', 'instructor']))
    .option('-v, --verbose', 'list passing checks with their messages too')
    .option('--from <list>', 'read submission folders from a file, one per line (# comments; - reads stdin); repeatable', collect, [])
    .option('--out <dir>', 'batch mode: write reports, feedback, grades.csv and summary.md into this folder')
    .option('-j, --jobs <n>', `submissions graded at once in batch mode (default: one per core, here ${availableParallelism()})`, positiveInt)
    .option('--threads <n>', 'batch mode: worker threads that grade the jobs (default: one per job up to the number of cores, one on a machine with at most two cores; 0 grades in the main thread)', wholeNumber)
    .option('--force', 'batch mode: regrade submissions whose report is up to date')
    .option('--shard <i/n>', 'batch mode: grade only part i of n (a stable partition by submission name); merge the parts with rubricate merge')
    .option('--import-timeout <seconds>', "limit for starting the sandbox and importing the learner's module (default: the rubric's limits.import, else 60)", seconds)
    .option('--call-timeout <seconds>', "limit for one call of a learner function (default: the rubric's limits.call, else 10)", seconds)
    .option('--submission-timeout <seconds>', "limit for all calls into one submission's code after its import (default: the rubric's limits.submission, else 120)", seconds)
    .option('--overrides <file>', 'CSV learner,check,points,reason: points set by hand, applied and shown as such', nonEmpty)
    .option('--due <time>', "due date (ISO 8601, e.g. 2026-12-01T23:59:00Z): apply the rubric's late policy", dueDate)
    .option('--times <file>', 'hand-in times from the LMS export (Gradescope submission_metadata.yml, or CSV submission,time); default: file times', nonEmpty)
    .option('--roster <file>', 'batch mode: CSV id,name,email,folder[,canvas_id,sis_user_id,sis_login_id,section] mapping folders to learners', nonEmpty)
    .option('--csv-bom', 'batch mode: write grades.csv with a byte order mark, for Excel')
    .option('--canvas-assignment <name>', "batch mode, --format canvas: the assignment column, as Canvas names it ('Lab 02 (1234)'; default: the rubric title)", nonEmpty)
    .addHelpText(
      'after',
      `
Examples:
  $ rubricate grade fixtures/rope-lab02/ok-interleaved
  $ rubricate grade submissions/alice --rubric rope-lab02 --format json -o alice.json
  $ rubricate grade submissions/bob --format markdown --audience learner > feedback.md
  $ rubricate grade submissions/* --rubric rope-lab02 --out graded/          grade a class
  $ rubricate grade --from list.txt --out graded/ --shard 2/4               one part of a CI matrix
  $ rubricate grade /autograder/submission --rubric rope-lab02 --format gradescope -o /autograder/results/results.json

Time limits of learner code come from the rubric's limits: block (import, call, submission, in
seconds); the three --*-timeout options override it. A function that runs out of time is not
called again: later checks that need it are skipped with the reason. In batch mode a submission
whose grading outlives twice its import and submission limits plus a minute (at least 300 s)
is stopped and reported as not graded.

Batch mode (--out DIR) writes DIR/reports/<name>.json, DIR/feedback/<name>.md, DIR/grades.csv,
DIR/summary.md and DIR/batch.json; re-runs skip submissions whose files, rubric and rubricate
version are unchanged (--force regrades), except those whose learner code could not be started.
One broken submission never stops the batch; without --rubric, the rubric most manifests name
is used, and a submission whose manifest names another rubric gets an error report saying so.
With GITHUB_ACTIONS=true, findings become annotations and a summary goes to $GITHUB_STEP_SUMMARY.

Batch mode grades folders: files beside them (an LMS's metadata, *.json, *.yml) are skipped with one
notice; a path that does not exist is a usage error. Grading some learners into a class's --out folder
updates their rows: grades.csv, summary.md and batch.json keep the rest of the class.

Instructor adjustments: --overrides sets a check's points for a learner (shown in the feedback with its
reason); --due applies the rubric's late policy (late: {perDay, max, graceMinutes}) using the LMS's
hand-in times (--times) or the files' modification times. --roster adds learner ids to grades.csv and
missing rows; --format canvas writes canvas.csv for Canvas's gradebook import (Moodle: import grades.csv
by email, see docs/gradebook.md).

Exit codes: 0 every check passed or warned, 1 a check failed or errored, 2 usage or configuration error,
130/143 a batch stopped by Ctrl-C/SIGTERM before the end (run the same command to resume).`,
    )
    .action(async (args: string[], options: GradeCommandOptions) => {
      const submissions = [...args];
      for (const list of options.from ?? []) submissions.push(...(await readListFile(list)));
      if (submissions.length === 0) throw new UsageError('no submission given: pass folders, or --from <list>');
      if (options.out !== undefined) return gradeBatch(submissions, options);
      for (const flag of ['jobs', 'threads', 'force', 'shard', 'roster', 'csvBom', 'canvasAssignment'] as const) {
        if (options[flag] !== undefined) throw new UsageError(`--${kebab(flag)} needs batch mode: add --out <dir>`);
      }
      if (options.format === 'canvas') throw new UsageError('--format canvas writes the gradebook of a class: add --out <dir> and --roster <file>');
      return gradeSingle(submissions, options);
    });
}

function kebab(flag: string): string {
  return flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

function dueDate(value: string): Date {
  const at = parseTime(value);
  if (!at) throw new InvalidArgumentError('expected a time such as 2026-12-01T23:59:00Z (ISO 8601, with a time zone or UTC)');
  return at;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Digits only: Number() would also take '0x10', '1e3', ' 4 ' and '' (as 0). */
function digits(value: string): number | undefined {
  return /^\d+$/.test(value) && Number.isSafeInteger(Number(value)) ? Number(value) : undefined;
}

function positiveInt(value: string): number {
  const n = digits(value);
  if (n === undefined || n < 1) throw new InvalidArgumentError('expected a positive whole number');
  return n;
}

function wholeNumber(value: string): number {
  const n = digits(value);
  if (n === undefined) throw new InvalidArgumentError('expected a whole number (0 or more)');
  return n;
}

/** Seconds: a positive decimal number ("30", "0.5"); at most a day. */
function seconds(value: string): number {
  const n = /^\d+(?:\.\d+)?$/.test(value) ? Number(value) : NaN;
  if (!(n > 0) || n > 86_400) throw new InvalidArgumentError('expected a number of seconds above 0 (e.g. 30 or 0.5), at most 86400');
  return n;
}

function servicesOf(options: GradeCommandOptions): Services {
  const limits: LimitsOverride = {
    ...(options.importTimeout !== undefined ? { importMs: Math.round(options.importTimeout * 1000) } : {}),
    ...(options.callTimeout !== undefined ? { callMs: Math.round(options.callTimeout * 1000) } : {}),
    ...(options.submissionTimeout !== undefined ? { submissionMs: Math.round(options.submissionTimeout * 1000) } : {}),
  };
  return {
    ...(options.python ? { python: options.python } : {}),
    ...(options.isolation && options.isolation !== 'auto' ? { isolation: options.isolation } : {}),
    ...(Object.keys(limits).length > 0 ? { limits } : {}),
  };
}

/**
 * How long batch mode lets one submission's grading run before it stops it:
 * twice (the code checks' session and the verify.py runs) its import and
 * submission limits plus a minute for the grader's own work, at least 300 s.
 */
function batchGuardMs(rubric: Rubric, services: Services): number {
  const limits = learnerLimits(rubric, services.limits);
  return Math.max(300_000, 2 * (limits.importTimeoutMs + limits.sessionTimeoutMs) + 60_000);
}

/**
 * What the rubric needs to grade here, checked before anything is graded: a
 * lab rubric (a document rubric would fail every check on a folder), and for
 * learner code the isolation asked for (--isolation) and, for Python, a
 * working interpreter with NumPy. Each missing is a configuration error (exit
 * 2), not an error finding in every check of every report. The answers are
 * cached for the sessions (and a batch's threads).
 */
async function checkRubric(rubric: Rubric, options: GradeCommandOptions): Promise<void> {
  if (rubric.target !== 'lab') {
    throw new ConfigError(
      `rubric '${rubric.id}' verifies documents (target: ${rubric.target}); grade needs a rubric with target: lab (for a document: rubricate verify <document> --rubric ${rubric.id})`,
    );
  }
  const { codeLanguages } = await import('../../runner/languages.js');
  const languages = codeLanguages(rubric);
  if (languages.size === 0) return;
  const { isolation } = servicesOf(options);
  if (isolation !== undefined) {
    const { requireIsolation } = await import('../../runner/sandbox.js');
    await requireIsolation(isolation as IsolationLevel);
  }
  if (!languages.has('python')) return;
  const { resolvePython } = await import('../../runner/python.js');
  await resolvePython(options.python);
}

function inGithubActions(): boolean {
  return process.env.GITHUB_ACTIONS === 'true';
}

async function gradeSingle(listed: string[], options: GradeCommandOptions): Promise<void> {
  // A folder listed twice (or through a link) is graded once, as in batch mode.
  const submissions = distinctFolders(listed);
  // Gradescope reads one results.json for one submission; an array of them (on stdout or in -o FILE) is not one. Likewise one HTML page.
  if ((options.format === 'gradescope' || options.format === 'html') && submissions.length > 1) {
    const [what, where] =
      options.format === 'gradescope'
        ? ['the results.json', `one results.json per submission in <dir>/${LAYOUT.gradescope}/`]
        : ['the page', `${LAYOUT.report} for the class and one page per submission in <dir>/${LAYOUT.html}/`];
    throw new UsageError(`--format ${options.format} writes ${what} of one submission, not ${submissions.length}: grade one folder, or add --out <dir> (batch mode: ${where})`);
  }
  await prepareOutput(options.output);
  const reports = await untilSignal(() => gradeMany(submissions, options));
  await emit(await render(reports, options), options.output);
  if (inGithubActions() && options.format !== 'github') {
    const { githubAnnotations, githubStepSummary } = await import('../../reporters/github.js');
    const toStdout = !options.output && MACHINE_FORMATS.has(options.format);
    const annotations = reports.map((r) => githubAnnotations(r, options.audience)).join('');
    (toStdout ? process.stderr : process.stdout).write(annotations);
    await appendStepSummary(githubStepSummary(reports, options.audience));
  }
  process.exitCode = exitCodeFor(reports);
}

/** The reports in the asked format (HTML pages render their charts, so this is async). */
async function render(reports: Report[], options: GradeCommandOptions): Promise<string> {
  if (options.format === 'html') {
    const { learnerPage } = await import('../../reporters/html/pages.js');
    return learnerPage(reports[0]!, options.audience ? { audience: options.audience } : {});
  }
  const reporter = await reporterFor(options.format, FORMATS);
  return reporter(reports, {
    color: options.format === 'terminal' && useColor(options.output),
    ...(options.format === 'terminal' && terminalWidth(options.output) ? { width: terminalWidth(options.output)! } : {}),
    ...(options.audience ? { audience: options.audience } : {}),
    ...(options.verbose ? { verbose: true } : {}),
  });
}

/**
 * Exits with 128 + the signal's number (130 for SIGINT, 143 for SIGTERM),
 * through process.exit: its exit hook kills the learner processes still
 * running and removes their scratch folders.
 */
function exitForSignal(signal: NodeJS.Signals): never {
  process.exit(128 + osConstants.signals[signal]);
}

/** Handles `signals` with `handler` until the returned function is called. */
function onSignals(signals: readonly NodeJS.Signals[], handler: (signal: NodeJS.Signals) => void): () => void {
  for (const signal of signals) process.on(signal, handler);
  return () => {
    for (const signal of signals) process.off(signal, handler);
  };
}

/**
 * Runs `work` so that Ctrl-C (SIGINT), SIGTERM or SIGHUP exit at once
 * (`exitForSignal`). Left to the default action, the signal ended rubricate
 * alone, and a learner loop kept a core busy for good.
 */
async function untilSignal<T>(work: () => Promise<T>): Promise<T> {
  const stop = onSignals(['SIGINT', 'SIGTERM', 'SIGHUP'], exitForSignal);
  try {
    return await work();
  } finally {
    stop();
  }
}

/**
 * Starts the probes a lab that runs Python needs (the interpreter: through a
 * pyenv shim 0.3-2 s of wall-clock time; the sandbox: about 0.1 s) while the
 * engine's modules and the rubric load, instead of after. Their answers are
 * cached per process, so `checkRubric` and the sessions wait for these. A
 * rubric that runs no Python wastes one probe; a probe that fails is
 * forgotten, and `checkRubric` asks again and reports it as before.
 */
function startProbes(options: GradeCommandOptions): void {
  const { isolation } = servicesOf(options);
  void import('../../runner/python.js').then(({ resolvePython }) => resolvePython(options.python)).catch(() => undefined);
  void import('../../runner/sandbox.js').then(({ chooseIsolation }) => chooseIsolation((isolation as IsolationLevel | undefined) ?? 'auto')).catch(() => undefined);
}

/**
 * Opens a learner session as the engine would (the module's own runner), and
 * when its sandbox did not start, forgets the sandbox probe passes this
 * process read from the on-disk cache or stored there: a cached "bubblewrap
 * works" that is no longer true fails closed (the learner's code does not
 * run, the checks report the error) for this run only; the next run probes
 * again.
 */
async function openWatched(options: SessionOptions): Promise<LearnerSession> {
  const { openerFor } = await import('../../runner/languages.js');
  const session = await (await openerFor(options.module))(options);
  if (session.importFailure?.kind === 'internal') (await import('../../runner/sandbox.js')).forgetSandboxProbes();
  return session;
}

async function gradeMany(submissions: string[], options: GradeCommandOptions): Promise<Report[]> {
  // Every folder and its rubric first: a usage or configuration error comes before anything is graded.
  for (const submission of submissions) {
    const info = await stat(submission).catch(() => undefined);
    if (!info) throw new UsageError(`submission not found: ${submission}`);
    if (!info.isDirectory()) throw new UsageError(`not a submission folder: ${submission} (expected a directory)`);
  }
  startProbes(options);
  const [{ grade }, { pickRubric }] = await Promise.all([import('../../core/engine.js'), import('../../rubric/pick.js')]);
  const jobs: Array<{ submission: string; rubric: Rubric }> = [];
  for (const submission of submissions) {
    const rubric = await pickRubric(submission, options.rubric);
    await checkRubric(rubric, options);
    jobs.push({ submission, rubric });
  }
  const adjustments = await adjustmentsOf(options, jobs.map((j) => j.rubric));
  const reports: Report[] = [];
  for (const { submission, rubric } of jobs) {
    const report = await grade({ rubric, target: submission, services: { ...servicesOf(options), openLearnerSession: openWatched } });
    reports.push(await adjustments.apply(report, rubric, submission));
  }
  return reports;
}

/**
 * The instructor's adjustments for this run (--overrides, --due, --times),
 * read and checked against the rubrics before anything is graded.
 */
async function adjustmentsOf(options: GradeCommandOptions, rubrics: readonly Rubric[]) {
  const { adjust, checkOverrides, overridesFor, readOverrides } = await import('../../batch/adjust.js');
  const { readTimes, submissionTime } = await import('../../batch/times.js');
  const overrides = options.overrides ? await readOverrides(options.overrides) : undefined;
  for (const rubric of rubrics) {
    if (overrides) checkOverrides(overrides, rubric);
    if (options.due && !rubric.late) throw new ConfigError(`--due was given, but rubric '${rubric.id}' has no late policy (late: { perDay: 0.1 })`);
  }
  if (options.times && !options.due) throw new UsageError('--times gives hand-in times for late penalties: add --due <time>');
  const times = options.times ? await readTimes(options.times) : undefined;
  return {
    overrides,
    times,
    async apply(report: Report, rubric: Rubric, folder: string): Promise<Report> {
      const mine = overridesFor(overrides, [report.submission.name]);
      if (mine.length === 0 && !options.due) return report;
      const submitted = options.due ? await submissionTime(folder, times) : undefined;
      return adjust(report, rubric, {
        overrides: mine,
        ...(options.due && rubric.late ? { late: { due: options.due, policy: rubric.late, ...(submitted ? { submitted } : {}) } } : {}),
      });
    },
  };
}

/** Formats batch mode writes besides its reports and feedback (terminal: progress and summary on the terminal). */
const BATCH_FORMATS = new Set(['terminal', 'gradescope', 'junit', 'github', 'html', 'canvas']);

async function gradeBatch(listed: string[], options: GradeCommandOptions): Promise<void> {
  if (options.output) throw new UsageError('--output names one report file; in batch mode use --out <dir> alone');
  if (!BATCH_FORMATS.has(options.format)) {
    throw new UsageError(
      `--format ${options.format} is for one submission; batch mode always writes ${LAYOUT.reports}/<name>.json and ${LAYOUT.feedback}/<name>.md, and --format adds gradescope, junit, github, html or canvas`,
    );
  }
  const { folders: submissions, skipped } = batchFolders(listed);
  if (skipped.length > 0) {
    const shown = skipped.slice(0, 5).map(terminalText).join(', ');
    process.stderr.write(`rubricate: skipped ${skipped.length} path${skipped.length === 1 ? '' : 's'} that ${skipped.length === 1 ? 'is not a submission folder' : 'are not submission folders'}: ${shown}${skipped.length > 5 ? ', ...' : ''}\n`);
  }
  if (submissions.length === 0) throw new UsageError('no submission folder among the paths given');
  startProbes(options);
  const [{ pickBatchRubric }, { createProgress, summaryLine }, { runBatch }] = await Promise.all([
    import('../../batch/pick.js'),
    import('../../batch/progress.js'),
    import('../../batch/run.js'),
  ]);
  const shard = options.shard !== undefined ? parseShard(options.shard) : undefined;
  const entries = nameSubmissions(submissions);
  const { rubric, elsewhere } = await pickBatchRubric(entries, options.rubric);
  await checkRubric(rubric, options);
  const formats: BatchFormat[] = options.format === 'gradescope' || options.format === 'junit' || options.format === 'html' ? [options.format] : [];
  const adjustments = await adjustmentsOf(options, [rubric]);
  const roster = options.roster ? await (await import('../../batch/roster.js')).readRoster(options.roster) : undefined;
  if (options.format === 'canvas' && !roster) throw new UsageError('--format canvas needs --roster <file>: Canvas matches students by the ids the roster gives');
  if (options.canvasAssignment !== undefined && options.format !== 'canvas') throw new UsageError('--canvas-assignment names the column of --format canvas');
  const annotate = inGithubActions() || options.format === 'github';
  const { githubAnnotations } = annotate ? await import('../../reporters/github.js') : { githubAnnotations: undefined };
  const progress = createProgress();
  const services = servicesOf(options);
  // Ctrl-C (or SIGTERM) once: finish the submissions in flight, write the gradebook, stop; twice: stop now.
  // Finished reports are kept either way, so the next run resumes.
  const controller = new AbortController();
  let stoppedBy: NodeJS.Signals | undefined;
  const stopHandling = onSignals(['SIGINT', 'SIGTERM'], (signal) => {
    if (controller.signal.aborted) exitForSignal(signal);
    stoppedBy = signal;
    controller.abort();
    progress.stop();
    process.stderr.write('rubricate: stopping after the submissions in progress (again to stop now); run the same command to resume\n');
  });
  let result;
  try {
    result = await runBatch({
      submissions: entries,
      rubric,
      notGraded: elsewhere,
      outDir: options.out!,
      formats,
      services,
      settings: JSON.stringify(services),
      ...(options.jobs ? { jobs: options.jobs } : {}),
      ...(options.threads !== undefined ? { threads: options.threads } : {}),
      ...(options.force ? { force: true } : {}),
      ...(shard ? { shard } : {}),
      ...(options.audience ? { audience: options.audience } : {}),
      submissionTimeoutMs: batchGuardMs(rubric, services),
      ...(adjustments.overrides ? { overrides: adjustments.overrides } : {}),
      ...(options.due ? { late: { due: options.due, ...(adjustments.times ? { times: adjustments.times } : {}) } } : {}),
      ...(roster ? { roster } : {}),
      ...(options.csvBom ? { csvBom: true } : {}),
      ...(options.format === 'canvas' ? { canvas: { assignment: options.canvasAssignment ?? rubric.title } } : {}),
      signal: controller.signal,
      // Progress needs only the gradebook rows; annotations need the reports.
      eventReports: annotate,
      onEvent(event) {
        progress.onEvent(event);
        if (githubAnnotations && event.type === 'submission' && event.report) process.stdout.write(githubAnnotations(event.report, options.audience));
      },
    });
  } finally {
    progress.stop();
    stopHandling();
  }
  for (const warning of result.warnings) process.stderr.write(`rubricate: warning: ${terminalText(warning)}\n`);
  const gradebook = displayPath(join(result.outDir, LAYOUT.grades));
  process.stdout.write(summaryLine(result, gradebook) + '\n');
  if (inGithubActions()) {
    const { readFile } = await import('node:fs/promises');
    await appendStepSummary(await readFile(join(result.outDir, LAYOUT.summary), 'utf8'));
  }
  // Stopped by a signal: 128 + its number (130, 143), so CI never reads a partial class as success.
  process.exitCode = result.stopped && stoppedBy ? 128 + osConstants.signals[stoppedBy] : exitCodeFor(result.rows);
}

/** What GitHub keeps of one step's summary file. */
const STEP_SUMMARY_BYTES = 1024 * 1024;

/**
 * Appends Markdown to the job summary GitHub shows, cut so that the step's
 * summary file stays within GitHub's 1 MiB (counted in bytes, with what
 * earlier commands of the step wrote); over it, GitHub drops the summary.
 */
async function appendStepSummary(markdown: string): Promise<void> {
  const file = process.env.GITHUB_STEP_SUMMARY;
  if (!file) return;
  const room = STEP_SUMMARY_BYTES - ((await stat(file).catch(() => undefined))?.size ?? 0);
  let text = markdown + '\n';
  if (Buffer.byteLength(text) > room) {
    const note = '\n\n_(truncated: GitHub keeps 1 MiB of summary per step)_\n';
    const keep = room - Buffer.byteLength(note);
    if (keep <= 0) return;
    // A character cut in two decodes as U+FFFD: drop it.
    text = Buffer.from(markdown).subarray(0, keep).toString('utf8').replace(/\uFFFD+$/, '') + note;
  }
  await appendFile(file, text).catch(() => undefined);
}

function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') ? rel : path;
}
