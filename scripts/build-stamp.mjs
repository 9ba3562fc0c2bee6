#!/usr/bin/env node
/**
 * Whether dist/ was built from the sources as they are now.
 *
 * The build's inputs (every file under src/ and schemas/, tsconfig.json and
 * package-lock.json, which pins the compiler and Ajv) are hashed together;
 * `npm run build` ends with `node scripts/build-stamp.mjs --write`, which
 * records that digest in dist/.source-digest. dist/ is current when the
 * recorded digest is the digest of the inputs now: an edited, added or
 * deleted source file makes it stale, whatever the file times or the clock
 * say. The tests' global setup (test/setup/build.ts) rebuilds a stale dist/.
 *
 *   node scripts/build-stamp.mjs --write   record the digest of the current sources
 *   node scripts/build-stamp.mjs --check   exit 0 when dist/ is current, 1 (with the reason) when not
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));
const INPUT_DIRS = ['src', 'schemas'];
const INPUT_FILES = ['tsconfig.json', 'package-lock.json'];
const STAMP = join(root, 'dist', '.source-digest');
/** What must exist in dist/ besides the stamp (the CLI and the worker threads run from it). */
const OUTPUTS = ['dist/cli/bin.js', 'dist/batch/worker.js', 'dist/index.js'];

function inputFiles() {
  const files = INPUT_FILES.map((file) => join(root, file)).filter((file) => existsSync(file));
  for (const dir of INPUT_DIRS) {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true, recursive: true })) {
      if (entry.isFile()) files.push(join(entry.parentPath, entry.name));
    }
  }
  return files.map((file) => relative(root, file)).sort();
}

/** sha256 over the sorted input paths and their contents. */
export function sourceDigest() {
  const hash = createHash('sha256');
  for (const file of inputFiles()) {
    hash.update(`${file}\0`);
    hash.update(readFileSync(join(root, file)));
    hash.update('\0');
  }
  return hash.digest('hex');
}

/** Undefined when dist/ is current, else why it is not. */
export function staleReason() {
  const missing = OUTPUTS.find((file) => !existsSync(join(root, file)));
  if (missing) return `${missing} does not exist`;
  if (!existsSync(STAMP)) return 'dist/ has no record of the sources it was built from (dist/.source-digest)';
  if (readFileSync(STAMP, 'utf8').trim() !== sourceDigest()) return 'the sources changed since dist/ was built';
  return undefined;
}

export function writeStamp() {
  writeFileSync(STAMP, `${sourceDigest()}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const mode = process.argv[2];
  if (mode === '--write') {
    writeStamp();
  } else if (mode === '--check') {
    const reason = staleReason();
    if (reason) {
      console.error(`dist/ is stale: ${reason}`);
      process.exitCode = 1;
    }
  } else {
    console.error('usage: node scripts/build-stamp.mjs --write | --check');
    process.exitCode = 2;
  }
}
