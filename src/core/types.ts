/**
 * The shared vocabulary of rubricate: findings, check outcomes, rubrics and reports.
 *
 * Every check kind returns a `CheckOutcome`; the engine stamps it with the
 * criterion's identity, points and visibility to make a `CheckResult`; every
 * reporter (terminal, JSON, Markdown, SARIF, JUnit, Gradescope, CI annotations)
 * is a view of the same `Report`.
 */

/** Status of one check, in increasing order of gravity (except `skip`). */
export type Status = 'pass' | 'warn' | 'fail' | 'error' | 'skip';

export const STATUSES: readonly Status[] = ['pass', 'warn', 'fail', 'error', 'skip'];

/** A place in a file. Lines and columns are 1-based. `file` is relative to the submission root. */
export interface Location {
  file: string;
  line?: number;
  column?: number;
  endLine?: number;
  endColumn?: number;
}

/** A secondary, located message attached to a check (one schema violation, one quoted sentence...). */
export interface Detail {
  message: string;
  location?: Location;
  /** What was found, when the detail compares. */
  actual?: string;
  /** What was expected, when the detail compares. */
  expected?: string;
  /** A remark the learner should read even when the check passes (a precision note): reports show it with passing checks too. */
  note?: boolean;
}

/**
 * A small table a check shows its reader (predictions against results, one
 * row per metric). Every report format renders it: aligned text in the
 * terminal, a GFM table in Markdown feedback, an HTML table, the data in JSON.
 */
export interface ResultTable {
  /** One line saying what the table compares. */
  caption?: string;
  columns: string[];
  /** Cells as text, one array per row, as many as `columns`. */
  rows: string[][];
}

/** What a check kind returns. Check kinds never set their own identity or points. */
export interface CheckOutcome {
  status: Status;
  /**
   * Fraction of the criterion's points earned, in [0, 1]. When omitted:
   * `pass` and `warn` earn 1, every other status 0. Kinds that measure degree
   * (how many Block E questions are answered) set it.
   */
  credit?: number;
  /** One sentence saying what is wrong (or right), "Unexpected X, expected Y" style. */
  message: string;
  /** The named cause of a failure, for learners: what bug this looks like and what to fix. */
  diagnosis?: string;
  location?: Location;
  details?: Detail[];
  /** Measured values other checks and reports may use (e.g. a max diff). Must be JSON-serialisable. */
  data?: Record<string, unknown>;
  /** A table for the reader (see `ResultTable`). */
  table?: ResultTable;
}

/** A notice about the input rather than about a criterion (repaired mojibake, BOM, CRLF...). */
export interface Notice {
  level: 'info' | 'warning' | 'error';
  message: string;
  location?: Location;
  /** Written by an instructor's adjustment (override, late penalty), not by grading. */
  adjustment?: boolean;
}

export type Severity = 'error' | 'warning' | 'info';
/**
 * Who sees a check: `learner` everyone; `instructor` instructors only (left
 * out of learner feedback; Gradescope `hidden`); `after_due_date` and
 * `after_published` are Gradescope's: rubricate's own learner feedback shows
 * them (it is handed back after grading), Gradescope holds them back until
 * the due date, or until grades are published.
 */
export type Visibility = 'learner' | 'instructor' | 'after_due_date' | 'after_published';

export interface Dimension {
  id: string;
  title: string;
  description?: string;
}

/** Literature metadata of a criterion (verification rubrics). */
export interface Literature {
  /** Where the paper says it: section, figure, equation. */
  evidence: string;
  /** What the paper says, one line per point. */
  says?: string[];
  /** Why it matters for the learner. */
  why?: string[];
  /** 1 is most urgent. */
  priority?: number;
  /**
   * Suggested addition to the document, in Markdown: one text, or variants
   * keyed by the document's conventions (`default`, `split-half`, `latex`,
   * `latex+split-half`...), the most specific that applies being used.
   */
  suggestion?: string | ({ default: string } & Record<string, string>);
  /** Heading used to group what the document gets right. */
  group?: string;
}

export interface Criterion {
  id: string;
  title: string;
  kind: string;
  points: number;
  dimension: string;
  /** `error`: a miss fails the check; `warning`: a miss only warns (still loses the points); `info`: never fails. */
  severity: Severity;
  /** Learner-facing hint shown when the check does not pass. */
  hint?: string;
  visibility: Visibility;
  /**
   * A requirement. Lab rubrics: only `required: true` is a gate, and the
   * submission does not pass while this check does not pass, whatever the
   * score. `verify`: a required criterion that is missing makes it exit
   * non-zero (there, the default is severity === 'error').
   */
  required?: boolean;
  options: Record<string, unknown>;
  literature?: Literature;
  /** Source position of the criterion in the rubric file, for located messages. */
  source?: Location;
}

