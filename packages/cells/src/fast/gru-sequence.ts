/**
 * A whole GRU layer over a sequence as one op with a hand-written backward pass (the fast path of
 * `rnn(gru())`, like `fast/lstm-sequence.ts` for the LSTM). The input projection `x·W_ihᵀ + b_ih` is
 * hoisted outside; per step the forward pass does one `h·W_hhᵀ` product and the gate arithmetic
 * in one pass over the elements; the backward pass one `∂g·W_hh` product per step, and one
 * product over all steps for `∂W_hh`. Padded steps keep the state and output 0.
 *
 * Per element (PyTorch's formulation; g_x = x-part, g_h = h·W_hhᵀ + b_hh, gate order r, z, n):
 *   r = σ(gx_r + gh_r),  z = σ(gx_z + gh_z),  n = tanh(gx_n + r·gh_n),  h' = (1 − z)·n + z·h
 * Backward, from ∂h':
 *   ∂n = ∂h'·(1 − z),  ∂z = ∂h'·(h − n),  ∂a_n = ∂n·(1 − n²)
 *   ∂gx_n = ∂a_n,  ∂gh_n = ∂a_n·r,  ∂a_r = ∂a_n·gh_n·r(1 − r),  ∂a_z = ∂z·z(1 − z)
 *   ∂gx_{r,z} = ∂gh_{r,z} = ∂a_{r,z},   ∂h = ∂h'·z + ∂g_h·W_hh
 */
