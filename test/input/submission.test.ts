import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DirectorySubmission, formatBytes, normalise } from '../../src/input/submission.js';

const tree = new URL('../../fixtures/input/tree/', import.meta.url).pathname;
const inputs = new URL('../../fixtures/input/', import.meta.url).pathname;

// Symlinks and large files are made at run time: git fixtures should not hold them.
let scratch: string;
let outside: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'rubricate-submission-'));
  outside = mkdtempSync(join(tmpdir(), 'rubricate-outside-'));
  writeFileSync(join(outside, 'secret.txt'), 'secret');
  mkdirSync(join(scratch, 'sub'));
  writeFileSync(join(scratch, 'sub', 'inner.md'), '# inner\n');
  writeFileSync(join(scratch, 'big.md'), 'x'.repeat(5000));
  symlinkSync(join(outside, 'secret.txt'), join(scratch, 'leak.txt'));
  symlinkSync(outside, join(scratch, 'leakdir'));
  symlinkSync(join(scratch, 'sub', 'inner.md'), join(scratch, 'alias.md'));
  for (const skipped of ['.git', 'node_modules/pkg', '__pycache__', '.rubricate-cache']) {
    mkdirSync(join(scratch, skipped), { recursive: true });
    writeFileSync(join(scratch, skipped, 'file.txt'), 'x');
  }
});
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

describe('DirectorySubmission', () => {
  it('lists regular files sorted', async () => {
    expect(await new DirectorySubmission(tree).list()).toEqual(['README.md', 'docs/notes.txt']);
  });

  it('reads text through the hygiene and caches it', async () => {
    const files = new DirectorySubmission(inputs);
    const first = await files.readText('./bom-crlf.md');
    expect(first).toMatchObject({ ok: true, path: 'bom-crlf.md', text: '# Title\n\nLine two\nold mac line\nend\n' });
    expect(await files.readText('bom-crlf.md')).toBe(first);
  });

  it('reports missing files, folders and binary content as located failures', async () => {
    const files = new DirectorySubmission(inputs);
    expect(await files.readText('nope.md')).toEqual({ ok: false, path: 'nope.md', problem: 'missing', message: 'nope.md not found' });
    expect(await files.readText('tree')).toMatchObject({ ok: false, problem: 'not-a-file' });
    expect(await files.readText('binary-nul.md')).toMatchObject({ ok: false, problem: 'binary' });
    expect(await files.exists('tree')).toBe(false);
    expect(await files.exists('tree/README.md')).toBe(true);
  });

  it('refuses paths that leave the root', async () => {
    const files = new DirectorySubmission(tree);
    for (const bad of ['../input/cp1252.txt', '/etc/passwd', 'docs/../../x', 'C:\\Windows\\win.ini']) {
      expect(await files.readText(bad), bad).toMatchObject({ ok: false, problem: 'outside-root' });
      expect(await files.exists(bad)).toBe(false);
    }
    expect(await files.readText('docs\\notes.txt')).toMatchObject({ ok: true, path: 'docs/notes.txt' });
  });

  it('refuses symlinks whose real path leaves the root, and follows those that stay inside', async () => {
    const files = new DirectorySubmission(scratch);
    expect(await files.readText('leak.txt')).toMatchObject({ ok: false, problem: 'outside-root' });
    expect(await files.readBytes('leakdir/secret.txt')).toMatchObject({ ok: false, problem: 'outside-root' });
    expect(await files.exists('leak.txt')).toBe(false);
    expect(await files.readText('alias.md')).toMatchObject({ ok: true, text: '# inner\n' });
    // Linked folders are not followed; .git, node_modules, __pycache__ and .rubricate* are skipped.
    expect(await files.list()).toEqual(['alias.md', 'big.md', 'sub/inner.md']);
  });

  it('refuses an oversized file before reading it, naming both sizes', async () => {
    const files = new DirectorySubmission(scratch, { maxBytes: 4096 });
    expect(await files.readText('big.md')).toEqual({
      ok: false,
      path: 'big.md',
      problem: 'too-large',
      message: 'big.md is too large (4.9 KiB, limit 4.0 KiB)',
    });
    expect(await files.readText('big.md', { maxBytes: 10_000 })).toMatchObject({ ok: true });
    // Bytes have their own, larger default cap.
    expect(await files.readBytes('big.md')).toMatchObject({ ok: true });
    expect(await files.readBytes('big.md', { maxBytes: 100 })).toMatchObject({ ok: false, problem: 'too-large' });
  });

  it('finds the first existing alternative, normalised', async () => {
    const files = new DirectorySubmission(tree);
    expect(await files.findFirst(['src/rope.py', './docs/notes.txt', 'README.md'])).toBe('docs/notes.txt');
    expect(await files.findFirst(['a', 'b'])).toBeUndefined();
  });

  it('reads a file once: its text and its bytes come from the same read', async () => {
    writeFileSync(join(scratch, 'once.md'), 'read me once\n');
    const files = new DirectorySubmission(scratch);
    const bytes = await files.readBytes('once.md');
    unlinkSync(join(scratch, 'once.md'));
    expect(bytes).toMatchObject({ ok: true, path: 'once.md' });
    expect(await files.exists('once.md')).toBe(true);
    expect(await files.readText('./once.md')).toMatchObject({ ok: true, path: 'once.md', text: 'read me once\n' });
    // A smaller cap still refuses the same contents.
    expect(await files.readText('once.md', { maxBytes: 4 })).toMatchObject({ ok: false, problem: 'too-large' });
  });

  it('reads a file deleted after listing as missing, not as a crash', async () => {
    writeFileSync(join(scratch, 'gone.md'), 'x');
    const files = new DirectorySubmission(scratch);
    unlinkSync(join(scratch, 'gone.md'));
    expect(await files.readBytes('gone.md')).toMatchObject({ ok: false, problem: 'missing' });
  });
});

describe('path helpers', () => {
  it('normalises relative paths and refuses escapes', () => {
    expect(normalise('./a//b/./c.md')).toBe('a/b/c.md');
    expect(normalise('a\\b.md')).toBe('a/b.md');
    expect(normalise('../a')).toBeUndefined();
    expect(normalise('/a')).toBeUndefined();
    expect(normalise('')).toBeUndefined();
  });

  it('formats sizes', () => {
    expect(formatBytes(37)).toBe('37 bytes');
    expect(formatBytes(2 * 1024 * 1024)).toBe('2.0 MiB');
  });
});
