/**
 * `percent-of`: a fraction stated with its percentage.
 *
 *   3 / 4 steps (75% of core implementations)     ok: 75
 *   23 hours / 32 hours (72% complete)            ok: 71.875 rounds to 72
 *   3 of 4 tests (80%)                            fail: expected 75%
 *   75% (3/4)                                     ok
 *   3 steps (75% of 4)                            ok
 *   75% of 4 steps is 3                           ok
 *
 * The stated precision decides: the percentage must equal 100 X / Y rounded
 * (or truncated) to as many decimals as it states; `~72%` allows 5 %.
 * Not claims: `10 / 15 / 20`, dates (1/2/2024), `2/3 of the time`.
 */
import type { ClaimsDocument } from '../document.js';
import { groupColumn, makeClaim, matchLines, type Extractor } from '../extractor.js';
import { CORE, LA, LB, agrees, describeExpected, formatExact, parseNumber } from '../numbers.js';
import type { Claim } from '../types.js';

const UNIT = String.raw`(?:\s+[A-Za-z][\w-]*){0,3}?`;
const SEP = String.raw`\s*(?:\/|\bout\s+of\b|\bof\b)\s*`;
const APPROX = String.raw`(?<approx>[~≈]\s*|(?:about|approx\.?|approximately|roughly|nearly|almost)\s+)?`;
/** X [unit] / Y [unit] (Z%   — the percentage first in a parenthesis or after a comma/colon/dash. */
const FRACTION_THEN_PERCENT = new RegExp(
  String.raw`(?<!\/\s*)${LB}(?<x>${CORE})${LA}(?<xu>${UNIT})${SEP}(?<y>${CORE})${LA}(?!\s*\/\s*\d)(?<yu>${UNIT})\s*(?:\(|,|:|—|–|-|=)\s*${APPROX}(?<z>${CORE})\s*%`,
  'gd',
);
/** Z% (X/Y)  or  Z% (X of Y). */
const PERCENT_THEN_FRACTION = new RegExp(
  String.raw`${LB}${APPROX}(?<z>${CORE})\s*%\s*\(\s*(?<x>${CORE})${LA}(?<xu>${UNIT})${SEP}(?<y>${CORE})${LA}(?!\s*\/\s*\d)(?<yu>${UNIT})\s*\)`,
  'gd',
);

/** X [unit] (Z% of Y [unit]). */
const PART_THEN_SHARE = new RegExp(
  String.raw`${LB}(?<x>${CORE})${LA}(?<xu>${UNIT})\s*\(\s*${APPROX}(?<z>${CORE})\s*%\s+of\s+(?:the\s+)?(?<y>${CORE})${LA}(?<yu>${UNIT})\s*\)`,
  'gd',
);
/** Z% of Y [unit] is X  /  Z% of Y = X. */
const SHARE_IS_PART = new RegExp(
  String.raw`${LB}${APPROX}(?<z>${CORE})\s*%\s+of\s+(?:the\s+)?(?<y>${CORE})${LA}(?<yu>${UNIT})\s*(?:=|≈|\bis\b|\bare\b|\bgives\b|\bmakes\b)\s*(?<x>${CORE})${LA}(?<xu>${UNIT})`,
  'gd',
);

export const percentOf: Extractor = {
  kind: 'percent-of',
  summary: 'a fraction stated with its percentage: "3 / 4 steps (75%)", "72% (23/32)"',
  extract(doc: ClaimsDocument): Claim[] {
    const claims: Claim[] = [];
    const seen = new Set<string>();
    for (const pattern of [FRACTION_THEN_PERCENT, PERCENT_THEN_FRACTION, PART_THEN_SHARE, SHARE_IS_PART]) {
      for (const { match, line } of matchLines(doc, pattern)) {
        const g = match.groups!;
        const x = parseNumber(g.x!);
        const y = parseNumber(g.y!);
        const z = parseNumber(g.z!);
        if (!x || !y || !z || y.value === 0) continue;
        const xu = g.xu!.trim();
        const yu = g.yu!.trim();
        // "3 hours / 4 days": different units are not a fraction.
        if (xu && yu && xu.split(/\s+/)[0]!.toLowerCase() !== yu.split(/\s+/)[0]!.toLowerCase()) continue;
        const column = groupColumn(match, 'z');
        const key = `${line}:${column}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const computed = (100 * x.value) / y.value;
        const approx = Boolean(g.approx);
        const ok = agrees(computed, z.value, z.decimals, approx);
        const fraction = `${g.x}${xu ? ' ' + xu : ''} / ${g.y}${yu ? ' ' + yu : ''}`;
        const expected = `${describeExpected(computed, z.decimals, '%')}`;
        claims.push(
          makeClaim(doc, 'percent-of', {
            status: ok ? 'ok' : 'fail',
            line,
            column,
            stated: `${approx ? '~' : ''}${g.z}%`,
            expected,
            message: ok
              ? `${fraction} = ${formatExact(computed)}%, stated as ${approx ? '~' : ''}${g.z}%`
              : `Stated ${approx ? '~' : ''}${g.z}% does not match ${fraction} = ${expected}`,
          }),
        );
      }
    }
    return claims;
  },
};
