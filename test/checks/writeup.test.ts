import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { writeupKind, writeupOptionsSchema, type WriteupOptions } from '../../src/checks/writeup.js';
import { inlineValidator } from '../../src/core/ajv.js';
import { makeContext } from '../helpers/context.js';

const markdownDir = fileURLToPath(new URL('../../fixtures/markdown/', import.meta.url));
const rubric = parse(readFileSync(new URL('../../rubrics/rope-lab02.yaml', import.meta.url), 'utf8')) as { criteria: Array<{ id: string; options: WriteupOptions }> };
/** The rubric's own options, minus `file` (tests point at fixture documents). */
function rubricOptions(id: string): WriteupOptions {
  const { file: _file, ...options } = rubric.criteria.find((c) => c.id === id)!.options;
  return options;
}
const questions = rubricOptions('writeup-questions');
const maxDiff = rubricOptions('writeup-max-diff');

async function run(document: string, options: WriteupOptions) {
  return writeupKind.run(makeContext({ root: markdownDir, document }), options);
}

describe('writeup questions', () => {
  for (const style of ['numbered-headings.md', 'bold-labels.md', 'questions-as-headings.md', 'list-answers.md', 'no-headings.md']) {
    it(`finds all four Block E answers in ${style}`, async () => {
      const outcome = await run(style, questions);
      expect(outcome.message).toBe(`${style} answers all 4 questions`);
      expect(outcome).toMatchObject({ status: 'pass', credit: 1, data: { unanswered: [] } });
    });
  }

  it('answers from plain list items, preferring the most specific pattern', async () => {
    const outcome = await run('plain-list.md', questions);
    expect(outcome.status).toBe('pass');
    expect(outcome.details?.map((d) => d.location?.line)).toEqual([7, 8, 9, 10]);
    expect(outcome.details?.[3]!.message).toContain("the sentence 'We don't rotate V because");
  });

  it('locates each answer', async () => {
    const outcome = await run('bold-labels.md', questions);
    expect(outcome.details?.map((d) => [d.message.replace(/ '.*' is/, ' is'), d.location?.line])).toEqual([
      ["Question 1 is answered in section '1. Relative position:'", 6],
      ["Question 2 is answered in section '2. Max diff:'", 8],
      ["Question 3 is answered in section '3. Norm:'", 10],
      ["Question 4 is answered in section 'Q4 - Why not V?'", 12],
    ]);
    const plain = await run('no-headings.md', questions);
    expect(plain.details?.[3]).toMatchObject({ message: expect.stringContaining("the sentence 'V is not rotated because"), location: { line: 5, column: 1 } });
  });

  it('rejects placeholders, empty answers and quotes them', async () => {
    const outcome = await run('todo-placeholders.md', questions);
    expect(outcome.status).toBe('fail');
    expect(outcome.credit).toBe(0.25);
    expect(outcome.message).toBe(
      "todo-placeholders.md answers 1 of 4 questions. Question 1 'State the relative-position property in one sentence.' is unanswered: section '1. Relative position property' at todo-placeholders.md:3:1 contains only 'TODO' (and 2 more: norm, why-not-v)",
    );
    expect(outcome.location).toMatchObject({ line: 3, column: 1 });
    expect(outcome.details?.map((d) => d.message)).toEqual([
      expect.stringContaining("contains only 'TODO'"),
      expect.stringContaining('is answered'),
      expect.stringContaining("section '3. Norm preservation' at todo-placeholders.md:11:1 contains only 'TBD'"),
      expect.stringContaining("section '4. Why V is not rotated' at todo-placeholders.md:15:1 contains only '...'"),
    ]);
  });

  it('rejects excuses and empty list items as answers ("TODO: will finish this later", "TBD — I did not get to this")', async () => {
    const outcome = await run('placeholder-excuses.md', questions);
    expect(outcome).toMatchObject({ status: 'fail', credit: 0, data: { answered: [] } });
    expect(outcome.details?.map((d) => d.message)).toEqual([
      expect.stringContaining("contains only 'TODO: will finish this later'"),
      expect.stringContaining("contains only 'TBD — I did not get to this'"),
      expect.stringContaining('placeholder-excuses.md:11:1 is empty'),
      expect.stringContaining("contains only 'Ran out of time, sorry. Lorem ipsum.'"),
    ]);
  });

  it('rejects answers that are too short or miss a required concept', async () => {
    const options: WriteupOptions = {
      questions: [
        { id: 'max', prompt: 'Max diff?', match: ['max diff'], answer: { minWords: 8 } },
        { id: 'v', prompt: 'Why does V not get rotated?', match: ['why not v'], answer: { minWords: 3, concepts: [{ id: 'softmax', any: ['softmax'] }] } },
      ],
    };
    const outcome = await run('bold-labels.md', options);
    expect(outcome.credit).toBe(0);
    expect(outcome.details?.[0]!.message).toBe("Question 1 'Max diff?' is not really answered: section '2. Max diff:' at bold-labels.md:8:1 has 6 words ('3.1e-16 over all five test cases.'), expected at least 8");
    expect(outcome.details?.[1]!.message).toBe("Question 2 'Why does V not get rotated?' is answered in section 'Q4 - Why not V?' at bold-labels.md:12:1 but the answer does not mention softmax (expected 'softmax')");
  });

  it('does not count a negated concept in an answer', async () => {
    const outcome = await run('negated.md', {
      questions: [{ id: 'decay', prompt: 'Does RoPE decay?', match: ['long-term decay'], answer: { minWords: 3, concepts: [{ id: 'decay', any: ['decay with distance'] }] } }],
    });
    expect(outcome.status).toBe('fail');
    expect(outcome.message).toContain('does not mention decay');
    expect(outcome.message).toContain("at negated.md:5:15 is negated by 'not'");
  });

  it('says when nothing addresses a question', async () => {
    const outcome = await run('negated.md', { questions: [{ id: 'v', prompt: 'Why does V not get rotated?', match: ['why v is not rotated', 'values'] }] });
    expect(outcome.message).toBe(
      "negated.md answers 0 of 1 questions. Question 1 'Why does V not get rotated?' is unanswered: no section, label or sentence of negated.md addresses it (looked for 'why v is not rotated', 'values')",
    );
  });

  it('uses a section numbered like the question when its title has no words', async () => {
    const ctx = makeContext({ root: markdownDir, document: 'q-numbers-only.md' });
    const outcome = await writeupKind.run(ctx, { questions: [{ id: 'a', prompt: 'First?', match: ['relative position'] }, { id: 'b', prompt: 'Second?', match: ['max diff'] }] });
    expect(outcome.details?.map((d) => d.message)).toEqual(["Question 1 'First?' is answered in section 'Q1'", "Question 2 'Second?' is answered in section 'Q2'"]);
  });
});

