/**
 * Nothing of one submission is visible to the next (issue 13, class 4): in a
 * batch, each learner process is forked from a warm server and inherits its
 * memory. A hostile submission scans every readable page of its own memory
 * (and of the server's, where the kernel lets it) for a token placed in the
 * PREVIOUS submission's README and secret file, plain or base64-encoded (the
 * old spawn request carried the files base64-encoded through the server). The
 * server never holds a submission's bytes, so the token must never be found:
 * 10 pairs per level, each submission also finding its own token (the scan
 * works).
 */
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ForkServerPool } from '../../src/runner/fork-server.js';
import type { CallOutcome, Value } from '../../src/runner/types.js';
import { probeLevels } from '../helpers/levels.js';

const PREFIX = 'RUBRICATE-SECRET-';
const PAIRS = 10;
const work = mkdtempSync(join(tmpdir(), 'rubricate-memscan-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let made = 0;
/**
 * A submission holding `token` in its README (among `filler` sentences, as a
 * write-up would) and, when `secret`, in a small secret.txt too. The two
 * submissions of a pair differ in shape, as real ones do: same-shaped data
 * would land in the very memory blocks the previous one freed.
 */
function submission(token: string, filler: number, secret: boolean): string {
  const dir = join(work, `s${++made}`);
  mkdirSync(dir);
  copyFileSync(resolve('fixtures/runner/escape/escape.py'), join(dir, 'escape.py'));
  const text = 'The rotation pairs dimensions (2i, 2i+1) and turns each pair by m * theta_i. '.repeat(filler);
  writeFileSync(join(dir, 'README.md'), `# Lab 02\n\n${text}\n\nMy private notes: ${token}\n`);
  if (secret) writeFileSync(join(dir, 'secret.txt'), `${token}\n`);
  return dir;
}

function value(outcome: CallOutcome): Value {
  if (!outcome.ok) throw new Error(`call failed: ${outcome.failure.kind}: ${outcome.failure.message}`);
  return outcome.value;
}

interface Scan {
  own: string[];
  found: string[];
  parent: string[] | string;
}

const probes = await probeLevels();

for (const probe of probes) {
  describe(`fork-server memory at the ${probe.level} level`, probe.options, () => {
    it(`a learner process never finds the previous submission's token in memory it can read (${PAIRS} pairs)`, async () => {
      const pool = (await ForkServerPool.create({ isolation: probe.level }))!;
      expect(pool).toBeDefined();
      const leaks: string[] = [];
      try {
        for (let pair = 0; pair < PAIRS; pair++) {
          const first = `${PREFIX}${randomBytes(16).toString('hex')}`;
          const second = `${PREFIX}${randomBytes(16).toString('hex')}`;
          const a = await pool.open({ root: submission(first, 1 + pair, true), module: 'escape.py' });
          const scanA = value(await a.call('memory_scan', [PREFIX])) as Scan;
          await a.close();
          const b = await pool.open({ root: submission(second, 40 + 7 * pair, false), module: 'escape.py' });
          const scanB = value(await b.call('memory_scan', [PREFIX])) as Scan;
          await b.close();
          // The scan works: each process finds its own token (in its files and in its memory).
          expect(scanA.own).toEqual([first]);
          expect(scanB.own).toEqual([second]);
          expect(scanA.found).toContain(first);
          expect(scanB.found).toContain(second);
          const parent = Array.isArray(scanB.parent) ? scanB.parent : [];
          if (scanB.found.includes(first) || parent.includes(first)) leaks.push(`pair ${pair}`);
          // Only at the rlimits level (same uid, every capability) can the learner read the server.
          if (probe.level !== 'rlimits') expect(scanB.parent).toMatch(/^E(ACCES|PERM)$/);
          else expect(parent).not.toContain(first);
        }
      } finally {
        await pool.close();
      }
      expect(leaks).toEqual([]);
    }, 600_000);
  });
}
