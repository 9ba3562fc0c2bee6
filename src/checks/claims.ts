/**
 * Check kind `claims`: the numbers a document states must add up (totals
 * against their items, counts against what they count, percentages,
 * changes, products, table delta columns; docs/claims.md). Usable in any
 * rubric:
 *
 *   - id: numbers-add-up
 *     kind: claims
 *     options: { files: [README.md], kinds: [list-total, table-delta] }
 *
 * fail: some claim does not add up; warn: only implied relations (or
 * `warnOnly`); pass: every claim checked adds up (the message says how many);
 * skip: no numeric claim found, or the file is absent.
 */
import type { Detail } from '../core/types.js';
import { extractClaims } from '../claims/engine.js';
import { prepareDocument } from '../claims/document.js';
import { CLAIM_KIND_ALIASES, CLAIM_KINDS, resolveClaimKind, type Claim, type ClaimKind } from '../claims/types.js';
import type { CheckKind } from './kind.js';
import { readListedText } from './read-files.js';

export interface ClaimsCheckOptions {
  /** Documents to check, relative to the submission root. Default: the verified document, else README.md. */
  files?: string[];
  /** Structures to check (default: all); the names of earlier versions (itemized-total, reduction) are accepted. */
  kinds?: Array<ClaimKind | keyof typeof CLAIM_KIND_ALIASES>;
  /** Report inconsistent claims as warnings instead of failures. */
  warnOnly?: boolean;
}

export const claimsKind: CheckKind<ClaimsCheckOptions> = {
  name: 'claims',
  summary: 'numbers a document states must add up: totals, counts, percentages, changes, products, table deltas',
  targets: ['lab', 'document'],
  optionsSchema: {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    additionalProperties: false,
    properties: {
      files: {
        description: 'Documents to check, relative to the submission root (default: the verified document, else README.md).',
        type: 'array',
        items: { type: 'string', minLength: 1 },
        minItems: 1,
      },
      kinds: {
        description: 'Structures to check (default: all; see docs/claims.md).',
        type: 'array',
        items: { enum: [...CLAIM_KINDS, ...Object.keys(CLAIM_KIND_ALIASES)] },
        minItems: 1,
        uniqueItems: true,
      },
      warnOnly: { description: 'Report claims that do not add up as warnings.', type: 'boolean', default: false },
    },
  },
  async run(ctx, options) {
    const files = options.files ?? [ctx.document ?? 'README.md'];
    const claims: Claim[] = [];
    const details: Detail[] = [];
    const missing: string[] = [];
    for (const file of files) {
      const read = await readListedText(ctx, file, missing);
      if (read === undefined) continue;
      if ('outcome' in read) return read.outcome;
      const doc = await ctx.memo(`claims:document:${read.path}`, () => prepareDocument(read.path, read.text));
      const kinds = options.kinds?.flatMap((k) => resolveClaimKind(k) ?? []);
      claims.push(...extractClaims(doc, kinds ? { kinds } : {}));
    }
    const failing = claims.filter((c) => c.status === 'fail');
    const warning = claims.filter((c) => c.status === 'warn');
    for (const claim of [...failing, ...warning].sort((a, b) => a.location.file.localeCompare(b.location.file) || a.location.line - b.location.line)) {
      details.push({
        message: claim.status === 'warn' || options.warnOnly ? `${claim.message} (warning)` : claim.message,
        location: { ...claim.location },
        actual: claim.stated,
        expected: claim.expected,
      });
    }
    const data = { checked: claims.length, failed: failing.length, warned: warning.length, kinds: countKinds(claims) };
    if (claims.length === 0) {
      const where = missing.length === files.length ? `${missing.join(', ')} not found` : `no numeric claims found in ${files.join(', ')}`;
      return { status: 'skip', message: `${where}; nothing to check`, data };
    }
    const location = failing[0]?.location ?? warning[0]?.location;
    const checked = `${claims.length} numeric claim${claims.length === 1 ? '' : 's'} checked`;
    if (failing.length > 0) {
      const first = failing[0]!;
      return {
        status: options.warnOnly ? 'warn' : 'fail',
        message: `${checked}, ${failing.length} do${failing.length === 1 ? 'es' : ''} not add up: ${first.message}`,
        ...(location ? { location: { ...location } } : {}),
        details,
        data,
      };
    }
    if (warning.length > 0) {
      return {
        status: 'warn',
        message: `${checked}, ${warning.length} implied relation${warning.length === 1 ? '' : 's'} do${warning.length === 1 ? 'es' : ''} not add up: ${warning[0]!.message}`,
        ...(location ? { location: { ...location } } : {}),
        details,
        data,
      };
    }
    return { status: 'pass', message: `${checked}, all consistent`, data };
  },
};

function countKinds(claims: readonly Claim[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const claim of claims) out[claim.kind] = (out[claim.kind] ?? 0) + 1;
  return out;
}
