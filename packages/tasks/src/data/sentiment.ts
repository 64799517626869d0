/**
 * Sentiment analysis (Lecture §5.1, many to one): seeded generators of sentences that each get
 * one label.
 *
 * `orderPairs` builds sentences in which word order alone decides the label: "white blood cells
 * destroying an infection" is good news, "an infection destroying white blood cells" bad news.
 * They come in pairs of the same words in another order with opposite labels, so a model that
 * sees only which words occur (a bag of words) cannot tell the two apart.
 *
 * `ratingSentences` builds ordinary reviews of different lengths ("to be honest the food was
 * really good and the service was nice") with a rating of 1 to 5 stars, which the adjectives
 * decide wherever they stand.
 */
import type { Key } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import { draws } from './draw.ts'

/** A sentence with one class label (an index into the task's label names). */
export interface LabelledSentence {
  readonly words: readonly string[]
  readonly label: number
}

/** The classes of `orderPairs`: 0 bad news, 1 good news. */
export const ORDER_LABELS: readonly string[] = ['negative', 'positive']

/** The classes of `ratingSentences`: label r is r + 1 stars. */
export const RATING_LABELS: readonly string[] = ['1 star', '2 stars', '3 stars', '4 stars', '5 stars']

/** Who defends the body: good news when they win. */
const DEFENDERS = [
  ['white', 'blood', 'cells'],
  ['antibodies'],
  ['the', 'immune', 'system'],
  ['the', 'vaccine'],
  ['killer', 't', 'cells'],
  ['the', 'medicine'],
]
/** What attacks it: bad news when it wins ("cells" occurs on both sides). */
const THREATS = [
  ['an', 'infection'],
  ['the', 'virus'],
  ['bacteria'],
  ['a', 'tumor'],
  ['cancer', 'cells'],
  ['the', 'parasites'],
]
const ACTIONS = ['destroying', 'attacking', 'fighting', 'defeating', 'killing', 'beating', 'stopping']
const ORDER_PREFIXES = [[], ['we', 'watched'], ['the', 'scan', 'showed'], ['news', 'of']]
const ORDER_ADVERBS = [[], ['quickly'], ['slowly'], ['finally']]
const ORDER_SUFFIXES = [[], ['today'], ['in', 'the', 'lungs'], ['at', 'last']]

const SUBJECTS = [
  ['the', 'movie'],
  ['the', 'food'],
  ['the', 'service'],
  ['the', 'hotel', 'room'],
  ['this', 'phone'],
  ['the', 'book'],
]
/** Adjectives by rating: ADJECTIVES[r] gives r + 1 stars. */
const ADJECTIVES = [
  ['awful', 'terrible', 'horrible', 'dreadful'],
  ['bad', 'poor', 'disappointing', 'weak'],
  ['okay', 'average', 'fine', 'mediocre'],
  ['good', 'nice', 'enjoyable', 'solid'],
  ['excellent', 'amazing', 'wonderful', 'superb'],
]
const INTENSIFIERS = [[], ['really'], ['quite'], ['truly']]
/** Clauses that say nothing about the rating. */
const NEUTRAL = [
  ['to', 'be', 'honest'],
  ['overall'],
  ['we', 'went', 'there', 'on', 'a', 'sunday'],
  ['i', 'bought', 'it', 'last', 'week'],
  ['my', 'friend', 'recommended', 'it'],
  ['it', 'cost', 'twenty', 'dollars'],
]

const count = (fn: string, name: string, v: unknown): number => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
    throw new T.ArgumentError(`${fn}: ${name} must be a non-negative integer, got ${String(v)}`)
  return v
}

/**
 * `pairs` seeded pairs of sentences whose word order decides their sentiment (Lecture §5.1):
 * sentences 2i and 2i+1 are
 *
 *   [prefix] DEFENDER [adverb] ACTION THREAT [suffix]   (label 1, positive)
 *   [prefix] THREAT [adverb] ACTION DEFENDER [suffix]   (label 0, negative)
 *
 * with the same prefix, adverb, action and suffix: the same multiset of words, opposite labels.
 * A defender or threat is one to three words; sentences have 3 to 14 words.
 *
 * @example
 * const [good, bad] = orderPairs(T.key(0), { pairs: 1 })
 * assert.deepStrictEqual([good.label, bad.label], [1, 0])
 * assert.deepStrictEqual([...good.words].sort(), [...bad.words].sort())
 */
