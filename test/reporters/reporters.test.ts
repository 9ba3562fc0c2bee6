import { describe, expect, it } from 'vitest';
import { schemaValidator } from '../../src/core/ajv.js';
import { jsonReporter } from '../../src/reporters/json.js';
import { markdownReporter } from '../../src/reporters/markdown.js';
import { terminalReporter } from '../../src/reporters/terminal.js';
import { sampleReport as report } from '../helpers/sample-report.js';

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

describe('notes on passing checks', () => {
  const note = (figure: string) => ({ note: true, message: `precision note: computed in float32: max error ${figure}` });
  const passing = (id: string, details: Array<{ message: string; note?: boolean }>) =>
    ({ id, title: id, kind: 'rope-norm', dimension: 'code', severity: 'error' as const, visibility: 'learner' as const, status: 'pass' as const, points: 5, maxPoints: 5, message: 'fine', details });
  const withNotes = {
    ...report,
    checks: [passing('first', [{ message: 'a plain detail' }, note('1.0e-7')]), passing('second', [note('3.3e-8')]), passing('third', [{ note: true, message: 'another remark' }])],
  };

  it('shows a note of a passing check without --verbose, each kind of note once, and no plain details', () => {
    for (const text of [terminalReporter([withNotes]), markdownReporter([withNotes], { audience: 'learner' })]) {
      expect(text).toContain('max error 1.0e-7');
      // The same note with other figures on a later check is not repeated.
      expect(text).not.toContain('max error 3.3e-8');
      expect(text).toContain('another remark');
      expect(text).not.toContain('a plain detail');
    }
  });

  it('validates against the report schema', () => {
    const validate = schemaValidator('report.schema.json');
    expect(validate(withNotes), JSON.stringify(validate.errors)).toBe(true);
  });
});
