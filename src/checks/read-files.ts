/**
 * One text file a document check reads: its notices go to the report, a
 * missing file is added to `missing` (the check decides what that means),
 * and a file that is there but cannot be read ends the check with a finding
 * at it.
 */
import type { CheckOutcome } from '../core/types.js';
import type { TextFile } from '../input/files.js';
import type { CheckContext } from './kind.js';

/** The file read, undefined when it is missing (listed in `missing`), or the outcome that ends the check. */
export async function readListedText(ctx: CheckContext, file: string, missing: string[]): Promise<TextFile | { outcome: CheckOutcome } | undefined> {
  const read = await ctx.files.readText(file);
  if (!read.ok) {
    if (read.problem === 'missing') {
      missing.push(file);
      return undefined;
    }
    return { outcome: { status: 'fail', message: read.message, location: { file: read.path } } };
  }
  for (const notice of read.notices) ctx.notice(notice);
  return read;
}
