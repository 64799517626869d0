/**
 * The training loop as a fold over batches (Lecture §4.2): `(params, optState, batch) →
 * (params, optState, metrics)`. A guard stops it at the first non-finite loss, gradient or
 * parameter with `Left(NonFinite{ step, path, … })`, returning the last good params, instead of
 * training on garbage.
 */
import { valueAndGrad } from '@recurrent/autograd'
import type { Tensor, Tree } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import * as E from 'fp-ts/lib/Either.js'
import { applyUpdates, type GradientTransformation, globalNorm } from './transform.ts'

/** Why training stopped: what was not finite, where, and the last state that was. */
export interface NonFinite<P = Tree> {
  readonly _tag: 'NonFinite'
  readonly step: number
  readonly what: 'loss' | 'gradient' | 'parameter'
  /** Leaf path of the first non-finite tensor ('' for the loss), and the flat index in it. */
  readonly path: string
  readonly index: number
  readonly value: number
  readonly lastGoodParams: P
  readonly lastGoodOptState: unknown
}

export interface StepMetrics {
  readonly step: number
  readonly loss: number
  readonly gradNorm: number
}

/** Progress events a caller (the CLI) renders. */
export type TrainEvent =
  | { readonly type: 'step'; readonly metrics: StepMetrics }
  | { readonly type: 'stopped'; readonly reason: NonFinite }

/** The first non-finite element of a tree: its path, flat index and value. */
export const firstNonFinite = (tree: Tree): { path: string; index: number; value: number } | undefined => {
  const { leaves, paths } = T.treeFlatten(tree)
  for (let i = 0; i < leaves.length; i++) {
    if (!T.isFloat(leaves[i].dtype)) continue
    const d = T.toTypedArray(leaves[i])
    for (let j = 0; j < d.length; j++)
      if (!Number.isFinite(d[j])) return { path: paths[i], index: j, value: d[j] }
  }
  return undefined
}

/**
 * One training step: loss and gradients, then the optimiser's update. Pure: new params and state.
 *
 * @example
 * const step = trainStep((p, x) => T.sum(T.mul(T.sub(p.w, x), T.sub(p.w, x))), sgd(0.25))
 * const r = step({ w: T.tensor([0], { dtype: 'f64' }) }, null, T.tensor([2], { dtype: 'f64' }), 0)
 * assert.strictEqual(r._tag, 'Right')
 * assert.deepStrictEqual(T.toArray(r.right.params.w), [1])
 */
export const trainStep =
  <P extends Tree, B>(loss: (params: P, batch: B) => Tensor, optimizer: GradientTransformation) =>
  (
    params: P,
    optState: unknown,
    batch: B,
    step: number,
  ): E.Either<NonFinite<P>, { params: P; optState: unknown; metrics: StepMetrics }> => {
    const stop = (
      what: NonFinite['what'],
      where: { path: string; index: number; value: number },
    ): E.Either<NonFinite<P>, never> =>
      E.left({ _tag: 'NonFinite', step, what, ...where, lastGoodParams: params, lastGoodOptState: optState })
    const [value, grads] = valueAndGrad(loss)(params, batch)
    const l = T.item(value)
    if (!Number.isFinite(l)) return stop('loss', { path: '', index: 0, value: l })
    const badGrad = firstNonFinite(grads)
    if (badGrad) return stop('gradient', badGrad)
    const [updates, nextState] = optimizer.update(grads, optState, params)
    const next = applyUpdates(params, updates)
    const badParam = firstNonFinite(next)
    if (badParam) return stop('parameter', badParam)
    return E.right({
      params: next,
      optState: nextState,
      metrics: { step, loss: l, gradNorm: T.item(globalNorm(grads)) },
    })
  }

/** Runs `trainStep` over every batch; stops early with `Left(NonFinite)`. */
export const train = <P extends Tree, B>(config: {
  readonly params: P
  readonly optimizer: GradientTransformation
  readonly loss: (params: P, batch: B) => Tensor
  readonly batches: Iterable<B>
  readonly optState?: unknown
  readonly onEvent?: (event: TrainEvent) => void
}): E.Either<NonFinite<P>, { params: P; optState: unknown; history: StepMetrics[] }> => {
  const step = trainStep<P, B>(config.loss, config.optimizer)
  let params = config.params
  let optState = config.optState ?? config.optimizer.init(params)
  const history: StepMetrics[] = []
  let i = 0
  for (const batch of config.batches) {
    const r = step(params, optState, batch, i++)
    if (E.isLeft(r)) {
      config.onEvent?.({ type: 'stopped', reason: r.left })
      return r
    }
    ;({ params, optState } = r.right)
    history.push(r.right.metrics)
    config.onEvent?.({ type: 'step', metrics: r.right.metrics })
  }
  return E.right({ params, optState, history })
}
