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
 *
 * PyTorch's two structural options: `bias: false` drops b_ih and b_hh (the pre-activations are
 * `x_t·W_ihᵀ + h_{t−1}·W_hhᵀ`), and `projSize: P` (Sak et al. 2014, `nn.LSTM(proj_size=P)`)
 * projects the output down to P < H units, which is also what is fed back:
 *
 *   h_t = (h(c_t) ⊙ f(z_o))·W_hrᵀ      W_hr `[P, H]`, W_hh `[4H, P]`, h `[B, P]`, c `[B, H]`
 */

import type { Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import { type Activation, activate, affine, type Cell, checkSizes, splitGates } from './cell.ts'
import { checkStep } from './check.ts'
import { lstmScan, lstmScanProjected } from './fast/lstm-sequence.ts'
import { forgetBias as setForgetBias, uniformRecurrent } from './init.ts'
import { scanSteps } from './rnn.ts'

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
  /** Whether the cell has b_ih and b_hh (default true; PyTorch's `bias=False` is `false`). */
  readonly bias?: boolean
  /**
   * P > 0: the output `h = (h(c) ⊙ f(z_o))·W_hrᵀ` is projected to P < H units (PyTorch's
   * `proj_size`); the state's h and the output are `[B, P]`, c stays `[B, H]`. Default 0: none.
   */
  readonly projSize?: number
}

export interface LstmParams {
  readonly W_ih: Tensor
  readonly W_hh: Tensor
  readonly b_ih?: Tensor
  readonly b_hh?: Tensor
  /** The output projection `[P, H]` (`projSize`). */
  readonly W_hr?: Tensor
  readonly W_ch?: Tensor
  readonly w_ci?: Tensor
  readonly w_cf?: Tensor
  readonly w_co?: Tensor
}

/** The state of an LSTM layer: output h `[B, H]` (`[B, P]` with a projection) and memory c `[B, H]`. */
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
 * `[4H, H]` (`'lecture'`) or w_ci, w_cf, w_co `[H]` (`'diagonal'`). With `projSize: P`: W_hr
 * `[P, H]`, W_hh `[4H, P]`, h and the output `[B, P]` (c stays `[B, H]`); with `bias: false` no
 * b_ih, b_hh. The step follows the params it is given (a W_hr projects, absent biases are 0); the
 * options say what `init` creates.
 *
 * The fast path of `rnn(lstm())` (one op for the whole recurrence, `fast/lstm-sequence.ts`) runs
 * with or without biases; with a projection, or activations other than the standard ones, `rnn`
 * falls back to the per-step path (the input projection still hoisted).
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
 * // PyTorch's nn.LSTM(3, 4, proj_size=2, bias=False): h and the output have P = 2 units, c has H = 4.
 * const proj = lstm({ projSize: 2, bias: false })
 * const q = proj.init(T.key(0), { inputSize: 3, hiddenSize: 4 })
 * assert.deepStrictEqual([T.shape(q.W_hh), T.shape(q.W_hr), q.b_ih], [[16, 2], [2, 4], undefined])
 * const { output: y, state } = rnn(proj).apply(q, T.ones([5, 1, 3]))
 * assert.deepStrictEqual([T.shape(y), T.shape(state.h), T.shape(state.c)], [[5, 1, 2], [1, 2], [1, 4]])
 */
