import type { Command } from 'commander';
import { join, relative } from 'node:path';
import { LAYOUT } from '../../batch/layout.js';
import { exitCodeFor } from '../../core/scoring.js';
import { terminalText } from '../../reporters/escape.js';

export function registerMerge(program: Command): void {
  program
    .command('merge')
    .description('combine the output folders of several batch runs (shards) into one gradebook and summary')
    .argument('<out-dir...>', "output folders of 'rubricate grade --out' runs")
    .requiredOption('--out <dir>', 'folder for the merged grades.csv, summary.md, batch.json and copied reports')
    .option('--no-copy', 'write only the gradebook and summary, do not copy reports and feedback')
    .addHelpText(
      'after',
      `
Examples:
  $ rubricate grade --from class.txt --rubric rope-lab02 --shard 1/2 --out part-1
  $ rubricate grade --from class.txt --rubric rope-lab02 --shard 2/2 --out part-2
  $ rubricate merge part-1 part-2 --out graded

The parts must be graded with the same rubric; a missing shard is reported on stderr.
Exit codes: 0 no check failed, 1 a check failed or errored in some submission, 2 usage error.`,
    )
    .action(async (parts: string[], options: { out: string; copy: boolean }) => {
      const { mergeBatches } = await import('../../batch/merge.js');
      const result = await mergeBatches(parts, options.out, { copyReports: options.copy });
      for (const warning of result.warnings) process.stderr.write(`rubricate: warning: ${terminalText(warning)}\n`);
      const n = result.rows.length;
      const count = (s: string) => result.rows.filter((r) => r.status === s).length;
      const gradebook = relative(process.cwd(), join(result.outDir, LAYOUT.grades)) || LAYOUT.grades;
      process.stdout.write(
        `${n} submission${n === 1 ? '' : 's'} from ${result.parts} part${result.parts === 1 ? '' : 's'}: ` +
          `${count('passed')} passed, ${count('failed')} not passed, ${count('error')} with errors. Gradebook: ${gradebook}\n`,
      );
      process.exitCode = exitCodeFor(result.rows);
    });
}
