import type { Command } from 'commander';
import { ConfigError, formatLocation } from '../../core/errors.js';
import { emit } from '../output.js';

export function registerRubric(program: Command): void {
  const rubric = program
    .command('rubric')
    .description('inspect and validate rubrics')
    .addHelpText(
      'after',
      `
A rubric is a YAML file: criteria that each pick a check kind with options,
points, a dimension, a severity, a hint and a visibility. See README.md,
"Rubric format", and schemas/rubric.schema.json.`,
    );

  rubric
    .command('check')
    .description('validate rubric files; every problem is printed as file:line:column')
    .argument('<rubric...>', 'YAML rubric file(s)')
    .action(async (files: string[]) => {
      const { loadRubricFile } = await import('../../rubric/load.js');
      const lines: string[] = [];
      let bad = 0;
      for (const file of files) {
        try {
          const r = await loadRubricFile(file);
          lines.push(`${file}: ok (${r.id} v${r.version}, ${r.criteria.length} criteria, ${r.dimensions.length} dimensions)`);
        } catch (error) {
          if (!(error instanceof ConfigError)) throw error;
          bad++;
          const problems = error.problems.length > 0 ? error.problems : [{ message: error.message, location: error.location }];
          for (const p of problems) lines.push(`${p.location ? formatLocation(p.location) : file}: error: ${p.message}`);
        }
      }
      await emit(lines.join('\n'));
      if (bad > 0) process.exitCode = 2;
    });

  rubric
    .command('list')
    .description('list the rubrics rubricate knows (bundled ones and $RUBRICATE_RUBRICS folders)')
    .action(async () => {
      const { listRubrics } = await import('../../rubric/load.js');
      const lines: string[] = [];
      for (const entry of await listRubrics()) {
        if (entry.rubric) {
          const r = entry.rubric;
          const applies = r.appliesTo.experiment ? `  experiment: ${r.appliesTo.experiment.join(', ')}` : '';
          lines.push(`${r.id.padEnd(22)} v${r.version}  ${r.target.padEnd(8)}  ${r.title}${applies}`);
        } else {
          lines.push(`${entry.file}: invalid: ${entry.error?.message}`);
        }
      }
      await emit(lines.join('\n') || 'no rubrics found');
    });

  rubric
    .command('kinds')
    .description('list the check kinds a rubric criterion can use')
    .action(async () => {
      const { defaultRegistry } = await import('../../checks/registry.js');
      const kinds = defaultRegistry.all();
      const width = Math.max(...kinds.map((k) => k.name.length), 4);
      await emit(kinds.map((k) => `${k.name.padEnd(width)}  ${k.summary}`).join('\n'));
    });
}
