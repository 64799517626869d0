/** Assertions over tensors that name the first disagreeing element. */

import type { Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import { type Tolerance, toleranceFor } from './tolerances.ts'

/**
 * `a` is within `tol` of `b`: NaN only matches NaN, and an infinity only matches the same infinity
 * (the allowed gap `rtol·|b|` is infinite there, so the plain formula would accept any number).
 */
export const sameNumber = (a: number, b: number, tol: Tolerance): boolean =>
  (Number.isNaN(a) && Number.isNaN(b)) ||
  a === b ||
  (Number.isFinite(a) && Number.isFinite(b) && Math.abs(a - b) <= tol.atol + tol.rtol * Math.abs(b))

/** The first index where two tensors disagree beyond `tol`, or a shape/dtype mismatch; undefined when close. */
export const mismatch = (
  actual: Tensor,
  expected: Tensor | number | T.Nested,
  tol?: Tolerance,
): string | undefined => {
  const e = T.isTensor(expected)
    ? expected
    : T.tensor(expected as T.Nested, { dtype: actual.dtype === 'bool' ? 'bool' : 'f64' })
  if (T.showShape(actual.shape) !== T.showShape(e.shape))
    return `shape ${T.showShape(actual.shape)} ≠ expected ${T.showShape(e.shape)}`
  const t = tol ?? toleranceFor(actual.dtype)
  const a = T.toTypedArray(actual)
  const b = T.toTypedArray(e)
  for (let i = 0; i < a.length; i++) {
    if (!sameNumber(a[i], b[i], t))
      return `element ${i}: ${a[i]} ≠ expected ${b[i]} (atol ${t.atol}, rtol ${t.rtol})`
  }
  return undefined
}

/** Throws unless `actual` is elementwise close to `expected` (same shape). */
export const assertClose = (
  actual: Tensor,
  expected: Tensor | number | T.Nested,
  tol?: Tolerance,
  what = 'tensor',
): void => {
  const m = mismatch(actual, expected, tol)
  if (m !== undefined) throw new Error(`${what}: ${m}`)
}

/** Bitwise equality of shape, dtype and every element (NaN equals NaN, −0 ≠ +0). */
export const identical = (a: Tensor, b: Tensor): boolean => {
  if (a.dtype !== b.dtype || T.showShape(a.shape) !== T.showShape(b.shape)) return false
  const x = T.toTypedArray(a)
  const y = T.toTypedArray(b)
  for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return false
  return true
}

/** The elements as a plain number array (a copy), for tests that fold over them. */
export const values = (t: Tensor): number[] => Array.from(T.toTypedArray(t))
