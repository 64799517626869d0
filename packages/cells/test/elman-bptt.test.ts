/** The hand-derived BPTT of the Elman cell equals `grad` through the time scan (Lecture §4.2). */
import { fc, test } from '@fast-check/vitest'
import { vjp } from '@recurrent/autograd'
import type { Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import { assertClose, numRuns, TOL } from '@recurrent/testkit'
import { describe } from 'vitest'
import { type ElmanParams, elman, elmanBptt, rnn } from '../src/index.ts'

const runs = { numRuns: numRuns(30) }

describe('Elman BPTT by hand', () => {
  test.prop(
    [
      fc.record({
        seed: fc.nat({ max: 2 ** 30 }),
        activation: fc.constantFrom('tanh', 'relu', 'identity' as const),
        I: fc.integer({ min: 1, max: 3 }),
        H: fc.integer({ min: 1, max: 3 }),
        steps: fc.integer({ min: 1, max: 6 }),
        B: fc.integer({ min: 1, max: 3 }),
      }),
    ],
    runs,
  )(
    'equals the vector-Jacobian product of rnn(elman) for any output cotangent',
    ({ seed, activation, I, H, steps, B }) => {
      const [kp, kx, kh, ky] = T.split(T.key(seed), 4)
      const cell = elman({ activation: activation as 'tanh' })
      const p = cell.init(kp, { inputSize: I, hiddenSize: H, dtype: 'f64' }) as Required<ElmanParams>
      const xs = T.randn(kx, [steps, B, I], 'f64')
      const h0 = T.randn(kh, [B, H], 'f64')
      const dys = T.randn(ky, [steps, B, H], 'f64')
      const [, pullback] = vjp(
        (q: ElmanParams, h: Tensor) => rnn(cell, { fast: false }).apply(q, xs, { state0: h }).output,
        p,
        h0,
      )
      const [gp, gh0] = pullback(dys)
      const byHand = elmanBptt(activation as 'tanh', p, xs, h0, dys)
      for (const k of ['W_ih', 'W_hh', 'b_ih', 'b_hh'] as const)
        assertClose(byHand.grads[k], gp[k], TOL.f64, k)
      assertClose(byHand.dh0, gh0, TOL.f64, 'h0')
    },
  )
})
