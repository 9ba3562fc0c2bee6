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
