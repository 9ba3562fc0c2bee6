/**
 * The machine formats validated as their consumers validate them: JUnit
 * against the Jenkins xunit plugin's JUnit structure (an XSD, checked with
 * libxml2's validator), SARIF against GitHub code scanning's upload rules,
 * Gradescope's results.json against its specification.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateXML } from 'xmllint-wasm';
import type { Report, Visibility } from '../../src/core/types.js';
import { gradescopeResults } from '../../src/reporters/gradescope.js';
import { junitReporter } from '../../src/reporters/junit.js';
import { toSarif } from '../../src/reporters/sarif.js';
import { sampleReport } from '../helpers/sample-report.js';

const XSD = readFileSync(new URL('../../fixtures/reporters/junit-jenkins.xsd', import.meta.url), 'utf8');

/** Two learners, every status, a check without location, a submission name with dots. */
function classOfTwo(): Report[] {
  const bob: Report = {
    ...sampleReport,
    submission: { name: 'bob.smith', path: 'class/bob.smith' },
    checks: [
      ...sampleReport.checks,
      { id: 'runs', title: 'Runs', kind: 'rope-reference', dimension: 'code', severity: 'error', visibility: 'learner', status: 'error', points: 0, maxPoints: 5, message: 'could not run' },
      { id: 'later', title: 'Later', kind: 'files', dimension: 'code', severity: 'error', visibility: 'learner', status: 'skip', points: 0, maxPoints: 5, message: 'not reached' },
      { id: 'style', title: 'Style', kind: 'writeup', dimension: 'code', severity: 'warning', visibility: 'learner', status: 'warn', points: 1, maxPoints: 2, message: 'short' },
    ],
    summary: { pass: 1, warn: 1, fail: 2, error: 1, skip: 1 },
  };
  return [sampleReport, bob];
}

async function xsdErrors(xml: string): Promise<string[]> {
  const result = await validateXML({ xml: [{ fileName: 'report.xml', contents: xml }], schema: [{ fileName: 'junit.xsd', contents: XSD }] });
  return result.errors.map((e) => e.rawMessage);
}

describe('JUnit for Jenkins/xunit', () => {
  it('validates against the xunit JUnit schema', async () => {
    expect(await xsdErrors(junitReporter(classOfTwo()))).toEqual([]);
    expect(await xsdErrors(junitReporter([sampleReport], { audience: 'learner' }))).toEqual([]);
  });

  it('the schema is not a formality: the attributes Jenkins refuses are refused', async () => {
    const xml = junitReporter([sampleReport]);
    expect(await xsdErrors(xml.replace('<testsuites name="rubricate"', '<testsuites skipped="0" name="rubricate"'))).not.toEqual([]);
    expect(await xsdErrors(xml.replace('<testcase name="Works"', '<testcase line="3" name="Works"'))).not.toEqual([]);
  });

  it('puts the submission in every classname, so two learners never share a class', () => {
    const xml = junitReporter(classOfTwo());
    const classnames = [...xml.matchAll(/classname="([^"]*)"/g)].map((m) => m[1]!);
    expect(new Set(classnames)).toEqual(new Set(['alice.code', 'bob_smith.code']));
    expect(xml).toContain('file="class/bob.smith"');
  });
});

/**
 * GitHub code scanning's SARIF requirements (docs "SARIF support for code
 * scanning"): per rule an id, shortDescription.text, fullDescription.text and
 * help.text; per result message.text and at least one location with a
 * relative artifact URI and a start line; limits on results and rules.
 */
