import { existsSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureDir, reasonOf } from '../../src/core/dirs.js';

const root = mkdtempSync(join(tmpdir(), 'rubricate-dirs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('ensureDir', () => {
  it('makes a folder and its missing parents, and accepts one that exists', async () => {
    const dir = join(root, 'a', 'b', 'c');
    await ensureDir(dir);
    expect(statSync(dir).isDirectory()).toBe(true);
    await ensureDir(dir);
  });

  // Node's recursive mkdir spins forever on these two (a parent that exists but cannot hold the child).
  it('rejects a folder under /proc instead of spinning', async () => {
    const error = await ensureDir('/proc/rubricate-test/x').catch((e: unknown) => e);
    expect((error as NodeJS.ErrnoException).code).toBe('ENOENT');
    expect(reasonOf(error)).toBe('a parent folder does not exist or cannot hold folders');
  });

  it('rejects a folder under a dangling symbolic link', async () => {
    const link = join(root, 'dangling');
    symlinkSync(join(root, 'nowhere'), link);
    const error = await ensureDir(join(link, 'out', 'deeper')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(existsSync(join(root, 'nowhere'))).toBe(false);
  });

  it('rejects a folder where a file is in the way', async () => {
    const file = join(root, 'file');
    writeFileSync(file, 'x');
    const inside = await ensureDir(join(file, 'out')).catch((e: unknown) => e);
    expect(reasonOf(inside)).toBe('a parent is a file, not a folder');
    const same = await ensureDir(file).catch((e: unknown) => e);
    expect(reasonOf(same)).toBe('something that is not a folder is in the way');
  });
});
