/**
 * Check kind `rope-verify-script`: the learner's own verification script
 * (verify.py), run in the sandbox against their own rope.py.
 *
 * **Runs and agrees** (`mutants: []`): verify.py exits with status 0 on the
 * learner's code, prints each of the lab's (m, n) pairs on a line of its own
 * (the pair's two numbers side by side: `3 7 ...`, `(m, n) = (3, 7)`), and
 * what it prints agrees with the printout handed in (verify_output.txt: each
 * pair's line, number by number) and with the max diffs reported in
 * README.md, verify_output.txt and manifest.json. Two numbers agree when both
 * are below `noise` (default 1e-6, a tenth of the lab's bar: rounding noise of
 * float64 or float32 code differs between machines) or when they differ by
 * less than 0.5% (the three significant digits learners print).
 *
 * **Catches bugs** (`mutants: [...]`): verify.py runs again against broken
 * variants of the learner's module, made inside the sandbox by wrapping its
 * functions when verify.py imports it (their files are never edited):
 * `k-not-rotated` (apply_rope returns k as it came), `cos-sin-swapped`
 * (precompute_rope returns (sin, cos)), `positions-shuffled` (its table rows
 * in reverse order). A script *rejects* a variant when it exits with a
 * non-zero status (an uncaught assertion, sys.exit(1)); a script that prints a
 * large difference and exits 0 accepts it, as a CI job would. A variant of a
 * function the script never calls is not counted either way.
 *
 * Not the learner's fault, and not held against them: a plotting library the
 * grader's Python lacks (matplotlib is served by a stand-in that accepts every
 * call; a script that fails inside it is skipped), or another module the
 * grader lacks and the submission does not contain (skipped, saying which).
 *
 * Example (rubric YAML):
 *   kind: rope-verify-script
 *   options: { script: verify.py, mutants: [k-not-rotated, cos-sin-swapped, positions-shuffled] }
 */
import type { CheckContext, CheckKind } from '../kind.js';
import type { CheckOutcome, Detail, Location } from '../../core/types.js';
import { ropeSchema, withDefaults, type RopeCommonOptions } from '../../rope/options.js';
import { findReportedNumbers, reportedInText, type Quantity } from '../../rope/reported.js';
import { fmt, LAB_PAIRS } from '../../rope/run.js';
import { brokeText, brokenFunctions, getRopeSession } from '../../rope/session.js';
import { runScript, tasksSession, type Mutant, type ScriptRequest, type ScriptRun } from '../../runner/tasks.js';

export interface VerifyScriptOptions extends RopeCommonOptions {
  script: string;
  /** The printout handed in, compared with what the script prints now (null: not compared). */
  output: string | null;
  /** Files whose reported max diffs must agree with the script's (README, manifest). */
  reports: string[];
  manifest: string | null;
  pairs: Array<[number, number]>;
  mutants: Mutant[];
  /** Wall-clock limit of one run of the script, seconds. */
  runTimeout: number;
  /** Modules a stand-in serves when the grader's Python lacks them. */
  standIns: string[];
  noise: number;
}

const DEFAULTS: Omit<VerifyScriptOptions, keyof RopeCommonOptions> = {
  script: 'verify.py',
  output: 'verify_output.txt',
  reports: ['README.md'],
  manifest: 'manifest.json',
  pairs: LAB_PAIRS,
  mutants: [],
  runTimeout: 60,
  standIns: ['matplotlib'],
  noise: 1e-6,
};

const MUTANTS: Record<Mutant, { role: 'apply' | 'precompute'; what: (fn: string) => string; short: string }> = {
  'k-not-rotated': { role: 'apply', what: (fn) => `an ${fn} that does not rotate k`, short: 'k not rotated' },
  'cos-sin-swapped': { role: 'precompute', what: (fn) => `a ${fn} that returns (sin, cos) instead of (cos, sin)`, short: 'cos and sin swapped' },
  'positions-shuffled': { role: 'precompute', what: (fn) => `a ${fn} whose table rows are in reverse position order`, short: 'positions shuffled' },
};

const RELATIVE_AGREEMENT = 5e-3;

// ---------------------------------------------------------------------------
// Reading printouts

