import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { blockPoint, markdownTreesForTest, parseMarkdown, sentences, splitNumbering, type MarkdownDoc } from '../../src/markdown/document.js';

function load(name: string): MarkdownDoc {
  const text = readFileSync(new URL(`../../fixtures/markdown/${name}`, import.meta.url), 'utf8').replace(/\r\n?/g, '\n');
  return parseMarkdown(text, { path: name });
}

const outline = (doc: MarkdownDoc) => doc.sections.map((s) => [s.style, s.level, s.number ?? null, s.titleText]);

describe('sections', () => {
  it('finds numbered ATX headings with exact positions', () => {
    const doc = load('numbered-headings.md');
    expect(outline(doc)).toEqual([
      ['atx', 1, null, 'Lab 02: RoPE'],
      ['atx', 2, null, 'Write-up'],
      ['atx', 3, '1', 'Relative-position property'],
      ['atx', 3, '2', 'Max diff (Block B)'],
      ['atx', 3, '3', 'Norm preservation'],
      ['atx', 3, '4', 'Why V is not rotated'],
    ]);
    const why = doc.sections[5]!;
    expect(why.start).toMatchObject({ line: 20, column: 1 });
    expect(why.text).toMatch(/^Values carry the content/);
    expect(why.parent).toBe(1);
    // A parent section's text includes its subsections.
    expect(doc.sections[1]!.text).toContain('Values carry the content');
    expect(doc.sections[1]!.end.line).toBe(22);
  });

  it('finds setext headings and bold labels, with numbering from "1." and "Q4 -"', () => {
    const doc = load('bold-labels.md');
    expect(outline(doc)).toEqual([
      ['setext', 1, null, 'RoPE lab write-up'],
      ['bold-label', 2, '1', 'Relative position'],
      ['bold-label', 2, '2', 'Max diff'],
      ['bold-label', 2, '3', 'Norm'],
      ['bold-label', 2, '4', 'Why not V?'],
    ]);
    const q4 = doc.sections[4]!;
    expect(q4.start).toMatchObject({ line: 12, column: 1 });
    expect(q4.text).toMatch(/^The value vectors are what gets averaged/);
    expect(doc.sections[2]!.text).toBe('3.1e-16 over all five test cases.');
  });

  it('treats question headings as sections and nests a "Label:" paragraph', () => {
    const doc = load('questions-as-headings.md');
    expect(doc.sections.map((s) => s.title)).toEqual([
      'RoPE',
      'What is the relative-position property?',
      'What was the max diff across the five test cases in Block B?',
      'Max abs diff:',
      'Is the norm preserved?',
      'Why does V not get rotated?',
    ]);
    expect(doc.sections[3]!.level).toBe(3);
    expect(doc.sections[3]!.parent).toBe(2);
  });

  it('turns labelled and question list items into sections numbered by the list', () => {
    const doc = load('list-answers.md');
    const items = doc.sections.filter((s) => s.style === 'list-item');
    expect(items.map((s) => [s.number, s.titleText])).toEqual([
      ['1', 'Relative position property'],
      ['2', 'Max diff'],
      ['3', 'Norm preservation'],
      ['4', 'Why is V not rotated?'],
    ]);
    expect(items[1]!.text).toBe('the largest |lhs - rhs| was 0.0000012 in my float32 run.');
    expect(items[1]!.start).toMatchObject({ line: 6, column: 4 });
    // A list item's section ends with the item, not at the next heading.
    expect(items[0]!.end.line).toBe(5);
    expect(items[0]!.blocks).toHaveLength(1);
  });

  it('has no sections and a preamble when there are no headings', () => {
    const doc = load('no-headings.md');
    expect(doc.sections).toEqual([]);
    expect(doc.preamble).toHaveLength(3);
  });

  it('keeps a placeholder body as the section text', () => {
    const doc = load('todo-placeholders.md');
    expect(doc.sections.map((s) => s.text)).toEqual([expect.stringContaining('TODO'), 'TODO', 'The max diff was 4.4e-16.', 'TBD', '...']);
  });

  it('does not open a section for a plain list item or a plain paragraph, but does for "Label:" paragraphs', () => {
    const doc = load('mixed-blocks.md');
    expect(doc.sections.map((s) => [s.style, s.titleText])).toEqual([
      ['atx', 'Mixed blocks'],
      ['label', 'Quoted'],
      ['list-item', 'Convention'],
    ]);
  });

  it('splits numbering from titles', () => {
    expect(splitNumbering('Question 3: Why V?')).toEqual({ number: '3', text: 'Why V?' });
    expect(splitNumbering('Q2 - max diff')).toEqual({ number: '2', text: 'max diff' });
    expect(splitNumbering('(4) Norm')).toEqual({ number: '4', text: 'Norm' });
    expect(splitNumbering('Block B results')).toEqual({ text: 'Block B results' });
    expect(splitNumbering('Q:')).toEqual({ text: 'Q:' });
  });
});

