/**
 * A whole LSTM layer over a sequence as one op with a hand-written backward pass (the fast path
 * of `rnn(lstm())`, docs/design.md#performance-shape). The input projection is already hoisted (one
 * `[T·B, I] × [I, 4H]` product outside); per step the forward pass does one `h·W_hhᵀ` product and
 * the gate arithmetic fused into one pass over the elements. The backward pass runs the steps in reverse with
 * one `∂z·W_hh` product per step, and accumulates the recurrent weight gradient with one product
 * over all steps, `∂W_hh = Σ_t ∂z_tᵀ·h_{t−1} = ∂Zᵀ·H_prev` (and `∂W_ch = ∂Zᵀ·C_prev`).
 * Sequences shorter than T keep their state at padded steps and output 0 there, as `rnn` does.
 * `cellLaws` checks it against the readable per-step definition and central differences.
 * (Its rule is not written with tensor ops, so second derivatives go through the readable step.)
 *
 * Per element (z = [z_i; z_f; z_g; z_o], c = c_{t−1}, optional diagonal peepholes w):
 *   i = σ(z_i + w_ci·c),  f = σ(z_f + w_cf·c),  g = tanh(z_g)
 *   c' = g·i + c·f,       o = σ(z_o + w_co·c'), h = tanh(c')·o
 * Backward, from ∂h (the output's and the next step's) and ∂c':
 *   ∂z_o = ∂h·tanh(c')·o(1−o)
 *   ∂c'  = ∂c' + ∂h·o·(1 − tanh²c') + ∂z_o·w_co
 *   ∂z_i = ∂c'·g·i(1−i),  ∂z_f = ∂c'·c·f(1−f),  ∂z_g = ∂c'·i·(1−g²)
 *   ∂c   = ∂c'·f + ∂z_i·w_ci + ∂z_f·w_cf,        ∂h_{t−1} = ∂z·W_hh
 */
