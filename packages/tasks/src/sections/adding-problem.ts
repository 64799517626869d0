/**
 * Lecture §4.5: the remedies for vanishing gradients, measured on a task that needs long-range
 * memory. The adding problem (`data/adding-problem.ts`) asks for the sum of two marked values
 * read after the last step, the first of them at least T/2 steps back. A network that cannot
 * carry information that far can only predict the mean, whose test MSE is the baseline ≈ 0.167.
 * Six many-to-one regressors (`models/regressor.ts`) over the lecture's cells are trained with
 * the same data, optimiser and step budget: a tanh RNN (Elman), the IRNN, the LSTM, the GRU, the
 * Clockwork RNN and the SCRN. The cell is configuration: any `Cell` can take a model's place.
 */
import { type Cell, clockwork, elman, gru, irnn, lstm, scrn } from '@recurrent/cells'
import { mse } from '@recurrent/losses'
import { adam, chain, clipByGlobalNorm, type GradientTransformation, train } from '@recurrent/optim'
import type { Key, Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import { type AddingBatch, addingProblem, meanPredictorMse } from '../data/adding-problem.ts'
import {
  boundedMemo,
  type Experiment,
  type Plot,
  type RunContext,
  reportRun,
  type Table,
} from '../experiment.ts'
import { type Regressor, type RegressorParams, regressor } from '../models/regressor.ts'

/** The six models of §4.5, by the names the metrics use. */
export const ADDING_MODELS = ['tanh', 'irnn', 'lstm', 'gru', 'clockwork', 'scrn'] as const

/** A model's name in the metrics. */
export type AddingModel = (typeof ADDING_MODELS)[number]

/** A model of the comparison: a cell and its number of hidden units. */
export interface CellSpec {
  readonly cell: Cell
  readonly hiddenSize: number
}

/**
 * How every model is trained: the task's sequence length, the fixed step budget, the batch size,
 * Adam's learning rate after clipping the global gradient norm at `clipNorm` (Lecture §4.3), and
 * the held-out test set (`testSize` sequences) measured every `evalEvery` steps.
 */
export interface AddingTraining {
  readonly length: number
  readonly steps: number
  readonly batch: number
  readonly learningRate: number
  readonly clipNorm: number
  readonly evalEvery: number
  readonly testSize: number
}

/**
 * §4.5's configuration: the training and the models, by name (the default has all six; a run may
 * leave some out, or put any cell in a model's place).
 */
export interface AddingProblemConfig extends AddingTraining {
  readonly models: Readonly<Partial<Record<AddingModel, CellSpec>>>
}

/**
 * The default cells of §4.5: a tanh Elman RNN, the IRNN (ReLU, identity init), an LSTM whose
 * forget gate starts open (bias 1), a GRU, a Clockwork RNN (periods 1, 2, 4, 8) and an SCRN
 * (α = 0.95). One value each, so two experiments configured with them share trained models.
 */
export const ADDING_CELLS: Readonly<Record<AddingModel, Cell>> = Object.freeze({
  tanh: elman(),
  irnn: irnn(),
  lstm: lstm({ forgetBias: 1 }),
  gru: gru(),
  clockwork: clockwork(),
  scrn: scrn(),
})

/** One point of a learning curve: the test MSE after `step` training steps (0: at initialisation). */
export interface CurvePoint {
  readonly step: number
  readonly testMse: number
}

/** A model trained on the adding problem, with its learning curve. */
export interface TrainedAdder {
  readonly model: Regressor
  readonly initParams: RegressorParams
  /** The params after the budget (or the last finite ones, if training stopped: see `stopped`). */
  readonly params: RegressorParams
  readonly curve: readonly CurvePoint[]
  /** The test MSE of `params`. */
  readonly testMse: number
  /** Why training stopped before the budget (a non-finite loss, gradient or parameter), if it did. */
  readonly stopped?: string
}

const checkTraining = (t: AddingTraining): void => {
  if (typeof t !== 'object' || t === null)
    throw new T.ArgumentError(`trainAdder: training must be an object, got ${String(t)}`)
  const integers: readonly [keyof AddingTraining, number][] = [
    ['length', 2],
    ['steps', 1],
    ['batch', 1],
    ['evalEvery', 1],
    ['testSize', 1],
  ]
  for (const [k, min] of integers) {
    const v = t[k]
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
      throw new T.ArgumentError(`trainAdder: training.${k} must be an integer ≥ ${min}, got ${String(v)}`)
  }
  for (const k of ['learningRate', 'clipNorm'] as const) {
    const v = t[k]
    if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v))
      throw new T.ArgumentError(`trainAdder: training.${k} must be a finite number > 0, got ${String(v)}`)
  }
}

