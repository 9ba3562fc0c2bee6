import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { constraintsKind, globRegExp, type ConstraintsOptions } from '../../src/checks/constraints.js';
import { inlineValidator } from '../../src/core/ajv.js';
import { typescriptFacts } from '../../src/input/code-facts.js';
import { makeContext, type TestContext } from '../helpers/context.js';

const rubric = parse(readFileSync(new URL('../../rubrics/rope-lab02.yaml', import.meta.url), 'utf8')) as { criteria: Array<{ id: string; options: ConstraintsOptions }> };
const labRules = rubric.criteria.find((c) => c.id === 'code-constraints')!.options;
const labSignatures = rubric.criteria.find((c) => c.id === 'code-signatures')!.options;

let scratch: string;
const contexts: TestContext[] = [];

/** A submission folder with the given files; its tasks session is closed after the tests. */
function submission(name: string, files: Record<string, string>): string {
  const root = join(scratch, name);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

async function run(root: string, options: Partial<ConstraintsOptions>) {
  const ctx = makeContext({ root });
  contexts.push(ctx);
  return constraintsKind.run(ctx, options as ConstraintsOptions);
}

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'rubricate-constraints-'));
});

afterAll(async () => {
  for (const ctx of contexts) {
    const session = (await ctx.memoStore.get('tasks:session')?.catch(() => undefined)) as { close?: () => Promise<void> } | undefined;
    await session?.close?.();
  }
  rmSync(scratch, { recursive: true, force: true });
});

const ROPE = `import numpy as np


def rope_frequencies(d_head, base=10000.0):
    return base ** (-2.0 * np.arange(d_head // 2) / d_head)


def precompute_rope(T, d_head):
    angles = np.outer(np.arange(T), rope_frequencies(d_head))
    return np.cos(angles), np.sin(angles)


def apply_rope(q, k, cos_pe, sin_pe):
    return q, k
`;

describe('constraints on Python (parsed by ast in the sandbox)', () => {
  it('finds forbidden imports by every route, located', async () => {
    const root = submission('imports', {
      'rope.py': [
        'import numpy as np',
        'import torch as t',
        'from torch.nn import functional',
        'import importlib',
        "J = __import__('jax')",
        "tf = importlib.import_module('tensorflow.keras')",
        "exec('import torch')",
        'import torchvision',
        '',
      ].join('\n'),
    });
    const outcome = await run(root, { forbiddenImports: labRules.forbiddenImports });
    expect(outcome.status).toBe('fail');
    expect(outcome.details?.filter((d) => d.message.startsWith('imports')).map((d) => [d.location?.line, d.location?.column, d.message.split(':')[0]])).toEqual([
      [2, 1, 'imports torch'],
      [3, 1, 'imports torch.nn'],
      [5, 5, 'imports jax (through __import__())'],
      [6, 6, 'imports tensorflow.keras (through importlib.import_module())'],
      [7, 1, 'imports torch (through code given to exec())'],
    ]);
    // torchvision is another module, not torch.
    expect(JSON.stringify(outcome.details)).not.toContain('torchvision');
    expect(outcome.message).toBe('rope.py:2:1: imports torch: the lab says: No PyTorch (and 4 more)');
  });

  it('finds einsum through every alias, and not a hand-written einsum or one in a docstring', async () => {
    const root = submission('einsum', {
      'rope.py': [
        'import numpy as np',
        'import numpy',
        'from numpy import einsum as contract',
        '"""No np.einsum here, the lab says."""',
        "a = np.einsum('i,i', x, x)",
        "b = numpy.einsum('i,i', x, x)",
        "c = contract('i,i', x, x)",
        'e = np.einsum',
        "d = e('i,i', x, x)",
        "f = getattr(np, 'einsum')",
        '',
      ].join('\n'),
      'mine.py': ['def einsum(spec, *arrays):', '    return arrays[0]', '', "y = einsum('i', 1)", ''].join('\n'),
    });
    const outcome = await run(root, { forbiddenCalls: labRules.forbiddenCalls });
    expect(outcome.status).toBe('fail');
    expect(outcome.details?.map((d) => `${d.location?.file}:${d.location?.line}:${d.location?.column} ${d.message.split(':')[0]}`)).toEqual([
      'rope.py:3:1 uses contract (numpy.einsum)',
      'rope.py:5:5 uses np.einsum (numpy.einsum)',
      'rope.py:6:5 uses numpy.einsum',
      'rope.py:7:5 uses contract (numpy.einsum)',
      'rope.py:8:5 uses np.einsum (numpy.einsum)',
      'rope.py:9:5 uses e (numpy.einsum)',
      "rope.py:10:5 uses getattr(np, 'einsum') (numpy.einsum)",
    ]);
  });

  it('passes clean code and checks the lab signatures', async () => {
    const root = submission('clean', { 'rope.py': ROPE, 'verify.py': 'from rope import apply_rope\nprint(apply_rope)\n' });
    const rules = await run(root, labRules);
    expect(rules).toMatchObject({ status: 'pass', message: '2 files checked: no torch, tensorflow, jax; no einsum' });
    const signatures = await run(root, { ...labSignatures, module: ['rope.py'] });
    expect(signatures).toMatchObject({ status: 'pass', message: '1 file checked: rope_frequencies, precompute_rope, apply_rope as the lab calls them' });
  });

  it('fails signatures the lab cannot call, and only notes other parameter names', async () => {
    const root = submission('signatures', {
      'rope.py': [
        'def rope_frequencies(dim, base):',
        '    pass',
        '',
        'def precompute_rope(seq_len, d_head, device):',
        '    pass',
        '',
        'def _apply(q, k, cos, sin):',
        '    pass',
        '',
        'apply_rope = _apply',
        '',
      ].join('\n'),
    });
    const outcome = await run(root, { ...labSignatures, module: ['rope.py'] });
    expect(outcome.status).toBe('fail');
    const messages = outcome.details?.map((d) => d.message) ?? [];
    expect(messages).toContain('base in rope_frequencies(dim, base) needs a default: the lab also calls rope_frequencies without it');
    expect(messages).toContain("precompute_rope(seq_len, d_head, device) needs device, which the lab's call precompute_rope(T, d_head) does not pass: give it a default");
    expect(messages).toContain("rope_frequencies's parameter 1 is named dim where the lab writes d_head (fine: it is passed by position)");
    // apply_rope = _apply: checked through the function it names.
    expect(messages.some((m) => m.startsWith('apply_rope'))).toBe(false);
    expect(outcome.location).toEqual({ file: 'rope.py', line: 1, column: 1 });
  });

  it('reports a missing function and a file that does not parse at its syntax error', async () => {
    const root = submission('broken', { 'rope.py': 'def rope_frequencies(d_head, base=1e4):\n    return (\n' });
    const outcome = await run(root, { ...labSignatures, module: ['rope.py'] });
    expect(outcome.status).toBe('fail');
    expect(outcome.location).toMatchObject({ file: 'rope.py', line: 2 });
    expect(outcome.message).toMatch(/^rope\.py:2:\d+: SyntaxError: .*the file does not parse/);
    const missing = await run(submission('missing', { 'rope.py': ROPE.replace('def apply_rope', 'def apply_rotary') }), { ...labSignatures, module: ['rope.py'] });
    expect(missing.message).toBe('rope.py: defines no function apply_rope, the lab asks for apply_rope(q, k, cos_pe, sin_pe)');
  });
});