import type { Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import * as I from '@recurrent/tensor/internal'
import type { LstmParams, LstmState } from '../lstm.ts'
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

/** The standard activations: σ for the gates, tanh for g and h (values and slopes through outputs). */
const { sigmoid, tanh } = T.ACTIVATION_RULES

/** Diagonal peephole weights `[H]` each (Gers & Schmidhuber 2000). */
export interface Peepholes {
  readonly w_ci: Tensor
  readonly w_cf: Tensor
  readonly w_co: Tensor
}

export interface LstmSequenceWeights {
  readonly W_hh: Tensor
  readonly b_hh: Tensor
  readonly W_ch: Tensor | null
  readonly peep: Peepholes | null
}

type WasmSaved = Wasm<LstmSequenceWeights>

interface Saved {
  readonly kind: 'ts'
  readonly xp: Tensor
  readonly w: LstmSequenceWeights
  readonly lengths: readonly number[]
  readonly hPrev: Float64Array // [T, B, H]: h_{t−1}
  readonly cPrev: Float64Array // [T, B, H]: c_{t−1}
  readonly cNext: Float64Array // [T, B, H]: c_t
  readonly gates: Float64Array // [T, B, 5, H]: i, f, g, o, tanh(c_t)
}

type Out = { output: Tensor; h: Tensor; c: Tensor }

/** The f32 recurrence in WebAssembly (`wasmRecurrence` chose it). */
const runWasm = (
  xp: Tensor,
  w: LstmSequenceWeights,
  h0: Tensor,
  c0: Tensor,
  lengths: readonly number[],
  save: boolean,
): [Out, WasmSaved | null] => {
  const [steps, B, G] = xp.shape
  const H = G / 4
  const r = I.wasmLstmForward(
    { steps, batch: B, hidden: H },
    { xp: f32(xp), W_hh: f32(w.W_hh), b_hh: f32(w.b_hh), h0: f32(h0), c0: f32(c0), lengths },
    save,
  )
  const out = {
    output: I.fromData(r.output, [steps, B, H], 'f32'),
    h: I.fromData(r.h, [B, H], 'f32'),
    c: I.fromData(r.c as Float32Array, [B, H], 'f32'),
  }
  return [out, r.tape ? { kind: 'wasm', xp, w, tape: r.tape } : null]
}

const backwardWasm = (r: WasmSaved, ct: Out): [Tensor, LstmSequenceWeights, Tensor, Tensor] => {
  const [steps, B, G] = r.xp.shape
  const H = G / 4
  const g = I.wasmLstmBackward(r.tape, {
    W_hh: f32(r.w.W_hh),
    dy: f32(ct.output),
    dh: f32(ct.h),
    dc: f32(ct.c),
  })
  return [
    I.fromData(g.dxp, [steps, B, G], 'f32'),
    {
      W_hh: I.fromData(g.dW_hh, [G, H], 'f32'),
      b_hh: I.fromData(g.db_hh, [G], 'f32'),
      W_ch: null,
      peep: null,
    },
    I.fromData(g.dh0, [B, H], 'f32'),
    I.fromData(g.dc0 as Float32Array, [B, H], 'f32'),
  ]
}

const run = (
  xp: Tensor,
  w: LstmSequenceWeights,
  h0: Tensor,
  c0: Tensor,
  lengths: readonly number[],
  save: boolean,
): [Out, Saved | WasmSaved | null] => {
  if (wasmRecurrence(xp.dtype, w.W_ch === null && w.peep === null))
    return runWasm(xp, w, h0, c0, lengths, save)
  const [steps, B, G] = xp.shape
  const H = G / 4
  const dt = xp.dtype
  const xd = I.dataOf(xp)
  const bh = I.dataOf(w.b_hh)
  const [wi, wf, wo] = w.peep
    ? [I.dataOf(w.peep.w_ci), I.dataOf(w.peep.w_cf), I.dataOf(w.peep.w_co)]
    : [null, null, null]
  // Two buffers each for h and c, swapped every step (no allocation inside the loop).
  let h = Float64Array.from(I.dataOf(h0))
  let c = Float64Array.from(I.dataOf(c0))
  let hNext = new Float64Array(B * H)
  let cNextStep = new Float64Array(B * H)
  const out = I.allocate(dt, steps * B * H)
  const n = steps * B * H
  const saved = save
    ? {
        hPrev: new Float64Array(n),
        cPrev: new Float64Array(n),
        cNext: new Float64Array(n),
        gates: new Float64Array(5 * n),
      }
    : null
  // The per-step products' buffers, reused every step.
  const recBuf = new Float64Array(B * G)
  const peepBuf = w.W_ch ? new Float64Array(B * G) : null
  for (let t = 0; t < steps; t++) {
    const rec = recurrentProduct(h, w.W_hh, B, true, dt, recBuf)
    const peepRec = w.W_ch && peepBuf ? recurrentProduct(c, w.W_ch, B, true, dt, peepBuf) : null
    hNext.set(h)
    cNextStep.set(c)
    for (let b = 0; b < B; b++) {
      if (t >= lengths[b]) continue
      const zr = (t * B + b) * G
      const rr = b * G
      for (let j = 0; j < H; j++) {
        const e = b * H + j
        const zi = xd[zr + j] + rec[rr + j] + bh[j] + (peepRec ? peepRec[rr + j] : 0)
        const zf = xd[zr + H + j] + rec[rr + H + j] + bh[H + j] + (peepRec ? peepRec[rr + H + j] : 0)
        const zg =
          xd[zr + 2 * H + j] + rec[rr + 2 * H + j] + bh[2 * H + j] + (peepRec ? peepRec[rr + 2 * H + j] : 0)
        const zo =
          xd[zr + 3 * H + j] + rec[rr + 3 * H + j] + bh[3 * H + j] + (peepRec ? peepRec[rr + 3 * H + j] : 0)
        const cp = c[e]
        const i = sigmoid.value(zi + (wi ? wi[j] * cp : 0))
        const f = sigmoid.value(zf + (wf ? wf[j] * cp : 0))
        const g = tanh.value(zg)
        const cn = g * i + cp * f
        const o = sigmoid.value(zo + (wo ? wo[j] * cn : 0))
        const th = tanh.value(cn)
        hNext[e] = th * o
        cNextStep[e] = cn
        out[(t * B + b) * H + j] = th * o
        if (saved) {
          const s = (t * B + b) * 5 * H + j
          saved.gates[s] = i
          saved.gates[s + H] = f
          saved.gates[s + 2 * H] = g
          saved.gates[s + 3 * H] = o
          saved.gates[s + 4 * H] = th
        }
      }
    }
    if (saved) {
      saved.hPrev.set(h, t * B * H)
      saved.cPrev.set(c, t * B * H)
      saved.cNext.set(cNextStep, t * B * H)
    }
    ;[h, hNext] = [hNext, h]
    ;[c, cNextStep] = [cNextStep, c]
  }
  const result = {
    output: I.fromData(out, [steps, B, H], dt),
    h: T.tensor(h, { shape: [B, H], dtype: dt }),
    c: T.tensor(c, { shape: [B, H], dtype: dt }),
  }
  return [result, saved ? { kind: 'ts', xp, w, lengths, ...saved } : null]
}

const backward = (r: Saved | WasmSaved, ct: Out): [Tensor, LstmSequenceWeights, Tensor, Tensor] => {
  if (r.kind === 'wasm') return backwardWasm(r, ct)
  const [steps, B, G] = r.xp.shape
  const H = G / 4
  const dt = r.xp.dtype
  const dy = I.dataOf(ct.output)
  const { gates, cPrev, cNext, w } = r
  const [wi, wf, wo] = w.peep
    ? [I.dataOf(w.peep.w_ci), I.dataOf(w.peep.w_cf), I.dataOf(w.peep.w_co)]
    : [null, null, null]
  const dpeep = w.peep ? [new Float64Array(H), new Float64Array(H), new Float64Array(H)] : null
  // ∂h and ∂c are carried back one step at a time, updated in place (each element is read once
  // before it is written).
  const dh = Float64Array.from(I.dataOf(ct.h))
  const dc = Float64Array.from(I.dataOf(ct.c))
  const dZ = new Float64Array(steps * B * G)
  const dhBuf = new Float64Array(B * H)
  const dcBuf = w.W_ch ? new Float64Array(B * H) : null
  for (let t = steps - 1; t >= 0; t--) {
    for (let b = 0; b < B; b++) {
      if (t >= r.lengths[b]) continue
      for (let j = 0; j < H; j++) {
        const e = b * H + j
        const x = (t * B + b) * H + j
        const s = (t * B + b) * 5 * H + j
        const i = gates[s]
        const f = gates[s + H]
        const g = gates[s + 2 * H]
        const o = gates[s + 3 * H]
        const th = gates[s + 4 * H]
        const cp = cPrev[x]
        const dhe = dh[e] + dy[x]
        const dzo = dhe * th * sigmoid.slope(o)
        const dcn = dc[e] + dhe * o * tanh.slope(th) + (wo ? dzo * wo[j] : 0)
        const dzi = dcn * g * sigmoid.slope(i)
        const dzf = dcn * cp * sigmoid.slope(f)
        const zr = (t * B + b) * G
        dZ[zr + j] = dzi
        dZ[zr + H + j] = dzf
        dZ[zr + 2 * H + j] = dcn * i * tanh.slope(g)
        dZ[zr + 3 * H + j] = dzo
        dc[e] = dcn * f + (wi ? dzi * wi[j] : 0) + (wf ? dzf * wf[j] : 0)
        if (dpeep) {
          dpeep[0][j] += dzi * cp
          dpeep[1][j] += dzf * cp
          dpeep[2][j] += dzo * cNext[x]
        }
      }
    }
    // The recurrent products: ∂h_{t−1} = ∂z_t·W_hh (and ∂c_{t−1} += ∂z_t·W_ch) for active rows.
    const dzT = dZ.subarray(t * B * G, (t + 1) * B * G)
    const dhRec = recurrentProduct(dzT, w.W_hh, B, false, dt, dhBuf)
    const dcRec = w.W_ch && dcBuf ? recurrentProduct(dzT, w.W_ch, B, false, dt, dcBuf) : null
    for (let b = 0; b < B; b++) {
      if (t >= r.lengths[b]) continue
      for (let j = 0; j < H; j++) {
        const e = b * H + j
        dh[e] = dhRec[e]
        if (dcRec) dc[e] += dcRec[e]
      }
    }
  }
  // Weight gradients: one product over all steps.
  const DZ = T.tensor(dZ, { shape: [steps * B, G], dtype: dt })
  const asRows = (a: Float64Array) => T.tensor(a, { shape: [steps * B, H], dtype: dt })
  const tensorOf = (a: Float64Array) => T.tensor(a, { shape: [a.length], dtype: dt })
  const grads: LstmSequenceWeights = {
    W_hh: T.matmul(DZ, asRows(r.hPrev), { transposeA: true }),
    b_hh: T.sum(DZ, { axis: 0 }),
    W_ch: w.W_ch ? T.matmul(DZ, asRows(r.cPrev), { transposeA: true }) : null,
    peep: dpeep ? { w_ci: tensorOf(dpeep[0]), w_cf: tensorOf(dpeep[1]), w_co: tensorOf(dpeep[2]) } : null,
  }
  return [
    T.reshape(DZ, [steps, B, G]),
    grads,
    T.tensor(dh, { shape: [B, H], dtype: dt }),
    T.tensor(dc, { shape: [B, H], dtype: dt }),
  ]
}

/**
 * Runs the LSTM recurrence over pre-projected inputs `xp = x·W_ihᵀ + b_ih` (`[T, B, 4H]`) from
 * `(h0, c0)`; returns every output `[T, B, H]` and the final `{ h, c }`. `lengths` gives each
 * sequence's valid steps.
 */
export const lstmSequence = (
  xp: Tensor,
  weights: LstmSequenceWeights,
  h0: Tensor,
  c0: Tensor,
  lengths: readonly number[],
): Out =>
  recurrenceOp(
    (x: Tensor, w: LstmSequenceWeights, [h, c]: [Tensor, Tensor], save: boolean) =>
      run(x, w, h, c, lengths, save),
    backward,
  )(xp, weights, h0, c0)

/**
 * `Cell.scanProjected` of `lstm()` with the standard activations: the parameters and state of the
 * cell mapped onto `lstmSequence` (diagonal peepholes when all three are present, the lecture's
 * `W_ch` when present).
 */
export const lstmScanProjected = (
  p: LstmParams & { readonly b_hh: Tensor },
  { h, c }: LstmState,
  xp: Tensor,
  lengths: readonly number[],
): [LstmState, Tensor] => {
  const peep = p.w_ci && p.w_cf && p.w_co ? { w_ci: p.w_ci, w_cf: p.w_cf, w_co: p.w_co } : null
  const r = lstmSequence(xp, { W_hh: p.W_hh, b_hh: p.b_hh, W_ch: p.W_ch ?? null, peep }, h, c, lengths)
  return [{ h: r.h, c: r.c }, r.output]
}

/**
 * `Cell.scan` of `lstm()` with the standard activations: the whole layer as one WebAssembly op
 * (`wasmLayer`) where that runs and every operand is f32 with the layer's shapes, for a plain cell
 * (no peepholes, no `W_ch`, no projection; absent biases as zeros); undefined otherwise.
 */
export const lstmScan = (
  p: LstmParams,
  { h, c }: LstmState,
  xs: Tensor,
  lengths: readonly number[],
): [LstmState, Tensor] | undefined => {
  if (p.W_hr || p.W_ch || p.w_ci || p.w_cf || p.w_co) return undefined
  const w = layerWeights(p)
  if (!layerOperands(xs, w, [h, c], 4)) return undefined
  const r = wasmLayer('lstm', xs, w, [h, c], lengths)
  return [{ h: r.h, c: r.c as Tensor }, r.output]
}
