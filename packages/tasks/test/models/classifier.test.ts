import { fc, test } from '@fast-check/vitest'
import { elman, lstm } from '@recurrent/cells'
import * as T from '@recurrent/tensor'
import { assertClose, identical, numRuns, TOL } from '@recurrent/testkit'
import { describe, expect, it } from 'vitest'
import { orderPairs, sentimentVocabulary } from '../../src/data/sentiment.ts'
import { oneHot } from '../../src/encoders.ts'
import {
  bagOfWords,
  classificationAccuracy,
  classify,
  fitClassifier,
  manyToOne,
  sentenceIds,
} from '../../src/models/classifier.ts'
import { SENTIMENT_CELLS } from '../../src/sections/sentiment.ts'

const runs = { numRuns: numRuns(20) }
const N = 9
const sizes = { vocabularySize: N, classes: 3, embedding: 4, hidden: 5 }
const sentence = fc.array(fc.integer({ min: 0, max: N - 1 }), { minLength: 1, maxLength: 8 })
const ids = (s: readonly (readonly number[])[]) => {
  const T_ = Math.max(...s.map((x) => x.length))
  return T.tensor(
    Array.from({ length: T_ }, (_, t) => s.map((x) => x[t] ?? 0)),
    { dtype: 'i32' },
  )
}
const vector = (
  m: ReturnType<typeof bagOfWords>,
  p: ReturnType<ReturnType<typeof bagOfWords>['init']>,
  s: number[][],
) =>
  T.toArray(
    m.encode(
      p,
      ids(s),
      s.map((x) => x.length),
    ),
  ) as number[][]

describe('bagOfWords (Lecture §5.1)', () => {
  const bow = bagOfWords(sizes)
  const p = bow.init(T.key(0))

  const reordered = sentence.chain((s) =>
    fc.tuple(fc.constant(s), fc.shuffledSubarray(s, { minLength: s.length, maxLength: s.length })),
  )
  test.prop([reordered], runs)(
    'gives a sentence and any reordering of it exactly the same logits',
    ([s, shuffled]) => {
      const [a, b] = T.toArray(bow.logits(p, ids([s, shuffled]), [s.length, shuffled.length])) as number[][]
      expect(a).toEqual(b)
    },
  )

  test.prop([sentence], runs)('is the mean of the word vectors', (s) => {
    const E = T.toArray(p.embedding.E) as number[][]
    const mean = E[0].map((_, d) => s.reduce((acc, w) => acc + E[w][d], 0) / s.length)
    assertClose(T.tensor([vector(bow, p, [s])[0]]), [mean], TOL.f32)
  })

  it('gives each order pair the same input, so exactly one of the two is classified right', () => {
    const encoder = oneHot(sentimentVocabulary(), { other: false })
    const pairs = orderPairs(T.key(4), { pairs: 30 })
    const words = sentenceIds(
      encoder,
      pairs.map((s) => s.words),
    )
    const m = bagOfWords({ vocabularySize: encoder.size, classes: 2 })
    const q = m.init(T.key(1))
    const v = T.toArray(
      m.encode(
        q,
        ids(words),
        words.map((w) => w.length),
      ),
    ) as number[][]
    for (let i = 0; i < v.length; i += 2) expect(v[i]).toEqual(v[i + 1])
    const predicted = classify(m, q, words)
    expect(
      classificationAccuracy(
        predicted,
        pairs.map((s) => s.label),
      ),
    ).toBe(0.5)
  })
})

describe('manyToOne (Lecture §5.1)', () => {
  for (const [name, cell] of [
    ['lstm', SENTIMENT_CELLS.lstm],
    ['gru', SENTIMENT_CELLS.gru],
    ['elman', elman()],
  ] as const) {
    const m = manyToOne(cell, sizes)
    const p = m.init(T.key(2))
    test.prop([fc.array(sentence, { minLength: 1, maxLength: 4 })], runs)(
      `${name}: reads the state after each sentence's last word, whatever the padding`,
      (ss) => {
        const batched = T.toArray(
          m.encode(
            p,
            ids(ss),
            ss.map((s) => s.length),
          ),
        ) as number[][]
        ss.forEach((s, b) => {
          const alone = T.toArray(m.encode(p, ids([s]), [s.length])) as number[][]
          assertClose(T.tensor([batched[b]]), alone, TOL.f32)
        })
      },
    )

    it(`${name}: tells a sentence from its reverse`, () => {
      const [a, b] = T.toArray(
        m.logits(
          p,
          ids([
            [1, 2, 3],
            [3, 2, 1],
          ]),
          [3, 3],
        ),
      ) as number[][]
      expect(a).not.toEqual(b)
    })
  }

  it('its output layer reads the H hidden units of the state', () => {
    const m = manyToOne(lstm(), { ...sizes, hidden: 7 })
    expect(T.shape(m.init(T.key(0)).out.W)).toEqual([3, 7])
    expect(T.shape(m.logits(m.init(T.key(0)), ids([[1, 2]]), [2]))).toEqual([1, 3])
  })
})

