/**
 * The scratch copy of a submission (plain sessions) and its in-memory image
 * (fork servers): entries that cannot be copied are left out and named, the
 * rest is copied.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareScratch, readSubmissionImage, removeScratch } from '../../src/runner/sandbox.js';

let root: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'rubricate-scratch-'));
  writeFileSync(join(root, 'rope.py'), 'x = 1\n');
  // 300 folders of 200 characters: a path of 60 KB, far over PATH_MAX (made relative to each folder in turn).
  execFileSync('python3', ['-c', "import os\nfor _ in range(300):\n    os.mkdir('d' * 200)\n    os.chdir('d' * 200)\nopen('deep.txt', 'w').write('x')"], { cwd: root });
});
afterAll(() => execFileSync('rm', ['-rf', root]));

describe('copying a submission with a folder nested past PATH_MAX', () => {
  it('copies the rest and names the folder it left out', async () => {
    const scratch = await prepareScratch(root);
    try {
      expect(readFileSync(join(scratch.work, 'rope.py'), 'utf8')).toBe('x = 1\n');
      expect(scratch.skipped).toHaveLength(1);
      expect(scratch.skipped[0]).toMatch(/^d{120}\.\.\.d{60} \(unreadable: ENAMETOOLONG\)$/);
    } finally {
      await removeScratch(scratch);
    }
  });

  it('reads the same image for a fork server', () => {
    const image = readSubmissionImage(root);
    expect(image.files.map((f) => f.path)).toEqual(['rope.py']);
    expect(image.skipped).toEqual([expect.stringMatching(/\(unreadable: ENAMETOOLONG\)$/)]);
  });
});
