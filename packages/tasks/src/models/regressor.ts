/**
 * A many-to-one regressor (Lecture §5.1, used by §4.5's adding problem): any recurrent cell reads
 * the whole sequence, and a linear output layer maps its output after the last step to the
 * prediction.
 *
 *   (s_t, o_t) = cell(s_{t−1}, x_t),   ŷ = o_T·Wᵀ + b
 */

import type { DenseParams } from '@recurrent/cells'
import { type Cell, dense, lastOutput, rnn } from '@recurrent/cells'
import type { DType, Key, Tensor, Tree } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'

/** The regressor's parameters: the cell's and the output layer's. */
export interface RegressorParams<P extends Tree = Tree> {
  readonly cell: P
  readonly out: DenseParams
}

/** Sizes of a regressor: input features I, hidden units H of the cell, outputs O. */
export interface RegressorOptions {
  readonly inputSize: number
  readonly hiddenSize: number
  readonly outputSize: number
  readonly dtype?: DType
}

/** A many-to-one regressor over one cell: pure `init` and `apply`. */
export interface Regressor<P extends Tree = Tree> {
  readonly name: string
  readonly cell: Cell<P>
  init(key: Key, options: RegressorOptions): RegressorParams<P>
  /** The prediction `[B, O]` for sequences `[T, B, I]`. */
  apply(params: RegressorParams<P>, xs: Tensor): Tensor
  /** The prediction `[B, O]` from the cell's output after the last step `[B, cell output size]`. */
  readout(params: RegressorParams<P>, last: Tensor): Tensor
}

const checkSize = (name: string, value: unknown): void => {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1)
    throw new T.ArgumentError(`regressor.init: ${name} must be a positive integer, got ${String(value)}`)
}

/**
 * A many-to-one regressor from any cell (Lecture §5.1): the cell runs over the sequence and a
 * linear layer reads its last output, `ŷ = o_T·Wᵀ + b`.
 *
 * Shapes: xs `[T, B, I]` → ŷ `[B, O]`; W `[O, cell output size]`, b `[O]`.
 *
 * @example
 * const model = regressor(ADDING_CELLS.gru)
 * const p = model.init(T.key(0), { inputSize: 2, hiddenSize: 8, outputSize: 1, dtype: 'f64' })
 * const xs = T.uniform(T.key(1), [5, 3, 2], 0, 1, 'f64')
 * const yhat = model.apply(p, xs)
 * assert.deepStrictEqual(T.shape(yhat), [3, 1])
 * // The same as stepping the cell through the sequence and reading out its last output.
 * let h = model.cell.initialState(p.cell, 3)
 * let o
 * for (const x of T.unstack(xs)) [h, o] = model.cell.step(p.cell, h, x)
 * const diff = T.item(T.max(T.abs(T.sub(yhat, model.readout(p, o)))))
 * assert.ok(diff < 1e-12)
 */
export const regressor = <P extends Tree>(cell: Cell<P>): Regressor<P> => {
  if (cell === null || typeof cell !== 'object' || typeof cell.step !== 'function')
    throw new T.ArgumentError(
      `regressor: cell must be a Cell ({ init, initialState, step, … }), got ${String(cell)}`,
    )
  const layer = rnn(cell)
  const out = dense()
  return {
    name: `regressor(${cell.name})`,
    cell,
    init: (key, options) => {
      if (typeof options !== 'object' || options === null)
        throw new T.ArgumentError(
          `regressor.init: options must be { inputSize, hiddenSize, outputSize }, got ${String(options)}`,
        )
      for (const k of ['inputSize', 'hiddenSize', 'outputSize'] as const) checkSize(k, options[k])
      const [kc, ko] = T.split(key, 2)
      const dtype = options.dtype ?? 'f32'
      const p = cell.init(kc, { inputSize: options.inputSize, hiddenSize: options.hiddenSize, dtype })
      return {
        cell: p,
        out: out.init(ko, { inputSize: cell.outputSize(p), outputSize: options.outputSize, dtype }),
      }
    },
    apply: (params, xs) => out.apply(params.out, lastOutput(layer.apply(params.cell, xs).output)),
    readout: (params, last) => out.apply(params.out, last),
  }
}
