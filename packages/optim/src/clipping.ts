/**
 * Gradient clipping (Lecture §4.3): the error surface of an RNN is either very flat or very
 * steep, and a step on the cliff flies away; when the gradient is larger than a threshold, clip
 * it. Three forms under separate names; each state reports the norm before clipping.
 */

import type { Tensor, Tree } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import { type GradientTransformation, globalNorm } from './transform.ts'

/** The norm seen by the last update: the global norm, or one per tensor. */
export interface ClipState {
  readonly norm: Tensor | Tree | null
}

const checkPositive = (op: string, v: number): void => {
  if (!(v > 0)) throw new T.ArgumentError(`${op}: the threshold must be positive, got ${v}`)
}

/** `g ← g · min(1, max / ‖g‖)`: shrinks to `max` when larger, keeping the direction. */
const shrink = (g: Tensor, norm: Tensor, max: number): Tensor =>
  T.mul(g, T.cast(T.minimum(1, T.div(max, T.maximum(norm, Number.MIN_VALUE))), g.dtype))

/**
 * Clips every element into `[−v, v]`: `g ← min(max(g, −v), v)` elementwise, shapes kept (changes
 * the direction; the simplest form). The state's `norm` is the global norm before clipping.
 *
 * @example
 * const [u, s] = clipByValue(1).update({ w: T.tensor([3, -0.5]) }, clipByValue(1).init({}))
 * assert.deepStrictEqual(T.toArray(u.w), [1, -0.5])
 */
export const clipByValue = (v: number): GradientTransformation<ClipState> => {
  checkPositive('clipByValue', v)
  return {
    init: () => ({ norm: null }),
    update: (grads) => [T.treeMap(grads, (g) => T.clip(g, -v, v)), { norm: globalNorm(grads) }],
  }
}

/**
 * Rescales each tensor whose own norm exceeds `max` to norm `max`: `g ← g · min(1, max/‖g‖)` per
 * leaf, shapes kept. The state's `norm` is the tree of per-tensor norms before clipping.
 *
 * @example
 * const clip = clipByNormPerTensor(1)
 * const [u, s] = clip.update({ a: T.tensor([3, 4]), b: T.tensor([0.3, 0.4]) }, clip.init({}))
 * assert.deepStrictEqual(T.toArray(u.a).map((v) => Math.round(v * 100) / 100), [0.6, 0.8])
 * assert.deepStrictEqual(T.toArray(u.b), T.toArray(T.tensor([0.3, 0.4])))
 * assert.strictEqual(T.item(s.norm.a), 5)
 */
export const clipByNormPerTensor = (max: number): GradientTransformation<ClipState> => {
  checkPositive('clipByNormPerTensor', max)
  return {
    init: () => ({ norm: null }),
    update: (grads) => {
      const norms = T.treeMap(grads, (g) => T.sqrt(T.sum(T.mul(g, g))))
      return [T.treeMapN([grads, norms], ([g, n]) => shrink(g, n, max)), { norm: norms }]
    },
  }
}

/**
 * Rescales all gradients together when their global norm exceeds `max` (Pascanu et al. 2013):
 * `g ← g · min(1, max/‖g‖)` with `‖g‖ = √Σ_leaves Σ g²`, shapes kept; the direction is
 * preserved, small gradients are untouched. The state's `norm` is `‖g‖` before clipping.
 *
 * @example
 * const clip = clipByGlobalNorm(5)
 * const [u, s] = clip.update({ a: T.tensor([6]), b: T.tensor([8]) }, clip.init({}))
 * assert.deepStrictEqual([T.item(u.a), T.item(u.b), T.item(s.norm)], [3, 4, 10])
 */
export const clipByGlobalNorm = (max: number): GradientTransformation<ClipState> => {
  checkPositive('clipByGlobalNorm', max)
  return {
    init: () => ({ norm: null }),
    update: (grads) => {
      const norm = globalNorm(grads)
      return [T.treeMap(grads, (g) => shrink(g, T.cast(norm, g.dtype), max)), { norm }]
    },
  }
}
