/**
 * Token patterns: how a rubric says "a sentence that states X" in words.
 *
 * A pattern is matched against the tokens of one sentence (see
 * `tokenize.ts`: lowercased words, numbers by value, notation normalised, so
 * θ is `theta`). It is compiled to the linear-time automaton of `linear.ts`.
 *
 * Syntax:
 * - `decay` matches the word and its inflections only: decay, decays,
 *   decayed, decaying (also rotate -> rotates, rotated, rotating; apply ->
 *   applies, applied). Never a derived word: `performer` does not match
 *   "performance", `rotary` does not match "rotation", `even` does not match
 *   "evenly". Case does not matter.
 * - `extrapolat*` matches every word that starts with "extrapolat".
 * - `2`, `0.5`, `1e-4` match numbers by value; `#` matches any number.
 * - `(a | b c)` alternatives, each a sequence; `x?` or `(...)?` optional.
 * - consecutive items may be separated by up to 3 stop words ("the", "of",
 *   "is"...); `...` allows up to 6 tokens of any kind, `..N` up to N.
 * - `long-term`, `sine/cosine` are two words in a row, as in text.
 *
 * Examples: `(score | product | attention) ... decay* ... (distance | apart)`,
 * `(head dimension | d) must be even`, `extrapolat*`.
 */
import { compile, ProgramTooLarge, search, type Budget, type Node, type Program, type Span } from './linear.js';
import type { Token } from './tokenize.js';

export interface TokenPattern {
  source: string;
  program: Program<readonly Token[]>;
}

export type CompiledPattern = { ok: true; pattern: TokenPattern } | { ok: false; message: string; offset: number };

/** Stop words allowed between two items of a sequence. */
const STOP_SKIP = 3;
/** Tokens allowed by `...`. */
const GAP = 6;

const cache = new Map<string, CompiledPattern>();

export function compilePattern(source: string): CompiledPattern {
  let hit = cache.get(source);
  if (!hit) {
    hit = compileUncached(source);
    if (cache.size > 5000) cache.clear();
    cache.set(source, hit);
  }
  return hit;
}

/** Leftmost match in a sentence's tokens, as token indices [start, end). */
export function patternSearch(pattern: TokenPattern, tokens: readonly Token[], budget: Budget, from = 0): Span | null | 'budget' {
  return search(pattern.program, tokens, tokens.length, from, budget);
}

class SyntaxError_ extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

interface Lexeme {
  kind: 'word' | 'prefix' | 'number' | 'anynumber' | '(' | ')' | '|' | '?' | 'gap';
  text: string;
  offset: number;
  gap?: number;
}

