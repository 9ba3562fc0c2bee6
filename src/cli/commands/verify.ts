import { Command, Option } from 'commander';
import { stat } from 'node:fs/promises';
import { UsageError } from '../../core/errors.js';
import type { Report } from '../../core/types.js';
import type { CurriculumVerification } from '../../verify/curriculum.js';
import { emit, terminalWidth, useColor } from '../output.js';
import { nonEmpty } from '../options.js';

export const VERIFY_FORMATS = ['terminal', 'json', 'markdown', 'sarif'] as const;

export interface VerifyCommandOptions {
  rubric?: string;
  format: (typeof VERIFY_FORMATS)[number];
  output?: string;
  includePassing?: boolean;
  verbose?: boolean;
}

/**
 * `rubricate verify <build-prompt.md> --rubric <id>` verifies one document;
 * `rubricate verify <curriculum-dir>` verifies every module its
 * curriculum.yaml maps to a rubric. Exit 1 when a required criterion is
 * missing (or a check errored), 2 on usage or configuration errors.
 */
export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description('verify a build prompt (or every module of a curriculum) against a literature rubric')
    .argument('<target>', 'a Markdown build prompt, or a curriculum folder with curriculum.yaml')
    .option('-r, --rubric <id|path>', 'literature rubric (target: document); required for a single document', nonEmpty)
    .addOption(new Option('-f, --format <format>', 'output format').choices([...VERIFY_FORMATS]).default('terminal'))
    .option('-o, --output <file>', 'write the report to a file instead of stdout')
    .option('--include-passing', 'SARIF: also list covered criteria (kind "pass")')
    .option('-v, --verbose', 'terminal: show the evidence of covered criteria too')
    .addHelpText(
      'after',
      `
Covered criteria pass, partly covered ones warn, missing ones fail.

Examples:
  $ rubricate verify curricula/sample/modules/rope/build-prompt.md --rubric rope-build-prompt
  $ rubricate verify curricula/sample
  $ rubricate verify curricula/sample --format sarif -o verify.sarif

Exit codes: 0 no required criterion missing, 1 a required criterion is missing or a check errored,
2 usage or configuration error (bad rubric, bad curriculum.yaml, missing file).`,
    )
    .action(async (target: string, options: VerifyCommandOptions) => {
      const info = await stat(target).catch(() => undefined);
      if (!info) throw new UsageError(`not found: ${target} (expected a Markdown build prompt or a curriculum folder)`);
      const libs = await loadLibraries();
      const { missingRequired, verifyCurriculum, resolveRubric, verifyDocument } = libs;
      libs.ensureCoverageKind();
      const isCurriculum = info.isDirectory() || /(^|[\\/])curriculum\.ya?ml$/i.test(target);
      if (isCurriculum) {
        if (options.rubric) throw new UsageError('--rubric applies to a single document; a curriculum names its rubrics in curriculum.yaml');
        const result = await verifyCurriculum(target);
        await emit(renderCurriculum(result, options, libs), options.output);
        if (options.format !== 'terminal' || options.output) process.stderr.write(summaryLine(result) + '\n');
        process.exitCode = result.exitCode;
        return;
      }
      if (!options.rubric) throw new UsageError('verify <document> needs --rubric <id|path> (for example --rubric rope-build-prompt)');
      const rubric = await resolveRubric(options.rubric);
      const report = await verifyDocument({ rubric, document: target });
      await emit(renderReports([report], options, libs), options.output);
      const missing = missingRequired(report, rubric);
      process.exitCode = missing.length > 0 || report.summary.error > 0 ? 1 : 0;
    });
}

/** What verify needs beyond the program itself, imported when the command runs (`--help` stays fast). */
async function loadLibraries() {
  const [{ reporters }, { renderSarif }, { resolveRubric }, curriculum, verify] = await Promise.all([
    import('../../reporters/index.js'),
    import('../../reporters/sarif.js'),
    import('../../rubric/load.js'),
    import('../../verify/curriculum.js'),
    import('../../verify/verify.js'),
  ]);
  return { reporters, renderSarif, resolveRubric, ...curriculum, ...verify };
}

type Libraries = Awaited<ReturnType<typeof loadLibraries>>;

function renderReports(reports: Report[], options: VerifyCommandOptions, libs: Libraries): string {
  if (options.format === 'sarif') return libs.renderSarif(reports, { includePassing: Boolean(options.includePassing) });
  const reporter = libs.reporters[options.format];
  if (!reporter) throw new UsageError(`unknown format '${options.format}', expected one of ${VERIFY_FORMATS.join(', ')}`);
  return reporter(reports, {
    color: options.format === 'terminal' && useColor(options.output),
    ...(options.format === 'terminal' && terminalWidth(options.output) ? { width: terminalWidth(options.output)! } : {}),
    audience: 'instructor',
    ...(options.verbose ? { verbose: true } : {}),
  });
}

function renderCurriculum(result: CurriculumVerification, options: VerifyCommandOptions, libs: Libraries): string {
  const reports = result.verified.map((v) => v.report);
  switch (options.format) {
    case 'terminal':
      return `${reports.length > 0 ? renderReports(reports, options, libs).trimEnd() + '\n\n' : ''}${libs.curriculumSummary(result)}\n`;
    case 'markdown':
      return `# Curriculum verification: ${summaryLine(result)}\n\n${notVerifiedMarkdown(result)}${reports.length > 0 ? renderReports(reports, options, libs) : ''}`;
    case 'json':
      return (
        JSON.stringify(
          {
            curriculum: result.curriculum.id,
            modulesVerified: result.verified.length,
            modulesTotal: result.curriculum.modules.length,
            modules: result.curriculum.modules.map((m) => {
              const v = result.verified.find((x) => x.module.id === m.id);
              return v
                ? { id: m.id, status: 'verified', rubric: v.rubric.id, missingRequired: v.missingRequired }
                : { id: m.id, status: m.status ?? 'not-verified-yet' };
            }),
            exitCode: result.exitCode,
            reports,
          },
          null,
          2,
        ) + '\n'
      );
    case 'sarif':
      return renderReports(reports, options, libs);
  }
}

function summaryLine(result: CurriculumVerification): string {
  const total = result.curriculum.modules.length;
  return `${result.verified.length} of ${total} module${total === 1 ? '' : 's'} verified`;
}

function notVerifiedMarkdown(result: CurriculumVerification): string {
  if (result.notVerified.length === 0) return '';
  return `Not verified yet: ${result.notVerified.map((m) => `\`${m.id}\``).join(', ')}.\n\n`;
}
