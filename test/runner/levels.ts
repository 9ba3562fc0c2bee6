/**
 * The isolation levels hostile-fixture tests run at. Every level is always
 * collected; `options` skips a level this machine lacks with the reason
 * (test/helpers/machine.ts, test/README.md). `freshLevel` is the level `auto`
 * picks on a machine without bubblewrap (namespaces as root with unshare,
 * rlimits otherwise).
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { TestOptions } from 'vitest';
import { has, needsLevel } from '../helpers/machine.js';
import type { IsolationLevel } from '../../src/runner/types.js';

export interface LevelCase {
  level: 'bwrap' | 'namespaces' | 'rlimits';
  /** The level's name in test titles. */
  title: string;
  /** Test options: skipped with the reason on a machine without the level. */
  options: TestOptions;
}

/** What `auto` gives on a fresh machine without bubblewrap. */
export const freshLevel: IsolationLevel = has('namespaces') ? 'namespaces' : 'rlimits';

function levelCase(level: LevelCase['level']): LevelCase {
  const fresh = level === freshLevel ? ' (what a machine without bubblewrap gets)' : '';
  return { level, title: `${level}${fresh}`, options: needsLevel(level) };
}

/** bwrap and namespaces: the levels that isolate the file system. */
export const sandboxedLevels: LevelCase[] = [levelCase('bwrap'), levelCase('namespaces')];

export const allLevels: LevelCase[] = [...sandboxedLevels, levelCase('rlimits')];

/** A host file with a random token, outside every submission, and a marker path beside it that attacks try to create. */
export interface HostSecret {
  dir: string;
  file: string;
  token: string;
  marker: string;
}

export function hostSecret(): HostSecret {
  const dir = mkdtempSync(join(tmpdir(), 'rubricate-host-secret-'));
  const token = `rubricate_host_token_${randomBytes(8).toString('hex')}`;
  const file = join(dir, 'secret.txt');
  writeFileSync(file, `${token}\n`);
  return { dir, file, token, marker: join(dir, 'marker.txt') };
}

/** A copy of fixture `source` in a temp folder with `__HOST_FILE__` and `__MARKER__` filled in. */
export function instantiate(source: string, secret: HostSecret): string {
  const root = mkdtempSync(join(tmpdir(), 'rubricate-hostile-'));
  cpSync(source, root, { recursive: true });
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else writeFileSync(full, readFileSync(full, 'utf8').replaceAll('__HOST_FILE__', secret.file).replaceAll('__MARKER__', secret.marker));
    }
  };
  walk(root);
  return root;
}

export function removeAll(...dirs: string[]): void {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}
