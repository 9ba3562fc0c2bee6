/**
 * Synonyms and paraphrases: groups of phrases that say the same thing. When a
 * concept alternative contains one phrase of a group, the other phrases of the
 * group are tried in its place ("norm preserved" also matches "length
 * preserved", "magnitude unchanged"...). Phrases are compared as stemmed token
 * sequences, so "rotation", "rotated" and "rotates" are already one word.
 */
import { tokenizeText, type Token } from './tokenize.js';

/** Built-in groups for the RoPE / attention domain. Rubrics add their own with `synonyms`. */
export const DEFAULT_SYNONYMS: readonly (readonly string[])[] = [
  ['rotate', 'rotary', 'rotation', 'rotational'],
  ['position', 'positional', 'location'],
  ['embedding', 'encoding', 'embed', 'encode'],
  ['norm', 'magnitude', 'length', 'euclidean norm', 'l2 norm'],
  ['preserve', 'keep', 'unchanged', 'invariant', 'conserve', 'maintain', 'retain', 'does not change', "doesn't change", 'stays the same', 'remains the same', 'same norm'],
  ['interleaved', 'interleave', 'adjacent pairs', 'consecutive pairs', 'neighbouring pairs', 'neighboring pairs', 'even-odd', 'even and odd', 'even/odd', '(2i, 2i+1)', '(2k, 2k+1)', 'rotate_every_two', 'rotate every two'],
  ['split-half', 'split half', 'rotate_half', 'rotate half', 'half split', '(i, i+d/2)', 'first half and second half', 'halves', 'neox style'],
  ['value', 'v', 'values'],
  ['query', 'q', 'queries'],
  ['key', 'k', 'keys'],
  ['relative position', 'relative offset', 'relative distance', 'position difference', 'positional offset'],
  ['dot product', 'inner product', 'scalar product', 'dot'],
  ['difference', 'diff', 'error', 'discrepancy', 'deviation', 'gap'],
  ['max', 'maximum', 'largest', 'biggest', 'worst', 'highest'],
  ['orthogonal', 'orthonormal', 'unitary', 'isometry'],
  ['decay', 'decrease', 'diminish', 'shrink', 'fall off', 'drop off', 'decline', 'attenuate', 'weaken'],
  ['counter-clockwise', 'counterclockwise', 'anticlockwise', 'anti-clockwise', 'ccw'],
  ['frequency', 'freq', 'frequencies'],
  ['confirm', 'verify', 'check', 'validate', 'hold', 'holds'],
  ['attention score', 'attention logit', 'attention weight', 'qk score'],
  ['sequence length', 'context length', 'context window'],
];

/** A group, tokenised: each phrase as a sequence of token keys. */
interface Group {
  phrases: string[][];
}

/** Key used to compare tokens: the stem of a word, the canonical value of a number. */
export function tokenKey(t: Token): string {
  return t.kind === 'number' ? `#${t.norm}` : t.stem;
}

/** Content keys of a phrase: stop words dropped unless the phrase has nothing else. */
export function phraseKeys(phrase: string): string[] {
  const tokens = tokenizeText(phrase);
  const content = tokens.filter((t) => !t.stop);
  return (content.length > 0 ? content : tokens).map(tokenKey);
}

export class Thesaurus {
  private readonly groups: Group[] = [];
  /** First key of a phrase -> groups holding a phrase that starts with it. */
  private readonly index = new Map<string, Set<number>>();

  /** Changes whenever a group is added (groups are never removed): caches of compiled alternatives key on it. */
  get revision(): number {
    return this.groups.length;
  }

  constructor(groups: Iterable<readonly string[]> = DEFAULT_SYNONYMS) {
    for (const g of groups) this.addGroup(g);
  }

  /** Adds a group of equivalent phrases. */
  addGroup(phrases: readonly string[]): this {
    const seen = new Set<string>();
    const keys: string[][] = [];
    for (const p of phrases) {
      const k = phraseKeys(p);
      const id = k.join(' ');
      if (k.length === 0 || seen.has(id)) continue;
      seen.add(id);
      keys.push(k);
    }
    if (keys.length >= 2) this.insert({ phrases: keys });
    return this;
  }

  /** A copy extended with rubric synonyms: `{ word: [alternatives] }` makes one group per entry. */
  extend(synonyms: Record<string, readonly string[]> | undefined): Thesaurus {
    if (!synonyms || Object.keys(synonyms).length === 0) return this;
    const t = new Thesaurus([]);
    for (const g of this.groups) t.insert(g);
    for (const [word, alternatives] of Object.entries(synonyms)) t.addGroup([word, ...alternatives]);
    return t;
  }

  private insert(group: Group): void {
    const gi = this.groups.length;
    this.groups.push(group);
    for (const k of group.phrases) {
      if (!this.index.has(k[0]!)) this.index.set(k[0]!, new Set());
      this.index.get(k[0]!)!.add(gi);
    }
  }

  /**
   * Variants of a key sequence with group phrases substituted (at most
   * `limit`, the original first). Substitutions do not chain within one phrase.
   */
  variants(keys: readonly string[], limit = 48): string[][] {
    const out: string[][] = [[...keys]];
    const seen = new Set([keys.join(' ')]);
    // Breadth-first: each round substitutes one more phrase.
    let frontier: Array<{ keys: string[]; from: number }> = [{ keys: [...keys], from: 0 }];
    for (let round = 0; round < 2 && frontier.length > 0 && out.length < limit; round++) {
      const next: Array<{ keys: string[]; from: number }> = [];
      for (const { keys: ks, from } of frontier) {
        for (let i = from; i < ks.length; i++) {
          for (const gi of this.index.get(ks[i]!) ?? []) {
            const group = this.groups[gi]!;
            for (const phrase of group.phrases) {
              if (!startsWith(ks, i, phrase)) continue;
              for (const other of group.phrases) {
                if (other === phrase) continue;
                const variant = [...ks.slice(0, i), ...other, ...ks.slice(i + phrase.length)];
                const id = variant.join(' ');
                if (seen.has(id)) continue;
                seen.add(id);
                out.push(variant);
                next.push({ keys: variant, from: i + other.length });
                if (out.length >= limit) return out;
              }
            }
          }
        }
      }
      frontier = next;
    }
    return out;
  }
}

function startsWith(keys: readonly string[], at: number, phrase: readonly string[]): boolean {
  if (at + phrase.length > keys.length) return false;
  for (let j = 0; j < phrase.length; j++) if (keys[at + j] !== phrase[j]) return false;
  return true;
}

export const defaultThesaurus = new Thesaurus();