interface NumberToken {
  value: number;
  text: string;
  integer: boolean;
  column: number;
}

const NUMBER_TOKEN = /(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?![\w.])/g;

function numbersOf(line: string): NumberToken[] {
  const out: NumberToken[] = [];
  for (const m of line.matchAll(NUMBER_TOKEN)) {
    const text = m[0];
    const value = Number(text);
    if (Number.isFinite(value)) out.push({ value, text, integer: /^[-+]?\d+$/.test(text), column: (m.index ?? 0) + 1 });
  }
  return out;
}

export interface PrintedPair {
  m: number;
  n: number;
  line: number;
  /** The numbers printed after the pair on its line. */
  numbers: NumberToken[];
}

/** The first line of a printout that shows each pair: its two integers side by side (other numbers may come before). */
export function printedPairs(text: string, pairs: ReadonlyArray<readonly [number, number]>): Map<string, PrintedPair> {
  const found = new Map<string, PrintedPair>();
  const lines = text.split('\n');
  lines.forEach((line, index) => {
    const tokens = numbersOf(line);
    for (let i = 0; i + 1 < tokens.length; i++) {
      const a = tokens[i]!;
      const b = tokens[i + 1]!;
      if (!a.integer || !b.integer) continue;
      const key = `${a.value},${b.value}`;
      if (found.has(key) || !pairs.some(([m, n]) => m === a.value && n === b.value)) continue;
      // At least one result on the line: a table row, not a heading listing the pairs.
      const rest = tokens.slice(i + 2);
      if (!rest.some((t) => !t.integer)) continue;
      found.set(key, { m: a.value, n: b.value, line: index + 1, numbers: rest });
      break;
    }
  });
  return found;
}

function agree(a: number, b: number, noise: number): boolean {
  if (Math.abs(a) < noise && Math.abs(b) < noise) return true;
  return Math.abs(a - b) <= RELATIVE_AGREEMENT * Math.max(Math.abs(a), Math.abs(b));
}

// ---------------------------------------------------------------------------
// The judgement

interface Prepared {
  options: VerifyScriptOptions;
  request: ScriptRequest;
  module: string;
}

/** The module and the common request, or the outcome that stops the check (no script, module broken). */
async function prepare(ctx: CheckContext, raw: Partial<VerifyScriptOptions> | undefined): Promise<{ ok: true; value: Prepared } | { ok: false; outcome: CheckOutcome }> {
  const filled = { ...DEFAULTS } as Record<string, unknown>;
  for (const [key, value] of Object.entries(raw ?? {})) if (value !== undefined) filled[key] = value;
  const options = withDefaults<VerifyScriptOptions>(filled as Partial<VerifyScriptOptions>);
  if (!(await ctx.files.exists(options.script))) {
    return { ok: false, outcome: { status: 'skip', message: `no ${options.script} to run (the files check reports missing files)` } };
  }
  const session = await getRopeSession(ctx, options);
  if (!session.ok) {
    const why = session.outcome.status === 'skip' ? session.outcome.message.replace(/^skipped: /, '') : session.outcome.message;
    return { ok: false, outcome: { status: 'skip', message: `skipped: ${why}; ${options.script} would fail on it too`, ...(session.outcome.location ? { location: session.outcome.location } : {}) } };
  }
  const module = session.value.module;
  const broken = await brokenFunctions(ctx, module);
  const [fn, first] = [...broken.entries()][0] ?? [];
  if (fn && first) {
    return {
      ok: false,
      outcome: {
        status: 'skip',
        message: `skipped: ${fn} of ${module} ${brokeText(first.failure.kind)} in ${first.check}, so ${options.script} is not run on it`,
        location: first.failure.location ?? session.value.session.definitions?.[fn] ?? { file: module },
        data: { skippedAfter: first.failure.kind, function: fn },
      },
    };
  }
  const request: ScriptRequest = {
    script: options.script,
    module,
    functions: { ...options.functions },
    mutant: null,
    timeoutMs: Math.round(options.runTimeout * 1000),
    standIns: [...options.standIns],
  };
  return { ok: true, value: { options, request, module } };
}

