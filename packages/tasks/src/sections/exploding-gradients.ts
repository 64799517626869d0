/**
 * Lecture §4.4: why RNN training is hard, and not because of the sigmoid. A 1000-step linear RNN
 * with memory weight w, input 1 at the first step and 0 after, has y¹⁰⁰⁰ = w⁹⁹⁹. The same weight
 * is used at every step, so its effect explodes or vanishes: the gradient ∂y/∂w = 999·w⁹⁹⁸ is huge
 * for w = 1.01 and tiny for w = 0.99.
 *
 * The same effect in trained networks: the gradient of the loss with respect to the recurrent
 * state, ‖∂L/∂s_t‖, against t, for the tanh RNN and the LSTM of §4.5's adding problem (the very
 * models §4.5 trains: `trainAdder` is shared and memoised, so with the same key and configuration
 * they are trained once).
 */
import { grad } from '@recurrent/autograd'
import { elman, rnn } from '@recurrent/cells'
import { mse } from '@recurrent/losses'
import type { Tensor, Tree } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import type { Experiment, Plot, RunContext, Table } from '../experiment.ts'
import type { Regressor, RegressorParams } from '../models/regressor.ts'
import {
  type AddingTraining,
  addingData,
  type CellSpec,
  defaultAddingConfig,
  trainAdder,
} from './adding-problem.ts'

/** The lecture's memory weights. */
export const MEMORY_WEIGHTS = [1, 1.01, 0.99, 0.01] as const

/**
 * The cell of the lecture's network (Lecture §4.4): linear, no bias, `h_t = x_t·W_ihᵀ + h_{t−1}·W_hhᵀ`.
 * Shapes: x `[B, I]`, h `[B, H]`, W_ih `[H, I]`, W_hh `[H, H]`.
 *
 * @example
 * const p = { W_ih: T.ones([1, 1]), W_hh: T.full([1, 1], 2) }
 * const [h] = LINEAR_RNN.step(p, T.ones([1, 1]), T.ones([1, 1]))
 * assert.deepStrictEqual(T.toArray(h), [[3]])
 */
export const LINEAR_RNN = elman({ activation: 'identity', bias: false })

/** y at the last of `steps` steps of h_t = x_t + w·h_{t−1}, x = 1, 0, 0, … (BPTT gives ∂y/∂w). */
const lastOutput = (w: Tensor, steps: number): Tensor => {
  const xs = T.tensor(
    Array.from({ length: steps }, (_, t) => [[t === 0 ? 1 : 0]]),
    { dtype: 'f64' },
  )
  const { output } = rnn(LINEAR_RNN).apply({ W_ih: T.ones([1, 1], 'f64'), W_hh: T.reshape(w, [1, 1]) }, xs)
  return T.reshape(T.slice(output, [steps - 1, 0, 0], [1, 1, 1]), [])
}

const checkWeight = (fn: string, w: unknown, steps: unknown): void => {
  if (typeof w !== 'number' || !Number.isFinite(w))
    throw new T.ArgumentError(`${fn}: w must be a finite number, got ${String(w)}`)
  if (typeof steps !== 'number' || !Number.isInteger(steps) || steps < 2)
    throw new T.ArgumentError(`${fn}: steps must be an integer ≥ 2, got ${String(steps)}`)
}

/**
 * y and ∂y/∂w at the last of `steps` steps of the linear RNN `h_t = x_t + w·h_{t−1}`, `y_t = h_t`,
 * input x = 1, 0, 0, … (Lecture §4.4): by running the network (`rnn(elman)` in f64) and by
 * backpropagation through time (`grad` through the scan).
 *
 * Shapes: scalars; the network is 1 input, 1 hidden unit, T = `steps`.
 *
 * @example
 * const { y, dydw } = explodingGradient(1.01)
 * assert.ok(Math.abs(y - 20751.64) < 0.01) // the lecture's y¹⁰⁰⁰ for w = 1.01
 * assert.ok(Math.abs(dydw - 999 * 1.01 ** 998) < 1e-6 * dydw)
 */
export const explodingGradient = (w: number, steps = 1000): { y: number; dydw: number } => {
  checkWeight('explodingGradient', w, steps)
  const wt = T.tensor(w, { dtype: 'f64' })
  return { y: T.item(lastOutput(wt, steps)), dydw: T.item(grad((v: Tensor) => lastOutput(v, steps))(wt)) }
}

