/**
 * The isolation levels hostile-fixture tests run at, with whether this
 * machine has each and why not, for `describe.skipIf(...)` names that say
 * which levels ran. `fresh` is the level `auto` picks on a machine without
 * bubblewrap (namespaces as root with unshare, rlimits otherwise).
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { bwrapWorks, namespacesWork } from '../../src/runner/sandbox.js';
import type { IsolationLevel } from '../../src/runner/types.js';

export interface LevelCase {
  level: IsolationLevel;
  available: boolean;
  /** The level's name in test titles, with the skip reason when it is missing here. */
  title: string;
}

const bwrap = await bwrapWorks();
const namespaces = await namespacesWork();

/** What `auto` gives on a fresh machine without bubblewrap. */
export const freshLevel: IsolationLevel = namespaces ? 'namespaces' : 'rlimits';

function levelCase(level: IsolationLevel, available: boolean, missing: string): LevelCase {
  const fresh = level === freshLevel ? ' (what a machine without bubblewrap gets)' : '';
  return { level, available, title: `${level}${fresh}${available ? '' : ` [skipped: ${missing}]`}` };
}

/** bwrap and namespaces: the levels that isolate the file system. */
export const sandboxedLevels: LevelCase[] = [
  levelCase('bwrap', bwrap, 'bubblewrap is not installed or does not work here'),
  levelCase('namespaces', namespaces, 'needs root and unshare'),
];

export const allLevels: LevelCase[] = [...sandboxedLevels, levelCase('rlimits', true, '')];

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
