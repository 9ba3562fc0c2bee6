/**
 * Runs the lab rubric's criteria of some check kinds over the lab fixtures and
 * compares them with the fixtures' `<case>.expected.json`, so a kind's tests
 * can check its fixtures before every kind of the rubric is registered.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { CheckKind } from '../../src/checks/kind.js';
import { Registry } from '../../src/checks/registry.js';
import { grade } from '../../src/core/engine.js';
import type { Report } from '../../src/core/types.js';
import { parseRubric } from '../../src/rubric/load.js';

export interface ExpectedFile {
  rubric: string;
  checks: Record<string, { status: string; message?: string; diagnosis?: string }>;
  ignore?: string[];
}

/** The cases built for the files and manifest kinds (the generic fixtures test runs every case with every kind). */
export const inputCases = (name: string) => /^(ok-interleaved|ok-flat-layout|not-ok-(files|plot|manifest)-)/.test(name);

export const labFixturesDir = new URL('../../fixtures/rope-lab02/', import.meta.url).pathname;
const rubricFile = new URL('../../rubrics/rope-lab02.yaml', import.meta.url).pathname;

/** Lab fixture cases (all, or those whose name passes `keep`): folder and expected file. */
export function labCases(keep: (name: string) => boolean = () => true): Array<{ name: string; dir: string; expected: ExpectedFile }> {
  return readdirSync(labFixturesDir)
    .filter((entry) => entry.endsWith('.expected.json'))
    .sort()
    .map((entry) => {
      const name = entry.slice(0, -'.expected.json'.length);
      return { name, dir: join(labFixturesDir, name), expected: JSON.parse(readFileSync(join(labFixturesDir, entry), 'utf8')) as ExpectedFile };
    })
    .filter((c) => keep(c.name));
}

/** Grades a fixture with only the rubric's criteria whose kind is among `kinds`. */
export async function gradeWithKinds(dir: string, kinds: CheckKind[]): Promise<Report> {
  const registry = new Registry(kinds);
  const names = new Set(kinds.map((k) => k.name));
  const data = parse(readFileSync(rubricFile, 'utf8')) as { criteria: Array<{ kind: string }> };
  data.criteria = data.criteria.filter((c) => names.has(c.kind));
  const rubric = parseRubric(stringify(data), rubricFile, registry);
  return grade({ rubric, target: dir, registry });
}
