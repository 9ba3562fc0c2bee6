/**
 * Hostile TypeScript submissions at build (transpile) time, at every
 * isolation level this machine has. The transpiler runs in the grader, so it
 * must read only the submission's own regular files, from the same image the
 * sandbox gets: a module that is a link out of the submission (the host's
 * file, another learner's solution) is not read, transpiled or run, and a
 * module that is a named pipe does not hang the grader. Both through the
 * session (openNodeSession reads the module itself) and through grading
 * (where the submission's file layer already does not find such a module).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { grade } from '../../src/core/engine.js';
import type { Report } from '../../src/core/types.js';
import { resolveRubric } from '../../src/rubric/load.js';
import { openNodeSession } from '../../src/runner/node/index.js';
import type { IsolationLevel, LearnerSession } from '../../src/runner/types.js';
import { allLevels, hostSecret, removeAll } from './levels.js';

const made: string[] = [];
afterAll(() => removeAll(...made));

function submission(make: (module: string) => void): string {
  const root = mkdtempSync(join(tmpdir(), 'rubricate-hostile-ts-'));
  made.push(root);
  cpSync(resolve('fixtures/rope-lab02-ts/hostile-module-link'), root, { recursive: true });
  make(join(root, 'src', 'rope.ts'));
  return root;
}

async function shapes(root: string, level: IsolationLevel): Promise<{ report: Report; check: Report['checks'][number] }> {
  const report = await grade({ rubric: await resolveRubric('rope-lab02-ts'), target: root, services: { isolation: level } });
  const check = report.checks.find((c) => c.id === 'code-shapes')!;
  return { report, check };
}

async function session(root: string, level: IsolationLevel): Promise<LearnerSession> {
  const opened = await openNodeSession({ root, module: 'src/rope.ts', isolation: level });
  await opened.close();
  return opened;
}

for (const { level, title, options } of allLevels) {
  describe(`hostile TypeScript modules at ${title}`, options, () => {
    it('src/rope.ts linked to a module outside the submission: not read, not run, its text nowhere', async () => {
      const secret = hostSecret();
      made.push(secret.dir);
      const outside = join(secret.dir, 'rope.ts');
      const body = `throw new Error(${JSON.stringify(secret.token)})`;
      writeFileSync(outside, `export function ropeFrequencies(): number[] { ${body}; }\nexport function precomputeRope(): number[] { ${body}; }\nexport function applyRope(): number[] { ${body}; }\n`);
      const root = submission((module) => symlinkSync(outside, module));
      const opened = await session(root, level);
      expect(opened.importFailure).toEqual({
        kind: 'import-error',
        message: `src/rope.ts was not read: symlink leaving the submission: ${outside}; the module must be a regular file of the submission`,
        location: { file: 'src/rope.ts' },
      });
      const { report, check } = await shapes(root, level);
      expect(check.status).toBe('fail');
      expect(check.message).toContain('no RoPE module found');
      expect(JSON.stringify(report)).not.toContain(secret.token);
    }, 60_000);

    it('src/rope.ts as a named pipe: answered at once with a finding', async () => {
      const root = submission((module) => execFileSync('mkfifo', [module]));
      const opened = await session(root, level);
      expect(opened.importFailure?.message).toBe('src/rope.ts was not read: a FIFO (named pipe), not a regular file; the module must be a regular file of the submission');
      const { check } = await shapes(root, level);
      expect(check.status).toBe('fail');
      expect(check.message).toContain('no RoPE module found');
    }, 60_000);
  });
}
