import { Command, Option } from 'commander';
import { UsageError } from '../../core/errors.js';
import { CLAIM_KIND_ALIASES, CLAIM_KINDS, resolveClaimKind, type ClaimKind } from '../../claims/types.js';
import { emit, prepareOutput, useColor } from '../output.js';

export const CLAIMS_FORMATS = ['terminal', 'json', 'markdown', 'sarif', 'github'] as const;

export interface ClaimsCommandOptions {
  format: (typeof CLAIMS_FORMATS)[number];
  output?: string;
  kinds?: string;
  includePassing?: boolean;
  verbose?: boolean;
}

/**
 * `rubricate claims <doc.md...>`: recompute the numbers documents state and
 * report each claim as a located check, in the report format of `grade` and
 * `verify` (one report per document).
 */
export function registerClaims(program: Command): void {
  program
    .command('claims')
    .description('check that the numbers Markdown documents state add up (totals, counts, percentages, changes, products, table deltas)')
    .argument('<doc...>', 'Markdown document(s)')
    .addOption(new Option('-f, --format <format>', 'output format').choices([...CLAIMS_FORMATS]).default('terminal'))
    .option('-o, --output <file>', 'write the report to a file instead of stdout')
    .option('-k, --kinds <list>', `comma-separated structures to check (${CLAIM_KINDS.join(', ')})`)
    .option('--include-passing', 'SARIF: also list the claims that add up (kind "pass")')
    .option('-v, --verbose', 'terminal: show the claims that add up with their messages too')
    .addHelpText(
      'after',
      `
Each claim is one check, located at the number that states it: it passes when the
document's own numbers give it at the precision written, fails when they contradict it
under every plausible reading, and only warns when the relation is implied (a total
near a list that does not say it sums it). See docs/claims.md for the rules.

Examples:
  $ rubricate claims docs/summary.md
  $ rubricate claims notes/*.md --kinds list-total,table-total
  $ rubricate claims report.md --format json -o claims.json
  $ rubricate claims README.md --format sarif -o claims.sarif

Exit codes: 0 every claim adds up (warnings allowed), 1 a claim does not add up,
2 unreadable input or usage error.`,
    )
    .action(async (docs: string[], options: ClaimsCommandOptions) => {
      const kinds = parseKinds(options.kinds);
      await prepareOutput(options.output);
      const [{ checkClaims }, { claimsReports }, { reporters }, { renderSarif }] = await Promise.all([
        import('../../claims/index.js'),
        import('../../claims/report.js'),
        import('../../reporters/index.js'),
        import('../../reporters/sarif.js'),
      ]);
      const reports = claimsReports(await checkClaims(docs, kinds ? { kinds } : {}));
      const text =
        options.format === 'sarif'
          ? renderSarif(reports, { includePassing: Boolean(options.includePassing) })
          : reporters[options.format]!(reports, {
              color: options.format === 'terminal' && useColor(options.output),
              audience: 'instructor',
              ...(options.verbose ? { verbose: true } : {}),
            });
      await emit(text, options.output);
      process.exitCode = reports.some((r) => r.summary.fail > 0) ? 1 : 0;
    });
}

/** Structure names, with the names of earlier versions (itemized-total, reduction) still accepted. */
export function parseKinds(list: string | undefined): ClaimKind[] | undefined {
  if (list === undefined) return undefined;
  const out = new Set<ClaimKind>();
  for (const name of list.split(',').map((k) => k.trim()).filter(Boolean)) {
    const kinds = resolveClaimKind(name);
    if (!kinds) throw new UsageError(`unknown claim kind '${name}', expected one of ${[...CLAIM_KINDS, ...Object.keys(CLAIM_KIND_ALIASES)].join(', ')}`);
    for (const k of kinds) out.add(k);
  }
  if (out.size === 0) throw new UsageError('--kinds needs at least one claim kind');
  return [...out];
}
