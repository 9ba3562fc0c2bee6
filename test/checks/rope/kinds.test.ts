/**
 * Every RoPE check kind against a TypeScript model of the learner's code
 * (test/rope/fake-session.ts): the correct model passes everything, each
 * catalogued bug fails exactly the checks that can see it, with its diagnosis.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ropeKinds, ropeReferenceKind, ropeShapesKind, ropeClaimsKind, ropeIdentityKind } from '../../../src/checks/rope/index.js';
import { inlineValidator } from '../../../src/core/ajv.js';
import { fakeSubmission } from '../../rope/context.js';
import { FakeRopeSession, type FakeBug } from '../../rope/fake-session.js';

const base = new URL('../../../fixtures/rope-lab02/ok-interleaved/', import.meta.url).pathname;
const files = {
  'src/minimodel/positional/rope.py': '# model',
  'README.md': readFileSync(base + 'README.md', 'utf8'),
  'manifest.json': readFileSync(base + 'manifest.json', 'utf8'),
  'verify_output.txt': readFileSync(base + 'verify_output.txt', 'utf8'),
};

async function runAll(sub: ReturnType<typeof fakeSubmission>) {
  const out: Record<string, Awaited<ReturnType<typeof sub.run>>> = {};
  for (const kind of ropeKinds) out[kind.name] = await sub.run(kind);
  return out;
}

/** bug -> [checks that must fail, diagnosis substring]. Every other check must pass. */
const BUGS: Record<string, [string[], string]> = {
  'split-half': [['reference', 'convention'], 'split-half'],
  clockwise: [['reference', 'convention'], 'clockwise'],
  'exponent-i-over-d': [['frequencies', 'decay', 'reference'], 'base^(-i/d)'],
  'exponent-4i': [['frequencies', 'decay', 'reference'], 'base^(-4i/d)'],
  'base-ignored': [['frequencies'], 'ignores its base argument'],
  degrees: [['decay', 'reference'], 'degrees'],
  'positions-offset': [['identity', 'composition', 'relative-position', 'reference', 'claims'], 'positions start at 1'],
  'positions-scaled': [['decay', 'reference'], 'divided by t'],
  'cos-sin-swapped': [['identity', 'composition', 'relative-position', 'reference', 'claims'], 'cos and sin are swapped'],
  'k-not-rotated': [['relative-position', 'reference', 'claims'], 'k is returned unrotated'],
  'k-from-q': [['identity', 'norm', 'reference'], 'computed from q'],
  'hardcoded-d16': [['shapes', 'frequencies', 'identity', 'composition', 'relative-position', 'norm', 'decay', 'reference', 'convention'], 'hard-coded to 16'],
  'half-pairs-unrotated': [['decay', 'reference'], 'rotary fraction 0.5'],
  'in-place': [['inputs-unchanged'], 'writes into its inputs'],
  'cached-table-mutated': [['inputs-unchanged'], 'cached array'],
  identity: [['decay', 'reference', 'convention'], 'nothing is rotated'],
  'positions-linspace': [['reference'], 'np.linspace(0, T, T)'],
  'k-clockwise': [['relative-position', 'reference', 'convention', 'claims'], 'k is rotated in the opposite direction'],
  'frequencies-shuffled': [['frequencies', 'reference'], 'no known variant explains this'],
};

