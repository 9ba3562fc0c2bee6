/**
 * TMPDIR set to anything (issue 13, class 8): a folder under /var/tmp named
 * with é, and a Slurm-style per-job folder in /tmp. Every code check of the
 * correct Python, TypeScript and Rust lab-02 submissions passes at every
 * isolation level, and so does a batch with fork servers; scratch copies and
 * fork-server folders go under TMPDIR and are gone afterwards.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runBatch } from '../../src/batch/run.js';
import { grade } from '../../src/core/engine.js';
import { resolveRubric } from '../../src/rubric/load.js';
import { probeLevels } from '../helpers/levels.js';

function hasCargo(): boolean {
  try {
    execFileSync('cargo', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const cargo = hasCargo();
const labs = [
  { rubric: 'rope-lab02', dir: 'fixtures/rope-lab02/ok-interleaved', needs: true, why: '' },
  { rubric: 'rope-lab02-ts', dir: 'fixtures/rope-lab02-ts/ok-typescript', needs: true, why: '' },
  { rubric: 'rope-lab02-rust', dir: 'fixtures/rope-lab02-rust/ok-rust', needs: cargo, why: 'cargo is not installed' },
];

const slurm = join('/tmp', `job${process.pid}`);
mkdirSync(slurm, { recursive: true });
const variants = [
  { title: 'a folder under /var/tmp named with é', dir: mkdtempSync('/var/tmp/rubricate-é-') },
  { title: 'a Slurm-style per-job folder in /tmp', dir: slurm },
];
afterAll(() => {
  for (const variant of variants) rmSync(variant.dir, { recursive: true, force: true });
});

const saved = process.env.TMPDIR;
afterEach(() => {
  if (saved === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = saved;
});

/** What TMPDIR holds besides the Rust build cache (which is meant to stay). */
function leftovers(dir: string): string[] {
  return readdirSync(dir).filter((name) => name !== 'rubricate-cache' && !name.startsWith('batch-'));
}

const probes = await probeLevels();

for (const probe of probes) {
  describe(`TMPDIR at the ${probe.level} level`, probe.options, () => {
    for (const variant of variants) {
      it(`every code check works with TMPDIR set to ${variant.title}${cargo ? '' : ' (Rust skipped: cargo is not installed)'}, and a batch too`, async () => {
        process.env.TMPDIR = variant.dir;
        const services = { isolation: probe.level };
        for (const lab of labs.filter((l) => l.needs)) {
          const report = await grade({ rubric: await resolveRubric(lab.rubric), target: resolve(lab.dir), services });
          const notPassing = report.checks.filter((c) => c.status !== 'pass').map((c) => `${c.id}: ${c.status}: ${c.message}`);
          expect(notPassing, lab.rubric).toEqual([]);
          expect(report.environment?.isolation?.level).toBe(probe.level);
        }
        // A batch with fork servers: two correct submissions, two jobs.
        const batchDir = join(variant.dir, `batch-${probe.level}`);
        cpSync(resolve('fixtures/rope-lab02/ok-interleaved'), join(batchDir, 'class', 'alice'), { recursive: true });
        cpSync(resolve('fixtures/rope-lab02/ok-interleaved'), join(batchDir, 'class', 'bob'), { recursive: true });
        const rubric = await resolveRubric('rope-lab02');
        const result = await runBatch({
          rubric,
          submissions: [join(batchDir, 'class', 'alice'), join(batchDir, 'class', 'bob')],
          outDir: join(batchDir, 'out'),
          jobs: 2,
          threads: 0,
          services,
        });
        expect(result.graded).toBe(2);
        expect(result.passed).toBe(2);
        expect(result.errored).toBe(0);
        // Scratch copies and fork-server folders lived under TMPDIR and are gone.
        expect(leftovers(variant.dir)).toEqual([]);
      }, 600_000);
    }
  });
}
