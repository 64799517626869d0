/**
 * Helpers shared by the whole-sequence recurrences (`fast/lstm-sequence.ts`, `fast/gru-sequence.ts`):
 * the choice between the WebAssembly recurrence and the TypeScript loop, and the TypeScript loop's
 * per-step recurrent products on plain arrays, and the op that wraps a recurrence's forward and
 * backward passes. (Its activations on plain numbers are the scalar
 * functions of `T.ACTIVATION_RULES`.)
 */
import { customVjp } from '@recurrent/autograd'
import type { Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import * as I from '@recurrent/tensor/internal'

/**
 * Whether a whole-sequence op runs its recurrence, forward and backward, in WebAssembly
 * (`I.wasmLstmForward`, `I.wasmGruForward`: f32 state, SIMD gate arithmetic, operands resident for
 * the whole sequence) rather than in the TypeScript loop below (f64 state, products through
 * `T.matmul`). All four must hold:
 * - the dtype is f32 (f64 always takes the TypeScript loop: it is the oracle);
 * - the cell is plain (`plain`: no peepholes, no `W_ch`; a projection never reaches these ops,
 *   nor do activations other than σ and tanh);
 * - the kernels are built and load here (`I.wasmRecurrenceAvailable()`);
 * - the kernel provider in scope is the default `T.auto` or `T.wasm`: under any other
 *   (`T.reference`, a GPU provider, a `T.dispatch` list) the TypeScript loop runs, with its
 *   products on that provider.
 * The choice depends on these alone, never on sizes or timings, so a run gives the same bits
 * every time.
 */
export const wasmRecurrence = (dtype: T.DType, plain: boolean): boolean => {
  if (dtype !== 'f32' || !plain) return false
  const provider = T.currentBackend()
  return (provider === T.auto || provider === T.wasm) && I.wasmRecurrenceAvailable()
}

/** The weights of a whole plain LSTM or GRU layer over raw inputs (`wasmLayer`). */
export interface LayerWeights {
  readonly W_ih: Tensor
  readonly b_ih: Tensor
  readonly W_hh: Tensor
  readonly b_hh: Tensor
}

/** A cell's input and recurrent weights as `LayerWeights`, an absent bias as zeros. */
export const layerWeights = (p: {
  readonly W_ih: Tensor
  readonly W_hh: Tensor
  readonly b_ih?: Tensor
  readonly b_hh?: Tensor
}): LayerWeights => {
  const zeros = () => T.zeros([p.W_hh.shape[0]], p.W_hh.dtype)
  return { W_ih: p.W_ih, b_ih: p.b_ih ?? zeros(), W_hh: p.W_hh, b_hh: p.b_hh ?? zeros() }
}

/**
 * Whether a whole layer over raw inputs (`wasmLayer`) can take these operands: the WebAssembly
 * recurrence runs for f32 here (`wasmRecurrence`), and x `[T, B, I]`, the weights (`W_ih`
 * `[G·H, I]`, `b_ih` and `b_hh` `[G·H]`, `W_hh` `[G·H, H]`, G = `gates`) and each state `[B, H]`
 * are all f32 with the shapes of one layer. Anything else takes the projected path, which reports
 * what is wrong.
 */
export const layerOperands = (
  x: Tensor,
  w: LayerWeights,
  states: readonly Tensor[],
  gates: number,
): boolean => {
  if (x.rank !== 3 || w.W_hh.rank !== 2 || !wasmRecurrence(x.dtype, true)) return false
  const [, B, size] = x.shape
  const [G, H] = w.W_hh.shape
  if (G !== gates * H) return false
  const all = [x, w.W_ih, w.b_ih, w.W_hh, w.b_hh, ...states]
  const same = (t: Tensor, shape: readonly number[]) => T.showShape(t.shape) === T.showShape(shape)
  return (
    all.every((t) => t.dtype === 'f32') &&
    same(w.W_ih, [G, size]) &&
    same(w.b_ih, [G]) &&
    same(w.b_hh, [G]) &&
    states.every((s) => same(s, [B, H]))
  )
}

/** The outputs of `wasmLayer`: every output `[T, B, H]`, the final h and (LSTM) the final c. */
export interface LayerOut {
  readonly output: Tensor
  readonly h: Tensor
  readonly c?: Tensor
}

interface LayerSaved {
  readonly x: Tensor
  readonly W_hh: Tensor
  readonly tape: I.RecurrenceTape
}

/**
 * A whole plain f32 LSTM or GRU layer (Lecture §3: the gates of `lstm()` and `gru()`, with
 * z = x·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh per step) over raw inputs x `[T, B, I]` from `states`
 * (`[h0, c0]` or `[h0]`), as one op with one WebAssembly call each way: the input projection runs
 * inside the call with the recurrence (`I.InputProjection`), so the projected inputs and their
 * cotangent never leave linear memory, and the backward call returns ∂x, ∂W_ih and ∂b_ih beside the
 * recurrence's cotangents. Only where `layerOperands` holds; it gives the bits of
 * `lstmSequence`/`gruSequence` over `x·W_ihᵀ + b_ih` projected on the wasm provider.
 *
 * @example
 * const w = layerWeights({ W_ih: T.ones([3, 1]), W_hh: T.zeros([3, 1]) })
 * const r = wasmLayer('gru', T.zeros([2, 1, 1]), w, [T.ones([1, 1])], [2])
 * assert.ok(Math.abs(T.toArray(r.h)[0][0] - 0.25) < 1e-6) // h halves each step: z = ½, n = 0
 */
export const wasmLayer = (
  cell: 'lstm' | 'gru',
  x: Tensor,
  weights: LayerWeights,
  states: readonly Tensor[],
  lengths: readonly number[],
): LayerOut =>
  recurrenceOp(
    (xs: Tensor, w: LayerWeights, [h, c]: Tensor[], save: boolean): [LayerOut, LayerSaved | null] => {
      const [steps, B, size] = xs.shape
      const H = w.W_hh.shape[1]
      const sizes = { steps, batch: B, hidden: H }
      const args = {
        input: { x: f32(xs), W_ih: f32(w.W_ih), b_ih: f32(w.b_ih), size },
        W_hh: f32(w.W_hh),
        b_hh: f32(w.b_hh),
        h0: f32(h),
        lengths,
      }
      const r =
        cell === 'lstm'
          ? I.wasmLstmForward(sizes, { ...args, c0: f32(c) }, save)
          : I.wasmGruForward(sizes, args, save)
      const state = (a: Float32Array) => I.fromData(a, [B, H], 'f32')
      const out = {
        output: I.fromData(r.output, [steps, B, H], 'f32'),
        h: state(r.h),
        ...(r.c === undefined ? {} : { c: state(r.c) }),
      }
      return [out, r.tape ? { x: xs, W_hh: w.W_hh, tape: r.tape } : null]
    },
    (r: LayerSaved, ct: LayerOut): [Tensor, LayerWeights, ...Tensor[]] => {
      const [steps, B, size] = r.x.shape
      const [G, H] = r.W_hh.shape
      const cot = { W_hh: f32(r.W_hh), dy: f32(ct.output), dh: f32(ct.h) }
      const g =
        cell === 'lstm'
          ? I.wasmLstmBackward(r.tape, { ...cot, dc: f32(ct.c as Tensor) })
          : I.wasmGruBackward(r.tape, cot)
      const input = g.input as NonNullable<I.RecurrenceGrads['input']>
      const state = (a: Float32Array) => I.fromData(a, [B, H], 'f32')
      return [
        I.fromData(input.dx, [steps, B, size], 'f32'),
        {
          W_ih: I.fromData(input.dW_ih, [G, size], 'f32'),
          b_ih: I.fromData(input.db_ih, [G], 'f32'),
          W_hh: I.fromData(g.dW_hh, [G, H], 'f32'),
          b_hh: I.fromData(g.db_hh, [G], 'f32'),
        },
        state(g.dh0),
        ...(g.dc0 === undefined ? [] : [state(g.dc0)]),
      ]
    },
  )(x, weights, ...states)

/** An f32 tensor's elements (the WebAssembly recurrence's operands). */
export const f32 = (t: Tensor): Float32Array => I.dataOf(t) as Float32Array

/** What the WebAssembly recurrence's backward pass needs (see `wasmRecurrence`). */
export interface WasmSaved<W> {
  readonly kind: 'wasm'
  readonly xp: Tensor
  readonly w: W
  readonly tape: I.RecurrenceTape
}

/**
 * A whole-sequence recurrence over pre-projected inputs `xp` as one differentiable op: `run`
 * (saving nothing when no gradient is traced, its residuals when one is) and its hand-written
 * `backward`, which returns the cotangents of `xp`, the weights and each initial state.
 */
export const recurrenceOp =
  <W, S extends Tensor[], Out, Saved>(
    run: (xp: Tensor, w: W, states: S, save: boolean) => [Out, Saved | null],
    backward: (saved: Saved, ct: Out) => [Tensor, W, ...S],
  ) =>
  (xp: Tensor, weights: W, ...states: S): Out =>
    customVjp(
      (x: Tensor, w: W, ...s: S) => run(x, w, s, false)[0] as T.Tree,
      (x: Tensor, w: W, ...s: S) => {
        const [out, saved] = run(x, w, s, true)
        return [out as T.Tree, saved as Saved]
      },
      (saved: Saved, ct) => backward(saved, ct as Out) as never,
    )(xp, weights, ...states) as Out

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
 * over the arrays beats building tensors and dispatching a kernel, writing into `out` when given
 * (a buffer the caller reuses every step). Larger ones go through `T.matmul`, and so through the
 * fastest kernel provider.
 */
export const recurrentProduct = (
  x: Float64Array,
  W: Tensor,
  B: number,
  transposeW: boolean,
  dt: T.DType,
  out: Float64Array = new Float64Array(B * (transposeW ? W.shape[0] : W.shape[1])),
): ArrayLike<number> => {
  const G = W.shape[0]
  const H = W.shape[1]
  const inner = transposeW ? H : G
  const outer = transposeW ? G : H
  if (B * G * H > SMALL_PRODUCT) {
    return I.dataOf(T.matmul(T.tensor(x, { shape: [B, inner], dtype: dt }), W, { transposeB: transposeW }))
  }
  const w = asDoubles(W)
  if (!transposeW) out.fill(0)
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
