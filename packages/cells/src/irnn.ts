/**
 * IRNN (Lecture §4.5; Le, Jaitly & Hinton 2015, "A simple way to initialize recurrent networks
 * of rectified linear units"): an Elman cell with ReLU units whose recurrent weights start as the
 * identity and biases as zero, so at first the memory is copied forward unchanged and gradients
 * neither explode nor vanish through it.
 *
 *   h_t = relu(x_t·W_ihᵀ + h_{t−1}·W_hhᵀ + b),   W_hh(0) = I,  b(0) = 0,  W_ih(0) ~ N(0, 0.001²)
 */

import type { Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import type { Cell } from './cell.ts'
import { checkSizes } from './cell.ts'
import { type ElmanParams, namedElman } from './elman.ts'
import { identity } from './init.ts'

export interface IrnnOptions {
  /** Scale of the identity (the paper also tries 0.01·I for some tasks; default 1). */
  readonly identityGain?: number
  /** Standard deviation of the input weights (default 0.001, as the paper). */
  readonly inputStd?: number
  readonly outputSize?: number
}

/**
 * The IRNN cell (Lecture §4.5): `elman({ activation: 'relu' })`, `h_t = relu(x_t·W_ihᵀ +
 * h_{t−1}·W_hhᵀ + b)`, with the identity initialisation `W_hh = I`, `b = 0`.
 *
 * Shapes: x `[B, I]`; state h `[B, H]`, zeros at the start; output h `[B, H]` (or `[B, O]` with
 * an output projection); W_ih `[H, I]`, W_hh `[H, H]`, b_ih and b_hh `[H]`.
 *
 * @example
 * const cell = irnn()
 * const p = cell.init(T.key(0), { inputSize: 3, hiddenSize: 4 })
 * assert.deepStrictEqual(T.toArray(p.W_hh), T.toArray(T.eye(4)))
 * // rnn(cell) loops the step: with zero input the identity carries a non-negative memory
 * // forward unchanged, however many steps ([T, B, I] = [10, 1, 3]).
 * const { state } = rnn(cell).apply(p, T.zeros([10, 1, 3]), { state0: T.tensor([[1, 2, 3, 4]]) })
 * assert.deepStrictEqual(T.toArray(state), [[1, 2, 3, 4]])
 */
export const irnn = (options: IrnnOptions = {}): Cell<ElmanParams, Tensor> => {
  const base = namedElman({ activation: 'relu', outputSize: options.outputSize }, 'irnn')
  return {
    ...base,
    init: (key, o) => {
      checkSizes('irnn', o)
      const dtype = o.dtype ?? 'f32'
      const [k1, k2] = T.split(key, 2)
      const p = base.init(k2, o)
      return {
        ...p,
        W_ih: T.mul(T.randn(k1, [o.hiddenSize, o.inputSize], dtype), options.inputStd ?? 0.001),
        W_hh: identity(o.hiddenSize, dtype, options.identityGain ?? 1),
        b_ih: T.zeros([o.hiddenSize], dtype),
        b_hh: T.zeros([o.hiddenSize], dtype),
      }
    },
  }
}
