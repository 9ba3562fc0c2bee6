/**
 * The code criteria of rubrics/rope-lab02.yaml load with the RoPE kinds and
 * grade a submission through the engine (other kinds of the rubric are
 * stubbed here; the generic fixture test runs the real ones).
 */
import { describe, expect, it } from 'vitest';
import type { CheckKind } from '../../../src/checks/kind.js';
import { ropeKinds } from '../../../src/checks/rope/index.js';
import { Registry } from '../../../src/checks/registry.js';
import { grade } from '../../../src/core/engine.js';
import { resolveRubric } from '../../../src/rubric/load.js';
import { fixturesDir } from './e2e-helper.js';

const stub = (name: string): CheckKind => ({
  name,
  summary: 'stub',
  targets: ['lab', 'document'],
  optionsSchema: { type: 'object' },
  run: () => ({ status: 'pass', message: 'stub' }),
});

function registry(): Registry {
  const r = new Registry(ropeKinds);
  for (const name of ['files', 'manifest', 'writeup', 'mentions', 'constraints', 'rope-verify-script']) r.add(stub(name));
  return r;
}

describe('rope-lab02 code criteria', () => {
  it('load with defaults filled in, code-claims in reproducibility', async () => {
    const rubric = await resolveRubric('rope-lab02', registry());
    const code = rubric.criteria.filter((c) => c.kind.startsWith('rope-') && c.kind !== 'rope-verify-script');
    expect(code.map((c) => c.id)).toEqual([
      'code-shapes', 'code-frequencies', 'code-identity', 'code-composition', 'code-relative-position', 'code-norm',
      'code-decay', 'code-reference', 'code-inputs-unchanged', 'code-convention', 'code-claims',
    ]);
    expect(code.filter((c) => c.dimension !== 'code').map((c) => c.id)).toEqual(['code-claims']);
    expect(code[0]!.options.module).toEqual(['src/minimodel/positional/rope.py', 'rope.py']);
  });

  it('grade a buggy submission through the engine', async () => {
    const rubric = await resolveRubric('rope-lab02', registry());
    const report = await grade({ rubric, target: `${fixturesDir}bug-split-half`, registry: registry() });
    const failing = report.checks.filter((c) => c.status !== 'pass').map((c) => c.id);
    expect(failing).toEqual(['code-reference', 'code-convention']);
    // Both are gates: a score far above the pass mark does not pass.
    expect(report.score / report.maxScore).toBeGreaterThan(0.85);
    expect(report.passed).toBe(false);
    expect(report.gates?.filter((g) => !g.met).map((g) => g.id)).toEqual(['code-reference', 'code-convention']);
    const convention = report.checks.find((c) => c.id === 'code-convention')!;
    expect(convention.diagnosis).toContain('split-half');
    expect(convention.hint).toContain('interleaved');
    expect(report.environment?.isolation).toMatchObject({ level: expect.any(String), description: expect.any(String) });
  });
});
