import type { Command } from 'commander';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { UsageError } from '../../core/errors.js';
import type { Curriculum, CurriculumModule } from '../../verify/curriculum.js';
import { emit } from '../output.js';
import { nonEmpty } from '../options.js';

export interface FindingsCommandOptions {
  rubric?: string;
  output?: string;
  module?: string;
  curriculum?: string;
}

/**
 * `rubricate findings <build-prompt.md> --rubric <id>` writes a findings
 * document; `rubricate findings <curriculum-dir> --module rope` takes the
 * build prompt, rubric and module list from curriculum.yaml. The document is
 * deterministic, so it can be committed and diffed. Exit 0 when the document
 * was written (use `verify` as the CI gate), 2 on usage or configuration errors.
 */
export function registerFindings(program: Command): void {
  program
    .command('findings')
    .description('write a Markdown findings document: a build prompt verified against a literature rubric')
    .argument('<target>', 'a Markdown build prompt, or a curriculum folder (with --module)')
    .option('-r, --rubric <id|path>', 'literature rubric (default: the module\'s rubric in curriculum.yaml)', nonEmpty)
    .option('-m, --module <id>', 'module id in the curriculum (default: the prompt\'s file name, or the only verified module)')
    .option('-c, --curriculum <dir>', 'curriculum folder, to name the module and list the modules still to verify')
    .option('-o, --output <file>', 'write the document to a file instead of stdout')
    .addHelpText(
      'after',
      `
Examples:
  $ rubricate findings curricula/sample/modules/rope/build-prompt.md --rubric rope-build-prompt
  $ rubricate findings curricula/sample --module rope -o docs/rope-findings.md

Exit codes: 0 the document was written, 2 usage or configuration error.`,
    )
    .action(async (target: string, options: FindingsCommandOptions) => {
      const info = await stat(target).catch(() => undefined);
      if (!info) throw new UsageError(`not found: ${target} (expected a Markdown build prompt or a curriculum folder)`);
      const [{ resolveRubric }, { loadCurriculum }, { renderFindings }, { ensureCoverageKind, verifyDocument }] = await Promise.all([
        import('../../rubric/load.js'),
        import('../../verify/curriculum.js'),
        import('../../verify/findings.js'),
        import('../../verify/verify.js'),
      ]);
      ensureCoverageKind();

      let curriculum: Curriculum | undefined;
      let module: CurriculumModule | undefined;
      let document = target;
      if (info.isDirectory()) {
        if (options.curriculum) throw new UsageError('give either a curriculum folder as target or --curriculum, not both');
        curriculum = await loadCurriculum(target);
        module = pickModule(curriculum, options.module);
        if (!module.buildPrompt) throw new UsageError(`module '${module.id}' has no buildPrompt in ${curriculum.file}`);
        document = resolve(curriculum.root, module.buildPrompt);
      } else if (options.curriculum) {
        curriculum = await loadCurriculum(options.curriculum);
        const abs = resolve(target);
        module = options.module
          ? pickModule(curriculum, options.module)
          : curriculum.modules.find((m) => m.buildPrompt !== undefined && resolve(curriculum!.root, m.buildPrompt) === abs);
      }

      const rubricRef = options.rubric ?? module?.rubric;
      if (!rubricRef) {
        throw new UsageError(
          module ? `module '${module.id}' has no rubric in curriculum.yaml; pass --rubric <id|path>` : 'findings <document> needs --rubric <id|path>',
        );
      }
      const rubric = await resolveRubric(rubricRef);
      const report = await verifyDocument({ rubric, document });
      const moduleInfo = module
        ? { id: module.id, ...(module.title ? { title: module.title } : {}) }
        : options.module
          ? { id: options.module }
          : undefined;
      const text = renderFindings(report, rubric, {
        ...(moduleInfo ? { module: moduleInfo } : {}),
        ...(curriculum ? { curriculum } : {}),
      });
      await emit(text, options.output);
      process.exitCode = 0;
    });
}

function pickModule(curriculum: Curriculum, id: string | undefined): CurriculumModule {
  if (id) {
    const found = curriculum.modules.find((m) => m.id === id);
    if (!found) throw new UsageError(`no module '${id}' in ${curriculum.file}; modules: ${curriculum.modules.map((m) => m.id).join(', ')}`);
    return found;
  }
  const withRubric = curriculum.modules.filter((m) => m.rubric !== undefined);
  if (withRubric.length === 1) return withRubric[0]!;
  throw new UsageError(`pass --module <id>: ${curriculum.file} maps ${withRubric.length} modules to rubrics`);
}