describe('sentences', () => {
  it('splits prose without breaking e.g., decimals or exponents, with exact lines and columns', () => {
    const doc = load('no-headings.md');
    const list = sentences(doc);
    expect(list.map((s) => [s.start.line, s.start.column, s.text.slice(0, 30)])).toEqual([
      [1, 1, 'This lab implements RoPE in Nu'],
      [3, 1, 'The relative-position property'],
      [3, 148, 'Over the five test cases the m'],
      [3, 237, 'Norm preservation also holds: '],
      [5, 1, 'V is not rotated because the v'],
    ]);
    expect(list[2]!.text).toBe('Over the five test cases the max diff was 1.1e-16, e.g. for (m, n) = (20, 8) it was 0.0.');
    expect(list[2]!.end).toMatchObject({ line: 3, column: 236 });
  });

  it('splits code blocks by line, table cells by cell, and flags code', () => {
    const doc = load('mixed-blocks.md');
    const list = sentences(doc);
    const code = list.filter((s) => s.block.type === 'code');
    expect(code.map((s) => [s.start.line, s.start.column, s.text])).toEqual([
      [6, 1, 'q_even = q[:, 0::2]'],
      [7, 1, 'q_odd = q[:, 1::2]'],
    ]);
    expect(code.every((s) => s.code)).toBe(true);
    const intro = list.filter((s) => s.start.line === 3);
    expect(intro.map((s) => s.text)).toEqual(['Intro with apply_rope(q, k) inline code.', 'Second sentence, e.g. with an abbreviation, and 1e-5 inside.']);
    expect(intro[0]!.code).toBe(true);
    const cells = list.filter((s) => s.block.type === 'cell');
    expect(cells.map((s) => [s.text, s.block.row, s.start.line, s.start.column])).toEqual([
      ['quantity', '0:0', 10, 3],
      ['value', '0:0', 10, 14],
      ['max diff', '0:1', 12, 3],
      ['4.4e-16', '0:1', 12, 14],
    ]);
    expect(list.find((s) => s.text.startsWith('Quoted'))!.start).toMatchObject({ line: 14, column: 3 });
  });

  it('knows the innermost section of every sentence and can leave titles out', () => {
    const doc = load('numbered-headings.md');
    const s = sentences(doc).find((x) => x.text.startsWith('Rotations are orthogonal'))!;
    expect(s.section?.title).toBe('3. Norm preservation');
    const section = doc.sections[4]!;
    expect(sentences(section).map((x) => x.title)).toEqual([true, false, false]);
    expect(sentences(section, { titles: false })).toHaveLength(2);
  });

  it('gives exact positions for CRLF input normalised to LF', () => {
    const doc = load('crlf.md');
    const s = sentences(doc).find((x) => x.text.startsWith('The max diff'))!;
    expect(s.start).toMatchObject({ line: 5, column: 1 });
    expect(doc.sections[1]!.start).toMatchObject({ line: 3, column: 1 });
    // Offset of "5e-17" inside the sentence maps back to its column.
    const i = s.text.indexOf('5e-17');
    expect(blockPoint(s.block, s.offsets[i]!)).toMatchObject({ line: 5, column: 18 });
  });

  it('maps characters after escapes and entities to their source columns', () => {
    const doc = parseMarkdown('Use \\*stars\\* &amp; the norm here.\n');
    const s = sentences(doc)[0]!;
    expect(s.text).toBe('Use *stars* & the norm here.');
    const i = s.text.indexOf('norm');
    expect(blockPoint(s.block, s.offsets[i]!).column).toBe(1 + 'Use \\*stars\\* &amp; the '.length);
  });

  it('reads pathologically nested input as plain paragraphs instead of overflowing the stack', () => {
    const doc = parseMarkdown('# Title\n\n' + '- '.repeat(5000) + 'the norm is preserved\n\nSecond paragraph.\n');
    expect(doc.degraded).toMatch(/nesting too deep/);
    expect(sentences(doc).map((s) => [s.start.line, s.text.slice(-21)])).toEqual([
      [1, '# Title'],
      [3, 'the norm is preserved'],
      [5, 'Second paragraph.'],
    ]);
    expect(parseMarkdown('> '.repeat(40) + 'quote').degraded).toBeUndefined();
  });
});


describe('parsing without literal autolinks', () => {
  const markdownFiles = (dir: URL): URL[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? markdownFiles(new URL(`${e.name}/`, dir)) : /\.(md|markdown)$/.test(e.name) ? [new URL(e.name, dir)] : [],
    );

  it('gives the same tree as full GFM for every Markdown file of the repository it is used on, and is used on the lab write-ups', () => {
    const files = [...markdownFiles(new URL('../../fixtures/', import.meta.url)), ...markdownFiles(new URL('../../docs/', import.meta.url)), ...markdownFiles(new URL('../../curricula/', import.meta.url))];
    let lean = 0;
    let labs = 0;
    for (const file of files) {
      const source = readFileSync(file, 'utf8').replace(/\r\n?/g, '\n');
      // The file as it is, and without what makes literal autolinks possible, so that every file is compared.
      for (const text of [source, source.replace(/[&@\\]/g, ' ').replace(/https?:\/\/|www\./gi, ' ')]) {
        const trees = markdownTreesForTest(text);
        if (!trees.leanApplies) continue;
        lean++;
        expect(trees.lean, file.pathname).toEqual(trees.full);
      }
      if (/rope-lab02\/[^/]+\/README\.md$/.test(file.pathname) && markdownTreesForTest(source).leanApplies) labs++;
    }
    expect(lean).toBeGreaterThan(files.length);
    expect(labs).toBeGreaterThan(20);
  });

  it('is not used where a literal autolink could occur', () => {
    for (const text of [
      'see www.example.org',
      'see WWW.EXAMPLE.ORG',
      'at https://example.org/x',
      'at Http://example.org',
      'mail a.b@example.org',
      'escaped www\\.example.org',
      'escaped http\\://example.org',
      'a reference: me&#64;example.org',
      'q @ k',
    ]) {
      expect(markdownTreesForTest(text).leanApplies, text).toBe(false);
    }
    // Escapes and character references make links of text that does not show them in the source.
    for (const text of ['www.example.org', 'mail a.b@example.org', 'me&#64;example.org', 'www\\.example.org', 'http\\://example.org']) {
      const { full } = markdownTreesForTest(text);
      expect(JSON.stringify(full), text).toContain('"link"');
    }
    expect(markdownTreesForTest('plain text, example.org, a-b_c. No links').leanApplies).toBe(true);
  });
});