export const lstm = (options: LstmOptions = {}): Cell<LstmParams, LstmState> => {
  const peephole = options.peephole ?? 'none'
  const gAct = options.cellActivation ?? 'tanh'
  const hAct = options.outputActivation ?? 'tanh'
  const fAct = options.gateActivation ?? 'sigmoid'
  const bias = options.bias ?? true
  const projSize = options.projSize ?? 0
  const named = [
    ...(peephole === 'none' ? [] : [`peephole: ${peephole}`]),
    ...(bias ? [] : ['bias: false']),
    ...(projSize === 0 ? [] : [`projSize: ${projSize}`]),
  ]
  const name = `lstm${named.length === 0 ? '' : `(${named.join(', ')})`}`
  if (!Number.isInteger(projSize) || projSize < 0)
    throw new T.ArgumentError(`${name}: projSize must be a non-negative integer, got ${String(projSize)}`)
  if (!bias && options.forgetBias !== undefined)
    throw new T.ArgumentError(`${name}: forgetBias needs the biases (bias is false)`)

  /** Gates and state update from the input part `xp` of the pre-activations. */
  const update = (p: LstmParams, { h, c }: LstmState, xp: Tensor): [LstmState, Tensor] => {
    let z = T.add(xp, affine(h, p.W_hh, p.b_hh))
    if (p.W_ch) z = T.add(z, affine(c, p.W_ch))
    const [zi, zf, zg, zo] = splitGates(z, 4)
    const inputGate = activate(fAct, p.w_ci ? T.add(zi, T.mul(p.w_ci, c)) : zi)
    const forgetGate = activate(fAct, p.w_cf ? T.add(zf, T.mul(p.w_cf, c)) : zf)
    const cNext = T.add(T.mul(activate(gAct, zg), inputGate), T.mul(c, forgetGate))
    const outputGate = activate(fAct, p.w_co ? T.add(zo, T.mul(p.w_co, cNext)) : zo)
    const out = T.mul(activate(hAct, cNext), outputGate)
    const hNext = p.W_hr ? affine(out, p.W_hr) : out
    return [{ h: hNext, c: cNext }, hNext]
  }

  // The fast path runs the whole recurrence as one op with a hand-written backward pass
  // (fast/lstm-sequence.ts) for the standard activations; other activations keep the readable steps.
  const fusable = fAct === 'sigmoid' && gAct === 'tanh' && hAct === 'tanh'
  // The fused op has no projection and takes the diagonal peepholes as a set of three (params
  // with a projection, or with only some of the peepholes, fold the readable step, as `rnn` would,
  // which uses each one present), and takes absent biases as zeros.
  const somePeepholes = (p: LstmParams) => {
    const n = [p.w_ci, p.w_cf, p.w_co].filter((w) => w !== undefined).length
    return n > 0 && n < 3
  }
  const scanProjected = (p: LstmParams, s: LstmState, xp: Tensor, ls: readonly number[]) =>
    p.W_hr || somePeepholes(p)
      ? scanSteps(update, p, s, xp, ls)
      : lstmScanProjected({ ...p, b_hh: p.b_hh ?? T.zeros([p.W_hh.shape[0]], p.W_hh.dtype) }, s, xp, ls)

  const cell: Cell<LstmParams, LstmState> = {
    name,
    init: (key, o) => {
      checkSizes(name, o)
      const { inputSize: I, hiddenSize: H, dtype = 'f32' } = o
      if (projSize >= H)
        throw new T.ArgumentError(`${name}.init: projSize ${projSize} must be smaller than hiddenSize ${H}`)
      const k = T.split(key, 8)
      const u = (i: number, shape: number[]) => uniformRecurrent(k[i], shape, H, dtype)
      const b_ih = u(2, [4 * H])
      const b_hh = u(3, [4 * H])
      return {
        W_ih: u(0, [4 * H, I]),
        W_hh: u(1, [4 * H, projSize || H]),
        ...(bias
          ? {
              b_ih: options.forgetBias === undefined ? b_ih : setForgetBias(b_ih, H, options.forgetBias),
              b_hh: options.forgetBias === undefined ? b_hh : setForgetBias(b_hh, H, 0),
            }
          : {}),
        ...(projSize > 0 ? { W_hr: uniformRecurrent(T.foldIn(key, 8), [projSize, H], H, dtype) } : {}),
        ...(peephole === 'lecture' ? { W_ch: u(4, [4 * H, H]) } : {}),
        ...(peephole === 'diagonal' ? { w_ci: u(5, [H]), w_cf: u(6, [H]), w_co: u(7, [H]) } : {}),
      }
    },
    initialState: (p, batch) => {
      const [G, P] = p.W_hh.shape
      return { h: T.zeros([batch, P], p.W_hh.dtype), c: T.zeros([batch, G / 4], p.W_hh.dtype) }
    },
    step: (p, state, x) => {
      checkStep(`${name}.step`, cell, p, state, x)
      return update(p, state, affine(x, p.W_ih, p.b_ih))
    },
    outputSize: (p) => p.W_hh.shape[1],
    inputSize: (p) => p.W_ih.shape[1],
    inputProjection: (p, xs) => affine(xs, p.W_ih, p.b_ih),
    stepProjected: update,
    ...(fusable ? { scanProjected, scan: lstmScan } : {}),
  }
  return cell
}
