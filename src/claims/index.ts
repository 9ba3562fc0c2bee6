/**
 * Numeric-claim checking: recompute what a document asserts about its own
 * numbers (totals, percentages, products, reductions, table deltas) and flag
 * what does not add up, located at the number that asserts it.
 *
 *   const report = await checkClaims(['docs/summary.md']);
 *   for (const f of report.files) for (const c of f.claims) if (c.status !== 'ok') console.log(c.message);
 */
import { basename, dirname } from 'node:path';
import { RubricateError } from '../core/errors.js';
import { DirectorySubmission } from '../input/submission.js';
import { checkClaimsText, summarise } from './engine.js';
import type { Claim, ClaimsOptions, ClaimsReport } from './types.js';

export * from './types.js';
export { checkClaimsText, extractClaims, extractors, summarise } from './engine.js';
export { prepareDocument, type ClaimsDocument } from './document.js';
export type { Extractor } from './extractor.js';

/** A document that cannot be read as text: the command exits 2 with this one line. */
export class UnreadableDocumentError extends RubricateError {}

/**
 * Reads each document (with input hygiene: BOM, CRLF, mojibake, size and
 * binary checks) and checks its claims. Paths are reported as given.
 * Throws `UnreadableDocumentError` for a missing, binary or oversized file.
 */
export async function checkClaims(paths: string[], options: ClaimsOptions = {}): Promise<ClaimsReport> {
  const files: ClaimsReport['files'] = [];
  for (const path of paths) {
    const text = await readDocument(path);
    files.push({ file: path, claims: checkClaimsText(text, path, options) });
  }
  const all: Claim[] = files.flatMap((f) => f.claims);
  return { files, summary: summarise(all) };
}

async function readDocument(path: string): Promise<string> {
  const files = new DirectorySubmission(dirname(path));
  const result = await files.readText(basename(path));
  if (!result.ok) {
    const reason = result.problem === 'missing' ? 'not found' : result.message;
    throw new UnreadableDocumentError(`cannot read ${path}: ${reason}`);
  }
  return result.text;
}
