/**
 * Gates: a criterion with `required: true` that does not pass keeps a
 * submission from passing whatever its score, and every view of the report
 * says so: JSON (gates, check.required), terminal, Markdown feedback,
 * Gradescope, JUnit, GitHub annotations and step summary, SARIF, and the
 * gradebook (grades.csv, summary.md).
 */
import { describe, expect, it } from 'vitest';
import { gradebookCsv, outlineOf, rowFromReport } from '../../src/batch/gradebook.js';
import { renderSummary } from '../../src/batch/summary.js';
import { schemaValidator } from '../../src/core/ajv.js';
import type { ConfigError } from '../../src/core/errors.js';
import { stamp } from '../../src/core/engine.js';
import { notPassedReasons, scoreChecks, verdictLine } from '../../src/core/scoring.js';
import type { Criterion, Report, Rubric } from '../../src/core/types.js';
import { parseRubric } from '../../src/rubric/load.js';
import { githubAnnotations, githubStepSummary } from '../../src/reporters/github.js';
import { gradescopeResults } from '../../src/reporters/gradescope.js';
import { junitReporter } from '../../src/reporters/junit.js';
import { markdownReporter } from '../../src/reporters/markdown.js';
import { toSarif } from '../../src/reporters/sarif.js';
import { terminalReporter } from '../../src/reporters/terminal.js';

const criterion = (id: string, points: number, required?: boolean): Criterion => ({
  id,
  title: `Title of ${id}`,
  kind: 'files',
  points,
  dimension: 'code',
  severity: 'error',
  visibility: 'learner',
  options: {},
  ...(required ? { required: true } : {}),
});

const criteria = [criterion('code-reference', 80), criterion('code-convention', 15, true), criterion('writeup', 15)];
const rubric: Rubric = {
  id: 'lab',
  title: 'Lab',
  version: 1,
  target: 'lab',
  appliesTo: {},
  passThreshold: 0.7,
  dimensions: [{ id: 'code', title: 'Code' }],
  criteria,
  path: 'lab.yaml',
};

/** 95/110 with the required convention check failing: a split-half submission. */
function splitHalf(): Report {
  const checks = [
    stamp(criteria[0]!, { status: 'pass', message: 'matches' }),
    stamp(criteria[1]!, { status: 'fail', message: 'pairs (i, i+d/2) are rotated together (split-half)', location: { file: 'rope.py', line: 30, column: 1 } }),
    stamp(criteria[2]!, { status: 'pass', message: 'answered' }),
  ];
  return {
    schemaVersion: 1,
    tool: { name: 'rubricate', version: '0.1.0' },
    rubric: { id: 'lab', title: 'Lab', version: 1 },
    submission: { name: 'bob', path: 'class/bob' },
    ...scoreChecks(rubric, checks),
    checks,
    notices: [],
  };
}

