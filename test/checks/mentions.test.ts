import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { mentionsKind, mentionsOptionsSchema, type MentionsOptions } from '../../src/checks/mentions.js';
import { inlineValidator } from '../../src/core/ajv.js';
import { makeContext } from '../helpers/context.js';

const markdownDir = fileURLToPath(new URL('../../fixtures/markdown/', import.meta.url));
const inputDir = fileURLToPath(new URL('../../fixtures/input/', import.meta.url));
const interleaved = { id: 'interleaved', any: ['interleaved', '(2i, 2i+1)', '(2k, 2k+1)', 'adjacent pairs'] };

async function run(document: string, options: MentionsOptions, root = markdownDir) {
  const ctx = makeContext({ root, document });
  return { outcome: await mentionsKind.run(ctx, options), ctx };
}

describe('mentions', () => {
  it('passes with located evidence when the concept is mentioned', async () => {
    const { outcome } = await run('bold-labels.md', { concepts: [interleaved] });
    expect(outcome.status).toBe('pass');
    expect(outcome.credit).toBe(1);
    expect(outcome.message).toBe('bold-labels.md mentions interleaved at bold-labels.md:4:8: "I used interleaved pairs, i.e. x[2i] and x[2i+1] form one 2-D rotation."');
    expect(outcome.location).toMatchObject({ file: 'bold-labels.md', line: 4, column: 8 });
    expect(outcome.details?.[0]).toMatchObject({ actual: 'interleaved', location: { line: 4, column: 8 } });
  });

  it('fails when the concept is missing, quoting what was expected', async () => {
    const { outcome } = await run('questions-as-headings.md', { concepts: [interleaved] });
    expect(outcome.status).toBe('fail');
    expect(outcome.credit).toBe(0);
    expect(outcome.message).toBe("questions-as-headings.md does not mention interleaved (expected one of 'interleaved', '(2i, 2i+1)', '(2k, 2k+1)', 'adjacent pairs')");
    expect(outcome.data).toEqual({ found: [], missing: ['interleaved'], negated: [] });
  });

  it('does not count a negated mention, and reports it as a near-miss', async () => {
    const { outcome } = await run('negated.md', { concepts: [interleaved] });
    expect(outcome.status).toBe('fail');
    expect(outcome.message).toContain('near-miss at negated.md:10:20: "We did not use the interleaved convention." is negated by \'not\'');
    expect(outcome.details).toContainEqual(expect.objectContaining({ message: expect.stringMatching(/^near-miss for interleaved/), location: expect.objectContaining({ line: 10, column: 20 }) }));
    expect(outcome.data).toMatchObject({ negated: ['interleaved'] });
  });

  it('gives partial credit and honours minimum', async () => {
    const concepts = [interleaved, { id: 'decay', any: ['long-term decay'] }, { id: 'norm', any: ['norm'] }];
    const partial = await run('numbered-headings.md', { concepts });
    expect(partial.outcome.status).toBe('fail');
    expect(partial.outcome.credit).toBeCloseTo(2 / 3);
    expect(partial.outcome.message).toMatch(/does not mention decay .*\(2 of 3 concepts found, 3 needed\)$/);
    const enough = await run('numbered-headings.md', { concepts, minimum: 2 });
    expect(enough.outcome).toMatchObject({ status: 'pass', credit: 1 });
    expect(enough.outcome.message).toBe('numbered-headings.md mentions 2 of 3 concepts (2 needed)');
  });

  it('searches only the sections named, and fails clearly when none matches', async () => {
    const inSection = await run('numbered-headings.md', { concepts: [interleaved], section: ['norm preservation'] });
    expect(inSection.outcome.status).toBe('fail');
    expect(inSection.outcome.message).toMatch(/^numbered-headings\.md \(in '3\. Norm preservation'\) does not mention interleaved/);
    const none = await run('numbered-headings.md', { concepts: [interleaved], section: ['pairing convention'] });
    expect(none.outcome.message).toBe(
      "numbered-headings.md has no section titled like 'pairing convention'; its sections are 'Lab 02: RoPE', 'Write-up', '1. Relative-position property', '2. Max diff (Block B)', '3. Norm preservation', '4. Why V is not rotated'",
    );
  });

  it('uses rubric synonyms', async () => {
    const without = await run('bold-labels.md', { concepts: [{ id: 'mixing', any: ['blended'] }] });
    expect(without.outcome.status).toBe('fail');
    const withSyn = await run('bold-labels.md', { concepts: [{ id: 'mixing', any: ['blended'] }], synonyms: { blended: ['averaged', 'mixed'] } });
    expect(withSyn.outcome.status).toBe('pass');
  });

  it('turns unreadable files into findings, not exceptions', async () => {
    const missing = await run('nope.md', { concepts: [interleaved] });
    expect(missing.outcome.status).toBe('fail');
    expect(missing.outcome.message).toMatch(/nope\.md/);
    const binary = await run('binary-nul.md', { concepts: [interleaved] }, inputDir);
    expect(binary.outcome.status).toBe('fail');
    expect(binary.outcome.message).toMatch(/binary.*the write-up must be a Markdown text file$/);
  });

  it('reports a degraded parse as a notice and still matches the text', async () => {
    const files = {
      root: '/virtual',
      exists: async (rel: string) => rel === 'README.md',
      findFirst: async (alts: readonly string[]) => alts.find((a) => a === 'README.md'),
      readText: async (rel: string) => ({ ok: true as const, path: rel, text: '- '.repeat(3000) + 'interleaved pairs\n', notices: [] }),
      readBytes: async (rel: string) => ({ ok: false as const, path: rel, problem: 'missing' as const, message: `${rel} not found` }),
      list: async () => ['README.md'],
    };
    const ctx = makeContext({ root: markdownDir, files });
    const outcome = await mentionsKind.run(ctx, { concepts: [interleaved] });
    expect(outcome.status).toBe('pass');
    expect(ctx.notices).toEqual([expect.objectContaining({ level: 'warning', message: expect.stringMatching(/^README\.md: it could not be parsed as Markdown \(nesting too deep\)/) })]);
  });

  it('falls back to README.md and accepts readme.md', async () => {
    const ctx = makeContext({ root: fileURLToPath(new URL('../../fixtures/rope-lab02/ok-interleaved/', import.meta.url)) });
    const outcome = await mentionsKind.run(ctx, { concepts: [interleaved] });
    expect(outcome.message).toMatch(/^README\.md mentions interleaved at README\.md:9:/);
  });

  it('parses each document once per submission', async () => {
    const ctx = makeContext({ root: markdownDir, document: 'bold-labels.md' });
    await mentionsKind.run(ctx, { concepts: [interleaved] });
    await mentionsKind.run(ctx, { concepts: [{ id: 'norm', any: ['norm'] }] });
    expect([...ctx.memoStore.keys()]).toEqual(['markdown:bold-labels.md']);
  });

  it('has an options schema that rejects unknown keys and concepts without alternatives', () => {
    const validate = inlineValidator(mentionsOptionsSchema);
    expect(validate({ concepts: [interleaved] })).toBe(true);
    expect(validate({ concepts: [interleaved], sectoin: ['x'] })).toBe(false);
    expect(validate({ concepts: [{ id: 'x' }] })).toBe(false);
    expect(validate({ concepts: [{ id: 'x', all: [['a'], ['b']] }] })).toBe(true);
    expect(validate({ concepts: [] })).toBe(false);
  });
});

describe('a spent matching budget (issue 20)', () => {
  it('is said on the finding and as a notice, not left as a silent miss', async () => {
    const { withBudgetNotice } = await import('../../src/checks/mentions.js');
    const { newBudget } = await import('../../src/text/linear.js');
    const notices: Array<{ message: string }> = [];
    const out = withBudgetNotice({ notice: (n) => notices.push(n) }, { status: 'fail', message: 'README.md does not mention decay' }, 'README.md', newBudget(1000));
    expect(out.message).toBe('README.md does not mention decay (evidence search stopped after 1,000 steps)');
    expect(out.details?.at(-1)).toMatchObject({ message: 'evidence search stopped after 1,000 steps: concepts not reached are reported missing', location: { file: 'README.md' } });
    expect(notices[0]!.message).toMatch(/^evidence search stopped after 1,000 steps: README.md is too large to search in full/);
  });
});
