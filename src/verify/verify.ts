import { stat } from 'node:fs/promises';
import { grade } from '../core/engine.js';
import { ConfigError, UsageError } from '../core/errors.js';
import type { Report, Rubric } from '../core/types.js';
import { coverageKind } from '../checks/coverage.js';
import { defaultRegistry, type Registry } from '../checks/registry.js';

/**
 * Makes sure the `coverage` kind is known to a registry. Idempotent: once the
 * kind is in the built-in list this does nothing.
 */
export function ensureCoverageKind(registry: Registry = defaultRegistry): Registry {
  if (!registry.get(coverageKind.name)) registry.add(coverageKind);
  return registry;
}

/** Verifies one Markdown document (a build prompt) against a `target: document` rubric. */
export async function verifyDocument(options: { rubric: Rubric; document: string; registry?: Registry }): Promise<Report> {
  const { rubric, document } = options;
  if (rubric.target !== 'document') {
    throw new ConfigError(`rubric '${rubric.id}' grades labs (target: ${rubric.target}); verify needs a rubric with target: document`);
  }
  const info = await stat(document).catch(() => undefined);
  if (!info) throw new UsageError(`document not found: ${document}`);
  if (!info.isFile()) throw new UsageError(`not a document: ${document} (expected a Markdown file)`);
  const registry = ensureCoverageKind(options.registry ?? defaultRegistry);
  return grade({ rubric, target: document, registry });
}
