/** The `claims` check kind: options schema, statuses, located details, and grading through the engine. */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { claimsKind, type ClaimsCheckOptions } from '../../src/checks/claims.js';
import type { CheckContext } from '../../src/checks/kind.js';
import { Registry } from '../../src/checks/registry.js';
import { inlineValidator } from '../../src/core/ajv.js';
import { grade } from '../../src/core/engine.js';
import type { Notice } from '../../src/core/types.js';
import { DirectorySubmission } from '../../src/input/submission.js';
import { loadRubricFile } from '../../src/rubric/load.js';

const root = fileURLToPath(new URL('../../fixtures/claims/', import.meta.url));

function context(notices: Notice[] = [], document?: string): CheckContext {
  const memo = new Map<string, Promise<unknown>>();
  return {
    root,
    ...(document ? { document } : {}),
    rubric: {} as CheckContext['rubric'],
    criterion: {} as CheckContext['criterion'],
    files: new DirectorySubmission(root),
    memo<T>(key: string, compute: () => Promise<T> | T) {
      if (!memo.has(key)) memo.set(key, Promise.resolve().then(compute));
      return memo.get(key) as Promise<T>;
    },
    notice: (n) => notices.push(n),
    services: {},
    signal: new AbortController().signal,
  };
}

const run = (options: ClaimsCheckOptions, document?: string) => claimsKind.run(context([], document), options);

describe('claims check kind', () => {
  it('options schema: draft 2020-12, no unknown keys, known extractor names only', () => {
    const validate = inlineValidator(claimsKind.optionsSchema);
    expect(validate({ files: ['README.md'], kinds: ['table-delta'], warnOnly: true })).toBe(true);
    expect(validate({ kinds: ['itemized-total', 'reduction'] })).toBe(true); // names of earlier versions
    expect(validate({ file: 'README.md' })).toBe(false);
    expect(validate({ kinds: ['sums'] })).toBe(false);
    const filled: Record<string, unknown> = {};
    expect(validate(filled)).toBe(true);
    expect(filled.warnOnly).toBe(false);
  });

  it('passes with the number of claims checked', async () => {
    const outcome = await run({ files: ['experiment-sinusoidal-vs-rope.md'] });
    expect(outcome.status).toBe('pass');
    expect(outcome.message).toBe('6 numeric claims checked, all consistent');
  });

  it('fails on a wrong total, with one located detail per failing claim carrying actual and expected', async () => {
    const outcome = await run({ files: ['rust-summary-wrong-total.md'] });
    expect(outcome.status).toBe('fail');
    expect(outcome.message).toMatch(/^8 numeric claims checked, 1 does not add up: Stated total 145 tests/);
    expect(outcome.location).toEqual({ file: 'rust-summary-wrong-total.md', line: 80, column: 12 });
    const failing = outcome.details!.filter((d) => !d.message.endsWith('(warning)'));
    expect(failing.map((d) => [d.location?.line, d.actual, d.expected])).toEqual([[80, '145', '142']]);
    expect(outcome.details!.filter((d) => d.message.endsWith('(warning)')).map((d) => d.location?.line)).toEqual([179]);
  });

  it('warns when only implied relations do not add up, and when warnOnly is set', async () => {
    expect((await run({ files: ['rope-rust-integration-summary.md'] })).status).toBe('warn');
    expect((await run({ files: ['rust-summary-wrong-total.md'], warnOnly: true })).status).toBe('warn');
  });

  it('runs only the structures asked for, earlier names included', async () => {
    const outcome = await run({ files: ['rust-summary-wrong-total.md'], kinds: ['product', 'percent-of'] });
    expect(outcome).toMatchObject({ status: 'pass', message: '3 numeric claims checked, all consistent' });
    expect(await run({ files: ['rust-summary-wrong-total.md'], kinds: ['itemized-total'] })).toMatchObject({ status: 'fail', location: { line: 80 } });
  });

  it('skips when no claim is found or the file is absent (a skip is not a pass)', async () => {
    expect(await run({ files: ['skip-no-claims/README.md'] })).toMatchObject({ status: 'skip', message: 'no numeric claims found in skip-no-claims/README.md; nothing to check' });
    expect(await run({ files: ['nope.md'] })).toMatchObject({ status: 'skip', message: 'nope.md not found; nothing to check' });
  });

  it('fails with the reader’s one-line message on a file that is not text, and on paths outside the root', async () => {
    const binary = await run({ files: ['binary.md'] });
    expect(binary).toMatchObject({ status: 'fail', location: { file: 'binary.md' } });
    expect(binary.message).toBe('binary.md looks binary (NUL byte at offset 9); expected UTF-8 Markdown');
    const outside = await run({ files: ['../../package.json'] });
    expect(outside).toMatchObject({ status: 'fail', message: "../../package.json is outside the submission folder (absolute paths and '..' are not allowed)" });
  });

  it('checks the verified document of a document rubric by default', async () => {
    expect((await run({}, 'structures/table-delta.not-ok.md')).status).toBe('fail');
  });

  it('grades through the engine with a rubric that uses it', async () => {
    const registry = new Registry([claimsKind]);
    const rubric = await loadRubricFile(`${root}claims-rubric.yaml`, registry);
    const status = async (dir: string) => (await grade({ rubric, target: `${root}${dir}`, registry })).checks[0]!.status;
    expect(await status('ok-consistent')).toBe('pass');
    expect(await status('not-ok-total')).toBe('fail');
    expect(await status('warn-implied')).toBe('warn');
    expect(await status('skip-no-claims')).toBe('skip');
  });
});
