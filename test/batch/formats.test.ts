/**
 * The CI and LMS views of a report: JUnit XML, Gradescope results.json and
 * GitHub workflow commands, built from reports of the fixture class.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { convert } from 'xmlbuilder2';
import { describe, expect, it } from 'vitest';
import { Registry } from '../../src/checks/registry.js';
import { grade } from '../../src/core/engine.js';
import type { Report } from '../../src/core/types.js';
import { githubAnnotations, githubReporter, githubStepSummary } from '../../src/reporters/github.js';
import { gradescopeReporter, gradescopeResults } from '../../src/reporters/gradescope.js';
import { junitReporter } from '../../src/reporters/junit.js';
import { loadRubricFile } from '../../src/rubric/load.js';
import { echoKind } from '../helpers/echo-kind.js';
import { probeKind } from './probe-kind.js';

const fixtures = new URL('../../fixtures/batch/', import.meta.url).pathname;
const registry = new Registry([echoKind, probeKind]);
const rubric = await loadRubricFile(join(fixtures, 'rubric.yaml'), registry);

async function reportOf(name: string): Promise<Report> {
  return grade({ rubric, registry, target: join(fixtures, 'class', name) });
}

const alice = await reportOf('alice');
const bob = await reportOf('bob');
const carol = await reportOf('carol');
const dave = await reportOf('dave');

/** A report whose learner-derived text tries to break every format. */
function hostile(): Report {
  const r = structuredClone(bob);
  r.submission = { name: 'eve', path: 'class/eve' };
  const check = r.checks[0]!;
  check.message = 'bad\u0000byte ]]> <script>alert(1)</script> & "q"\n::error::forged, 100%';
  check.diagnosis = 'line one\r\nline two';
  check.location = { file: 'a,b:c.py', line: 3, column: 2 };
  return r;
}

type Node = Record<string, unknown>;
function asArray<T>(x: T | T[] | undefined): T[] {
  return x === undefined ? [] : Array.isArray(x) ? x : [x];
}

describe('JUnit reporter', () => {
  it('writes one well-formed suite per submission and one test case per check', () => {
    const xml = junitReporter([alice, bob, dave]);
    const doc = convert(xml, { format: 'object' }) as { testsuites: Node };
    expect(doc.testsuites['@tests']).toBe('9');
    expect(doc.testsuites['@failures']).toBe('1');
    expect(doc.testsuites['@errors']).toBe('1');
    const suites = asArray(doc.testsuites.testsuite as Node[]);
    expect(suites.map((s) => s['@name'])).toEqual(['alice', 'bob', 'dave']);
    for (const suite of suites) expect(asArray(suite.testcase as Node[])).toHaveLength(3);
    const bobProbe = asArray(suites[1]!.testcase as Node[])[0]!;
    expect(bobProbe['@classname']).toBe('bob.code');
    expect((bobProbe.failure as Node)['@message']).toBe('answered fail');
    expect(String((bobProbe.failure as Node)['#'])).toContain('Likely cause: pairs (i, i+d/2) rotated');
    const daveProbe = asArray(suites[2]!.testcase as Node[])[0]!;
    expect(daveProbe.failure).toBeUndefined();
    expect((daveProbe.error as Node)['@message']).toBe(dave.checks[0]!.message);
  });

  it('escapes markup and replaces characters XML cannot carry', () => {
    const xml = junitReporter([hostile()]);
    expect(xml).not.toContain('<script>');
    expect(xml).not.toContain('\u0000');
    // NUL is shown as its control picture; the line break becomes a visible mark (attributes are one line).
    expect(xml).toContain('message="bad\u2400byte ]]&gt; &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot; \u23CE ::error::forged, 100%"');
    // A real XML parser reads the message back intact.
    const parsed = execFileSync(
      'python3',
      ['-c', 'import sys, xml.dom.minidom as m; d = m.parseString(sys.stdin.buffer.read()); print(d.getElementsByTagName("failure")[0].getAttribute("message"))'],
      { input: xml, encoding: 'utf8' },
    );
    expect(parsed).toContain('<script>alert(1)</script> & "q"');
  });
});

describe('Gradescope reporter', () => {
  it('follows results.json: score, tests with points, status, visibility from the rubric', () => {
    const results = JSON.parse(gradescopeReporter([carol])) as ReturnType<typeof gradescopeResults>;
    expect(Object.keys(results).sort()).toEqual(['execution_time', 'output', 'output_format', 'score', 'stdout_visibility', 'test_output_format', 'tests', 'visibility']);
    expect(results.score).toBe(15);
    expect(results.tests.reduce((a, t) => a + t.score, 0)).toBe(15);
    expect(results.tests.map((t) => [t.name, t.score, t.max_score, t.status, t.visibility])).toEqual([
      ['The probe answers as told', 5, 10, 'failed', 'visible'],
      ['Always passes', 5, 5, 'passed', 'visible'],
      ['Instructor-only check', 5, 5, 'passed', 'hidden'],
    ]);
    expect(results.tests[0]!.output).toContain('half right (`answer.txt:1`)');
    expect(results.tests[0]!.output).toContain('**Hint:** Write pass in answer.txt.');
    expect(results.tests[0]!.tags).toEqual(['code', 'probe']);
    expect(results.tests.map((t) => t.number)).toEqual(['1', '2', '3']);
    expect(results.stdout_visibility).toBe('hidden');
  });

  it('gives an array for several reports', () => {
    const many = JSON.parse(gradescopeReporter([alice, bob])) as unknown[];
    expect(many).toHaveLength(2);
  });
});

describe('GitHub reporter', () => {
  it('annotates the line a finding points at, with the path from the working directory', () => {
    const text = githubAnnotations(bob);
    const lines = text.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^::error file=.*fixtures\/batch\/class\/bob\/answer\.txt,line=1,col=1,title=bob%3A The probe answers as told \(0\/10\)::answered fail%0ALikely cause%3A|^::error file=/);
    expect(lines[0]).toContain('answer.txt,line=1,col=1,');
    expect(lines[0]).toContain('::answered fail%0ALikely cause: pairs (i, i+d/2) rotated: split-half convention%0AHint: Write pass in answer.txt.');
    expect(githubReporter([alice])).toBe('');
  });

  it('escapes learner text so it cannot end the command or start another', () => {
    const line = githubAnnotations(hostile());
    expect(line.split('\n').filter(Boolean)).toHaveLength(1);
    expect(line).toContain('file=class/eve/a%2Cb%3Ac.py,line=3,col=2,');
    expect(line).toContain('%0A::error::forged, 100%25');
    expect(line).toContain('line one%0D%0Aline two');
  });

  it('writes a step summary table with the submissions that need work', () => {
    const md = githubStepSummary([alice, hostile()]);
    expect(md).toContain('| submission | score | result | checks |');
    expect(md).toMatch(/\| class\/eve \| 10\/20 \(50%\) \| ❌ not passed \|/);
    expect(md).not.toContain('<script>');
    expect(md).toContain('<details><summary>class/eve: 1 check to fix</summary>');
  });
});
