/**
 * OPEN (docs/security.md, "What is not contained"): verify-catches-bugs can
 * be gamed by a verify.py that reads the grader's mutation out of its own
 * process. fixtures/rope-lab02/not-ok-verify-checks-nothing (a verify.py
 * that only prints, which fails that check) with
 * fixtures/runner/redteam/mutant_sniffer.py appended at its end
 * passes it: the variants are made by wrapping the learner's functions
 * inside the script's process, where the wrapper's closure names them. The
 * sandbox is not the problem (the script learns nothing outside its
 * process); the check's design is. The fix is to call the learner's
 * functions from verify.py through a proxy into another process that alone
 * holds the variant. This test asserts the hole exists (`it.fails` would
 * hide the reason), so that fixing it makes this test fail and be turned
 * into a containment test.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { grade } from '../../src/core/engine.js';
import { resolveRubric } from '../../src/rubric/load.js';
import { removeAll, sandboxedLevels } from './levels.js';

const made: string[] = [];
afterAll(() => removeAll(...made));

describe('OPEN: a verify.py that reads the mutation from its own process passes verify-catches-bugs', () => {
  const { level, title, options } = sandboxedLevels[1]!;
  it(`at ${title}: the checks-nothing script fails the check; with the sniffer it passes`, { ...options, timeout: 600_000 }, async () => {
    const root = join(mkdtempSync(join(tmpdir(), 'rubricate-redteam-mutants-')), 'sub');
    made.push(resolve(root, '..'));
    cpSync(resolve('fixtures/rope-lab02/not-ok-verify-checks-nothing'), root, { recursive: true });
    const rubric = await resolveRubric('rope-lab02');
    const status = async () => (await grade({ rubric, target: root, services: { isolation: level } })).checks.find((c) => c.id === 'verify-catches-bugs')!.status;
    expect(await status()).toBe('fail');
    writeFileSync(join(root, 'verify.py'), `${readFileSync(join(root, 'verify.py'), 'utf8')}\n${readFileSync(resolve('fixtures/runner/redteam/mutant_sniffer.py'), 'utf8')}`);
    expect(await status()).toBe('pass'); // the hole: see the comment above
  });
});
