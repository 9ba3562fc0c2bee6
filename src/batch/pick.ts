import { defaultRegistry, type Registry } from '../checks/registry.js';
import { UsageError } from '../core/errors.js';
import type { Rubric } from '../core/types.js';
import { listRubrics, resolveRubric } from '../rubric/load.js';
import { readManifest } from '../rubric/pick.js';
import type { SubmissionEntry } from './submissions.js';

/** The rubric of a batch, and the submissions that name another one (each gets an error report saying so). */
export interface BatchRubric {
  rubric: Rubric;
  /** Absolute submission folder -> why it is not graded with `rubric`. */
  elsewhere: Map<string, string>;
}

/**
 * The one rubric a batch grades with (a gradebook has one set of columns):
 * `--rubric` when given, else the rubric most readable `manifest.json`
 * `experiment`s point to. Submissions without a readable manifest, or whose
 * experiment no rubric applies to, are graded with it too (their manifest
 * checks then say what is wrong). A submission whose manifest names another
 * installed rubric's experiment is not graded with a rubric it was not
 * written for: it is listed in `elsewhere`, and the batch gives it an error
 * report naming the rubric to grade it with; one such manifest never stops
 * the batch. Only a tie between rubrics (the batch cannot tell which one the
 * class is) is a usage error.
 */
export async function pickBatchRubric(
  entries: readonly SubmissionEntry[],
  rubric: string | undefined,
  registry: Registry = defaultRegistry,
): Promise<BatchRubric> {
  if (rubric) return { rubric: await resolveRubric(rubric, registry), elsewhere: new Map() };
  // The installed rubrics once: a class of distinct made-up experiment names costs one listing, not one per name.
  const installed = (await listRubrics(registry)).flatMap((e) => (e.rubric ? [e.rubric] : []));
  const forExperiment = (experiment: string) => installed.find((r) => r.appliesTo.experiment?.includes(experiment));
  const named: Array<{ entry: SubmissionEntry; experiment: string; rubric: Rubric }> = [];
  const votes = new Map<string, { rubric: Rubric; count: number; example: string }>();
  for (const entry of entries) {
    const experiment = await manifestExperiment(entry.abs);
    if (experiment === undefined) continue;
    const found = forExperiment(experiment);
    if (!found) continue;
    named.push({ entry, experiment, rubric: found });
    const vote = votes.get(found.id);
    if (vote) vote.count++;
    else votes.set(found.id, { rubric: found, count: 1, example: entry.path });
  }
  if (votes.size === 0) {
    throw new UsageError('cannot choose a rubric for the batch: no manifest.json names an experiment a rubric applies to; pass --rubric <id or path>');
  }
  const ranked = [...votes.values()].sort((a, b) => b.count - a.count || (a.rubric.id < b.rubric.id ? -1 : 1));
  const [first, second] = ranked;
  if (second && second.count === first!.count) {
    const tied = ranked.filter((v) => v.count === first!.count).map((v) => `${v.rubric.id} (${v.count}, e.g. ${v.example})`);
    throw new UsageError(`the submissions' manifests point to different rubrics as often: ${tied.join(', ')}; a batch grades with one rubric, pass --rubric`);
  }
  const chosen = first!.rubric;
  const elsewhere = new Map<string, string>();
  for (const { entry, experiment, rubric: own } of named) {
    if (own.id === chosen.id) continue;
    elsewhere.set(
      entry.abs,
      `manifest.json names experiment ${shorten(experiment)}, which rubric '${own.id}' grades; this batch grades with rubric '${chosen.id}' ` +
        `(named by ${first!.count} of ${named.length} manifests), so this submission was not graded: grade it on its own with --rubric ${own.id}`,
    );
  }
  return { rubric: chosen, elsewhere };
}

async function manifestExperiment(folder: string): Promise<string | undefined> {
  const manifest = await readManifest(folder);
  return manifest.readable && typeof manifest.experiment === 'string' && manifest.experiment !== '' ? manifest.experiment : undefined;
}

/** Learner text cut to a length that fits a message, quoted as JSON (control characters escaped). */
function shorten(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text);
}