/**
 * The seeded data of a run of Lecture §4.5's experiment: the test set (from `foldIn(key, 0)`) and training batch i (from
 * `foldIn(foldIn(key, 1), i)`), the same for every model trained with this key.
 *
 * Shapes: test xs `[T, testSize, 2]`, ys `[testSize, 1]`; a batch xs `[T, batch, 2]`, ys `[batch, 1]`.
 *
 * @example
 * const data = addingData({ length: 5, batch: 3, testSize: 7 }, T.key(0))
 * assert.deepStrictEqual(T.shape(data.test.xs), [5, 7, 2])
 * assert.deepStrictEqual(T.toArray(data.batch(2).xs), T.toArray(data.batch(2).xs))
 */
export const addingData = (
  training: Pick<AddingTraining, 'length' | 'batch' | 'testSize'>,
  key: Key,
): { readonly test: AddingBatch; readonly batch: (i: number) => AddingBatch } => {
  const stream = T.foldIn(key, 1)
  return {
    test: addingProblem(T.foldIn(key, 0), { length: training.length, batch: training.testSize }),
    batch: (i) => addingProblem(T.foldIn(stream, i), { length: training.length, batch: training.batch }),
  }
}

/** What training one model on the adding problem needs, as pure functions of the step: see `adderTraining`. */
export interface AdderTraining {
  readonly model: Regressor
  /** The initial params, from `foldIn(key, 2)`. */
  readonly initParams: RegressorParams
  /** `chain(clipByGlobalNorm(clipNorm), adam(learningRate))`. */
  readonly optimizer: GradientTransformation
  /** `L = (1/B)·Σ_b (ŷ_b − y_b)²`. */
  readonly loss: (params: RegressorParams, batch: AddingBatch) => Tensor
  /** The test set and batch i (`addingData`). */
  readonly data: ReturnType<typeof addingData>
  /** The test MSE of some params. */
  readonly testMse: (params: RegressorParams) => number
}

/**
 * The pieces of training a many-to-one regressor over `spec.cell` on the adding problem (Lecture
 * §4.5), from `key`: the data of `addingData(training, key)`, the params from `foldIn(key, 2)`,
 * the clipped Adam and the MSE. `trainAdder` trains with these; batch i is a function of i alone,
 * so training may start at any step.
 *
 * @example
 * const training = { length: 6, steps: 4, batch: 8, learningRate: 0.01, clipNorm: 1, evalEvery: 2, testSize: 16 }
 * const t = adderTraining({ cell: ADDING_CELLS.lstm, hiddenSize: 4 }, training, T.key(0))
 * assert.deepStrictEqual(T.shape(t.model.apply(t.initParams, t.data.batch(0).xs)), [8, 1])
 * assert.ok(t.testMse(t.initParams) > 0)
 */
export const adderTraining = (spec: CellSpec, training: AddingTraining, key: Key): AdderTraining => {
  if (typeof spec !== 'object' || spec === null || typeof spec.cell?.step !== 'function')
    throw new T.ArgumentError(`trainAdder: spec must be { cell, hiddenSize }, got ${String(spec)}`)
  if (!Number.isInteger(spec.hiddenSize) || spec.hiddenSize < 1)
    throw new T.ArgumentError(
      `trainAdder: spec.hiddenSize must be a positive integer, got ${String(spec.hiddenSize)}`,
    )
  checkTraining(training)
  const model = regressor(spec.cell)
  const data = addingData(training, key)
  return {
    model,
    initParams: model.init(T.foldIn(key, 2), { inputSize: 2, hiddenSize: spec.hiddenSize, outputSize: 1 }),
    optimizer: chain(clipByGlobalNorm(training.clipNorm), adam(training.learningRate)),
    loss: (p, b) => mse(model.apply(p, b.xs), b.ys),
    data,
    testMse: (p) => T.item(mse(model.apply(p, data.test.xs), data.test.ys)),
  }
}

