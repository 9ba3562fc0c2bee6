import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../core/errors.js';
import type { Rubric } from '../core/types.js';
import { defaultRegistry, type Registry } from '../checks/registry.js';
import { listRubrics, resolveRubric, rubricForExperiment } from './load.js';

/**
 * The rubric to grade a submission with: the one named by `--rubric` (id or
 * path), else the one whose `appliesTo.experiment` lists the submission's
 * `manifest.json` `experiment`.
 */
export async function pickRubric(submission: string, rubric: string | Rubric | undefined, registry: Registry = defaultRegistry): Promise<Rubric> {
  if (rubric && typeof rubric === 'object') return rubric;
  if (rubric) return resolveRubric(rubric, registry);
  const manifestPath = join(submission, 'manifest.json');
  let experiment: unknown;
  try {
    const info = await stat(manifestPath);
    if (info.size > 1024 * 1024) throw new Error('too large');
    const data = JSON.parse((await readFile(manifestPath, 'utf8')).replace(/^\uFEFF/, '')) as { experiment?: unknown };
    experiment = data.experiment;
  } catch {
    // No manifest: a code-only submission may still say which language it is in.
    const runner = await detectRunner(submission);
    const byRunner = runner ? await rubricForRunner(runner, registry) : undefined;
    if (byRunner) return byRunner;
    throw new ConfigError(
      `cannot choose a rubric for ${submission}: no readable manifest.json with an "experiment" field; pass --rubric <id or path>`,
    );
  }
  if (typeof experiment !== 'string' || experiment === '') {
    throw new ConfigError(`cannot choose a rubric for ${submission}: manifest.json has no "experiment" string; pass --rubric <id or path>`);
  }
  const found = await rubricForExperiment(experiment, registry);
  if (!found) {
    throw new ConfigError(`no rubric applies to experiment '${experiment}' (from ${manifestPath}); pass --rubric <id or path>`);
  }
  return found;
}

/** The learner's language, from the files present: a Cargo crate is Rust, a TypeScript or JavaScript rope module is Node. */
async function detectRunner(submission: string): Promise<'rust' | 'node' | undefined> {
  const exists = async (rel: string) => (await stat(join(submission, rel)).catch(() => undefined))?.isFile() ?? false;
  if (await exists('Cargo.toml')) return 'rust';
  for (const rel of ['src/rope.ts', 'src/rope.mts', 'src/rope.js', 'src/rope.mjs', 'rope.ts', 'rope.js']) {
    if (await exists(rel)) return 'node';
  }
  return undefined;
}

async function rubricForRunner(runner: string, registry: Registry): Promise<Rubric | undefined> {
  const matches = (await listRubrics(registry)).filter((e) => e.rubric?.appliesTo.runner === runner && !e.rubric.appliesTo.experiment);
  return matches.length === 1 ? matches[0]!.rubric : undefined;
}
