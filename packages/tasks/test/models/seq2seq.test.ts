/** Lecture §5.3 and §5.7: the encoder–decoder, its decoders, and dot-product attention. */
import { fc, test } from '@fast-check/vitest'
import * as T from '@recurrent/tensor'
import { assertClose, assertGradients, numRuns, TOL } from '@recurrent/testkit'
import { describe, expect, it } from 'vitest'
import { dotAttention } from '../../src/models/attention.ts'
import { beamDecode, greedyDecode, type Seq2seqParams, STOP_ID, seq2seq } from '../../src/models/seq2seq.ts'

const runs = { numRuns: numRuns(20) }

/** B source sentences of ids < V with lengths in 1…Ts, padded with 0. */
const sources = (V: number) =>
  fc
    .array(fc.array(fc.integer({ min: 0, max: V - 1 }), { minLength: 1, maxLength: 5 }), {
      minLength: 1,
      maxLength: 4,
    })
    .map((seqs) => {
      const Ts = Math.max(...seqs.map((s) => s.length))
      const x = T.tensor(
        Array.from({ length: Ts }, (_, t) => seqs.map((s) => s[t] ?? 0)),
        { dtype: 'i32' },
      )
      return { x, lengths: seqs.map((s) => s.length) }
    })

describe('dot-product attention', () => {
  const setup = fc.record({
    Tq: fc.integer({ min: 1, max: 3 }),
    Ts: fc.integer({ min: 1, max: 4 }),
    B: fc.integer({ min: 1, max: 3 }),
    H: fc.integer({ min: 1, max: 3 }),
    seed: fc.integer({ min: 0, max: 1000 }),
  })

  test.prop([setup], runs)('its gradient with respect to queries and memory passes checkGrad', (s) => {
    const [kq, km, kl, kw] = T.split(T.key(s.seed), 4)
    const lengths = Array.from(T.randomBits(kl, s.B), (w) => 1 + (w % s.Ts))
    const weights = T.randn(kw, [s.Tq, s.B, s.H], 'f64')
    assertGradients(
      ({ q, m }: { q: T.Tensor; m: T.Tensor }) => T.sum(T.mul(dotAttention(q, m, lengths).context, weights)),
      { q: T.randn(kq, [s.Tq, s.B, s.H], 'f64'), m: T.randn(km, [s.Ts, s.B, s.H], 'f64') },
    )
  })

  test.prop([setup], runs)(
    'reads only valid positions: weights are distributions, 0 on padding, and padding values do not matter',
    (s) => {
      const [kq, km, kl, kn] = T.split(T.key(s.seed), 4)
      const lengths = Array.from(T.randomBits(kl, s.B), (w) => 1 + (w % s.Ts))
      const q = T.randn(kq, [s.Tq, s.B, s.H], 'f64')
      const m = T.randn(km, [s.Ts, s.B, s.H], 'f64')
      const { context, weights } = dotAttention(q, m, lengths)
      assertClose(T.sum(weights, { axis: -1 }), T.ones([s.Tq, s.B], 'f64'), TOL.f64)
      const w = T.toArray(weights) as number[][][]
      w.forEach((rows) =>
        rows.forEach((row, b) => row.forEach((a, i) => i >= lengths[b] && expect(a).toBe(0))),
      )
      // Overwrite the padded slots with noise: the context is unchanged.
      const valid = T.reshape(T.tensor(Array.from({ length: s.Ts }, (_, i) => lengths.map((l) => i < l))), [
        s.Ts,
        s.B,
        1,
      ])
      const noisy = T.where(valid, m, T.mul(T.randn(kn, [s.Ts, s.B, s.H], 'f64'), 100))
      assertClose(dotAttention(q, noisy, lengths).context, context, TOL.f64)
    },
  )

  it('names the bad argument', () => {
    const q = T.zeros([1, 2, 3])
    expect(() => dotAttention(q, T.zeros([0, 2, 3]))).toThrow(
      /dotAttention: memory must have at least one position/,
    )
    expect(() => dotAttention(q, T.zeros([4, 2, 3]), [4, 0])).toThrow(
      /dotAttention: lengths\[1\] must be an integer in 1…4, got 0/,
    )
    expect(() => dotAttention(q, T.zeros([4, 2, 5]))).toThrow(/dotAttention: queries \[1,2,3\] and memory/)
  })
})

