/**
 * Rubric authors' regular expressions, run in linear time.
 *
 * A rubric's `/regex/` is written by a course author and runs on learner
 * text. JavaScript's engine backtracks: `(a+)+$`, or merely a few adjacent
 * `\s*`, can take exponential or high-polynomial time on a crafted or
 * unlucky input, and nothing can interrupt it. So author patterns are parsed
 * (with @eslint-community/regexpp, the parser ESLint uses) and compiled to
 * the Pike VM of `linear.ts`, whose work is at most (input length) ×
 * (program size) whatever the pattern.
 *
 * The subset: characters, escapes, classes (with ranges, `\d \w \s`, `\p{...}`
 * under `u`), `.`, groups (capturing groups are just groups), alternation,
 * greedy and lazy quantifiers with bounds, `^ $` (and `m`), `\b \B`; flags
 * `i m s u` (`g y d` are accepted and ignored). Not in the subset, refused
 * when the rubric loads with the position of the construct: backreferences
 * and lookaround (they need backtracking), and `v`-mode set operations.
 * Matching is over UTF-16 code units, as JavaScript does without `u`.
 */
import { RegExpParser, type AST } from '@eslint-community/regexpp';
import { compile, ProgramTooLarge, search, type Budget, type Node, type Program, type Span } from './linear.js';

export interface SafeRegex {
  source: string;
  flags: string;
  program: Program<string>;
}

export type CompiledRegex = { ok: true; regex: SafeRegex } | { ok: false; message: string; offset: number };

const parser = new RegExpParser({ ecmaVersion: 2025 });
const cache = new Map<string, CompiledRegex>();

/** Compiles `source` with `flags` into a linear-time regex, or says why not (with the offset in `source`). */
export function compileRegex(source: string, flags = ''): CompiledRegex {
  const key = `${flags}/${source}`;
  let hit = cache.get(key);
  if (!hit) {
    hit = compileUncached(source, flags);
    if (cache.size > 5000) cache.clear();
    cache.set(key, hit);
  }
  return hit;
}

function compileUncached(source: string, flags: string): CompiledRegex {
  const unknown = flags.replace(/[gimsuyd]/g, '');
  if (unknown) return { ok: false, message: `unsupported flag '${unknown[0]}' (supported: i, m, s, u)`, offset: 0 };
  const f = { i: flags.includes('i'), m: flags.includes('m'), s: flags.includes('s'), u: flags.includes('u') };
  let pattern: AST.Pattern;
  try {
    pattern = parser.parsePattern(source, 0, source.length, { unicode: f.u });
  } catch (error) {
    const e = error as { message: string; index?: number };
    return { ok: false, message: `invalid regular expression: ${e.message.replace(/^Invalid regular expression: /, '')}`, offset: e.index ?? 0 };
  }
  try {
    const node = fromAst(pattern, f);
    return { ok: true, regex: { source, flags, program: compile(node) } };
  } catch (error) {
    if (error instanceof Unsupported) return { ok: false, message: error.message, offset: error.offset };
    if (error instanceof ProgramTooLarge) return { ok: false, message: `pattern too large once its repetitions are expanded (${error.message})`, offset: 0 };
    throw error;
  }
}

/** Leftmost match of `regex` in `text` at or after `from`; `'budget'` when the document's budget ran out. */
export function regexSearch(regex: SafeRegex, text: string, budget: Budget, from = 0): Span | null | 'budget' {
  return search(regex.program, text, text.length, from, budget);
}

class Unsupported extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

type Flags = { i: boolean; m: boolean; s: boolean; u: boolean };
type CharTest = (c: string) => boolean;

const isLineTerminator = (c: string) => c === '\n' || c === '\r' || c === '\u2028' || c === '\u2029';
const isWord = (c: string | undefined) => c !== undefined && /[A-Za-z0-9_]/.test(c);

function fromAst(pattern: AST.Pattern, f: Flags): Node<string> {
  return alternatives(pattern.alternatives, f);
}