/** The first run on the learner's own code, judged: undefined when it ran to the end with status 0. */
async function originalRun(ctx: CheckContext, prepared: Prepared): Promise<{ run: ScriptRun; outcome?: CheckOutcome } | { outcome: CheckOutcome }> {
  const { options, request, module } = prepared;
  const result = await runScript(ctx, request);
  if (!result.ok) return { outcome: result.outcome };
  const run = result.value;
  const script = options.script;
  const details: Detail[] = [];
  if (run.traceback) details.push({ message: run.traceback });
  if (run.timedOut) {
    return { run, outcome: { status: 'error', message: `${script} did not finish within ${options.runTimeout} s on your ${module} (the runTimeout of this check)`, location: { file: script }, data: { failure: 'timeout' } } };
  }
  if (run.standInFailed) {
    return {
      run,
      outcome: {
        status: 'skip',
        // Not the learner's fault: the points are kept.
        credit: 1,
        message: `${script} needs ${run.standInsUsed.join(', ') || options.standIns.join(', ')}, which the grader's Python does not have: it could not run to its end here (not held against you)`,
        ...(run.location ? { location: run.location } : { location: { file: script } }),
        details,
      },
    };
  }
  if (run.missingModule) {
    const top = run.missingModule.split('.')[0]!;
    const files = await ctx.files.list();
    const ours = files.some((f) => f.split('/').some((part) => part === top || part === `${top}.py`));
    if (!ours) {
      return {
        run,
        outcome: {
          status: 'skip',
          credit: 1,
          message: `${script} imports ${run.missingModule}, which the grader's Python does not have: not run here (not held against you)`,
          ...(run.location ? { location: run.location } : { location: { file: script } }),
          details,
        },
      };
    }
  }
  if (run.signal) {
    return { run, outcome: { status: 'error', message: `${script} was killed by ${run.signal} while running on your ${module}`, location: { file: script }, details, data: { failure: 'crash' } } };
  }
  if (run.exit !== 0) {
    const last = (run.stderr.trim().split('\n').pop() ?? '').slice(0, 300);
    return {
      run,
      outcome: {
        status: 'fail',
        message: `${script} fails on your own ${module}: ${last || `exit status ${run.exit}`}`,
        location: run.location ?? { file: script },
        details,
        data: { exit: run.exit },
      },
    };
  }
  return { run };
}

function standInNote(run: ScriptRun): string {
  return run.standInsUsed.length > 0 ? ` (the grader's Python has no ${run.standInsUsed.join(', ')}: a stand-in took the plotting calls, no plot was drawn)` : '';
}

