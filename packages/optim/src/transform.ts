/**
 * Gradient transformations with optax's shapes: `{ init(params) → state, update(grads, state,
 * params?) → [updates, state] }`. Optimisers and clipping are all transformations, so
 * `chain(clipByGlobalNorm(1), adam(1e-3))` composes them; nothing is mutated anywhere.
 */

import type { Tensor, Tree } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'

export interface GradientTransformation<S = any> {
  init(params: Tree): S
  /** Updates have the structure of `grads`. */
  update<A extends Tree>(grads: A, state: S, params?: Tree): [A, S]
}

/** A learning rate: a constant, or a schedule of the step count (0-based). */
export type LearningRate = number | ((step: number) => number)

/**
 * The learning rate at a 0-based step: the constant, or the schedule applied to the step.
 *
 * @example
 * assert.deepStrictEqual([rateAt(0.1, 7), rateAt((step) => 1 / (step + 1), 3)], [0.1, 0.25])
 */
export const rateAt = (lr: LearningRate, step: number): number => (typeof lr === 'number' ? lr : lr(step))

/**
 * Tensors of zeros shaped like every leaf, of the leaf's dtype (optimiser state's initial moments).
 *
 * @example
 * const z = zerosLike({ W: T.ones([2, 3], 'f64') })
 * assert.deepStrictEqual([z.W.shape, z.W.dtype, T.toArray(T.sum(z.W))], [[2, 3], 'f64', 0])
 */
export const zerosLike = <A extends Tree>(tree: A): A => T.treeMap(tree, (t) => T.zeros(t.shape, t.dtype))

/**
 * `θ ← θ + u`, leaf by leaf (Lecture §4.2's update; the updates already carry the sign and the
 * learning rate). Both trees have the same structure and shapes; nothing is mutated.
 *
 * @example
 * const p = applyUpdates({ w: T.tensor([1, 2]) }, { w: T.tensor([0.5, -1]) })
 * assert.deepStrictEqual(T.toArray(p.w), [1.5, 1])
 */
export const applyUpdates = <A extends Tree>(params: A, updates: Tree): A =>
  T.treeMapN([params, updates], ([p, u]) => T.add(p, u))

/**
 * Applies transformations in order, each one's updates feeding the next: `chain(f, g)` maps
 * gradients to `g(f(grads))`; the state is the array of each transformation's state.
 *
 * @example
 * const opt = chain(clipByGlobalNorm(1), sgd(0.5))
 * const [u] = opt.update({ w: T.tensor([3, 4]) }, opt.init({ w: T.zeros([2]) }))
 * assert.deepStrictEqual(T.toArray(u.w).map((v) => Math.round(v * 100) / 100), [-0.3, -0.4])
 */
export const chain = (
  ...transforms: readonly GradientTransformation[]
): GradientTransformation<unknown[]> => ({
  init: (params) => transforms.map((t) => t.init(params)),
  update: <A extends Tree>(grads: A, states: unknown[], params?: Tree): [A, unknown[]] => {
    let updates = grads
    const next = transforms.map((t, i) => {
      const [u, s] = t.update(updates, states[i], params)
      updates = u
      return s
    })
    return [updates, next]
  },
})

/**
 * Multiplies every update by a constant: `u = c·g`, shapes kept, no state.
 *
 * @example
 * const [u] = scale(-0.5).update({ w: T.tensor([2, 4]) }, null)
 * assert.deepStrictEqual(T.toArray(u.w), [-1, -2])
 */
export const scale = (factor: number): GradientTransformation<null> => ({
  init: () => null,
  update: <A extends Tree>(grads: A): [A, null] => [T.treeMap(grads, (g) => T.mul(g, factor)), null],
})

/**
 * Euclidean norm over every leaf of a tree, as if they were one vector: `√Σ_leaves Σ g²`, a
 * scalar tensor (0 for an empty tree).
 *
 * @example
 * assert.strictEqual(T.item(globalNorm({ a: T.tensor([3]), b: T.tensor([[4]]) })), 5)
 */
export const globalNorm = (tree: Tree): Tensor => {
  const leaves = T.treeLeaves(tree)
  if (leaves.length === 0) return T.tensor(0, { dtype: 'f64' })
  return T.sqrt(leaves.map((g) => T.sum(T.mul(g, g))).reduce((a, b) => T.add(a, b)))
}
