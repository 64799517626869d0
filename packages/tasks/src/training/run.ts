/**
 * Runs a task's training from any state to its step budget with optim's `train`: the NaN guard
 * (a non-finite loss, gradient or parameter) and the divergence guard (the loss above
 * `divergenceFactor` × its running minimum for `divergencePatience` steps) stop it. The caller
 * sees the state after every step (to checkpoint it) and gets the final state, or why training
 * stopped, with the step counted from the start of training, not of this run.
 */
import { type TrainStop, train } from '@recurrent/optim'
import { type BoundaryError, boundaryError } from '@recurrent/tensor'
import * as E from 'fp-ts/lib/Either.js'
import type { TrainingTask, TrainState } from './task.ts'

/**
 * Why training stopped before its budget: `path` is the tensor at fault (a parameter's or a
 * gradient's tree path; absent for the loss and for divergence), `step` the step (0-based, counted
 * from the start of training) at which the guard fired, `lastGoodStep` the steps taken before it.
 */
export interface TrainingStopped extends BoundaryError<'TrainingStopped'> {
  readonly step: number
  readonly guard: 'non-finite' | 'divergence'
  readonly lastGoodStep: number
}

const fmt = (x: number): string => (Number.isFinite(x) ? String(Number(x.toPrecision(4))) : String(x))

/** `stop`, with the steps of this run (from 0) counted from the start of training (`from`). */
const stopped = (
  stop: TrainStop,
  from: number,
  lastGoodStep: number,
  guard: { readonly divergenceFactor: number; readonly divergencePatience: number },
): TrainingStopped => {
  const step = from + stop.step
  if (stop._tag === 'NonFinite') {
    const reason =
      stop.what === 'loss'
        ? `the loss is ${stop.value} at step ${step}`
        : `the ${stop.what} ${stop.path} is ${stop.value} at step ${step} (element ${stop.index})`
    return {
      ...boundaryError('TrainingStopped', reason, stop.what === 'loss' ? undefined : stop.path),
      step,
      guard: 'non-finite',
      lastGoodStep,
    }
  }
  return {
    ...boundaryError(
      'TrainingStopped',
      `the loss ${fmt(stop.loss)} at step ${step} has stayed above ${guard.divergenceFactor} × its running minimum ${fmt(stop.runningMin)} (step ${from + stop.minStep}) for ${guard.divergencePatience} steps`,
    ),
    step,
    guard: 'divergence',
    lastGoodStep,
  }
}

/**
 * Trains `state` on to `state.config.steps` steps with the task's pieces and optim's `train`
 * (the NaN and divergence guards on; after a resume the divergence guard's running minimum starts
 * afresh). `onStep` sees the state after every step and the step's loss. Returns the final state,
 * or `Left(TrainingStopped)`; the states `onStep` saw are all finite.
 *
 * @example
 * const task = TASKS.find((t) => t.name === 'adding-gru')
 * const config = { ...task.defaults, steps: 3, length: 4, hiddenSize: 4, testSize: 8 }
 * const seen = []
 * const r = trainTask(task, task.init(config, T.key(0)), { onStep: (s, loss) => seen.push([s.step, loss > 0]) })
 * assert.deepStrictEqual(seen, [[1, true], [2, true], [3, true]])
 * assert.strictEqual(r._tag === 'Right' && r.right.step, 3)
 */
export const trainTask = (
  task: TrainingTask,
  state: TrainState,
  options: { readonly onStep?: (state: TrainState, loss: number) => void } = {},
): E.Either<TrainingStopped, TrainState> => {
  const { config, key } = state
  const s = task.setup(config, key)
  const from = state.step
  const steps = config.steps
  let last = state
  const r = train({
    params: state.params,
    optState: state.optState,
    optimizer: s.optimizer,
    loss: s.loss,
    batches: (function* () {
      for (let i = from; i < steps; i++) yield s.batch(i)
    })(),
    divergence: { factor: config.divergenceFactor, patience: config.divergencePatience },
    onEvent: (e) => {
      if (e.type !== 'step') return
      last = { config, key, step: from + e.metrics.step + 1, params: e.params, optState: e.optState }
      options.onStep?.(last, e.metrics.loss)
    },
  })
  const guard = { divergenceFactor: config.divergenceFactor, divergencePatience: config.divergencePatience }
  if (E.isLeft(r)) return E.left(stopped(r.left, from, last.step, guard))
  return E.right(last)
}
