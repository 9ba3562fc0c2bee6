/**
 * Text matching for rubricate: tokenizer, notation normalisation, numbers,
 * synonyms and negation-aware concept matching. See `match.ts` for the model.
 */
export { normalizeNotation, replaceMapped, mapped, type MappedText } from './notation.js';
export { tokenize, tokenizeText, contentTokens, wordCount, stem, numberKey, STOP_WORDS, NEGATORS, type Token } from './tokenize.js';
export { findNumbers, formatNumber, type FoundNumber } from './numbers.js';
export { Thesaurus, defaultThesaurus, DEFAULT_SYNONYMS, phraseKeys, tokenKey } from './thesaurus.js';
export {
  compileConcept,
  findConcept,
  findConcepts,
  findInText,
  matchInSentences,
  matchSection,
  matchSections,
  scopeSentences,
  thesaurusFor,
  type CompiledConcept,
  type Concept,
  type ConceptResult,
  type Match,
  type MatchOptions,
  type SectionMatch,
} from './match.js';
