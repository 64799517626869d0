/**
 * Lecture §3.3: an LSTM layer needs four times the parameters of a plain recurrent layer of the
 * same size, because each of its four inputs z, z_i, z_f, z_o is a linear transform of the input
 * (and, in the library's cells, of the fed-back output) with its own weights:
 *
 *   plain (Elman):  h_t = σ(x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh)
 *                   W_ih [H, I], W_hh [H, H], b_ih, b_hh [H]      → H·I + H·H + 2H
 *   LSTM:           [z_i; z_f; z; z_o] = x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh
 *                   W_ih [4H, I], W_hh [4H, H], b_ih, b_hh [4H]    → 4·(H·I + H·H + 2H)
 *
 * Biases keep the ratio at exactly 4 as long as both cells have them or both do not: each of the
 * four transforms carries the same biases the plain layer's one transform does. What breaks it is
 * anything only one side has: biases on one side only, peepholes (`w_ci, w_cf, w_co [H]` or a full
 * `W_ch [4H, H]`), an output layer `W_ho` on the plain network.
 */
import { elman, lstm } from '@recurrent/cells'
import type { Tree } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import type { Experiment } from '../experiment.ts'

/**
 * The number of scalar parameters in a parameter tree: the sum of its leaves' sizes, `Σ_leaf ∏ shape`.
 *
 * @example
 * assert.strictEqual(countParameters({ W: T.zeros([4, 3]), b: T.zeros([4]), none: undefined }), 16)
 */
export const countParameters = (params: Tree): number => {
  if (params === null || (typeof params !== 'object' && !T.isTensor(params)))
    throw new T.ArgumentError(`countParameters: params must be a tree of tensors, got ${String(params)}`)
  return T.treeLeaves(params).reduce((n, leaf) => n + leaf.size, 0)
}

/** §3.3's configuration: the layer sizes and whether both cells have biases. */
export interface ParameterCountConfig {
  readonly inputSize: number
  readonly hiddenSize: number
  readonly bias: boolean
  /** More (inputSize, hiddenSize) pairs the ratio is also counted at. */
  readonly sizes: readonly { readonly inputSize: number; readonly hiddenSize: number }[]
}

/** A count of both cells' parameters at one configuration. */
export interface ParameterCount {
  readonly inputSize: number
  readonly hiddenSize: number
  readonly elman: number
  readonly lstm: number
}

/** §3.3's measurements. */
export interface ParameterCountMetrics {
  /** Both cells at the configured sizes and bias option. */
  readonly parameters: { readonly elman: number; readonly lstm: number }
  /** Both cells at every size of `sizes`, with and without biases. */
  readonly withBias: readonly ParameterCount[]
  readonly withoutBias: readonly ParameterCount[]
  /** What breaks the ratio: options one side has and the other lacks (not part of the claim). */
  readonly variants: readonly { readonly name: string; readonly elman: number; readonly lstm: number }[]
}

const positive = (fn: string, name: string, v: unknown): number => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    throw new T.ArgumentError(`${fn}: ${name} must be a positive integer, got ${String(v)}`)
  return v
}

/**
 * Counts the parameters the library's `elman` and `lstm` cells create (`init`) for the same
 * input and hidden sizes: `H·I + H·H + 2H` and `4·(H·I + H·H + 2H)` with biases, without the `2H`
 * terms without them (Lecture §3.3).
 *
 * @example
 * assert.deepStrictEqual(countCells(3, 1), { inputSize: 3, hiddenSize: 1, elman: 6, lstm: 24 })
 * assert.deepStrictEqual(countCells(3, 1, false), { inputSize: 3, hiddenSize: 1, elman: 4, lstm: 16 })
 */
export const countCells = (inputSize: number, hiddenSize: number, bias = true): ParameterCount => {
  const sizes = {
    inputSize: positive('countCells', 'inputSize', inputSize),
    hiddenSize: positive('countCells', 'hiddenSize', hiddenSize),
    dtype: 'f64' as const,
  }
  const key = T.key(0)
  return {
    inputSize,
    hiddenSize,
    elman: countParameters(elman({ bias }).init(key, sizes)),
    lstm: countParameters(lstm({ bias }).init(key, sizes)),
  }
}