describe('training', () => {
  it('learns the order of one pair with a recurrent reader but not with a bag of words', () => {
    const data = {
      ids: [
        [1, 2, 3],
        [3, 2, 1],
      ],
      labels: [1, 0],
    }
    const options = { steps: 60, batchSize: 2, learningRate: 0.05 }
    const rnn = manyToOne(SENTIMENT_CELLS.gru, sizes)
    const trained = fitClassifier(rnn, data, T.key(0), options)
    expect(classify(rnn, trained.params, data.ids)).toEqual([1, 0])
    const bow = bagOfWords(sizes)
    const flat = fitClassifier(bow, data, T.key(0), options)
    expect(flat.losses[59]).toBeGreaterThan(Math.log(2) - 1e-3) // the best a bag can do: ln 2
    const [a, b] = classify(bow, flat.params, data.ids)
    expect(a).toBe(b)
  })

  it('is a function of the key, and reports every step', () => {
    const data = { ids: [[1, 2], [2], [3, 4, 5], [6]], labels: [0, 1, 2, 0] }
    const m = manyToOne(SENTIMENT_CELLS.lstm, sizes)
    const seen: number[] = []
    const a = fitClassifier(m, data, T.key(3), {
      steps: 4,
      batchSize: 2,
      learningRate: 0.01,
      onStep: (s) => seen.push(s),
    })
    const b = fitClassifier(m, data, T.key(3), { steps: 4, batchSize: 2, learningRate: 0.01 })
    expect(a.losses).toEqual(b.losses)
    expect(seen).toEqual([0, 1, 2, 3])
    expect(identical(a.params.out.W, b.params.out.W)).toBe(true)
  })
})

describe('bad input', () => {
  const m = manyToOne(SENTIMENT_CELLS.lstm, sizes)
  const opts = { steps: 1, batchSize: 1, learningRate: 0.01 }
  it('an empty sentence', () => {
    expect(() => sentenceIds(oneHot(['a'], { other: false }), [['a'], []])).toThrow(
      /sentenceIds: sentences\[1\] must be a non-empty array of words, got an empty sentence/,
    )
    expect(() => fitClassifier(m, { ids: [[1], []], labels: [0, 1] }, T.key(0), opts)).toThrow(
      /fitClassifier: data.ids\[1\] must be a non-empty sentence of word ids/,
    )
    expect(() => m.logits(m.init(T.key(0)), ids([[1, 2]]), [0])).toThrow(/lengths\[0\] = 0/)
  })
  it('an unknown word', () => {
    expect(() => sentenceIds(oneHot(['a', 'b'], { other: false }), [['a', 'zebra']])).toThrow(
      /sentenceIds: sentences\[0\]\[1\] = 'zebra' is not in the vocabulary/,
    )
    // with an "other" dimension too: an unknown word is refused, not mapped to "other"
    expect(() => sentenceIds(oneHot(['a']), [['zebra']])).toThrow(/'zebra' is not in the vocabulary/)
    expect(() => m.logits(m.init(T.key(0)), ids([[N]]), [1])).toThrow(/embedding/)
  })
  it('a label out of range', () => {
    expect(() => fitClassifier(m, { ids: [[1], [2]], labels: [0, 3] }, T.key(0), opts)).toThrow(
      /fitClassifier: data.labels\[1\] = 3 is not a class of lstm \(an integer in \[0, 3\)\)/,
    )
    expect(() => fitClassifier(m, { ids: [[1], [2]], labels: [0] }, T.key(0), opts)).toThrow(
      /fitClassifier: data has 2 sentences but 1 labels/,
    )
  })
  it('bad sizes and settings', () => {
    expect(() => bagOfWords({ vocabularySize: 0, classes: 2 })).toThrow(
      /bagOfWords: vocabularySize must be a positive integer, got 0/,
    )
    expect(() => manyToOne(SENTIMENT_CELLS.gru, { vocabularySize: 3, classes: 2.5 })).toThrow(
      /manyToOne: classes must be a positive integer, got 2.5/,
    )
    expect(() => manyToOne(null as never, sizes)).toThrow(/manyToOne: cell must be a Cell/)
    expect(() =>
      fitClassifier(m, { ids: [[1]], labels: [0] }, T.key(0), { ...opts, learningRate: 0 }),
    ).toThrow(/fitClassifier: learningRate must be positive, got 0/)
    expect(() => classificationAccuracy([1], [1, 0])).toThrow(
      /classificationAccuracy: predicted \(1\) and labels \(2\)/,
    )
  })
})
