import { basename } from 'node:path';
import type { CheckKind } from '../../src/checks/kind.js';
import { probeAnswer, probeOptionsSchema } from './probe-answers.js';

/** How many times the probe ran, per submission folder name: tells graded from reused. */
export const probeCalls = new Map<string, number>();

/**
 * A test-only check kind driven by the submission: answer.txt says `pass`,
 * `partial`, `fail <diagnosis>`, `throw` (a crash inside the kind) or `hang`
 * (never answers until aborted); see probe-answers.js.
 */
export const probeKind: CheckKind<Record<string, never>> = {
  name: 'probe',
  summary: 'does what answer.txt says (tests only)',
  targets: ['lab'],
  optionsSchema: probeOptionsSchema,
  async run(ctx) {
    const name = basename(ctx.root);
    probeCalls.set(name, (probeCalls.get(name) ?? 0) + 1);
    return probeAnswer(ctx);
  },
};