function githubSarifProblems(log: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const runs = log.runs as Array<Record<string, any>>;
  if (log.version !== '2.1.0') problems.push('version must be 2.1.0');
  if (runs.length > 20) problems.push('at most 20 runs');
  for (const run of runs) {
    const driver = run.tool?.driver;
    if (!driver?.name) problems.push('tool.driver.name is required');
    const rules = (driver?.rules ?? []) as Array<Record<string, any>>;
    if (rules.length > 1000) problems.push('at most 1,000 rules');
    for (const rule of rules) {
      for (const field of ['shortDescription', 'fullDescription', 'help']) {
        if (typeof rule[field]?.text !== 'string' || rule[field].text.trim() === '') problems.push(`rule ${rule.id}: ${field}.text is required`);
      }
      if (!rule.id) problems.push('a rule has no id');
    }
    const results = (run.results ?? []) as Array<Record<string, any>>;
    if (results.length > 25000) problems.push('at most 25,000 results per run');
    for (const result of results) {
      if (typeof result.message?.text !== 'string' || result.message.text === '') problems.push(`result ${result.ruleId}: message.text is required`);
      if (!rules.some((r) => r.id === result.ruleId)) problems.push(`result ${result.ruleId}: no rule with that id`);
      const locations = (result.locations ?? []) as Array<Record<string, any>>;
      if (locations.length === 0 || locations.length > 10) problems.push(`result ${result.ruleId}: 1 to 10 locations`);
      for (const location of locations) {
        const uri = location.physicalLocation?.artifactLocation?.uri;
        if (typeof uri !== 'string' || uri === '' || uri.startsWith('/')) problems.push(`result ${result.ruleId}: a relative artifactLocation.uri is required`);
        if (!(location.physicalLocation?.region?.startLine >= 1)) problems.push(`result ${result.ruleId}: region.startLine is required`);
      }
    }
  }
  return problems;
}

describe('SARIF for GitHub code scanning', () => {
  it('meets the upload rules, with help on every rule', () => {
    const log = toSarif(classOfTwo(), { includePassing: true });
    expect(githubSarifProblems(log)).toEqual([]);
    const rules = (log.runs as Array<{ tool: { driver: { rules: Array<{ id: string; help: { text: string } }> } } }>)[0]!.tool.driver.rules;
    expect(rules.find((r) => r.id === 'bad-check')!.help.text).toBe('see the lab');
    expect(rules.find((r) => r.id === 'ok-check')!.help.text).toContain('Works');
  });

  it('the rule checker is not a formality', () => {
    const log = toSarif([sampleReport]) as Record<string, any>;
    delete log.runs[0].tool.driver.rules[0].help;
    log.runs[0].results[0].locations = [];
    expect(githubSarifProblems(log)).toHaveLength(2);
  });
});

describe('Gradescope results.json', () => {
  const withVisibility = (visibility: Visibility): Report => ({
    ...sampleReport,
    checks: sampleReport.checks.map((c) => ({ ...c, visibility })),
  });

  it('maps each rubric visibility to Gradescope visibility', () => {
    const seen = (v: Visibility) => new Set(gradescopeResults(withVisibility(v)).tests.map((t) => t.visibility));
    expect(seen('learner')).toEqual(new Set(['visible']));
    expect(seen('instructor')).toEqual(new Set(['hidden']));
    expect(seen('after_due_date')).toEqual(new Set(['after_due_date']));
    expect(seen('after_published')).toEqual(new Set(['after_published']));
  });

  it('follows the specification: Markdown output, execution time, score as the sum of tests', () => {
    const results = gradescopeResults(sampleReport);
    expect(results.output_format).toBe('md');
    expect(results.test_output_format).toBe('md');
    expect(Number.isInteger(results.execution_time)).toBe(true);
    expect(results.score).toBe(results.tests.reduce((sum, t) => sum + t.score, 0));
    for (const test of results.tests) {
      expect(['passed', 'failed']).toContain(test.status);
      expect(test.output_format).toBe('md');
      expect(test.max_score).toBeGreaterThanOrEqual(test.score);
    }
    const failed = results.tests.find((t) => t.name === 'Convention')!;
    expect(failed.output).toContain('**Likely cause:** split-half pairing');
    expect(failed.output).toContain('`rope.py:12:5`');
  });
});
