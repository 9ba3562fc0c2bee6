import { defaultRegistry, type Registry } from '../checks/registry.js';
import { UsageError } from '../core/errors.js';
import type { Rubric } from '../core/types.js';
import { resolveRubric, rubricForExperiment } from '../rubric/load.js';
import { readManifest } from '../rubric/pick.js';
import type { SubmissionEntry } from './submissions.js';

/**
 * The one rubric a batch grades with (a gradebook has one set of columns):
 * `--rubric` when given, else the rubric every readable `manifest.json`
 * `experiment` points to. Submissions without a readable manifest are graded
 * with it too (their manifest checks then say what is wrong); manifests that
 * point to different rubrics are a usage error.
 */
export async function pickBatchRubric(
  entries: readonly SubmissionEntry[],
  rubric: string | undefined,
  registry: Registry = defaultRegistry,
): Promise<Rubric> {
  if (rubric) return resolveRubric(rubric, registry);
  const byExperiment = new Map<string, Rubric | undefined>();
  const chosen = new Map<string, { rubric: Rubric; example: string }>();
  for (const entry of entries) {
    const experiment = await manifestExperiment(entry.abs);
    if (experiment === undefined) continue;
    if (!byExperiment.has(experiment)) byExperiment.set(experiment, await rubricForExperiment(experiment, registry));
    const found = byExperiment.get(experiment);
    if (found && !chosen.has(found.id)) chosen.set(found.id, { rubric: found, example: entry.path });
  }
  if (chosen.size === 0) {
    throw new UsageError('cannot choose a rubric for the batch: no manifest.json names an experiment a rubric applies to; pass --rubric <id or path>');
  }
  if (chosen.size > 1) {
    const which = [...chosen.entries()].map(([id, c]) => `${id} (e.g. ${c.example})`).join(', ');
    throw new UsageError(`the submissions' manifests point to different rubrics: ${which}; a batch grades with one rubric, pass --rubric`);
  }
  return [...chosen.values()][0]!.rubric;
}

async function manifestExperiment(folder: string): Promise<string | undefined> {
  const manifest = await readManifest(folder);
  return manifest.readable && typeof manifest.experiment === 'string' && manifest.experiment !== '' ? manifest.experiment : undefined;
}
