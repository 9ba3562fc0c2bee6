import type { CheckKind } from '../../src/checks/kind.js';
import type { CheckOutcome } from '../../src/core/types.js';

/** A test-only check kind that returns the outcome its options describe. */
export const echoKind: CheckKind<{ status: CheckOutcome['status']; credit?: number; message?: string; throws?: boolean }> = {
  name: 'echo',
  summary: 'returns the status given in its options (tests only)',
  targets: ['lab', 'document'],
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['status'],
    properties: {
      status: { enum: ['pass', 'warn', 'fail', 'error', 'skip'] },
      credit: { type: 'number', minimum: 0, maximum: 1 },
      message: { type: 'string' },
      throws: { type: 'boolean' },
    },
  },
  run(_ctx, options) {
    if (options.throws) throw new Error('boom');
    return {
      status: options.status,
      message: options.message ?? `echo ${options.status}`,
      ...(options.credit !== undefined ? { credit: options.credit } : {}),
    };
  },
};
