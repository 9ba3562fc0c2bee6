import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { onTestFinished } from 'vitest';
import AjvModule from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { Report, Rubric } from '../../src/core/types.js';
import { resolveRubric } from '../../src/rubric/load.js';
import { ensureCoverageKind, verifyDocument } from '../../src/verify/verify.js';

/** Absolute path of a file in the repository. */
export function repo(rel: string): string {
  return fileURLToPath(new URL(`../../${rel}`, import.meta.url));
}

/** A fresh temporary folder, removed when the current test ends. */
export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
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

type Validator = ((data: unknown) => boolean) & { errors?: Array<{ instancePath: string; message?: string }> | null };
let sarifValidator: Validator | undefined;

/**
 * Validates a SARIF log against schemas/sarif-2.1.0.subset.schema.json (draft-07,
 * hence plain Ajv rather than the 2020-12 instance the tool uses). Returns the errors.
 */
export function validateSarif(log: unknown): string[] {
  if (!sarifValidator) {
    const Ajv = ((AjvModule as unknown as { default?: unknown }).default ?? AjvModule) as new (o: object) => { compile(s: object): Validator };
    const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: unknown) => void;
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    sarifValidator = ajv.compile(JSON.parse(readFileSync(repo('schemas/sarif-2.1.0.subset.schema.json'), 'utf8')) as object);
  }
  return sarifValidator(log) ? [] : (sarifValidator.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}
