import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Folders shipped with the package. Every module under `src/<area>/` (and its
 * compiled twin under `dist/<area>/`) sits two levels below the package root.
 */
export const packageRoot = fileURLToPath(new URL('../../', import.meta.url));
export const rubricsDir = fileURLToPath(new URL('../../rubrics/', import.meta.url));
export const schemasDir = fileURLToPath(new URL('../../schemas/', import.meta.url));

let cachedVersion: string | undefined;

/** The package version, from package.json. */
export function toolVersion(): string {
  if (cachedVersion === undefined) {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    cachedVersion = pkg.version;
  }
  return cachedVersion;
}