describe('gates', () => {
  it('a failing required check keeps 95/110 from passing, and says why', () => {
    const report = splitHalf();
    expect(report).toMatchObject({ score: 95, maxScore: 110, passed: false, gates: [{ id: 'code-convention', status: 'fail', met: false }] });
    expect(report.checks[1]!.required).toBe(true);
    expect(report.checks[0]!.required).toBeUndefined();
    expect(notPassedReasons(report)).toEqual(['required check code-convention failed', 'the score 95/110 alone reaches the pass mark of 70%']);
    expect(verdictLine(report)).toBe('not passed: required check code-convention failed (the score 95/110 alone reaches the pass mark of 70%)');
    const validate = schemaValidator('report.schema.json');
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
  });

  it('a met gate (pass or warn) and a score above the mark pass; a skipped gate does not', () => {
    const pass = scoreChecks(rubric, [stamp(criteria[0]!, { status: 'pass', message: '' }), stamp(criteria[1]!, { status: 'warn', message: '' }), stamp(criteria[2]!, { status: 'pass', message: '' })]);
    expect(pass).toMatchObject({ passed: true, gates: [{ met: true, status: 'warn' }] });
    const skipped = scoreChecks(rubric, [stamp(criteria[0]!, { status: 'pass', message: '' }), stamp(criteria[1]!, { status: 'skip', message: '' }), stamp(criteria[2]!, { status: 'pass', message: '' })]);
    expect(skipped.passed).toBe(false);
    expect(verdictLine({ ...skipped })).toContain('required check code-convention was skipped');
    // Without gates the report has no `gates` field, as before.
    expect(scoreChecks({ ...rubric, criteria: [criteria[0]!] }, [stamp(criteria[0]!, { status: 'pass', message: '' })])).not.toHaveProperty('gates');
  });

  it('every format says why the submission did not pass', () => {
    const report = splitHalf();
    const terminal = terminalReporter([report]);
    expect(terminal).toContain('NOT PASSED');
    expect(terminal).toContain('not passed: required check code-convention failed');
    expect(terminal).toMatch(/code-convention\s+0\/15\s+required/);

    const markdown = markdownReporter([report]);
    expect(markdown).toContain('but this submission has **not passed yet**: the lab requires **Title of code-convention** (`code-convention`)');
    expect(markdown).toContain('**Required by the lab:** the submission does not pass until this check passes');

    const gradescope = gradescopeResults(report);
    expect(gradescope.output).toContain('not passed: required check code-convention failed');
    expect(gradescope.tests[1]).toMatchObject({ name: 'Title of code-convention (required)', status: 'failed', tags: ['code', 'files', 'required'] });

    const junit = junitReporter([report]);
    expect(junit).toContain('<property name="notPassed" value="required check code-convention failed; the score 95/110 alone reaches the pass mark of 70%"/>');
    expect(junit).toContain('<failure message="required: pairs (i, i+d/2) are rotated together (split-half)"');

    const github = githubAnnotations(report);
    expect(github).toContain('::error file=class/bob/rope.py,line=30,col=1,title=bob%3A Title of code-convention (0/15%2C required)::');
    expect(github).toContain('::error file=class/bob/rope.py,line=30,title=bob%3A not passed (95/110)::not passed: required check code-convention failed; the score 95/110 alone reaches the pass mark of 70%25\n');
    expect(githubStepSummary([report])).toContain('❌ not passed (required: code-convention)');

    const sarif = toSarif([report]) as { runs: Array<{ results: Array<{ message: { text: string }; properties: Record<string, unknown> }>; properties: { submissions: Array<Record<string, unknown>> } }> };
    const result = sarif.runs[0]!.results[0]!;
    expect(result.message.text).toMatch(/^Required by the lab \(the submission does not pass without it\): pairs/);
    expect(result.properties.required).toBe(true);
    expect(sarif.runs[0]!.properties.submissions[0]).toMatchObject({ passed: false, notPassed: ['required check code-convention failed', 'the score 95/110 alone reaches the pass mark of 70%'] });
  });

  it('the gradebook and summary name the requirement', () => {
    const report = splitHalf();
    const row = rowFromReport(report, 'bob', 'class/bob');
    expect(row).toMatchObject({ status: 'failed', unmetRequirements: ['code-convention'] });
    expect(row.diagnosis).toBe(
      'not passed: required check code-convention failed (the score 95/110 alone reaches the pass mark of 70%). code-convention: pairs (i, i+d/2) are rotated together (split-half)',
    );
    const outline = outlineOf(rubric);
    expect(gradebookCsv(outline, [row])).toContain('not passed: required check code-convention failed');
    const summary = renderSummary(outline, [row]);
    expect(summary).toContain('1 of the not passed reach the pass mark by score but miss a lab requirement');
    expect(summary).toContain('| `code-convention` (required) |');
    expect(summary).toContain('## Not passed because of a requirement');
    expect(summary).toContain('| `bob` | 95/110 | `code-convention` |');
  });

  it('a rubric cannot make a warning a gate (it could never fail)', () => {
    const yaml = [
      'id: lab',
      'title: Lab',
      'version: 1',
      'target: lab',
      'passThreshold: 0.7',
      'dimensions: [{ id: code, title: Code }]',
      'criteria:',
      '  - id: files',
      '    title: Files',
      '    kind: files',
      '    points: 5',
      '    dimension: code',
      '    severity: warning',
      '    required: true',
      '    options: { required: [{ path: a.txt }] }',
      '',
    ].join('\n');
    let problems: Array<{ message: string; location: unknown }> = [];
    try {
      parseRubric(yaml, 'lab.yaml');
    } catch (error) {
      problems = (error as ConfigError).problems ?? [];
    }
    expect(problems).toEqual([
      { message: "criterion 'files': required: true needs severity: error (a warning only warns, so the requirement could never fail)", location: { file: 'lab.yaml', line: 14, column: 15 } },
    ]);
  });
});
