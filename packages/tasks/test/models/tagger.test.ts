import { fc, test } from '@fast-check/vitest'
import { elman, irnn, type Layer, rnn, stack } from '@recurrent/cells'
import * as T from '@recurrent/tensor'
import { assertClose, numRuns, TOL } from '@recurrent/testkit'
import { describe, expect, it } from 'vitest'
import { encodingTable, oneHot, wordHashing } from '../../src/encoders.ts'
import {
  feedforward,
  fitTagger,
  TAGGER_KINDS,
  type TaggerKind,
  tagger,
  taggerLayer,
  tagSentences,
} from '../../src/models/tagger.ts'

const runs = { numRuns: numRuns(15) }
const WORDS = ['arrive', 'leave', 'Taipei', 'on', 'November', 'second']
const words = encodingTable(oneHot(WORDS), WORDS)
const build = (kind: TaggerKind) => {
  const { layer, head } = taggerLayer(kind, 5)
  return tagger({ layer, head, inputSize: words.dims.length, labels: 5, embedding: 6, hidden: 6 })
}
const sentence = fc.array(fc.integer({ min: 0, max: WORDS.length - 1 }), { minLength: 2, maxLength: 6 })
const ids = (s: readonly number[]) =>
  T.tensor(
    s.map((w) => [w]),
    { dtype: 'i32' },
  )