/** Trained models by cell (identity), then by hidden size, training and key: at most a few per cell. */
const trained = new WeakMap<Cell, ReturnType<typeof boundedMemo<TrainedAdder>>>()
const MEMO_PER_CELL = 4

/**
 * Trains a many-to-one regressor over `spec.cell` on the adding problem (Lecture §4.5): the loss
 * `L = (1/B)·Σ_b (ŷ_b − y_b)²` on a fresh batch every step, `chain(clipByGlobalNorm(clipNorm),
 * adam(learningRate))`, a fixed budget of `steps` steps, and the test MSE measured at
 * initialisation and every `evalEvery` steps (and after the last).
 *
 * Keys: the data come from `addingData(training, key)`; the params from `foldIn(key, 2)`. The
 * result depends only on the arguments; a call repeated with the same cell value, hidden size,
 * training and key returns the result of the first without training again (and reports no
 * progress), so two experiments can share a trained model. `run` names the run in `context`'s
 * events.
 *
 * Shapes: the model reads `[T, B, 2]` and predicts `[B, 1]`.
 *
 * @example
 * const training = { length: 6, steps: 4, batch: 8, learningRate: 0.01, clipNorm: 1, evalEvery: 2, testSize: 16 }
 * const r = trainAdder({ cell: ADDING_CELLS.gru, hiddenSize: 4 }, training, T.key(0))
 * assert.deepStrictEqual(r.curve.map((p) => p.step), [0, 2, 4])
 * assert.strictEqual(r.testMse, r.curve[2].testMse)
 * assert.strictEqual(trainAdder({ cell: ADDING_CELLS.gru, hiddenSize: 4 }, training, T.key(0)), r) // memoised
 */
export const trainAdder = (
  spec: CellSpec,
  training: AddingTraining,
  key: Key,
  context?: RunContext,
  run = spec?.cell?.name ?? 'model',
): TrainedAdder => {
  if (typeof spec !== 'object' || spec === null || typeof spec.cell?.step !== 'function')
    throw new T.ArgumentError(`trainAdder: spec must be { cell, hiddenSize }, got ${String(spec)}`)
  if (!Number.isInteger(spec.hiddenSize) || spec.hiddenSize < 1)
    throw new T.ArgumentError(
      `trainAdder: spec.hiddenSize must be a positive integer, got ${String(spec.hiddenSize)}`,
    )
  checkTraining(training)
  const { length, steps, batch, learningRate, clipNorm, evalEvery, testSize } = training
  const memoKey = JSON.stringify([
    spec.hiddenSize,
    length,
    steps,
    batch,
    learningRate,
    clipNorm,
    evalEvery,
    testSize,
    key.words,
  ])
  const byCell = trained.get(spec.cell) ?? boundedMemo<TrainedAdder>(MEMO_PER_CELL)
  trained.set(spec.cell, byCell)
  const hit = byCell.get(memoKey)
  if (hit !== undefined) return hit

  const { model, initParams, optimizer, loss, data, testMse } = adderTraining(spec, training, key)
  const curve: CurvePoint[] = [{ step: 0, testMse: testMse(initParams) }]
  const progress = reportRun(context, run, steps)
  const result = train<RegressorParams, AddingBatch>({
    params: initParams,
    optimizer,
    loss,
    batches: (function* () {
      for (let i = 0; i < steps; i++) yield data.batch(i)
    })(),
    evaluate: { every: evalEvery, fn: (p) => ({ testMse: testMse(p) }) },
    onEvent: (e) => {
      if (e.type === 'step') progress(e.metrics.step, e.metrics.loss)
      if (e.type === 'evaluate') curve.push({ step: e.step + 1, testMse: e.metrics.testMse })
    },
  })
  const done: TrainedAdder =
    result._tag === 'Right'
      ? { model, initParams, params: result.right.params, curve, testMse: curve[curve.length - 1].testMse }
      : (() => {
          const params = result.left.lastGoodParams
          const last = testMse(params)
          context?.onEvent?.({ type: 'done', run })
          return {
            model,
            initParams,
            params,
            curve:
              curve[curve.length - 1].step === result.left.step
                ? curve
                : [...curve, { step: result.left.step, testMse: last }],
            testMse: last,
            stopped: result.left.reason,
          }
        })()
  return byCell.set(memoKey, Object.freeze({ ...done, curve: Object.freeze(done.curve) }))
}

