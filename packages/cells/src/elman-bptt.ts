/**
 * Backpropagation through time for the Elman cell, written out by hand (Lecture §4.2). This is a
 * teaching reference: the same gradients come from `grad` through `scan` with no extra code, and
 * a property test shows the two agree. For a loss L with ∂L/∂y_t given at every step:
 *
 *   forward:   a_t = x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh,   h_t = σ(a_t),   y_t = h_t
 *   backward:  δh_t = ∂L/∂y_t + δa_{t+1}·W_hh       (the memory's error flows back one step)
 *              δa_t = δh_t ⊙ σ'(a_t)
 *              ∂L/∂W_ih = Σ_t δa_tᵀ·x_t,   ∂L/∂W_hh = Σ_t δa_tᵀ·h_{t−1},   ∂L/∂b = Σ_t Σ_B δa_t
 *
 * The same weight is used at every step, so its gradient is a sum over steps (§2.3, §4.4).
 */

import type { Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import type { Activation } from './cell.ts'
import type { ElmanParams } from './elman.ts'

/**
 * Hand-derived BPTT through an Elman layer without output projection: given inputs `xs [T,B,I]`,
 * the initial state `h0 [B,H]` and output cotangents `dys [T,B,H]`, returns the gradients of the
 * parameters and of `h0`.
 *
 * @example
 * const p = { W_ih: T.ones([1, 1], 'f64'), W_hh: T.full([1, 1], 2, 'f64'), b_ih: T.zeros([1], 'f64'), b_hh: T.zeros([1], 'f64') }
 * // h_t = x_t + 2·h_{t−1}; L = h_2 with x = [1, 1] → ∂L/∂W_hh = h_1 = 1
 * const { grads } = elmanBptt('identity', p, T.ones([2, 1, 1], 'f64'), T.zeros([1, 1], 'f64'), T.tensor([[[0]], [[1]]], { dtype: 'f64' }))
 * assert.deepStrictEqual(T.toArray(grads.W_hh), [[1]])
 */
export const elmanBptt = (
  activation: Activation,
  p: ElmanParams,
  xs: Tensor,
  h0: Tensor,
  dys: Tensor,
): { grads: Required<Pick<ElmanParams, 'W_ih' | 'W_hh' | 'b_ih' | 'b_hh'>>; dh0: Tensor } => {
  const sigma = T.ACTIVATION_RULES[activation]
  const x = T.unstack(xs)
  // Forward pass, keeping every h_t (h[0] is h0).
  const h: Tensor[] = [h0]
  for (const xt of x) {
    const a = T.add(
      T.add(T.matmul(xt, p.W_ih, { transposeB: true }), p.b_ih ?? 0),
      T.add(T.matmul(h[h.length - 1], p.W_hh, { transposeB: true }), p.b_hh ?? 0),
    )
    h.push(sigma.op(a))
  }
  const dy = T.unstack(dys)
  let dW_ih = T.zeros(p.W_ih.shape, p.W_ih.dtype)
  let dW_hh = T.zeros(p.W_hh.shape, p.W_hh.dtype)
  let db = T.zeros([p.W_hh.shape[0]], p.W_hh.dtype)
  let carry = T.zeros(h0.shape, h0.dtype) // δa_{t+1}·W_hh
  for (let t = x.length - 1; t >= 0; t--) {
    const dh = T.add(dy[t], carry)
    const da = sigma.vjp(dh, h[t + 1]) // δh_t ⊙ σ'(a_t), σ' through h_t = σ(a_t)
    dW_ih = T.add(dW_ih, T.matmul(da, x[t], { transposeA: true }))
    dW_hh = T.add(dW_hh, T.matmul(da, h[t], { transposeA: true }))
    db = T.add(db, T.sum(da, { axis: 0 }))
    carry = T.matmul(da, p.W_hh)
  }
  return { grads: { W_ih: dW_ih, W_hh: dW_hh, b_ih: db, b_hh: db }, dh0: carry }
}
