/**
 * How a document writes its subject, so that what rubricate suggests adding
 * fits it: a text that pairs feature i with feature i + d/2 must not be told
 * to add interleaved code (following such advice would introduce the very
 * bug the lab grader diagnoses), and a text written in LaTeX gets LaTeX.
 *
 * - A convention (rubric `conventions`, e.g. `pairing`) maps variant names
 *   to patterns as in coverage statements; the variant with more matching
 *   sentences wins, a tie (both, or neither) means none.
 * - The notation is `latex` when the text writes more LaTeX maths
 *   (`$...\theta...$`, `\frac`, `\cos`) than Unicode maths (θ, φ, sub- and
 *   superscripts), else `unicode`.
 *
 * A suggestion with variants (`default`, `split-half`, `latex`,
 * `latex+split-half`) is resolved by `pickVariant`: the most specific key
 * that applies.
 */
import type { Budget } from '../text/linear.js';
import type { PreparedDocument } from './document.js';
import { compileStatement, countStatement, type PatternSpec } from './statements.js';

export interface DocumentStyle {
  /** Convention name -> variant the document uses (absent when undecided). */
  conventions: Record<string, string>;
  notation: 'latex' | 'unicode';
}

export function detectStyle(doc: PreparedDocument, conventions: Record<string, Record<string, PatternSpec[]>> | undefined, budget: Budget): DocumentStyle {
  const out: DocumentStyle = { conventions: {}, notation: notationOf(doc.masked) };
  for (const [name, variants] of Object.entries(conventions ?? {})) {
    const counts = Object.entries(variants).map(([variant, match]) => ({ variant, n: countStatement(doc, compileStatement({ id: variant, says: variant, match }), budget) }));
    counts.sort((a, b) => b.n - a.n);
    if (counts[0] && counts[0].n > 0 && (counts.length === 1 || counts[0].n > counts[1]!.n)) out.conventions[name] = counts[0].variant;
  }
  return out;
}

function notationOf(text: string): 'latex' | 'unicode' {
  const latex = (text.match(/\\(?:theta|Theta|frac|cos|sin|langle|rangle|mathbf|top|begin\{[pb]matrix\}|cdot|phi|varphi|omega)\b/g) ?? []).length;
  const unicode = (text.match(/[θΘφϕωα-ωᵢₘₙⱼ⟨⟩ᵀ⁻]/g) ?? []).length;
  return latex > unicode ? 'latex' : 'unicode';
}

/** The most specific variant of a suggestion that applies to a document's style. */
export function pickVariant(suggestion: string | Record<string, string>, style: DocumentStyle | undefined): string {
  if (typeof suggestion === 'string') return suggestion;
  const tags = [style?.notation, ...Object.values(style?.conventions ?? {})].filter((t): t is string => t !== undefined);
  // Pairs of tags first ("latex+split-half" or "split-half+latex"), then single tags, then the default.
  for (let i = 0; i < tags.length; i++) {
    for (let j = 0; j < tags.length; j++) {
      if (i === j) continue;
      const hit = suggestion[`${tags[i]}+${tags[j]}`];
      if (hit !== undefined) return hit;
    }
  }
  // A convention (what to do) matters more than the notation (how to write it).
  for (const tag of [...tags.slice(1), ...tags.slice(0, 1)]) if (suggestion[tag] !== undefined) return suggestion[tag]!;
  return suggestion.default ?? Object.values(suggestion)[0] ?? '';
}
