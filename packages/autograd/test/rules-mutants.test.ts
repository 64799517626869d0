/**
 * Laws of the rules table that the mutation run (docs/verification.md) found unstated: the
 * `needed` mask of the product rules (optional; a factor that needs no cotangent gets null and
 * costs no product), fusedMatmul without an addend, `cast` into an integer input, and `sign`
 * passing no gradient rather than failing for want of a rule.
 */
import { fc, test } from '@fast-check/vitest'
import type { Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import { describe, expect, it } from 'vitest'
import { grad, RULES } from '../src/index.ts'
import { assertClose, assertGradients, EXACT, numRuns, smoothTensorOf } from './kit.ts'

const runs = { numRuns: numRuns(20) }
const project = (y: Tensor) => T.sum(T.mul(y, T.randn(T.key(11), y.shape, 'f64')))

/** Factors of op(A)·op(B) with a broadcast batch on A, and every transpose combination. */
const product = fc
  .tuple(
    fc.integer({ min: 1, max: 3 }),
    fc.integer({ min: 1, max: 3 }),
    fc.integer({ min: 1, max: 3 }),
    fc.boolean(),
    fc.boolean(),
  )
  .chain(([m, k, n, ta, tb]) =>
    fc.tuple(
      smoothTensorOf(ta ? [2, k, m] : [2, m, k]),
      smoothTensorOf(tb ? [n, k] : [k, n]),
      fc.constant({ transposeA: ta, transposeB: tb }),
    ),
  )

describe('the needed mask of the product rules', () => {
  test.prop([product], runs)(
    'matmul: without a mask both cotangents; a false entry gives null there and the same cotangent elsewhere',
    ([a, b, attrs]) => {
      const y = T.matmul(a, b, attrs)
      const g = T.randn(T.key(3), y.shape, 'f64')
      const [da, db] = RULES.matmul([g], [a, b], [y], attrs)
      expect(da).not.toBeNull()
      expect(db).not.toBeNull()
      expect(da?.shape).toEqual(a.shape)
      expect(db?.shape).toEqual(b.shape)
      const [onlyB0, onlyB] = RULES.matmul([g], [a, b], [y], attrs, [false, true])
      const [onlyA, onlyA1] = RULES.matmul([g], [a, b], [y], attrs, [true, false])
      expect(onlyB0).toBeNull()
      expect(onlyA1).toBeNull()
      assertClose(onlyA as Tensor, da as Tensor, EXACT)
      assertClose(onlyB as Tensor, db as Tensor, EXACT)
    },
  )
  test.prop([product, fc.constantFrom('identity', 'tanh', 'sigmoid', 'relu')], runs)(
    'fusedMatmul without an addend: gradients of both factors, and only two cotangents',
    ([a, b, attrs], activation) => {
      const o = { ...attrs, activation: activation as 'relu' }
      assertGradients((q: Tensor[]) => project(T.fusedMatmul(q[0], q[1], o)), [a, b])
      const y = T.fusedMatmul(a, b, o)
      expect(RULES.fusedMatmul([T.ones(y.shape, 'f64')], [a, b], [y], o)).toHaveLength(2)
    },
  )
})

describe('rules that pass no gradient', () => {
  it('cast: a float cotangent goes back in the input’s float dtype, and none into an integer input', () => {
    const g = T.tensor([0.25, -2], { dtype: 'f64' })
    const x32 = T.tensor([1, 2], { dtype: 'f32' })
    const [back] = RULES.cast([g], [x32], [T.cast(x32, 'f64')], {})
    expect(back?.dtype).toBe('f32')
    expect(T.toArray(back as Tensor)).toEqual([0.25, -2])
    const xi = T.tensor([1, 2], { dtype: 'i32' })
    expect(RULES.cast([g], [xi], [T.cast(xi, 'f64')], {})).toEqual([null])
  })
  test.prop([smoothTensorOf([5])], runs)(
    'sign is a constant: ∂Σ sign(x)·x / ∂x = sign(x), no missing rule',
    (x) => {
      const g = grad((p: Tensor) => T.sum(T.mul(T.sign(p), p)))(x)
      assertClose(g, T.sign(x), EXACT)
    },
  )
})