function lex(source: string): Lexeme[] {
  const out: Lexeme[] = [];
  const re = /\s+|\.\.(\d+)|\.\.\.|([()|?])|([-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?)(?![\p{L}\d])|([\p{L}\p{N}_']+)(\*)?|([-/])|(.)/giu;
  for (let m = re.exec(source); m !== null; m = re.exec(source)) {
    const at = m.index;
    if (/^\s+$/.test(m[0])) continue;
    if (m[1] !== undefined) out.push({ kind: 'gap', text: m[0], offset: at, gap: Number(m[1]) });
    else if (m[0] === '...') out.push({ kind: 'gap', text: m[0], offset: at, gap: GAP });
    else if (m[2] !== undefined) out.push({ kind: m[2] as Lexeme['kind'], text: m[2], offset: at });
    else if (m[3] !== undefined) out.push({ kind: 'number', text: m[3], offset: at });
    else if (m[4] !== undefined) {
      // Words split where the tokenizer splits them ("rotate_half" is two tokens).
      let o = at;
      const parts = m[4].split(/_/);
      parts.forEach((part, i) => {
        if (part) out.push({ kind: m[5] !== undefined && i === parts.length - 1 ? 'prefix' : 'word', text: part.toLowerCase().replace(/'s$/, ''), offset: o });
        o += part.length + 1;
      });
    } else if (m[6] !== undefined) continue; // "long-term", "sine/cosine": adjacent words
    else if (m[7] === '#') out.push({ kind: 'anynumber', text: '#', offset: at });
    else throw new SyntaxError_(`unexpected '${m[7]}' in pattern`, at);
  }
  return out;
}

function compileUncached(source: string): CompiledPattern {
  try {
    const lexemes = lex(source);
    if (lexemes.length === 0) throw new SyntaxError_('empty pattern', 0);
    let i = 0;
    const parseAlt = (): Node<readonly Token[]> => {
      const options = [parseSeq()];
      while (lexemes[i]?.kind === '|') {
        i++;
        options.push(parseSeq());
      }
      return options.length === 1 ? options[0]! : { type: 'alt', options };
    };
    const parseSeq = (): Node<readonly Token[]> => {
      const items: Array<{ node: Node<readonly Token[]>; gap: boolean }> = [];
      while (i < lexemes.length && lexemes[i]!.kind !== '|' && lexemes[i]!.kind !== ')') {
        const lx = lexemes[i]!;
        if (lx.kind === 'gap') {
          i++;
          items.push({ node: { type: 'repeat', node: { type: 'sym', test: () => true }, min: 0, max: lx.gap!, greedy: false }, gap: true });
          continue;
        }
        let node = parseAtom();
        if (lexemes[i]?.kind === '?') {
          i++;
          node = { type: 'repeat', node, min: 0, max: 1, greedy: true };
        }
        items.push({ node, gap: false });
      }
      if (items.length === 0) throw new SyntaxError_('empty alternative', lexemes[i]?.offset ?? source.length);
      // Stop words may sit between two items (not around an explicit gap, which allows anything).
      const seq: Array<Node<readonly Token[]>> = [];
      items.forEach((item, k) => {
        if (k > 0 && !item.gap && !items[k - 1]!.gap) seq.push({ type: 'repeat', node: { type: 'sym', test: isStop }, min: 0, max: STOP_SKIP, greedy: false });
        seq.push(item.node);
      });
      return seq.length === 1 ? seq[0]! : { type: 'seq', items: seq };
    };
    const parseAtom = (): Node<readonly Token[]> => {
      const lx = lexemes[i]!;
      i++;
      switch (lx.kind) {
        case 'word': {
          const forms = inflections(lx.text);
          return { type: 'sym', test: (t, at) => t[at]!.kind === 'word' && forms.has(t[at]!.norm) };
        }
        case 'prefix': {
          const p = lx.text;
          return { type: 'sym', test: (t, at) => t[at]!.kind === 'word' && t[at]!.norm.startsWith(p) };
        }
        case 'anynumber':
          return { type: 'sym', test: (t, at) => t[at]!.kind === 'number' };
        case 'number': {
          const v = Number(lx.text);
          return { type: 'sym', test: (t, at) => t[at]!.kind === 'number' && t[at]!.value === v };
        }
        case '(': {
          const inner = parseAlt();
          if (lexemes[i]?.kind !== ')') throw new SyntaxError_("missing ')'", lexemes[i]?.offset ?? source.length);
          i++;
          return inner;
        }
        default:
          throw new SyntaxError_(`unexpected '${lx.text}' in pattern`, lx.offset);
      }
    };
    const node = parseAlt();
    if (i < lexemes.length) throw new SyntaxError_(`unexpected '${lexemes[i]!.text}' in pattern`, lexemes[i]!.offset);
    return { ok: true, pattern: { source, program: compile(node) } };
  } catch (error) {
    if (error instanceof SyntaxError_) return { ok: false, message: error.message, offset: error.offset };
    if (error instanceof ProgramTooLarge) return { ok: false, message: `pattern too large (${error.message})`, offset: 0 };
    throw error;
  }
}

const isStop = (t: readonly Token[], at: number) => t[at]!.stop;

/**
 * The word and its regular inflections: -s/-es, -ed/-d, -ing (with a final
 * e dropped or a final consonant doubled), -ies/-ied for a final y, and the
 * possessive. Derivations (rotation, performance, evenly) are other words.
 */
export function inflections(word: string): Set<string> {
  const w = word.toLowerCase();
  const forms = new Set([w]);
  if (!/^[a-z]+$/.test(w) || w.length < 2) return forms;
  const add = (...xs: string[]) => xs.forEach((x) => forms.add(x));
  add(w + 's', w + 'es', w + 'ed', w + 'ing');
  if (w.endsWith('e')) add(w + 'd', w.slice(0, -1) + 'ing');
  if (/[^aeiou]y$/.test(w)) add(w.slice(0, -1) + 'ies', w.slice(0, -1) + 'ied');
  if (/[^aeiou][aeiou][bdgklmnprt]$/.test(w)) add(w + w.at(-1) + 'ed', w + w.at(-1) + 'ing');
  return forms;
}
