/**
 * Laws that the mutation run (docs/verification.md) found unstated: the argument checks of CTC
 * and cross-entropy (each refusal names the op and the argument), PyTorch's default
 * `ignoreIndex` of −100, rank-1 logits, and `ctcForwardBackward` called on its own.
 */
import { fc, test } from '@fast-check/vitest'
import * as T from '@recurrent/tensor'
import { assertClose, numRuns, smoothTensorOf, TOL } from '@recurrent/testkit'
import { describe, expect, it } from 'vitest'
import { crossEntropy, ctcForwardBackward, ctcLoss } from '../src/index.ts'

const runs = { numRuns: numRuns(20) }
const near = (actual: number, expected: number) =>
  assertClose(T.tensor(actual, { dtype: 'f64' }), expected, TOL.f64)

describe('CTC argument checks', () => {
  const lp = T.logSoftmax(T.zeros([3, 1, 3], 'f64'))
  it('the blank must be an integer class in [0, C)', () => {
    for (const blank of [-1, 1.5, 3])
      expect(() => ctcLoss(lp, [[1]], [3], [1], { blank })).toThrow(
        new T.ArgumentError(`ctcLoss: blank ${blank} is not a class in [0, 3)`),
      )
    expect(() => ctcLoss(lp, [[1]], [3], [1], { blank: 2 })).not.toThrow()
  })
  it('padded targets must be an i32 [B, S] tensor with the batch of logProbs', () => {
    for (const targets of [
      T.tensor([[1]], { dtype: 'f64' }),
      T.tensor([1], { dtype: 'i32' }),
      T.tensor([[1], [2]], { dtype: 'i32' }),
    ])
      expect(() => ctcLoss(lp, targets, [3], [1])).toThrow(T.ShapeError)
    expect(() => ctcLoss(lp, T.tensor([[1]], { dtype: 'i32' }), [3], [1])).not.toThrow()
  })
  it('every label must be an integer class in [0, C)', () => {
    for (const c of [-1, 0.5, 3])
      expect(() => ctcLoss(lp, [[c]], [3], [1])).toThrow(
        new T.ArgumentError(`ctcLoss: targets[0][0] = ${c} is not a class in [0, 3)`),
      )
  })
  it('an unknown reduction is refused by name', () => {
    expect(() => ctcLoss(lp, [[1]], [3], [1], { reduction: 'max' as 'sum' })).toThrow(
      `ctcLoss: reduction must be 'mean', 'sum' or 'none', got "max"`,
    )
  })
})

describe('ctcForwardBackward on its own', () => {
  /** T frames of C classes and a feasible label without the blank 0. */
  const problem = fc
    .record({ steps: fc.integer({ min: 1, max: 5 }), C: fc.integer({ min: 2, max: 4 }) })
    .chain(({ steps, C }) =>
      fc.tuple(
        smoothTensorOf([steps, C], 2),
        fc.array(fc.integer({ min: 1, max: C - 1 }), { maxLength: Math.ceil(steps / 2) }),
      ),
    )
  test.prop([problem], runs)(
    'by default it returns the gradient too; the nll is the loss, and every frame’s gradient sums to −1',
    ([logits, label]) => {
      const lp = T.logSoftmax(logits)
      const [steps, C] = lp.shape
      const data = T.toTypedArray(lp)
      const at = (t: number, c: number) => data[t * C + c]
      const full = ctcForwardBackward(at, steps, C, label, 0)
      const value = ctcForwardBackward(at, steps, C, label, 0, false)
      near(full.nll, value.nll)
      near(
        full.nll,
        T.item(ctcLoss(T.reshape(lp, [steps, 1, C]), [label], [steps], [label.length], { reduction: 'sum' })),
      )
      // Σ_k ∂(−log p)/∂log y_t(k) = −Σ_s α_t(s)β_t(s)/p = −1: some path passes every frame.
      for (let t = 0; t < steps; t++)
        near(
          full.grad.slice(t * C, (t + 1) * C).reduce((a, b) => a + b, 0),
          -1,
        )
    },
  )
})

describe('cross-entropy argument checks and defaults', () => {
  test.prop([smoothTensorOf([3, 4], 3), fc.integer({ min: 0, max: 3 })], runs)(
    'a target of −100 (the default ignoreIndex) contributes nothing and is not counted in the mean',
    (logits, c) => {
      const kept = crossEntropy(T.slice(logits, [0, 0], [1, 4]), [c], { reduction: 'sum' })
      const withIgnored = crossEntropy(logits, [c, -100, -100])
      near(T.item(withIgnored), T.item(kept))
      expect(
        (T.toArray(crossEntropy(logits, [c, -100, -100], { reduction: 'none' })) as number[]).slice(1),
      ).toEqual([0, 0])
    },
  )
  test.prop([smoothTensorOf([4], 3), fc.integer({ min: 0, max: 3 })], runs)(
    'rank-1 logits take a scalar target: logSumExp(x) − x[c]',
    (logits, c) => {
      const loss = crossEntropy(logits, T.tensor(c, { dtype: 'i32' }))
      const x = T.toArray(logits) as number[]
      const m = Math.max(...x)
      near(T.item(loss), m + Math.log(x.reduce((s, v) => s + Math.exp(v - m), 0)) - x[c])
    },
  )
  it('each refusal names the op and what is wrong', () => {
    const logits = T.zeros([2, 3], 'f64')
    expect(() => crossEntropy(logits, T.tensor([0, 1]))).toThrow(
      new T.DTypeError('crossEntropy: targets must be i32 class indices, got f32'),
    )
    expect(() => crossEntropy(T.zeros([2, 3], 'i32'), [0, 1])).toThrow(
      new T.DTypeError('crossEntropy: logits must be f32 or f64, got i32'),
    )
    expect(() => crossEntropy(logits, [0])).toThrow(
      new T.ShapeError('crossEntropy: logits [2,3] need targets of shape [2], got [1]'),
    )
    for (const c of [-1, 3])
      expect(() => crossEntropy(logits, [0, c])).toThrow(
        new T.ArgumentError(`crossEntropy: target ${c} at position 1 is out of range [0, 3)`),
      )
    expect(() => crossEntropy(T.zeros([2, 2, 3], 'f64'), [0, 1])).toThrow(
      new T.ShapeError('crossEntropy: logits [2,2,3] need targets of shape [2,2], got [2]'),
    )
    expect(() => crossEntropy(T.tensor(0, { dtype: 'f64' }), T.tensor(0, { dtype: 'i32' }))).toThrow(
      T.ShapeError,
    )
    expect(() => crossEntropy(logits, [0, 1], { reduction: 'max' as 'sum' })).toThrow(
      `crossEntropy: reduction must be 'mean', 'sum' or 'none', got "max"`,
    )
  })
})