describe('RoPE check kinds with a fake learner session', () => {
  it('a correct float64 model passes every check, without diagnosis', async () => {
    const results = await runAll(fakeSubmission({}, files));
    for (const [name, outcome] of Object.entries(results)) {
      expect(outcome.status, `${name}: ${outcome.message}`).toBe('pass');
      expect(outcome.diagnosis).toBeUndefined();
    }
    expect(results['rope-claims']!.message).toContain('6 reported max diffs agree');
    expect(results['rope-decay']!.data?.d64).toMatchObject({ s1: expect.any(Number) });
  });

  it('a correct float32 model passes, with a precision note, and its float64 claims warn', async () => {
    const results = await runAll(fakeSubmission({ float32: true }, files));
    for (const [name, outcome] of Object.entries(results)) {
      if (name === 'rope-claims') continue;
      expect(outcome.status, `${name}: ${outcome.message}`).toBe('pass');
    }
    expect(results['rope-reference']!.details?.[0]?.message).toContain('precision note: computed in float32');
    expect(results['rope-claims']!.status).toBe('warn');
    expect(results['rope-claims']!.message).toMatch(/reports Block B max \|lhs - rhs\| = 8\.88.*float32 code cannot produce/);
    expect(results['rope-claims']!.location?.file).toBe('manifest.json');
  });

  it('float32 fails rope-reference, named by its precision, only past the lab tolerance at the lab size', async () => {
    const sub = fakeSubmission({ float32: true }, files);
    const strict = await sub.run(ropeReferenceKind, { labTolerance: 1e-9 });
    expect(strict.status).toBe('fail');
    expect(strict.message).toMatch(/^float32 tables and arithmetic: errors of .* exceed the lab's 1\.0e-9/);
    expect(strict.diagnosis).toContain('The maths is right but the precision is not');
  });

  for (const [bug, [failing, diagnosis]] of Object.entries(BUGS)) {
    it(`bug ${bug}: fails ${failing.join(', ')} and names it`, async () => {
      const results = await runAll(fakeSubmission({ bug: bug as FakeBug }, files));
      const notPassing = Object.entries(results).filter(([, o]) => o.status !== 'pass').map(([k]) => k.replace(/^rope-/, ''));
      expect(notPassing.sort()).toEqual([...failing].sort());
      for (const name of failing) {
        const outcome = results[`rope-${name}`]!;
        expect(outcome.status, outcome.message).toBe('fail');
        expect((outcome.diagnosis ?? '').toLowerCase(), `${name}: ${outcome.message}`).toContain(diagnosis.toLowerCase());
      }
    });
  }

  it('opens one session per submission and reuses probes across checks', async () => {
    let opened = 0;
    const fake = new FakeRopeSession();
    const sub = fakeSubmission(fake, files);
    sub.ctx.services.openLearnerSession = async () => {
      opened++;
      return fake;
    };
    await runAll(sub);
    expect(opened).toBe(1);
    const precomputes = fake.calls.filter((c) => c.fn === 'precompute_rope').length;
    await runAll(sub);
    // The second pass reuses memoised tables and diagnosis; only the state probes call precompute again.
    expect(fake.calls.filter((c) => c.fn === 'precompute_rope').length - precomputes).toBeLessThan(precomputes / 2);
  });

  it('names the language of a learner session that could not start', async () => {
    for (const [module, language] of [
      ['src/minimodel/positional/rope.py', 'Python'],
      ['src/rope.ts', 'TypeScript/JavaScript'],
      ['src/lib.rs', 'Rust'],
    ] as const) {
      const sub = fakeSubmission(new FakeRopeSession(), { ...files, [module]: '// model' });
      sub.ctx.services.openLearnerSession = async () => {
        throw new Error('EACCES: permission denied');
      };
      const outcome = await sub.run(ropeShapesKind, { module: [module] });
      expect(outcome).toMatchObject({
        status: 'error',
        message: `could not start the learner's ${language} session: EACCES: permission denied`,
        data: { environmentError: true },
      });
    }
  });

  it('calls a function that timed out only once, and blames no bug for it', async () => {
    const fake = new FakeRopeSession({ bug: 'apply-hangs' });
    const results = await runAll(fakeSubmission(fake, files));
    expect(fake.calls.filter((c) => c.fn === 'apply_rope')).toHaveLength(1);
    expect(results['rope-frequencies']!.status).toBe('pass');
    // The check that waited for the limit says so; the later ones that need apply_rope skip with the reason.
    expect(results['rope-shapes']).toMatchObject({ status: 'error', message: expect.stringContaining('did not return within 10 s'), data: { failure: 'timeout' } });
    for (const name of ['rope-identity', 'rope-reference', 'rope-claims']) {
      expect(results[name]!.status).toBe('skip');
      expect(results[name]!.message).toBe('skipped: apply_rope did not return in time in rope-shapes and is not called again');
      expect(results[name]!.data).toMatchObject({ skippedAfter: 'timeout', function: 'apply_rope' });
    }
    for (const name of ['rope-shapes', 'rope-identity', 'rope-reference', 'rope-claims']) expect(results[name]!.diagnosis).toBeUndefined();
  });

  it("turns an import failure into one located failure (the learner's, not a grading error); the other code checks skip", async () => {
    const results = Object.entries(await runAll(fakeSubmission({ importError: true }, files)));
    const [firstKind, first] = results[0]!;
    expect(first.status).toBe('fail');
    expect(first.message).toMatch(/^import of src\/minimodel\/positional\/rope\.py failed: SyntaxError/);
    expect(first.details?.[0]?.message).toContain('line 3');
    for (const [, outcome] of results.slice(1)) {
      expect(outcome.status).toBe('skip');
      expect(outcome.message).toBe(`skipped: src/minimodel/positional/rope.py could not be loaded (see ${firstKind})`);
    }
  });

  it('fails with the expected module names when rope.py is missing', async () => {
    const outcome = await fakeSubmission({}, { 'README.md': '# x' }).run(ropeIdentityKind);
    expect(outcome).toEqual({ status: 'fail', message: 'no RoPE module found, expected src/minimodel/positional/rope.py or rope.py' });
  });

  it('reports a malformed return as a fail saying what was expected', async () => {
    const outcome = await fakeSubmission({ bug: 'returns-one-array' }, files).run(ropeShapesKind);
    expect(outcome.status).toBe('fail');
    expect(outcome.message).toBe('apply_rope(q (32, 16), k (32, 16), cos_pe (32, 8), sin_pe (32, 8)) returned a tuple of 1 array, expected (q_rot, k_rot)');
  });

  it('notes unsupported batched input, or requires it when asked', async () => {
    const sub = fakeSubmission({ bug: 'no-batch' }, files);
    const noted = await sub.run(ropeShapesKind);
    expect(noted.status).toBe('pass');
    expect(noted.details?.some((d) => d.message.startsWith('batched input (2, 32, 16) is not supported'))).toBe(true);
    const required = await sub.run(ropeShapesKind, { batched: 'require' });
    // An exception raised by the learner's code is their failure.
    expect(required.status).toBe('fail');
    expect(required.message).toContain('IndexError');
    expect(required.location).toEqual({ file: 'src/minimodel/positional/rope.py', line: 20 });
  });

  it('skips rope-claims when nothing is reported', async () => {
    const outcome = await fakeSubmission({}, { 'src/minimodel/positional/rope.py': '#', 'README.md': 'no numbers here' }).run(ropeClaimsKind);
    expect(outcome.status).toBe('skip');
  });

  it('has option schemas that validate and fill defaults', () => {
    for (const kind of ropeKinds) {
      const validate = inlineValidator(kind.optionsSchema);
      const options: Record<string, unknown> = {};
      expect(validate(options), `${kind.name}: ${JSON.stringify(validate.errors)}`).toBe(true);
      expect(options.functions).toEqual({ frequencies: 'rope_frequencies', precompute: 'precompute_rope', apply: 'apply_rope' });
      expect(options.module).toEqual(['src/minimodel/positional/rope.py', 'rope.py']);
      expect(validate({ unknown: 1 })).toBe(false);
      expect(validate({ functions: { apply: 'not an identifier' } })).toBe(false);
    }
  });
});