function alternatives(list: AST.Alternative[], f: Flags): Node<string> {
  const options = list.map((a) => ({ type: 'seq', items: a.elements.map((e) => element(e, f)) }) as Node<string>);
  return options.length === 1 ? options[0]! : { type: 'alt', options };
}

function element(e: AST.Element, f: Flags): Node<string> {
  switch (e.type) {
    case 'Character':
    case 'CharacterSet':
    case 'CharacterClass':
    case 'ExpressionCharacterClass': {
      const test = charTest(e, f);
      return { type: 'sym', test: (s, at) => test(s[at]!) };
    }
    case 'Group':
    case 'CapturingGroup':
      return alternatives(e.alternatives, f);
    case 'Quantifier':
      return { type: 'repeat', node: element(e.element, f), min: e.min, max: e.max, greedy: e.greedy };
    case 'Assertion':
      switch (e.kind) {
        case 'start':
          return { type: 'assert', test: (s, at) => at === 0 || (f.m && isLineTerminator(s[at - 1]!)) };
        case 'end':
          return { type: 'assert', test: (s, at) => at === s.length || (f.m && isLineTerminator(s[at]!)) };
        case 'word': {
          const negate = e.negate;
          return { type: 'assert', test: (s, at) => (isWord(s[at - 1]) !== isWord(s[at])) !== negate };
        }
        default:
          throw new Unsupported(`${e.kind === 'lookahead' ? 'lookahead' : 'lookbehind'} '${e.raw}' is not supported in rubric patterns (they run in linear time, without backtracking)`, e.start);
      }
    case 'Backreference':
      throw new Unsupported(`backreference '${e.raw}' is not supported in rubric patterns (they run in linear time, without backtracking)`, e.start);
    default:
      throw new Unsupported(`'${(e as AST.Node).raw}' is not supported in rubric patterns`, (e as AST.Node).start);
  }
}

function charTest(e: AST.Character | AST.CharacterSet | AST.CharacterClass | AST.ExpressionCharacterClass | AST.CharacterClassRange | AST.ClassSetOperand | AST.CharacterClassElement, f: Flags): CharTest {
  switch (e.type) {
    case 'Character': {
      const c = String.fromCodePoint(e.value);
      if (!f.i) return (x) => x === c;
      const lower = c.toLowerCase();
      const upper = c.toUpperCase();
      return (x) => x === lower || x === upper || x.toLowerCase() === lower;
    }
    case 'CharacterClassRange': {
      const lo = e.min.value;
      const hi = e.max.value;
      const inRange = (x: string) => {
        const cp = x.codePointAt(0)!;
        return cp >= lo && cp <= hi;
      };
      return f.i ? (x) => inRange(x) || inRange(x.toLowerCase()) || inRange(x.toUpperCase()) : inRange;
    }
    case 'CharacterSet':
      switch (e.kind) {
        case 'any':
          return f.s ? () => true : (x) => !isLineTerminator(x);
        case 'digit':
          return e.negate ? (x) => !/\d/.test(x) : (x) => /\d/.test(x);
        case 'word':
          return e.negate ? (x) => !/\w/.test(x) : (x) => /\w/.test(x);
        case 'space':
          return e.negate ? (x) => !/\s/.test(x) : (x) => /\s/.test(x);
        case 'property': {
          // One character at a time: a property test cannot backtrack.
          const re = new RegExp(e.raw, 'u');
          return (x) => re.test(x);
        }
      }
      break;
    case 'CharacterClass': {
      if (e.unicodeSets) throw new Unsupported(`'${e.raw}' (v-mode class) is not supported in rubric patterns`, e.start);
      const tests = e.elements.map((x) => charTest(x, f));
      const negate = e.negate;
      return (x) => tests.some((t) => t(x)) !== negate;
    }
  }
  throw new Unsupported(`'${(e as AST.Node).raw}' is not supported in rubric patterns`, (e as AST.Node).start);
}

/** Parses `/source/flags` as written in a rubric; undefined for text that is not a regex literal. */
export function regexLiteral(text: string): { source: string; flags: string } | undefined {
  const m = /^\/(.+)\/([a-z]*)$/s.exec(text.trim());
  return m ? { source: m[1]!, flags: m[2]! } : undefined;
}