/** What §4.5 measures. */
export interface AddingProblemMetrics {
  readonly addingProblem: {
    readonly length: number
    readonly steps: number
    /** The test MSE of predicting the test set's mean target. */
    readonly baselineMse: number
    /** Each configured model's test MSE after the budget (all six by default). */
    readonly testMse: Readonly<Partial<Record<AddingModel, number>>>
    /** Models whose training stopped early on a non-finite value, with the reason (absent: none). */
    readonly stopped: Readonly<Partial<Record<AddingModel, string>>>
  }
}

/** §4.5's criterion: the LSTM's and the GRU's test MSE must end below this fraction of the baseline. */
export const LEARNED_FRACTION = 0.1
/** §4.5's criterion: the tanh RNN's test MSE must end at or above this fraction of the baseline. */
export const TANH_FLOOR = 0.8

const learningCurves = (
  curves: Readonly<Record<string, readonly CurvePoint[]>>,
  baselineMse: number,
  length: number,
): Plot => ({
  id: 'adding-problem-learning-curves',
  title: `Adding problem, T = ${length}: test MSE while training`,
  spec: {
    description: 'Test MSE of each model against training steps; the dashed line predicts the mean.',
    width: 520,
    height: 320,
    layer: [
      {
        data: {
          values: Object.entries(curves).flatMap(([model, c]) =>
            c.map((p) => ({ model, step: p.step, testMse: p.testMse })),
          ),
        },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'step', type: 'quantitative', title: 'training steps' },
          y: { field: 'testMse', type: 'quantitative', title: 'test MSE', scale: { type: 'log' } },
          color: { field: 'model', type: 'nominal', title: 'model' },
        },
      },
      {
        data: { values: [{ baselineMse, label: 'predict the mean' }] },
        mark: { type: 'rule', strokeDash: [6, 4], color: 'gray' },
        encoding: { y: { field: 'baselineMse', type: 'quantitative' } },
      },
    ],
  },
})

/**
 * §4.5's default configuration (Lecture §4.5): all six models with H = 32 hidden units, sequences
 * of T = 40 steps and a budget of 800 steps (`full`: T = 100, 3000 steps), batches of 32, Adam at
 * 0.01 after clipping the global norm at 1, a test set of 1024 sequences measured every 50 steps.
 * `addingProblemExperiment.config` returns it; §4.4 trains its tanh RNN and LSTM with it.
 *
 * @example
 * const c = defaultAddingConfig(false)
 * assert.deepStrictEqual([c.length, c.steps, Object.keys(c.models).length], [40, 800, 6])
 * assert.strictEqual(c.models.lstm.cell, ADDING_CELLS.lstm)
 */
export const defaultAddingConfig = (
  full: boolean,
): AddingProblemConfig & { readonly models: Readonly<Record<AddingModel, CellSpec>> } => ({
  length: full ? 100 : 40,
  steps: full ? 3000 : 800,
  batch: 32,
  learningRate: 0.01,
  clipNorm: 1,
  evalEvery: 50,
  testSize: 1024,
  models: Object.fromEntries(
    ADDING_MODELS.map((m) => [m, { cell: ADDING_CELLS[m], hiddenSize: 32 }]),
  ) as Record<AddingModel, CellSpec>,
})

