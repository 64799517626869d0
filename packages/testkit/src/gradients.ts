/**
 * "Gradients are correct" as one line in any package's property tests: `assertGradients` runs
 * `checkGrad` and throws with the worst mismatch; `gradientProperty` wraps it for fast-check.
 */
import { type CheckGradOptions, checkGrad, formatReport } from '@recurrent/autograd'
import type { Tensor, Tree } from '@recurrent/tensor'
import fc from 'fast-check'
import { GRAD_CHECK } from './tolerances.ts'

/** Throws unless `f`'s reverse-mode gradient at `params` matches central differences. */
export const assertGradients = <A extends Tree>(
  f: (params: A) => Tensor,
  params: A,
  options: CheckGradOptions = {},
): void => {
  const report = checkGrad(f, params, { ...GRAD_CHECK, ...options })
  if (!report.ok) throw new Error(formatReport(report))
}

/** A fast-check property: for every `params` drawn from `arb`, `f`'s gradients are correct. */
export const gradientProperty = <A extends Tree>(
  arb: fc.Arbitrary<A>,
  f: (params: A) => Tensor,
  options: CheckGradOptions = {},
): fc.IPropertyWithHooks<[A]> => fc.property(arb, (params) => assertGradients(f, params, options))
