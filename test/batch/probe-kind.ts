import { basename } from 'node:path';
import type { CheckKind } from '../../src/checks/kind.js';

/** How many times the probe ran, per submission folder name: tells graded from reused. */
export const probeCalls = new Map<string, number>();

/**
 * A test-only check kind driven by the submission: answer.txt says `pass`,
 * `partial`, `fail <diagnosis>`, `throw` (a crash inside the kind) or `hang`
 * (never answers until aborted).
 */
export const probeKind: CheckKind<Record<string, never>> = {
  name: 'probe',
  summary: 'does what answer.txt says (tests only)',
  targets: ['lab'],
  optionsSchema: { type: 'object', additionalProperties: false, properties: {} },
  async run(ctx) {
    const name = basename(ctx.root);
    probeCalls.set(name, (probeCalls.get(name) ?? 0) + 1);
    const file = await ctx.files.readText('answer.txt');
    if (!file.ok) return { status: 'fail', message: file.message, diagnosis: 'no answer.txt handed in' };
    const text = file.text.trim();
    if (text === 'pass') return { status: 'pass', message: 'answered pass' };
    if (text === 'partial') return { status: 'fail', credit: 0.5, message: 'half right', location: { file: 'answer.txt', line: 1 } };
    if (text === 'throw') throw new Error('probe crashed on purpose');
    if (text === 'hang') {
      await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
      return { status: 'error', message: 'aborted' };
    }
    if (text.startsWith('fail')) {
      return {
        status: 'fail',
        message: 'answered fail',
        diagnosis: text.slice(5) || 'unspecified',
        location: { file: 'answer.txt', line: 1, column: 1 },
      };
    }
    return { status: 'fail', message: `unexpected answer ${JSON.stringify(text.slice(0, 40))}, expected pass` };
  },
};