/**
 * Lecture §4.5 as an experiment: the configured models (by default all six) trained on the
 * adding problem with one budget; a table and learning curves with the baseline drawn. Holds when
 * the LSTM and the GRU end below `LEARNED_FRACTION` × the baseline MSE and the tanh RNN ends at or
 * above `TANH_FLOOR` × it.
 *
 * @example
 * const tiny = { ...addingProblemExperiment.config(false), length: 6, steps: 2, evalEvery: 1, testSize: 8 }
 * const small = { ...tiny, models: Object.fromEntries(Object.entries(tiny.models).map(([k, m]) => [k, { ...m, hiddenSize: 4 }])) }
 * const r = addingProblemExperiment.run(small, T.key(0))
 * assert.deepStrictEqual(Object.keys(r.metrics.addingProblem.testMse), ['tanh', 'irnn', 'lstm', 'gru', 'clockwork', 'scrn'])
 * assert.strictEqual(addingProblemExperiment.holds(r.metrics), false) // two steps teach nothing
 */
export const addingProblemExperiment: Experiment<AddingProblemConfig, AddingProblemMetrics> = {
  id: '4.5',
  title: 'Long-range memory: the adding problem',
  claim:
    'Gated cells remember across long spans where a plain tanh RNN cannot: on the adding problem, with the same data, optimiser and step budget, the LSTM and the GRU learn to add two values marked far apart while the tanh RNN stays at the error of predicting the mean.',
  criterion: `After the step budget, the test MSE of the LSTM and of the GRU is below ${LEARNED_FRACTION} × the baseline (the MSE of predicting the test set's mean target), and the test MSE of the tanh RNN is at least ${TANH_FLOOR} × the baseline. The IRNN, Clockwork RNN and SCRN are reported, not judged.`,
  config: (full) => defaultAddingConfig(full),
  run: (config, key, context) => {
    if (typeof config !== 'object' || config === null || typeof config.models !== 'object')
      throw new T.ArgumentError(
        `addingProblemExperiment.run: config must be { …training, models }, got ${String(config)}`,
      )
    const runs = ADDING_MODELS.flatMap((m) => {
      const spec = config.models[m]
      return spec === undefined ? [] : [[m, spec, trainAdder(spec, config, key, context, m)] as const]
    })
    const baselineMse = meanPredictorMse(addingData(config, key).test.ys)
    const testMse: Partial<Record<AddingModel, number>> = Object.fromEntries(
      runs.map(([m, , r]) => [m, r.testMse]),
    )
    const stopped = Object.fromEntries(
      runs.flatMap(([m, , r]) => (r.stopped === undefined ? [] : [[m, r.stopped]])),
    )
    const table: Table = {
      title: `Adding problem, T = ${config.length}, ${config.steps} steps: test MSE (baseline ${baselineMse.toFixed(4)})`,
      columns: ['model', 'cell', 'hidden', 'test MSE', 'MSE / baseline'],
      rows: runs.map(([m, spec, r]) => [
        m,
        spec.cell.name,
        spec.hiddenSize,
        Number(r.testMse.toPrecision(4)),
        Number((r.testMse / baselineMse).toPrecision(3)),
      ]),
    }
    return {
      metrics: {
        addingProblem: { length: config.length, steps: config.steps, baselineMse, testMse, stopped },
      },
      plots: [
        learningCurves(Object.fromEntries(runs.map(([m, , r]) => [m, r.curve])), baselineMse, config.length),
      ],
      tables: [table],
    }
  },
  // A judged model left out of the configuration fails the criterion.
  holds: ({ addingProblem: { baselineMse, testMse } }) =>
    (testMse.lstm ?? Number.NaN) < LEARNED_FRACTION * baselineMse &&
    (testMse.gru ?? Number.NaN) < LEARNED_FRACTION * baselineMse &&
    (testMse.tanh ?? Number.NaN) >= TANH_FLOOR * baselineMse,
}
