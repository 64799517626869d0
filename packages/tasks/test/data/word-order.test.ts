/** Sentences whose word order carries their meaning (Lecture §5.5). */
import { fc, test } from '@fast-check/vitest'
import * as T from '@recurrent/tensor'
import { numRuns } from '@recurrent/testkit'
import { describe, expect, it } from 'vitest'
import { WORD_ORDER_SENTENCES, wordOrderPairs, wordOrderVocabulary } from '../../src/data/word-order.ts'

const runs = { numRuns: numRuns(25) }
const sorted = (ws: readonly string[]) => [...ws].sort()

describe('word-order pairs (Lecture §5.5)', () => {
  test.prop([fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 40 })], runs)(
    'come in pairs of the same words in two different orders, 3 to 8 words, from the vocabulary',
    (seed, pairs) => {
      const ss = wordOrderPairs(T.key(seed), { pairs })
      expect(ss.length).toBe(2 * pairs)
      const vocabulary = new Set(wordOrderVocabulary())
      for (let i = 0; i < ss.length; i += 2) {
        expect(sorted(ss[i])).toEqual(sorted(ss[i + 1]))
        expect(ss[i]).not.toEqual(ss[i + 1])
      }
      for (const s of ss) {
        expect(s.length).toBeGreaterThanOrEqual(3)
        expect(s.length).toBeLessThanOrEqual(8)
        expect(s.every((w) => vocabulary.has(w))).toBe(true)
      }
      // A function of the key; a longer draw starts with a shorter one.
      expect(wordOrderPairs(T.key(seed), { pairs: pairs + 1 }).slice(0, 2 * pairs)).toEqual(ss)
    },
  )

  it("writes the lecture's example, and as many different sentences as it says", () => {
    const text = new Set(wordOrderPairs(T.key(0), { pairs: 20_000 }).map((s) => s.join(' ')))
    expect(text.has('white blood cells destroying an infection')).toBe(true)
    expect(text.has('an infection destroying white blood cells')).toBe(true)
    expect(text.size).toBe(WORD_ORDER_SENTENCES)
  })

  it('names bad input', () => {
    expect(() => wordOrderPairs(T.key(0), { pairs: -1 })).toThrow(
      /wordOrderPairs: options.pairs must be a non-negative integer, got -1/,
    )
    expect(() => wordOrderPairs(T.key(0), undefined as never)).toThrow(/options.pairs/)
  })
})
