/**
 * Helpers shared by the whole-sequence recurrences (`fast/lstm-sequence.ts`, `fast/gru-sequence.ts`):
 * the per-step recurrent products on plain arrays. (Their activations on plain numbers are the
 * scalar functions of `T.ACTIVATION_RULES`.)
 */
import type { Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import * as I from '@recurrent/tensor/internal'

/** Products below this many multiply-adds run as plain loops. */
const SMALL_PRODUCT = 1 << 14
/** Weights as doubles, once per weight tensor (tensors never change). */
const doubles = new WeakMap<Tensor, Float64Array>()
const asDoubles = (W: Tensor): Float64Array => {
  let d = doubles.get(W)
  if (d === undefined) doubles.set(W, (d = Float64Array.from(I.dataOf(W))))
  return d
}
/**
 * The per-step recurrent products: `x·Wᵀ` (W `[G, H]`, x `[B, H]` → `[B, G]`) or `x·W`
 * (x `[B, G]` → `[B, H]`). A lecture-size product is a few thousand multiply-adds: a plain loop
 * over the arrays beats building tensors and dispatching a kernel. Larger ones go through
 * `T.matmul`, and so through the fastest kernel provider.
 */
export const recurrentProduct = (
  x: Float64Array,
  W: Tensor,
  B: number,
  transposeW: boolean,
  dt: T.DType,
): ArrayLike<number> => {
  const G = W.shape[0]
  const H = W.shape[1]
  const inner = transposeW ? H : G
  const outer = transposeW ? G : H
  if (B * G * H > SMALL_PRODUCT) {
    return I.dataOf(T.matmul(T.tensor(x, { shape: [B, inner], dtype: dt }), W, { transposeB: transposeW }))
  }
  const w = asDoubles(W)
  const out = new Float64Array(B * outer)
  for (let b = 0; b < B; b++) {
    const xo = b * inner
    const oo = b * outer
    if (transposeW) {
      // out[o] = Σ_q x[q]·W[o, q]: contiguous rows of W.
      for (let o = 0; o < outer; o++) {
        let s = 0
        const wo = o * H
        for (let q = 0; q < inner; q++) s += x[xo + q] * w[wo + q]
        out[oo + o] = s
      }
    } else {
      // out[o] = Σ_q x[q]·W[q, o]: accumulate rows of W (i-k-j order).
      for (let q = 0; q < inner; q++) {
        const xq = x[xo + q]
        const wq = q * H
        for (let o = 0; o < outer; o++) out[oo + o] += xq * w[wq + o]
      }
    }
  }
  return out
}