async function judgeRuns(ctx: CheckContext, prepared: Prepared): Promise<CheckOutcome> {
  const { options } = prepared;
  const script = options.script;
  const first = await originalRun(ctx, prepared);
  if (first.outcome) return first.outcome;
  const run = (first as { run: ScriptRun }).run;
  const problems: Array<{ message: string; location: Location }> = [];
  const details: Detail[] = [];
  const called = Object.values(run.calls).reduce((a, b) => a + b, 0);
  if (called === 0) {
    problems.push({ message: `${script} runs but never calls a function of ${prepared.module}: it verifies some other code`, location: { file: script } });
  }
  // The five pairs.
  const printed = printedPairs(run.stdout, options.pairs);
  const missing = options.pairs.filter(([m, n]) => !printed.has(`${m},${n}`));
  if (missing.length > 0) {
    problems.push({
      message: `${script} does not print ${missing.length === options.pairs.length ? 'the' : `${missing.length} of the`} lab's (m, n) pairs${missing.length < options.pairs.length ? ` (${missing.map(([m, n]) => `(${m}, ${n})`).join(', ')})` : ''} with their results, one pair a line`,
      location: { file: script },
    });
  }
  // The printout handed in.
  let compared = 0;
  if (options.output) {
    const handed = await ctx.files.readText(options.output);
    if (handed.ok) {
      const theirs = printedPairs(handed.text, options.pairs);
      for (const [key, now] of printed) {
        const then = theirs.get(key);
        if (!then) continue;
        compared++;
        if (then.numbers.length !== now.numbers.length) {
          problems.push({
            message: `${options.output}:${then.line} shows ${then.numbers.length} numbers for the pair (${now.m}, ${now.n}), ${script} prints ${now.numbers.length} now`,
            location: { file: options.output, line: then.line },
          });
          continue;
        }
        const i = then.numbers.findIndex((t, j) => !agree(t.value, now.numbers[j]!.value, options.noise));
        if (i < 0) continue;
        problems.push({
          message: `${options.output}:${then.line} shows ${then.numbers[i]!.text} for the pair (${now.m}, ${now.n}) where ${script} prints ${now.numbers[i]!.text} now`,
          location: { file: options.output, line: then.line, column: then.numbers[i]!.column },
        });
      }
      if (theirs.size === 0 && printed.size > 0) {
        problems.push({ message: `${options.output} shows none of the lab's pairs: it is not the printout of this ${script}`, location: { file: options.output } });
      }
    }
  }
  // Reported max diffs: what the script prints now against the write-up, the printout and the manifest.
  const printedMax = new Map<Quantity, number>();
  for (const r of reportedInText(`${script} output`, run.stdout)) printedMax.set(r.quantity, r.value);
  const reported = await findReportedNumbers(ctx.files, { manifest: options.manifest ?? '', texts: [...options.reports, ...(options.output ? [options.output] : [])] });
  for (const claim of reported) {
    const now = printedMax.get(claim.quantity);
    if (now === undefined) continue;
    compared++;
    if (agree(claim.value, now, options.noise)) continue;
    const what = claim.quantity === 'norm' ? 'max norm difference' : 'max |lhs - rhs|';
    problems.push({ message: `${claim.location.file}${claim.location.line ? `:${claim.location.line}` : ''} reports the ${what} as ${claim.text}, but ${script} prints ${fmt(now)} now`, location: claim.location });
  }
  for (const p of problems) details.push({ message: p.message, location: p.location });
  // Three parts, a third of the points each: it runs (true here), it prints the pairs from the learner's code, it agrees.
  const printsOk = called > 0 && missing.length === 0;
  const agreesOk = !problems.some((p) => p.location.file !== script);
  const data = { exit: run.exit, calls: run.calls, pairsPrinted: printed.size, compared, standIns: run.standInsUsed };
  if (problems.length > 0) {
    return {
      status: 'fail',
      credit: (1 + (printsOk ? 1 : 0) + (agreesOk ? 1 : 0)) / 3,
      message: `${problems[0]!.message}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`,
      location: problems[0]!.location,
      details,
      data,
    };
  }
  return {
    status: 'pass',
    message: `${script} runs on your code, prints the ${options.pairs.length} pairs${compared > 0 ? ` and agrees with what you handed in (${compared} comparison${compared === 1 ? '' : 's'})` : ''}${standInNote(run)}`,
    location: { file: script },
    data,
  };
}

