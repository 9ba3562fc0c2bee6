/**
 * Check kind `git-history`: in the learner's git history, the predictions
 * were committed before any results existed, and not edited afterwards.
 *
 * rubricate reads the history itself, with git run read-only in the
 * sandbox on a copy of the object store and never on the learner's
 * configuration (src/experiment/git.ts), and follows the predictions table
 * and the results through the commits (src/experiment/history.ts).
 *
 *   kind: git-history
 *   options:
 *     predictions: [predictions.md, spec.md]   # files that may hold the table
 *     results: [results.json, results.md, results/]
 *
 * fail: no repository or no commits; no commit holds the predictions table;
 * results committed before the predictions or in the same commit; the
 * predictions table changed (committed or not) after results existed; the
 * predictions commit comes first but was authored after the results commit.
 * warn: other signs of rewritten history (a commit committed before it was
 * authored, or before its parent), uncommitted changes to the table while no
 * results exist yet, a shallow clone. pass: predictions first, untouched
 * since. The message and details give the commits with author and committer
 * dates; findings are located at the predictions table (and its rows).
 */
import type { Detail, Location } from '../core/types.js';
import { GitRepository, MAX_COMMITS } from '../experiment/git.js';
import { analyseHistory, diffTables, DEFAULT_RESULT_HEADINGS, showDate, snapshot, type CommitInfo, type HistoryAnalysis, type RowEdit, type TableSnapshot } from '../experiment/history.js';
import type { IsolationLevel } from '../runner/types.js';
import type { CheckKind } from './kind.js';
import { locatePredictions, predictionsLocationSchema } from './predictions-table.js';

export interface GitHistoryOptions {
  predictions: string[];
  predictionHeadings?: string[];
  results: string[];
  resultHeadings?: string[];
  maxCommits?: number;
}

const strings = { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } } as const;

function isolationOf(value: unknown): IsolationLevel | 'auto' | undefined {
  return value === 'bwrap' || value === 'namespaces' || value === 'rlimits' || value === 'none' || value === 'auto' ? value : undefined;
}

function commitText(c: CommitInfo): string {
  const dates = c.authorDate === c.committerDate ? `authored and committed ${showDate(c.authorDate)}` : `authored ${showDate(c.authorDate)}, committed ${showDate(c.committerDate)}`;
  return `${c.short} '${c.subject}' (${dates})`;
}

function cellsText(columns: readonly string[], cells: readonly string[] | undefined): string {
  return (cells ?? []).map((cell, i) => `${columns[i] ?? `column ${i + 1}`} ${cell || '(empty)'}`).join(', ');
}

function editText(e: Omit<RowEdit, 'commit'>): string {
  if (e.change === 'added') return `'${e.label}' added (${cellsText(e.columns, e.after)})`;
  if (e.change === 'removed') return `'${e.label}' removed (was ${cellsText(e.columns, e.before)})`;
  const changed = (e.after ?? []).map((cell, i) => (cell !== e.before?.[i] ? `${e.columns[i] ?? `column ${i + 1}`} ${e.before?.[i] || '(empty)'} → ${cell || '(empty)'}` : undefined)).filter(Boolean);
  return `'${e.label}' changed: ${changed.join(', ')}`;
}

