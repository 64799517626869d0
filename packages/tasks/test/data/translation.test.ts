/** Lecture §5.3's toy translation: the target is the word-order rule and the lexicon applied to the source. */
import { fc, test } from '@fast-check/vitest'
import * as T from '@recurrent/tensor'
import { numRuns } from '@recurrent/testkit'
import { describe, expect, it } from 'vitest'
import {
  LEXICON,
  STOP,
  toIds,
  translate,
  translationPairs,
  translationVocabulary,
} from '../../src/data/translation.ts'

const runs = { numRuns: numRuns(60) }
const WORDS = Object.keys(LEXICON)
const sources = fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 12 })

/** The rule written another way: cut into chunks, reverse each, look every word up, flatten. */
const byChunks = (source: readonly string[], chunk: number): string[] => {
  const chunks: string[][] = []
  source.forEach((w, i) => {
    if (i % chunk === 0) chunks.push([])
    chunks[chunks.length - 1].unshift(w)
  })
  return [...chunks.flat().flatMap((w) => [...LEXICON[w]]), STOP]
}

describe('the translation rule', () => {
  test.prop([sources, fc.integer({ min: 1, max: 5 })], runs)(
    'reverses each chunk, translates every word, and ends with ===',
    (source, chunk) => {
      const target = translate(source, { chunk })
      expect(target).toEqual(byChunks(source, chunk))
      expect(target.indexOf(STOP)).toBe(target.length - 1)
      expect(target.length).toBe(1 + source.reduce((n, w) => n + LEXICON[w].length, 0))
    },
  )

  it('reorders and changes the length: "machine learning" → 學 習 機 器 ===', () => {
    expect(translate(['machine', 'learning'])).toEqual(['學', '習', '機', '器', STOP])
    expect(translate(['machine', 'learning'], { chunk: 1 })).toEqual(['機', '器', '學', '習', STOP])
  })

  it('names the bad argument', () => {
    expect(() => translate([])).toThrow(/translate: source must be a non-empty array/)
    expect(() => translate(['machine', 'teaching'])).toThrow(
      /translate: source\[1\] 'teaching' is not a word of the lexicon/,
    )
    expect(() => translate(['i'], { chunk: 0 })).toThrow(/translate: chunk must be a positive integer, got 0/)
    expect(() => translate(['i'], { lexicon: { i: [STOP] } })).toThrow(
      /lexicon\['i'\] must be a non-empty array/,
    )
  })
})

describe('the seeded corpus', () => {
  test.prop(
    [fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 6 })],
    runs,
  )(
    'draws sources of lexicon words within the lengths, each target the rule applied to its source',
    (seed, minLength, extra) => {
      const options = { minLength, maxLength: minLength + extra, chunk: 3 }
      const pairs = translationPairs(T.key(seed), 16, options)
      expect(pairs).toHaveLength(16)
      for (const p of pairs) {
        expect(p.source.length).toBeGreaterThanOrEqual(minLength)
        expect(p.source.length).toBeLessThanOrEqual(minLength + extra)
        expect(p.source.every((w) => WORDS.includes(w))).toBe(true)
        expect(p.target).toEqual(byChunks(p.source, 3))
      }
      expect(translationPairs(T.key(seed), 16, options)).toEqual(pairs)
    },
  )

  it('draws a test set balanced by length, and different data from different keys', () => {
    const balanced = translationPairs(T.key(0), 5, { minLength: 2, maxLength: 4 }, { perLength: true })
    expect(balanced.map((p) => p.source.length)).toEqual([2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4])
    const options = { minLength: 4, maxLength: 8 }
    expect(translationPairs(T.key(0), 8, options)).not.toEqual(translationPairs(T.key(1), 8, options))
  })

  it('names the bad argument', () => {
    expect(() => translationPairs(T.key(0), 2, { minLength: 0, maxLength: 3 })).toThrow(
      /translationPairs: minLength must be a positive integer, got 0/,
    )
    expect(() => translationPairs(T.key(0), 2, { minLength: 3, maxLength: 2 })).toThrow(
      /translationPairs: maxLength must be an integer ≥ minLength \(3\), got 2/,
    )
    expect(() => translationPairs(T.key(0), -1, { minLength: 1, maxLength: 2 })).toThrow(
      /translationPairs: count must be a non-negative integer/,
    )
  })
})

describe('vocabularies and ids', () => {
  it('puts === at target id 0 and every lexicon token once', () => {
    const v = translationVocabulary()
    expect(v.source).toEqual(WORDS)
    expect(v.target[0]).toBe(STOP)
    expect(new Set(v.target).size).toBe(v.target.length)
    expect(new Set(v.target.slice(1))).toEqual(new Set(Object.values(LEXICON).flat()))
  })

  it('maps words to ids and names an unknown token', () => {
    const v = translationVocabulary()
    expect(toIds(['===', '機'], v.target)).toEqual([0, 1])
    expect(() => toIds(['機', '猫'], v.target)).toThrow(/toIds: words\[1\] '猫' is not in the vocabulary/)
  })
})
