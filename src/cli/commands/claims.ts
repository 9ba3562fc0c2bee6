import { Command, Option } from 'commander';
import { UsageError } from '../../core/errors.js';
import { CLAIM_KINDS, type Claim, type ClaimKind, type ClaimsReport } from '../../claims/types.js';

export interface ClaimsCommandOptions {
  format: 'terminal' | 'json';
  kinds?: string;
  verbose?: boolean;
}

/**
 * `rubricate claims <doc.md...>`: recompute the numbers documents state and
 * print one located line per claim that does not add up.
 */
export function registerClaims(program: Command): void {
  program
    .command('claims')
    .description('check that the numbers Markdown documents state add up (totals, percentages, products, table deltas)')
    .argument('<doc...>', 'Markdown document(s)')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['terminal', 'json']).default('terminal'))
    .option('-k, --kinds <list>', `comma-separated extractors to run (${CLAIM_KINDS.join(', ')})`)
    .option('-v, --verbose', 'list consistent claims too')
    .addHelpText(
      'after',
      `
Examples:
  $ rubricate claims docs/summary.md
  $ rubricate claims notes/*.md --kinds itemized-total,table-delta
  $ rubricate claims report.md --format json > claims.json

Exit codes: 0 every claim adds up (warnings allowed), 1 a claim does not add up, 2 unreadable input or usage error.`,
    )
    .action(async (docs: string[], options: ClaimsCommandOptions) => {
      const kinds = parseKinds(options.kinds);
      const { checkClaims } = await import('../../claims/index.js');
      const report = await checkClaims(docs, kinds ? { kinds } : {});
      const text = options.format === 'json' ? JSON.stringify(report, null, 2) : formatClaimsReport(report, { verbose: Boolean(options.verbose) });
      process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
      process.exitCode = report.summary.fail > 0 ? 1 : 0;
    });
}

function parseKinds(list: string | undefined): ClaimKind[] | undefined {
  if (list === undefined) return undefined;
  const kinds = list.split(',').map((k) => k.trim()).filter(Boolean);
  for (const kind of kinds) {
    if (!(CLAIM_KINDS as readonly string[]).includes(kind)) throw new UsageError(`unknown claim kind '${kind}', expected one of ${CLAIM_KINDS.join(', ')}`);
  }
  return kinds as ClaimKind[];
}

const SEVERITY: Record<Claim['status'], string> = { fail: 'error', warn: 'warning', ok: 'ok' };

/** `file:line:column  severity  message`, one per finding, then a one-line summary. Pure. */
export function formatClaimsReport(report: ClaimsReport, options: { verbose?: boolean } = {}): string {
  const lines: string[] = [];
  for (const file of report.files) {
    for (const claim of file.claims) {
      if (claim.status === 'ok' && !options.verbose) continue;
      const { line, column } = claim.location;
      lines.push(`${claim.location.file}:${line}:${column}  ${SEVERITY[claim.status]}  ${claim.message}  [${claim.kind}]`);
    }
  }
  const s = report.summary;
  const docs = `${report.files.length} document${report.files.length === 1 ? '' : 's'}`;
  const counted = `${s.checked} numeric claim${s.checked === 1 ? '' : 's'} checked`;
  const outcome = s.checked === 0 ? 'none found' : s.fail === 0 && s.warn === 0 ? 'all consistent' : `${s.fail} failed, ${s.warn} warning${s.warn === 1 ? '' : 's'}`;
  lines.push(`${docs}, ${counted}: ${outcome}`);
  return lines.join('\n');
}
