/**
 * The parts of an experiment spec, found by heading or by what they say,
 * with the parts of the bundled rubric (rubrics/pe-compare-experiment.yaml).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { parseMarkdown } from '../../src/markdown/document.js';
import { findParts, type PartResult, type SpecPart } from '../../src/experiment/parts.js';
import { resolveRubric } from '../../src/rubric/load.js';
import { unfenceMarkdown } from '../../src/checks/sections.js';

let parts: SpecPart[];

beforeAll(async () => {
  const rubric = await resolveRubric('pe-compare-experiment');
  parts = (rubric.criteria.find((c) => c.kind === 'sections')!.options as { parts: SpecPart[] }).parts;
});

function byId(results: PartResult[]): Record<string, PartResult> {
  return Object.fromEntries(results.map((r) => [r.part.id, r]));
}

const compact = `# PE head-to-head

**H1:** rotary embeddings keep their accuracy on sequences longer than in training, sinusoidal ones lose it.

**H0:** both encodings give the same validation loss at every length, within seed noise.

Everything else is frozen: same decoder, optimiser, steps and seeds; only the position encoding changes between the runs.

Variant A is sinusoidal (added to the inputs); variant B is RoPE (rotating q and k).

### Evaluation sets

| Set | Lengths | Size |
|---|---|---|
| train | 1-5 | 240 sentences |
| held-out validation | 1-5 | 60 sentences |
| OOD length | 10, 15, 20 | 90 sequences, hand-checked |

### What we measure

Cross-entropy per length, and conjugation accuracy at length 20, averaged over three seeds.

### Forecast

| Metric | sinusoidal | RoPE | Δ |
|---|---|---|---|
| loss T=20 | 1.5 | 0.45 | -1.05 |

### Rationale

Sinusoidal codes beyond length 5 were never seen in training; RoPE depends only on offsets, which stay rotations of a familiar kind.

### Caveats

A tiny corpus and a 4x length jump: this says nothing about large models or much longer contexts.
`;

describe('spec parts', () => {
  it('finds every part whatever the heading style: bold labels, plain paragraphs, a table row for the OOD split', () => {
    const r = byId(findParts(parseMarkdown(compact, { path: 'spec.md' }), parts));
    for (const part of parts) expect(r[part.id]!.status, `${part.id}: ${JSON.stringify({ line: r[part.id]!.line, by: r[part.id]!.by })}`).toBe('found');
    expect(r['null-hypothesis']!).toMatchObject({ by: 'heading', line: 5 });
    // "Everything else is frozen: ..." is a label, so a heading of its own.
    expect(r.setup!).toMatchObject({ by: 'heading', line: 7 });
    expect(r.variants!).toMatchObject({ by: 'statement', line: 9 });
    expect(r['ood-split']!).toMatchObject({ by: 'statement', line: 17, column: 3 });
    expect(r.why!.evidence).toBe('Rationale');
  });

  it('an OOD row of the predictions table is not the OOD split: it counts only where the splits are', () => {
    const text = compact.replace('| OOD length | 10, 15, 20 | 90 sequences, hand-checked |\n', '').replace('| loss T=20 |', '| loss (OOD, T=20) |');
    const r = byId(findParts(parseMarkdown(text, { path: 'spec.md' }), parts));
    expect(r['ood-split']!.status).toBe('missing');
    // Located where it would go: after the part before it (the data splits).
    expect(r['ood-split']!.line).toBe(r['data-splits']!.section!.end.line + 1);
  });

  it('a label of the OOD split counts only inside the data splits; a heading of its own anywhere', () => {
    const label = '# S\n\n## Data splits\n\n- Train: 240 short sentences of the corpus.\n\n## Predictions\n\n- **OOD, T=20:** loss 1.5 for sinusoidal and 0.45 for RoPE.\n';
    expect(byId(findParts(parseMarkdown(label), parts))['ood-split']!.status).toBe('missing');
    const own = '# S\n\n## Data splits\n\n- Train: 240 short sentences of the corpus.\n\n## Out-of-distribution split\n\n90 sequences of lengths 10, 15 and 20 joined from valid sentences.\n';
    expect(byId(findParts(parseMarkdown(own), parts))['ood-split']).toMatchObject({ status: 'found', by: 'heading', line: 7 });
  });

  it('a heading with nothing under it is empty, located at the heading; a negated mention does not count', () => {
    const text = '# Spec\n\n## Null hypothesis\n\nTBD\n\n## Data splits\n\n- Train: 240 sentences of length at most five.\n- Validation: 60 held-out sentences; we have no out-of-distribution split this time.\n';
    const r = byId(findParts(parseMarkdown(text, { path: 'spec.md' }), parts));
    expect(r['null-hypothesis']).toMatchObject({ status: 'empty', line: 3, column: 1, reason: "only 'TBD'" });
    expect(r['ood-split']!.status).toBe('missing');
    expect(r['ood-split']!.negated?.[0]?.cue).toBe('no');
  });

  it('a "Hypotheses" section holding H1 and H0 gives both parts; "Null hypothesis" never serves the hypothesis', () => {
    const both = '# S\n\n## Hypotheses\n\nH1: RoPE extrapolates to longer sequences than sinusoidal does.\n\nH0: there is no difference between the two encodings at any length.\n';
    const r1 = byId(findParts(parseMarkdown(both), parts));
    expect(r1.hypothesis).toMatchObject({ status: 'found', by: 'heading', line: 3 });
    expect(r1['null-hypothesis']).toMatchObject({ status: 'found', by: 'heading', line: 7 });
    const prose = '# S\n\n## Hypotheses\n\nWe hypothesise that RoPE extrapolates to longer sequences than sinusoidal does. The null hypothesis is that there is no difference at any length.\n';
    const r3 = byId(findParts(parseMarkdown(prose), parts));
    expect(r3.hypothesis).toMatchObject({ status: 'found', by: 'heading', line: 3 });
    expect(r3['null-hypothesis']).toMatchObject({ status: 'found', by: 'statement', line: 5 });
    const onlyNull = '# S\n\n## Null hypothesis\n\nBoth encodings reach the same loss at every length we test.\n';
    const r2 = byId(findParts(parseMarkdown(onlyNull), parts));
    expect(r2['null-hypothesis']!.status).toBe('found');
    expect(r2.hypothesis!.status).toBe('missing');
  });

  it('a section titled only "Question" is the hypothesis asked; "Open questions" is not', () => {
    const asked = '# Encoder swap\n\n## Question\n\nDoes a transformer encoder beat the convolutional one on the same weak labels? I expect +0.03 IoU.\n';
    expect(byId(findParts(parseMarkdown(asked), parts)).hypothesis).toMatchObject({ status: 'found', by: 'heading', line: 3 });
    const open = '# Encoder swap\n\n## Setup\n\nIdentical to the baseline except the encoder, trained for forty epochs.\n\n## Open questions\n\nWhy does the loss plateau after epoch eight on every seed we tried?\n';
    expect(byId(findParts(parseMarkdown(open), parts)).hypothesis!.status).toBe('missing');
  });

  it('a null stated as a null model, a shuffled baseline or "under the null" is the null hypothesis', () => {
    for (const sentence of [
      'The signatures are distinguishable from null models (shuffled baselines).',
      'Under the\nnull, the labels are reassigned at random across managers.',
      'A model given shuffled inputs should stay at chance on the held-out split.',
    ]) {
      const r = byId(findParts(parseMarkdown(`# S\n\n## Hypothesis\n\nThe real system differs from random ones.\n\n## Test\n\n${sentence}\n`), parts));
      expect(r['null-hypothesis'], sentence).toMatchObject({ status: 'found', by: 'statement', line: 9 });
    }
    const none = byId(findParts(parseMarkdown('# S\n\n## Hypothesis\n\nThe real system differs from a random one, we expect.\n\n## Test\n\nNull values are dropped before the shuffle of the rows.\n'), parts));
    expect(none['null-hypothesis']!.status).toBe('missing');
  });

  it('a metric named by its usual name counts wherever it is used, a results table included; predictions there do not', () => {
    const text = '# S\n\n## Hypothesis\n\nThe phonological model separates the two classes.\n\n## Results\n\n| Classifier | AUC | F1 |\n|---|---|---|\n| boosted trees | 0.76 | 0.82 |\n\nWe predict nothing here: these are measured.\n';
    const r = byId(findParts(parseMarkdown(text), parts, { ignore: ['results'] }));
    expect(r.metrics).toMatchObject({ status: 'found', by: 'statement', line: 9 });
    expect(r.predictions!.status).toBe('missing');
    const inline = byId(findParts(parseMarkdown('# S\n\n## Question\n\nWill the swap help? Prediction: +0.03 to +0.08 IoU over the baseline.\n'), parts));
    expect(inline.metrics).toMatchObject({ status: 'found', by: 'statement', line: 5 });
    const none = byId(findParts(parseMarkdown('# S\n\n## Question\n\nWill the swap make the model better on dense blocks of buildings?\n'), parts));
    expect(none.metrics!.status).toBe('missing');
  });

  it('a fenced block marked markdown is read as Markdown on the same lines; other fences stay code', () => {
    const report = '# Report\n\nThe pre-registration, unedited:\n\n```markdown\n# Pre-registration\n\nHYPOTHESIS: a profile fit on earlier trades describes later ones better than the league profile.\n\n## Metrics\n\nWin rate of the own profile over the league one.\n```\n\n```python\n# Metrics\nprint(1)\n```\n';
    const unfenced = unfenceMarkdown(report);
    expect(unfenced.split('\n')).toHaveLength(report.split('\n').length);
    expect(unfenced).toContain('```python\n# Metrics');
    const r = byId(findParts(parseMarkdown(unfenced), parts));
    expect(r.hypothesis).toMatchObject({ status: 'found', line: 8 });
    expect(r.metrics).toMatchObject({ status: 'found', by: 'heading', line: 10 });
    // Left fenced, the block is code: its heading is no section.
    const kept = byId(findParts(parseMarkdown(report), parts));
    expect(kept.metrics!.by).not.toBe('heading');
  });
});
