/**
 * Long Short-term Memory (Lecture §3). A memory cell with three gates, each a sigmoid of a
 * learned transform of the input (§3.1): input gate f(z_i), forget gate f(z_f), output gate f(z_o).
 *
 *   c_t = g(z) ⊙ f(z_i) + c_{t−1} ⊙ f(z_f)          (forget gate open ≈ 1: remember)
 *   h_t = h(c_t) ⊙ f(z_o)
 *
 * In vector form (§3.4) the four pre-activations are one fused product, gate order i, f, g, o
 * as PyTorch's `nn.LSTM` (z_i, z_f, z, z_o in the lecture's names):
 *
 *   [z_i; z_f; z; z_o] = x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh (+ peephole terms)
 *
 * Peepholes: `'lecture'` concatenates c_{t−1} with x_t and h_{t−1` into all four transforms
 * (a full `W_ch: [4H, H]`), as drawn in §3.4; `'diagonal'` is Gers & Schmidhuber (2000):
 * `w_ci ⊙ c_{t−1}` into the input gate, `w_cf ⊙ c_{t−1}` into the forget gate, `w_co ⊙ c_t` into
 * the output gate. A layer of H cells needs 4× the parameters of a plain layer (§3.3).
 */

import type { Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import { type Activation, activate, affine, type Cell, checkSizes, splitGates } from './cell.ts'
import { checkStep } from './check.ts'
import { lstmScanProjected } from './fast/lstm-sequence.ts'
import { forgetBias as setForgetBias, uniformRecurrent } from './init.ts'

export interface LstmOptions {
  /** `'none'` (default, PyTorch's nn.LSTM), `'lecture'` (§3.4) or `'diagonal'` (Gers & Schmidhuber). */
  readonly peephole?: 'none' | 'lecture' | 'diagonal'
  /** g, applied to the cell input z (default tanh; the §3.2 toy uses the identity). */
  readonly cellActivation?: Activation
  /** h, applied to the memory before the output gate (default tanh; identity in the §3.2 toy). */
  readonly outputActivation?: Activation
  /** f, the gate activation (default sigmoid: openness between 0 and 1). */
  readonly gateActivation?: Activation
  /** If set, the forget-gate bias starts at this value (1 is the usual choice). */
  readonly forgetBias?: number
}

export interface LstmParams {
  readonly W_ih: Tensor
  readonly W_hh: Tensor
  readonly b_ih: Tensor
  readonly b_hh: Tensor
  readonly W_ch?: Tensor
  readonly w_ci?: Tensor
  readonly w_cf?: Tensor
  readonly w_co?: Tensor
}

/** The state of an LSTM layer: output h and memory c, both `[B, H]`. */
export interface LstmState {
  readonly h: Tensor
  readonly c: Tensor
}

/**
 * The LSTM cell (Lecture §3.1, §3.4): `c_t = g(z) ⊙ f(z_i) + c_{t−1} ⊙ f(z_f)`,
 * `h_t = h(c_t) ⊙ f(z_o)`, the four pre-activations from one fused product.
 *
 * Shapes: x `[B, I]`; state `{ h, c }`, each `[B, H]`, zeros at the start; output h `[B, H]`;
 * W_ih `[4H, I]`, W_hh `[4H, H]`, b_ih and b_hh `[4H]` (gate order i, f, g, o); peepholes W_ch
 * `[4H, H]` (`'lecture'`) or w_ci, w_cf, w_co `[H]` (`'diagonal'`).
 *
 * @example
 * // Lecture §3.2: add x1 to memory when x2 = 1, reset when x2 = −1, output when x3 = 1.
 * const cell = lstm({ cellActivation: 'identity', outputActivation: 'identity' })
 * const p = {
 *   W_ih: T.tensor([[0, 100, 0], [0, 100, 0], [1, 0, 0], [0, 0, 100]], { dtype: 'f64' }),
 *   W_hh: T.zeros([4, 1], 'f64'),
 *   b_ih: T.tensor([-10, 10, 0, -10], { dtype: 'f64' }),
 *   b_hh: T.zeros([4], 'f64'),
 * }
 * const [s] = cell.step(p, cell.initialState(p, 1), T.tensor([[3, 1, 0]], { dtype: 'f64' }))
 * assert.ok(Math.abs(T.item(s.c) - 3) < 1e-6)
 * // rnn(cell) loops the step over the whole §3.2 sequence [T, B, I] = [7, 1, 3]: outputs 0 0 0 7 0 0 6.
 * const xs = T.tensor([[3, 1, 0], [4, 1, 0], [2, 0, 0], [1, 0, 1], [3, -1, 0], [6, 1, 0], [1, 0, 1]], { dtype: 'f64' })
 * const { output } = rnn(cell).apply(p, T.reshape(xs, [7, 1, 3]))
 * assert.deepStrictEqual(T.toArray(output).map(([[y]]) => Math.round(y)), [0, 0, 0, 7, 0, 0, 6])
 */
export const lstm = (options: LstmOptions = {}): Cell<LstmParams, LstmState> => {
  const peephole = options.peephole ?? 'none'
  const gAct = options.cellActivation ?? 'tanh'
  const hAct = options.outputActivation ?? 'tanh'
  const fAct = options.gateActivation ?? 'sigmoid'
  const name = `lstm${peephole === 'none' ? '' : `(peephole: ${peephole})`}`

  /** Gates and state update from the input part `xp` of the pre-activations. */
  const update = (p: LstmParams, { h, c }: LstmState, xp: Tensor): [LstmState, Tensor] => {
    let z = T.add(xp, affine(h, p.W_hh, p.b_hh))
    if (p.W_ch) z = T.add(z, affine(c, p.W_ch))
    const [zi, zf, zg, zo] = splitGates(z, 4)
    const inputGate = activate(fAct, p.w_ci ? T.add(zi, T.mul(p.w_ci, c)) : zi)
    const forgetGate = activate(fAct, p.w_cf ? T.add(zf, T.mul(p.w_cf, c)) : zf)
    const cNext = T.add(T.mul(activate(gAct, zg), inputGate), T.mul(c, forgetGate))
    const outputGate = activate(fAct, p.w_co ? T.add(zo, T.mul(p.w_co, cNext)) : zo)
    const hNext = T.mul(activate(hAct, cNext), outputGate)
    return [{ h: hNext, c: cNext }, hNext]
  }

  // The fast path runs the whole recurrence as one op with a hand-written backward pass
  // (fast/lstm-sequence.ts) for the standard activations; other activations keep the readable steps.
  const fusable = fAct === 'sigmoid' && gAct === 'tanh' && hAct === 'tanh'

  const cell: Cell<LstmParams, LstmState> = {
    name,
    init: (key, o) => {
      checkSizes(name, o)
      const { inputSize: I, hiddenSize: H, dtype = 'f32' } = o
      const k = T.split(key, 8)
      const u = (i: number, shape: number[]) => uniformRecurrent(k[i], shape, H, dtype)
      const b_ih = u(2, [4 * H])
      const b_hh = u(3, [4 * H])
      return {
        W_ih: u(0, [4 * H, I]),
        W_hh: u(1, [4 * H, H]),
        b_ih: options.forgetBias === undefined ? b_ih : setForgetBias(b_ih, H, options.forgetBias),
        b_hh: options.forgetBias === undefined ? b_hh : setForgetBias(b_hh, H, 0),
        ...(peephole === 'lecture' ? { W_ch: u(4, [4 * H, H]) } : {}),
        ...(peephole === 'diagonal' ? { w_ci: u(5, [H]), w_cf: u(6, [H]), w_co: u(7, [H]) } : {}),
      }
    },
    initialState: (p, batch) => {
      const H = p.W_hh.shape[1]
      return { h: T.zeros([batch, H], p.W_hh.dtype), c: T.zeros([batch, H], p.W_hh.dtype) }
    },
    step: (p, state, x) => {
      checkStep(`${name}.step`, cell, p, state, x)
      return update(p, state, affine(x, p.W_ih, p.b_ih))
    },
    outputSize: (p) => p.W_hh.shape[1],
    inputSize: (p) => p.W_ih.shape[1],
    inputProjection: (p, xs) => affine(xs, p.W_ih, p.b_ih),
    stepProjected: update,
    ...(fusable ? { scanProjected: lstmScanProjected } : {}),
  }
  return cell
}
