/**
 * Check kind `summary-claims`: an implementation summary handed in with the
 * work must be true of the repository it describes (the files it says were
 * created or modified, their line counts, its test counts and totals; see
 * src/summary and `rubricate claims --repo`). Usable in any rubric:
 *
 *   - id: summary-is-true
 *     kind: summary-claims
 *     options: { files: [docs/SUMMARY.md], repo: ., lineTolerance: 10 }
 *
 * fail: a claim is refuted (each refutation a located detail with what the
 * repository shows); pass: nothing refuted (the message says how many claims
 * were verified and how many could not be); skip: no summary or no
 * repository claim in it. Test runs and lint claims are decided only with
 * `runTests` (the project's tools inside the sandbox, with a time limit).
 */
import path from 'node:path';
import type { Detail } from '../core/types.js';
import { checkSummaryText, type CheckedClaim } from '../summary/index.js';
import type { IsolationLevel } from '../runner/types.js';
import type { CheckKind } from './kind.js';
import { readListedText } from './read-files.js';

export interface SummaryClaimsCheckOptions {
  /** Summaries, relative to the submission root. Default: the verified document, else SUMMARY.md. */
  files?: string[];
  /** The repository folder, relative to the submission root (default: the root). */
  repo?: string;
  /** Line count tolerance, percent (default 10, and at least 5 lines). */
  lineTolerance?: number;
  /** Run the project's tests and linter inside the sandbox to decide run and lint claims. */
  runTests?: boolean;
  /** Report refuted claims as warnings instead of failures. */
  warnOnly?: boolean;
}

function inside(root: string, rel: string): string | undefined {
  const full = path.resolve(root, rel);
  const back = path.relative(root, full);
  return back.startsWith('..') || path.isAbsolute(back) ? undefined : full;
}

export const summaryClaimsKind: CheckKind<SummaryClaimsCheckOptions> = {
  name: 'summary-claims',
  summary: 'an implementation summary must be true of its repository: files created/modified, line counts, test counts and totals',
  targets: ['lab', 'document'],
  optionsSchema: {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    additionalProperties: false,
    properties: {
      files: { description: 'Summaries, relative to the submission root (default: the verified document, else SUMMARY.md).', type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 },
      repo: { description: 'The repository folder, relative to the submission root.', type: 'string', minLength: 1, default: '.' },
      lineTolerance: { description: 'How far a stated line count may be from the file\'s, percent (at least 5 lines).', type: 'number', minimum: 0, maximum: 100, default: 10 },
      runTests: { description: 'Run the project\'s tests and linter inside the sandbox (Rust: cargo test, cargo clippy), offline and time-limited.', type: 'boolean', default: false },
      warnOnly: { description: 'Report refuted claims as warnings.', type: 'boolean', default: false },
    },
  },
  async run(ctx, options) {
    const files = options.files ?? [ctx.document ?? 'SUMMARY.md'];
    const repoRel = options.repo ?? '.';
    const repo = inside(ctx.root, repoRel);
    if (!repo) return { status: 'fail', message: `repo '${repoRel}' is outside the submission` };
    const claims: CheckedClaim[] = [];
    const missing: string[] = [];
    for (const file of files) {
      const read = await readListedText(ctx, file, missing);
      if (read === undefined) continue;
      if ('outcome' in read) return read.outcome;
      const result = await checkSummaryText(path.join(ctx.root, read.path), read.text, repo, {
        lineTolerance: (options.lineTolerance ?? 10) / 100,
        ...(options.runTests ? { runTests: ctx.services.isolation ? { isolation: ctx.services.isolation as IsolationLevel | 'auto' } : true } : {}),
      });
      for (const note of result.notes) ctx.notice({ level: 'info', message: `${read.path}: ${note}` });
      claims.push(...result.claims.map((c) => ({ ...c, file: read.path })));
    }
    if (claims.length === 0) {
      const where = missing.length === files.length ? `${missing.join(', ')} not found` : `no repository claim found in ${files.join(', ')}`;
      return { status: 'skip', message: `${where}; nothing to check` };
    }
    const refuted = claims.filter((c) => c.verdict === 'refuted');
    const verified = claims.filter((c) => c.verdict === 'verified');
    const open = claims.filter((c) => c.verdict === 'not-verified');
    const at = (c: CheckedClaim & { file?: string }) => ({ file: c.file ?? files[0]!, line: c.line, column: c.column });
    const details: Detail[] = [
      ...refuted.map((c) => ({ message: c.message, location: at(c), ...(c.stated ? { expected: c.stated.text } : {}), ...(c.actual ? { actual: c.actual } : {}) })),
      ...open.map((c) => ({ message: `not verified: ${c.message}`, location: at(c) })),
    ];
    const data = { checked: claims.length, verified: verified.length, refuted: refuted.length, notVerified: open.length };
    const counted = `${claims.length} repository claim${claims.length === 1 ? '' : 's'}: ${verified.length} verified, ${refuted.length} refuted, ${open.length} not verified`;
    if (refuted.length > 0) return { status: options.warnOnly ? 'warn' : 'fail', message: `${counted}; ${refuted[0]!.message}`, location: at(refuted[0]!), details, data };
    return { status: 'pass', message: counted, ...(details.length > 0 ? { details } : {}), data };
  },
};
