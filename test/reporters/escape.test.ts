/**
 * Learner text is data in every output format: a report whose every
 * learner-reachable field holds an attack string renders, in every format,
 * with exactly the structure of the same report holding plain words.
 */
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import { unified } from 'unified';
import type { Node, Parent } from 'unist';
import { describe, expect, it } from 'vitest';
import { convert } from 'xmlbuilder2';
import { gradebookCsv, rowFromReport, type RubricOutline } from '../../src/batch/gradebook.js';
import { parseCsv } from '../../src/batch/csv.js';
import { renderSummary } from '../../src/batch/summary.js';
import type { Report } from '../../src/core/types.js';
import {
  githubData,
  githubProperty,
  htmlText,
  markdownCode,
  markdownText,
  plainText,
  sarifText,
  terminalText,
  visibleText,
  xmlText,
} from '../../src/reporters/escape.js';
import { githubStepSummary } from '../../src/reporters/github.js';
import { reporters } from '../../src/reporters/index.js';

/** Attack strings seen against rubricate's outputs (issue 13), one per class. */
const ATTACKS = {
  workflowCommand: 'oops\n::add-mask::hunter2\n::error file=x.py::forged annotation',
  indentedCommand: 'fine\r\n   ::set-output name=score::110',
  backtickBreakout: 'rope`.py <img src=x onerror=alert(1)>`',
  rawHtml: '<script>alert(1)</script><img src=x onerror=alert(1)>',
  image: '![pwned](https://evil.example/p.png)',
  link: '[click here](javascript:alert(1)) and [ref][1]\n\n[1]: https://evil.example',
  autolink: 'see https://evil.example/x and www.evil.example and mail bob@evil.example',
  heading: '# Score: 110/110 PASSED',
  list: '- [x] all checks passed',
  table: '| forged | row |',
  bidi: 'rope\u202Eyp.txt\u2066hidden\u2069',
  ansi: '\u001b[2J\u001b[1;1Hcleared \u009b31m',
  nul: 'a\u0000b\u0007c',
  lineSeparator: 'one\u2028two\u2029three',
  formula: '=HYPERLINK("https://evil.example","click")',
  math: '$\\color{red}{PASSED}$',
  entity: '&lt;b&gt; &#x3C;script&#x3E;',
  loneSurrogate: 'x\uD800y',
} as const;

const ALL = Object.values(ATTACKS).join(' ~ ');

/** A report with `text` in every field a learner can reach (names, paths, messages, values, notices). */
function reportWith(text: string): Report {
  return {
    schemaVersion: 1,
    tool: { name: 'rubricate', version: '0.1.0' },
    rubric: { id: 'rope-lab02', title: 'Lab 02', version: 1 },
    submission: { name: text, path: `class/${text}` },
    score: 5,
    maxScore: 20,
    passThreshold: 0.7,
    passed: false,
    dimensions: [{ id: 'code', title: 'Code', score: 5, maxScore: 20 }],
    summary: { pass: 1, warn: 1, fail: 1, error: 1, skip: 0 },
    checks: [
      { id: 'works', title: 'Works', kind: 'files', dimension: 'code', severity: 'error', visibility: 'learner', status: 'pass', points: 5, maxPoints: 5, message: text },
      {
        id: 'bad', title: 'Convention', kind: 'rope-convention', dimension: 'code', severity: 'error', visibility: 'learner',
        status: 'fail', points: 0, maxPoints: 5, message: text, diagnosis: text, hint: 'see the lab',
        location: { file: text, line: 12, column: 5 },
        details: [{ message: text, actual: text, expected: text, location: { file: text, line: 14 } }],
      },
      { id: 'err', title: 'Runs', kind: 'rope-reference', dimension: 'code', severity: 'error', visibility: 'learner', status: 'error', points: 0, maxPoints: 5, message: text, location: { file: text } },
      { id: 'warned', title: 'Write-up', kind: 'writeup', dimension: 'code', severity: 'warning', visibility: 'learner', status: 'warn', points: 0, maxPoints: 5, message: text },
    ],
    notices: [{ level: 'warning', message: text, location: { file: text, line: 3, column: 1 } }],
  };
}

