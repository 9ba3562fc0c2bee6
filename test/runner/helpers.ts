import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** sha256 over every path and file content under `dir` (sorted): any write, creation or deletion changes it. */
export function hashTree(dir: string): string {
  const hash = createHash('sha256');
  const walk = (rel: string): void => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const relPath = rel ? `${rel}/${name}` : name;
      const full = join(dir, relPath);
      const info = statSync(full);
      hash.update(`${relPath}\0${info.isDirectory() ? 'dir' : info.size}\0`);
      if (info.isDirectory()) walk(relPath);
      else hash.update(readFileSync(full));
    }
  };
  walk('');
  return hash.digest('hex');
}

/** Pids of live processes whose command line contains `needle` (this process excluded). */
export function processesWith(needle: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'latin1');
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (state === 'Z' || state === 'X') continue;
      if (readFileSync(`/proc/${name}/cmdline`).includes(needle)) out.push(Number(name));
    } catch {
      /* gone */
    }
  }
  return out;
}
