import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { registerFindings } from '../../src/cli/commands/findings.js';
import { registerVerify } from '../../src/cli/commands/verify.js';
import { RubricateError } from '../../src/core/errors.js';
import { AUDITED, COMPLETE, repo, scratchDir, validateSarif } from './helpers.js';

interface Run {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** Runs a command module the way the CLI does; configuration errors become exit 2 as in src/cli/main.ts. */
async function run(...args: string[]): Promise<Run> {
  const program = new Command().exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  registerVerify(program);
  registerFindings(program);
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  process.exitCode = undefined;
  let exitCode: number;
  try {
    await program.parseAsync(args, { from: 'user' });
    exitCode = typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (!(error instanceof RubricateError)) throw error;
    stderr += error.message;
    exitCode = error.exitCode;
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.exitCode = undefined;
  }
  return { stdout, stderr, exitCode };
}

afterEach(() => {
  process.exitCode = undefined;
});

describe('rubricate verify <build-prompt>', () => {
  it('exits 1 on the audited prompt and names the missing criteria', async () => {
    const r = await run('verify', repo(AUDITED), '--rubric', 'rope-build-prompt');
    expect(r.exitCode).toBe(1);
    for (const id of ['distance-decay', 'length-extrapolation', 'linear-attention', 'empirical-nuance']) expect(r.stdout).toContain(id);
  });

  it('exits 0 on the complete prompt', async () => {
    const r = await run('verify', repo(COMPLETE), '--rubric', 'rope-build-prompt', '--format', 'json');
    expect(r.exitCode).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.summary).toMatchObject({ pass: 13, warn: 0, fail: 0 });
  });

  it('maps covered / partly / missing to pass / warn / fail in JSON', async () => {
    const r = await run('verify', repo('fixtures/verify/build-prompt-negated.md'), '--rubric', 'rope-build-prompt', '--format', 'json');
    const report = JSON.parse(r.stdout) as { checks: Array<{ id: string; status: string }> };
    const status = Object.fromEntries(report.checks.map((c) => [c.id, c.status]));
    expect(status).toMatchObject({ 'theta-frequencies': 'pass', 'rotation-matrix': 'warn', 'distance-decay': 'fail' });
  });

  it('writes valid SARIF with a located result per missing criterion', async () => {
    const r = await run('verify', repo(AUDITED), '--rubric', 'rope-build-prompt', '--format', 'sarif');
    const log = JSON.parse(r.stdout);
    expect(validateSarif(log)).toEqual([]);
    const results = log.runs[0].results as Array<{ ruleId: string; level: string; locations: Array<{ physicalLocation: { artifactLocation: { uri: string } } }> }>;
    expect(results.map((x) => x.ruleId).sort()).toEqual(['distance-decay', 'empirical-nuance', 'length-extrapolation', 'linear-attention']);
    expect(results[0]!.locations[0]!.physicalLocation.artifactLocation.uri).toBe('fixtures/verify/build-prompt-audited.md');
    expect(log.runs[0].tool.driver.rules).toHaveLength(13);
  });

  it('exits 2 without --rubric, with an unknown rubric, or with a lab rubric', async () => {
    expect((await run('verify', repo(AUDITED))).exitCode).toBe(2);
    const unknown = await run('verify', repo(AUDITED), '--rubric', 'rope-build-promt');
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain("did you mean 'rope-build-prompt'");
    const lab = await run('verify', repo(AUDITED), '--rubric', repo('fixtures/verify/rubric-lab-target.yaml'));
    expect(lab.exitCode).toBe(2);
    expect(lab.stderr).toMatch(/target: document/);
    expect((await run('verify', repo('fixtures/verify/nope.md'), '--rubric', 'rope-build-prompt')).exitCode).toBe(2);
  });
});

