/**
 * Loading a Markdown document for a check: resolves the file (the option, the
 * verified document, else README.md, with case variants such as readme.md),
 * reads it through the input hygiene, parses it once per submission
 * (`ctx.memo('markdown:' + path)`) and forwards hygiene notices once.
 * Unreadable files become a located `fail` outcome, never an exception.
 */
import type { CheckContext } from '../checks/kind.js';
import type { CheckOutcome } from '../core/types.js';
import type { FileFailure } from '../input/files.js';
import { parseMarkdown, type MarkdownDoc } from './document.js';

export type LoadedMarkdown = { ok: true; doc: MarkdownDoc; path: string } | { ok: false; outcome: CheckOutcome };

const README_VARIANTS = ['README.md', 'readme.md', 'Readme.md', 'README.MD', 'README.markdown', 'readme.markdown', 'README.txt', 'README'];

/** The document a check reads: `file`, else the verified document, else README.md. */
export function documentPath(ctx: CheckContext, file: string | undefined): string {
  return file ?? ctx.document ?? 'README.md';
}

export async function loadMarkdown(ctx: CheckContext, file: string | undefined): Promise<LoadedMarkdown> {
  const wanted = documentPath(ctx, file);
  let path = wanted;
  if (!(await ctx.files.exists(wanted))) {
    // Learners write readme.md or README.markdown; accept case and extension variants of the same name.
    const base = wanted.replace(/^.*\//, '');
    const dir = wanted.slice(0, wanted.length - base.length);
    const variants = /^readme(\.\w+)?$/i.test(base) ? README_VARIANTS.map((v) => dir + v) : [];
    const all = await ctx.files.list().catch(() => [] as string[]);
    const sameName = all.filter((f) => f.toLowerCase() === wanted.toLowerCase());
    path = (await ctx.files.findFirst([...sameName, ...variants])) ?? wanted;
  }
  const result = await ctx.memo(`markdown:${path}`, async () => {
    const read = await ctx.files.readText(path);
    if (!read.ok) return read;
    for (const n of read.notices) ctx.notice(n);
    const doc = parseMarkdown(read.text, { path: read.path });
    if (doc.degraded) ctx.notice({ level: 'warning', message: `${read.path}: ${doc.degraded}`, location: { file: read.path } });
    return { ok: true as const, doc };
  });
  if (!result.ok) return { ok: false, outcome: failureOutcome(result as FileFailure) };
  return { ok: true, doc: result.doc, path: result.doc.path ?? path };
}

function failureOutcome(failure: FileFailure): CheckOutcome {
  const location = { file: failure.path };
  switch (failure.problem) {
    case 'binary':
    case 'encoding':
      return { status: 'fail', message: `${failure.message}; the write-up must be a Markdown text file`, location };
    default:
      return { status: 'fail', message: failure.message, location };
  }
}
