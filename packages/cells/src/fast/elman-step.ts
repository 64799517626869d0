/**
 * The fast path of `elman()`: the rest of a step once its input half `xp = x·W_ihᵀ + b_ih` is
 * hoisted out of the time loop. The recurrent product, both additions and σ run as one fused op:
 *
 *   h_t = σ(h_{t−1}·W_hhᵀ + (xp_t + b_hh))
 */
import type { Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import type { Activation } from '../cell.ts'
import type { ElmanParams } from '../elman.ts'

/** The next hidden state `[B, H]` from h `[B, H]` and the projected input xp `[B, H]`. */
export const elmanStepProjected = (activation: Activation, p: ElmanParams, h: Tensor, xp: Tensor): Tensor =>
  T.fusedMatmul(h, p.W_hh, { transposeB: true, addend: p.b_hh ? T.add(xp, p.b_hh) : xp, activation })
