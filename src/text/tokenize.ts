/**
 * Tokenizer for matching: lowercase words stemmed with Porter's algorithm,
 * numbers (with their value, scientific notation included), Greek letters by
 * name, a small stop-word list and negation cues. Works on text already
 * passed through `normalizeNotation`; `tokenizeText` does both.
 */
import { stemmer } from 'stemmer';
import { normalizeNotation, type MappedText } from './notation.js';

export interface Token {
  /** Lowercased word, or the canonical spelling of a number's value ("1e-5" and "0.00001" give "0.00001"). */
  norm: string;
  /** Porter stem of a word; same as `norm` for numbers. */
  stem: string;
  kind: 'word' | 'number';
  /** Value of a number token. */
  value?: number;
  /** Character range in the tokenised (normalised) text. */
  start: number;
  end: number;
  /** Range in the original text when tokenised through `tokenizeText`. */
  sourceStart: number;
  sourceEnd: number;
  stop: boolean;
  negator: boolean;
  /** A clause boundary (, ; : ( ) . ? ! or "but") comes right before this token. */
  clause: boolean;
}

/** A small English stop-word list. Single letters other than "a" are kept: they are variables (q, k, V, i, d). */
export const STOP_WORDS = new Set(
  (
    'a an the of to in on at by for from with as into onto over under about and or but so than then ' +
    'is are was were be been being am do does did done doing get gets got getting has have had having ' +
    'it its it\'s this that these those there here their they them we our us you your my me he she his her ' +
    'which who whom whose what when where why how can could will would shall should may might must ' +
    'also just very really quite some such any each both same other own too more most much many ' +
    'i.e e.g etc via per while whereas'
  ).split(/\s+/),
);

/** Words that negate what follows in the same clause. */
export const NEGATORS = new Set(['not', 'no', 'never', 'without', 'cannot', 'nor', 'neither', 'none', 'nothing', 'nobody', 'hardly', 'lack', 'lacks', 'lacking', 'fails', 'fail', 'failed', 'isnt', 'doesnt', 'dont', 'incompatible', 'unable']);
/** "not only", "not just": not a negation. */
const NOT_NEGATING_NEXT = new Set(['only', 'just', 'merely', 'necessarily']);

const stemCache = new Map<string, string>();
export function stem(word: string): string {
  let s = stemCache.get(word);
  if (s === undefined) {
    s = word.length <= 2 || /\d/.test(word) ? word : stemmer(word);
    if (stemCache.size > 50_000) stemCache.clear();
    stemCache.set(word, s);
  }
  return s;
}

/** Canonical spelling of a number value, so that 1e-5, 1E-05 and 0.00001 compare equal. */
export function numberKey(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return String(Number(value.toPrecision(12)));
}

const TOKEN = /([-+]?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][-+]?\d+)?)|([\p{L}][\p{L}\p{N}']*)|([,;:()[\].?!])/gu;

/** Tokenises already-normalised text. `map` (from `normalizeNotation`) gives source ranges. */
export function tokenize(text: string, map?: number[], ends?: number[]): Token[] {
  const tokens: Token[] = [];
  let clause = true;
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(text); m !== null; m = TOKEN.exec(text)) {
    if (m[3] !== undefined) {
      clause = true;
      continue;
    }
    let raw = m[0];
    let start = m.index;
    if (m[1] !== undefined) {
      // A sign belongs to the number only after a non-word character ("x-1" is x, 1; "^(-2" is -2).
      if (/^[-+]/.test(raw)) {
        const prev = text[start - 1];
        if (prev !== undefined && /[\p{L}\p{N}_)\]]/u.test(prev)) {
          raw = raw.slice(1);
          start += 1;
        }
      }
      // A number glued to a following letter ("2i", "3x") splits; an exponent never ends with a letter.
      const value = Number(raw.replace(/^\+/, ''));
      const norm = Number.isFinite(value) ? numberKey(value) : raw;
      tokens.push(token(norm, norm, 'number', start, start + raw.length, map, ends, clause, value));
      clause = false;
      continue;
    }
    let word = raw.toLowerCase().replace(/'+$/, '');
    const end = start + raw.length;
    // "isn't" -> negator; "model's" -> "model".
    let negator = false;
    if (/n't$/.test(word)) {
      negator = true;
    } else {
      word = word.replace(/'s$/, '');
    }
    if (NEGATORS.has(word.replace(/'/g, ''))) negator = true;
    if (word === 'but' || word === 'however' || word === 'although' || word === 'though' || word === 'whereas') {
      clause = true;
      continue;
    }
    // Every negation cue compares as "not": "V isn't rotated" ~ "V is never rotated" ~ "V not rotated".
    const t = token(word, negator ? 'not' : stem(word.replace(/'/g, '')), 'word', start, end, map, ends, clause);
    t.negator = negator;
    t.stop = !negator && STOP_WORDS.has(word);
    tokens.push(t);
    clause = false;
  }
  // "not only ..." does not negate.
  for (let i = 0; i + 1 < tokens.length; i++) {
    if (tokens[i]!.negator && NOT_NEGATING_NEXT.has(tokens[i + 1]!.norm)) {
      tokens[i]!.negator = false;
      tokens[i]!.stop = true;
    }
  }
  return tokens;
}

function token(norm: string, stemmed: string, kind: Token['kind'], start: number, end: number, map: number[] | undefined, ends: number[] | undefined, clause: boolean, value?: number): Token {
  const t: Token = {
    norm,
    stem: stemmed,
    kind,
    start,
    end,
    sourceStart: map ? map[start]! : start,
    sourceEnd: ends ? ends[end - 1]! : map ? map[end - 1]! + 1 : end,
    stop: false,
    negator: false,
    clause,
  };
  if (value !== undefined) t.value = value;
  return t;
}

/** Normalises notation then tokenises; token source ranges point into `text`. */
export function tokenizeText(text: string): Token[] {
  const n: MappedText = normalizeNotation(text);
  return tokenize(n.text, n.map, n.ends);
}

/** Content tokens: stop words removed (negators kept). */
export function contentTokens(tokens: readonly Token[]): Token[] {
  return tokens.filter((t) => !t.stop);
}

/** Number of words (letters or digits) in a text, for answer-length checks. */
export function wordCount(text: string): number {
  return (text.match(/[\p{L}\p{N}][\p{L}\p{N}'’._-]*/gu) ?? []).length;
}
