/**
 * The one table of vector-Jacobian rules (tinygrad style): a line per primitive of
 * `@recurrent/tensor`. Given the cotangent `g` of the output, each rule returns the cotangents of
 * the inputs (null where none flows: integer inputs, indices, masks). Rules are written with
 * tensor ops, so they are themselves differentiable: higher-order gradients come for free.
 * Composite ops (mean, softmax, logSoftmax, min, stack, …) have no entry: they are built from
 * these primitives.
 */

import type { Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import type { Attrs } from '@recurrent/tensor/internal'

/**
 * A rule: output cotangents (zeros filled in), the application's inputs, outputs and attrs, and
 * which inputs need a cotangent (a rule may skip the others and return null for them).
 */
export type VjpRule = (
  cts: readonly Tensor[],
  inputs: readonly Tensor[],
  outputs: readonly Tensor[],
  attrs: Attrs,
  needed?: readonly boolean[],
) => (Tensor | null)[]

/** Primitives through which no gradient flows: their outputs are constants. */
export const NON_DIFFERENTIABLE = new Set([
  'eq',
  'ne',
  'lt',
  'le',
  'gt',
  'ge',
  'logicalAnd',
  'logicalOr',
  'logicalNot',
  'argmax',
  'sign',
  'stopGradient',
])

/** The reduced shape with reduced axes kept as 1, to broadcast a reduction's cotangent back. */
const keptShape = (x: Tensor, attrs: Attrs): number[] => {
  const axes = attrs.axes as number[]
  return x.shape.map((d, i) => (axes.includes(i) ? 1 : d))
}

/** 1 where `a` wins, ½ on ties, 0 where it loses. */
const tieWeights = (wins: Tensor, ties: Tensor, dtype: T.DType): Tensor =>
  T.add(T.cast(wins, dtype), T.mul(T.cast(ties, dtype), 0.5))

const unary =
  (f: (g: Tensor, x: Tensor, y: Tensor) => Tensor): VjpRule =>
  ([g], [x], [y]) => [f(g, x, y)]

const matmulRule: VjpRule = ([g], [a, b], _, attrs, needed) => {
  const tA = attrs.transposeA as boolean
  const tB = attrs.transposeB as boolean
  // C = op(A)·op(B): dA and dB are products of g with the other factor (transposes as flags).
  // A factor that needs no cotangent (data, not a parameter) costs no product.
  const da =
    needed?.[0] === false
      ? null
      : !tA
        ? !tB
          ? T.matmul(g, b, { transposeB: true })
          : T.matmul(g, b)
        : !tB
          ? T.matmul(b, g, { transposeB: true })
          : T.matmul(b, g, { transposeA: true, transposeB: true })
  const db =
    needed?.[1] === false
      ? null
      : !tA
        ? !tB
          ? T.matmul(a, g, { transposeA: true })
          : T.matmul(g, a, { transposeA: true })
        : !tB
          ? T.matmul(a, g)
          : T.matmul(g, a, { transposeA: true, transposeB: true })
  return [da && T.sumTo(da, a.shape), db && T.sumTo(db, b.shape)]
}

/** y = σ(op(A)·op(B) + C): ∂u = g ⊙ σ'(u), then the matmul rule, and ∂C = ∂u summed to C's shape. */
const fusedMatmulRule: VjpRule = ([g], inputs, [y], attrs, needed) => {
  const du = T.ACTIVATION_RULES[attrs.activation as T.Activation].vjp(g, y)
  const [da, db] = matmulRule([du], inputs.slice(0, 2), [y], attrs, needed)
  return inputs.length === 3 ? [da, db, T.sumTo(du, inputs[2].shape)] : [da, db]
}

/** The table: primitive name → its vector-Jacobian rule (composites have none). */
export const RULES: Readonly<Record<string, VjpRule>> = {
  // Each activation's primitive: g ⊙ σ'(u) through its output (tensor/src/activations.ts).
  ...Object.fromEntries(
    T.ACTIVATIONS.map((name) => [name, unary((g, _, y) => T.ACTIVATION_RULES[name].vjp(g, y))]),
  ),
  add: ([g], [a, b]) => [T.sumTo(g, a.shape), T.sumTo(g, b.shape)],
  sub: ([g], [a, b]) => [T.sumTo(g, a.shape), T.sumTo(T.neg(g), b.shape)],
  mul: ([g], [a, b]) => [T.sumTo(T.mul(g, b), a.shape), T.sumTo(T.mul(g, a), b.shape)],
  div: ([g], [a, b], [y]) => [T.sumTo(T.div(g, b), a.shape), T.sumTo(T.neg(T.mul(g, T.div(y, b))), b.shape)],
  pow: ([g], [a, b], [y]) => [
    T.sumTo(T.mul(g, T.mul(b, T.pow(a, T.sub(b, 1)))), a.shape),
    T.sumTo(T.mul(g, T.where(T.eq(a, 0), 0, T.mul(y, T.log(a)))), b.shape),
  ],
  // Ties share the gradient equally, as in JAX.
  maximum: ([g], [a, b]) => {
    const wa = tieWeights(T.gt(a, b), T.eq(a, b), g.dtype)
    return [T.sumTo(T.mul(g, wa), a.shape), T.sumTo(T.mul(g, T.sub(1, wa)), b.shape)]
  },
  minimum: ([g], [a, b]) => {
    const wa = tieWeights(T.lt(a, b), T.eq(a, b), g.dtype)
    return [T.sumTo(T.mul(g, wa), a.shape), T.sumTo(T.mul(g, T.sub(1, wa)), b.shape)]
  },
  neg: unary((g) => T.neg(g)),
  abs: unary((g, x) => T.mul(g, T.sign(x))),
  exp: unary((g, _, y) => T.mul(g, y)),
  log: unary((g, x) => T.div(g, x)),
  sqrt: unary((g, _, y) => T.div(g, T.mul(y, 2))),
  where: ([g], [c, a, b]) => [null, T.sumTo(T.where(c, g, 0), a.shape), T.sumTo(T.where(c, 0, g), b.shape)],
  clip: ([g], [x, lo, hi]) => [
    T.sumTo(T.where(T.logicalAnd(T.ge(x, lo), T.le(x, hi)), g, 0), x.shape),
    null,
    null,
  ],
  cast: ([g], [x]) => [T.isFloat(x.dtype) && T.isFloat(g.dtype) ? T.cast(g, x.dtype) : null],
  // Also the identity activation's rule; the primitive is the copy `grad` gives each level.
  identity: ([g]) => [g],
  reshape: ([g], [x]) => [T.reshape(g, x.shape)],
  transpose: ([g], _, __, attrs) => {
    const perm = attrs.perm as number[]
    const inverse = perm.map((_, i) => perm.indexOf(i))
    return [T.transpose(g, inverse)]
  },
  broadcastTo: ([g], [x]) => [T.sumTo(g, x.shape)],
  slice: ([g], [x], _, attrs) => {
    const begin = attrs.begin as number[]
    const size = attrs.size as number[]
    return [
      T.pad(
        g,
        x.shape.map((d, i) => [begin[i], d - begin[i] - size[i]] as [number, number]),
      ),
    ]
  },
  pad: ([g], [x], _, attrs) => [
    T.slice(
      g,
      (attrs.widths as [number, number][]).map(([a]) => a),
      x.shape,
    ),
  ],
  concat: ([g], inputs, _, attrs) => {
    const axis = attrs.axis as number
    let at = 0
    return inputs.map((x) => {
      const begin = x.shape.map((_, i) => (i === axis ? at : 0))
      at += x.shape[axis]
      return T.slice(g, begin, x.shape)
    })
  },
  unstack: (cts, _, __, attrs) => [T.stack(cts, attrs.axis as number)],
  gather: ([g], [x, idx], _, attrs) => [T.scatterAdd(g, idx, attrs.axis as number, x.shape), null],
  scatterAdd: ([g], [, idx], _, attrs) => [T.gather(g, idx, attrs.axis as number), null],
  sum: ([g], [x], _, attrs) => [T.broadcastTo(T.reshape(g, keptShape(x, attrs)), x.shape)],
  // Ties share the gradient equally; the mask compares against the kept-dims maximum.
  max: ([g], [x], [y], attrs) => {
    const kept = keptShape(x, attrs)
    const mask = T.cast(T.eq(x, T.reshape(y, kept)), x.dtype)
    const count = T.sum(mask, { axis: attrs.axes as number[], keepDims: true })
    return [T.mul(T.div(mask, count), T.reshape(g, kept))]
  },
  // ∂/∂x_i logΣexp(x) = exp(x_i − y); where y = −∞ every weight is 0 (not NaN).
  logSumExp: ([g], [x], [y], attrs) => {
    const kept = keptShape(x, attrs)
    const yk = T.reshape(y, kept)
    const w = T.where(T.eq(yk, -Infinity), 0, T.exp(T.sub(x, yk)))
    return [T.mul(w, T.reshape(g, kept))]
  },
  matmul: matmulRule,
  fusedMatmul: fusedMatmulRule,
}
