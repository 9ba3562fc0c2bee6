import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CheckKind } from '../../src/checks/kind.js';
import { Registry } from '../../src/checks/registry.js';
import { grade } from '../../src/core/engine.js';
import { exitCodeFor } from '../../src/core/scoring.js';
import type { Rubric } from '../../src/core/types.js';
import { reporters } from '../../src/reporters/index.js';
import { echoKind } from '../helpers/echo-kind.js';

const registry = new Registry([echoKind]);
const root = mkdtempSync(join(tmpdir(), 'rubricate-engine-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function rubric(criteria: Array<{ id: string; dimension?: string; points?: number; severity?: 'error' | 'warning'; options: Record<string, unknown> }>): Rubric {
  return {
    id: 'test',
    title: 'Test',
    version: 1,
    target: 'lab',
    appliesTo: {},
    passThreshold: 0.6,
    dimensions: [
      { id: 'a', title: 'A' },
      { id: 'b', title: 'B' },
    ],
    criteria: criteria.map((c) => ({
      id: c.id,
      title: c.id,
      kind: 'echo',
      points: c.points ?? 10,
      dimension: c.dimension ?? 'a',
      severity: c.severity ?? 'error',
      visibility: 'learner',
      options: c.options,
    })),
    path: 'test.yaml',
  };
}

describe('engine and scoring', () => {
  it('scores per criterion, per dimension and in total, with partial credit', async () => {
    const report = await grade({
      registry,
      target: root,
      rubric: rubric([
        { id: 'p', options: { status: 'pass' } },
        { id: 'half', options: { status: 'fail', credit: 0.5 } },
        { id: 'other', dimension: 'b', points: 5, options: { status: 'pass' } },
      ]),
    });
    expect(report.checks.map((c) => [c.id, c.status, c.points, c.maxPoints])).toEqual([
      ['p', 'pass', 10, 10],
      ['half', 'fail', 5, 10],
      ['other', 'pass', 5, 5],
    ]);
    expect(report.dimensions).toEqual([
      { id: 'a', title: 'A', score: 15, maxScore: 20 },
      { id: 'b', title: 'B', score: 5, maxScore: 5 },
    ]);
    expect(report.score).toBe(20);
    expect(report.maxScore).toBe(25);
    expect(report.passed).toBe(true);
    expect(exitCodeFor([report])).toBe(1);
  });

  it('turns a failure of a warning-severity criterion into a warning that still loses the points', async () => {
    const report = await grade({ registry, target: root, rubric: rubric([{ id: 'w', severity: 'warning', options: { status: 'fail' } }]) });
    expect(report.checks[0]).toMatchObject({ status: 'warn', points: 0 });
    expect(report.passed).toBe(false);
    expect(exitCodeFor([report])).toBe(0);
  });

  it('runs no further check once grading is stopped, including a stop that came before it began', async () => {
    let runs = 0;
    const counting = new Registry([{ ...echoKind, run: (ctx, options) => (runs++, echoKind.run(ctx, options)) }]);
    const controller = new AbortController();
    controller.abort();
    const report = await grade({
      rubric: rubric([{ id: 'one', options: { status: 'pass' } }, { id: 'two', options: { status: 'fail' } }]),
      target: root,
      registry: counting,
      signal: controller.signal,
    });
    expect(runs).toBe(0);
    expect(report.checks.map((c) => [c.id, c.status])).toEqual([['one', 'skip'], ['two', 'skip']]);
    expect(report.checks[0]!.message).toMatch(/grading was stopped/);
  });

  it('reports a crashing check kind as an error and keeps grading', async () => {
    const report = await grade({
      registry,
      target: root,
      rubric: rubric([
        { id: 'boom', options: { status: 'pass', throws: true } },
        { id: 'after', options: { status: 'pass' } },
      ]),
    });
    expect(report.checks[0]).toMatchObject({ status: 'error', points: 0 });
    expect(report.checks[0]!.message).toContain('rubricate bug');
    expect(report.checks[1]).toMatchObject({ status: 'pass', points: 10 });
    expect(report.summary).toEqual({ pass: 1, warn: 0, fail: 0, error: 1, skip: 0 });
  });

  it('keeps control characters from learner text out of the report: an escape sequence never reaches a terminal', async () => {
    const hostile = 'bad \x1b[2J\x1b]0;PWNED\x07 \x00 \r\x9b done';
    const noisy: CheckKind<Record<string, never>> = {
      name: 'noisy',
      summary: 'quotes learner text',
      targets: ['lab'],
      optionsSchema: { type: 'object' },
      run(ctx) {
        ctx.notice({ level: 'warning', message: `notice ${hostile}`, location: { file: `a\x1bb.md`, line: 1 } });
        return {
          status: 'fail',
          message: `raised ValueError: ${hostile}\nline two\tTabbed`,
          diagnosis: hostile,
          location: { file: 'rope\x1b.py', line: 3 },
          details: [{ message: hostile, actual: '\x1b[31m', expected: '\x07', location: { file: '\x1b' } }],
        };
      },
    };
    const base = rubric([{ id: 'noisy', options: {} }]);
    const report = await grade({ registry: new Registry([noisy]), target: root, rubric: { ...base, criteria: [{ ...base.criteria[0]!, kind: 'noisy' }] } });
    const check = report.checks[0]!;
    expect(check.message).toBe('raised ValueError: bad ␛[2J␛]0;PWNED␇ ␀ ␍<U+009B> done\nline two\tTabbed');
    expect(check.diagnosis).toBe('bad ␛[2J␛]0;PWNED␇ ␀ ␍<U+009B> done');
    expect(check.location).toEqual({ file: 'rope␛.py', line: 3 });
    expect(check.details).toEqual([{ message: 'bad ␛[2J␛]0;PWNED␇ ␀ ␍<U+009B> done', actual: '␛[31m', expected: '␇', location: { file: '␛' } }]);
    expect(report.notices).toEqual([{ level: 'warning', message: 'notice bad ␛[2J␛]0;PWNED␇ ␀ ␍<U+009B> done', location: { file: 'a␛b.md', line: 1 } }]);
    for (const format of ['terminal', 'markdown', 'github'] as const) {
      expect(reporters[format]!([report], { verbose: true }), format).not.toMatch(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/);
    }
  });
});
