/**
 * `product`: a multiplication stated with its result.
 *
 *   512 × 128 = 65,536           ok
 *   512 x 128 = 65,535           fail: expected 65,536
 *   2 * 3 * 4 = 24               ok
 *   512 × 128 ≈ 65.5K            ok (K, M, B suffixes; ≈ allows 5 %)
 *
 * Not claims: `1 + 2 * 3 = 7` (a term of a larger expression), `0x10 = 16`
 * (hexadecimal), `4× longer`, `O(N²)`.
 */
import type { ClaimsDocument } from '../document.js';
import { groupColumn, makeClaim, matchLines, type Extractor } from '../extractor.js';
import { CORE, LB, agrees, describeExpected, formatExact, parseNumber } from '../numbers.js';
import type { Claim } from '../types.js';

const TIMES = String.raw`(?:\s*[×*·⋅]\s*|\s+x\s+|(?<=\d)x(?=\d))`;
const FACTOR_LA = String.raw`(?![\d]|[.,]\d|[A-Za-wyzA-Z_²³¹⁰₀-₉])`;
const PRODUCT = new RegExp(
  String.raw`(?<![+\-−*\/^×=÷]\s*)${LB}(?<chain>${CORE}${FACTOR_LA}(?:${TIMES}${CORE}${FACTOR_LA}){1,5})\s*(?<rel>=|≈|~=|~)\s*(?<approx>[~≈]\s*)?(?<c>${CORE})(?<suffix>[KMB])?(?![\d]|[.,]\d|[A-Za-z_²³])(?!\s*[+\-−*\/^×÷]\s*\d)`,
  'gd',
);
const SUFFIX: Record<string, number> = { K: 1e3, M: 1e6, B: 1e9 };

export const product: Extractor = {
  kind: 'product',
  summary: 'a multiplication with its result: "512 × 128 = 65,536"',
  extract(doc: ClaimsDocument): Claim[] {
    const claims: Claim[] = [];
    for (const { match, line } of matchLines(doc, PRODUCT)) {
      const g = match.groups!;
      if (/^0x/i.test(g.chain!)) continue;
      const factors = g.chain!.split(new RegExp(TIMES)).map((f) => parseNumber(f));
      if (factors.length < 2 || factors.some((f) => !f)) continue;
      const c = parseNumber(g.c!);
      if (!c) continue;
      const scale = g.suffix ? SUFFIX[g.suffix]! : 1;
      const computed = factors.reduce((acc, f) => acc * f!.value, 1) / scale;
      const approx = g.rel !== '=' || Boolean(g.approx);
      // A decimal factor makes the result approximate at the stated precision of the result.
      const ok = agrees(computed, c.value, c.decimals, approx);
      const shown = factors.map((f) => formatExact(f!.value)).join(' × ');
      const expected = describeExpected(computed, c.decimals, g.suffix ?? '');
      claims.push(
        makeClaim(doc, 'product', {
          status: ok ? 'ok' : 'fail',
          line,
          column: groupColumn(match, 'c'),
          stated: `${g.c}${g.suffix ?? ''}`,
          expected,
          message: ok ? `${shown} = ${expected}, as stated` : `Stated product ${g.c}${g.suffix ?? ''} does not match ${shown} = ${expected}`,
        }),
      );
    }
    return claims;
  },
};
