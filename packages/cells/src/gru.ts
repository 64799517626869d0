/**
 * Gated Recurrent Unit (Lecture §4.5; Cho et al. 2014): simpler than the LSTM, with the input
 * and forget gates linked into one update gate z. PyTorch's formulation (gate order r, z, n):
 *
 *   r = σ(x·W_irᵀ + b_ir + h·W_hrᵀ + b_hr)            reset gate
 *   z = σ(x·W_izᵀ + b_iz + h·W_hzᵀ + b_hz)            update gate
 *   n = tanh(x·W_inᵀ + b_in + r ⊙ (h·W_hnᵀ + b_hn))   candidate
 *   h' = (1 − z) ⊙ n + z ⊙ h                            z = 1 keeps the state unchanged
 *
 * With `bias: false` (PyTorch's `bias=False`) every b term is 0 and the params have no b_ih, b_hh.
 */

import type { Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import { affine, type Cell, checkSizes, splitGates } from './cell.ts'
import { checkStep } from './check.ts'
import { gruScan, gruScanProjected } from './fast/gru-sequence.ts'
import { uniformRecurrent } from './init.ts'

export interface GruOptions {
  /** Whether the cell has b_ih and b_hh (default true; PyTorch's `bias=False` is `false`). */
  readonly bias?: boolean
}

export interface GruParams {
  readonly W_ih: Tensor
  readonly W_hh: Tensor
  readonly b_ih?: Tensor
  readonly b_hh?: Tensor
}

/**
 * The GRU cell (Lecture §4.5): `h' = (1 − z) ⊙ n + z ⊙ h` with reset gate r, update gate z and
 * candidate `n = tanh(x·W_inᵀ + b_in + r ⊙ (h·W_hnᵀ + b_hn))`.
 *
 * Shapes: x `[B, I]`; state h `[B, H]`, zeros at the start; output h `[B, H]`; W_ih `[3H, I]`,
 * W_hh `[3H, H]`, b_ih and b_hh `[3H]` (gate order r, z, n, as PyTorch's `nn.GRU`), absent
 * with `bias: false` (the step follows the params it is given: absent biases are 0). The fast path
 * of `rnn(gru())` (`fast/gru-sequence.ts`) runs with or without biases.
 *
 * @example
 * const cell = gru()
 * const p = cell.init(T.key(0), { inputSize: 2, hiddenSize: 3, dtype: 'f64' })
 * const [h] = cell.step(p, cell.initialState(p, 4), T.ones([4, 2], 'f64'))
 * assert.deepStrictEqual(T.shape(h), [4, 3])
 * // rnn(cell) loops the step over [T, B, I] = [5, 4, 2]; a sequence of length 0 keeps h = 0.
 * const { output, state } = rnn(cell).apply(p, T.ones([5, 4, 2], 'f64'), { lengths: [5, 5, 2, 0] })
 * assert.deepStrictEqual(T.shape(output), [5, 4, 3])
 * assert.deepStrictEqual(T.toArray(state)[3], [0, 0, 0])
 * // PyTorch's nn.GRU(2, 3, bias=False): no bias params.
 * assert.deepStrictEqual(Object.keys(gru({ bias: false }).init(T.key(0), { inputSize: 2, hiddenSize: 3 })), ['W_ih', 'W_hh'])
 */
export const gru = (options: GruOptions = {}): Cell<GruParams, Tensor> => {
  const bias = options.bias ?? true
  const name = bias ? 'gru' : 'gru(bias: false)'
  const update = (p: GruParams, h: Tensor, xp: Tensor): [Tensor, Tensor] => {
    const [xr, xz, xn] = splitGates(xp, 3)
    const [hr, hz, hn] = splitGates(affine(h, p.W_hh, p.b_hh), 3)
    const r = T.sigmoid(T.add(xr, hr))
    const z = T.sigmoid(T.add(xz, hz))
    const n = T.tanh(T.add(xn, T.mul(r, hn)))
    const hNext = T.add(T.mul(T.sub(1, z), n), T.mul(z, h))
    return [hNext, hNext]
  }
  const cell: Cell<GruParams, Tensor> = {
    name,
    init: (key, o) => {
      checkSizes(name, o)
      const { inputSize: I, hiddenSize: H, dtype = 'f32' } = o
      const k = T.split(key, 4)
      return {
        W_ih: uniformRecurrent(k[0], [3 * H, I], H, dtype),
        W_hh: uniformRecurrent(k[1], [3 * H, H], H, dtype),
        ...(bias
          ? {
              b_ih: uniformRecurrent(k[2], [3 * H], H, dtype),
              b_hh: uniformRecurrent(k[3], [3 * H], H, dtype),
            }
          : {}),
      }
    },
    initialState: (p, batch) => T.zeros([batch, p.W_hh.shape[1]], p.W_hh.dtype),
    step: (p, h, x) => {
      checkStep(`${name}.step`, cell, p, h, x)
      return update(p, h, affine(x, p.W_ih, p.b_ih))
    },
    outputSize: (p) => p.W_hh.shape[1],
    inputSize: (p) => p.W_ih.shape[1],
    inputProjection: (p, xs) => affine(xs, p.W_ih, p.b_ih),
    stepProjected: update,
    // Fast path: the whole recurrence as one op with a hand-written backward (fast/gru-sequence.ts).
    scanProjected: (p, h, xp, ls) =>
      gruScanProjected({ ...p, b_hh: p.b_hh ?? T.zeros([p.W_hh.shape[0]], p.W_hh.dtype) }, h, xp, ls),
    // The whole layer, input projection included, in one WebAssembly call where that runs.
    scan: gruScan,
  }
  return cell
}
