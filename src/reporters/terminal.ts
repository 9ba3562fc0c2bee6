import { Chalk, type ChalkInstance } from 'chalk';
import wrapAnsi from 'wrap-ansi';
import { formatLocation } from '../core/errors.js';
import { notPassedReasons } from '../core/scoring.js';
import type { CheckResult, Location, ResultTable, Status } from '../core/types.js';
import { terminalText as t } from './escape.js';
import { fmtPoints, notesOf, percent, visibleChecks, type Reporter } from './types.js';

const SYMBOL: Record<Status, string> = { pass: '✓', warn: '!', fail: '✗', error: '⚠', skip: '-' };

function paint(c: ChalkInstance): Record<Status, (s: string) => string> {
  return { pass: c.green, warn: c.yellow, fail: c.red, error: c.magenta, skip: c.gray };
}

/**
 * Human report for a terminal: checks grouped by dimension, the failing ones
 * with their location, diagnosis and hint, then the score. Colour only when
 * asked (the CLI asks when stdout is a TTY and NO_COLOR is unset). Every
 * text of a report goes through `terminalText`: one line each, control and
 * bidi characters visible, so learner text can neither move the cursor nor
 * start a CI workflow command. With `width` (the CLI passes the terminal's),
 * long lines wrap between words, continuing under their own indent.
 *
 * The verdict says PASSED only when the exit code is 0: a submission above
 * the pass mark with a failing check reads "above the pass mark, N checks
 * failed", since CI reads exit code 1 as a failure.
 */
export const terminalReporter: Reporter = (reports, options = {}) => {
  const c = new Chalk({ level: options.color ? 1 : 0 });
  const color = paint(c);
  const out: string[] = [];
  for (const report of reports) {
    out.push(
      `${c.bold(t(report.submission.path))} ${c.dim(`· ${t(report.rubric.title)} (${t(report.rubric.id)} v${report.rubric.version})`)}`,
    );
    const env = report.environment as { isolation?: { level?: string; description?: string } } | undefined;
    if (env?.isolation?.level) out.push(c.dim(`  learner code isolation: ${t(env.isolation.description ?? env.isolation.level)}`));
    for (const notice of report.notices) {
      const where = notice.location ? `${located(notice.location)}  ` : '';
      const tone = notice.level === 'error' ? c.red : notice.level === 'warning' ? c.yellow : c.dim;
      out.push(`  ${tone(notice.level)}  ${where}${t(notice.message)}`);
    }
    const checks = visibleChecks(report, options.audience);
    const notes = notesOf(checks);
    const dims = report.dimensions.length > 0 ? report.dimensions : [{ id: '', title: 'Checks', score: report.score, maxScore: report.maxScore }];
    for (const dim of dims) {
      const mine = checks.filter((check) => dim.id === '' || check.dimension === dim.id);
      if (mine.length === 0) continue;
      out.push('');
      out.push(`  ${c.bold(t(dim.title))} ${c.dim(`${fmtPoints(dim.score)}/${fmtPoints(dim.maxScore)}`)}`);
      const idWidth = Math.max(...mine.map((check) => t(check.id).length));
      for (const check of mine) {
        if (!options.verbose && check.status === 'pass' && !check.table) {
          out.push(`    ${color.pass(SYMBOL.pass)} ${t(check.id).padEnd(idWidth)}  ${c.dim(pointsOf(check))}${check.required ? c.dim('  required') : ''}`);
          for (const note of notes.get(check.id) ?? []) out.push(`        ${c.dim(`· ${t(note.message)}`)}`);
          continue;
        }
        out.push(...checkLines(check, idWidth, c, color));
      }
    }
    out.push('');
    const failing = report.summary.fail + report.summary.error;
    const verdict = !report.passed
      ? c.red.bold('NOT PASSED')
      : failing > 0
        ? c.yellow.bold(`above the pass mark, ${failing} check${failing === 1 ? '' : 's'} failed`)
        : c.green.bold('PASSED');
    out.push(
      `  ${c.bold('Score')} ${fmtPoints(report.score)}/${fmtPoints(report.maxScore)} (${percent(report.score, report.maxScore)})` +
        ` · pass threshold ${Math.round(report.passThreshold * 100)}% · ${verdict}`,
    );
    const reasons = notPassedReasons(report);
    if (reasons.some((r) => r.startsWith('required check '))) out.push(`  ${c.red('not passed:')} ${t(reasons.join('; '))}`);
    const s = report.summary;
    out.push(
      `  ${[
        color.pass(`${s.pass} passed`),
        s.warn ? color.warn(`${s.warn} warned`) : `${s.warn} warned`,
        s.fail ? color.fail(`${s.fail} failed`) : `${s.fail} failed`,
        s.error ? color.error(`${s.error} errored`) : `${s.error} errored`,
        `${s.skip} skipped`,
      ].join(c.dim(' · '))}`,
    );
    out.push('');
  }
  return (options.width ? out.flatMap((line) => wrapLine(line, options.width!)) : out).join('\n');
};

