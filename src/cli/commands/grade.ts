import { Command, Option } from 'commander';
import { stat } from 'node:fs/promises';
import { grade } from '../../core/engine.js';
import { UsageError } from '../../core/errors.js';
import { exitCodeFor } from '../../core/scoring.js';
import type { Report } from '../../core/types.js';
import { pickRubric } from '../../rubric/pick.js';
import { emit, reporterFor, useColor } from '../output.js';

export interface GradeCommandOptions {
  rubric?: string;
  format: string;
  output?: string;
  python?: string;
  isolation?: string;
  audience?: 'learner' | 'instructor';
  verbose?: boolean;
}

export function registerGrade(program: Command): void {
  program
    .command('grade')
    .description("grade learners' submissions against a rubric")
    .argument('<submission...>', 'submission folder(s): code, README.md, manifest.json, plot')
    .option('-r, --rubric <id|path>', "rubric id (see 'rubricate rubric list') or YAML file; default: picked from manifest.json \"experiment\"")
    .addOption(new Option('-f, --format <format>', 'output format').choices(['terminal', 'json', 'markdown']).default('terminal'))
    .option('-o, --output <file>', 'write the report to a file instead of stdout')
    .option('--python <path>', 'Python interpreter for learner code (default: the real path of python3)')
    .addOption(new Option('--isolation <level>', 'sandbox for learner code (default: the strongest available)').choices(['auto', 'bwrap', 'namespaces', 'rlimits']))
    .addOption(new Option('--audience <who>', 'learner hides instructor-only checks').choices(['learner', 'instructor']))
    .option('-v, --verbose', 'list passing checks with their messages too')
    .addHelpText(
      'after',
      `
Examples:
  $ rubricate grade fixtures/rope-lab02/ok-interleaved
  $ rubricate grade submissions/alice --rubric rope-lab02 --format json -o alice.json
  $ rubricate grade submissions/bob --format markdown --audience learner > feedback.md

Exit codes: 0 every check passed or warned, 1 a check failed or errored, 2 usage or configuration error.`,
    )
    .action(async (submissions: string[], options: GradeCommandOptions) => {
      const reports = await gradeMany(submissions, options);
      const reporter = reporterFor(options.format);
      await emit(
        reporter(reports, {
          color: options.format === 'terminal' && useColor(options.output),
          ...(options.audience ? { audience: options.audience } : {}),
          ...(options.verbose ? { verbose: true } : {}),
        }),
        options.output,
      );
      process.exitCode = exitCodeFor(reports);
    });
}

async function gradeMany(submissions: string[], options: GradeCommandOptions): Promise<Report[]> {
  const reports: Report[] = [];
  for (const submission of submissions) {
    const info = await stat(submission).catch(() => undefined);
    if (!info) throw new UsageError(`submission not found: ${submission}`);
    if (!info.isDirectory()) throw new UsageError(`not a submission folder: ${submission} (expected a directory)`);
    const rubric = await pickRubric(submission, options.rubric);
    reports.push(
      await grade({
        rubric,
        target: submission,
        services: {
          ...(options.python ? { python: options.python } : {}),
          ...(options.isolation && options.isolation !== 'auto' ? { isolation: options.isolation } : {}),
        },
      }),
    );
  }
  return reports;
}
