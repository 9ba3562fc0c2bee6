/**
 * The Node floor in package.json `engines` is real: this Node is inside it,
 * every installed package runs on the lowest Node of each release line it
 * allows, and the code is type-checked against the floor's own API
 * (@types/node of the floor's minor release: `tsc` rejects a node: API
 * added later, such as fs.globSync from Node 22).
 */
import { readFileSync } from 'node:fs';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const root = new URL('../', import.meta.url);
const readJson = <T>(rel: string): T => JSON.parse(readFileSync(new URL(rel, root), 'utf8')) as T;

const engines = readJson<{ engines: { node: string } }>('package.json').engines.node;
/** The lowest Node of each release line package.json allows (^20.19.0 || >=22.13.0 -> 20.19.0, 22.13.0). */
const floors = new semver.Range(engines).set.map((comparators) => semver.minVersion(comparators.map((c) => c.value).join(' '))!.version);

describe('the Node floor (package.json engines)', () => {
  it('names a lowest version on each release line it allows', () => {
    expect(floors.length).toBeGreaterThan(0);
    for (const floor of floors) expect(semver.satisfies(floor, engines), floor).toBe(true);
  });

  it('includes the Node running the tests', () => {
    expect(semver.satisfies(process.version, engines), `Node ${process.version} is outside package.json engines (${engines})`).toBe(true);
  });

  it('is supported by every installed package', () => {
    const lock = readJson<{ packages: Record<string, { engines?: { node?: string } | string[] }> }>('package-lock.json');
    const refusing: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      if (path === '' || !entry.engines || Array.isArray(entry.engines) || !entry.engines.node) continue;
      for (const floor of floors) {
        if (!semver.satisfies(floor, entry.engines.node)) refusing.push(`${path.replace(/^.*node_modules\//, '')} needs node ${entry.engines.node}, engines allows ${floor}`);
      }
    }
    expect(refusing).toEqual([]);
  });

  it('is the Node API the code is type-checked against (@types/node of the floor)', () => {
    const types = readJson<{ version: string }>('node_modules/@types/node/package.json').version;
    const lowest = floors.map((v) => semver.parse(v)!).sort(semver.compare)[0]!;
    // @types/node follows Node's major and minor: newer types would let code use APIs the floor lacks.
    expect(`${semver.major(types)}.${semver.minor(types)}`).toBe(`${lowest.major}.${lowest.minor}`);
  });
});
