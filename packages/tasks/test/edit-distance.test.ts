/** Lecture §5.2's error measures: edit distance, character error rate, double letters kept. */
import { fc, test } from '@fast-check/vitest'
import { numRuns } from '@recurrent/testkit'
import { describe, expect, it } from 'vitest'
import { characterErrorRate, doubleLetters, doubleLettersKept, editDistance } from '../src/metrics.ts'

const runs = { numRuns: numRuns(100) }
const word = fc.string({ unit: fc.constantFrom('a', 'b', 'c'), maxLength: 7 })

/** The distance by its definition: the fewest edits, found by exhaustive recursion. */
const reference = (a: string, b: string): number =>
  a === ''
    ? b.length
    : b === ''
      ? a.length
      : Math.min(
          reference(a.slice(1), b) + 1,
          reference(a, b.slice(1)) + 1,
          reference(a.slice(1), b.slice(1)) + (a[0] === b[0] ? 0 : 1),
        )

describe('editDistance', () => {
  test.prop([word, word], runs)('equals the exhaustive recursion', (a, b) => {
    expect(editDistance(a, b)).toBe(reference(a, b))
  })
  test.prop([word, word], runs)(
    'is 0 exactly for equal sequences, symmetric, and within [|len a − len b|, max(len a, len b)]',
    (a, b) => {
      const d = editDistance(a, b)
      expect(d === 0).toBe(a === b)
      expect(editDistance(b, a)).toBe(d)
      expect(d).toBeGreaterThanOrEqual(Math.abs(a.length - b.length))
      expect(d).toBeLessThanOrEqual(Math.max(a.length, b.length))
    },
  )
  test.prop([word, word, word], runs)('satisfies the triangle inequality', (a, b, c) => {
    expect(editDistance(a, c)).toBeLessThanOrEqual(editDistance(a, b) + editDistance(b, c))
  })
  test.prop(
    [
      fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 7 }),
      fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 7 }),
    ],
    runs,
  )('reads arrays as strings of their elements', (a, b) => {
    const s = (xs: number[]) => xs.map((x) => 'abcd'[x]).join('')
    expect(editDistance(a, b)).toBe(editDistance(s(a), s(b)))
  })
  it('refuses what is not a sequence', () => {
    expect(() => editDistance(3 as never, 'a')).toThrow(/editDistance: a and b must be strings or arrays/)
  })
})

describe('characterErrorRate', () => {
  test.prop(
    [
      fc.array(
        fc.tuple(
          word,
          word.filter((w) => w !== ''),
        ),
        { minLength: 1, maxLength: 6 },
      ),
    ],
    runs,
  )(
    'is the summed edit distance over the summed reference length; 0 on the references themselves',
    (pairs) => {
      const p = pairs.map(([x]) => x)
      const r = pairs.map(([, y]) => y)
      const errors = pairs.reduce((n, [x, y]) => n + editDistance(x, y), 0)
      const chars = r.reduce((n, y) => n + y.length, 0)
      expect(characterErrorRate(p, r)).toBe(errors / chars)
      expect(characterErrorRate(r, r)).toBe(0)
    },
  )
  it('is NaN without reference characters and refuses mismatched lists', () => {
    expect(characterErrorRate([''], [''])).toBeNaN()
    expect(() => characterErrorRate(['a'], [])).toThrow(
      /characterErrorRate: predicted and reference must be arrays of equal length, got 1 and 0/,
    )
  })
})

describe('double letters', () => {
  it('finds each double letter of a word', () => {
    expect(doubleLetters('hello')).toEqual(['ll'])
    expect(doubleLetters('bookkeeper')).toEqual(['oo', 'kk', 'ee'])
    expect(doubleLetters('aaa')).toEqual(['aa', 'aa'])
    expect(doubleLetters('')).toEqual([])
  })
  test.prop([word], runs)(
    'a word keeps its own double letters; a copy with no equal neighbours keeps none',
    (w) => {
      const single = [...w].filter((c, j) => j === 0 || c !== w[j - 1]).join('')
      if (doubleLetters(w).length === 0) expect(doubleLettersKept([w], [w])).toBeNaN()
      else {
        expect(doubleLettersKept([w], [w])).toBe(1)
        expect(doubleLettersKept([single], [w])).toBe(0)
      }
    },
  )
  it('counts only words with a double letter, all of whose doubles must be kept', () => {
    expect(doubleLettersKept(['bokeper', 'bookeeper', 'cat'], ['bookkeeper', 'bookkeeper', 'cat'])).toBe(0)
    expect(doubleLettersKept(['hello', 'gd', 'dog'], ['hello', 'good', 'dog'])).toBe(0.5)
    expect(() => doubleLettersKept(['a'], ['a', 'b'])).toThrow(/doubleLettersKept: predicted and reference/)
  })
})
