/**
 * The cache key covers exactly what the sandbox gets: both come from the
 * submission's one file list. Changing any byte of any file learner code can
 * see changes the key; files the list leaves out (.ipynb_checkpoints,
 * __pycache__...) are in neither.
 */
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheKey } from '../../src/batch/cache-key.js';
import { listSubmission } from '../../src/input/listing.js';
import { readSubmissionImage } from '../../src/runner/sandbox.js';

const fixture = new URL('../../fixtures/rope-lab02/ok-interleaved/', import.meta.url).pathname;
let root: string;

beforeAll(() => {
  root = join(mkdtempSync(join(tmpdir(), 'rubricate-cache-key-')), 'sub');
  cpSync(fixture, root, { recursive: true });
  // What Jupyter and Python leave beside the code, and a file reached only through a link into a skipped folder.
  mkdirSync(join(root, '.ipynb_checkpoints'));
  writeFileSync(join(root, '.ipynb_checkpoints', 'rope-checkpoint.py'), 'raise SystemExit(1)\n');
  mkdirSync(join(root, '__pycache__'));
  writeFileSync(join(root, '__pycache__', 'rope.cpython-311.pyc'), 'bytecode');
  mkdirSync(join(root, '.git'));
  writeFileSync(join(root, '.git', 'helper.py'), 'HELPER = 1\n');
  symlinkSync('.git/helper.py', join(root, 'helper.py'));
});
afterAll(() => rmSync(join(root, '..'), { recursive: true, force: true }));

const key = () => cacheKey({ root, toolVersion: 'test', rubricText: 'rubric' });

describe('cache key', () => {
  it('changes with every file the sandbox copy holds, and with nothing it leaves out', async () => {
    const image = readSubmissionImage(root);
    const copied = image.files.map((f) => f.path).sort();
    expect(copied).toEqual(['README.md', 'helper.py', 'manifest.json', 'relative_position_demo.png', 'src/minimodel/positional/rope.py', 'verify.py', 'verify_output.txt']);
    // Every copied file: one more byte changes the key (helper.py through its link's target).
    for (const rel of copied) {
      const before = await key();
      appendFileSync(join(root, rel), ' ');
      expect(await key(), rel).not.toBe(before);
    }
    // Files under skipped folders are neither copied nor hashed: changing them is rightly a cache hit.
    for (const rel of ['.ipynb_checkpoints/rope-checkpoint.py', '__pycache__/rope.cpython-311.pyc']) {
      expect(copied).not.toContain(rel);
      const before = await key();
      appendFileSync(join(root, rel), ' ');
      expect(await key(), rel).toBe(before);
    }
  });

  it('changes when an entry the list refuses appears, and has no value for a list cut short', async () => {
    const before = await key();
    symlinkSync('/etc/hostname', join(root, 'leak.txt'));
    expect(await key()).not.toBe(before);
    rmSync(join(root, 'leak.txt'));
    expect(await key()).toBe(before);
    expect(await cacheKey({ root, toolVersion: 'test', rubricText: 'rubric', listing: listSubmission(root, 3) })).toBeUndefined();
  });
});
