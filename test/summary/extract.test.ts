/**
 * Conventions of real implementation summaries (bench/corpus/summaries), each
 * reproduced in a few lines of our own: what is a repository claim, what is
 * not, and where it is located.
 */
import { describe, expect, it } from 'vitest';
import { extractRepoClaimsText } from '../../src/summary/index.js';

const claims = (text: string) => extractRepoClaimsText(text).map((c) => ({ kind: c.kind, line: c.line, column: c.column, path: c.path, stated: c.stated?.text, target: c.target, subject: c.subject }));

describe('summary claim extraction', () => {
  it('keeps the underscores of a path that Markdown reads as emphasis (`__tests__`)', () => {
    const got = claims('# Tests\n\n## Test Files\n- src/components/__tests__/Welcome.test.jsx (428 lines, 85+ tests)\n');
    expect(got).toEqual([
      { kind: 'line-count', line: 4, column: 46, path: 'src/components/__tests__/Welcome.test.jsx', stated: '428', target: undefined, subject: undefined },
      { kind: 'test-count', line: 4, column: 57, path: undefined, stated: '85+', target: { path: 'src/components/__tests__/Welcome.test.jsx' }, subject: undefined },
    ]);
  });

  it('a lead-in with a count ("**Modified (2 files):**") gives its meaning; a count there is not the file\'s size', () => {
    const got = claims('# Report\n\n**Modified (2 files):**\n1. `cmd/main.go` - Factory integration (1 line)\n2. `lib/a.go` - logging\n');
    expect(got.map((c) => `${c.kind} ${c.path}`)).toEqual(['file-modified cmd/main.go', 'file-modified lib/a.go']);
  });

  it('a path under an environment variable, and a path "added to" something, are not files the work created', () => {
    const got = claims('# Summary\n\n### Modified `bin/run`\n- Line 11: Added `source "$APP_HOME/lib/metrics.sh"`\n- Line 267: Added `.state/metrics.json` to summary output\n');
    expect(got.filter((c) => c.kind === 'file-created')).toEqual([]);
  });

  it('a document title with a word of the excluded sections ("Option E") does not hide the document', () => {
    const got = claims('# Option E: Testing - Summary\n\n## Work\n- Created `tests/test_filters.py` (21 tests)\n\n## Next Steps\n- Create `tests/test_more.py`\n');
    expect(got.map((c) => `${c.kind} ${c.line}`)).toEqual(['file-created 4', 'test-count 4']);
  });

  it('counts of failures, of the original tests and of a named subset are not totals of the repository', () => {
    const text = [
      '# Summary',
      '',
      '- All 576 original tests still passing',
      '- **Failed**: 4 tests in `tests/test_calc.py`',
      '- Verified existing collector tests are working (39 tests total)',
      '- Total: **311 tests passing**',
      '- All 320 tests pass',
    ].join('\n');
    const got = claims(text).filter((c) => c.kind.startsWith('test-'));
    expect(got).toEqual([
      { kind: 'test-count', line: 5, column: 50, path: undefined, stated: '39', target: { topic: ['collector'] }, subject: undefined },
      // The summary reports failures: 311 passing is a run's passes.
      { kind: 'test-total', line: 6, column: 12, path: undefined, stated: '311', target: undefined, subject: 'passing' },
      { kind: 'test-total', line: 7, column: 7, path: undefined, stated: '320', target: undefined, subject: undefined },
    ]);
  });
});

describe('summary claims: how a breakdown names its tests', () => {
  it('labels keep their underscores and run-together names; a source file\'s count is its test file\'s', async () => {
    const { mkdtempSync, mkdirSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const { checkSummary } = await import('../../src/summary/index.js');
    const dir = mkdtempSync(path.join(tmpdir(), 'rubricate-summary-labels-'));
    try {
      const write = (rel: string, text: string) => {
        mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
        writeFileSync(path.join(dir, rel), text);
      };
      const rustTests = (n: number) => Array.from({ length: n }, (_, i) => `#[test]\nfn t${i}() {\n    assert_eq!(1 + ${i}, ${i} + 1);\n}\n`).join('\n');
      write('Cargo.toml', '[package]\nname = "demo"\nversion = "0.1.0"\nedition = "2021"\n');
      write('src/lib.rs', 'pub fn one() -> i32 {\n    1\n}\n');
      write('tests/rms_norm_test.rs', rustTests(3));
      write('tests/test_config.rs', rustTests(2));
      write('date_ranges.py', 'def span(a, b):\n    return b - a\n');
      write('tests/test_date_ranges.py', 'from date_ranges import span\n\n\ndef test_span():\n    assert span(1, 3) == 2\n\n\ndef test_zero():\n    assert span(2, 2) == 0\n');
      write('SUMMARY.md', ['# Summary', '', '## Test Breakdown', '- RMSNorm tests: 3', '- test_config: 2/2 passed', '', '| Module | Coverage | Tests |', '|---|---|---|', '| `date_ranges.py` | 100% | 3 tests |', ''].join('\n'));
      const result = await checkSummary(path.join(dir, 'SUMMARY.md'), dir);
      expect(result.claims.map((c) => `${c.kind}:${c.line}:${c.column} ${c.verdict} ${c.evidence?.file ?? ''}`)).toEqual([
        'test-count:4:18 verified tests/rms_norm_test.rs',
        'test-count:5:16 verified tests/test_config.rs',
        'test-count:9:29 refuted tests/test_date_ranges.py',
      ]);
      expect(result.claims[2]!.message).toBe('tests/test_date_ranges.py has 2 tests, not 3');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
