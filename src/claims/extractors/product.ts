/**
 * `product`: arithmetic written with its result, in prose or in code blocks.
 *
 *   512 × 128 = 65,536                       ok
 *   32\*32\*3 = 3072, 32 x 32 x 3 = 3072     the whole chain, escaped or spaced
 *   memory: 112*112*64=800K                  ok: 802,816 is 800K to the two figures written
 *   2 × (65536 × 768) + 12 × 12 × 768²       parentheses, sums, squares
 *         = 185,597,952                      a result on the next line
 *   24M * 4 bytes ~= 93MB                    approximate (5 %)
 *
 * The expression must use an operator and end right before `=` (or `≈`,
 * `~=`); its numbers are taken as written, the result with its precision (a
 * whole result ending in zeros may be rounded there: 33,554,000).
 * Not claims: `a = 2 * 3` (no number before the expression's `=`), `0x10`,
 * `4× longer`, `O(N²)`, `x == 3`, arithmetic inside LaTeX, and in a code
 * block of a programming language anything not written with × or ·.
 */
import type { ClaimsDocument } from '../document.js';
import { compare, makeClaim, type Extractor } from '../extractor.js';
import { expressionAt, type Expr } from '../expression.js';
import { exactly, formatPlain, quantitiesIn } from '../quantity.js';
import type { Claim } from '../types.js';

/** `=`, `≈` or `~=` not part of `==`, `<=`, `>=`, `!=`, `=>`. */
const EQUALS = /(?<![=<>!~])(?:~=|=(?![=>])|≈)/g;

