/**
 * `batch.json`, the gradebook rows of a batch output folder: what
 * `rubricate merge` combines and what a later run into the same folder
 * keeps for the submissions it does not regrade.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeAjvError, inlineValidator } from '../core/ajv.js';
import { UsageError } from '../core/errors.js';
import type { GradebookRow, RubricOutline } from './gradebook.js';
import { LAYOUT } from './layout.js';
import type { Shard } from './shard.js';

export interface BatchFile {
  schemaVersion: 1;
  tool: { name: 'rubricate'; version: string };
  rubric: RubricOutline;
  shard?: Shard;
  rows: GradebookRow[];
}

/**
 * The batch file of the output folder `dir` (named `label` in messages),
 * validated; a usage error when it is missing, unreadable or not a batch
 * file.
 */
export async function readBatchFile(dir: string, label: string = dir): Promise<BatchFile> {
  const file = join(dir, LAYOUT.batch);
  let batch: unknown;
  try {
    batch = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(
      code === 'ENOENT' ? `${label} is not a batch output folder (no ${LAYOUT.batch}; was the run finished?)` : `cannot read ${file}: ${code ?? 'invalid JSON'}`,
    );
  }
  const validate = inlineValidator(BATCH_FILE_SCHEMA);
  if (!validate(batch)) {
    const problem = validate.errors?.[0];
    throw new UsageError(`${file} is not a rubricate batch file${problem ? ` (${describeAjvError(problem)})` : ''}`);
  }
  return batch as BatchFile;
}

const strings = { type: 'array', items: { type: 'string' } };
const named = (extra: Record<string, unknown> = {}) => ({
  type: 'object',
  required: ['id', 'title', ...Object.keys(extra)],
  properties: { id: { type: 'string' }, title: { type: 'string' }, ...extra },
});

/**
 * What merge reads of a part's batch.json. Submission names become file
 * names in the merged folder, so they must be names rubricate gives (no
 * folders, no leading dot).
 */
const BATCH_FILE_SCHEMA: Record<string, unknown> = {
  type: 'object',
  required: ['schemaVersion', 'rubric', 'rows'],
  properties: {
    schemaVersion: { const: 1 },
    rubric: named({
      version: { type: 'number' },
      passThreshold: { type: 'number' },
      dimensions: { type: 'array', items: named() },
      criteria: { type: 'array', items: named({ dimension: { type: 'string' }, points: { type: 'number' } }) },
    }),
    shard: { type: 'object', required: ['index', 'count'], properties: { index: { type: 'integer' }, count: { type: 'integer' } } },
    rows: {
      type: 'array',
      items: {
        type: 'object',
        required: ['submission', 'path', 'score', 'maxScore', 'dimensions', 'status', 'diagnosis', 'failed', 'errored', 'warned', 'diagnoses', 'summary'],
        properties: {
          submission: { type: 'string', pattern: '^[\\p{L}\\p{N}_][\\p{L}\\p{N}._-]*$' },
          path: { type: 'string' },
          score: { type: 'number' },
          maxScore: { type: 'number' },
          dimensions: { type: 'object', additionalProperties: { type: 'number' } },
          status: { enum: ['passed', 'failed', 'error'] },
          diagnosis: { type: 'string' },
          failed: strings,
          errored: strings,
          warned: strings,
          diagnoses: strings,
          unmetRequirements: strings,
          summary: { type: 'object', additionalProperties: { type: 'number' } },
          cacheKey: { type: 'string' },
        },
      },
    },
  },
};