describe('rubricate verify <curriculum>', () => {
  it('prints "1 of 7 modules verified" and exits 1 on the sample', async () => {
    const r = await run('verify', repo('curricula/sample'));
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/^1 of 7 modules verified/m);
    expect(r.stdout).toContain('not verified yet: linear, tokenizer_class');
  });

  it('exits 0 on a curriculum whose prompt covers everything', async () => {
    const r = await run('verify', repo('fixtures/verify/curriculum-complete'));
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^1 of 2 modules verified/m);
  });

  it('writes SARIF for the whole curriculum to a file, with the count on stderr', async () => {
    const file = join(scratchDir('rubricate-sarif-'), 'verify.sarif');
    const r = await run('verify', repo('curricula/sample'), '--format', 'sarif', '-o', file);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('1 of 7 modules verified');
    const log = JSON.parse(readFileSync(file, 'utf8'));
    expect(validateSarif(log)).toEqual([]);
    expect(log.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri).toBe('curricula/sample/modules/rope/build-prompt.md');
  });

  it('summarises modules in JSON', async () => {
    const r = await run('verify', repo('curricula/sample'), '--format', 'json');
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ curriculum: 'sample', modulesVerified: 1, modulesTotal: 7, exitCode: 1 });
    expect(out.modules[0]).toEqual({ id: 'rope', status: 'verified', rubric: 'rope-build-prompt', missingRequired: ['distance-decay', 'length-extrapolation'] });
  });

  it('exits 2 on a broken manifest and refuses --rubric', async () => {
    const bad = await run('verify', repo('fixtures/verify/curriculum-bad'));
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain("unknown key 'buildPromt'");
    expect((await run('verify', repo('curricula/sample'), '--rubric', 'rope-build-prompt')).exitCode).toBe(2);
  });
});

describe('rubricate findings', () => {
  it('writes the golden document from the curriculum', async () => {
    const r = await run('findings', repo('curricula/sample'), '--module', 'rope');
    expect(r.exitCode).toBe(0);
    const golden = readFileSync(repo('fixtures/verify/golden/findings-audited.md'), 'utf8');
    // Same document but for the path of the verified file.
    expect(r.stdout.replace('curricula/sample/modules/rope/build-prompt.md', 'fixtures/verify/build-prompt-audited.md')).toBe(golden);
  });

  it('writes a document for a prompt and a rubric to a file', async () => {
    const file = join(scratchDir('rubricate-findings-'), 'out.md');
    const r = await run('findings', repo(COMPLETE), '--rubric', 'rope-build-prompt', '-o', file);
    expect(r.exitCode).toBe(0);
    expect(readFileSync(file, 'utf8')).toContain('### Verification Status: ✅ ACCURATE and complete');
  });

  it('exits 2 without a rubric or with an unknown module', async () => {
    expect((await run('findings', repo(COMPLETE))).exitCode).toBe(2);
    const unknown = await run('findings', repo('curricula/sample'), '--module', 'ropes');
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain("no module 'ropes'");
  });

  it('takes the module and the list of modules from --curriculum for a prompt given by path', async () => {
    const r = await run('findings', repo('curricula/sample/modules/rope/build-prompt.md'), '--curriculum', repo('curricula/sample'));
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('## Module: rope (RoPE / Rotary Position Embeddings)');
    expect(r.stdout).toContain('## Next Modules to Verify');
  });
});

describe('curriculum-local rubrics', () => {
  it('finds a rubric id in the curriculum\'s own rubrics/ folder', async () => {
    const { cpSync, mkdirSync, writeFileSync } = await import('node:fs');
    const dir = scratchDir('rubricate-local-');
    mkdirSync(join(dir, 'rubrics'));
    cpSync(repo('fixtures/verify/rubric-lab-target.yaml'), join(dir, 'rubrics', 'mine.yaml'));
    writeFileSync(join(dir, 'prompt.md'), '# Prompt\n\nRoPE rotates pairs.\n');
    writeFileSync(join(dir, 'curriculum.yaml'), 'id: local\nmodules:\n  - id: m\n    buildPrompt: prompt.md\n    rubric: mine\n');
    // The local rubric is a lab rubric: found, then refused for verification (exit 2 names the target).
    const r = await run('verify', dir);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("rubric 'lab-target' grades labs");
  });
});
