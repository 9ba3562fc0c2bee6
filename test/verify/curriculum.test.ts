import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../../src/core/errors.js';
import { curriculumSummary, loadCurriculum, parseCurriculum, verifyCurriculum } from '../../src/verify/curriculum.js';
import { ensureCoverageKind } from '../../src/verify/verify.js';
import { repo, scratchDir } from './helpers.js';

ensureCoverageKind();

async function configError(run: () => Promise<unknown> | unknown): Promise<ConfigError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('curriculum manifest', () => {
  it('loads the sample curriculum: rope mapped to its rubric, six modules not verified yet', async () => {
    const c = await loadCurriculum(repo('curricula/sample'));
    expect(c.id).toBe('sample');
    expect(c.modules.map((m) => m.id)).toEqual(['rope', 'linear', 'tokenizer_class', 'transformer_lm', 'embedding', 'data_loader', 'checkpointing']);
    expect(c.modules[0]).toMatchObject({ rubric: 'rope-build-prompt', buildPrompt: 'modules/rope/build-prompt.md' });
    expect(c.modules.slice(1).every((m) => m.status === 'not-verified-yet' && m.rubric === undefined)).toBe(true);
  });

  it('locates every problem of a broken manifest', async () => {
    const error = await configError(() => loadCurriculum(repo('fixtures/verify/curriculum-bad')));
    const messages = error.problems.map((p) => `${p.location?.line}: ${p.message}`);
    expect(messages).toEqual([
      "7: unknown key 'buildPromt' at /modules/1 (did you mean 'buildPrompt'?)",
    ]);
    expect(error.location?.file).toMatch(/fixtures\/verify\/curriculum-bad\/curriculum\.yaml$/);
  });

  it('reports a build prompt that does not exist at its module', async () => {
    const text = 'id: x\nmodules:\n  - id: a\n    buildPrompt: nowhere.md\n    rubric: rope-build-prompt\n';
    const { writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const dir = scratchDir('rubricate-curriculum-');
    writeFileSync(join(dir, 'curriculum.yaml'), text);
    const error = await configError(() => loadCurriculum(dir));
    expect(error.problems.map((p) => [p.location?.line, p.message])).toEqual([[3, "module 'a': buildPrompt file not found: nowhere.md"]]);
  });

  it('reports duplicate ids and contradictory status with their lines', async () => {
    const text = 'id: x\nmodules:\n  - id: a\n    rubric: r\n    status: not-verified-yet\n  - id: a\n';
    const error = await configError(() => parseCurriculum(text, 'c.yaml'));
    expect(error.problems.map((p) => [p.location?.line, p.message])).toEqual([
      [5, "module 'a': has a rubric but status 'not-verified-yet'; drop one of them"],
      [6, "duplicate module id 'a'"],
    ]);
    const noManifest = await configError(() => loadCurriculum(repo('fixtures/verify/golden')));
    expect(noManifest.message).toMatch(/^no curriculum.yaml in /);
  });

  it('refuses YAML syntax errors with a location', async () => {
    const error = await configError(() => parseCurriculum('id: x\nmodules: [\n', 'c.yaml'));
    expect(error.message).toMatch(/^invalid curriculum c.yaml: YAML syntax: /);
    // The unclosed [ runs to the end of the text.
    expect(error.location).toEqual({ file: 'c.yaml', line: 3, column: 1 });
  });

  it('refuses a YAML alias bomb with a located problem', async () => {
    const text = readFileSync(repo('fixtures/rubrics/bad-alias-bomb.yaml'), 'utf8');
    const error = await configError(() => parseCurriculum(text, 'c.yaml'));
    expect(error.message).toMatch(/^invalid curriculum c.yaml: YAML aliases: /);
    expect(error.location).toEqual({ file: 'c.yaml', line: 4, column: 8 });
  });
});

describe('curriculum verification', () => {
  it('verifies 1 of 7 modules of the sample and exits 1: distance decay and extrapolation are required', async () => {
    const result = await verifyCurriculum(repo('curricula/sample'));
    expect(result.verified.map((v) => v.module.id)).toEqual(['rope']);
    expect(result.notVerified).toHaveLength(6);
    expect(result.verified[0]!.missingRequired).toEqual(['distance-decay', 'length-extrapolation']);
    expect(result.exitCode).toBe(1);
    const summary = curriculumSummary(result);
    expect(summary.split('\n')[0]).toMatch(/^1 of 7 modules verified/);
    expect(summary).toContain('not verified yet: linear, tokenizer_class, transformer_lm, embedding, data_loader, checkpointing');
    expect(summary).toContain('missing required: distance-decay, length-extrapolation');
  });

  it('exits 0 when no required criterion is missing', async () => {
    const result = await verifyCurriculum(repo('fixtures/verify/curriculum-complete'));
    expect(result.exitCode).toBe(0);
    expect(curriculumSummary(result).split('\n')[0]).toMatch(/^1 of 2 modules verified/);
  });
});
