/**
 * Shared by the bench scripts: command-line options, and the class of
 * submissions `npm run bench` grades (copies of the rope-lab02 fixtures that
 * are correct or buggy: ok-*, not-ok-*, bug-*; never hostile-*).
 */
import { cpSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../', import.meta.url));

/** `--name value` from the command line; `true` for a flag without a value, `fallback` when absent. */
export function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = process.argv[i + 1];
  return value === undefined || value.startsWith('--') ? true : value;
}

/** Copies `n` submissions into `classDir` (round robin over the fixtures); returns the fixture names and the folders. */
export function buildClass(n, classDir) {
  const fixtures = join(root, 'fixtures', 'rope-lab02');
  const sources = readdirSync(fixtures)
    .filter((name) => /^(ok|not-ok|bug)-/.test(name) && !name.includes('.'))
    .filter((name) => existsSync(join(fixtures, name, 'README.md')) || existsSync(join(fixtures, name, 'manifest.json')))
    .sort();
  const folders = [];
  for (let i = 0; i < (sources.length > 0 ? n : 0); i++) {
    const source = sources[i % sources.length];
    const dir = join(classDir, `s${String(i).padStart(4, '0')}-${source}`);
    cpSync(join(fixtures, source), dir, { recursive: true });
    folders.push(dir);
  }
  return { sources, folders };
}
