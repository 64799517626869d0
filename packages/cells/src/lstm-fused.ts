/**
 * The LSTM gate arithmetic of one step as a single fused op with a hand-written vector-Jacobian
 * product (registered with `customVjp`): the fast path of `lstm()`. It computes exactly what the
 * readable `step` in `lstm.ts` computes for sigmoid gates and tanh g, h (with or without diagonal
 * peepholes), in one pass over typed arrays instead of ~15 tensor ops, and its backward pass is
 * one more pass. `cellLaws` checks it against the readable step and against central differences.
 * (Its rule is not itself written with tensor ops, so second derivatives go through `step`.)
 *
 * Forward, per element (z = [z_i; z_f; z_g; z_o], c = c_{t−1}):
 *   i = σ(z_i + w_ci·c),  f = σ(z_f + w_cf·c),  g = tanh(z_g)
 *   c' = g·i + c·f,       o = σ(z_o + w_co·c'), h = tanh(c')·o
 * Backward, from ∂h and ∂c' (the cotangent of the memory output):
 *   ∂z_o = ∂h·tanh(c')·o(1−o)
 *   ∂c'  = ∂c' + ∂h·o·(1 − tanh²c') + ∂z_o·w_co
 *   ∂z_i = ∂c'·g·i(1−i),  ∂z_f = ∂c'·c·f(1−f),  ∂z_g = ∂c'·i·(1−g²)
 *   ∂c   = ∂c'·f + ∂z_i·w_ci + ∂z_f·w_cf
 */
import { customVjp } from '@recurrent/autograd'
import type { Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'

/** Diagonal peephole weights `[H]` each, or null. */
export interface Peepholes {
  readonly w_ci: Tensor
  readonly w_cf: Tensor
  readonly w_co: Tensor
}

const sigmoid = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)))

interface Saved {
  readonly z: Tensor
  readonly c: Tensor
  readonly peep: Peepholes | null
  readonly gates: Float64Array // i, f, g, o, tanh(c') per element: [B, 5, H]
  readonly cNext: Float64Array
}

const forward = (
  z: Tensor,
  c: Tensor,
  peep: Peepholes | null,
  save: boolean,
): [{ h: Tensor; c: Tensor }, Saved | null] => {
  const [B, H] = c.shape
  const zd = z.data
  const cd = c.data
  const [wi, wf, wo] = peep ? [peep.w_ci.data, peep.w_cf.data, peep.w_co.data] : [null, null, null]
  const h = T.allocate(c.dtype, B * H)
  const cn = T.allocate(c.dtype, B * H)
  const gates = save ? new Float64Array(5 * B * H) : null
  const cNext = save ? new Float64Array(B * H) : null
  for (let b = 0; b < B; b++) {
    const zr = 4 * H * b
    for (let j = 0; j < H; j++) {
      const cp = cd[b * H + j]
      const i = sigmoid(zd[zr + j] + (wi ? wi[j] * cp : 0))
      const f = sigmoid(zd[zr + H + j] + (wf ? wf[j] * cp : 0))
      const g = Math.tanh(zd[zr + 2 * H + j])
      const cv = g * i + cp * f
      cn[b * H + j] = cv
      const cr = cn[b * H + j] // the stored (possibly f32-rounded) memory feeds the output gate
      const o = sigmoid(zd[zr + 3 * H + j] + (wo ? wo[j] * cr : 0))
      const th = Math.tanh(cr)
      h[b * H + j] = th * o
      if (gates && cNext) {
        const s = 5 * H * b
        gates[s + j] = i
        gates[s + H + j] = f
        gates[s + 2 * H + j] = g
        gates[s + 3 * H + j] = o
        gates[s + 4 * H + j] = th
        cNext[b * H + j] = cr
      }
    }
  }
  const out = { h: T.fromData(h, [B, H], c.dtype), c: T.fromData(cn, [B, H], c.dtype) }
  return [out, gates && cNext ? { z, c, peep, gates, cNext } : null]
}

const backward = (r: Saved, ct: { h: Tensor; c: Tensor }): [Tensor, Tensor, Peepholes | null] => {
  const [B, H] = r.c.shape
  const dh = ct.h.data
  const dcOut = ct.c.data
  const cd = r.c.data
  const { gates, cNext } = r
  const [wi, wf, wo] = r.peep ? [r.peep.w_ci.data, r.peep.w_cf.data, r.peep.w_co.data] : [null, null, null]
  const dz = T.allocate(r.z.dtype, B * 4 * H)
  const dc = T.allocate(r.c.dtype, B * H)
  const dw = r.peep ? [new Float64Array(H), new Float64Array(H), new Float64Array(H)] : null
  for (let b = 0; b < B; b++) {
    const s = 5 * H * b
    const zr = 4 * H * b
    for (let j = 0; j < H; j++) {
      const i = gates[s + j]
      const f = gates[s + H + j]
      const g = gates[s + 2 * H + j]
      const o = gates[s + 3 * H + j]
      const th = gates[s + 4 * H + j]
      const e = b * H + j
      const cp = cd[e]
      const dzo = dh[e] * th * o * (1 - o)
      const dcn = dcOut[e] + dh[e] * o * (1 - th * th) + (wo ? dzo * wo[j] : 0)
      const dzi = dcn * g * i * (1 - i)
      const dzf = dcn * cp * f * (1 - f)
      dz[zr + j] = dzi
      dz[zr + H + j] = dzf
      dz[zr + 2 * H + j] = dcn * i * (1 - g * g)
      dz[zr + 3 * H + j] = dzo
      dc[e] = dcn * f + (wi ? dzi * wi[j] : 0) + (wf ? dzf * wf[j] : 0)
      if (dw) {
        dw[0][j] += dzi * cp
        dw[1][j] += dzf * cp
        dw[2][j] += dzo * cNext[e]
      }
    }
  }
  const dt = r.c.dtype
  const dpeep = dw
    ? {
        w_ci: T.cast(T.tensor(dw[0], { dtype: 'f64' }), dt),
        w_cf: T.cast(T.tensor(dw[1], { dtype: 'f64' }), dt),
        w_co: T.cast(T.tensor(dw[2], { dtype: 'f64' }), dt),
      }
    : null
  return [T.fromData(dz, [B, 4 * H], r.z.dtype), T.fromData(dc, [B, H], dt), dpeep]
}

/**
 * `{ h, c }` of one LSTM step from the fused pre-activations `z [B, 4H]` (gate order i, f, g, o)
 * and the memory `c [B, H]`, with optional diagonal peepholes.
 *
 * @example
 * const z = T.zeros([1, 4], 'f64')
 * const { h, c } = lstmGates(z, T.ones([1, 1], 'f64'), null)
 * assert.strictEqual(T.item(c), 0.5) // g = 0, f = σ(0) = ½
 * assert.ok(Math.abs(T.item(h) - Math.tanh(0.5) / 2) < 1e-15)
 */
export const lstmGates = customVjp(
  (z: Tensor, c: Tensor, peep: Peepholes | null) => forward(z, c, peep, false)[0],
  (z: Tensor, c: Tensor, peep: Peepholes | null) => {
    const [out, saved] = forward(z, c, peep, true)
    return [out, saved as Saved]
  },
  (saved: Saved, ct: { h: Tensor; c: Tensor }) => backward(saved, ct),
)
