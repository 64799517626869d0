/**
 * Structurally Constrained Recurrent Network (Lecture §4.5; Mikolov, Joulin, Chopra, Mathieu &
 * Ranzato 2015, "Learning longer memory in recurrent neural networks"). Beside the fast hidden
 * state h, a slow context state s whose recurrent matrix is fixed to α·I, so it changes slowly
 * and keeps information over long spans (eqs. 4–6 of the paper):
 *
 *   s_t = (1 − α)·x_t·Bᵀ + α·s_{t−1}
 *   h_t = σ(s_t·Pᵀ + x_t·Aᵀ + h_{t−1}·Rᵀ + b)
 *   y_t = [h_t, s_t]        (the paper's output f(U·h_t + V·s_t) is a dense layer on y_t)
 *
 * Shapes: x_t `[B, I]`, h `[B, H]`, s `[B, S]`; B `[S, I]`, A `[H, I]`, P `[H, S]`, R `[H, H]`.
 */

import type { Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import { type Activation, activate, affine, type Cell, checkSizes } from './cell.ts'
import { checkStep } from './check.ts'
import { uniformRecurrent } from './init.ts'

export interface ScrnOptions {
  /** The context's fixed self-connection α in [0, 1] (default 0.95, as the paper). */
  readonly alpha?: number
  /** Size S of the slow context (default: hiddenSize). */
  readonly contextSize?: number
  /** σ of the hidden layer (default sigmoid, as the paper). */
  readonly activation?: Activation
}

export interface ScrnParams {
  readonly B: Tensor
  readonly A: Tensor
  readonly P: Tensor
  readonly R: Tensor
  readonly b: Tensor
}

export interface ScrnState {
  readonly h: Tensor
  readonly s: Tensor
}

/**
 * The SCRN cell (Lecture §4.5): `s_t = (1 − α)·x_t·Bᵀ + α·s_{t−1}`,
 * `h_t = σ(s_t·Pᵀ + x_t·Aᵀ + h_{t−1}·Rᵀ + b)`, output `y_t = [h_t, s_t]`.
 *
 * Shapes: x `[B, I]`; state `{ h: [B, H], s: [B, S] }`, zeros at the start; output `[B, H + S]`;
 * B `[S, I]`, A `[H, I]`, P `[H, S]`, R `[H, H]`, b `[H]` (the weight B is not the batch).
 *
 * @example
 * const cell = scrn({ alpha: 0.5, contextSize: 1 })
 * const p = { ...cell.init(T.key(0), { inputSize: 1, hiddenSize: 2, dtype: 'f64' }), B: T.ones([1, 1], 'f64') }
 * const [s1] = cell.step(p, cell.initialState(p, 1), T.ones([1, 1], 'f64'))
 * assert.strictEqual(T.item(s1.s), 0.5)
 * // rnn(cell) loops the step over [T, B, I] = [3, 1, 1]; the context is the last output column.
 * const { output } = rnn(cell).apply(p, T.ones([3, 1, 1], 'f64'))
 * assert.deepStrictEqual(T.toArray(output).map((y) => y[0][2]), [0.5, 0.75, 0.875])
 */
export const scrn = (options: ScrnOptions = {}): Cell<ScrnParams, ScrnState> => {
  const alpha = options.alpha ?? 0.95
  if (!(alpha >= 0 && alpha <= 1)) throw new T.ArgumentError(`scrn: alpha must lie in [0, 1], got ${alpha}`)
  const act = options.activation ?? 'sigmoid'
  const name = 'scrn'
  const update = (p: ScrnParams, { h, s }: ScrnState, xs: Tensor, xh: Tensor): [ScrnState, Tensor] => {
    const sNext = T.add(T.mul(xs, 1 - alpha), T.mul(s, alpha))
    const hNext = activate(act, T.add(T.add(affine(sNext, p.P), xh), affine(h, p.R, p.b)))
    return [{ h: hNext, s: sNext }, T.concat([hNext, sNext], 1)]
  }
  const cell: Cell<ScrnParams, ScrnState> = {
    name,
    init: (key, o) => {
      checkSizes(name, o)
      const { inputSize: I, hiddenSize: H, dtype = 'f32' } = o
      const S = options.contextSize ?? H
      const k = T.split(key, 5)
      return {
        B: uniformRecurrent(k[0], [S, I], H, dtype),
        A: uniformRecurrent(k[1], [H, I], H, dtype),
        P: uniformRecurrent(k[2], [H, S], H, dtype),
        R: uniformRecurrent(k[3], [H, H], H, dtype),
        b: uniformRecurrent(k[4], [H], H, dtype),
      }
    },
    initialState: (p, batch) => ({
      h: T.zeros([batch, p.R.shape[0]], p.R.dtype),
      s: T.zeros([batch, p.B.shape[0]], p.B.dtype),
    }),
    step: (p, state, x) => {
      checkStep(`${name}.step`, cell, p, state, x)
      return update(p, state, affine(x, p.B), affine(x, p.A))
    },
    outputSize: (p) => p.R.shape[0] + p.B.shape[0],
    inputSize: (p) => p.A.shape[1],
  }
  return cell
}