export const orderPairs = (key: Key, options: { readonly pairs: number }): LabelledSentence[] => {
  if (typeof options !== 'object' || options === null)
    throw new T.ArgumentError(`orderPairs: options must be { pairs }, got ${String(options)}`)
  const n = count('orderPairs', 'pairs', options.pairs)
  const draw = draws(key)
  const pick = <A>(xs: readonly A[]): A => xs[draw(xs.length)]
  const out: LabelledSentence[] = []
  for (let i = 0; i < n; i++) {
    const prefix = pick(ORDER_PREFIXES)
    const defender = pick(DEFENDERS)
    const threat = pick(THREATS)
    const adverb = pick(ORDER_ADVERBS)
    const action = pick(ACTIONS)
    const suffix = pick(ORDER_SUFFIXES)
    const sentence = (first: readonly string[], second: readonly string[]) => [
      ...prefix,
      ...first,
      ...adverb,
      action,
      ...second,
      ...suffix,
    ]
    out.push({ words: sentence(defender, threat), label: 1 })
    out.push({ words: sentence(threat, defender), label: 0 })
  }
  return out
}

/**
 * `sentences` seeded reviews with a rating (Lecture §5.1: a review in, one of several ratings
 * out), every rating equally likely. A review is one or two verdicts, `SUBJECT was [intensifier]
 * ADJECTIVE`, joined by "and", with neutral clauses ("to be honest", "we went there on a
 * sunday") before and after; the adjectives all belong to the rating (label r: r + 1 stars).
 * Lengths run from 4 to 26 words.
 *
 * @example
 * const reviews = ratingSentences(T.key(0), { sentences: 50 })
 * assert.strictEqual(reviews.length, 50)
 * assert.ok(reviews.every((r) => r.words.includes('was') && r.label >= 0 && r.label < 5))
 */
export const ratingSentences = (key: Key, options: { readonly sentences: number }): LabelledSentence[] => {
  if (typeof options !== 'object' || options === null)
    throw new T.ArgumentError(`ratingSentences: options must be { sentences }, got ${String(options)}`)
  const n = count('ratingSentences', 'sentences', options.sentences)
  const draw = draws(key)
  const pick = <A>(xs: readonly A[]): A => xs[draw(xs.length)]
  const out: LabelledSentence[] = []
  for (let i = 0; i < n; i++) {
    const label = draw(ADJECTIVES.length)
    const verdict = () => [...pick(SUBJECTS), 'was', ...pick(INTENSIFIERS), pick(ADJECTIVES[label])]
    const before = draw(2) === 0 ? [] : pick(NEUTRAL)
    const verdicts = draw(2) === 0 ? verdict() : [...verdict(), 'and', ...verdict()]
    const after = draw(2) === 0 ? [] : ['and', ...pick(NEUTRAL)]
    out.push({ words: [...before, ...verdicts, ...after], label })
  }
  return out
}

/**
 * Every word `orderPairs` and `ratingSentences` can produce, sorted and without repeats: the
 * vocabulary of the classifiers' 1-of-N input.
 *
 * @example
 * const vocabulary = sentimentVocabulary()
 * const words = [...orderPairs(T.key(1), { pairs: 20 }), ...ratingSentences(T.key(1), { sentences: 20 })].flatMap((s) => s.words)
 * assert.ok(words.every((w) => vocabulary.includes(w)))
 */
export const sentimentVocabulary = (): string[] =>
  [
    ...new Set(
      [
        DEFENDERS,
        THREATS,
        [ACTIONS],
        ORDER_PREFIXES,
        ORDER_ADVERBS,
        ORDER_SUFFIXES,
        SUBJECTS,
        [['was', 'and']],
        ADJECTIVES,
        INTENSIFIERS,
        NEUTRAL,
      ].flatMap((group) => group.flat()),
    ),
  ].sort()