async function judgeMutants(ctx: CheckContext, prepared: Prepared): Promise<CheckOutcome> {
  const { options, request } = prepared;
  const script = options.script;
  const first = await originalRun(ctx, prepared);
  if (first.outcome) {
    if (first.outcome.status === 'fail' || first.outcome.status === 'error') {
      return { status: 'skip', message: `skipped: ${script} does not pass on your own code, so what it rejects says nothing (${first.outcome.message})`, location: first.outcome.location ?? { file: script } };
    }
    return first.outcome;
  }
  const original = (first as { run: ScriptRun }).run;
  const caught: string[] = [];
  const accepted: Array<{ mutant: Mutant; message: string }> = [];
  const details: Detail[] = [];
  let runs = 0;
  for (const mutant of options.mutants) {
    const spec = MUTANTS[mutant];
    const fn = options.functions[spec.role];
    const what = spec.what(fn);
    // A variant of a function the script never called cannot change its run: not run at all.
    if ((original.calls[fn] ?? 0) === 0) {
      details.push({ message: `${what}: not tried, ${script} never calls ${fn}` });
      continue;
    }
    // Only the exit status matters: plotting goes to stand-ins even where the library is installed.
    const result = await runScript(ctx, { ...request, mutant, forceStandIns: true });
    if (!result.ok) {
      details.push({ message: `${what}: not tried (${result.outcome.message})` });
      continue;
    }
    const run = result.value;
    runs++;
    if (run.standInFailed) {
      details.push({ message: `${what}: inconclusive, ${script} needs the real ${run.standInsUsed.join(', ')} to run to its end` });
    } else if (run.mutantError) {
      details.push({ message: `${what}: not tried, the variant does not fit your ${fn} (${run.mutantError})` });
    } else if (run.timedOut) {
      details.push({ message: `${what}: inconclusive, ${script} did not finish within ${options.runTimeout} s` });
    } else if ((run.calls[fn] ?? 0) === 0) {
      details.push({ message: `${what}: not tried, ${script} never calls ${fn}` });
    } else if (run.exit === 0 && !run.signal) {
      const message = `your ${script} accepts ${what}: it ran to the end with status 0`;
      accepted.push({ mutant, message });
      details.push({ message, location: { file: script } });
    } else {
      caught.push(spec.short);
      const why = run.exception ? `${run.exception}${run.location ? ` at ${run.location.file}:${run.location.line}` : ''}` : `exit status ${run.exit ?? run.signal}`;
      details.push({ message: `${what}: rejected (${why})`, ...(run.location ? { location: run.location } : {}) });
    }
  }
  const data = { caught: caught.length, accepted: accepted.map((a) => a.mutant), tried: caught.length + accepted.length, runs };
  if (accepted.length > 0) {
    return {
      status: 'fail',
      credit: caught.length / (caught.length + accepted.length),
      message: `${accepted[0]!.message}${accepted.length > 1 ? ` (and ${accepted.length - 1} more broken variant${accepted.length > 2 ? 's' : ''})` : ''}; a verification script must fail (assert) when the property breaks`,
      location: { file: script },
      details,
      data,
    };
  }
  if (caught.length === 0) {
    const fns = [...new Set(options.mutants.map((m) => options.functions[MUTANTS[m].role]))];
    return { status: 'fail', message: `${script} never calls ${fns.join(' or ')}, so it cannot catch a bug in ${fns.length === 1 ? 'it' : 'them'}`, location: { file: script }, details, data };
  }
  return {
    status: 'pass',
    message: `${script} rejects ${caught.length} broken variant${caught.length === 1 ? '' : 's'} of your code (${caught.join(', ')})`,
    location: { file: script },
    details,
    data,
  };
}

const mutantNames = Object.keys(MUTANTS);

export const ropeVerifyScriptKind: CheckKind<VerifyScriptOptions> = {
  name: 'rope-verify-script',
  summary: "the learner's verify.py runs on their rope.py, prints the lab's pairs, agrees with what they handed in, and fails on broken variants",
  targets: ['lab'],
  optionsSchema: ropeSchema({
    script: { type: 'string', minLength: 1, default: DEFAULTS.script },
    output: { type: ['string', 'null'], default: DEFAULTS.output },
    reports: { type: 'array', items: { type: 'string', minLength: 1 }, default: DEFAULTS.reports },
    manifest: { type: ['string', 'null'], default: DEFAULTS.manifest },
    pairs: {
      type: 'array',
      minItems: 1,
      items: { type: 'array', minItems: 2, maxItems: 2, items: { type: 'integer', minimum: 0 } },
      default: DEFAULTS.pairs,
    },
    mutants: { type: 'array', uniqueItems: true, items: { enum: mutantNames }, default: [] },
    runTimeout: { type: 'number', exclusiveMinimum: 0, maximum: 3600, default: DEFAULTS.runTimeout },
    standIns: { type: 'array', items: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }, default: DEFAULTS.standIns },
    noise: { type: 'number', exclusiveMinimum: 0, default: DEFAULTS.noise },
  }),
  /**
   * The tasks session the runs fork from starts with the first checks (a
   * sandboxed interpreter: about 0.3-0.5 s of wall-clock time for one
   * submission on its own, a fork in batch mode), when the script is there.
   */
  async warm(ctx, raw) {
    const script = raw?.script ?? DEFAULTS.script;
    if (await ctx.files.exists(script)) await tasksSession(ctx);
  },
  async run(ctx, raw) {
    const prepared = await prepare(ctx, raw);
    if (!prepared.ok) return prepared.outcome;
    return prepared.value.options.mutants.length > 0 ? judgeMutants(ctx, prepared.value) : judgeRuns(ctx, prepared.value);
  },
};