/**
 * The closed form of the same network (Lecture §4.4): `y = w^(T−1)` and `∂y/∂w = (T−1)·w^(T−2)`,
 * T = `steps` (1000 in the lecture: y = w⁹⁹⁹, ∂y/∂w = 999·w⁹⁹⁸).
 *
 * @example
 * assert.deepStrictEqual(closedForm(2, 4), { y: 8, dydw: 12 })
 */
export const closedForm = (w: number, steps = 1000): { y: number; dydw: number } => {
  checkWeight('closedForm', w, steps)
  return { y: w ** (steps - 1), dydw: (steps - 1) * w ** (steps - 2) }
}

/**
 * ‖∂L/∂s_t‖ for t = 0, …, T − 1 (Lecture §4.4): how much gradient of a many-to-one model's loss
 * `L = (1/B)·Σ_b (ŷ_b − y_b)²` reaches the recurrent state after t steps (s_0 the initial state,
 * s_{T−1} the state the last step reads). Computed in f64 by perturbing every float leaf of the
 * state as it enters each step, s_t + ε_t, and differentiating L with respect to ε at ε = 0; the
 * norm is over the batch and every leaf (h for a tanh RNN, h and c for an LSTM).
 *
 * Shapes: xs `[T, B, I]`, ys `[B, O]` → T norms.
 *
 * @example
 * // A linear RNN h_t = x_t + 0.5·h_{t−1} read out by y = h_T: ∂L/∂h_t halves with every step back.
 * const model = regressor(LINEAR_RNN)
 * const p = { cell: { W_ih: T.ones([1, 1]), W_hh: T.full([1, 1], 0.5) }, out: { W: T.ones([1, 1]), b: T.zeros([1]) } }
 * const norms = stateGradientNorms(model, p, T.ones([4, 1, 1]), T.zeros([1, 1]))
 * assert.deepStrictEqual(norms.map((n) => n / norms[3]), [0.125, 0.25, 0.5, 1])
 */
export const stateGradientNorms = <P extends Tree>(
  model: Regressor<P>,
  params: RegressorParams<P>,
  xs: Tensor,
  ys: Tensor,
): number[] => {
  if (typeof model !== 'object' || model === null || typeof model.readout !== 'function')
    throw new T.ArgumentError(`stateGradientNorms: model must be a regressor, got ${String(model)}`)
  if (xs?.rank !== 3)
    throw new T.ArgumentError(`stateGradientNorms: xs must be [T, B, I], got ${String(xs?.shape)}`)
  const f64 = (t: Tensor) => (T.isFloat(t.dtype) ? T.cast(t, 'f64') : t)
  const p = T.treeMap(params, f64) as RegressorParams<P>
  const inputs = T.unstack(T.cast(xs, 'f64'))
  const targets = T.cast(ys, 'f64')
  const { cell } = model
  const s0 = cell.initialState(p.cell, xs.shape[1])
  const { leaves } = T.treeFlatten(s0)
  const floats = leaves.flatMap((l, i) => (T.isFloat(l.dtype) ? [i] : []))
  const eps = inputs.map(() => floats.map((i) => T.zeros(leaves[i].shape, 'f64')))
  const loss = (e: Tensor[][]): Tensor => {
    let s = s0
    let y = T.zeros([0], 'f64')
    inputs.forEach((x, t) => {
      const flat = T.treeFlatten(s)
      const next = [...flat.leaves]
      floats.forEach((i, j) => {
        next[i] = T.add(next[i], e[t][j])
      })
      ;[s, y] = cell.step(p.cell, flat.unflatten(next), x)
    })
    return mse(model.readout(p, y), targets)
  }
  return grad(loss)(eps).map((gt) =>
    Math.sqrt(
      gt.reduce((acc, g) => acc + Array.from(T.toTypedArray(g), (v) => v * v).reduce((a, b) => a + b, 0), 0),
    ),
  )
}

/** §4.4's configuration: the lecture's weights and steps, and §4.5's training of two models. */
export interface ExplodingGradientsConfig {
  readonly weights: readonly number[]
  readonly steps: number
  readonly training: AddingTraining
  readonly models: { readonly tanh: CellSpec; readonly lstm: CellSpec }
}

