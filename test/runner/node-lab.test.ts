/**
 * The same lab, two languages: each TypeScript fixture and its Python twin
 * get the same code check ids, statuses and diagnoses.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { grade } from '../../src/core/engine.js';
import { resolveRubric } from '../../src/rubric/load.js';

const pairs: Array<[string, string]> = [
  ['ok-typescript', 'ok-interleaved'],
  ['bug-split-half', 'bug-split-half'],
  ['bug-clockwise', 'bug-clockwise'],
  ['bug-exponent-4i', 'bug-exponent-4i'],
];

/** Function names differ by language (ropeFrequencies / rope_frequencies); the diagnosis must not otherwise. */
function normalise(text: string): string {
  return text
    .replace(/ropeFrequencies|rope_frequencies/g, 'FREQUENCIES')
    .replace(/precomputeRope|precompute_rope/g, 'PRECOMPUTE')
    .replace(/applyRope|apply_rope/g, 'APPLY');
}

describe('TypeScript and Python lab-02 submissions', () => {
  for (const [ts, py] of pairs) {
    it(`${ts} grades like rope-lab02/${py} on every code check`, async () => {
      const tsReport = await grade({ rubric: await resolveRubric('rope-lab02-ts'), target: resolve('fixtures/rope-lab02-ts', ts) });
      const pyReport = await grade({ rubric: await resolveRubric('rope-lab02'), target: resolve('fixtures/rope-lab02', py) });
      const view = (checks: typeof tsReport.checks) =>
        checks.map((c) => ({ id: c.id, status: c.status, diagnosis: normalise(c.diagnosis ?? '') }));
      const pyCode = pyReport.checks.filter((c) => tsReport.checks.some((t) => t.id === c.id));
      // The ten RoPE code checks and the two constraints checks (rules and signatures) of either language.
      expect(tsReport.checks.length).toBe(12);
      expect(view(tsReport.checks)).toEqual(view(pyCode));
    });
  }
});
