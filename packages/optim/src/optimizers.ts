/**
 * Optimisers for gradient descent (Lecture §4.2), as gradient transformations. Each returns
 * updates that already carry the sign and the learning rate: `params ← params + updates`.
 */

import type { Tensor, Tree } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import { type GradientTransformation, type LearningRate, rateAt, zerosLike } from './transform.ts'

/** Step count plus per-parameter moments. */
export interface MomentState {
  readonly count: number
  readonly mu: Tree
  readonly nu: Tree
}

const checkRate = (op: string, lr: LearningRate): void => {
  if (typeof lr === 'number' && !(lr >= 0))
    throw new T.ArgumentError(`${op}: learning rate must be ≥ 0, got ${lr}`)
}

/**
 * Plain gradient descent (Lecture §4.2): `θ ← θ − η·∇L`, as updates `u = −η·g`, one per leaf,
 * shaped like the gradients.
 *
 * @example
 * const [u] = sgd(0.1).update({ w: T.tensor([1, -2]) }, null)
 * assert.deepStrictEqual(T.toArray(u.w).map((v) => Math.round(v * 10) / 10), [-0.1, 0.2])
 */
export const sgd = (lr: LearningRate): GradientTransformation<{ count: number } | null> => {
  checkRate('sgd', lr)
  return {
    init: () => ({ count: 0 }),
    update: (grads, state) => {
      const count = state?.count ?? 0
      return [T.treeMap(grads, (g) => T.mul(g, -rateAt(lr, count))), { count: count + 1 }]
    },
  }
}

/**
 * Heavy-ball momentum (Lecture §4.2): `v ← β·v + g`, `u = −η·v` (Nesterov: `u = −η·(g + β·v)`).
 * The velocity `v` has the shapes of the params.
 *
 * @example
 * // v₁ = 2, v₂ = 0.9·2 + 1 = 2.8: the second step is longer although the gradient halved.
 * const opt = momentum(0.1)
 * const p = { w: T.tensor([0], { dtype: 'f64' }) }
 * const [u1, s1] = opt.update({ w: T.tensor([2], { dtype: 'f64' }) }, opt.init(p))
 * const [u2] = opt.update({ w: T.tensor([1], { dtype: 'f64' }) }, s1)
 * assert.ok(Math.abs(T.item(u1.w) + 0.2) < 1e-12 && Math.abs(T.item(u2.w) + 0.28) < 1e-12)
 */
export const momentum = (
  lr: LearningRate,
  options: { beta?: number; nesterov?: boolean } = {},
): GradientTransformation<{ count: number; velocity: Tree }> => {
  checkRate('momentum', lr)
  const { beta = 0.9, nesterov = false } = options
  return {
    init: (params) => ({ count: 0, velocity: zerosLike(params) }),
    update: (grads, state) => {
      const velocity = T.treeMapN([state.velocity, grads], ([v, g]) => T.add(T.mul(v, beta), g))
      const eta = rateAt(lr, state.count)
      const updates = T.treeMapN([grads, velocity], ([g, v]) =>
        T.mul(nesterov ? T.add(g, T.mul(v, beta)) : v, -eta),
      )
      return [updates, { count: state.count + 1, velocity }]
    },
  }
}

export interface AdamOptions {
  readonly b1?: number
  readonly b2?: number
  readonly eps?: number
}

const adamDirection = (
  grads: Tree,
  state: MomentState,
  b1: number,
  b2: number,
  eps: number,
): [Tree, MomentState] => {
  const count = state.count + 1
  const mu = T.treeMapN([state.mu, grads], ([m, g]) => T.add(T.mul(m, b1), T.mul(g, 1 - b1)))
  const nu = T.treeMapN([state.nu, grads], ([v, g]) => T.add(T.mul(v, b2), T.mul(T.mul(g, g), 1 - b2)))
  const c1 = 1 - b1 ** count
  const c2 = 1 - b2 ** count
  const direction = T.treeMapN([mu, nu], ([m, v]) => T.div(T.div(m, c1), T.add(T.sqrt(T.div(v, c2)), eps)))
  return [direction, { count, mu, nu }]
}

/**
 * Adam (Kingma & Ba 2015; Lecture §4.2's optimisers), bias-corrected, moments shaped like the params: `m ← β₁m + (1−β₁)g`, `v ← β₂v + (1−β₂)g²`,
 * `u = −η·m̂/(√v̂ + ε)` with `m̂ = m/(1−β₁ᵗ)`, `v̂ = v/(1−β₂ᵗ)`. The first step has magnitude ≈ η.
 *
 * @example
 * const opt = adam(0.1)
 * const [u] = opt.update({ w: T.tensor([5, -0.01], { dtype: 'f64' }) }, opt.init({ w: T.zeros([2], 'f64') }))
 * assert.ok(T.toArray(u.w).every((v) => Math.abs(Math.abs(v) - 0.1) < 1e-4))
 */
