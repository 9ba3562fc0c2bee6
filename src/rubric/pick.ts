import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../core/errors.js';
import { DirectorySubmission } from '../input/submission.js';
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
  const manifest = await readManifest(submission);
  if (!manifest.readable) {
    // No manifest: a code-only submission may still say which language it is in.
    const runner = await detectRunner(submission);
    const byRunner = runner ? await rubricForRunner(runner, registry) : undefined;
    if (byRunner) return byRunner;
    throw new ConfigError(
      `cannot choose a rubric for ${submission}: no readable manifest.json with an "experiment" field; pass --rubric <id or path>`,
    );
  }
  const experiment = manifest.experiment;
  if (typeof experiment !== 'string' || experiment === '') {
    throw new ConfigError(`cannot choose a rubric for ${submission}: manifest.json has no "experiment" string; pass --rubric <id or path>`);
  }
  const found = await rubricForExperiment(experiment, registry);
  if (!found) {
    // The learner's text, quoted as JSON (control characters escaped) and cut: it ends up in a one-line error.
    const named = JSON.stringify(experiment.length > 80 ? `${experiment.slice(0, 77)}...` : experiment);
    throw new ConfigError(`no rubric applies to experiment ${named} (from ${join(submission, MANIFEST)}); pass --rubric <id or path>`);
  }
  return found;
}

const MANIFEST = 'manifest.json';
/** A manifest larger than this names no experiment (a real one is a few hundred bytes). */
const MAX_MANIFEST_BYTES = 1024 * 1024;

/**
 * What a submission's manifest.json says its experiment is, read as the
 * manifest check reads it: a regular file inside the folder (never a FIFO,
 * which would block, nor a link leaving the folder), within the size cap,
 * decoded with the input hygiene (BOM, UTF-16). `readable` is false when
 * there is no such file or it is not JSON.
 */
export async function readManifest(submission: string): Promise<{ readable: false } | { readable: true; experiment: unknown }> {
  const read = await new DirectorySubmission(submission, { maxBytes: MAX_MANIFEST_BYTES }).readText(MANIFEST);
  if (!read.ok) return { readable: false };
  try {
    const data = JSON.parse(read.text) as { experiment?: unknown } | null;
    return { readable: true, experiment: data?.experiment };
  } catch {
    return { readable: false };
  }
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
