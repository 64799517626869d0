/** Gradients through the combinators: deep, bidirectional, masked (checkGrad over random sizes). */
import { fc, test } from '@fast-check/vitest'
import type { Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import { assertGradients, numRuns } from '@recurrent/testkit'
import { describe } from 'vitest'
import { bidirectional, dense, embedding, gru, type Layer, lstm, rnn, stack } from '../src/index.ts'

const runs = { numRuns: numRuns(8) }
const sizes = fc.record({
  seed: fc.nat({ max: 2 ** 30 }),
  I: fc.integer({ min: 1, max: 2 }),
  H: fc.integer({ min: 1, max: 2 }),
  steps: fc.integer({ min: 1, max: 3 }),
  B: fc.integer({ min: 1, max: 2 }),
  merge: fc.constantFrom('concat' as const, 'sum' as const),
})

const check = (make: (merge: 'concat' | 'sum') => Layer) =>
  test.prop([sizes], runs)('gradients agree with central differences', ({ seed, I, H, steps, B, merge }) => {
    const layer = make(merge)
    const params = layer.init(T.key(seed), { inputSize: I, hiddenSize: H, dtype: 'f64' })
    const xs = T.randn(T.key(seed + 1), [steps, B, I], 'f64')
    const lengths = Array.from({ length: B }, (_, b) => (b === 0 ? steps : Math.max(0, steps - 1 - b)))
    const proj = T.randn(T.key(seed + 2), [steps, B, layer.outputSize(params)], 'f64')
    assertGradients(
      (q: { p: unknown; x: Tensor }) => T.sum(T.mul(layer.apply(q.p, q.x, { lengths }).output, proj)),
      { p: params, x: xs },
    )
  })

describe('stack of bidirectional LSTMs, masked', () =>
  check((merge) => stack([bidirectional(rnn(lstm()), { merge }), rnn(gru())])))
describe('bidirectional stack of GRUs, masked', () =>
  check((merge) => bidirectional(stack([rnn(gru()), rnn(gru())]), { merge })))
describe('embedding → rnn → dense', () =>
  test.prop([sizes], runs)('gradients agree with central differences', ({ seed, H, steps, B }) => {
    const emb = embedding()
    const layer = rnn(gru())
    const out = dense({ activation: 'tanh' })
    const p = {
      emb: emb.init(T.key(seed), { vocabularySize: 4, dim: 2, dtype: 'f64' }),
      rnn: layer.init(T.key(seed + 1), { inputSize: 2, hiddenSize: H, dtype: 'f64' }),
      out: out.init(T.key(seed + 2), { inputSize: H, outputSize: 3, dtype: 'f64' }),
    }
    const words = T.tensor(
      Array.from({ length: steps }, (_, t) => Array.from({ length: B }, (_, b) => (t + 2 * b) % 4)),
      { dtype: 'i32' },
    )
    assertGradients(
      (q: typeof p) =>
        T.sum(T.logSoftmax(out.apply(q.out, layer.apply(q.rnn, emb.apply(q.emb, words)).output))),
      p,
    )
  }))
