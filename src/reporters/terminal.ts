import { Chalk, type ChalkInstance } from 'chalk';
import { formatLocation } from '../core/errors.js';
import { notPassedReasons } from '../core/scoring.js';
import type { CheckResult, Status } from '../core/types.js';
import { fmtPoints, percent, visibleChecks, type Reporter } from './types.js';

const SYMBOL: Record<Status, string> = { pass: '✓', warn: '!', fail: '✗', error: '⚠', skip: '-' };

function paint(c: ChalkInstance): Record<Status, (s: string) => string> {
  return { pass: c.green, warn: c.yellow, fail: c.red, error: c.magenta, skip: c.gray };
}

/**
 * Human report for a terminal: checks grouped by dimension, the failing ones
 * with their location, diagnosis and hint, then the score. Colour only when
 * asked (the CLI asks when stdout is a TTY and NO_COLOR is unset).
 */
export const terminalReporter: Reporter = (reports, options = {}) => {
  const c = new Chalk({ level: options.color ? 1 : 0 });
  const color = paint(c);
  const out: string[] = [];
  for (const report of reports) {
    out.push(
      `${c.bold(report.submission.path)} ${c.dim(`· ${report.rubric.title} (${report.rubric.id} v${report.rubric.version})`)}`,
    );
    const env = report.environment as { isolation?: { level?: string; description?: string } } | undefined;
    if (env?.isolation?.level) out.push(c.dim(`  learner code isolation: ${env.isolation.description ?? env.isolation.level}`));
    for (const notice of report.notices) {
      const where = notice.location ? `${formatLocation(notice.location)}  ` : '';
      const tone = notice.level === 'error' ? c.red : notice.level === 'warning' ? c.yellow : c.dim;
      out.push(`  ${tone(notice.level)}  ${where}${notice.message}`);
    }
    const checks = visibleChecks(report, options.audience);
    const dims = report.dimensions.length > 0 ? report.dimensions : [{ id: '', title: 'Checks', score: report.score, maxScore: report.maxScore }];
    for (const dim of dims) {
      const mine = checks.filter((check) => dim.id === '' || check.dimension === dim.id);
      if (mine.length === 0) continue;
      out.push('');
      out.push(`  ${c.bold(dim.title)} ${c.dim(`${fmtPoints(dim.score)}/${fmtPoints(dim.maxScore)}`)}`);
      const idWidth = Math.max(...mine.map((check) => check.id.length));
      for (const check of mine) {
        if (!options.verbose && check.status === 'pass') {
          out.push(`    ${color.pass(SYMBOL.pass)} ${check.id.padEnd(idWidth)}  ${c.dim(pointsOf(check))}${check.required ? c.dim('  required') : ''}`);
          continue;
        }
        out.push(...checkLines(check, idWidth, c, color));
      }
    }
    out.push('');
    const verdict = report.passed ? c.green.bold('PASSED') : c.red.bold('NOT PASSED');
    out.push(
      `  ${c.bold('Score')} ${fmtPoints(report.score)}/${fmtPoints(report.maxScore)} (${percent(report.score, report.maxScore)})` +
        ` · pass threshold ${Math.round(report.passThreshold * 100)}% · ${verdict}`,
    );
    const reasons = notPassedReasons(report);
    if (reasons.some((r) => r.startsWith('required check '))) out.push(`  ${c.red('not passed:')} ${reasons.join('; ')}`);
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
  return out.join('\n');
};

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
  const where = check.location ? `${c.cyan(formatLocation(check.location))}  ` : '';
  const required = check.required ? `${c.bold('required')}  ` : '';
  lines.push(`    ${color[check.status](SYMBOL[check.status])} ${check.id.padEnd(idWidth)}  ${c.dim(pointsOf(check))}  ${required}${where}${check.message}`);
  const pad = ' '.repeat(8);
  for (const detail of (check.details ?? []).slice(0, 12)) {
    const at = detail.location ? `${c.cyan(formatLocation(detail.location))}  ` : '';
    const cmp = detail.expected !== undefined ? c.dim(` (found ${detail.actual ?? '?'}, expected ${detail.expected})`) : '';
    lines.push(`${pad}${c.dim('·')} ${at}${detail.message}${cmp}`);
  }
  if ((check.details?.length ?? 0) > 12) lines.push(`${pad}${c.dim(`· ... ${check.details!.length - 12} more`)}`);
  if (check.diagnosis) lines.push(`${pad}${c.bold('diagnosis:')} ${check.diagnosis}`);
  if (check.hint) lines.push(`${pad}${c.dim('hint:')} ${check.hint}`);
  return lines;
}
