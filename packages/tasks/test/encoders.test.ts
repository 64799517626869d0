import { fc, test } from '@fast-check/vitest'
import * as T from '@recurrent/tensor'
import { assertClose, EXACT, numRuns, TOL } from '@recurrent/testkit'
import { describe, expect, it } from 'vitest'
import { encodeSequences, encodingTable, oneHot, projectWords, wordHashing } from '../src/encoders.ts'

const runs = { numRuns: numRuns(40) }
const word = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz'), minLength: 1, maxLength: 9 })
const vocabulary = fc.uniqueArray(word, { minLength: 1, maxLength: 12 })

/** The dense vector of a sparse encoding. */
const dense = (size: number, v: { indices: readonly number[]; values: readonly number[] }): number[] => {
  const out = Array(size).fill(0)
  v.indices.forEach((i, k) => {
    out[i] = v.values[k]
  })
  return out
}

describe('1-of-N encoding with a dimension for "other" (Lecture §1.1)', () => {
  test.prop([vocabulary], runs)('is a 1 at the word’s own index: injective on the vocabulary', (vocab) => {
    const e = oneHot(vocab)
    expect(e.size).toBe(vocab.length + 1)
    const seen = new Set<string>()
    vocab.forEach((w, i) => {
      const x = dense(e.size, e.encode(w))
      expect(x.reduce((a, b) => a + b, 0)).toBe(1)
      expect(x[i]).toBe(1)
      seen.add(JSON.stringify(x))
    })
    expect(seen.size).toBe(vocab.length)
  })

  test.prop([vocabulary, fc.array(word, { minLength: 1, maxLength: 5 })], runs)(
    'maps every word outside the vocabulary to "other" (the last dimension)',
    (vocab, words) => {
      const e = oneHot(vocab)
      for (const w of words.filter((w) => !vocab.includes(w))) {
        expect(e.encode(w)).toEqual({ indices: [vocab.length], values: [1] })
        expect(e.indexOf(w)).toBe(e.otherIndex)
      }
      // an upper-case variant is another word: 1-of-N does not read letters
      expect(e.encode(vocab[0].toUpperCase()).indices).toEqual([vocab.length])
    },
  )

  it('without "other" has N dimensions and rejects unknown words, naming them', () => {
    const e = oneHot(['arrive', 'leave'], { other: false })
    expect(e.size).toBe(2)
    expect(e.otherIndex).toBeUndefined()
    expect(() => e.encode('Taipei')).toThrow(/oneHot\.encode: word 'Taipei' is not in the vocabulary/)
  })

  it('rejects a vocabulary with a repeated word or a non-word', () => {
    expect(() => oneHot(['a', 'b', 'a'])).toThrow(T.ArgumentError)
    expect(() => oneHot(['a', 'b', 'a'])).toThrow(/oneHot: vocabulary has 'a' twice \(at 0 and 2\)/)
    expect(() => oneHot(['a', 3 as unknown as string])).toThrow(/oneHot: vocabulary\[1\] must be a word/)
    expect(() => oneHot('abc' as unknown as string[])).toThrow(/oneHot: vocabulary must be an array/)
  })
})

describe('word hashing by letter trigrams (Lecture §1.1)', () => {
  const hashing = wordHashing()
  const plain = wordHashing({ boundary: false })

  it('reads "apple" as the lecture says, with and without boundary marks', () => {
    expect(plain.trigrams('apple')).toEqual(['app', 'ppl', 'ple'])
    expect(hashing.trigrams('apple')).toEqual(['#ap', 'app', 'ppl', 'ple', 'le#'])
    expect(plain.size).toBe(26 ** 3)
    expect(hashing.size).toBe(27 ** 3)
  })

  test.prop([word], runs)(
    'gives the same vector for the same letters in the same order, in any case',
    (w) => {
      expect(hashing.encode(w)).toEqual(hashing.encode(w))
      expect(hashing.encode(w.toUpperCase())).toEqual(hashing.encode(w))
    },
  )

  test.prop([word], runs)('counts trigrams: the entries sum to the number of trigram positions', (w) => {
    const x = hashing.encode(w)
    expect(x.values.reduce((a, b) => a + b, 0)).toBe(w.length) // "#w#" has |w| + 2 − 2 trigrams
    expect(plain.encode(w).values.reduce((a, b) => a + b, 0)).toBe(Math.max(0, w.length - 2))
    expect(x.indices.every((i) => Number.isInteger(i) && i >= 0 && i < hashing.size)).toBe(true)
    expect([...x.indices].sort((a, b) => a - b)).toEqual(x.indices)
    expect(new Set(x.indices).size).toBe(x.indices.length)
  })

  it('counts a repeated trigram', () => {
    // "aaaa" without marks: aaa at two positions
    expect(plain.encode('aaaa')).toEqual({ indices: [0], values: [2] })
    expect(plain.encode('ab')).toEqual({ indices: [], values: [] }) // too short for a trigram
  })

  it('tells anagrams apart: stop, pots, tops, spot, post, opts', () => {
    const words = ['stop', 'pots', 'tops', 'spot', 'post', 'opts']
    const codes = new Set(words.map((w) => JSON.stringify(hashing.encode(w))))
    expect(codes.size).toBe(words.length)
    expect(plain.encode('stop')).not.toEqual(plain.encode('pots'))
  })

  test.prop([word, word], runs)(
    'with boundary marks, words that begin or end with different letter pairs get different vectors',
    (a, b) => {
      fc.pre(a.slice(0, 2) !== b.slice(0, 2) || a.slice(-2) !== b.slice(-2))
      expect(hashing.encode(a)).not.toEqual(hashing.encode(b))
    },
  )

  it('rejects letters outside the alphabet and bad alphabets, naming them', () => {
    expect(() => hashing.encode('2nd')).toThrow(
      /wordHashing\.encode: word '2nd' has '2', which is not in the alphabet/,
    )
    expect(() => hashing.encode('2nd')).toThrow(T.ArgumentError)
    expect(wordHashing({ alphabet: 'abcdefghijklmnopqrstuvwxyz0123456789' }).trigrams('2nd')).toEqual([
      '#2n',
      '2nd',
      'nd#',
    ])
    expect(() => wordHashing({ alphabet: 'aab' })).toThrow(/wordHashing: alphabet must be a non-empty string/)
    expect(() => wordHashing({ alphabet: 'ab#' })).toThrow(/may not contain '#'/)
  })
})

