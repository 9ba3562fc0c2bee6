#!/usr/bin/env node
/**
 * `npm run corpus -- <kind> DIR`: measures one judgement feature of rubricate
 * on a local folder of real public material (others' code and text, kept out
 * of this repository), against the expectations committed here.
 *
 * Each kind is a module `bench/corpus/<kind>.js` exporting
 * `run(dir, args) => Promise<number>` (the exit code) and a folder
 * `bench/corpus/<kind>/` holding `sources.json` (where every item comes from:
 * repository, path, commit or address) and the expected verdicts, written by
 * hand before rubricate was run on the material.
 *
 * Kinds: code (RoPE implementations behind the lab's API, issue on judging
 * real learners' code), claims (numeric claims in real Markdown), verify
 * (real texts that teach RoPE against the build-prompt rubric), experiments
 * (real experiment write-ups against the pe-compare-experiment parts and
 * predictions table), summaries (real implementation summaries against the
 * repositories they describe, `claims --repo`).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const [kind, dir, ...rest] = process.argv.slice(2);
const usage = 'usage: npm run corpus -- <code|claims|verify|experiments|summaries> DIR [options]\n' +
  '  DIR is a local folder holding the corpus items named in bench/corpus/<kind>/sources.json';

if (!kind || kind === '--help' || kind === '-h') {
  process.stdout.write(`${usage}\n`);
  process.exit(kind ? 0 : 2);
}
const module = path.join(here, `${kind}.js`);
if (!/^[a-z-]+$/.test(kind) || !existsSync(module)) {
  process.stderr.write(`rubricate corpus: unknown kind '${kind}'\n${usage}\n`);
  process.exit(2);
}
if (!dir || !existsSync(dir)) {
  process.stderr.write(`rubricate corpus: ${dir ? `no folder ${dir}` : 'no corpus folder given'}\n${usage}\n`);
  process.exit(2);
}
const { run } = await import(pathToFileURL(module).href);
process.exitCode = await run(path.resolve(dir), rest);