describe('constraints on TypeScript (parsed by the TypeScript compiler in the grader)', () => {
  it('finds framework imports and einsum aliases, located', async () => {
    const facts = await typescriptFacts(
      'src/rope.ts',
      [
        "import * as tf from '@tensorflow/tfjs';",
        "import { einsum as contract } from 'mathjs';",
        "const ort = require('onnxruntime-node');",
        'export function applyRope(q: T, k: T, cosPe: T, sinPe: T = q): [T, T] {',
        "  const a = tf.einsum('i,i', q, k);",
        "  const b = contract('i,i', q, k);",
        "  return import('@tensorflow/tfjs-node').then(() => [q, k]) as never;",
        '}',
        'export const ropeFrequencies = (dHead: number, base?: number) => dHead;',
        '',
      ].join('\n'),
      ['einsum'],
    );
    expect(facts.imports.map((i) => [i.module, i.line, i.via])).toEqual([
      ['@tensorflow/tfjs', 1, 'import'],
      ['mathjs', 2, 'import'],
      ['onnxruntime-node', 3, 'require'],
      ['@tensorflow/tfjs-node', 7, 'dynamic-import'],
    ]);
    expect(facts.uses.map((u) => [u.name, u.line, u.column])).toEqual([
      ['mathjs.einsum', 2, 10],
      ['@tensorflow/tfjs.einsum', 5, 13],
      ['mathjs.einsum', 6, 13],
    ]);
    expect(facts.functions.map((f) => [f.name, f.params.map((p) => `${p.name}${p.default ? '?' : ''}`)])).toEqual([
      ['applyRope', ['q', 'k', 'cosPe', 'sinPe?']],
      ['ropeFrequencies', ['dHead', 'base?']],
    ]);
  });

  it('applies the TypeScript rubric rules to a submission', async () => {
    const root = submission('ts', { 'src/rope.ts': "import * as tf from '@tensorflow/tfjs';\nexport function ropeFrequencies(dHead: number) { return tf.einsum('i', dHead); }\n" });
    const outcome = await run(root, {
      files: ['**/*.ts'],
      forbiddenImports: [{ module: '@tensorflow', reason: 'no framework' }],
      forbiddenCalls: [{ name: 'einsum' }],
    });
    expect(outcome.details?.map((d) => `${d.location?.line}:${d.location?.column} ${d.message}`)).toEqual([
      '1:1 imports @tensorflow/tfjs: no framework',
      '2:57 uses tf.einsum (@tensorflow/tfjs.einsum)',
    ]);
  });
});

describe('constraints options', () => {
  it('validates the rubric options and matches globs', () => {
    const validate = inlineValidator(constraintsKind.optionsSchema);
    expect(validate(labRules)).toBe(true);
    expect(validate(labSignatures)).toBe(true);
    expect(validate({ files: ['**/*.py'] })).toBe(false);
    expect(validate({ forbiddenImports: [{ module: 'torch; rm -rf' }] })).toBe(false);
    const glob = globRegExp('**/*.py');
    expect(['rope.py', 'src/minimodel/positional/rope.py'].every((p) => glob.test(p))).toBe(true);
    expect(glob.test('rope.pyc')).toBe(false);
    expect(globRegExp('src/*.ts').test('src/a/b.ts')).toBe(false);
  });
});
