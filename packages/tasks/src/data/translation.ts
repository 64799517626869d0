/**
 * A seeded toy translation corpus for sequence to sequence learning (Lecture §5.3, §5.7):
 * "machine learning" → 機 器 學 習. Source sentences are random strings of lexicon words; the
 * target is the source with a word-order rule applied (each chunk of `chunk` consecutive words
 * reversed) and every word replaced by its one or two target tokens, so the output is reordered
 * and has a different length from the input. Every target ends with the stop symbol `===`
 * (Lecture §5.3: the decoder writes until it emits "===").
 */
import type { Key } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import { draws } from './draw.ts'

/** The stop symbol (Lecture §5.3: 斷, "break"). Target id 0; the decoder also starts from it. */
export const STOP = '==='

/** The default lexicon: each source word and its target tokens (one or two characters). */
export const LEXICON: Readonly<Record<string, readonly string[]>> = Object.freeze({
  machine: ['機', '器'],
  learning: ['學', '習'],
  deep: ['深', '度'],
  neural: ['神', '經'],
  network: ['網', '路'],
  i: ['我'],
  like: ['喜', '歡'],
  see: ['看'],
  cat: ['貓'],
  dog: ['狗'],
  big: ['大'],
  small: ['小'],
})

/** How a corpus is drawn: sentence lengths (in source words), the reordering chunk, the lexicon. */
export interface TranslationOptions {
  /** The shortest and longest source sentences (words, inclusive; 1 ≤ minLength ≤ maxLength). */
  readonly minLength: number
  readonly maxLength: number
  /** The word-order rule's chunk size (default 3; 1: no reordering). */
  readonly chunk?: number
  /** Source word → target tokens (default `LEXICON`). */
  readonly lexicon?: Readonly<Record<string, readonly string[]>>
}

/** A sentence pair: source words and target tokens (the target ends with `STOP`). */
export interface TranslationPair {
  readonly source: readonly string[]
  readonly target: readonly string[]
}

/** The vocabularies of a lexicon: source words (ids 0…), target tokens with `STOP` at id 0. */
export interface TranslationVocabulary {
  readonly source: readonly string[]
  readonly target: readonly string[]
}

const checkLexicon = (fn: string, lexicon: unknown): Readonly<Record<string, readonly string[]>> => {
  if (lexicon === null || typeof lexicon !== 'object' || Object.keys(lexicon).length === 0)
    throw new T.ArgumentError(`${fn}: lexicon must be a non-empty object of word → target tokens`)
  for (const [w, ts] of Object.entries(lexicon)) {
    if (!Array.isArray(ts) || ts.length === 0 || ts.some((t) => typeof t !== 'string' || t === STOP))
      throw new T.ArgumentError(
        `${fn}: lexicon['${w}'] must be a non-empty array of target tokens other than '${STOP}'`,
      )
  }
  return lexicon as Readonly<Record<string, readonly string[]>>
}

const checkChunk = (fn: string, chunk: unknown): number => {
  if (typeof chunk !== 'number' || !Number.isInteger(chunk) || chunk < 1)
    throw new T.ArgumentError(`${fn}: chunk must be a positive integer, got ${String(chunk)}`)
  return chunk
}

/**
 * The vocabularies of `lexicon` (default `LEXICON`): source words in the lexicon's order, and
 * target tokens in order of first appearance after `STOP` (id 0).
 *
 * @example
 * const v = translationVocabulary({ machine: ['機', '器'], learning: ['學', '習'] })
 * assert.deepStrictEqual(v.source, ['machine', 'learning'])
 * assert.deepStrictEqual(v.target, ['===', '機', '器', '學', '習'])
 */
export const translationVocabulary = (
  lexicon: Readonly<Record<string, readonly string[]>> = LEXICON,
): TranslationVocabulary => {
  const lex = checkLexicon('translationVocabulary', lexicon)
  return {
    source: Object.keys(lex),
    target: [STOP, ...new Set(Object.values(lex).flat())],
  }
}

/**
 * The translation rule (Lecture §5.3's toy): reverse each chunk of `chunk` consecutive source
 * words (the last chunk may be shorter), replace every word by its target tokens, end with `STOP`:
 *
 *   target = lex(w_c) … lex(w_1) · lex(w_2c) … lex(w_c+1) · … · ===
 *
 * Throws for an empty sentence or a word outside the lexicon.
 *
 * @example
 * assert.deepStrictEqual(translate(['machine', 'learning']), ['學', '習', '機', '器', '==='])
 * assert.deepStrictEqual(translate(['i', 'see', 'big', 'cat'], { chunk: 3 }), ['大', '看', '我', '貓', '==='])
 */
