#!/usr/bin/env node
/**
 * The golden files: what each is made from, and the one way to rewrite them.
 *
 * Tests compare the library's output with these files and never write them
 * (test/verify/findings.test.ts); a missing golden fails its test. After a
 * change that should alter a golden, regenerate and review:
 *
 *   npm run golden                      rebuild dist/, rewrite every golden, list what changed
 *   git diff fixtures/verify/golden/    read every changed line before committing
 *
 * GOLDENS and renderGolden are shared with the tests, so both make a golden
 * the same way: the tests with the sources, this script with dist/.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = new URL('..', import.meta.url);
/** Absolute path of a file in the repository. */
const repo = (rel) => fileURLToPath(new URL(rel, root));

/** Each golden: its file, the build prompt verified, and the findings options (module, curriculum). */
export const GOLDENS = [
  {
    file: 'fixtures/verify/golden/findings-audited.md',
    document: 'fixtures/verify/build-prompt-audited.md',
    module: { id: 'rope', title: 'RoPE / Rotary Position Embeddings' },
    curriculum: 'curricula/sample',
  },
  {
    file: 'fixtures/verify/golden/findings-complete.md',
    document: 'fixtures/verify/build-prompt-complete.md',
    module: { id: 'rope' },
  },
];

/**
 * The text of `golden`, made with `lib` (the library's functions, from src/
 * in tests or dist/ here): the rope-build-prompt findings of its document.
 */
export async function renderGolden(golden, lib) {
  lib.ensureCoverageKind();
  const rubric = await lib.resolveRubric(repo('rubrics/rope-build-prompt.yaml'));
  const report = await lib.verifyDocument({ rubric, document: repo(golden.document) });
  const options = { module: golden.module };
  if (golden.curriculum) options.curriculum = await lib.loadCurriculum(repo(golden.curriculum));
  return lib.renderFindings(report, rubric, options);
}

async function main() {
  const dist = (path) => import(new URL(`dist/${path}`, root).href);
  const [verify, findings, curriculum, load] = await Promise.all([dist('verify/verify.js'), dist('verify/findings.js'), dist('verify/curriculum.js'), dist('rubric/load.js')]);
  const lib = { ...verify, ...findings, ...curriculum, ...load };
  let changed = 0;
  for (const golden of GOLDENS) {
    const text = await renderGolden(golden, lib);
    const path = repo(golden.file);
    const before = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
    if (before === text) {
      console.log(`unchanged  ${golden.file}`);
      continue;
    }
    writeFileSync(path, text);
    changed++;
    console.log(`${before === undefined ? 'created' : 'rewritten'}  ${golden.file}`);
  }
  if (changed > 0) console.log(`\n${changed} golden file(s) written: review them (git diff fixtures/verify/golden/) before committing.`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