/** The longest expression ending right before `end` (scanning back over number and operator characters). */
function expressionBefore(text: string, end: number): Expr | undefined {
  const head = text.slice(0, end);
  const m = /(?:[\d\s.,×*·⋅✕x+\-−/÷()²³KMBkT]|thousand|million|billion|trillion|(?<=\d)e[+-]?\d)*$/.exec(head);
  if (!m) return undefined;
  let start = m.index;
  // Try the widest start first, then narrower ones at token boundaries.
  for (; start < end; start++) {
    const ch = head[start]!;
    if (!/[\d(]/.test(ch)) continue;
    if (start > 0 && /[\w.]/.test(head[start - 1]!) && !/[×*·x(]/.test(head[start - 1]!)) continue;
    const expr = expressionAt(text, start, end);
    if (expr && expr.end >= end - (head.length - head.trimEnd().length) - 0 && text.slice(expr.end, end).trim() === '') return expr;
  }
  return undefined;
}

function checkLine(doc: ClaimsDocument, line: number, text: string, previous: Expr | undefined): { claims: Claim[]; carry?: Expr } {
  const claims: Claim[] = [];
  if (/\\(?:times|frac|cdot|mathbb)|\$\$?/.test(text)) return { claims };
  EQUALS.lastIndex = 0;
  let carry: Expr | undefined;
  const marks = [...text.matchAll(EQUALS)];
  for (const mark of marks) {
    const at = mark.index!;
    const approx = mark[0] !== '=';
    const leading = text.slice(0, at).trim() === '';
    const left = leading ? previous : expressionBefore(text, at);
    if (!left || left.ops.size === 0 || left.terms.length < 2) continue;
    if (/^0x/i.test(text.slice(left.start, left.start + 2))) continue;
    const right = expressionAt(text, at + mark[0].length);
    if (!right) continue;
    // The right side is a single number (a result), or another expression: then both sides must be equal
    // (the right one written from the left one), and it is carried to the next `=`.
    if (right.ops.size > 0) {
      carry = right;
      const first = right.terms[0]!;
      const tolerance = right.terms.reduce((acc, t) => acc + (t.hi - t.lo) / 2, 0);
      const equal = Math.abs(left.value - right.value) <= Math.max(1e-9 * Math.abs(left.value), tolerance * Math.abs(right.value) / Math.max(1e-300, Math.abs(first.value)) + 1e-9);
      if (left.terms.length >= 2 && right.terms.length >= 2 && left.ops.has('*') && right.ops.size > 0) {
        claims.push(
          makeClaim(doc, 'product', {
            status: equal ? 'ok' : 'fail',
            line,
            column: first.index + 1,
            message: equal ? `${right.text} agrees with ${left.text} = ${formatPlain(left.value)}` : `Stated ${right.text} = ${formatPlain(right.value)} does not match ${left.text} = ${formatPlain(left.value)}; tolerance: the precision of the numbers written`,
            stated: right.text,
            expected: formatPlain(left.value),
            items: left.terms.map((t) => ({ line, text: t.text })),
            tolerance: 'the precision of the numbers written',
          }),
        );
      }
      continue;
    }
    const result = quantitiesIn(text, at + mark[0].length).find((q) => q.index === right.start || text.slice(at + mark[0].length, q.index).trim().replace(/^[~≈]/, '') === '');
    if (!result || result.dimension === 'percent' || result.dimension === 'ratio') continue;
    // What follows the result must not continue the arithmetic ("= 7 + 1").
    if (/^\s*[+\-−*×/÷^]\s*\d/.test(text.slice(result.index + result.length))) continue;
    let stated = approx && !result.approx ? { ...result, approx: true, lo: Math.min(result.lo, result.value - 0.05 * Math.abs(result.value)), hi: Math.max(result.hi, result.value + 0.05 * Math.abs(result.value)) } : result;
    // A whole result ending in two or more zeros may be rounded there: 33,554,000 for 33,554,432.
    const zeros = /(?:,?0){2,}$/.exec(result.text.replace(/\s*[A-Za-z%]+$/, ''))?.[0].replace(/,/g, '').length ?? 0;
    if (zeros >= 2 && result.decimals === 0 && !result.scaled && result.value !== 0) {
      const step = 10 ** zeros * result.factor;
      stated = { ...stated, step, lo: Math.min(stated.lo, result.value - step / 2), hi: Math.max(stated.hi, result.value + step / 2) };
    }
    // A result with a unit is compared in base units, and — when the expression does not carry
    // that unit (it divides it away, or has none) — also as written: "… / 1,073,741,824 = 19 GB".
    const items = left.terms.map((t) => ({ line, text: t.text }));
    let claim = compare(doc, 'product', stated, { line, column: result.index + 1 }, exactly(left.value), { what: 'Stated result', how: left.text, items });
    const carriesUnit = left.terms.some((t) => t.dimension === result.dimension) && !left.ops.has('/');
    if (claim.status !== 'ok' && result.factor !== 1 && !carriesUnit) {
      const asWritten = { ...stated, value: stated.value / stated.factor, lo: stated.lo / stated.factor, hi: stated.hi / stated.factor, step: stated.step / stated.factor, factor: 1, dimension: 'count' as const, unit: '' };
      const alt = compare(doc, 'product', asWritten, { line, column: result.index + 1 }, exactly(left.value), { what: 'Stated result', how: left.text, items });
      claim = alt.status === 'ok' ? { ...alt, stated: stated.text } : { ...claim, message: alt.message.replace(/^Stated result \S+/, `Stated result ${stated.text}`) };
    }
    claims.push(claim);
    carry = undefined;
  }
  // A line ending in "= <expression>" carries it to a next line that starts with "=".
  const lastMark = marks[marks.length - 1];
  if (lastMark) {
    const right = expressionAt(text, lastMark.index! + lastMark[0].length);
    if (right && right.ops.size > 0 && text.slice(right.end).trim() === '') carry = right;
  } else {
    const whole = expressionAt(text, text.search(/\S/));
    if (whole && whole.ops.size > 0 && text.slice(whole.end).trim() === '') carry = whole;
  }
  return { claims, ...(carry ? { carry } : {}) };
}

export const product: Extractor = {
  kind: 'product',
  summary: 'arithmetic with its result: "512 × 128 = 65,536", "112*112*64=800K", a sum or product continued on the next line',
  covers: ['product'],
  extract(doc: ClaimsDocument): Claim[] {
    const claims: Claim[] = [];
    const run = (lines: Array<{ line: number; text: string }>) => {
      let previous: Expr | undefined;
      let previousLine = -1;
      for (const { line, text } of lines) {
        if (!text.trim()) continue;
        const { claims: found, carry } = checkLine(doc, line, text, previousLine === line - 1 ? previous : undefined);
        claims.push(...found);
        previous = carry;
        previousLine = line;
      }
    };
    run(doc.prose.map((text, i) => ({ line: i + 1, text })));
    // In a code block of a programming language, only arithmetic written with × or · (which no such language
    // uses) is a claim, with the lines that continue it ("= 83,886,080").
    for (const c of doc.code) {
      if (!c.program) {
        run(c.lines);
        continue;
      }
      let kept = -1;
      run(c.lines.filter((l) => {
        const keep = /\d\s*[×·⋅✕]\s*\d/.test(l.text) || (kept === l.line - 1 && /^\s*=/.test(l.text));
        if (keep) kept = l.line;
        return keep;
      }));
    }
    return claims;
  },
};
