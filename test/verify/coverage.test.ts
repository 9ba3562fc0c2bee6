import { describe, expect, it } from 'vitest';
import { AUDITED, COMPLETE, NEGATED, idsWith, ropeRubric, verifyFixture } from './helpers.js';

const ENHANCEMENTS = ['distance-decay', 'empirical-nuance', 'length-extrapolation', 'linear-attention'];
const ALL_IDS = [
  'rotation-matrix', 'theta-frequencies', 'dimension-pairing', 'relative-position', 'multi-scale', 'even-dimension',
  'precomputation', 'pair-reshape', 'history', 'distance-decay', 'linear-attention', 'length-extrapolation', 'empirical-nuance',
];

describe('rope-build-prompt rubric', () => {
  it('has the 13 criteria, all coverage checks with literature evidence', async () => {
    const rubric = await ropeRubric();
    expect(rubric.target).toBe('document');
    expect(rubric.criteria.map((c) => c.id).sort()).toEqual([...ALL_IDS].sort());
    for (const c of rubric.criteria) {
      expect(c.kind).toBe('coverage');
      expect(c.literature?.evidence, c.id).toBeTruthy();
      expect(['math', 'intuition', 'practical']).toContain(c.dimension);
    }
    const priorities = rubric.criteria.filter((c) => c.literature?.priority !== undefined).map((c) => [c.id, c.literature!.priority]);
    expect(priorities).toEqual([
      ['distance-decay', 1],
      ['length-extrapolation', 2],
      ['linear-attention', 3],
      ['empirical-nuance', 4],
    ]);
  });
});

describe('coverage of the audited build prompt (everything the audit says it gets right, none of the enhancements)', () => {
  it('misses exactly distance-decay, length-extrapolation, linear-attention and empirical-nuance', async () => {
    const { report } = await verifyFixture(AUDITED);
    expect(idsWith(report, 'fail')).toEqual(ENHANCEMENTS);
    expect(idsWith(report, 'pass')).toEqual(ALL_IDS.filter((id) => !ENHANCEMENTS.includes(id)).sort());
    expect(report.summary.warn + report.summary.error + report.summary.skip).toBe(0);
  });

  it('scores like the hand-written audit: 85 overall, Math 95, Intuition 80, Practical 75', async () => {
    const { report } = await verifyFixture(AUDITED);
    const pct = (s: number, m: number) => Math.round((100 * s) / m);
    expect(pct(report.score, report.maxScore)).toBe(85);
    expect(Object.fromEntries(report.dimensions.map((d) => [d.id, pct(d.score, d.maxScore)]))).toEqual({ math: 95, intuition: 80, practical: 75 });
  });

  it('reports the quoted sentence and its line for every covered concept', async () => {
    const { report } = await verifyFixture(AUDITED);
    const theta = report.checks.find((c) => c.id === 'theta-frequencies')!;
    expect(theta.details?.[0]).toMatchObject({
      message: 'covered: θᵢ = 1 / base^(2i/d)',
      location: { file: 'build-prompt-audited.md', line: 43, column: 6 },
    });
    expect(theta.details?.[0]?.actual).toContain('θᵢ = 1 / (base^(2i/d))');
    for (const check of report.checks.filter((c) => c.status === 'pass')) {
      const covered = (check.details ?? []).filter((d) => d.message.startsWith('covered: '));
      expect(covered.length, check.id).toBeGreaterThan(0);
      for (const d of covered) {
        expect(d.location?.line, check.id).toBeGreaterThan(0);
        expect(d.actual, check.id).toBeTruthy();
      }
    }
    const decay = report.checks.find((c) => c.id === 'distance-decay')!;
    expect(decay.message).toMatch(/^Missing Distance decay/);
    expect(decay.points).toBe(0);
  });

  it('counts the "standard in modern LLMs" sentence as no empirical nuance', async () => {
    const { report } = await verifyFixture(AUDITED);
    const nuance = report.checks.find((c) => c.id === 'empirical-nuance')!;
    expect(nuance.status).toBe('fail');
    expect(nuance.data).toMatchObject({ covered: [], missing: ['mixed', 'where-excels'] });
  });
});

describe('coverage of a prompt that says everything in other words', () => {
  it.each([COMPLETE, 'fixtures/verify/build-prompt-complete-latex.md'])('misses nothing in %s', async (fixture) => {
    const { report } = await verifyFixture(fixture);
    expect(report.checks.filter((c) => c.status !== 'pass').map((c) => `${c.id}: ${c.message}`)).toEqual([]);
    expect(report.score).toBe(report.maxScore);
  });

  it('finds the frequencies written as theta_k = base^(-2k/d) and the complex rotation written as exp(j t \\theta_k)', async () => {
    const { report } = await verifyFixture(COMPLETE);
    const theta = report.checks.find((c) => c.id === 'theta-frequencies')!;
    expect(theta.details?.[0]?.actual).toContain('base^(-2k/d)');
    const rotation = report.checks.find((c) => c.id === 'rotation-matrix')!;
    // "complex number z. At token index t we multiply z by exp(j t \theta_k)" (line 20), the 2-by-2 block (line 23).
    expect(rotation.details?.map((d) => d.location?.line)).toEqual([20, 23]);
  });
});

describe('negated mentions', () => {
  it('do not count as coverage and are reported as near misses', async () => {
    const { report } = await verifyFixture(NEGATED);
    for (const id of ENHANCEMENTS.filter((id) => id !== 'empirical-nuance')) {
      const check = report.checks.find((c) => c.id === id)!;
      expect(check.status, id).toBe('fail');
      expect(check.details?.some((d) => /^negated: the text states the opposite/.test(d.message)), id).toBe(true);
    }
    const decay = report.checks.find((c) => c.id === 'distance-decay')!;
    expect(decay.message).toContain('line 13 states the opposite ("Attention does not decay with distance under RoPE.")');
    expect(decay.data).toMatchObject({ negated: ['decay'] });
    expect(decay.location?.line).toBe(13);
  });

  it('still finds what the negated prompt affirms', async () => {
    const { report } = await verifyFixture(NEGATED);
    expect(report.checks.find((c) => c.id === 'theta-frequencies')!.status).toBe('pass');
    expect(report.checks.find((c) => c.id === 'rotation-matrix')!.status).toBe('warn');
  });
});

describe('input hygiene', () => {
  it('verifies a double-encoded prompt with CRLF line ends like the original, with a notice', async () => {
    const { report } = await verifyFixture('fixtures/verify/build-prompt-mojibake-crlf.md');
    const { report: original } = await verifyFixture(AUDITED);
    expect(idsWith(report, 'fail')).toEqual(ENHANCEMENTS);
    expect(report.score).toBe(original.score);
    const theta = report.checks.find((c) => c.id === 'theta-frequencies')!;
    expect(theta.details?.[0]?.location?.line).toBe(43);
    expect(theta.details?.[0]?.actual).toContain('θᵢ = 1 / (base^(2i/d))');
    expect(report.notices.map((n) => n.message).join('\n')).toMatch(/mojibake|double-encoded/i);
  });

  it('turns an unreadable document into failed findings, not a crash', async () => {
    const { report } = await verifyFixture('fixtures/verify/build-prompt-binary.md');
    expect(report.summary.fail).toBe(13);
    expect(report.checks[0]!.message).toBe('build-prompt-binary.md looks binary (NUL byte at offset 15); expected UTF-8 Markdown');
  });
});