/** One row of the lecture's table: the library's y and ∂y/∂w and the closed form's. */
export interface ExplodingRow {
  readonly w: number
  readonly y: number
  readonly dydw: number
  readonly closedFormY: number
  readonly closedFormDydw: number
}

/** What §4.4 measures. */
export interface ExplodingGradientsMetrics {
  readonly rows: readonly ExplodingRow[]
  /** ‖∂L/∂s_t‖, t = 0 … T − 1, on §4.5's test set, after training. */
  readonly gradientNormByStep: { readonly tanh: readonly number[]; readonly lstm: readonly number[] }
  /** The same at initialisation. */
  readonly gradientNormAtInit: { readonly tanh: readonly number[]; readonly lstm: readonly number[] }
  /** ‖∂L/∂s_0‖ / ‖∂L/∂s_{T−1}‖: how much of the gradient reaches the start (1: none lost). */
  readonly firstToLast: {
    readonly trained: { readonly tanh: number; readonly lstm: number }
    readonly atInit: { readonly tanh: number; readonly lstm: number }
  }
}

/** The relative error allowed between the library's y, ∂y/∂w and the closed form (f64). */
export const CLOSED_FORM_RTOL = 1e-9
/** After training, the tanh RNN's first-to-last ratio must be this many times smaller than the LSTM's. */
export const VANISHING_FACTOR = 100

/** |a − b| ≤ rtol·|b| (exact equality for b = 0, as an underflowed w⁹⁹⁹ is). */
const agrees = (a: number, b: number): boolean => Math.abs(a - b) <= CLOSED_FORM_RTOL * Math.abs(b)

const normsPlot = (series: readonly { model: string; when: string; norms: readonly number[] }[]): Plot => ({
  id: 'exploding-gradients-state-gradient-norms',
  title: '‖∂L/∂s_t‖ against t on the adding problem',
  spec: {
    description:
      'Gradient of the loss with respect to the recurrent state after t steps, tanh RNN and LSTM, at initialisation and after training (log scale).',
    width: 520,
    height: 320,
    data: {
      values: series.flatMap(({ model, when, norms }) =>
        norms.flatMap((norm, t) =>
          norm > 0 ? [{ t, norm, model, when, series: `${model} (${when})` }] : [],
        ),
      ),
    },
    mark: 'line',
    encoding: {
      x: { field: 't', type: 'quantitative', title: 'step t' },
      y: { field: 'norm', type: 'quantitative', title: '‖∂L/∂s_t‖', scale: { type: 'log' } },
      color: { field: 'model', type: 'nominal' },
      strokeDash: {
        field: 'when',
        type: 'nominal',
        title: 'params',
        scale: {
          domain: ['trained', 'initialisation'],
          range: [
            [1, 0],
            [6, 4],
          ],
        },
      },
      detail: { field: 'series', type: 'nominal' },
    },
  },
})

/**
 * Lecture §4.4 as an experiment: y¹⁰⁰⁰ and ∂y/∂w of the linear RNN by the library against the
 * closed form, and ‖∂L/∂s_t‖ against t for §4.5's tanh RNN and LSTM; holds when every row agrees
 * with the closed form to `CLOSED_FORM_RTOL` and the trained tanh RNN's ‖∂L/∂s_0‖/‖∂L/∂s_{T−1}‖ is
 * `VANISHING_FACTOR` times smaller than the trained LSTM's.
 *
 * @example
 * const c = explodingGradientsExperiment.config(false)
 * const tiny = { ...c, weights: [1.01], steps: 10, training: { ...c.training, length: 5, steps: 1, testSize: 4 } }
 * const r = explodingGradientsExperiment.run(tiny, T.key(0))
 * assert.strictEqual(r.metrics.rows[0].closedFormY, 1.01 ** 9)
 * assert.strictEqual(r.metrics.gradientNormByStep.lstm.length, 5)
 */