describe('per-word taggers (Lecture §1.2)', () => {
  test.prop([fc.constantFrom(...TAGGER_KINDS), fc.array(sentence, { minLength: 1, maxLength: 3 })], runs)(
    'give logits [T, B, labels] for a padded batch, whatever the layer',
    (kind, ss) => {
      const t = build(kind)
      const steps = Math.max(...ss.map((s) => s.length))
      const batch = T.tensor(
        Array.from({ length: steps }, (_, i) => ss.map((s) => s[i] ?? 0)),
        { dtype: 'i32' },
      )
      expect(
        T.shape(
          t.logits(
            t.init(T.key(0)),
            words,
            batch,
            ss.map((s) => s.length),
          ),
        ),
      ).toEqual([steps, ss.length, 5])
    },
  )

  test.prop([sentence, sentence, fc.integer({ min: 0, max: 100 })], runs)(
    'the feedforward tagger has no memory: a word gets the same output whatever came before it',
    (before, other, seed) => {
      const t = build('feedforward')
      const p = t.init(T.key(seed))
      const last = before[before.length - 1]
      const a = t.logits(p, words, ids(before), [before.length])
      const b = t.logits(p, words, ids([...other, last]), [other.length + 1])
      assertClose(
        T.slice(a, [before.length - 1, 0, 0], [1, 1, 5]),
        T.slice(b, [other.length, 0, 0], [1, 1, 5]),
        TOL.f32,
      )
    },
  )

  it('a recurrent tagger remembers: "Taipei" after "arrive" and after "leave" get different outputs', () => {
    for (const kind of ['elman', 'jordan', 'lstm', 'gru', 'bidirectional'] as const) {
      const t = build(kind)
      const p = t.init(T.key(1))
      const arrive = T.toArray(t.logits(p, words, ids([0, 2]), [2])) as number[][][]
      const leave = T.toArray(t.logits(p, words, ids([1, 2]), [2])) as number[][][]
      expect(arrive[1][0]).not.toEqual(leave[1][0])
    }
    const ff = build('feedforward')
    const p = ff.init(T.key(1))
    expect(T.toArray(ff.logits(p, words, ids([0, 2]), [2]))).not.toEqual([])
    expect((T.toArray(ff.logits(p, words, ids([0, 2]), [2])) as number[][][])[1]).toEqual(
      (T.toArray(ff.logits(p, words, ids([1, 2]), [2])) as number[][][])[1],
    )
  })

  it('the bidirectional tagger sees what follows: "Taipei" before "arrive" and before "leave" differ', () => {
    const t = build('bidirectional')
    const p = t.init(T.key(2))
    const a = (T.toArray(t.logits(p, words, ids([2, 0]), [2])) as number[][][])[0]
    const b = (T.toArray(t.logits(p, words, ids([2, 1]), [2])) as number[][][])[0]
    expect(a).not.toEqual(b)
    const lstm = build('lstm')
    const q = lstm.init(T.key(2))
    expect((T.toArray(lstm.logits(q, words, ids([2, 0]), [2])) as number[][][])[0]).toEqual(
      (T.toArray(lstm.logits(q, words, ids([2, 1]), [2])) as number[][][])[0],
    )
  })

  it('takes any layer: a cell of the caller’s choice, a deep stack, word hashing', () => {
    const hashed = encodingTable(wordHashing(), WORDS)
    const layers: Layer[] = [rnn(irnn()), stack([rnn(elman()), rnn(elman())])]
    for (const layer of layers) {
      const t = tagger({ layer, inputSize: hashed.dims.length, labels: 3, embedding: 4, hidden: 4 })
      expect(T.shape(t.logits(t.init(T.key(0)), hashed, ids([0, 2, 3]), [3]))).toEqual([3, 1, 3])
    }
  })

  it('Jordan’s tagger feeds back its own output: the logits, no separate output layer', () => {
    const p = build('jordan').init(T.key(0))
    expect(p.head).toBeNull()
    expect(() =>
      tagger({ layer: rnn(elman()), head: false, inputSize: words.dims.length, labels: 5, hidden: 4 }).init(
        T.key(0),
      ),
    ).toThrow(/tagger: without a head the layer's output size \(4\) must equal labels \(5\)/)
  })

  it('rejects bad sizes and a missing layer, naming them', () => {
    expect(() => tagger({ layer: feedforward(), inputSize: 0, labels: 2 })).toThrow(
      /tagger: inputSize must be a positive integer/,
    )
    expect(() => tagger({ layer: null as unknown as Layer, inputSize: 2, labels: 2 })).toThrow(
      /tagger: layer must be a Layer/,
    )
    expect(() => taggerLayer('transformer' as TaggerKind, 2)).toThrow(/taggerLayer: kind must be one of/)
    expect(() =>
      feedforward().apply(feedforward().init(T.key(0), { inputSize: 2, outputSize: 3 }), T.ones([2, 2])),
    ).toThrow(/feedforward\.apply: input must be \[T,B,F\]/)
  })
})

describe('training a tagger', () => {
  // "arrive Taipei" → O destination; "leave Taipei" → O departure (labels 0, 1, 2)
  const data = {
    words: [
      [0, 2],
      [1, 2],
    ],
    labels: [
      [0, 1],
      [0, 2],
    ],
  }
  const train = (kind: TaggerKind, seed: number) =>
    fitTagger(build(kind), words, data, T.key(seed), { steps: 40, batchSize: 2, learningRate: 0.05 })

  it('is a function of the key', () => {
    const a = train('gru', 3)
    const b = train('gru', 3)
    expect(b.losses).toEqual(a.losses)
    expect(T.toArray(b.params.E)).toEqual(T.toArray(a.params.E))
  })

  it('an LSTM learns the lecture’s pair; a feedforward net cannot', () => {
    const lstm = train('lstm', 0)
    expect(tagSentences(build('lstm'), lstm.params, words, data.words)).toEqual(data.labels)
    const ff = train('feedforward', 0)
    const tags = tagSentences(build('feedforward'), ff.params, words, data.words)
    expect(tags[0][1]).toBe(tags[1][1]) // "Taipei" gets one label in both
    // its loss stays near log 2 per sentence: the best it can do is ½ on each role
    expect(ff.losses[39]).toBeGreaterThan(Math.log(2) - 0.05)
  })

  it('word dropout substitutes the given word id and is drawn from the key', () => {
    const table = encodingTable(oneHot(WORDS), [...WORDS, '<other>'])
    const t = tagger({
      layer: feedforward(),
      inputSize: table.dims.length,
      labels: 5,
      embedding: 4,
      hidden: 4,
    })
    const opts = { steps: 5, batchSize: 2, learningRate: 0.05 }
    const plain = fitTagger(t, table, data, T.key(4), opts)
    const dropped = fitTagger(t, table, data, T.key(4), {
      ...opts,
      wordDropout: { rate: 0.5, id: WORDS.length },
    })
    // with dropout the "other" row of E (the last) is trained; without it, it never moves
    const other = (p: typeof plain.params) => (T.toArray(p.E) as number[][])[table.dims.length - 1]
    const init = (T.toArray(t.init(T.split(T.key(4), 3)[0]).E) as number[][])[table.dims.length - 1]
    expect(other(plain.params)).toEqual(init)
    expect(other(dropped.params)).not.toEqual(init)
    expect(() => fitTagger(t, table, data, T.key(4), { ...opts, wordDropout: { rate: 1, id: 6 } })).toThrow(
      /fitTagger: wordDropout\.rate must lie in \[0, 1\)/,
    )
  })
})