export const gitHistoryKind: CheckKind<GitHistoryOptions> = {
  name: 'git-history',
  summary: 'in the git history, the predictions were committed before any results and not edited after (read by sandboxed git, never the learner config)',
  targets: ['lab'],
  optionsSchema: {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    additionalProperties: false,
    required: ['predictions', 'results'],
    properties: {
      predictions: { ...predictionsLocationSchema.file, description: 'Files that may hold the predictions table, in order (a path, or a file name found in any folder).' },
      predictionHeadings: predictionsLocationSchema.headings,
      results: { ...strings, description: 'Files whose presence means results exist; a name ending in / is a folder.' },
      resultHeadings: { ...strings, description: `Title patterns of a Markdown section reporting results (default: ${DEFAULT_RESULT_HEADINGS.slice(0, 4).join(', ')}, ...).` },
      maxCommits: { type: 'integer', minimum: 1, maximum: 100000, default: MAX_COMMITS },
    },
  },
  async run(ctx, options) {
    const { located } = await locatePredictions(ctx, options.predictions, options.predictionHeadings);
    const worktree: TableSnapshot | undefined = located ? snapshot(located.path, located.found) : undefined;
    const tableAt: Location = located ? { file: located.path, line: located.found.table.line, column: 1 } : { file: options.predictions[0]! };
    const rowAt = (label: string): Location => {
      for (const row of worktree?.rows.values() ?? []) if (row.label === label) return { file: worktree!.path, line: row.line, column: 1 };
      return tableAt;
    };

    const opened = await GitRepository.open(ctx.root, { isolation: isolationOf(ctx.services.isolation) ?? 'auto' });
    if (!opened.ok) {
      if (opened.problem === 'unavailable' || opened.problem === 'error') return { status: 'error', message: `the git history could not be read: ${opened.message}`, location: tableAt };
      return { status: 'fail', credit: 0, message: `${opened.message}; rubricate cannot tell when the predictions were written (hand in the experiment as a git repository, with its history)`, location: tableAt };
    }
    const repo = opened.repo;
    let analysis: HistoryAnalysis;
    let truncated = false;
    try {
      // The repository's fault (missing objects, a corrupt pack, a history git cannot read in time) is a finding; the sandbox's is an error.
      const unreadable = (failure: { message: string; fault?: 'grader' | 'repository' }) =>
        failure.fault === 'grader'
          ? { status: 'error' as const, message: `the git history could not be read: ${failure.message}`, location: tableAt, data: { isolation: repo.isolation } }
          : { status: 'fail' as const, credit: 0, message: `the git history cannot be read: ${failure.message}`, location: { file: '.git' }, data: { isolation: repo.isolation } };
      const log = await repo.log(options.maxCommits ?? MAX_COMMITS);
      if (!log.ok) return unreadable(log);
      truncated = log.log.truncated;
      const result = await analyseHistory(log.log, (ids) => repo.blobs(ids, 512 * 1024), {
        predictions: options.predictions,
        results: options.results,
        ...(options.predictionHeadings ? { predictionHeadings: options.predictionHeadings } : {}),
        ...(options.resultHeadings ? { resultHeadings: options.resultHeadings } : {}),
      });
      if (!result.ok) return unreadable(result);
      analysis = result.analysis;
    } finally {
      await repo.close();
    }

    const details: Detail[] = [];
    const problems: Array<{ message: string; location: Location }> = [];
    const problem = (message: string, location: Location = tableAt) => void problems.push({ message, location });
    const concerns: string[] = [];
    const p = analysis.predictions;
    const r = analysis.results;
    const data: Record<string, unknown> = {
      commits: analysis.commits,
      isolation: repo.isolation,
      ...(p ? { predictions: { ...p.commit, path: p.path, line: p.line } } : {}),
      ...(r ? { results: { ...r.commit, evidence: r.evidence } } : {}),
      ...(analysis.order ? { order: analysis.order } : {}),
      edits: analysis.edits.map((e) => ({ commit: e.commit.id, label: e.label, change: e.change, ...(e.before ? { before: e.before } : {}), ...(e.after ? { after: e.after } : {}) })),
      signs: analysis.signs.map((s) => ({ commit: s.commit.id, message: s.message })),
    };
    if (analysis.commits === 0) {
      return { status: 'fail', credit: 0, message: 'the repository has no commits: rubricate cannot tell when the predictions were written', location: tableAt, data };
    }
    const resultsText = (evidence: NonNullable<typeof r>['evidence']) =>
      evidence
        .slice(0, 3)
        .map((e) => (e.kind === 'file' ? e.path : e.kind === 'column' ? `the '${e.name}' column of ${e.path}` : `section '${e.name}' of ${e.path}:${e.line}`))
        .join(', ');
    if (p) details.push({ message: `predictions first committed in ${commitText(p.commit)}, ${p.path}:${p.line}`, location: tableAt });
    if (r) details.push({ message: `results first committed in ${commitText(r.commit)}: ${resultsText(r.evidence)}`, location: { file: r.evidence[0]!.path, ...(r.evidence[0]!.line ? { line: r.evidence[0]!.line } : {}) } });

    if (!p) {
      problem(
        worktree
          ? `the predictions table (${tableAt.file}:${tableAt.line}) is in no commit: commit it before running the experiment`
          : `no commit holds a predictions table (looked in ${options.predictions.join(', ')})`,
      );
    } else if (r) {
      if (analysis.order === 'same-commit') problem(`the predictions and the results were committed together in ${commitText(p.commit)}; commit the predictions on their own, before running`);
      else if (analysis.order === 'results-first') problem(`results (${resultsText(r.evidence)}) were committed in ${commitText(r.commit)}, before the predictions in ${commitText(p.commit)}`);
      else if (analysis.order === 'parallel') {
        const before = Date.parse(p.commit.authorDate) < Date.parse(r.commit.authorDate);
        const text = `the predictions (${p.commit.short}) and the results (${r.commit.short}) were committed on separate branches; by author date the predictions came ${before ? 'first' : 'after the results'}`;
        if (before) concerns.push(text);
        else problem(text);
      }
      if (analysis.reordered) {
        problem(`the history was reordered: the predictions commit ${analysis.reordered.predictions.short} comes before the results commit ${analysis.reordered.results.short} but was authored after it (${showDate(analysis.reordered.predictions.authorDate)} vs ${showDate(analysis.reordered.results.authorDate)})`);
      }
    }
    if (analysis.edits.length > 0) {
      const byCommit = new Map<string, RowEdit[]>();
      for (const e of analysis.edits) byCommit.set(e.commit.id, [...(byCommit.get(e.commit.id) ?? []), e]);
      for (const edits of byCommit.values()) {
        const c = edits[0]!.commit;
        problem(`the predictions table was edited after results existed, in ${commitText(c)}: ${edits.map(editText).join('; ')}`, rowAt(edits[0]!.label));
        for (const e of edits) details.push({ message: `edited after results in ${c.short}: ${editText(e)}`, location: rowAt(e.label) });
      }
    }
    // The working copy against the last commit.
    if (worktree && analysis.head) {
      const uncommitted = diffTables(analysis.head, worktree);
      if (uncommitted.length > 0) {
        const text = `the predictions table in the working copy differs from the last commit: ${uncommitted.map(editText).join('; ')}`;
        if (r) problem(`${text}, after results were committed`, rowAt(uncommitted[0]!.label));
        else concerns.push(`${text} (not committed)`);
        for (const e of uncommitted) details.push({ message: `not committed: ${editText(e)}`, location: rowAt(e.label) });
      }
    }
    for (const s of analysis.signs) {
      concerns.push(`${s.commit.short} ${s.message}`);
      details.push({ message: `sign of rewritten history: ${s.commit.short} '${s.commit.subject}' ${s.message}`, location: tableAt });
    }
    if (repo.shallow.length > 0) concerns.push(`the clone is shallow (history cut at ${repo.shallow.map((s) => s.slice(0, 7)).join(', ')}): older commits are not there to read`);
    if (truncated) concerns.push(`only the newest ${options.maxCommits ?? MAX_COMMITS} commits were read`);
    if (analysis.unread.length > 0) concerns.push(`${analysis.unread.length} file version${analysis.unread.length === 1 ? ' was' : 's were'} too large to read`);

    if (problems.length > 0) {
      const [first, ...rest] = problems;
      const more = rest.length > 0 ? ` (and ${rest.length} more problem${rest.length > 1 ? 's' : ''})` : '';
      return { status: 'fail', credit: 0, message: `${first!.message}${more}`, location: first!.location, details: [...details, ...rest.map((x) => ({ message: x.message, location: x.location }))], data };
    }
    const summary = !r
      ? `predictions committed in ${commitText(p!.commit)}; no results committed yet`
      : `predictions committed in ${commitText(p!.commit)}, before the first results in ${commitText(r.commit)}, and not edited since`;
    if (concerns.length > 0) return { status: 'warn', message: `${summary}; but ${concerns.join('; ')}`, location: tableAt, details, data };
    return { status: 'pass', message: summary, location: tableAt, details, data };
  },
};