export const explodingGradientsExperiment: Experiment<ExplodingGradientsConfig, ExplodingGradientsMetrics> = {
  id: '4.4',
  title: 'Exploding and vanishing gradients',
  claim:
    'The same weight is used at every step, so its effect explodes or vanishes: through 1000 steps of a linear RNN y = w⁹⁹⁹ and ∂y/∂w = 999·w⁹⁹⁸, huge for w = 1.01 and vanishing for w = 0.99; in trained networks the gradient reaching early steps vanishes far faster in a tanh RNN than in an LSTM.',
  criterion: `Backpropagation through time agrees with the closed form: for every w, y and ∂y/∂w computed by the library are within a relative error of ${CLOSED_FORM_RTOL} of w⁹⁹⁹ and 999·w⁹⁹⁸. And after §4.5's training, the ratio ‖∂L/∂s_0‖ / ‖∂L/∂s_{T−1}‖ (the gradient reaching the initial state over the gradient reaching the state before the last step) is at least ${VANISHING_FACTOR} times smaller for the tanh RNN than for the LSTM.`,
  config: (full) => {
    const a = defaultAddingConfig(full)
    const { models, ...training } = a
    return {
      weights: [...MEMORY_WEIGHTS],
      steps: 1000,
      training,
      models: { tanh: models.tanh, lstm: models.lstm },
    }
  },
  run: (config, key, context?: RunContext) => {
    if (typeof config !== 'object' || config === null || !Array.isArray(config.weights))
      throw new T.ArgumentError(
        `explodingGradientsExperiment.run: config must be { weights, steps, training, models }, got ${String(config)}`,
      )
    const rows = config.weights.map((w) => {
      const lib = explodingGradient(w, config.steps)
      const exact = closedForm(w, config.steps)
      return { w, y: lib.y, dydw: lib.dydw, closedFormY: exact.y, closedFormDydw: exact.dydw }
    })
    const { test } = addingData(config.training, key)
    const norms = (name: 'tanh' | 'lstm') => {
      const r = trainAdder(config.models[name], config.training, key, context, name)
      return {
        trained: stateGradientNorms(r.model, r.params, test.xs, test.ys),
        atInit: stateGradientNorms(r.model, r.initParams, test.xs, test.ys),
      }
    }
    const tanh = norms('tanh')
    const lstm = norms('lstm')
    const ratio = (n: readonly number[]) => n[0] / n[n.length - 1]
    const table: Table = {
      title: `Linear RNN over ${config.steps} steps, input 1 then 0: y = w^${config.steps - 1}`,
      columns: [
        'w',
        'y (BPTT)',
        `w^${config.steps - 1}`,
        '∂y/∂w (BPTT)',
        `${config.steps - 1}·w^${config.steps - 2}`,
      ],
      rows: rows.map((r) => [r.w, r.y, r.closedFormY, r.dydw, r.closedFormDydw]),
    }
    const ratios: Table = {
      title: '‖∂L/∂s_0‖ / ‖∂L/∂s_{T−1}‖ on the adding problem',
      columns: ['model', 'at initialisation', 'trained'],
      rows: [
        ['tanh', ratio(tanh.atInit), ratio(tanh.trained)],
        ['lstm', ratio(lstm.atInit), ratio(lstm.trained)],
      ],
    }
    return {
      metrics: {
        rows,
        gradientNormByStep: { tanh: tanh.trained, lstm: lstm.trained },
        gradientNormAtInit: { tanh: tanh.atInit, lstm: lstm.atInit },
        firstToLast: {
          trained: { tanh: ratio(tanh.trained), lstm: ratio(lstm.trained) },
          atInit: { tanh: ratio(tanh.atInit), lstm: ratio(lstm.atInit) },
        },
      },
      plots: [
        normsPlot([
          { model: 'tanh', when: 'initialisation', norms: tanh.atInit },
          { model: 'tanh', when: 'trained', norms: tanh.trained },
          { model: 'lstm', when: 'initialisation', norms: lstm.atInit },
          { model: 'lstm', when: 'trained', norms: lstm.trained },
        ]),
      ],
      tables: [table, ratios],
    }
  },
  holds: ({ rows, firstToLast: { trained } }) =>
    rows.length > 0 &&
    rows.every((r) => agrees(r.y, r.closedFormY) && agrees(r.dydw, r.closedFormDydw)) &&
    trained.tanh * VANISHING_FACTOR <= trained.lstm,
}
