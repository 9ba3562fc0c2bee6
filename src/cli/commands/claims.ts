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
  repo?: string;
  runTests?: boolean;
  lineTolerance?: string;
  timeout?: string;
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
    .option('--repo <dir>', 'check an implementation summary against this repository: files created/modified (and, with git, changed in the summary\'s commit), line counts, test counts')
    .option('--run-tests', 'with --repo: run the project\'s tests and linter (Rust: cargo test, cargo clippy; Python: pytest) inside the sandbox, offline, with a time limit')
    .option('--line-tolerance <percent>', 'with --repo: how far a stated line count may be from the file\'s (default 10, and at least 5 lines)')
    .option('--timeout <seconds>', 'with --run-tests: wall-clock limit of each sandboxed command (default 300)')
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

With --repo DIR the document is read as an implementation summary ("Created
\`src/rope.rs\` (280 lines)", "16 new RoPE tests in tests/rope_test.rs", "All 145
tests passing", "Zero clippy warnings") and each repository claim is reported as
verified, refuted (with what the repository shows) or not verified (with why):
  - files: exist (paths tried from the root, from the summary's folder, and as the
    one file ending so); with git, changed in the summary's commit (the last one
    that changed the summary); git is read with no hooks and none of the repo's config;
  - line counts: within --line-tolerance, with or without blank lines;
  - tests: counted by reading, per file and per target (Rust #[test] per file and
    tests/*.rs target, lib and doc tests; pytest test_*; vitest/jest it/test; Go
    Test*), as an interval when tests are generated or gated; a count is refuted
    only outside it;
  - "all tests passing", "zero clippy warnings": not verified unless --run-tests,
    which runs the tools on a copy inside the sandbox, never on this machine directly
    (Rust: cargo test and clippy; Python: pytest, with the learner interpreter);
  - behaviour ("backward compatibility maintained"): never decided by reading.

Examples:
  $ rubricate claims SUMMARY.md --repo .
  $ rubricate claims docs/ROPE_SUMMARY.md --repo ~/rust-gpt --format json
  $ rubricate claims SUMMARY.md --repo . --run-tests --timeout 600

Exit codes: 0 every claim adds up / nothing refuted (warnings and not-verified
allowed), 1 a claim does not add up or is refuted, 2 unreadable input or usage error.`,
    )
    .action(async (docs: string[], options: ClaimsCommandOptions) => {
      if (options.repo !== undefined) return summaryAction(docs, options);
      if (options.runTests) throw new UsageError('--run-tests needs --repo <dir>');
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

/** `claims --repo`: each summary against the repository. */
async function summaryAction(docs: string[], options: ClaimsCommandOptions): Promise<void> {
  if (options.kinds) throw new UsageError('--kinds applies to numeric claims, not to --repo');
  const tolerance = options.lineTolerance === undefined ? undefined : Number(options.lineTolerance);
  if (tolerance !== undefined && !(tolerance >= 0 && tolerance <= 100)) throw new UsageError(`--line-tolerance must be a percentage from 0 to 100, got '${options.lineTolerance}'`);
  const timeout = options.timeout === undefined ? undefined : Number(options.timeout);
  if (timeout !== undefined && !(timeout > 0 && timeout <= 3600)) throw new UsageError(`--timeout must be seconds from 1 to 3600, got '${options.timeout}'`);
  await prepareOutput(options.output);
  const [{ checkSummary }, { summaryReport }, { reporters }, { renderSarif }] = await Promise.all([import('../../summary/index.js'), import('../../summary/report.js'), import('../../reporters/index.js'), import('../../reporters/sarif.js')]);
  const reports = [];
  for (const doc of docs) {
    const result = await checkSummary(doc, options.repo!, {
      ...(tolerance !== undefined ? { lineTolerance: tolerance / 100 } : {}),
      ...(options.runTests ? { runTests: timeout ? { timeoutMs: timeout * 1000 } : true } : {}),
    });
    reports.push(summaryReport(result));
  }
  const text =
    options.format === 'sarif'
      ? renderSarif(reports, { includePassing: Boolean(options.includePassing) })
      : reporters[options.format]!(reports, { color: options.format === 'terminal' && useColor(options.output), audience: 'instructor', ...(options.verbose ? { verbose: true } : {}) });
  await emit(text, options.output);
  process.exitCode = reports.some((r) => r.summary.fail > 0) ? 1 : 0;
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
