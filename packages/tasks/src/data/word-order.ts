/**
 * Sentences whose word order carries their meaning (Lecture §5.5, the text auto-encoder): "white
 * blood cells destroying an infection" and "an infection destroying white blood cells" have the
 * same words, and a bag of words (the count of each word) cannot tell them apart. A sentence is
 *
 *   AGENT [adverb] ACTION PATIENT
 *
 * with agent and patient two different noun phrases of one to three words; its partner swaps
 * them. The sentences have 3 to 8 words.
 */
import type { Key } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import { draws } from './draw.ts'

/** The noun phrases, each one an agent or a patient ("the" occurs in several). */
const PHRASES: readonly (readonly string[])[] = [
  ['white', 'blood', 'cells'],
  ['an', 'infection'],
  ['the', 'virus'],
  ['antibodies'],
  ['a', 'tumor'],
  ['the', 'dog'],
  ['the', 'cat'],
  ['the', 'police'],
  ['a', 'thief'],
  ['my', 'sister'],
  ['the', 'teacher'],
  ['the', 'children'],
]
const ACTIONS = [
  'destroying',
  'attacking',
  'chasing',
  'watching',
  'following',
  'helping',
  'fighting',
  'feeding',
]
const ADVERBS: readonly (readonly string[])[] = [[], ['quickly'], ['slowly'], ['finally']]

/** How many different sentences `wordOrderPairs` can write: agents × patients × adverbs × actions. */
export const WORD_ORDER_SENTENCES = PHRASES.length * (PHRASES.length - 1) * ADVERBS.length * ACTIONS.length

/**
 * `pairs` seeded pairs of sentences with the same words in another order (Lecture §5.5):
 * sentences 2i and 2i + 1 are
 *
 *   A [adverb] ACTION B      and      B [adverb] ACTION A
 *
 * with A ≠ B two noun phrases and the same adverb (or none) and action: the same multiset of
 * words, different sentences. Pair i is drawn from `foldIn(key, i)`, so a longer draw starts
 * with a shorter one.
 *
 * @example
 * const [a, b] = wordOrderPairs(T.key(0), { pairs: 1 })
 * assert.deepStrictEqual([...a].sort(), [...b].sort())
 * assert.notDeepStrictEqual(a, b)
 * assert.deepStrictEqual(wordOrderPairs(T.key(0), { pairs: 3 }).slice(0, 2), [a, b])
 */
export const wordOrderPairs = (key: Key, options: { readonly pairs: number }): string[][] => {
  const n = options?.pairs
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0)
    throw new T.ArgumentError(
      `wordOrderPairs: options.pairs must be a non-negative integer, got ${String(n)}`,
    )
  const out: string[][] = []
  for (let i = 0; i < n; i++) {
    const draw = draws(T.foldIn(key, i))
    const a = draw(PHRASES.length)
    const b = (a + 1 + draw(PHRASES.length - 1)) % PHRASES.length
    const adverb = ADVERBS[draw(ADVERBS.length)]
    const action = ACTIONS[draw(ACTIONS.length)]
    out.push([...PHRASES[a], ...adverb, action, ...PHRASES[b]])
    out.push([...PHRASES[b], ...adverb, action, ...PHRASES[a]])
  }
  return out
}

/**
 * Every word `wordOrderPairs` can write, sorted and without repeats.
 *
 * @example
 * const vocabulary = wordOrderVocabulary()
 * assert.ok(wordOrderPairs(T.key(1), { pairs: 50 }).flat().every((w) => vocabulary.includes(w)))
 * assert.ok(vocabulary.includes('destroying') && vocabulary.includes('infection'))
 */
export const wordOrderVocabulary = (): string[] =>
  [...new Set([...PHRASES.flat(), ...ACTIONS, ...ADVERBS.flat()])].sort()