import type { Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import * as I from '@recurrent/tensor/internal'
import type { GruParams } from '../gru.ts'
import {
  f32,
  layerOperands,
  layerWeights,
  recurrenceOp,
  recurrentProduct,
  type WasmSaved as Wasm,
  wasmLayer,
  wasmRecurrence,
} from './recurrence.ts'

/** The GRU's activations: σ for r and z, tanh for n (values and slopes through outputs). */
const { sigmoid, tanh } = T.ACTIVATION_RULES

export interface GruSequenceWeights {
  readonly W_hh: Tensor
  readonly b_hh: Tensor
}

type WasmSaved = Wasm<GruSequenceWeights>

interface Saved {
  readonly kind: 'ts'
  readonly xp: Tensor
  readonly w: GruSequenceWeights
  readonly lengths: readonly number[]
  readonly hPrev: Float64Array // [T, B, H]
  readonly gates: Float64Array // [T, B, 4, H]: r, z, n, gh_n
}

type Out = { output: Tensor; h: Tensor }

/** The f32 recurrence in WebAssembly (`wasmRecurrence` chose it). */
const runWasm = (
  xp: Tensor,
  w: GruSequenceWeights,
  h0: Tensor,
  lengths: readonly number[],
  save: boolean,
): [Out, WasmSaved | null] => {
  const [steps, B, G] = xp.shape
  const H = G / 3
  const r = I.wasmGruForward(
    { steps, batch: B, hidden: H },
    { xp: f32(xp), W_hh: f32(w.W_hh), b_hh: f32(w.b_hh), h0: f32(h0), lengths },
    save,
  )
  const out = { output: I.fromData(r.output, [steps, B, H], 'f32'), h: I.fromData(r.h, [B, H], 'f32') }
  return [out, r.tape ? { kind: 'wasm', xp, w, tape: r.tape } : null]
}

const backwardWasm = (r: WasmSaved, ct: Out): [Tensor, GruSequenceWeights, Tensor] => {
  const [steps, B, G] = r.xp.shape
  const H = G / 3
  const g = I.wasmGruBackward(r.tape, { W_hh: f32(r.w.W_hh), dy: f32(ct.output), dh: f32(ct.h) })
  return [
    I.fromData(g.dxp, [steps, B, G], 'f32'),
    { W_hh: I.fromData(g.dW_hh, [G, H], 'f32'), b_hh: I.fromData(g.db_hh, [G], 'f32') },
    I.fromData(g.dh0, [B, H], 'f32'),
  ]
}

const run = (
  xp: Tensor,
  w: GruSequenceWeights,
  h0: Tensor,
  lengths: readonly number[],
  save: boolean,
): [Out, Saved | WasmSaved | null] => {
  if (wasmRecurrence(xp.dtype, true)) return runWasm(xp, w, h0, lengths, save)
  const [steps, B, G] = xp.shape
  const H = G / 3
  const dt = xp.dtype
  const xd = I.dataOf(xp)
  const bh = I.dataOf(w.b_hh)
  let h = Float64Array.from(I.dataOf(h0))
  let hNext = new Float64Array(B * H)
  const out = I.allocate(dt, steps * B * H)
  const n = steps * B * H
  const saved = save ? { hPrev: new Float64Array(n), gates: new Float64Array(4 * n) } : null
  const recBuf = new Float64Array(B * G)
  for (let t = 0; t < steps; t++) {
    const rec = recurrentProduct(h, w.W_hh, B, true, dt, recBuf)
    hNext.set(h)
    for (let b = 0; b < B; b++) {
      if (t >= lengths[b]) continue
      const xr = (t * B + b) * G
      const rr = b * G
      for (let j = 0; j < H; j++) {
        const e = b * H + j
        const ghn = rec[rr + 2 * H + j] + bh[2 * H + j]
        const r = sigmoid.value(xd[xr + j] + rec[rr + j] + bh[j])
        const z = sigmoid.value(xd[xr + H + j] + rec[rr + H + j] + bh[H + j])
        const nn = tanh.value(xd[xr + 2 * H + j] + r * ghn)
        const hv = (1 - z) * nn + z * h[e]
        hNext[e] = hv
        out[(t * B + b) * H + j] = hv
        if (saved) {
          const s = (t * B + b) * 4 * H + j
          saved.gates[s] = r
          saved.gates[s + H] = z
          saved.gates[s + 2 * H] = nn
          saved.gates[s + 3 * H] = ghn
        }
      }
    }
    if (saved) saved.hPrev.set(h, t * B * H)
    ;[h, hNext] = [hNext, h]
  }
  const result = {
    output: I.fromData(out, [steps, B, H], dt),
    h: T.tensor(h, { shape: [B, H], dtype: dt }),
  }
  return [result, saved ? { kind: 'ts', xp, w, lengths, ...saved } : null]
}

const backward = (r: Saved | WasmSaved, ct: Out): [Tensor, GruSequenceWeights, Tensor] => {
  if (r.kind === 'wasm') return backwardWasm(r, ct)
  const [steps, B, G] = r.xp.shape
  const H = G / 3
  const dt = r.xp.dtype
  const dy = I.dataOf(ct.output)
  const { gates, hPrev, w } = r
  // ∂h is carried back one step at a time, updated in place (each element read once, then written).
  const dh = Float64Array.from(I.dataOf(ct.h))
  const dGx = new Float64Array(steps * B * G)
  const dGh = new Float64Array(steps * B * G)
  const recBuf = new Float64Array(B * H)
  for (let t = steps - 1; t >= 0; t--) {
    for (let b = 0; b < B; b++) {
      if (t >= r.lengths[b]) continue
      for (let j = 0; j < H; j++) {
        const e = b * H + j
        const x = (t * B + b) * H + j
        const s = (t * B + b) * 4 * H + j
        const rg = gates[s]
        const z = gates[s + H]
        const nn = gates[s + 2 * H]
        const ghn = gates[s + 3 * H]
        const dhe = dh[e] + dy[x]
        const dan = dhe * (1 - z) * tanh.slope(nn)
        const dar = dan * ghn * sigmoid.slope(rg)
        const daz = dhe * (hPrev[x] - nn) * sigmoid.slope(z)
        const g = (t * B + b) * G
        dGx[g + j] = dar
        dGx[g + H + j] = daz
        dGx[g + 2 * H + j] = dan
        dGh[g + j] = dar
        dGh[g + H + j] = daz
        dGh[g + 2 * H + j] = dan * rg
        dh[e] = dhe * z
      }
    }
    const rec = recurrentProduct(dGh.subarray(t * B * G, (t + 1) * B * G), w.W_hh, B, false, dt, recBuf)
    for (let b = 0; b < B; b++) {
      if (t >= r.lengths[b]) continue
      for (let j = 0; j < H; j++) dh[b * H + j] += rec[b * H + j]
    }
  }
  const DGh = T.tensor(dGh, { shape: [steps * B, G], dtype: dt })
  const grads: GruSequenceWeights = {
    W_hh: T.matmul(DGh, T.tensor(hPrev, { shape: [steps * B, H], dtype: dt }), {
      transposeA: true,
    }),
    b_hh: T.sum(DGh, { axis: 0 }),
  }
  return [
    T.tensor(dGx, { shape: [steps, B, G], dtype: dt }),
    grads,
    T.tensor(dh, { shape: [B, H], dtype: dt }),
  ]
}

/**
 * Runs the GRU recurrence over pre-projected inputs `xp = x·W_ihᵀ + b_ih` (`[T, B, 3H]`) from
 * `h0`; returns every output `[T, B, H]` and the final `h`. `lengths` gives each sequence's
 * valid steps.
 */
export const gruSequence = (
  xp: Tensor,
  weights: GruSequenceWeights,
  h0: Tensor,
  lengths: readonly number[],
): Out =>
  recurrenceOp(
    (x: Tensor, w: GruSequenceWeights, [h]: [Tensor], save: boolean) => run(x, w, h, lengths, save),
    backward,
  )(xp, weights, h0)

/** `Cell.scanProjected` of `gru()`: the cell's parameters and state mapped onto `gruSequence`. */
export const gruScanProjected = (
  p: GruParams & { readonly b_hh: Tensor },
  h: Tensor,
  xp: Tensor,
  lengths: readonly number[],
): [Tensor, Tensor] => {
  const r = gruSequence(xp, { W_hh: p.W_hh, b_hh: p.b_hh }, h, lengths)
  return [r.h, r.output]
}

/**
 * `Cell.scan` of `gru()`: the whole layer as one WebAssembly op (`wasmLayer`) where that runs and
 * every operand is f32 with the layer's shapes (absent biases as zeros); undefined otherwise.
 */
export const gruScan = (
  p: GruParams,
  h: Tensor,
  xs: Tensor,
  lengths: readonly number[],
): [Tensor, Tensor] | undefined => {
  const w = layerWeights(p)
  if (!layerOperands(xs, w, [h], 3)) return undefined
  const r = wasmLayer('gru', xs, w, [h], lengths)
  return [r.h, r.output]
}
