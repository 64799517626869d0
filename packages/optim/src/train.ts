/**
 * The training loop as a fold over batches (Lecture §4.2): `(params, optState, batch) →
 * (params, optState, metrics)`. A guard stops it at the first non-finite loss, gradient or
 * parameter with `Left(NonFinite{ step, path, … })`, returning the last good params, instead of
 * training on garbage. A second, opt-in guard stops training that diverges while staying finite
 * (the lecture's cliff, §4.3: one step flies away and the loss climbs from 0.7 to 1e3) with
 * `Left(Diverged{ … })`.
 */
import { valueAndGrad } from '@recurrent/autograd'
import type { BoundaryError, Tensor, Tree } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import * as E from 'fp-ts/lib/Either.js'
import { applyUpdates, type GradientTransformation, globalNorm } from './transform.ts'

/** Why training stopped: what was not finite, where, and the last state that was. */
export interface NonFinite<P = Tree> extends BoundaryError<'NonFinite'> {
  /** In words, e.g. `the gradient is NaN at step 3 (W_ih, element 5)`. */
  readonly reason: string
  readonly step: number
  readonly what: 'loss' | 'gradient' | 'parameter'
  /** Leaf path of the first non-finite tensor ('' for the loss), and the flat index in it. */
  readonly path: string
  readonly index: number
  readonly value: number
  readonly lastGoodParams: P
  readonly lastGoodOptState: unknown
}

/**
 * Why training stopped although everything stayed finite: the loss stayed above `factor` times
 * its running minimum for `patience` consecutive steps.
 */
export interface Diverged<P = Tree> extends BoundaryError<'Diverged'> {
  /** In words, e.g. `the loss 1.2e+3 at step 9 has stayed above 2 × its running minimum 0.67 for 3 steps`. */
  readonly reason: string
  /** The step at which the guard fired (the last of the `patience` steps). */
  readonly step: number
  /** The loss at that step. */
  readonly loss: number
  /** The smallest loss seen so far, and the step it was measured at. */
  readonly runningMin: number
  readonly minStep: number
  /** The params and optimiser state the running minimum was measured with. */
  readonly lastGoodParams: P
  readonly lastGoodOptState: unknown
}

/** Why `train` stopped early. */
export type TrainStop<P = Tree> = NonFinite<P> | Diverged<P>

/** The divergence guard's options: stop once loss > factor × running minimum for `patience` steps in a row. */
export interface DivergenceOptions {
  /** How far above its running minimum the loss may go (> 1; e.g. 2 or 10). */
  readonly factor: number
  /** How many consecutive steps it may stay there (an integer ≥ 1). */
  readonly patience: number
}

export interface StepMetrics {
  readonly step: number
  readonly loss: number
  readonly gradNorm: number
}

/** One evaluation: the step after which it ran (0-based, as in `StepMetrics`) and what it measured. */
export interface Evaluation {
  readonly step: number
  readonly metrics: Readonly<Record<string, number>>
}

/**
 * The evaluation hook's options: `fn(params, step)` runs on the params after step `step`, for
 * every `every`-th step (steps every − 1, 2·every − 1, …, 0-based) and after the last step.
 */
export interface EvaluateOptions<P = Tree> {
  /** How many steps between evaluations (an integer ≥ 1). */
  readonly every: number
  /** Measures the params after step `step` (e.g. a validation loss or an accuracy). */
  readonly fn: (params: P, step: number) => Readonly<Record<string, number>>
}

/** Early stopping's options: stop once `metric` has not improved for `patience` evaluations in a row. */
export interface EarlyStoppingOptions {
  /** The name of the evaluation metric to watch (a key of what `evaluate.fn` returns). */
  readonly metric: string
  /** Whether smaller (`'min'`, a loss) or larger (`'max'`, an accuracy) values are better. */
  readonly mode: 'min' | 'max'
  /** How many evaluations in a row may fail to improve on the best (an integer ≥ 1). */
  readonly patience: number
}

/** Where early stopping stopped: the step of the evaluation that exhausted the patience, and the best evaluation. */
export interface EarlyStop {
  readonly step: number
  readonly best: Evaluation
}

