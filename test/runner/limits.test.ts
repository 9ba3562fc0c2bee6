/**
 * Time limits as data: the rubric's `limits:` block, overridden by the
 * command line, with the import measured on its own. The slow-import fixture
 * sleeps a fixed 1.5 s at import: it passes under the rubric's import limit
 * (the fixtures test) and runs out of a 0.5 s one here. Nothing here depends
 * on the machine's speed: a 1.5 s sleep never fits in 0.5 s, and the harness's
 * own start (interpreter, NumPy) does not count against the import limit.
 */
import { describe, expect, it } from 'vitest';
import { learnerLimits, sessionLimits } from '../../src/core/limits.js';
import { grade } from '../../src/core/engine.js';
import { resolveRubric } from '../../src/rubric/load.js';

const slow = new URL('../../fixtures/rope-lab02/limits-import-slow/', import.meta.url).pathname;

describe('limits', () => {
  it('the command line overrides a criterion, which overrides the rubric, which overrides the defaults', () => {
    expect(learnerLimits(undefined, undefined)).toEqual({ importTimeoutMs: 60_000, callTimeoutMs: 10_000, sessionTimeoutMs: 120_000 });
    const rubric = { limits: { import: 90, call: 4, submission: 300 } };
    expect(learnerLimits(rubric, undefined)).toEqual({ importTimeoutMs: 90_000, callTimeoutMs: 4000, sessionTimeoutMs: 300_000 });
    expect(learnerLimits(rubric, undefined, 2000).callTimeoutMs).toBe(2000);
    expect(learnerLimits(rubric, { callMs: 500, importMs: 1000 }, 2000)).toEqual({ importTimeoutMs: 1000, callTimeoutMs: 500, sessionTimeoutMs: 300_000 });
    // CPU time follows the wall-clock budget of the import and the calls.
    expect(sessionLimits({ rubric: rubric as never, services: {} }).cpuSeconds).toBe(390);
    expect(sessionLimits({ rubric: { limits: {} } as never, services: {} }).cpuSeconds).toBe(180);
  });

  it('a module slower to import than the import limit is one located error; the other code checks skip', async () => {
    const rubric = await resolveRubric('rope-lab02');
    const only = new Set(['code-shapes', 'code-frequencies', 'code-reference']);
    const report = await grade({ rubric: { ...rubric, criteria: rubric.criteria.filter((c) => only.has(c.id)) }, target: slow, services: { limits: { importMs: 500 } } });
    const [shapes, frequencies, reference] = report.checks;
    expect(shapes).toMatchObject({
      status: 'error',
      message: expect.stringContaining('took longer than 500 ms, the import limit (limits.import in the rubric, or --import-timeout)'),
      location: { file: 'src/minimodel/positional/rope.py' },
      data: { failure: 'timeout' },
    });
    expect(frequencies).toMatchObject({ status: 'skip', message: 'skipped: src/minimodel/positional/rope.py could not be loaded (see code-shapes)' });
    expect(reference!.status).toBe('skip');
  });
});
