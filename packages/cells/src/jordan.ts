/**
 * Jordan network (Lecture §2.5): the previous *output* is fed back instead of the hidden layer.
 * The lecture notes it is said to perform better, because the fed-back value has a target.
 *
 *   h_t = σ(x_t·W_ihᵀ + y_{t−1}·W_yhᵀ + b_h),   y_t = σ_y(h_t·W_hoᵀ + b_o),   y_0 = 0
 *
 * Shapes: x_t `[B, I]`, h_t `[B, H]`, y_t `[B, O]`, W_ih `[H, I]`, W_yh `[H, O]`, W_ho `[O, H]`.
 */

import type { Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import { type Activation, activate, affine, type Cell, checkSizes } from './cell.ts'
import { checkStep } from './check.ts'
import { uniformRecurrent } from './init.ts'

export interface JordanOptions {
  /** Size of the output y that is fed back. */
  readonly outputSize: number
  /** σ of the hidden layer (default tanh). */
  readonly activation?: Activation
  /** σ_y of the output layer (default identity). */
  readonly outputActivation?: Activation
}

export interface JordanParams {
  readonly W_ih: Tensor
  readonly W_yh: Tensor
  readonly b_h: Tensor
  readonly W_ho: Tensor
  readonly b_o: Tensor
}

/**
 * The Jordan cell (Lecture §2.5): `h_t = σ(x_t·W_ihᵀ + y_{t−1}·W_yhᵀ + b_h)`,
 * `y_t = σ_y(h_t·W_hoᵀ + b_o)`; the output, not the hidden layer, is fed back.
 *
 * Shapes: x `[B, I]`; state: the previous output y `[B, O]`, zeros at the start; output y
 * `[B, O]`; W_ih `[H, I]`, W_yh `[H, O]`, b_h `[H]`, W_ho `[O, H]`, b_o `[O]`.
 *
 * @example
 * const cell = jordan({ outputSize: 2 })
 * const p = cell.init(T.key(0), { inputSize: 3, hiddenSize: 4, dtype: 'f64' })
 * const [y1, out] = cell.step(p, cell.initialState(p, 5), T.zeros([5, 3], 'f64'))
 * assert.strictEqual(y1, out) // the state is the output
 * assert.deepStrictEqual(T.shape(out), [5, 2])
 * // rnn(cell) loops the step over [T, B, I] = [6, 5, 3]; the final state is the last output.
 * const { output, state } = rnn(cell).apply(p, T.ones([6, 5, 3], 'f64'))
 * assert.deepStrictEqual(T.shape(output), [6, 5, 2])
 * assert.deepStrictEqual(T.toArray(state), T.toArray(output)[5])
 */
export const jordan = (options: JordanOptions): Cell<JordanParams, Tensor> => {
  const act = options.activation ?? 'tanh'
  const outAct = options.outputActivation ?? 'identity'
  const O = options.outputSize
  const name = 'jordan'
  const output = (p: JordanParams, pre: Tensor): [Tensor, Tensor] => {
    const y = activate(outAct, affine(activate(act, pre), p.W_ho, p.b_o))
    return [y, y]
  }
  const cell: Cell<JordanParams, Tensor> = {
    name,
    init: (key, o) => {
      checkSizes(name, o)
      if (!Number.isInteger(O) || O < 1)
        throw new T.ArgumentError(`jordan.init: outputSize must be a positive integer, got ${O}`)
      const { inputSize: I, hiddenSize: H, dtype = 'f32' } = o
      const k = T.split(key, 5)
      return {
        W_ih: uniformRecurrent(k[0], [H, I], H, dtype),
        W_yh: uniformRecurrent(k[1], [H, O], H, dtype),
        b_h: uniformRecurrent(k[2], [H], H, dtype),
        W_ho: uniformRecurrent(k[3], [O, H], H, dtype),
        b_o: uniformRecurrent(k[4], [O], H, dtype),
      }
    },
    initialState: (p, batch) => T.zeros([batch, p.W_ho.shape[0]], p.W_ho.dtype),
    step: (p, y, x) => {
      checkStep(`${name}.step`, cell, p, y, x)
      return output(p, T.add(affine(x, p.W_ih, p.b_h), affine(y, p.W_yh)))
    },
    outputSize: (p) => p.W_ho.shape[0],
    inputSize: (p) => p.W_ih.shape[1],
    inputProjection: (p, xs) => affine(xs, p.W_ih, p.b_h),
    stepProjected: (p, y, xp) => output(p, T.add(xp, affine(y, p.W_yh))),
  }
  return cell
}