describe('encoded words as a batch input: x·E without the long vectors', () => {
  const sentences = fc.array(fc.array(word, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 4 })

  test.prop([sentences, fc.boolean(), fc.integer({ min: 0, max: 1000 })], runs)(
    'projectWords equals the dense encodeSequences(…)·E, for 1-of-N and for word hashing',
    (ss, useHashing, seed) => {
      const words = [...new Set(ss.flat())]
      const encoder = useHashing
        ? wordHashing({ boundary: false, alphabet: 'abcdefghijklmnopqrstuvwxyz' })
        : oneHot(words.slice(1))
      const table = encodingTable(encoder, words)
      expect([...table.dims].sort((a, b) => a - b)).toEqual(table.dims)
      // E_full has a row per dimension; E keeps the rows at the used dims.
      const full = T.randn(T.key(seed), [encoder.size, 3], 'f32')
      const E = T.gather(full, T.tensor([...table.dims], { dtype: 'i32' }), 0)
      const steps = Math.max(...ss.map((s) => s.length))
      const ids = T.tensor(
        Array.from({ length: steps }, (_, t) => ss.map((s) => (t < s.length ? words.indexOf(s[t]) : 0))),
        { dtype: 'i32' },
      )
      const mask = T.tensor(Array.from({ length: steps }, (_, t) => ss.map((s) => [t < s.length ? 1 : 0])))
      const sparse = T.mul(projectWords(table, E, ids), mask)
      const denseOut = T.matmul(
        T.reshape(encodeSequences(encoder, ss), [steps * ss.length, encoder.size]),
        full,
      )
      assertClose(sparse, T.reshape(denseOut, [steps, ss.length, 3]), TOL.f32)
    },
  )

  it('pads rows to the longest word and marks padding with value 0', () => {
    const table = encodingTable(wordHashing(), ['a', 'abcd'])
    expect(T.shape(table.indices)).toEqual([2, 4]) // "#a#": 1 trigram; "#abcd#": 4
    expect(T.toArray(table.values)).toEqual([
      [1, 0, 0, 0],
      [1, 1, 1, 1],
    ])
  })

  it('the 1-of-N projection is the embedding lookup E[i]', () => {
    const table = encodingTable(oneHot(['arrive', 'leave', 'Taipei']), ['arrive', 'leave', 'Taipei', 'Tokyo'])
    const E = T.randn(T.key(3), [4, 5])
    const out = projectWords(table, E, T.tensor([[0, 1, 2, 3]], { dtype: 'i32' }))
    assertClose(out, T.reshape(E, [1, 4, 5]), EXACT)
  })

  it('rejects ids that are not i32 and an E of the wrong shape', () => {
    const table = encodingTable(oneHot(['a']), ['a'])
    expect(() => projectWords(table, T.ones([1, 2]), T.tensor([[0]]))).toThrow(
      /projectWords: ids must be i32/,
    )
    expect(() => projectWords(table, T.ones([3, 2]), T.tensor([[0]], { dtype: 'i32' }))).toThrow(
      /projectWords: E must be \[1, dim\]/,
    )
    expect(() => encodeSequences(oneHot(['a']), ['a'] as unknown as string[][])).toThrow(
      /encodeSequences: sentences/,
    )
  })
})
