/**
 * Notation normalisation: rewrites the many ways people write the same maths
 * into one spelling before tokenising, keeping a map back to the original
 * characters so matches stay located.
 *
 * - θ, Θ, ϑ, \theta, theta -> "theta" (every Greek letter gets its name);
 * - `**` -> `^`; LaTeX braces -> parentheses; `\frac{a}{b}` -> `(a)/(b)`;
 * - `1/base^(2i/d)` -> `base^(-2i/d)`; `10000^(...)` -> `base^(...)`; `-(2i/d)` -> `(-2i/d)`;
 * - ‖x‖, ||x||, \|x\|, \lVert x \rVert -> "norm x norm";
 * - ⟨a,b⟩, <a, b>, \langle a, b \rangle, `a @ b` -> "dot a, b";
 * - superscripts (10⁻¹⁶ -> 10^(-16)) and subscripts (θᵢ -> θ_i);
 * - typographic apostrophes, minus signs and dashes -> ASCII.
 */

/** A string plus, for every character, the index of the original character it came from. */
export interface MappedText {
  text: string;
  /** `map[i]` is the index in the original string of `text[i]`; `map[text.length]` is the original length. */
  map: number[];
  /** `ends[i]` is the index just after the original text `text[i]` stands for (a replacement stands for all it replaced). */
  ends: number[];
}

export function mapped(text: string): MappedText {
  const map = new Array<number>(text.length + 1);
  const ends = new Array<number>(text.length + 1);
  for (let i = 0; i <= text.length; i++) {
    map[i] = i;
    ends[i] = Math.min(i + 1, text.length);
  }
  return { text, map, ends };
}

type Replacement = string | ((...groups: string[]) => string);

/**
 * Replaces every match of `pattern` (global) in a mapped text. Characters of a
 * replacement map to the start of the text they replace.
 */
export function replaceMapped(input: MappedText, pattern: RegExp, replacement: Replacement): MappedText {
  const re = globalCopy(pattern);
  re.lastIndex = 0;
  if (!re.test(input.text)) return input;
  re.lastIndex = 0;
  let text = '';
  const map: number[] = [];
  const ends: number[] = [];
  let last = 0;
  for (let m = re.exec(input.text); m !== null; m = re.exec(input.text)) {
    if (m[0].length === 0) {
      re.lastIndex++;
      continue;
    }
    for (let i = last; i < m.index; i++) {
      text += input.text[i];
      map.push(input.map[i]!);
      ends.push(input.ends[i]!);
    }
    const rep = typeof replacement === 'string' ? expand(replacement, m) : replacement(...(m as unknown as string[]));
    const origin = input.map[m.index]!;
    const originEnd = input.ends[m.index + m[0].length - 1]!;
    for (let i = 0; i < rep.length; i++) {
      text += rep[i];
      map.push(origin);
      ends.push(originEnd);
    }
    last = m.index + m[0].length;
  }
  for (let i = last; i < input.text.length; i++) {
    text += input.text[i];
    map.push(input.map[i]!);
    ends.push(input.ends[i]!);
  }
  map.push(input.map[input.text.length]!);
  ends.push(input.ends[input.text.length]!);
  return { text, map, ends };
}

/**
 * A global copy of a pattern, made once per pattern object and reused (the
 * caller's `lastIndex` is never touched). A replacement must not call
 * `replaceMapped` with the pattern being replaced.
 */
const globalCopies = new WeakMap<RegExp, RegExp>();
function globalCopy(pattern: RegExp): RegExp {
  let re = globalCopies.get(pattern);
  if (!re) {
    re = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : pattern.flags + 'g');
    globalCopies.set(pattern, re);
  }
  return re;
}

function expand(template: string, m: RegExpExecArray): string {
  return template.replace(/\$(\d)/g, (_, d: string) => m[Number(d)] ?? '');
}

const GREEK: Record<string, string> = {
  α: 'alpha', β: 'beta', γ: 'gamma', δ: 'delta', ε: 'epsilon', ϵ: 'epsilon', ζ: 'zeta', η: 'eta', θ: 'theta', ϑ: 'theta',
  ι: 'iota', κ: 'kappa', λ: 'lambda', μ: 'mu', ν: 'nu', ξ: 'xi', π: 'pi', ρ: 'rho', σ: 'sigma', ς: 'sigma', τ: 'tau',
  υ: 'upsilon', φ: 'phi', ϕ: 'phi', χ: 'chi', ψ: 'psi', ω: 'omega',
};
for (const [letter, name] of Object.entries({ ...GREEK })) GREEK[letter.toUpperCase()] = name;
export const GREEK_NAMES = new Set(Object.values(GREEK));

