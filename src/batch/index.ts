/** Batch grading: a class into a folder of reports, a gradebook and a summary; shards and merge. */
export { runBatch, LAYOUT, type BatchOptions, type BatchEvent, type BatchResult, type BatchFormat, type BatchFile } from './run.js';
export { mergeBatches, type MergeResult } from './merge.js';
export { parseShard, shardOf, inShard, type Shard } from './shard.js';
export { nameSubmissions, readListFile, safeName, type SubmissionEntry } from './submissions.js';
export { cacheKey, type CacheKeyInput } from './cache-key.js';
export { gradebookCsv, rowFromReport, outlineOf, mostImportant, type GradebookRow, type RubricOutline, type RowStatus } from './gradebook.js';
export { renderSummary } from './summary.js';
export { parseCsv, csvField, csvRecord } from './csv.js';
export { pickBatchRubric, type BatchRubric } from './pick.js';
export { errorReport } from './error-report.js';