/**
 * Lecture §3.3 as an experiment: the parameters of an Elman layer and an LSTM layer of the same
 * sizes, counted from what `init` creates; it holds when the LSTM has exactly 4× as many at every
 * size, with biases and without.
 *
 * @example
 * const r = section(parameterCountExperiment).run(false, T.key(0))
 * assert.strictEqual(r.metrics.parameters.lstm, 4 * r.metrics.parameters.elman)
 * assert.strictEqual(r.holds, true)
 */
export const parameterCountExperiment: Experiment<ParameterCountConfig, ParameterCountMetrics> = {
  id: '3.3',
  title: 'An LSTM layer has 4× the parameters',
  claim:
    'A layer of LSTM cells needs 4× the parameters of a plain recurrent layer of the same size: z, z_i, z_f and z_o are each a linear transform of the input.',
  criterion:
    'At the configured sizes and at every listed size, with biases and without, the LSTM layer created by init has exactly 4 times the parameters of the Elman layer created for the same sizes.',
  config: () => ({
    inputSize: 3,
    hiddenSize: 4,
    bias: true,
    sizes: [
      { inputSize: 1, hiddenSize: 1 },
      { inputSize: 3, hiddenSize: 1 },
      { inputSize: 10, hiddenSize: 20 },
      { inputSize: 300, hiddenSize: 128 },
    ],
  }),
  run: (config) => {
    const main = countCells(config.inputSize, config.hiddenSize, config.bias)
    const at = (bias: boolean) => config.sizes.map((s) => countCells(s.inputSize, s.hiddenSize, bias))
    const sizes = {
      inputSize: config.inputSize,
      hiddenSize: config.hiddenSize,
      dtype: 'f64' as const,
    }
    const key = T.key(0)
    const variant = (name: string, e: Tree, l: Tree) => ({
      name,
      elman: countParameters(e),
      lstm: countParameters(l),
    })
    const variants = [
      variant('biases on the LSTM only', elman({ bias: false }).init(key, sizes), lstm().init(key, sizes)),
      variant(
        'diagonal peepholes',
        elman({ bias: config.bias }).init(key, sizes),
        lstm({ bias: config.bias, peephole: 'diagonal' }).init(key, sizes),
      ),
      variant(
        "the lecture's peepholes",
        elman({ bias: config.bias }).init(key, sizes),
        lstm({ bias: config.bias, peephole: 'lecture' }).init(key, sizes),
      ),
      variant(
        'an output layer on the Elman network',
        elman({ bias: config.bias, outputSize: config.hiddenSize }).init(key, sizes),
        lstm({ bias: config.bias }).init(key, sizes),
      ),
    ]
    const withBias = at(true)
    const withoutBias = at(false)
    const row = (label: string, c: { elman: number; lstm: number }) => [
      label,
      c.elman,
      c.lstm,
      c.lstm / c.elman,
    ]
    return {
      metrics: { parameters: { elman: main.elman, lstm: main.lstm }, withBias, withoutBias, variants },
      plots: [],
      tables: [
        {
          title: `parameters at input ${config.inputSize}, hidden ${config.hiddenSize}${config.bias ? '' : ', no biases'}`,
          columns: ['cells', 'elman', 'lstm', 'ratio'],
          rows: [row('as configured', main), ...variants.map((v) => row(v.name, v))],
        },
        {
          title: 'parameters by size',
          columns: ['input', 'hidden', 'biases', 'elman', 'lstm', 'ratio'],
          rows: [
            ...withBias.map((c) => [c.inputSize, c.hiddenSize, 'yes', c.elman, c.lstm, c.lstm / c.elman]),
            ...withoutBias.map((c) => [c.inputSize, c.hiddenSize, 'no', c.elman, c.lstm, c.lstm / c.elman]),
          ],
        },
      ],
    }
  },
  holds: (m) =>
    [m.parameters, ...m.withBias, ...m.withoutBias].every((c) => c.elman > 0 && c.lstm === 4 * c.elman),
}