const SUPERSCRIPTS: Record<string, string> = {
  '⁰': '0', '¹': '1', '²': '2', '³': '3', '⁴': '4', '⁵': '5', '⁶': '6', '⁷': '7', '⁸': '8', '⁹': '9', '⁻': '-', '⁺': '+', 'ⁱ': 'i', 'ⁿ': 'n', 'ᵀ': 'T',
};
const SUBSCRIPTS: Record<string, string> = {
  '₀': '0', '₁': '1', '₂': '2', '₃': '3', '₄': '4', '₅': '5', '₆': '6', '₇': '7', '₈': '8', '₉': '9', 'ᵢ': 'i', 'ⱼ': 'j', 'ₖ': 'k', 'ₘ': 'm', 'ₙ': 'n', 'ₜ': 't', 'ₓ': 'x', '₋': '-', '₊': '+', 'ₐ': 'a', 'ₑ': 'e', 'ₒ': 'o', 'ₕ': 'h', 'ₗ': 'l', 'ₚ': 'p', 'ₛ': 's',
};

/** LaTeX commands with a plain spelling; formatting commands vanish; Greek names keep their name. */
const LATEX: Record<string, string> = {
  langle: '⟨', rangle: '⟩', lVert: '‖', rVert: '‖', Vert: '‖', lvert: '|', rvert: '|', vert: '|',
  cdot: ' ', times: '×', top: 'T', intercal: 'T', leq: '<=', le: '<=', geq: '>=', ge: '>=', neq: '!=', approx: '≈', sim: '~',
  left: '', right: '', big: '', Big: '', bigg: '', Bigg: '', mathbf: '', mathrm: '', mathit: '', boldsymbol: '', bm: '', text: '', textrm: '', operatorname: '', mathcal: '',
  quad: ' ', qquad: ' ', infty: 'infinity', in: '∈', sum: 'sum', prod: 'prod', exp: 'exp', log: 'log', sin: 'sin', cos: 'cos',
  varepsilon: 'epsilon', vartheta: 'theta', varphi: 'phi',
};

/** The rewrites of `normalizeNotation`, in order (each sees the result of the ones before). */
const RULES: ReadonlyArray<readonly [RegExp, Replacement]> = [
  [/[’‘ʼ`´]/g, "'"],
  [/[−–—‐‑]/g, '-'],
  [/[⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺ⁱⁿᵀ]+/g, (run) => '^(' + [...run!].map((c) => SUPERSCRIPTS[c] ?? c).join('') + ')'],
  [/[₀₁₂₃₄₅₆₇₈₉ᵢⱼₖₘₙₜₓ₋₊ₐₑₒₕₗₚₛ]+/g, (run) => '_' + [...run!].map((c) => SUBSCRIPTS[c] ?? c).join('')],
  // LaTeX.
  [/\\\|/g, '‖'],
  [/\\frac\s*\{([^{}]*)\}\s*\{((?:[^{}]|\{[^{}]*\})*)\}/g, '($1)/($2)'],
  [
    /\\([A-Za-z]+)/g,
    (_whole, name) => {
      const n = name!;
      if (n in LATEX) return LATEX[n]!;
      if (GREEK_NAMES.has(n.toLowerCase())) return ` ${n.toLowerCase()} `;
      return n;
    },
  ],
  [/\\[,;:! ]/g, ' '],
  [/[{}]/g, (c) => (c === '{' ? '(' : ')')],
  // Greek letters.
  [/[\u0370-\u03ff]/g, (c) => (GREEK[c!] ? ` ${GREEK[c!]} ` : c!)],
  // Powers.
  [/\*\*/g, '^'],
  [/(?<![\w.])(?:10000(?:\.0*)?|10,000|1e4|1e\+?04|10\s*\^\s*\(?4\)?)(?=\s*\^)/g, 'base'],
  [/-\s*\(/g, '(-'],
  [/(?<![\w.])1\s*\/\s*\(?\s*([A-Za-z_]\w*)\s*\^\s*\(\s*([^()]*?)\s*\)\s*\)?/g, '$1^(-$2)'],
  [/\(\s*-\s*-/g, '('],
  // Norms.
  [/‖|\|\|/g, ' norm '],
  // Inner products.
  [/⟨|〈/g, ' dot '],
  [/⟩|〉/g, ' '],
  [/<\s*([^<>\n]{1,40}?,[^<>\n]{1,40}?)\s*>/g, ' dot $1 '],
  [/(\w|\))\s*@\s*(?=[\w(])/g, '$1 dot '],
];

/** Normalises notation in `text`; see the module comment for the rules. */
export function normalizeNotation(text: string): MappedText {
  let t = mapped(text);
  for (const [pattern, replacement] of RULES) t = replaceMapped(t, pattern, replacement);
  return t;
}
