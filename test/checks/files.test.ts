import { mkdirSync, mkdtempSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filesKind, type FilesOptions } from '../../src/checks/files.js';
import { inlineValidator } from '../../src/core/ajv.js';
import { makeContext } from '../helpers/context.js';
import { headerOnlyPng } from '../helpers/png.js';
import { gradeWithKinds, inputCases, labCases, labFixturesDir } from '../helpers/lab-fixtures.js';

const lab = (name: string) => join(labFixturesDir, name);
const pngs = new URL('../../fixtures/input/png/', import.meta.url).pathname;

const labFiles: FilesOptions = {
  required: [
    { path: ['src/minimodel/positional/rope.py', 'rope.py'], description: 'your RoPE implementation (Block A)' },
    { path: 'verify.py' },
    { path: 'verify_output.txt' },
    { path: 'relative_position_demo.png' },
    { path: 'manifest.json' },
    { path: 'README.md' },
  ],
};
const plot: FilesOptions = { required: [], images: [{ path: 'relative_position_demo.png', minWidth: 200, minHeight: 150 }] };

async function run(root: string, options: FilesOptions) {
  return filesKind.run(makeContext({ root }), options);
}

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'rubricate-files-'));
  // A submission where verify.py sits in a sub-folder and the README is lower-case.
  mkdirSync(join(scratch, 'scripts'));
  writeFileSync(join(scratch, 'scripts', 'verify.py'), 'print(1)\n');
  writeFileSync(join(scratch, 'readme.md'), '# hi\n');
  writeFileSync(join(scratch, 'manifest.json'), '');
  copyFileSync(join(pngs, 'one-pixel.png'), join(scratch, 'tiny.png'));
  copyFileSync(join(pngs, 'plot.png'), join(scratch, 'plot.png'));
  copyFileSync(join(pngs, 'transparent.png'), join(scratch, 'transparent.png'));
  mkdirSync(join(scratch, 'folder.png'));
  // Its image data is not even zlib: a check that inflated it would fail with another message than its size.
  writeFileSync(join(scratch, 'bomb.png'), headerOnlyPng(20000, 20000));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('files kind', () => {
  it('passes the complete submission', async () => {
    const outcome = await run(lab('ok-interleaved'), labFiles);
    expect(outcome).toMatchObject({ status: 'pass', message: 'all 6 required files are present' });
    expect(outcome.data).toMatchObject({ missing: [], found: { 'verify.py': 'verify.py' } });
  });

  it('accepts an alternative path and says which one was used', async () => {
    const outcome = await run(lab('ok-flat-layout'), labFiles);
    expect(outcome.status).toBe('pass');
    expect(outcome.details).toEqual([
      {
        message: 'rope.py found at rope.py instead of src/minimodel/positional/rope.py (accepted)',
        location: { file: 'rope.py' },
      },
    ]);
  });

  it('fails a missing file with partial credit, naming where it was expected', async () => {
    const outcome = await run(lab('not-ok-files-missing-verify'), labFiles);
    expect(outcome.status).toBe('fail');
    expect(outcome.credit).toBeCloseTo(5 / 6);
    expect(outcome.message).toBe('verify.py not found; expected in the submission folder');
    expect(outcome.location).toEqual({ file: 'verify.py' });
  });

  it('names every alternative and the description of a missing entry', async () => {
    const outcome = await run(lab('ok-interleaved'), { required: [{ path: ['lib/rope.py', 'rope.py'], description: 'your RoPE implementation' }] });
    // rope.py exists, but not at either accepted place.
    expect(outcome.message).toBe(
      'rope.py not found; expected lib/rope.py or rope.py; found src/minimodel/positional/rope.py, move it to lib/rope.py (your RoPE implementation)',
    );
    expect(outcome.location).toEqual({ file: 'lib/rope.py' });
  });

  it('points at a file found in another folder or with other letter case, and counts an empty file as missing', async () => {
    const outcome = await run(scratch, { required: [{ path: 'verify.py' }, { path: 'README.md' }, { path: 'manifest.json' }, { path: 'notes.md' }] });
    expect(outcome.status).toBe('fail');
    expect(outcome.credit).toBe(0);
    expect(outcome.message).toContain('4 of 4 required files are missing or unusable');
    const messages = outcome.details!.map((d) => d.message);
    expect(messages).toEqual([
      'verify.py not found; expected in the submission folder; found scripts/verify.py, move it to verify.py',
      'README.md not found; expected in the submission folder; found readme.md, file names are case-sensitive, rename it to README.md',
      'manifest.json is empty',
      'notes.md not found; expected in the submission folder',
    ]);
  });

  it('passes a real plot and reports its size', async () => {
    const outcome = await run(lab('ok-interleaved'), plot);
    expect(outcome.status).toBe('pass');
    expect(outcome.message).toMatch(/^relative_position_demo\.png is a 640x480 PNG with content \([\d.]+% ink\)$/);
  });

  it('fails a blank plot', async () => {
    const outcome = await run(lab('not-ok-plot-blank'), plot);
    expect(outcome).toMatchObject({
      status: 'fail',
      credit: 0,
      message: 'relative_position_demo.png is blank (a single colour over all 640x480 pixels); expected a plot',
      location: { file: 'relative_position_demo.png' },
    });
  });

  it('fails a JPEG saved as .png', async () => {
    const outcome = await run(lab('not-ok-plot-not-png'), plot);
    expect(outcome.status).toBe('fail');
    expect(outcome.message).toBe('relative_position_demo.png is not a PNG image (it is a JPEG image renamed to .png; save the figure as PNG)');
  });

  it('checks image sizes both ways, transparency, and folders named like images', async () => {
    const small = await run(scratch, { images: [{ path: 'tiny.png' }] });
    expect(small.message).toBe('tiny.png is a 1x1 pixel PNG, too small to show anything');
    const tooSmall = await run(scratch, { images: [{ path: 'plot.png', minWidth: 400, minHeight: 150 }] });
    expect(tooSmall.message).toBe('plot.png is 320x240 pixels, expected at least 400x150');
    expect(tooSmall.details![0]).toMatchObject({ actual: '320x240', expected: 'at least 400x150' });
    const tooBig = await run(scratch, { images: [{ path: 'plot.png', maxWidth: 300, maxHeight: 10000 }] });
    expect(tooBig.message).toBe('plot.png is 320x240 pixels, expected at most 300x10000');
    // Refused from the header, never decoded (the file's image data cannot be inflated).
    const bomb = await run(scratch, { images: [{ path: 'bomb.png' }] });
    expect(bomb.message).toBe('bomb.png is 20000x20000 pixels, expected at most 10000x10000');
    expect(bomb.details![0]).toMatchObject({ actual: '20000x20000', expected: 'at most 10000x10000' });
    const clear = await run(scratch, { images: [{ path: 'transparent.png' }] });
    expect(clear.message).toContain('transparent.png is blank');
    const allowedBlank = await run(scratch, { images: [{ path: 'transparent.png', notBlank: false }] });
    expect(allowedBlank.status).toBe('pass');
    const folder = await run(scratch, { images: [{ path: 'folder.png' }] });
    expect(folder.message).toBe('folder.png is a folder, not a file; expected in the submission folder');
  });

  it('has an options schema that fills defaults and refuses unknown keys', () => {
    const validate = inlineValidator(filesKind.optionsSchema);
    const options: Record<string, unknown> = { images: [{ path: 'a.png' }] };
    expect(validate(options)).toBe(true);
    expect(options).toEqual({
      required: [],
      images: [{ path: 'a.png', minWidth: 200, minHeight: 150, maxWidth: 10000, maxHeight: 10000, notBlank: true }],
    });
    expect(validate({ required: [{ path: 'a', descripton: 'typo' }] })).toBe(false);
    expect(validate({ required: [{ path: [] }] })).toBe(false);
  });
});

describe('lab fixtures, files criteria', () => {
  for (const fixture of labCases(inputCases)) {
    it(fixture.name, async () => {
      const report = await gradeWithKinds(fixture.dir, [filesKind]);
      expect(report.checks.map((c) => c.id)).toEqual(['files-present', 'plot-image']);
      for (const check of report.checks) {
        const want = fixture.expected.checks[check.id];
        const seen = `${check.id}: ${check.status}: ${check.message}`;
        expect(check.status, seen).toBe(want?.status ?? 'pass');
        if (want?.message) expect(check.message, seen).toContain(want.message);
      }
    });
  }
});