export interface Rubric {
  id: string;
  title: string;
  version: number;
  description?: string;
  /** `lab`: grades a submission folder; `document`: verifies one Markdown document. */
  target: 'lab' | 'document';
  /** Which submissions this rubric grades when `--rubric` is omitted. */
  appliesTo: { experiment?: string[]; runner?: string };
  /** Fraction of maxScore needed to pass, in [0, 1]. */
  passThreshold: number;
  /** Late policy, applied when a due date is given. */
  late?: LatePolicy;
  dimensions: Dimension[];
  criteria: Criterion[];
  /**
   * What a verification rubric's documents are about: token patterns naming
   * the subject and naming other methods, so statements are credited only
   * from sentences about the subject (see src/verify/document.ts).
   */
  subject?: { names: string[]; others?: string[] };
  /**
   * Conventions a verification rubric tells apart in documents (e.g.
   * `pairing: { interleaved: [...], split-half: [...] }`), each variant a
   * list of patterns as in coverage statements; suggested additions follow
   * the variant a document uses.
   */
  conventions?: Record<string, Record<string, Array<string | { words?: string; math?: string; near?: string }>>>;
  /** Wall-clock limits of the learner's code (rubric `limits:` block, seconds; overridable from the command line). */
  limits?: RubricLimits;
  /** Literature source (verification rubrics). */
  source?: { title: string; authors?: string; year?: number; url?: string; analysis?: string; notes?: string[] };
  /** Absolute path of the YAML file it was loaded from. */
  path: string;
}

/** The rubric's `limits:` block: wall-clock seconds for the learner's code. */
export interface RubricLimits {
  /** Starting the sandbox and importing the learner's module. */
  import?: number;
  /** One call of a learner function. */
  call?: number;
  /** All calls of one learner session after the import (the import has its own limit). */
  submission?: number;
}

/** One graded criterion: the outcome stamped with the criterion's identity. */
export interface CheckResult {
  id: string;
  title: string;
  kind: string;
  dimension: string;
  severity: Severity;
  visibility: Visibility;
  /** Set on a gate (`required: true`): the submission passes only when this check passes (or warns). */
  required?: true;
  status: Status;
  points: number;
  maxPoints: number;
  message: string;
  diagnosis?: string;
  hint?: string;
  location?: Location;
  details?: Detail[];
  data?: Record<string, unknown>;
  table?: ResultTable;
  durationMs?: number;
  /** Points set by the instructor (src/batch/adjust.ts): `points` replaced `originalPoints`. */
  override?: { points: number; originalPoints: number; reason: string };
}

export interface DimensionScore {
  id: string;
  title: string;
  score: number;
  maxScore: number;
}

/** A gate: a required criterion and whether the submission meets it (the check passed or only warned). */
export interface Gate {
  id: string;
  title: string;
  status: Status;
  met: boolean;
}

export const REPORT_SCHEMA_VERSION = 1;

/** The JSON report: the contract CI, batch runs and later tools build on (schemas/report.schema.json). */
export interface Report {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  tool: { name: 'rubricate'; version: string };
  rubric: { id: string; title: string; version: number };
  submission: { name: string; path: string };
  score: number;
  maxScore: number;
  passThreshold: number;
  /** The score reaches the pass mark and every gate is met. */
  passed: boolean;
  /** The rubric's gates (criteria with `required: true`), when it has any. */
  gates?: Gate[];
  dimensions: DimensionScore[];
  summary: Record<Status, number>;
  checks: CheckResult[];
  notices: Notice[];
  environment?: Record<string, unknown>;
  durationMs?: number;
  /** The late penalty applied to `score` (src/batch/adjust.ts). */
  late?: LateRecord;
}

/** A rubric's late policy: the fraction of the total lost per started day after the due date (plus grace), at most `max`. */
export interface LatePolicy {
  perDay: number;
  max?: number;
  graceMinutes?: number;
}

export interface LateRecord {
  submittedAt: string;
  due: string;
  hoursLate: number;
  /** Fraction of the score taken off (0 when on time). */
  penalty: number;
  scoreBeforePenalty: number;
  /** How the submission time is known: an LMS export's metadata, a times file, or the files' modification times. */
  source: string;
}
