/**
 * The users' seeds end to end, read from disk through input hygiene.
 *
 * Recomputed by hand: the Rust summary's "Test Breakdown" adds up to 145
 * (30 + 13 + 2 + 5 + 3 + 16 + 3 + 19 + 5 + 7 + 8 + 16 + 2 + 12 + 1 + 2 + 1),
 * so both "145 tests" claims hold; its hours (4 + 5 + 8 done, 4 estimated)
 * do not add up to "23 hours" and that relation is only implied: one warning.
 * `rust-summary-wrong-total.md` is the same document with "Unit tests: 27",
 * whose list adds up to 142: the total under the list must fail, nothing else
 * (the "All 145 tests passing" of the Test Results section, above another
 * heading, is not read as the total of the list).
 * The other two seeds (the curriculum findings and the lab) are measured with
 * the corpus: `npm run corpus -- claims DIR`.
 */
import { describe, expect, it } from 'vitest';
import { checkClaims, type Claim } from '../../src/claims/index.js';

const path = (name: string) => new URL(`../../fixtures/claims/${name}`, import.meta.url).pathname;
const where = (c: Claim) => `${c.location.line}:${c.location.column} ${c.status} ${c.kind}`;

describe('seeds', () => {
  it('Rust summary: test totals hold, hours only warn, everything else holds', async () => {
    const report = await checkClaims([path('rope-rust-integration-summary.md')]);
    const claims = report.files[0]!.claims;
    expect(claims.filter((c) => c.status !== 'ok').map(where)).toEqual(['179:26 warn implied-sum']);
    expect(claims.filter((c) => c.status === 'ok').map(where)).toEqual([
      '16:30 ok change', // Zero learnable parameters (100% reduction ...)
      '80:12 ok list-total', // **Total**: 145 tests passing
      '132:36 ok product', // 512 × 128 = 65,536
      '134:16 ok change', // Reduction: 100% (65,536 -> 0 parameters)
      '157:29 ok percent-of', // 3 / 4 steps (75% ...)
      '170:22 ok change', // Zero parameters (100% reduction)
      '179:47 ok percent-of', // 23 hours / 32 hours (72% complete), 71.875 rounded
    ]);
    expect(report.summary).toEqual({ checked: 8, ok: 7, warn: 1, fail: 0 });
  });

  it('Rust summary with a breakdown summing to 142: the 145 total fails at its number, with the items and the tolerance', async () => {
    const report = await checkClaims([path('rust-summary-wrong-total.md')]);
    const failing = report.files[0]!.claims.filter((c) => c.status === 'fail');
    expect(failing.map(where)).toEqual(['80:12 fail list-total']);
    expect(failing.map((c) => c.expected)).toEqual(['142']);
    expect(failing[0]!.message).toBe(
      'Stated total 145 tests does not match the itemized list, 27 + 13 + 2 + 5 + 3 + 16 + 3 + 19 + 5 + 7 + 8 + 16 + 2 + 12 + 1 + 2 + 1 (17 items, lines 62-78) = 142; tolerance: rounded or truncated to 1',
    );
    expect(failing[0]!.items?.map((i) => i.line)).toEqual([62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78]);
    expect(report.summary.warn).toBe(1);
  });

  it('experiment seed: the ---+--- predictions table is read and consistent, nothing is flagged', async () => {
    const report = await checkClaims([path('experiment-sinusoidal-vs-rope.md')]);
    const claims = report.files[0]!.claims;
    expect(claims.filter((c) => c.status !== 'ok')).toEqual([]);
    expect(claims.map((c) => `${c.location.line} ${c.kind} ${c.stated}`)).toEqual([
      '34 table-delta ~0',
      '35 table-delta ~0',
      '36 table-delta -0.15',
      '37 table-delta -0.50',
      '38 table-delta -1.05',
      '39 table-delta +24pp',
    ]);
  });

  it('several documents: one report, summary over all', async () => {
    const report = await checkClaims([path('experiment-sinusoidal-vs-rope.md'), path('rust-summary-wrong-total.md')]);
    expect(report.files.map((f) => f.claims.length)).toEqual([6, 8]);
    expect(report.summary).toEqual({ checked: 14, ok: 12, warn: 1, fail: 1 });
  });
});