/**
 * Progress events a caller (the CLI) renders. A `step` event carries the params and optimiser
 * state after the step, so a caller can checkpoint them.
 */
export type TrainEvent =
  | {
      readonly type: 'step'
      readonly metrics: StepMetrics
      readonly params: Tree
      readonly optState: unknown
    }
  | { readonly type: 'evaluate'; readonly step: number; readonly metrics: Readonly<Record<string, number>> }
  | { readonly type: 'stopped'; readonly reason: TrainStop }

/**
 * The first non-finite element (NaN, ±∞) of a tree's float leaves, in leaf order: its leaf path,
 * flat (row-major) index and value; undefined when all are finite.
 *
 * @example
 * const bad = firstNonFinite({ a: T.tensor([1, 2]), b: T.tensor([3, Number.NaN]) })
 * assert.deepStrictEqual(bad, { path: 'b', index: 1, value: Number.NaN })
 * assert.strictEqual(firstNonFinite({ a: T.tensor([1]) }), undefined)
 */
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
 * One training step (Lecture §4.2): the loss L(θ; batch) and its gradient ∇L, the optimiser's
 * updates u, and `θ ← θ + u`. Pure: new params and state; `Left(NonFinite)` when the loss, a
 * gradient or a new parameter is not finite.
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
      E.left({
        _tag: 'NonFinite',
        reason:
          what === 'loss'
            ? `the loss is ${where.value} at step ${step}`
            : `the ${what} is ${where.value} at step ${step} (${where.path || 'the root'}, element ${where.index})`,
        step,
        what,
        ...where,
        lastGoodParams: params,
        lastGoodOptState: optState,
      })
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

/** Validates the divergence guard's options, naming the one that is wrong. */
const checkDivergence = (d: DivergenceOptions): DivergenceOptions => {
  if (typeof d !== 'object' || d === null)
    throw new T.ArgumentError(`train: divergence must be { factor, patience }, got ${String(d)}`)
  if (typeof d.factor !== 'number' || !(d.factor > 1) || !Number.isFinite(d.factor))
    throw new T.ArgumentError(`train: divergence.factor must be a finite number > 1, got ${String(d.factor)}`)
  if (typeof d.patience !== 'number' || !Number.isInteger(d.patience) || d.patience < 1)
    throw new T.ArgumentError(`train: divergence.patience must be an integer ≥ 1, got ${String(d.patience)}`)
  return d
}

const isPositiveInteger = (n: unknown): boolean => typeof n === 'number' && Number.isInteger(n) && n >= 1

/** Validates the evaluation hook's options, naming the one that is wrong. */
const checkEvaluate = <P>(e: EvaluateOptions<P>): EvaluateOptions<P> => {
  if (typeof e !== 'object' || e === null)
    throw new T.ArgumentError(`train: evaluate must be { every, fn }, got ${String(e)}`)
  if (!isPositiveInteger(e.every))
    throw new T.ArgumentError(`train: evaluate.every must be an integer ≥ 1, got ${String(e.every)}`)
  if (typeof e.fn !== 'function')
    throw new T.ArgumentError(
      `train: evaluate.fn must be a function (params, step) => metrics, got ${typeof e.fn}`,
    )
  return e
}

/** Validates early stopping's options, naming the one that is wrong. */
const checkEarlyStopping = (s: EarlyStoppingOptions, evaluate: unknown): EarlyStoppingOptions => {
  if (typeof s !== 'object' || s === null)
    throw new T.ArgumentError(`train: earlyStopping must be { metric, mode, patience }, got ${String(s)}`)
  if (evaluate === undefined)
    throw new T.ArgumentError('train: earlyStopping needs evaluate ({ every, fn }) to measure its metric')
  if (typeof s.metric !== 'string' || s.metric === '')
    throw new T.ArgumentError(`train: earlyStopping.metric must be a metric name, got ${String(s.metric)}`)
  if (s.mode !== 'min' && s.mode !== 'max')
    throw new T.ArgumentError(`train: earlyStopping.mode must be 'min' or 'max', got ${String(s.mode)}`)
  if (!isPositiveInteger(s.patience))
    throw new T.ArgumentError(
      `train: earlyStopping.patience must be an integer ≥ 1, got ${String(s.patience)}`,
    )
  return s
}

