/**
 * Global setup: the tests that run the CLI or worker threads run dist/, so
 * dist/ must be built from the sources as they are now. When it is not
 * (scripts/build-stamp.mjs compares a digest of the sources with the one the
 * last build recorded), `npm run build` runs once, before any test. So
 * `npx vitest run` and `npm test` test the same, current code.
 */
import { spawnSync } from 'node:child_process';
import { root, staleReason } from '../../scripts/build-stamp.mjs';

export default function setup(): void {
  const reason = staleReason();
  if (reason === undefined) return;
  console.log(`\nBuilding dist/ for the tests (${reason}): npm run build`);
  const built = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  if (built.status !== 0) throw new Error(`npm run build failed (${built.error?.message ?? `exit ${built.status}`}); the tests need a current dist/`);
  const still = staleReason();
  if (still !== undefined) throw new Error(`dist/ is still stale after npm run build: ${still}`);
}
