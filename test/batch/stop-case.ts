import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { parseCsv } from '../../src/batch/csv.js';
import type { BatchOptions, BatchResult } from '../../src/batch/run.js';

type Run = (options: Partial<BatchOptions> & Pick<BatchOptions, 'submissions' | 'outDir'>) => Promise<BatchResult>;

/**
 * Ctrl-C in the middle of a batch of three probe submissions whose second
 * (`slow`) hangs: stopped when the first report is written, the batch leaves
 * only that report, and the next run grades the other two.
 */
export async function stopThenResume(run: Run, [first, slow, last]: [string, string, string], out: string): Promise<void> {
  writeFileSync(join(slow, 'answer.txt'), 'hang\n');
  const controller = new AbortController();
  const stopped = await run({
    submissions: [first, slow, last],
    outDir: out,
    jobs: 2,
    signal: controller.signal,
    onEvent: (event) => {
      if (event.type === 'submission') controller.abort();
    },
  });
  expect(stopped.stopped).toBe(true);
  expect(readdirSync(join(out, 'reports'))).toEqual(['alice.json']);
  expect(parseCsv(readFileSync(join(out, 'grades.csv'), 'utf8')).map((r) => r[0])).toEqual(['submission', 'alice']);
  writeFileSync(join(slow, 'answer.txt'), 'pass\n');
  const resumed = await run({ submissions: [first, slow, last], outDir: out });
  expect([resumed.graded, resumed.reused, resumed.stopped]).toEqual([2, 1, false]);
}
