import { fc, test } from '@fast-check/vitest'
import * as T from '@recurrent/tensor'
import { numRuns } from '@recurrent/testkit'
import { describe, expect, it } from 'vitest'
import {
  ORDER_LABELS,
  orderPairs,
  RATING_LABELS,
  ratingSentences,
  sentimentVocabulary,
} from '../../src/data/sentiment.ts'

const runs = { numRuns: numRuns(25) }
const seed = fc.integer({ min: 0, max: 10_000 })
const sorted = (ws: readonly string[]) => [...ws].sort()

describe('order-decided sentence pairs (Lecture §5.1)', () => {
  test.prop([seed, fc.integer({ min: 1, max: 40 })], runs)(
    'come in pairs of the same multiset of words in another order, with opposite labels',
    (s, pairs) => {
      const ss = orderPairs(T.key(s), { pairs })
      expect(ss.length).toBe(2 * pairs)
      for (let i = 0; i < ss.length; i += 2) {
        const [good, bad] = [ss[i], ss[i + 1]]
        expect(sorted(good.words)).toEqual(sorted(bad.words))
        expect(good.words).not.toEqual(bad.words)
        expect([good.label, bad.label]).toEqual([1, 0])
        expect(ORDER_LABELS[good.label]).toBe('positive')
      }
    },
  )

  it('vary in length, from 3 to 14 words, and both labels are equally common', () => {
    const ss = orderPairs(T.key(0), { pairs: 500 })
    const lengths = new Set(ss.map((s) => s.words.length))
    expect(lengths.size).toBeGreaterThanOrEqual(8)
    expect(Math.min(...lengths)).toBeGreaterThanOrEqual(3)
    expect(Math.max(...lengths)).toBeLessThanOrEqual(14)
    expect(ss.filter((s) => s.label === 1).length).toBe(500)
  })

  it('build the lecture example, and the same multiset never decides the label', () => {
    const ss = orderPairs(T.key(1), { pairs: 2000 })
    const text = ss.map((s) => s.words.join(' '))
    expect(text.some((t) => t.includes('white blood cells destroying an infection'))).toBe(true)
    expect(text.some((t) => t.includes('an infection destroying white blood cells'))).toBe(true)
    const labelsOf = new Map<string, Set<number>>()
    for (const s of ss) {
      const bag = sorted(s.words).join(' ')
      labelsOf.set(bag, (labelsOf.get(bag) ?? new Set()).add(s.label))
    }
    expect([...labelsOf.values()].every((l) => l.size === 2)).toBe(true)
  })

  test.prop([seed], runs)('are a function of the key', (s) => {
    expect(orderPairs(T.key(s), { pairs: 5 })).toEqual(orderPairs(T.key(s), { pairs: 5 }))
  })
})

describe('reviews with a rating (Lecture §5.1)', () => {
  test.prop([seed, fc.integer({ min: 1, max: 60 })], runs)(
    'have a label in [0, 5), a verdict, and only vocabulary words',
    (s, n) => {
      const vocabulary = new Set(sentimentVocabulary())
      const rs = ratingSentences(T.key(s), { sentences: n })
      expect(rs.length).toBe(n)
      for (const r of rs) {
        expect(Number.isInteger(r.label) && r.label >= 0 && r.label < RATING_LABELS.length).toBe(true)
        expect(r.words).toContain('was')
        expect(r.words.every((w) => vocabulary.has(w))).toBe(true)
      }
    },
  )

  it('vary in length, from 4 to 26 words, with every rating about equally common', () => {
    const rs = ratingSentences(T.key(0), { sentences: 1000 })
    const lengths = new Set(rs.map((r) => r.words.length))
    expect(lengths.size).toBeGreaterThanOrEqual(12)
    expect(Math.min(...lengths)).toBeGreaterThanOrEqual(4)
    expect(Math.max(...lengths)).toBeLessThanOrEqual(26)
    for (let r = 0; r < RATING_LABELS.length; r++) {
      const share = rs.filter((x) => x.label === r).length / rs.length
      expect(share).toBeGreaterThan(0.15)
      expect(share).toBeLessThan(0.25)
    }
  })

  it('the words decide the rating: equal multisets of words have equal labels', () => {
    const rs = ratingSentences(T.key(2), { sentences: 3000 })
    const labelOf = new Map<string, number>()
    for (const r of rs) {
      const bag = sorted(r.words).join(' ')
      expect(labelOf.get(bag) ?? r.label).toBe(r.label)
      labelOf.set(bag, r.label)
    }
  })
})

describe('the sentiment vocabulary', () => {
  it('is sorted and without repeats, and covers both generators', () => {
    const v = sentimentVocabulary()
    expect(v).toEqual([...new Set(v)].sort())
    const words = [
      ...orderPairs(T.key(3), { pairs: 500 }),
      ...ratingSentences(T.key(3), { sentences: 500 }),
    ].flatMap((s) => s.words)
    expect(new Set(words)).toEqual(new Set(v))
  })
})

describe('bad generator options', () => {
  it('name the argument and what was expected', () => {
    expect(() => orderPairs(T.key(0), { pairs: -1 })).toThrow(
      /orderPairs: pairs must be a non-negative integer, got -1/,
    )
    expect(() => orderPairs(T.key(0), { pairs: 1.5 })).toThrow(/orderPairs: pairs/)
    expect(() => orderPairs(T.key(0), null as never)).toThrow(/orderPairs: options must be \{ pairs \}/)
    expect(() => ratingSentences(T.key(0), { sentences: Number.NaN })).toThrow(
      /ratingSentences: sentences must be a non-negative integer, got NaN/,
    )
    expect(() => ratingSentences(T.key(0), undefined as never)).toThrow(/ratingSentences: options/)
  })
})
