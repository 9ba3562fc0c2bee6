import { describe, expect, it } from 'vitest';
import type { CheckResult, Report } from '../../src/core/types.js';
import { artifactUri, renderSarif, toSarif } from '../../src/reporters/sarif.js';
import { validateSarif } from './helpers.js';

function check(partial: Partial<CheckResult> & { id: string; status: CheckResult['status'] }): CheckResult {
  return {
    title: `Title of ${partial.id}`,
    kind: 'coverage',
    dimension: 'math',
    severity: 'error',
    visibility: 'learner',
    points: partial.status === 'pass' ? 10 : 0,
    maxPoints: 10,
    message: `message of ${partial.id}`,
    ...partial,
  };
}

function report(rubricId: string, path: string, checks: CheckResult[]): Report {
  return {
    schemaVersion: 1,
    tool: { name: 'rubricate', version: '0.1.0' },
    rubric: { id: rubricId, title: `Rubric ${rubricId}`, version: 1 },
    submission: { name: path.split('/').pop()!, path },
    score: 10,
    maxScore: 30,
    passThreshold: 0.8,
    passed: false,
    dimensions: [{ id: 'math', title: 'Math', score: 10, maxScore: 30 }],
    summary: { pass: 1, warn: 1, fail: 1, error: 0, skip: 0 },
    checks,
    notices: [],
  };
}

const sample = report('rope-build-prompt', 'curricula/sample/modules/rope/build-prompt.md', [
  check({ id: 'rotation-matrix', status: 'pass', details: [{ message: 'found', location: { file: 'build-prompt.md', line: 30, column: 1 }, actual: 'The rotation matrix' }] }),
  check({ id: 'multi-scale', status: 'warn', location: { file: 'build-prompt.md', line: 62, column: 1 } }),
  check({ id: 'distance-decay', status: 'fail', location: { file: 'build-prompt.md', line: 1 }, hint: 'Add a section on decay.' }),
]);

describe('SARIF reporter', () => {
  it('emits a log that validates against the SARIF 2.1.0 schema subset', () => {
    const log = JSON.parse(renderSarif([sample]));
    expect(validateSarif(log)).toEqual([]);
    expect(log.version).toBe('2.1.0');
  });

  it('the schema subset rejects what the official schema rejects', () => {
    const bad = toSarif([sample]) as { runs: Array<{ results: Array<Record<string, unknown>> }> };
    bad.runs[0]!.results[0]!.level = 'fatal';
    expect(validateSarif(bad).join('\n')).toMatch(/level|allowed values/);
    const noRegionLine = toSarif([sample]) as any;
    noRegionLine.runs[0].results[0].locations[0].physicalLocation.region.startLine = 0;
    expect(validateSarif(noRegionLine)).not.toEqual([]);
    expect(validateSarif({ runs: [] })).not.toEqual([]);
  });

  it('has one rule per criterion and one result per check that did not pass', () => {
    const log = toSarif([sample]) as any;
    const run = log.runs[0];
    expect(run.tool.driver.name).toBe('rubricate');
    expect(run.tool.driver.rules.map((r: { id: string }) => r.id)).toEqual(['rotation-matrix', 'multi-scale', 'distance-decay']);
    expect(run.results.map((r: { ruleId: string; level: string }) => [r.ruleId, r.level])).toEqual([
      ['multi-scale', 'warning'],
      ['distance-decay', 'error'],
    ]);
    const decay = run.results[1];
    expect(decay.ruleIndex).toBe(2);
    expect(decay.message.text).toContain('Add a section on decay.');
    expect(decay.locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: 'curricula/sample/modules/rope/build-prompt.md' },
      region: { startLine: 1 },
    });
  });

  it('lists passing checks as kind pass with includePassing, with their evidence as related locations', () => {
    const log = toSarif([sample], { includePassing: true }) as any;
    const passing = log.runs[0].results.find((r: { ruleId: string }) => r.ruleId === 'rotation-matrix');
    expect(passing).toMatchObject({ kind: 'pass', level: 'none' });
    expect(passing.relatedLocations[0].physicalLocation.region.startLine).toBe(30);
    expect(validateSarif(log)).toEqual([]);
  });

  it('prefixes rule ids with the rubric when reports come from several rubrics', () => {
    const other = report('rope-lab02', 'submissions/alice', [check({ id: 'files-present', status: 'fail', location: { file: 'src/rope.py', line: 3, column: 5 } })]);
    const log = toSarif([sample, other]) as any;
    const ids = log.runs[0].tool.driver.rules.map((r: { id: string }) => r.id);
    expect(ids).toContain('rope-lab02/files-present');
    expect(ids).toContain('rope-build-prompt/distance-decay');
    const lab = log.runs[0].results.find((r: { ruleId: string }) => r.ruleId === 'rope-lab02/files-present');
    expect(lab.locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: 'submissions/alice/src/rope.py' },
      region: { startLine: 3, startColumn: 5 },
    });
    expect(validateSarif(log)).toEqual([]);
  });

  it('resolves artifact paths for documents and folders', () => {
    expect(artifactUri('docs/rope/build prompt.md', 'build prompt.md')).toBe('docs/rope/build%20prompt.md');
    expect(artifactUri('docs/rope/prompt.md', 'other.md')).toBe('docs/rope/other.md');
    expect(artifactUri('prompt.md', 'prompt.md')).toBe('prompt.md');
    expect(artifactUri('subs/bob', 'README.md')).toBe('subs/bob/README.md');
    expect(artifactUri('subs/bob', undefined)).toBe('subs/bob');
  });
});
