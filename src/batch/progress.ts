/**
 * Progress of a batch on stderr: a bar on a terminal, one plain line per
 * submission otherwise (CI logs, files), and the final one-line summary.
 */
import cliProgress from 'cli-progress';
import { terminalText } from '../reporters/escape.js';
import type { BatchEvent, BatchResult } from './run.js';

export interface Progress {
  onEvent(event: BatchEvent): void;
  stop(): void;
}

export function createProgress(stream: NodeJS.WriteStream = process.stderr, interactive = Boolean(stream.isTTY) && !process.env.CI): Progress {
  let bar: cliProgress.SingleBar | undefined;
  return {
    onEvent(event) {
      if (event.type === 'start') {
        if (interactive && event.inShard > 0) {
          bar = new cliProgress.SingleBar(
            {
              stream,
              format: 'grading [{bar}] {value}/{total} | {duration_formatted} elapsed, ETA {eta_formatted} | {last}',
              hideCursor: true,
              clearOnComplete: true,
              fps: 5,
            },
            cliProgress.Presets.shades_classic,
          );
          bar.start(event.inShard, 0, { last: '' });
        } else {
          const threads = event.threads > 0 ? ` in ${event.threads} thread${event.threads === 1 ? '' : 's'}` : '';
          stream.write(`grading ${event.inShard} submission${event.inShard === 1 ? '' : 's'} with ${event.jobs} job${event.jobs === 1 ? '' : 's'}${threads}\n`);
        }
        return;
      }
      const r = event.row;
      const line = `${terminalText(r.submission)} ${fmt(r.score)}/${fmt(r.maxScore)} ${r.status}${event.reused ? ' (unchanged)' : ''}`;
      if (bar) bar.update(event.done, { last: line.slice(0, 60) });
      else stream.write(`[${event.done}/${event.total}] ${line}\n`);
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}

/** "500 submissions in 12.3 s (40.7/s): 380 passed, 95 not passed, 25 with errors; 20 unchanged. Gradebook: out/grades.csv" */
export function summaryLine(result: BatchResult, gradebook: string): string {
  const secs = result.durationMs / 1000;
  const rate = result.graded > 0 && secs > 0 ? `, ${(result.graded / secs).toFixed(1)} graded/s` : '';
  const done = result.stopped ? `stopped: ${result.rows.length} of ${result.total} submissions` : `${result.total} submission${result.total === 1 ? '' : 's'}`;
  return (
    `${done} in ${secs.toFixed(1)} s${rate}: ` +
    `${result.passed} passed, ${result.failed} not passed, ${result.errored} with errors; ` +
    `${result.graded} graded, ${result.reused} unchanged${result.kept ? `; ${result.kept} more kept from earlier runs` : ''}. Gradebook: ${gradebook}`
  );
}

function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(2);
}
