/**
 * `rubricate merge`: one gradebook and summary from the output folders of
 * several batch runs (the shards of a CI matrix, or runs on several machines).
 * Each part's `batch.json` holds its rows; the parts must use the same rubric.
 * Reports and feedback files are copied next to the merged gradebook.
 */
import { copyFile, readFile, rename, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ensureDir, ensureOutputFolder, tempSibling } from '../core/dirs.js';
import { describeAjvError, inlineValidator } from '../core/ajv.js';
import { UsageError } from '../core/errors.js';
import { toolVersion } from '../core/paths.js';
import { removeTemps, writeAtomic } from './atomic.js';
import { gradebookCsv, sortRows, type GradebookRow, type RubricOutline } from './gradebook.js';
import { LAYOUT, writeCombinedJunit, type BatchFile } from './run.js';
import { renderSummary } from './summary.js';

export interface MergeResult {
  outDir: string;
  rows: GradebookRow[];
  parts: number;
  /** Problems worth a line on stderr: duplicates, missing shards. */
  warnings: string[];
}

export async function mergeBatches(parts: readonly string[], out: string, options: { copyReports?: boolean } = {}): Promise<MergeResult> {
  if (parts.length === 0) throw new UsageError('nothing to merge: pass the output folders of batch runs');
  const outDir = resolve(out);
  const warnings: string[] = [];
  let outline: RubricOutline | undefined;
  const rows = new Map<string, { row: GradebookRow; dir: string }>();
  const shards = new Map<number, Set<number>>();
  for (const part of parts) {
    const dir = resolve(part);
    const file = join(dir, LAYOUT.batch);
    let batch: BatchFile;
    try {
      batch = JSON.parse(await readFile(file, 'utf8')) as BatchFile;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new UsageError(
        code === 'ENOENT' ? `${part} is not a batch output folder (no ${LAYOUT.batch}; was the run finished?)` : `cannot read ${file}: ${code ?? 'invalid JSON'}`,
      );
    }
    const validate = inlineValidator(BATCH_FILE_SCHEMA);
    if (!validate(batch)) {
      const problem = validate.errors?.[0];
      throw new UsageError(`${file} is not a rubricate batch file${problem ? ` (${describeAjvError(problem)})` : ''}`);
    }
    if (!outline) outline = batch.rubric;
    else if (outline.id !== batch.rubric.id || outline.version !== batch.rubric.version) {
      throw new UsageError(`${part} was graded with rubric ${batch.rubric.id} v${batch.rubric.version}, the first part with ${outline.id} v${outline.version}; merge parts of one rubric`);
    }
    if (batch.tool?.version !== toolVersion()) warnings.push(`${part} was graded by rubricate ${batch.tool?.version}, this is ${toolVersion()}`);
    if (batch.shard) {
      const seen = shards.get(batch.shard.count) ?? new Set<number>();
      seen.add(batch.shard.index);
      shards.set(batch.shard.count, seen);
    }
    for (const row of batch.rows) {
      const previous = rows.get(row.submission);
      if (previous) {
        if (previous.row.cacheKey !== row.cacheKey) warnings.push(`${row.submission} appears in ${previous.dir} and ${part} with different content; keeping ${part}`);
        else continue;
      }
      rows.set(row.submission, { row, dir });
    }
  }
  for (const [count, seen] of shards) {
    const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !seen.has(i));
    if (missing.length > 0) warnings.push(`shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${count}`).join(', ')} missing: the gradebook is incomplete`);
  }

  const merged = sortRows([...rows.values()].map((r) => r.row));
  await ensureOutputFolder(outDir);
  await removeTemps([outDir]);
  let hasJunit = false;
  if (options.copyReports !== false) {
    for (const { row, dir } of rows.values()) {
      if (dir === outDir) continue;
      for (const [folder, ext] of [
        [LAYOUT.reports, 'json'],
        [LAYOUT.feedback, 'md'],
        [LAYOUT.gradescope, 'json'],
        [LAYOUT.junit, 'xml'],
      ] as const) {
        const from = join(dir, folder, `${row.submission}.${ext}`);
        if (!(await isFile(from))) continue;
        if (folder === LAYOUT.junit) hasJunit = true;
        await ensureDir(join(outDir, folder));
        const to = join(outDir, folder, `${row.submission}.${ext}`);
        const temp = tempSibling(to);
        await copyFile(from, temp);
        await rename(temp, to);
      }
    }
  }
  const scope = `Merged from ${parts.length} part${parts.length === 1 ? '' : 's'}`;
  await writeAtomic(join(outDir, LAYOUT.grades), gradebookCsv(outline!, merged));
  await writeAtomic(join(outDir, LAYOUT.summary), renderSummary(outline!, merged, { scope }));
  const batch: BatchFile = { schemaVersion: 1, tool: { name: 'rubricate', version: toolVersion() }, rubric: outline!, rows: merged };
  await writeAtomic(join(outDir, LAYOUT.batch), JSON.stringify(batch, null, 2) + '\n');
  if (hasJunit) await writeCombinedJunit(outDir, merged);
  return { outDir, rows: merged, parts: parts.length, warnings };
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

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}
