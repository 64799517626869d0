/**
 * Elman network (Lecture §2.1, §2.5): the hidden layer's values are stored and fed back.
 *
 *   h_t = σ(x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh),   y_t = h_t·W_hoᵀ + b_ho (optional projection)
 *
 * Shapes: x_t `[B, I]`, h `[B, H]`, W_ih `[H, I]`, W_hh `[H, H]`, W_ho `[O, H]` (PyTorch layout,
 * so `nn.RNN` weights load as they are). σ is tanh, relu or the identity.
 */

import type { Key, Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import { type Activation, activate, affine, type Cell, type CellOptions, checkSizes } from './cell.ts'
import { checkStep } from './check.ts'
import { elmanStepProjected } from './fast/elman-step.ts'
import { uniformRecurrent } from './init.ts'

export interface ElmanOptions {
  /** σ of the hidden layer (default tanh). */
  readonly activation?: Exclude<Activation, 'sigmoid'>
  /** Size of a linear output projection `y = h·W_hoᵀ + b_ho`; without it, y = h. */
  readonly outputSize?: number
  /** Whether the cell has biases (default true; PyTorch's `bias=False` is `false`). */
  readonly bias?: boolean
}

/** Elman parameters (biases and the output projection are present when configured). */
export interface ElmanParams {
  readonly W_ih: Tensor
  readonly W_hh: Tensor
  readonly b_ih?: Tensor
  readonly b_hh?: Tensor
  readonly W_ho?: Tensor
  readonly b_ho?: Tensor
}

/**
 * The Elman cell (Lecture §2.1): `h_t = σ(x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh)`, and
 * `y_t = h_t·W_hoᵀ + b_ho` with an output projection, else `y_t = h_t`.
 *
 * Shapes: x `[B, I]`; state h `[B, H]`, zeros at the start (the memory of §2.2); y `[B, O]`
 * (O = H without projection); W_ih `[H, I]`, W_hh `[H, H]`, W_ho `[O, H]`, biases `[H]`, `[O]`.
 *
 * @example
 * // Lecture §2.2: all weights 1, no bias, linear units.
 * const cell = elman({ activation: 'identity', outputSize: 2, bias: false })
 * const p = { W_ih: T.ones([2, 2], 'f64'), W_hh: T.ones([2, 2], 'f64'), W_ho: T.ones([2, 2], 'f64') }
 * const [h, y] = cell.step(p, cell.initialState(p, 1), T.tensor([[1, 1]], { dtype: 'f64' }))
 * assert.deepStrictEqual(T.toArray(y), [[4, 4]])
 * // rnn(cell) loops the step over the lecture's sequence [1,1], [1,1], [2,2] (T = 3, B = 1).
 * const xs = T.tensor([[[1, 1]], [[1, 1]], [[2, 2]]], { dtype: 'f64' })
 * assert.deepStrictEqual(T.toArray(rnn(cell).apply(p, xs).output), [[[4, 4]], [[12, 12]], [[32, 32]]])
 */
export const elman = (options: ElmanOptions = {}): Cell<ElmanParams, Tensor> =>
  namedElman(options, `elman(${options.activation ?? 'tanh'})`)

/** The Elman cell under another name (IRNN is one, with its own initialisation). */
export const namedElman = (options: ElmanOptions, name: string): Cell<ElmanParams, Tensor> => {
  const activation = options.activation ?? 'tanh'
  const bias = options.bias ?? true
  const finish = (p: ElmanParams, h: Tensor): [Tensor, Tensor] => [h, p.W_ho ? affine(h, p.W_ho, p.b_ho) : h]
  const recurrent = (p: ElmanParams, h: Tensor) => affine(h, p.W_hh, p.b_hh)
  const cell: Cell<ElmanParams, Tensor> = {
    name,
    init: (key: Key, o: CellOptions): ElmanParams => {
      checkSizes(name, o)
      const { inputSize: I, hiddenSize: H, dtype = 'f32' } = o
      const k = T.split(key, 6)
      const u = (i: number, shape: number[]) => uniformRecurrent(k[i], shape, H, dtype)
      return {
        W_ih: u(0, [H, I]),
        W_hh: u(1, [H, H]),
        ...(bias ? { b_ih: u(2, [H]), b_hh: u(3, [H]) } : {}),
        ...(options.outputSize
          ? { W_ho: u(4, [options.outputSize, H]), ...(bias ? { b_ho: u(5, [options.outputSize]) } : {}) }
          : {}),
      }
    },
    initialState: (p, batch) => T.zeros([batch, p.W_hh.shape[0]], p.W_hh.dtype),
    step: (p, h, x) => {
      checkStep(`${name}.step`, cell, p, h, x)
      return finish(p, activate(activation, T.add(affine(x, p.W_ih, p.b_ih), recurrent(p, h))))
    },
    outputSize: (p) => (p.W_ho ? p.W_ho.shape[0] : p.W_hh.shape[0]),
    inputSize: (p) => p.W_ih.shape[1],
    inputProjection: (p, xs) => affine(xs, p.W_ih, p.b_ih),
    // Fast path: the recurrent product, both additions and σ in one fused op.
    stepProjected: (p, h, xp) => finish(p, elmanStepProjected(activation, p, h, xp)),
  }
  return cell
}