/** `line` cut between words to `width` columns (ANSI styles kept); continuations indented under the line's text. */
function wrapLine(line: string, width: number): string[] {
  const indent = /^ */.exec(line)![0].length;
  const hang = Math.min(indent + 4, Math.floor(width / 2));
  const room = Math.max(20, width - hang);
  const body = line.slice(indent);
  const pieces = wrapAnsi(body, Math.max(20, width - indent), { hard: true, trim: true }).split('\n');
  if (pieces.length === 1) return [line];
  const rest = wrapAnsi(pieces.slice(1).join(' '), room, { hard: true, trim: true }).split('\n');
  return [' '.repeat(indent) + pieces[0], ...rest.map((piece) => ' '.repeat(hang) + piece)];
}

function pointsOf(check: CheckResult): string {
  return `${fmtPoints(check.points)}/${fmtPoints(check.maxPoints)}`;
}

function checkLines(
  check: CheckResult,
  idWidth: number,
  c: ChalkInstance,
  color: Record<Status, (s: string) => string>,
): string[] {
  const lines: string[] = [];
  const where = check.location ? `${c.cyan(located(check.location))}  ` : '';
  const required = check.required ? `${c.bold('required')}  ` : '';
  lines.push(`    ${color[check.status](SYMBOL[check.status])} ${t(check.id).padEnd(idWidth)}  ${c.dim(pointsOf(check))}  ${required}${where}${t(check.message)}`);
  const pad = ' '.repeat(8);
  for (const detail of (check.details ?? []).slice(0, 12)) {
    const at = detail.location ? `${c.cyan(located(detail.location))}  ` : '';
    const cmp = detail.expected !== undefined ? c.dim(` (found ${t(detail.actual ?? '?')}, expected ${t(detail.expected)})`) : '';
    lines.push(`${pad}${c.dim('·')} ${at}${t(detail.message)}${cmp}`);
  }
  if ((check.details?.length ?? 0) > 12) lines.push(`${pad}${c.dim(`· ... ${check.details!.length - 12} more`)}`);
  if (check.diagnosis) lines.push(`${pad}${c.bold('diagnosis:')} ${t(check.diagnosis)}`);
  if (check.hint) lines.push(`${pad}${c.dim('hint:')} ${t(check.hint)}`);
  if (check.table) lines.push(...tableLines(check.table, pad, c));
  return lines;
}

/** A check's table as aligned columns (cells one line each, control characters visible). */
function tableLines(table: ResultTable, pad: string, c: ChalkInstance): string[] {
  const stringWidth = (text: string) => [...text].length;
  const rows = [table.columns, ...table.rows].map((row) => row.map((cell) => t(cell)));
  const widths = table.columns.map((_, i) => Math.max(...rows.map((row) => stringWidth(row[i] ?? ''))));
  const line = (row: string[]) => row.map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat(Math.max(0, widths[i]! - stringWidth(cell))))).join('  ');
  const out: string[] = [];
  if (table.caption) out.push(`${pad}${c.dim(t(table.caption))}`);
  out.push(`${pad}${c.bold(line(rows[0]!))}`);
  out.push(`${pad}${c.dim(widths.map((w) => '─'.repeat(w)).join('  '))}`);
  for (const row of rows.slice(1)) out.push(`${pad}${line(row)}`);
  return out;
}

/** `file:line:column`, the file name being the learner's. */
function located(location: Location): string {
  return t(formatLocation(location));
}
