/**
 * The RoPE code fixtures end to end, through the real sandboxed Python
 * runner: one session per fixture, shared by all eleven check kinds. The
 * expected statuses and diagnoses come from the fixtures' own
 * `<name>.expected.json` (criterion `code-x` is kind `rope-x`), so this test
 * and the generic rubric test agree by construction.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ropeKinds } from '../../../src/checks/rope/index.js';
import { fixtureRun, fixturesDir } from './e2e-helper.js';

const names = readdirSync(fixturesDir)
  .filter((f) => /^(ok-interleaved|ok-code-.*|bug-.*)\.expected\.json$/.test(f))
  .map((f) => f.replace('.expected.json', ''))
  .sort();

describe('RoPE fixtures through the Python runner', () => {
  it('has the four correct styles and at least fifteen bugs', () => {
    expect(names.filter((n) => n.startsWith('ok-'))).toHaveLength(4);
    expect(names.filter((n) => n.startsWith('bug-')).length).toBeGreaterThanOrEqual(15);
  });

  for (const name of names) {
    it(name, async () => {
      const expected = JSON.parse(readFileSync(`${fixturesDir}${name}.expected.json`, 'utf8')) as {
        checks: Record<string, { status: string; message?: string; diagnosis?: string }>;
      };
      const run = fixtureRun(name);
      try {
        for (const kind of ropeKinds) {
          const outcome = await run.run(kind);
          const want = expected.checks[kind.name.replace(/^rope-/, 'code-')];
          const seen = `${kind.name}: ${outcome.status}: ${outcome.message} [${outcome.diagnosis ?? ''}]`;
          expect(outcome.status, seen).toBe(want?.status ?? 'pass');
          if (want?.message) expect(outcome.message.toLowerCase(), seen).toContain(want.message.toLowerCase());
          if (want?.diagnosis) expect((outcome.diagnosis ?? '').toLowerCase(), seen).toContain(want.diagnosis.toLowerCase());
          if (!want) expect(outcome.diagnosis, seen).toBeUndefined();
        }
      } finally {
        await run.close();
      }
    });
  }
});