export const translate = (
  source: readonly string[],
  options: { readonly chunk?: number; readonly lexicon?: Readonly<Record<string, readonly string[]>> } = {},
): string[] => {
  const lex = checkLexicon('translate', options.lexicon ?? LEXICON)
  const chunk = checkChunk('translate', options.chunk ?? 3)
  if (!Array.isArray(source) || source.length === 0)
    throw new T.ArgumentError('translate: source must be a non-empty array of lexicon words')
  const out: string[] = []
  for (let start = 0; start < source.length; start += chunk) {
    const end = Math.min(start + chunk, source.length)
    for (let i = end - 1; i >= start; i--) {
      const w = source[i]
      if (!Object.hasOwn(lex, w))
        throw new T.ArgumentError(`translate: source[${i}] '${String(w)}' is not a word of the lexicon`)
      out.push(...lex[w])
    }
  }
  out.push(STOP)
  return out
}

const checkOptions = (fn: string, o: TranslationOptions): void => {
  if (o === null || typeof o !== 'object')
    throw new T.ArgumentError(`${fn}: options must be { minLength, maxLength, chunk?, lexicon? }`)
  if (!Number.isInteger(o.minLength) || o.minLength < 1)
    throw new T.ArgumentError(`${fn}: minLength must be a positive integer, got ${String(o.minLength)}`)
  if (!Number.isInteger(o.maxLength) || o.maxLength < o.minLength)
    throw new T.ArgumentError(
      `${fn}: maxLength must be an integer ≥ minLength (${o.minLength}), got ${String(o.maxLength)}`,
    )
}

/**
 * `count` sentence pairs drawn from `key`: each source length uniform in [minLength, maxLength],
 * each word uniform over the lexicon, the target `translate(source)`. With `perLength`, instead
 * `count` pairs of every length minLength…maxLength in turn (a test set balanced by length).
 *
 * @example
 * const pairs = translationPairs(T.key(0), 4, { minLength: 2, maxLength: 5 })
 * assert.strictEqual(pairs.length, 4)
 * assert.ok(pairs.every((p) => p.source.length >= 2 && p.source.length <= 5))
 * assert.deepStrictEqual(pairs[0].target, translate(pairs[0].source))
 * const balanced = translationPairs(T.key(1), 2, { minLength: 3, maxLength: 4 }, { perLength: true })
 * assert.deepStrictEqual(balanced.map((p) => p.source.length), [3, 3, 4, 4])
 */
export const translationPairs = (
  key: Key,
  count: number,
  options: TranslationOptions,
  draw: { readonly perLength?: boolean } = {},
): TranslationPair[] => {
  checkOptions('translationPairs', options)
  if (!Number.isInteger(count) || count < 0)
    throw new T.ArgumentError(`translationPairs: count must be a non-negative integer, got ${String(count)}`)
  const lexicon = checkLexicon('translationPairs', options.lexicon ?? LEXICON)
  const chunk = checkChunk('translationPairs', options.chunk ?? 3)
  const words = Object.keys(lexicon)
  const next = draws(key)
  const { minLength, maxLength } = options
  const lengths = draw.perLength
    ? Array.from({ length: maxLength - minLength + 1 }, (_, i) => Array(count).fill(minLength + i)).flat()
    : Array.from({ length: count }, () => minLength + next(maxLength - minLength + 1))
  return lengths.map((n) => {
    const source = Array.from({ length: n }, () => words[next(words.length)])
    return { source, target: translate(source, { chunk, lexicon }) }
  })
}

/**
 * Words as ids of `vocabulary` (an unknown word is an error naming it and its position).
 *
 * @example
 * assert.deepStrictEqual(toIds(['b', 'a'], ['a', 'b']), [1, 0])
 */
export const toIds = (words: readonly string[], vocabulary: readonly string[]): number[] => {
  const index = new Map(vocabulary.map((w, i) => [w, i]))
  return words.map((w, i) => {
    const id = index.get(w)
    if (id === undefined)
      throw new T.ArgumentError(`toIds: words[${i}] '${String(w)}' is not in the vocabulary`)
    return id
  })
}
