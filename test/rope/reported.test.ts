import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { reportedInManifest, reportedInText } from '../../src/rope/reported.js';

const base = new URL('../../fixtures/rope-lab02/ok-interleaved/', import.meta.url).pathname;

describe('reported numbers', () => {
  it('finds the Block B and Block D numbers in the README, skipping pair indices and thresholds', () => {
    const found = reportedInText('README.md', readFileSync(base + 'README.md', 'utf8'));
    expect(found.map((f) => [f.quantity, f.value])).toEqual([
      ['relative-position', 8.88e-16],
      ['norm', 4.44e-16],
    ]);
    expect(found[0]!.location.line).toBeGreaterThan(1);
  });

  it('finds them in the printout, not in the Block C curve', () => {
    const found = reportedInText('verify_output.txt', readFileSync(base + 'verify_output.txt', 'utf8'));
    expect(found.map((f) => [f.quantity, f.value])).toEqual([
      ['relative-position', 8.88e-16],
      ['norm', 4.44e-16],
    ]);
  });

  it('reads results_summary from the manifest with its line', () => {
    const text = '{\n "results_summary": {\n  "relative_position_max_diff": 1.5e-7,\n  "norm_preservation_max_diff": null\n }\n}';
    expect(reportedInManifest('manifest.json', text)).toEqual([
      { quantity: 'relative-position', value: 1.5e-7, text: '1.5e-7', location: { file: 'manifest.json', line: 3, column: 3 } },
    ]);
    expect(reportedInManifest('manifest.json', '{not json')).toEqual([]);
  });

  it('skips a threshold written before the result', () => {
    const found = reportedInText('README.md', 'The max diff should be < 1e-5; I measured 3.2e-16.\n');
    expect(found[0]!.value).toBe(3.2e-16);
  });
});
