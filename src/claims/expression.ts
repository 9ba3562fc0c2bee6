/**
 * Arithmetic written in a line: `512 × 128 = 65,536`, `32\*32\*3 = 3072`,
 * `(3*3*64)*128 = 73,728`, `2 × (65536 × 768) + 12 × 12 × 768²`,
 * `24M * 4 bytes ~= 93MB`. Tokens are numbers (read by the shared quantity
 * model, with K/M/B suffixes), the operators × x * · + - − / and ², ³, and
 * parentheses; anything else ends the expression.
 */
import { quantitiesIn, type Quantity } from './quantity.js';

export type Op = '+' | '-' | '*' | '/';

export interface Expr {
  /** Value of the expression from the numbers as written. */
  value: number;
  /** Operators used (an expression needs at least one to be a claim). */
  ops: Set<Op | '^'>;
  /** The numbers it used, in order. */
  terms: Quantity[];
  /** Start and end offsets in the text. */
  start: number;
  end: number;
  /** The expression as written, whitespace collapsed. */
  text: string;
}

type Token = { kind: 'num'; q: Quantity; start: number; end: number } | { kind: 'op'; op: Op | '^2' | '^3' | '(' | ')'; start: number; end: number };

const TIMES = /^(?:\s*[×*·⋅✕]\s*|\s+x\s+|(?<=\d)x(?=\d))/;

/** Tokens of an arithmetic expression starting at `from`; stops at the first thing that is not one. */
function tokenize(text: string, from: number, to: number): Token[] {
  const tokens: Token[] = [];
  // Binary + and - are operators here, not signs of the next number.
  const unsigned = text.slice(0, to).replace(/(?<=[\d)]\s*)[+\-−](?=\s*[\d(])/g, ' ');
  const nums = quantitiesIn(unsigned, from).filter((q) => q.dimension === 'count' || q.dimension === 'bytes' || q.dimension === 'time');
  let i = from;
  let expectNumber = true;
  while (i < to) {
    const rest = text.slice(i, to);
    const ws = /^\s*/.exec(rest)![0].length;
    if (expectNumber) {
      if (rest[ws] === '(') {
        tokens.push({ kind: 'op', op: '(', start: i + ws, end: i + ws + 1 });
        i += ws + 1;
        continue;
      }
      const q = nums.find((n) => n.index === i + ws || (n.index > i + ws && text.slice(i + ws, n.index).trim() === '' ));
      if (!q || q.signed) break;
      tokens.push({ kind: 'num', q, start: q.index, end: q.index + q.length });
      i = q.index + q.length;
      expectNumber = false;
      continue;
    }
    const sup = /^[²³]/.exec(rest);
    if (sup) {
      tokens.push({ kind: 'op', op: sup[0] === '²' ? '^2' : '^3', start: i, end: i + 1 });
      i += 1;
      continue;
    }
    if (rest[ws] === ')') {
      tokens.push({ kind: 'op', op: ')', start: i + ws, end: i + ws + 1 });
      i += ws + 1;
      continue;
    }
    const times = TIMES.exec(rest);
    if (times) {
      tokens.push({ kind: 'op', op: '*', start: i, end: i + times[0].length });
      i += times[0].length;
      expectNumber = true;
      continue;
    }
    const other = /^\s*([+\-−/÷])\s*/.exec(rest);
    if (other && /[\d(]/.test(rest[other[0].length] ?? '')) {
      const op: Op = other[1] === '+' ? '+' : other[1] === '/' || other[1] === '÷' ? '/' : '-';
      tokens.push({ kind: 'op', op, start: i, end: i + other[0].length });
      i += other[0].length;
      expectNumber = true;
      continue;
    }
    break;
  }
  // Drop a dangling operator or open parenthesis at the end.
  while (tokens.length > 0) {
    const last = tokens[tokens.length - 1]!;
    if (last.kind === 'op' && last.op !== ')' && last.op !== '^2' && last.op !== '^3') tokens.pop();
    else break;
  }
  return tokens;
}

/** Recursive descent: sum := product (('+'|'-') product)*; product := power (('*'|'/') power)*; power := atom ('^2'|'^3')?. */
function parse(tokens: Token[]): { value: number; ops: Set<Op | '^'>; terms: Quantity[]; used: number } | undefined {
  let pos = 0;
  const ops = new Set<Op | '^'>();
  const terms: Quantity[] = [];
  const atom = (): number | undefined => {
    const t = tokens[pos];
    if (!t) return undefined;
    if (t.kind === 'num') {
      pos++;
      terms.push(t.q);
      return t.q.value;
    }
    if (t.op === '(') {
      pos++;
      const v = sum();
      if (v === undefined || tokens[pos]?.kind !== 'op' || (tokens[pos] as { op: string }).op !== ')') return undefined;
      pos++;
      return v;
    }
    return undefined;
  };
  const power = (): number | undefined => {
    let v = atom();
    const t = tokens[pos];
    if (v !== undefined && t && t.kind === 'op' && (t.op === '^2' || t.op === '^3')) {
      pos++;
      ops.add('^');
      v = v ** (t.op === '^2' ? 2 : 3);
    }
    return v;
  };
  const product = (): number | undefined => {
    let v = power();
    for (;;) {
      const t = tokens[pos];
      if (v === undefined || !t || t.kind !== 'op' || (t.op !== '*' && t.op !== '/')) return v;
      pos++;
      const r = power();
      if (r === undefined) return undefined;
      ops.add(t.op);
      if (t.op === '/' && r === 0) return undefined;
      v = t.op === '*' ? v * r : v / r;
    }
  };
  const sum = (): number | undefined => {
    let v = product();
    for (;;) {
      const t = tokens[pos];
      if (v === undefined || !t || t.kind !== 'op' || (t.op !== '+' && t.op !== '-')) return v;
      pos++;
      const r = product();
      if (r === undefined) return undefined;
      ops.add(t.op);
      v = t.op === '+' ? v + r : v - r;
    }
  };
  const value = sum();
  if (value === undefined) return undefined;
  return { value, ops, terms, used: pos };
}

/** The arithmetic expression that starts at `from` (after optional spaces), if any. */
export function expressionAt(text: string, from: number, to = text.length): Expr | undefined {
  const tokens = tokenize(text, from, to);
  if (tokens.length === 0) return undefined;
  const parsed = parse(tokens);
  if (!parsed || parsed.used === 0) return undefined;
  const used = tokens.slice(0, parsed.used);
  const start = used[0]!.start;
  const end = used[used.length - 1]!.end;
  return { value: parsed.value, ops: parsed.ops, terms: parsed.terms, start, end, text: text.slice(start, end).replace(/\s+/g, ' ') };
}

/**
 * The value a segment states: the number after its last `=` (or `≈`, `~=`),
 * else its first number. `memory:  224*224*3=150K` states 150K.
 */
export function evaluateExpression(text: string, start: number, end: number): { result: Quantity } | undefined {
  const segment = text.slice(0, end);
  const eq = Math.max(segment.lastIndexOf('='), segment.lastIndexOf('≈'));
  const from = eq >= start ? eq + 1 : start;
  const q = quantitiesIn(segment, from)[0];
  return q ? { result: q } : undefined;
}