const PLAIN = 'plain words';
const OUTLINE: RubricOutline = {
  id: 'rope-lab02',
  title: 'Lab 02',
  version: 1,
  passThreshold: 0.7,
  dimensions: [{ id: 'code', title: 'Code' }],
  criteria: [
    { id: 'works', title: 'Works', dimension: 'code', points: 5 },
    { id: 'bad', title: 'Convention', dimension: 'code', points: 5 },
  ],
};

/** Characters that must never reach a text output raw: controls (but LF), DEL, C1, bidi and invisible formatting. */
const FORBIDDEN = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u061C\u200B-\u200F\u2028\u2029\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])/;

function markdownShape(markdown: string): string[] {
  const tree = unified().use(remarkParse).use(remarkGfm).parse(markdown);
  const shape: string[] = [];
  const walk = (node: Node, depth: number) => {
    // Text may split into more or fewer text and code nodes (addresses become code spans); every other node is structure.
    if (node.type !== 'text' && node.type !== 'inlineCode') shape.push(`${depth}:${node.type}${node.type === 'tableRow' ? `(${(node as Parent).children.length})` : ''}`);
    for (const child of (node as Parent).children ?? []) walk(child, depth + 1);
  };
  walk(tree, 0);
  return shape;
}

function markdownNodesOf(markdown: string, types: string[]): string[] {
  return markdownShape(markdown).filter((entry) => types.includes(entry.split(':')[1]!.replace(/\(.*/, '')));
}

describe('escaping functions', () => {
  it('visibleText shows every control, bidi and invisible character and keeps the rest', () => {
    expect(visibleText('a\u202Eb')).toBe('a<U+202E>b');
    expect(visibleText('\u001b[31m')).toBe('\u241B[31m');
    expect(visibleText('a\u0000b\u007f')).toBe('a\u2400b\u2421');
    expect(visibleText('\u009b')).toBe('<U+009B>');
    expect(visibleText('one\ntwo')).toBe('one \u23CE two');
    expect(visibleText('one\r\ntwo\tthree', { keepNewlines: true })).toBe('one\ntwo\tthree');
    expect(visibleText('over\rwrite')).toBe('over\u240Dwrite');
    expect(visibleText('x\uD800y')).toBe('x\uFFFDy');
    expect(visibleText('é θ − 😀 tab\there')).toBe('é θ − 😀 tab here');
  });

  it('terminalText is one line whatever the learner wrote', () => {
    for (const attack of Object.values(ATTACKS)) {
      const out = terminalText(attack);
      expect(out).not.toContain('\n');
      expect(out).not.toMatch(FORBIDDEN);
    }
    expect(terminalText(ATTACKS.workflowCommand)).toBe('oops \u23CE ::add-mask::hunter2 \u23CE ::error file=x.py::forged annotation');
  });

  it('plainText keeps line breaks and nothing else invisible', () => {
    expect(plainText('a\r\nb\u202Ec\rd')).toBe('a\nb<U+202E>c\u240Dd');
  });

  it('markdownCode makes a span no backtick run can close', () => {
    expect(markdownCode('rope.py:1:2')).toBe('`rope.py:1:2`');
    expect(markdownCode('a`b')).toBe('``a`b``');
    expect(markdownCode('``x')).toBe('``` ``x ```');
    expect(markdownCode('')).toBe('` `');
    expect(markdownCode('a|b', { cell: true })).toBe('`a\\|b`');
    for (const attack of Object.values(ATTACKS)) {
      const tree = unified().use(remarkParse).use(remarkGfm).parse(`x ${markdownCode(attack)} y`);
      const paragraph = tree.children[0] as Parent;
      expect(tree.children.length, attack).toBe(1);
      expect(paragraph.children.map((node) => node.type), attack).toEqual(['text', 'inlineCode', 'text']);
    }
  });

  it('markdownText renders every attack as one literal paragraph', () => {
    for (const attack of Object.values(ATTACKS)) {
      expect(markdownShape(markdownText(attack)), attack).toEqual(['0:root', '1:paragraph']);
      expect(markdownShape(`start ${markdownText(attack)} end`), attack).toEqual(['0:root', '1:paragraph']);
    }
  });

  it('githubData and githubProperty follow the runner rules', () => {
    expect(githubData('50% \r\n')).toBe('50%25 %0D%0A');
    expect(githubProperty('a:b,c')).toBe('a%3Ab%2Cc');
    expect(githubData('a\u202Eb\u001b')).toBe('a<U+202E>b\u241B');
  });

  it('xmlText, htmlText and sarifText', () => {
    expect(xmlText('a\u0000b\uFFFEc\nd')).toBe('a\u2400b\uFFFDc\nd');
    expect(htmlText(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    expect(sarifText('[link](https://x) \\')).toBe('\\[link\\](https://x) \\\\');
  });
});

describe('every format keeps learner text as data', () => {
  const attacked = reportWith(ALL);
  const plain = reportWith(PLAIN);

  it('terminal: the same lines as plain text, none of them a workflow command, nothing invisible', () => {
    for (const color of [false, true]) {
      const out = reporters.terminal!([attacked], { color, verbose: true });
      const lines = out.split('\n');
      expect(lines.length).toBe(reporters.terminal!([plain], { color, verbose: true }).split('\n').length);
      for (const line of lines) expect(line.trimStart().startsWith('::')).toBe(false);
      expect(out.replace(/\u001b\[[0-9;]*m/g, '')).not.toMatch(FORBIDDEN);
      expect(out).toContain('hunter2');
    }
  });

  it('markdown feedback: the structure of the plain report, no HTML, image, link or maths', () => {
    for (const audience of ['learner', 'instructor'] as const) {
      const out = reporters.markdown!([attacked], { audience });
      expect(markdownShape(out)).toEqual(markdownShape(reporters.markdown!([plain], { audience })));
      expect(markdownNodesOf(out, ['html', 'image', 'link', 'imageReference', 'linkReference', 'definition', 'footnoteReference', 'inlineMath', 'math'])).toEqual([]);
      expect(out).not.toMatch(FORBIDDEN);
      expect(out).toContain('onerror');
    }
  });

  it('summary.md: the structure of the plain summary', () => {
    const rows = (report: Report) => [rowFromReport(report, report.submission.name, report.submission.path)];
    const out = renderSummary(OUTLINE, rows(attacked));
    expect(markdownShape(out)).toEqual(markdownShape(renderSummary(OUTLINE, rows(plain))));
    expect(markdownNodesOf(out, ['html', 'image', 'link', 'imageReference', 'linkReference', 'definition'])).toEqual([]);
  });

  it('the GitHub step summary: only its own details blocks as HTML', () => {
    const out = githubStepSummary([attacked]);
    expect(markdownShape(out)).toEqual(markdownShape(githubStepSummary([plain])));
    const tree = unified().use(remarkParse).use(remarkGfm).parse(out);
    const html: string[] = [];
    const walk = (node: Node) => {
      if (node.type === 'html') html.push((node as Node & { value: string }).value);
      for (const child of (node as Parent).children ?? []) walk(child);
    };
    walk(tree);
    expect(html.length).toBe(2);
    for (const block of html) expect(block).toMatch(/^<details><summary>[^<>]*<\/summary>$|^<\/details>$/);
    expect(out).not.toMatch(FORBIDDEN);
  });

  it('github annotations: one command per check, and the data decodes back to the learner text', () => {
    const out = reporters.github!([attacked]);
    const lines = out.trimEnd().split('\n');
    expect(lines.length).toBe(reporters.github!([plain]).trimEnd().split('\n').length);
    for (const line of lines) expect(line).toMatch(/^::(error|warning|notice) (file=[^:,]*,)?(line=\d+,)?(col=\d+,)?title=[^:,]*::[^\n]*$/);
    const data = lines[0]!.slice(lines[0]!.indexOf('::', 2) + 2);
    const decoded = data.replace(/%0D%0A/g, '\n').replace(/%0A/g, '\n').replace(/%25/g, '%');
    expect(decoded).toContain('::add-mask::hunter2');
    expect(decoded).not.toMatch(FORBIDDEN);
  });

  it('junit: parses, the same elements as plain, nothing invisible', () => {
    const out = reporters.junit!([attacked]);
    const count = (xml: string) => (xml.match(/<(testsuite|testcase|failure|error|skipped|system-out)\b/g) ?? []).length;
    expect(count(out)).toBe(count(reporters.junit!([plain])));
    expect(() => convert(out, { format: 'object' })).not.toThrow();
    expect(out).not.toMatch(FORBIDDEN);
    expect(out).not.toContain('<script');
  });

  it('gradescope and sarif: JSON whose strings show every control and bidi character', () => {
    for (const format of ['gradescope', 'sarif'] as const) {
      const parsed = JSON.parse(reporters[format]!([attacked])) as unknown;
      const strings: string[] = [];
      const walk = (value: unknown) => {
        if (typeof value === 'string') strings.push(value);
        else if (value && typeof value === 'object') for (const v of Object.values(value)) walk(v);
      };
      walk(parsed);
      for (const s of strings) expect(s, format).not.toMatch(FORBIDDEN);
    }
    const sarif = reporters.sarif!([attacked]);
    expect(sarif).toContain('\\\\[click here\\\\]');
  });

  it('grades.csv: one row per submission, the same columns, no formula', () => {
    const csv = gradebookCsv(OUTLINE, [rowFromReport(reportWith(ATTACKS.formula), ATTACKS.formula, "x"), rowFromReport(attacked, ALL, "y")]);
    const rows = parseCsv(csv);
    expect(rows.length).toBe(3);
    for (const row of rows) expect(row.length).toBe(rows[0]!.length);
    for (const row of rows.slice(1)) for (const field of row) expect(field).not.toMatch(/^[=+\-@]/);
    expect(csv.replace(/\r\n/g, '\n')).not.toMatch(FORBIDDEN);
  });

  it('html pages: learner text is text, never markup', async () => {
    const { learnerPage, classPage } = await import('../../src/reporters/html/pages.js');
    const learner = await learnerPage(attacked, { audience: 'instructor', classLink: '../report.html' });
    const row = rowFromReport(attacked, ALL, 'x');
    const cls = await classPage(OUTLINE, [row], { linkOf: () => 'html/x.html' });
    for (const html of [learner, cls]) {
      const tags = [...html.matchAll(/<([a-zA-Z][\w-]*)/g)].map((m) => m[1]!.toLowerCase());
      expect(tags).not.toContain('img');
      expect(tags.filter((t) => t === 'script').length).toBeLessThanOrEqual(1);
      expect(html).not.toMatch(FORBIDDEN);
      expect(html).toContain('onerror');
    }
    // The plain report's pages have exactly the same tags: learner text added none.
    const tagsOf = (html: string) => [...html.matchAll(/<([a-zA-Z][\w-]*)/g)].map((m) => m[1]!.toLowerCase()).join(' ');
    expect(tagsOf(learner)).toBe(tagsOf(await learnerPage(plain, { audience: 'instructor', classLink: '../report.html' })));
  });

  it('json keeps the learner text exactly (data for programs)', () => {
    expect((JSON.parse(reporters.json!([attacked])) as Report).checks[1]!.message).toBe(ALL);
  });
});