export const adam = (lr: LearningRate, options: AdamOptions = {}): GradientTransformation<MomentState> => {
  checkRate('adam', lr)
  const { b1 = 0.9, b2 = 0.999, eps = 1e-8 } = options
  return {
    init: (params) => ({ count: 0, mu: zerosLike(params), nu: zerosLike(params) }),
    update: (grads, state) => {
      const eta = rateAt(lr, state.count)
      const [direction, next] = adamDirection(grads, state, b1, b2, eps)
      return [T.treeMapN([grads, direction], ([, d]) => T.mul(d, -eta)), next]
    },
  }
}

/**
 * AdamW (Loshchilov & Hutter 2019): Adam with decoupled weight decay,
 * `u = −η·(m̂/(√v̂ + ε) + λ·θ)`, moments shaped like the params. `update` needs the params.
 *
 * @example
 * // A zero gradient still shrinks the weights: u = −η·λ·θ = −0.1 · 0.5 · 2.
 * const opt = adamw(0.1, { weightDecay: 0.5 })
 * const p = { w: T.tensor([2], { dtype: 'f64' }) }
 * const [u] = opt.update({ w: T.zeros([1], 'f64') }, opt.init(p), p)
 * assert.ok(Math.abs(T.item(u.w) + 0.1) < 1e-12)
 */
export const adamw = (
  lr: LearningRate,
  options: AdamOptions & { weightDecay?: number } = {},
): GradientTransformation<MomentState> => {
  checkRate('adamw', lr)
  const { b1 = 0.9, b2 = 0.999, eps = 1e-8, weightDecay = 0.01 } = options
  return {
    init: (params) => ({ count: 0, mu: zerosLike(params), nu: zerosLike(params) }),
    update: (grads, state, params) => {
      if (params === undefined) throw new T.ArgumentError('adamw: update needs the params for weight decay')
      const eta = rateAt(lr, state.count)
      const [direction, next] = adamDirection(grads, state, b1, b2, eps)
      return [
        T.treeMapN([grads, direction, params], ([, d, p]) => T.mul(T.add(d, T.mul(p, weightDecay)), -eta)),
        next,
      ]
    },
  }
}

/**
 * RMSProp (Tieleman & Hinton 2012), PyTorch's form: `v ← ρv + (1−ρ)g²`, `u = −η·g/(√v + ε)`,
 * with `v` shaped like the params: each coordinate's step is scaled by its recent gradient size.
 *
 * @example
 * // ρ = 0.5: v = 0.5·2² = 2, u = −2/√2 = −√2.
 * const opt = rmsprop(1, { decay: 0.5, eps: 0 })
 * const [u] = opt.update({ w: T.tensor([2], { dtype: 'f64' }) }, opt.init({ w: T.zeros([1], 'f64') }))
 * assert.ok(Math.abs(T.item(u.w) + Math.SQRT2) < 1e-12)
 */
export const rmsprop = (
  lr: LearningRate,
  options: { decay?: number; eps?: number } = {},
): GradientTransformation<{ count: number; nu: Tree }> => {
  checkRate('rmsprop', lr)
  const { decay = 0.99, eps = 1e-8 } = options
  return {
    init: (params) => ({ count: 0, nu: zerosLike(params) }),
    update: (grads, state) => {
      const nu = T.treeMapN([state.nu, grads], ([v, g]) =>
        T.add(T.mul(v, decay), T.mul(T.mul(g, g), 1 - decay)),
      )
      const eta = rateAt(lr, state.count)
      return [
        T.treeMapN([grads, nu], ([g, v]) => T.mul(T.div(g, T.add(T.sqrt(v), eps)), -eta)),
        { count: state.count + 1, nu },
      ]
    },
  }
}

/**
 * Adagrad (Duchi et al. 2011), PyTorch's form: `s ← s + g²`, `u = −η·g/(√s + ε)`, with `s`
 * shaped like the params: steps shrink as squared gradients accumulate.
 *
 * @example
 * const opt = adagrad(1, { eps: 0 })
 * const p = { w: T.zeros([1], 'f64') }
 * const [u1, s1] = opt.update({ w: T.tensor([2], { dtype: 'f64' }) }, opt.init(p)) // s = 4
 * const [u2] = opt.update({ w: T.tensor([1], { dtype: 'f64' }) }, s1) // s = 5
 * assert.deepStrictEqual([T.item(u1.w), T.item(u2.w)], [-1, -1 / Math.sqrt(5)])
 */
export const adagrad = (
  lr: LearningRate,
  options: { initialAccumulator?: number; eps?: number } = {},
): GradientTransformation<{ count: number; sum: Tree }> => {
  checkRate('adagrad', lr)
  const { initialAccumulator = 0, eps = 1e-10 } = options
  return {
    init: (params) => ({
      count: 0,
      sum: T.treeMap(params, (t: Tensor) => T.full(t.shape, initialAccumulator, t.dtype)),
    }),
    update: (grads, state) => {
      const sum = T.treeMapN([state.sum, grads], ([s, g]) => T.add(s, T.mul(g, g)))
      const eta = rateAt(lr, state.count)
      return [
        T.treeMapN([grads, sum], ([g, s]) => T.mul(T.div(g, T.add(T.sqrt(s), eps)), -eta)),
        { count: state.count + 1, sum },
      ]
    },
  }
}
