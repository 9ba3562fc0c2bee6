import { describe, expect, it } from 'vitest';
import { schemaValidator } from '../../src/core/ajv.js';
import type { Report } from '../../src/core/types.js';
import { jsonReporter } from '../../src/reporters/json.js';
import { markdownReporter } from '../../src/reporters/markdown.js';
import { terminalReporter } from '../../src/reporters/terminal.js';

const report: Report = {
  schemaVersion: 1,
  tool: { name: 'rubricate', version: '0.1.0' },
  rubric: { id: 'rope-lab02', title: 'Lab 02', version: 1 },
  submission: { name: 'alice', path: 'submissions/alice' },
  score: 12.5,
  maxScore: 20,
  passThreshold: 0.7,
  passed: false,
  dimensions: [{ id: 'code', title: 'Code', score: 12.5, maxScore: 20 }],
  summary: { pass: 1, warn: 0, fail: 1, error: 0, skip: 0 },
  checks: [
    { id: 'ok-check', title: 'Works', kind: 'files', dimension: 'code', severity: 'error', visibility: 'learner', status: 'pass', points: 10, maxPoints: 10, message: 'all good' },
    {
      id: 'bad-check', title: 'Convention', kind: 'rope-convention', dimension: 'code', severity: 'error', visibility: 'learner',
      status: 'fail', points: 2.5, maxPoints: 5, message: 'pairs rotated the wrong way',
      diagnosis: 'split-half pairing: rotate x[0::2] with x[1::2]', hint: 'see the lab',
      location: { file: 'rope.py', line: 12, column: 5 },
      details: [{ message: 'e_0 moved to index 8', actual: '8', expected: '1', location: { file: 'rope.py', line: 14 } }],
    },
    { id: 'secret', title: 'Hidden', kind: 'files', dimension: 'code', severity: 'error', visibility: 'instructor', status: 'fail', points: 0, maxPoints: 5, message: 'hidden test | with pipe' },
  ],
  notices: [{ level: 'warning', message: 'repaired mojibake', location: { file: 'README.md', line: 3, column: 1 } }],
};

describe('reporters', () => {
  it('json is the report itself and validates against the schema', () => {
    const parsed = JSON.parse(jsonReporter([report])) as unknown;
    expect(parsed).toEqual(report);
    const validate = schemaValidator('report.schema.json');
    expect(validate(parsed), JSON.stringify(validate.errors)).toBe(true);
  });

  it('terminal shows locations, diagnosis, hint and the score, without colour unless asked', () => {
    const text = terminalReporter([report]);
    expect(text).toContain('rope.py:12:5');
    expect(text).toContain('diagnosis: split-half pairing');
    expect(text).toContain('hint: see the lab');
    expect(text).toContain('Score 12.5/20 (63%)');
    expect(text).toContain('NOT PASSED');
    expect(text).toContain('README.md:3:1');
    expect(text).not.toMatch(/\u001b\[/);
    expect(terminalReporter([report], { color: true })).toMatch(/\u001b\[/);
  });

  it('markdown feedback leads with what to fix and hides instructor-only checks from learners', () => {
    const text = markdownReporter([report]);
    expect(text.indexOf('## What to fix')).toBeLessThan(text.indexOf('## What already works'));
    expect(text).toContain('**Likely cause:** split-half pairing');
    expect(text).toContain('`rope.py:12:5`');
    expect(text).not.toContain('hidden test');
    expect(text).toContain('1 instructor-only check is not shown');
    const forInstructor = markdownReporter([report], { audience: 'instructor' });
    expect(forInstructor).toContain('hidden test \\| with pipe');
  });
});
