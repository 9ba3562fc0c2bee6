/**
 * Every structure the claims engine checks, on short documents written for
 * the purpose (fixtures/claims/structures/): each `X.ok.md` holds only
 * consistent claims, each `X.not-ok.md` the same structure with some numbers
 * wrong. `X.expected.json` lists every claim found, in order, as
 * `line:column status kind stated => expected`: what is not listed must not
 * be found, so the lists guard false alarms as much as misses.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkClaimsText, type Claim } from '../../src/claims/index.js';

const dir = new URL('../../fixtures/claims/structures/', import.meta.url);
const documents = readdirSync(dir).filter((f) => f.endsWith('.md')).sort();
const brief = (c: Claim) => `${c.location.line}:${c.location.column} ${c.status} ${c.kind} ${c.stated} => ${c.expected}`;

describe('structures', () => {
  it('come in ok / not-ok pairs, each with its expectations', () => {
    const names = new Set(readdirSync(dir));
    for (const doc of documents) {
      expect(names.has(doc.replace(/\.md$/, '.expected.json')), doc).toBe(true);
      if (doc.endsWith('.not-ok.md')) expect(names.has(doc.replace('.not-ok.md', '.ok.md')), doc).toBe(true);
    }
  });

  for (const doc of documents) {
    it(doc, () => {
      const claims = checkClaimsText(readFileSync(new URL(doc, dir), 'utf8'), doc);
      const expected = JSON.parse(readFileSync(new URL(doc.replace(/\.md$/, '.expected.json'), dir), 'utf8')) as { claims: string[] };
      expect(claims.map(brief)).toEqual(expected.claims);
      if (doc.endsWith('.ok.md')) expect(claims.filter((c) => c.status !== 'ok').map(brief)).toEqual([]);
      else expect(claims.some((c) => c.status !== 'ok')).toBe(true);
      // Every flag explains itself: the stated value, what it was recomputed from (located), the tolerance.
      for (const c of claims.filter((x) => x.status !== 'ok')) {
        expect(c.message, brief(c)).toContain(c.stated);
        expect(c.message, brief(c)).toMatch(/tolerance|implied/);
        expect(c.items?.length, brief(c)).toBeGreaterThan(0);
        for (const item of c.items ?? []) expect(item.line, brief(c)).toBeGreaterThan(0);
      }
    });
  }
});
