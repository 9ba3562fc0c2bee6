import { fileURLToPath } from 'node:url';
import type { Report, Rubric } from '../../src/core/types.js';
import { resolveRubric } from '../../src/rubric/load.js';
import { ensureCoverageKind, verifyDocument } from '../../src/verify/verify.js';

/** Absolute path of a file in the repository. */
export function repo(rel: string): string {
  return fileURLToPath(new URL(`../../${rel}`, import.meta.url));
}

export const AUDITED = 'fixtures/verify/build-prompt-audited.md';
export const COMPLETE = 'fixtures/verify/build-prompt-complete.md';
export const NEGATED = 'fixtures/verify/build-prompt-negated.md';

let rubric: Promise<Rubric> | undefined;

/** The bundled rope-build-prompt rubric, loaded once. */
export function ropeRubric(): Promise<Rubric> {
  ensureCoverageKind();
  rubric ??= resolveRubric(repo('rubrics/rope-build-prompt.yaml'));
  return rubric;
}

export async function verifyFixture(rel: string): Promise<{ report: Report; rubric: Rubric }> {
  const r = await ropeRubric();
  return { report: await verifyDocument({ rubric: r, document: repo(rel) }), rubric: r };
}

export function statusOf(report: Report): Record<string, string> {
  return Object.fromEntries(report.checks.map((c) => [c.id, c.status]));
}

export function idsWith(report: Report, status: string): string[] {
  return report.checks.filter((c) => c.status === status).map((c) => c.id).sort();
}
