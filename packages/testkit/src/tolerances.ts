/**
 * The tolerances every package's tests use, in one place (docs/design.md#test-kit: tolerances live in one place).
 * `close(a, b)` means `|a − b| ≤ atol + rtol·|b|` elementwise, NaN equal to NaN.
 */
import type { DType } from '@recurrent/tensor'

export interface Tolerance {
  readonly atol: number
  readonly rtol: number
}

/** Agreement expected between two computations of the same value, per dtype. */
export const TOL: Readonly<Record<'f64' | 'f32', Tolerance>> = {
  f64: { atol: 1e-10, rtol: 1e-9 },
  f32: { atol: 1e-5, rtol: 1e-4 },
}

/** Gradient checks: central differences in f64 (PyTorch gradcheck's defaults). */
export const GRAD_CHECK = { eps: 1e-6, atol: 1e-5, rtol: 1e-3 } as const

/**
 * An optimiser with a constant learning rate run a few hundred steps on a convex problem ends in
 * a neighbourhood of the minimiser, not on it: how far from it it may be.
 */
export const CONVERGED: Tolerance = { atol: 1e-3, rtol: 0 }

/** Values that must be identical: a state kept, an output or gradient that must be exactly 0. */
export const EXACT: Tolerance = { atol: 0, rtol: 0 }

/**
 * A whole-sequence op against its per-step definition in f64: the same sums in another order,
 * over every step, so rounding grows with the sequence (10× TOL.f64's relative part).
 */
export const SEQUENCE_F64: Tolerance = { atol: 1e-10, rtol: 1e-8 }

/** The lecture's printed values: doubles to 9 significant digits, compared relatively (some are 1e-43). */
export const LECTURE_GOLDEN: Tolerance = { atol: 0, rtol: 1e-6 }

/**
 * An f64 kernel against the scalar formula it implements (`Math.exp`, `x ** y`, …): a few ulps,
 * since a kernel may arrange a formula differently (sigmoid's two branches); `atol` only admits
 * subnormal differences.
 */
export const FORMULA_F64: Tolerance = { atol: 1e-300, rtol: 1e-14 }

/**
 * A vectorised f32 kernel (`exp`, `σ`, `tanh` in f32x4 lanes) against the f64 formula it
 * approximates: a few f32 ulps relative (the largest measured is 2.83 ulp, σ at x ≈ −2; bench's
 * `bench:activations`); `atol` admits one spacing of subnormal f32 results.
 */
export const FORMULA_F32: Tolerance = { atol: 2 ** -149, rtol: 3 * 2 ** -23 }

/**
 * f64 products regrouped, `(AB)C` against `A(BC)`, over values up to 10: terms of up to ~10⁴
 * cancel, so results near 0 differ in absolute terms more than TOL.f64 allows.
 */
export const REASSOCIATED_F64: Tolerance = { atol: 1e-8, rtol: 1e-9 }

/** The tolerance for comparing two computations of a tensor of `dtype`. */
export const toleranceFor = (dtype: DType): Tolerance => (dtype === 'f64' ? TOL.f64 : TOL.f32)

/**
 * f32 products of values in [−1, 1] summed over k terms: kernels that add in different orders
 * (tiles, SIMD lanes, threads) agree to about k·ε.
 */
export const f32Products = (k: number): Tolerance => ({ atol: 4 * k * 2 ** -23, rtol: 1e-5 })