describe('greedy and beam decoding', () => {
  const V = 5
  const model = (attention: boolean) =>
    seq2seq({ sourceVocabulary: 4, targetVocabulary: V, embedding: 3, hidden: 4, attention })

  test.prop(
    [fc.boolean(), fc.integer({ min: 0, max: 1000 }), sources(4), fc.integer({ min: 1, max: 8 })],
    runs,
  )(
    'a beam of width 1 is greedy decoding, and every output stops at its first === or at the limit',
    (attention, seed, { x, lengths }, limit) => {
      const m = model(attention)
      const p = m.init(T.key(seed))
      const greedy = greedyDecode(m, p, x, lengths, limit).ids
      expect(beamDecode(m, p, x, lengths, limit, 1).ids).toEqual(greedy)
      for (const ids of [...greedy, ...beamDecode(m, p, x, lengths, limit, 3).ids]) {
        const stop = ids.indexOf(STOP_ID)
        if (stop === -1) expect(ids).toHaveLength(limit)
        else expect(stop).toBe(ids.length - 1)
        expect(ids.length).toBeLessThanOrEqual(limit)
      }
    },
  )

  /** Params whose output layer prefers `token` by a wide margin whatever the state. */
  const prefer = (p: Seq2seqParams, token: number): Seq2seqParams => ({
    ...p,
    out: { ...p.out, b: T.tensor(Array.from({ length: V }, (_, v) => (v === token ? 50 : 0))) },
  })

  it('stops at === as soon as it is written, and runs to the limit when it never is', () => {
    const m = model(false)
    const p = m.init(T.key(0))
    const x = T.tensor([[1, 2]], { dtype: 'i32' })
    expect(greedyDecode(m, prefer(p, STOP_ID), x, [1, 1], 6).ids).toEqual([[STOP_ID], [STOP_ID]])
    expect(beamDecode(m, prefer(p, STOP_ID), x, [1, 1], 6, 3).ids).toEqual([[STOP_ID], [STOP_ID]])
    expect(greedyDecode(m, prefer(p, 3), x, [1, 1], 6).ids).toEqual([
      [3, 3, 3, 3, 3, 3],
      [3, 3, 3, 3, 3, 3],
    ])
  })

  test.prop([fc.boolean(), fc.integer({ min: 0, max: 1000 })], { numRuns: numRuns(8) })(
    'an unpruned beam finds the most probable finished output, scored by teacher forcing',
    (attention, seed) => {
      const Vs = 3
      const m = seq2seq({ sourceVocabulary: 3, targetVocabulary: Vs, embedding: 3, hidden: 4, attention })
      const p = m.init(T.key(seed))
      const x = T.tensor([[1], [2]], { dtype: 'i32' })
      const limit = 4
      // Every output of 1…limit tokens that ends with ===, scored as Σ_t log p(y_t | y_<t, x).
      const outputs: number[][] = []
      const grow = (prefix: number[]): void => {
        for (let v = 0; v < Vs; v++) {
          const y = [...prefix, v]
          if (v === STOP_ID) outputs.push(y)
          else if (y.length < limit) grow(y)
        }
      }
      grow([])
      const score = (y: number[]): number => {
        const enc = m.encode(p, x, [2])
        const inputs = T.tensor(
          [STOP_ID, ...y.slice(0, -1)].map((v) => [v]),
          { dtype: 'i32' },
        )
        const lp = T.toArray(T.logSoftmax(m.logits(p, enc, inputs, [y.length]))) as number[][][]
        return y.reduce((s, v, t) => s + lp[t][0][v], 0)
      }
      const scores = outputs.map(score)
      const best = outputs[scores.indexOf(Math.max(...scores))]
      expect(beamDecode(m, p, x, [2], limit, Vs ** limit).ids).toEqual([best])
    },
  )

  it('names the bad argument', () => {
    const m = model(true)
    const p = m.init(T.key(0))
    const x = T.tensor([[1, 2]], { dtype: 'i32' })
    expect(() => greedyDecode(m, p, x, [1, 0], 4)).toThrow(
      /seq2seq.encode: lengths\[1\] must be an integer in 1…1 \(an empty sequence cannot be translated\), got 0/,
    )
    expect(() => beamDecode(m, p, x, [1, 1], 4, 0)).toThrow(
      /beamDecode: width must be a positive integer, got 0/,
    )
    expect(() => greedyDecode(m, p, x, [1, 1], 0)).toThrow(
      /greedyDecode: limit must be a positive integer, got 0/,
    )
    expect(() => m.encode(p, T.tensor([[7]], { dtype: 'i32' }), [1])).toThrow(/embedding/)
    expect(() => m.step(p, m.encode(p, x, [1, 1]), T.zeros([2, 4]), [0, 9])).toThrow(
      /seq2seq.step: tokens\[1\] must be a target id in 0…4, got 9/,
    )
    expect(() => seq2seq({ sourceVocabulary: 0, targetVocabulary: 3 })).toThrow(
      /seq2seq: sourceVocabulary must be a positive integer, got 0/,
    )
  })
})