/**
 * Runs `trainStep` over every batch; stops early with `Left(NonFinite)` at the first non-finite
 * loss, gradient or parameter. With `divergence: { factor: k, patience: n }` it also stops with
 * `Left(Diverged)` at the first step t where, for n steps in a row,
 *
 *   loss_s > m_s + (k − 1)·|m_s|,   m_s = min_{r ≤ s} loss_r   (= k·m_s for positive losses),
 *
 * so a non-increasing loss never trips it. `Diverged.lastGoodParams` are the params the running
 * minimum was measured with (the best seen), not the last ones.
 *
 * With `evaluate: { every: n, fn }`, `fn(params, s)` measures the params after step s for
 * s = n − 1, 2n − 1, … (0-based; every n-th step) and after the last step; each result is
 * reported as an `evaluate` event and collected in `evaluations` (empty without the hook, and
 * when there are no batches). With `earlyStopping: { metric, mode, patience }` it also returns
 * `Right` with `stoppedEarly: { step, best }` at the first evaluation after which `metric` has
 * not strictly improved on its best for `patience` evaluations in a row (best = the first
 * evaluation with the smallest value for `'min'`, the largest for `'max'`; NaN is worse than
 * any number).
 * With early stopping, `params` and `optState` are those the best evaluation measured, whether
 * or not it stopped early; without it they are the last.
 *
 * @example
 * // w ← w − 0.5·(w − 2) halves the distance to 2; `far` measures it, `worse` grows after step 1.
 * const r = train({
 *   params: { w: T.tensor([0], { dtype: 'f64' }) },
 *   optimizer: sgd(0.25),
 *   loss: (p) => T.sum(T.mul(T.sub(p.w, 2), T.sub(p.w, 2))),
 *   batches: Array(7).fill(null),
 *   evaluate: { every: 2, fn: (p, step) => ({ far: 2 - T.item(p.w), worse: Math.abs(step - 1) }) },
 *   earlyStopping: { metric: 'worse', mode: 'min', patience: 2 },
 * })
 * assert.strictEqual(r._tag, 'Right')
 * // Evaluated after steps 1, 3, 5: `worse` is 0, 2, 4, so it stops after step 5 and returns step 1's params.
 * assert.deepStrictEqual(r.right.evaluations.map((e) => e.step), [1, 3, 5])
 * assert.deepStrictEqual(r.right.stoppedEarly, { step: 5, best: { step: 1, metrics: { far: 0.5, worse: 0 } } })
 * assert.deepStrictEqual(T.toArray(r.right.params.w), [1.5])
 * assert.strictEqual(r.right.history.length, 6)
 *
 * @example
 * // Gradient descent on w² with a step too large for it: |w| triples every step, the loss ×9.
 * const r = train({
 *   params: { w: T.tensor([1], { dtype: 'f64' }) },
 *   optimizer: sgd(2),
 *   loss: (p) => T.sum(T.mul(p.w, p.w)),
 *   batches: Array(10).fill(null),
 *   divergence: { factor: 10, patience: 2 },
 * })
 * assert.strictEqual(r._tag, 'Left')
 * // losses 1, 9, 81, 729: 81 and 729 are both above 10 × 1.
 * assert.deepStrictEqual([r.left._tag, r.left.step, r.left.loss, r.left.runningMin], ['Diverged', 3, 729, 1])
 * assert.deepStrictEqual(T.toArray(r.left.lastGoodParams.w), [1])
 */
export const train = <P extends Tree, B>(config: {
  readonly params: P
  readonly optimizer: GradientTransformation
  readonly loss: (params: P, batch: B) => Tensor
  readonly batches: Iterable<B>
  readonly optState?: unknown
  readonly onEvent?: (event: TrainEvent) => void
  /** Opt-in: stop when the loss stays above `factor` × its running minimum for `patience` steps. */
  readonly divergence?: DivergenceOptions
  /** Opt-in: measure the params after every `every`-th step and after the last. */
  readonly evaluate?: EvaluateOptions<P>
  /** Opt-in (needs `evaluate`): stop once `metric` has not improved for `patience` evaluations; keep the best params. */
  readonly earlyStopping?: EarlyStoppingOptions
}): E.Either<
  TrainStop<P>,
  {
    params: P
    optState: unknown
    history: StepMetrics[]
    evaluations: Evaluation[]
    stoppedEarly?: EarlyStop
  }
