import { fc, test } from '@fast-check/vitest'
import type { Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import { assertClose, assertGradients, numRuns, smoothTensorOf, TOL } from '@recurrent/testkit'
import { describe, expect, it } from 'vitest'
import { crossEntropy, mse } from '../src/index.ts'

const runs = { numRuns: numRuns(40) }

/** The test kit's f64 closeness for numbers, |a − b| ≤ atol + rtol·|b|; ±∞ and NaN only equal themselves. */
const near = (actual: number, expected: number) =>
  Number.isFinite(expected)
    ? assertClose(T.tensor(actual, { dtype: 'f64' }), expected, TOL.f64)
    : expect(actual).toBe(expected)
const batch = fc
  .record({ N: fc.integer({ min: 1, max: 5 }), C: fc.integer({ min: 1, max: 5 }) })
  .chain(({ N, C }) =>
    fc.tuple(
      smoothTensorOf([N, C], 3),
      fc.array(fc.integer({ min: -1, max: C - 1 }), { minLength: N, maxLength: N }),
    ),
  )

describe('cross-entropy (Lecture §4.1)', () => {
  test.prop([batch], runs)(
    'equals −log softmax at the target, averaged over non-ignored targets',
    ([logits, targets]) => {
      const none = T.toArray(
        crossEntropy(logits, targets, { reduction: 'none', ignoreIndex: -1 }),
      ) as number[]
      const rows = T.toArray(logits) as number[][]
      const kept = targets.filter((t) => t >= 0).length
      let total = 0
      rows.forEach((row, n) => {
        const m = Math.max(...row)
        const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0))
        const expected = targets[n] < 0 ? 0 : lse - row[targets[n]]
        near(none[n], expected)
        total += expected
      })
      const mean = T.item(crossEntropy(logits, targets, { ignoreIndex: -1 }))
      if (kept === 0) expect(mean).toBeNaN()
      else near(mean, total / kept)
      near(T.item(crossEntropy(logits, targets, { reduction: 'sum', ignoreIndex: -1 })), total)
    },
  )
  test.prop([batch], runs)('its gradient passes checkGrad', ([logits, targets]) => {
    assertGradients((x: Tensor) => crossEntropy(x, targets, { ignoreIndex: -1, reduction: 'sum' }), logits)
  })
  it('is stable for logits of ±1e4, over [T, B, C]', () => {
    const logits = T.tensor([[[1e4, -1e4, 0]], [[-1e4, 1e4, 1e4]]], { dtype: 'f64' })
    const loss = T.toArray(
      crossEntropy(logits, T.tensor([[0], [1]], { dtype: 'i32' }), { reduction: 'none' }),
    ) as number[][]
    expect(Math.abs(loss[0][0])).toBe(0)
    near(loss[1][0], Math.log(2))
  })
  it('bad input names the argument', () => {
    const logits = T.zeros([2, 3], 'f64')
    expect(() => crossEntropy(logits, [0, 3])).toThrow('target 3 at position 1 is out of range [0, 3)')
    expect(() => crossEntropy(logits, [0])).toThrow('need targets of shape [2], got [1]')
    expect(() => crossEntropy(logits, T.tensor([0, 1]))).toThrow(T.DTypeError)
    expect(() => crossEntropy(T.zeros([2, 3], 'i32'), [0, 1])).toThrow(T.DTypeError)
  })
})

describe('mse', () => {
  test.prop(
    [fc.integer({ min: 1, max: 6 }).chain((n) => fc.tuple(smoothTensorOf([n]), smoothTensorOf([n])))],
    runs,
  )('equals the mean of squared differences; gradient passes checkGrad', ([p, t]) => {
    const d = (T.toArray(p) as number[]).map((v, i) => v - (T.toArray(t) as number[])[i])
    near(T.item(mse(p, t)), d.reduce((s, v) => s + v * v, 0) / d.length)
    assertGradients((x: Tensor) => mse(x, t, { reduction: 'sum' }), p)
  })
  it('needs equal shapes', () => expect(() => mse(T.zeros([2]), T.zeros([3]))).toThrow(T.ShapeError))
})
