/**
 * TypeScript learner code against Node's permission model and the sandbox
 * under it (fixtures/rope-lab02-ts/hostile-node-escapes): at import it reads
 * a host file directly, as a Buffer path, a file URL, through
 * /proc/self/root and through `..`; calls process.binding('fs'), a child
 * process, a worker thread that writes a marker, WASI with `/` preopened,
 * the inspector, process.dlopen; hard-links and symlinks the host file into
 * scratch; writes outside; dumps its environment; and throws all it got. At
 * every level (at rlimits the permission model is the only wall for files):
 * the host file's text and the grader's environment are nowhere in the
 * report and no marker appears.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { grade } from '../../src/core/engine.js';
import { resolveRubric } from '../../src/rubric/load.js';
import { allLevels, hostSecret, instantiate, removeAll } from './levels.js';

const made: string[] = [];
afterAll(() => removeAll(...made));

for (const { level, title, options } of allLevels) {
  describe(`TypeScript escapes from Node's permission model at ${title}`, options, () => {
    it('hostile-node-escapes: nothing read, written, started or leaked', async () => {
      const secret = hostSecret();
      const root = instantiate(resolve('fixtures/rope-lab02-ts/hostile-node-escapes'), secret);
      made.push(root, secret.dir);
      const envToken = `grader_env_${randomBytes(8).toString('hex')}`;
      process.env.RUBRICATE_REDTEAM_NODE = envToken;
      try {
        const report = await grade({ rubric: await resolveRubric('rope-lab02-ts'), target: root, services: { isolation: level } });
        const text = JSON.stringify(report);
        // The attack ran (its own error is the import failure) and got nothing.
        expect(text).toContain('no read');
        expect(text).not.toContain('GOT read');
        expect(text).not.toContain(secret.token);
        expect(text).not.toContain(envToken);
        expect(existsSync(secret.marker)).toBe(false);
      } finally {
        delete process.env.RUBRICATE_REDTEAM_NODE;
      }
    }, 600_000);
  });
}