> => {
  const divergence = config.divergence === undefined ? undefined : checkDivergence(config.divergence)
  const evaluate = config.evaluate === undefined ? undefined : checkEvaluate(config.evaluate)
  const early =
    config.earlyStopping === undefined ? undefined : checkEarlyStopping(config.earlyStopping, evaluate)
  const step = trainStep<P, B>(config.loss, config.optimizer)
  let params = config.params
  let optState = config.optState ?? config.optimizer.init(params)
  const history: StepMetrics[] = []
  let best = { loss: Infinity, step: -1, params, optState }
  let above = 0
  let i = 0
  const evaluations: Evaluation[] = []
  let bestEval: { evaluation: Evaluation; value: number; params: P; optState: unknown } | undefined
  let sinceBest = 0
  /** Runs the hook after step `s`; true when early stopping says stop. */
  const evaluateAt = (s: number): boolean => {
    if (evaluate === undefined) return false
    const metrics = evaluate.fn(params, s)
    if (typeof metrics !== 'object' || metrics === null)
      throw new T.ArgumentError(`train: evaluate.fn must return a record of numbers, got ${String(metrics)}`)
    const evaluation: Evaluation = { step: s, metrics }
    evaluations.push(evaluation)
    config.onEvent?.({ type: 'evaluate', step: s, metrics })
    if (early === undefined) return false
    const value = metrics[early.metric]
    if (typeof value !== 'number')
      throw new T.ArgumentError(
        `train: earlyStopping.metric '${early.metric}' is not among evaluate.fn's metrics (${Object.keys(metrics).join(', ')})`,
      )
    const better =
      bestEval === undefined ||
      (Number.isNaN(bestEval.value) && !Number.isNaN(value)) ||
      (early.mode === 'min' ? value < bestEval.value : value > bestEval.value)
    if (better) {
      bestEval = { evaluation, value, params, optState }
      sinceBest = 0
    } else sinceBest++
    return sinceBest >= early.patience
  }
  const finish = (stoppedAt?: number) => {
    const kept = early !== undefined && bestEval !== undefined ? bestEval : { params, optState }
    return E.right({
      params: kept.params,
      optState: kept.optState,
      history,
      evaluations,
      ...(stoppedAt !== undefined && bestEval !== undefined
        ? { stoppedEarly: { step: stoppedAt, best: bestEval.evaluation } }
        : {}),
    })
  }
  const stopped = (reason: TrainStop<P>): E.Either<TrainStop<P>, never> => {
    config.onEvent?.({ type: 'stopped', reason })
    return E.left(reason)
  }
  for (const batch of config.batches) {
    const r = step(params, optState, batch, i)
    if (E.isLeft(r)) return stopped(r.left)
    const { loss } = r.right.metrics
    if (loss < best.loss) best = { loss, step: i, params, optState }
    ;({ params, optState } = r.right)
    history.push(r.right.metrics)
    config.onEvent?.({ type: 'step', metrics: r.right.metrics, params, optState })
    if (divergence !== undefined) {
      const threshold = best.loss + (divergence.factor - 1) * Math.abs(best.loss)
      above = loss > threshold ? above + 1 : 0
      if (above === divergence.patience) {
        const { factor, patience } = divergence
        return stopped({
          _tag: 'Diverged',
          reason: `the loss ${loss.toPrecision(3)} at step ${i} has stayed above ${factor} × its running minimum ${best.loss.toPrecision(3)} (step ${best.step}) for ${patience} step${patience === 1 ? '' : 's'}`,
          step: i,
          loss,
          runningMin: best.loss,
          minStep: best.step,
          lastGoodParams: best.params,
          lastGoodOptState: best.optState,
        })
      }
    }
    if (evaluate !== undefined && (i + 1) % evaluate.every === 0 && evaluateAt(i)) return finish(i)
    i++
  }
  if (evaluate !== undefined && i > 0 && i % evaluate.every !== 0 && evaluateAt(i - 1)) return finish(i - 1)
  return finish()
}
