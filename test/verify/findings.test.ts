import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeText } from '../../src/input/text.js';
import { loadCurriculum } from '../../src/verify/curriculum.js';
import { renderFindings } from '../../src/verify/findings.js';
import { resolveRubric } from '../../src/rubric/load.js';
import { ensureCoverageKind, verifyDocument } from '../../src/verify/verify.js';
import { GOLDENS, renderGolden } from '../../scripts/update-goldens.mjs';
import { NEGATED, repo, verifyFixture } from './helpers.js';

const lib = { ensureCoverageKind, resolveRubric, verifyDocument, loadCurriculum, renderFindings };

/** Compares with a golden file, which only `npm run golden` writes; a missing golden fails. */
function golden(rel: string, actual: string): void {
  const path = repo(rel);
  expect(existsSync(path), `${rel} is missing: run npm run golden and review what it writes`).toBe(true);
  expect(actual, `${rel} differs: if the change is intended, run npm run golden and review the diff`).toBe(readFileSync(path, 'utf8'));
}

/** The findings document of the audited prompt, as its golden is made. */
function audited(): Promise<string> {
  return renderGolden(GOLDENS[0]!, lib);
}

describe('findings document', () => {
  it('has the golden files it compares with', () => {
    expect(GOLDENS.map((g) => g.file)).toEqual(['fixtures/verify/golden/findings-audited.md', 'fixtures/verify/golden/findings-complete.md']);
  });

  for (const entry of GOLDENS) {
    it(`matches the golden document ${entry.file} (${entry.document})`, async () => {
      golden(entry.file, await renderGolden(entry, lib));
    });
  }

  it('has the seed document\'s sections in the seed\'s order', async () => {
    const text = await audited();
    let inFence = false;
    const headings = text.split('\n').filter((l) => {
      if (l.startsWith('```')) inFence = !inFence;
      return !inFence && /^#{1,3} /.test(l);
    });
    expect(headings).toEqual([
      '# Curriculum Verification Findings',
      '## Purpose',
      '## Module: rope (RoPE / Rotary Position Embeddings)',
      '### Literature Source',
      '### Verification Status: ✅ ACCURATE with opportunities for enhancement',
      '### What the `rope` Build Prompt Gets RIGHT',
      '### Enhancements from Literature Analysis',
      '### Critical Analysis Notes (From Literature)',
      '### Recommendations',
      '### Conclusion',
      '## Next Modules to Verify',
    ]);
    // Suggested additions are fenced Markdown; their own headings are inside fences.
    expect(text).toContain('**Suggested Addition to Build Prompt**:\n```markdown\n### Distance decay');
    expect(text).toContain('**From RoFormer Paper (Section 3.3, Figure 2; Section 3.4.3 in the arXiv version)**:');
  });

  it('recommends the four enhancements in the seed\'s priority order', async () => {
    const text = await audited();
    const recommendations = [...text.matchAll(/^\*\*Priority (\d) - Add .*\(`([a-z-]+)`\):$/gm)].map((m) => [m[1], m[2]]);
    expect(recommendations).toEqual([
      ['1', 'distance-decay'],
      ['2', 'length-extrapolation'],
      ['3', 'linear-attention'],
      ['4', 'empirical-nuance'],
    ]);
    const enhancements = [...text.matchAll(/^🔧 \*\*Missing: .*\(`([a-z-]+)`\)$/gm)].map((m) => m[1]);
    expect(enhancements).toEqual(['distance-decay', 'length-extrapolation', 'linear-attention', 'empirical-nuance']);
  });

  it('groups what the prompt gets right like the seed, with the lines of the evidence', async () => {
    const text = await audited();
    const groups = [...text.matchAll(/^✅ \*\*(.+)\*\*:$/gm)].map((m) => m[1]);
    expect(groups).toEqual(['Mathematical Foundation', 'Key Insight - Relative Position', 'Multi-Scale Encoding', 'Implementation Details', 'Historical Context']);
    expect(text).toContain('- Frequencies theta_i = 1/base^(2i/d) (line 43)');
  });

  it('scores per dimension out of 100 and lists the next modules with their status', async () => {
    const text = await audited();
    expect(text).toContain('**Overall Assessment**: 85/100\n- Math: 95/100\n- Intuition: 80/100\n- Practical Context: 75/100');
    expect(text).toContain('1. **linear** - Check against Attention Is All You Need + GLU Variants (status: not verified yet)');
    expect(text).toContain('6. **checkpointing** - Check against CS336 Assignment (status: not verified yet)');
    expect(text.trimEnd().endsWith('**Status**: rope verification complete, 6 modules remaining')).toBe(true);
  });

  it('is deterministic and free of dates and absolute paths', async () => {
    const a = await audited();
    expect(await audited()).toBe(a);
    expect(a).not.toMatch(/\b20\d\d-\d\d-\d\d\b/);
    expect(a).not.toMatch(/(^|[\s`(])\/(?:work|root|home|Users|tmp)\//m);
  });

  it('follows the outline of the hand-written seed document (read through input hygiene)', async () => {
    const seed = decodeText(readFileSync(repo('fixtures/input/curriculum-verification-findings.md')), 'curriculum-verification-findings.md');
    if (!seed.ok) throw new Error(seed.message);
    const outline = (text: string) => {
      let inFence = false;
      return text
        .split('\n')
        .filter((l) => {
          if (l.startsWith('```')) inFence = !inFence;
          return !inFence && /^(#{1,3} |✅ \*\*|🔧 \*\*|\*\*(Priority|Overall|Status|From|Why This|Suggested))/.test(l);
        })
        // The seed says "our build prompt"; rubricate names the document ("the `rope` Build Prompt").
        .map((l) => l.replace(/^### What .* Gets RIGHT$/, '### What … Gets RIGHT'))
        .map((l) => l.replace(/^(#+ [^:(]+|✅|🔧|\*\*Priority \d|\*\*[A-Z][a-z]+( This| Addition)?).*$/u, '$1').trim());
    };
    const mine = outline(await audited());
    const theirs = outline(seed.text);
    // Every kind of line the seed has, in the same order of first appearance.
    const firsts = (lines: string[]) => [...new Set(lines)];
    expect(firsts(theirs)).toHaveLength(22);
    expect(firsts(mine)).toEqual(firsts(theirs));
  });

  it('puts missing core material first, keeps the rubric\'s priorities, and quotes what the text denies', async () => {
    const { report, rubric } = await verifyFixture(NEGATED);
    const text = renderFindings(report, rubric);
    expect(text).toContain('## Module: build-prompt-negated\n');
    expect(text).toContain('### Verification Status: ⚠️ CORE MATERIAL MISSING');
    const recommendations = [...text.matchAll(/^\*\*(Required|Priority \d+) - (Add|Complete) .*\(`([a-z-]+)`\):$/gm)].map((m) => `${m[1]} ${m[2]} ${m[3]}`);
    expect(recommendations[0]).toBe('Required Complete rotation-matrix');
    expect(recommendations.slice(-4)).toEqual(['Priority 1 Add distance-decay', 'Priority 2 Add length-extrapolation', 'Priority 3 Add linear-attention', 'Priority 4 Add empirical-nuance']);
    expect(text).toContain('**Stated the opposite** (denied in the text, so not counted):\n- "Attention does not decay with distance under RoPE." (`build-prompt-negated.md:13:22`)');
    expect(text).toContain('🔧 **Partly covered: Rotation in complex space and the 2x2 rotation matrix** (`rotation-matrix`)');
  });

  it('names the module after the folder of a build-prompt.md', async () => {
    const { report, rubric } = await verifyFixture('curricula/sample/modules/rope/build-prompt.md');
    expect(renderFindings(report, rubric)).toContain('## Module: rope\n');
  });
});