describe('writeup number', () => {
  const expectations: Array<[string, string, number, number, number]> = [
    ['numbered-headings.md', '4.4e-16', 4.4e-16, 14, 58],
    ['bold-labels.md', '3.1e-16', 3.1e-16, 8, 18],
    ['questions-as-headings.md', '2.2 × 10^-16', 2.2e-16, 9, 15],
    ['list-answers.md', '0.0000012', 1.2e-6, 6, 42],
    ['no-headings.md', '1.1e-16', 1.1e-16, 3, 190],
    ['mixed-blocks.md', '4.4e-16', 4.4e-16, 12, 14],
  ];
  for (const [file, raw, value, line, column] of expectations) {
    it(`reads ${raw} in ${file}, not the 1e-5 threshold`, async () => {
      const outcome = await run(file, maxDiff);
      expect(outcome.status).toBe('pass');
      expect(outcome.data).toMatchObject({ raw, location: { file, line, column } });
      expect(outcome.data!.reported as number).toBeCloseTo(value, 25);
    });
  }

  it('fails when the number is not below max, quoting it', async () => {
    const outcome = await run('wrong-numbers.md', maxDiff);
    expect(outcome.status).toBe('fail');
    expect(outcome.message).toBe('wrong-numbers.md reports the Block B max diff as 3.2e-4 at wrong-numbers.md:7:32, expected a value below 1e-5: "3.2e-4"');
    expect(outcome.data).toMatchObject({ reported: 3.2e-4, location: { line: 7, column: 32 } });
  });

  it('fails when the quantity is only described in words', async () => {
    const outcome = await run('negated.md', { number: { name: 'decay rate', near: ['decay'] } });
    expect(outcome.status).toBe('fail');
    expect(outcome.message).toBe(
      "negated.md reports no number for the decay rate: expected a value such as 4.4e-16 near 'decay'; \"RoPE does not decay with distance in my experiments; the attention scores never preserve …\" at negated.md:5:1 names it without a number",
    );
    expect(outcome.data).toMatchObject({ reported: null });
  });

  it('combines questions and number into one credit', async () => {
    const outcome = await run('todo-placeholders.md', { ...questions, ...maxDiff });
    expect(outcome.status).toBe('fail');
    expect(outcome.credit).toBeCloseTo((0.25 * 4 + 1) / 5);
    expect(outcome.data).toMatchObject({ reported: 4.4e-16, answered: ['max-diff'] });
  });
});

describe('writeup options schema', () => {
  it('accepts the rubric options and rejects misspelt keys', () => {
    const validate = inlineValidator(writeupOptionsSchema);
    expect(validate(rubric.criteria.find((c) => c.id === 'writeup-questions')!.options)).toBe(true);
    expect(validate(rubric.criteria.find((c) => c.id === 'writeup-max-diff')!.options)).toBe(true);
    expect(validate({ file: 'README.md' })).toBe(false);
    expect(validate({ number: { name: 'x', near: ['y'], maximum: 1 } })).toBe(false);
    expect(validate({ questions: [{ id: 'a', prompt: 'p', match: ['m'], answer: { minWords: 3, concept: [] } }] })).toBe(false);
  });
});
