/**
 * The history analysis on logs made by hand (no git needed): which commit
 * first holds the predictions and the results, their order, edits after the
 * results, and signs of rewriting.
 */
import { describe, expect, it } from 'vitest';
import type { GitCommit } from '../../src/experiment/git.js';
import { analyseHistory, type HistoryOptions } from '../../src/experiment/history.js';

const table = (t20: string) => `# Predictions

## Predictions (before running)

| Metric | sinusoidal | RoPE | Δ |
|---|---|---|---|
| Val loss (T=10) | 0.40 | 0.22 | -0.18 |
| Val loss (T=20) | ${t20} |
`;

const blobs: Record<string, string> = {
  b1: '# Spec\n\n## Results\n\nTBD: filled in after the run.\n',
  b2: table('1.40 | 0.42 | -0.98'),
  b3: '{"metrics": [{"metric": "Val loss (T=10)", "sinusoidal": 0.47, "rope": 0.24}]}',
  b4: table('1.70 | 0.58 | -1.12'),
  b5: '{}',
  b6: '# Spec\n\n## Results\n\n| Metric | sinusoidal | RoPE |\n|---|---|---|\n| loss | 0.47 | 0.24 |\n',
};
const id = (n: number) => String(n).repeat(40).slice(0, 40);

function commit(n: number, date: string, changes: Array<[string, string]>, extra: Partial<GitCommit> = {}): GitCommit {
  return {
    id: id(n),
    parents: n > 1 ? [id(n - 1)] : [],
    authorDate: date,
    committerDate: date,
    subject: `commit-${n}`,
    changes: changes.map(([path, blob]) => ({ status: 'A', path, blob: blob.padEnd(40, '0'), mode: '100644' })),
    ...extra,
  };
}

const read = async (ids: string[]) => ({ ok: true as const, tooLarge: [], blobs: new Map(ids.filter((i) => blobs[i.replace(/0+$/, '')] !== undefined).map((i) => [i, Buffer.from(blobs[i.replace(/0+$/, '')]!)])) });
const options: HistoryOptions = { predictions: ['predictions.md', 'spec.md'], results: ['results.json', 'results/'] };

describe('history analysis', () => {
  it('predictions first, results later, untouched: the order and the dates', async () => {
    const r = await analyseHistory(
      { truncated: false, commits: [commit(1, '2024-03-04T10:00:00+01:00', [['spec.md', 'b1']]), commit(2, '2024-03-04T16:00:00+01:00', [['predictions.md', 'b2']]), commit(3, '2024-03-08T18:00:00+01:00', [['results.json', 'b3']])] },
      read,
      options,
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.analysis.predictions).toMatchObject({ commit: { short: '2222222', authorDate: '2024-03-04T16:00:00+01:00' }, path: 'predictions.md', line: 5 });
    expect(r.analysis.results).toMatchObject({ commit: { short: '3333333' }, evidence: [{ kind: 'file', path: 'results.json' }] });
    expect(r.analysis.order).toBe('predictions-first');
    expect(r.analysis.edits).toEqual([]);
    expect(r.analysis.signs).toEqual([]);
  });

  it('a placeholder Results heading or an empty results.json is not a result; a Results section with numbers is', async () => {
    const early = await analyseHistory(
      { truncated: false, commits: [commit(1, '2024-03-04T10:00:00Z', [['spec.md', 'b1'], ['results.json', 'b5']]), commit(2, '2024-03-05T10:00:00Z', [['predictions.md', 'b2']])] },
      read,
      options,
    );
    expect(early.ok && early.analysis.results).toBeUndefined();
    const section = await analyseHistory(
      { truncated: false, commits: [commit(1, '2024-03-04T10:00:00Z', [['spec.md', 'b6']]), commit(2, '2024-03-05T10:00:00Z', [['predictions.md', 'b2']])] },
      read,
      options,
    );
    expect(section.ok && section.analysis.order).toBe('results-first');
    expect(section.ok && section.analysis.results?.evidence[0]).toMatchObject({ kind: 'section', path: 'spec.md', name: 'Results', line: 3 });
  });

  it('an edit of the table after the results names the row, the cells and the commit', async () => {
    const r = await analyseHistory(
      {
        truncated: false,
        commits: [commit(1, '2024-03-04T10:00:00Z', [['predictions.md', 'b2']]), commit(2, '2024-03-08T10:00:00Z', [['results.json', 'b3']]), commit(3, '2024-03-08T12:00:00Z', [['predictions.md', 'b4']])],
      },
      read,
      options,
    );
    expect(r.ok && r.analysis.edits).toEqual([
      expect.objectContaining({ label: 'Val loss (T=20)', change: 'changed', before: ['1.40', '0.42', '-0.98'], after: ['1.70', '0.58', '-1.12'], commit: expect.objectContaining({ short: '3333333' }) }),
    ]);
  });

  it('signs of rewriting: committed before authored, committed before the parent, reordered predictions', async () => {
    const r = await analyseHistory(
      {
        truncated: false,
        commits: [
          commit(1, '2024-03-04T10:00:00Z', [['spec.md', 'b1']]),
          commit(2, '2024-03-09T09:00:00Z', [['predictions.md', 'b2']], { committerDate: '2024-03-09T12:00:00Z' }),
          commit(3, '2024-03-08T18:00:00Z', [['results.json', 'b3']], { committerDate: '2024-03-09T11:00:00Z' }),
          commit(4, '2024-03-10T10:00:00Z', [], { committerDate: '2024-03-10T09:00:00Z' }),
        ],
      },
      read,
      options,
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.analysis.reordered).toMatchObject({ predictions: { short: '2222222' }, results: { short: '3333333' } });
    expect(r.analysis.signs.map((s) => `${s.commit.short} ${s.message}`)).toEqual([
      '3333333 committed (2024-03-09 11:00:00 +00:00) before its parent 2222222 (2024-03-09 12:00:00 +00:00)',
      '4444444 committed (2024-03-10 09:00:00 +00:00) before it was authored (2024-03-10 10:00:00 +00:00)',
    ]);
  });

  it('predictions and results in one commit', async () => {
    const r = await analyseHistory({ truncated: false, commits: [commit(1, '2024-03-04T10:00:00Z', [['predictions.md', 'b2'], ['results/run1.csv', 'b3']])] }, read, options);
    expect(r.ok && r.analysis.order).toBe('same-commit');
  });
});
