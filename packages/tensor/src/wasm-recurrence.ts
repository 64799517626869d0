/**
 * The f32 LSTM and GRU recurrences in WebAssembly (kernels in `assembly/recurrence.ts`, built into
 * `dist/kernels.wasm` with the matmul): one call runs every step of a sequence with its operands
 * resident in linear memory, so nothing crosses to JavaScript between steps. Per step the
 * forward pass computes `h_{t−1}·W_hhᵀ` on weights packed once per call (the matmul's 4×8 f32x4
 * register tiles) and the gate arithmetic with vectorised `exp`, `σ` and `tanh`; the backward pass
 * runs the `∂h`, `∂c` recursion with one `∂z·W_hh` product per step, then `∂W_hh = Σ_t ∂z_tᵀ·h_{t−1}`
 * as one product over all steps (split over the second thread like any large product) and
 * `∂b_hh = Σ_t ∂z_t` accumulated in f64. The input projection `x·W_ihᵀ + b_ih` is either given
 * (`xp`; its cotangent `∂xp` is returned) or run inside the call (`ForwardIn.input`: one product
 * and a bias pass before the steps; the backward call then returns ∂x, ∂W_ih and ∂b_ih). Batch
 * rows are split over the second thread where there is one (`wasmRecurrenceRows`), and the tape
 * stays in linear memory until something else claims it (`wasmKeepUntilClaimed`).
 *
 * Arrays are the row-major data of the tensors: `xp` `[T, B, G·H]` (G = 4 for the LSTM, 3 for the
 * GRU, gate blocks of H), `W_hh` `[G·H, H]`, `b_hh` `[G·H]`, states `[B, H]`, outputs `[T, B, H]`.
 * A row `b` with `t ≥ lengths[b]` keeps its state and outputs 0 (and passes its state's
 * cotangent through). Nothing here depends on timing or threads: the same inputs give the same bits.
 *
 * Accuracy of the vectorised functions against the f64 formulas (`Math.exp`,
 * `T.ACTIVATION_RULES`), measured over every 61st f32 bit pattern (every sign and exponent, NaN,
 * ±∞, subnormals) and every f32 with 1/4 ≤ |x| < 4 by `npm run bench:activations` in
 * packages/bench: see `ACTIVATION_ERROR`.
 *
 * Internal API (`@recurrent/tensor/internal`): used by `@recurrent/cells`' fused sequence ops.
 */
import {
  WASM_BASE,
  wasmExports,
  wasmHeap,
  wasmKeepUntilClaimed,
  wasmProductInPlace,
  wasmRecurrenceRows,
  wasmView,
} from './wasm.ts'

/**
 * The exports laid out here. The four recurrence kernels (`lstmForward`, `lstmBackward`,
 * `gruForward`, `gruBackward`, arguments in `assembly/recurrence.ts`) run through
 * `wasmRecurrenceRows`, which may split their batch rows over the second thread.
 */
interface RecurrenceExports {
  mapActivation(kind: number, src: number, dst: number, n: number): void
  packForward(w: number, dst: number, gates: number, H: number, Hp: number): void
  packBackward(w: number, dst: number, gates: number, H: number, Hp: number): void
  columnSums(src: number, rows: number, cols: number, acc: number, dst: number): void
  addBias(dst: number, rows: number, cols: number, bias: number): void
}

/**
 * The largest errors of the vectorised functions measured against the f64 formulas, in units in
 * the last place of the f32 result (`ulp`, against the unrounded f64 value, so 0.5 is correct
 * rounding) and relative (`rel`, over results that are normal f32 numbers). NaN gives NaN, ±∞ the
 * limits, ±0 the f64 values exactly (tanh(−0) = −0); e^x underflows to subnormals and 0 and
 * overflows to ∞ where the f64 value rounded to f32 does.
 */
export const ACTIVATION_ERROR = {
  exp: { ulp: 0.97, rel: 8.1e-8 },
  sigmoid: { ulp: 2.83, rel: 2.0e-7 },
  tanh: { ulp: 1.42, rel: 1.7e-7 },
} as const

/** The vectorised functions the recurrence kernels use. */
export type VectorFunction = 'exp' | 'sigmoid' | 'tanh'
const KIND: Record<VectorFunction, number> = { exp: 0, sigmoid: 1, tanh: 2 }

/** Float (4-byte) slots from the start of the operands, each block aligned to a whole f32x4. */
const layout = <K extends string>(
  sizes: Record<K, number>,
  from = WASM_BASE / 4,
): { at: Record<K, number>; floats: number } => {
  const at = {} as Record<K, number>
  let next = from
  for (const key of Object.keys(sizes) as K[]) {
    at[key] = next
    next += Math.ceil(sizes[key] / 4) * 4
  }
  // Floats from WASM_BASE to the end of the last block (what the caller reserves).
  return { at, floats: next - WASM_BASE / 4 }
}

/** The kernels as the product in place takes them (their exports included). */
type ProductKernels = Parameters<typeof wasmProductInPlace>[0]
type Heap = { kernels: ProductKernels; f32: Float32Array; i32: Int32Array }
const heapFor = (floats: number, keep = false): Heap & { k: RecurrenceExports } => {
  const heap = wasmHeap(4 * floats, keep)
  if (typeof heap === 'string') throw new Error(`wasm recurrence: ${heap}`)
  return { ...heap, k: heap.kernels.exports as unknown as RecurrenceExports }
}

/**
 * Whether the recurrence kernels run here (the module is built with them and loads): a caller checks this
 * before choosing the wasm path, and otherwise keeps its TypeScript path.
 *
 * @example
 * assert.strictEqual(typeof I.wasmRecurrenceAvailable(), 'boolean')
 */
export const wasmRecurrenceAvailable = (): boolean => {
  const e = wasmExports()
  return typeof e !== 'string' && typeof e.lstmForward === 'function'
}

/**
 * The vectorised `exp`, `σ` or `tanh` of the recurrence kernels applied to every element (f32),
 * for their parity properties and accuracy measurement.
 *
 * @example
 * const y = I.wasmVectorFunction('tanh', new Float32Array([0, 1, -1]))
 * assert.ok(Math.abs(y[1] - Math.tanh(1)) < 1e-6 && y[0] === 0)
 */
export const wasmVectorFunction = (f: VectorFunction, x: Float32Array): Float32Array => {
  const { at, floats } = layout({ src: x.length, dst: x.length })
  const { f32, k } = heapFor(floats)
  f32.set(x, at.src)
  k.mapActivation(KIND[f], 4 * at.src, 4 * at.dst, x.length)
  return f32.slice(at.dst, at.dst + x.length)
}

/**
 * Column sums of a row-major f32 `[rows, cols]` array in WebAssembly: each column accumulated in
 * f64 over the rows in order and rounded to f32 once — the same bits as that loop in JavaScript
 * (`T.sum` over leading axes), in a fraction of the time. Undefined where the kernels do not run.
 *
 * @example
 * const s = I.wasmColumnSums(new Float32Array([1, 2, 3, 4, 5, 6]), 3, 2)
 * assert.ok(s === undefined || (s[0] === 9 && s[1] === 12))
 */
export const wasmColumnSums = (src: Float32Array, rows: number, cols: number): Float32Array | undefined => {
  if (!wasmRecurrenceAvailable()) return undefined
  const { at, floats } = layout({ src: rows * cols, acc: 2 * cols, dst: cols })
  const { f32, k } = heapFor(floats)
  f32.set(src.subarray(0, rows * cols), at.src)
  k.columnSums(4 * at.src, rows, cols, 4 * at.acc, 4 * at.dst)
  return f32.slice(at.dst, at.dst + cols)
}

/** Hidden size rounded up to whole f32x4 lanes. */
const padded = (H: number): number => Math.ceil(H / 4) * 4

/**
 * Copies `rows` rows of `blocks` blocks of H values (`src`, dense) into the heap at `to` with
 * blocks of Hp (the extra lanes 0).
 */
const putPadded = (
  heap: Float32Array,
  to: number,
  src: ArrayLike<number>,
  rows: number,
  blocks: number,
  H: number,
) => {
  const Hp = padded(H)
  if (Hp === H) {
    heap.set(src as Float32Array, to)
    return
  }
  heap.fill(0, to, to + rows * blocks * Hp)
  const s = src as Float32Array
  for (let r = 0; r < rows * blocks; r++) heap.set(s.subarray(r * H, (r + 1) * H), to + r * Hp)
}
/** The inverse of putPadded: `rows·blocks` blocks of H values out of blocks of Hp at `from`. */
const takePadded = (
  heap: Float32Array,
  from: number,
  rows: number,
  blocks: number,
  H: number,
): Float32Array => {
  const Hp = padded(H)
  if (Hp === H) return heap.slice(from, from + rows * blocks * H)
  const out = new Float32Array(rows * blocks * H)
  for (let r = 0; r < rows * blocks; r++) out.set(heap.subarray(from + r * Hp, from + r * Hp + H), r * H)
  return out
}
/**
 * Copies a weight of G gate blocks of H rows of `width` values (`src`, `[G·H, width]`) into the heap
 * at `to` as G blocks of Hp rows (the extra rows 0).
 */
const putPaddedRows = (
  heap: Float32Array,
  to: number,
  src: Float32Array,
  G: number,
  H: number,
  width: number,
) => {
  const Hp = padded(H)
  if (Hp === H) {
    heap.set(src, to)
    return
  }
  heap.fill(0, to, to + G * Hp * width)
  for (let g = 0; g < G; g++) heap.set(src.subarray(g * H * width, (g + 1) * H * width), to + g * Hp * width)
}
/** The inverse of putPaddedRows: `[G·H, width]` out of G blocks of Hp rows at `from`. */
const takePaddedRows = (
  heap: Float32Array,
  from: number,
  G: number,
  H: number,
  width: number,
): Float32Array => {
  const Hp = padded(H)
  if (Hp === H) return heap.slice(from, from + G * H * width)
  const out = new Float32Array(G * H * width)
  for (let g = 0; g < G; g++)
    out.set(heap.subarray(from + g * Hp * width, from + (g * Hp + H) * width), g * H * width)
  return out
}
const putLengths = (i32: Int32Array, at: number, lengths: readonly number[]) => {
  for (let b = 0; b < lengths.length; b++) i32[at + b] = Math.max(0, Math.min(lengths[b], 0x7fffffff))
}

/** Sizes of one recurrence: steps T, batch B, hidden H, G gates. */
export interface RecurrenceSizes {
  readonly steps: number
  readonly batch: number
  readonly hidden: number
}

/**
 * What the backward pass needs from a forward pass (opaque): the gates and previous states. They
 * stay where the forward call wrote them in linear memory until anything else lays operands out
 * there (`wasmKeepUntilClaimed`), and are copied out only then; a backward call that comes first
 * reads them in place.
 */
export interface RecurrenceTape {
  readonly cell: 'lstm' | 'gru'
  readonly sizes: RecurrenceSizes
  readonly lengths: readonly number[]
  /** Floats saved (`SAVED[cell]·T·B·Hp`). */
  readonly savedLength: number
  /** The saved data once copied out of linear memory (until then it is read in place). */
  readonly copied: { saved?: Float32Array }
  /** Present when the forward call projected the inputs itself (`ForwardIn.input`). */
  readonly input?: { readonly x: Float32Array; readonly W_ih: Float32Array; readonly size: number }
}

/** The tape whose saved data is still in linear memory, from float `at`. */
let inPlace: { readonly tape: RecurrenceTape; readonly at: number } | undefined
const keepInPlace = (tape: RecurrenceTape, at: number): void => {
  inPlace = { tape, at }
  wasmKeepUntilClaimed(() => {
    const held = inPlace
    inPlace = undefined
    const view = wasmView()
    if (held !== undefined && view !== undefined)
      held.tape.copied.saved = view.slice(held.at, held.at + held.tape.savedLength)
  })
}

/** Floats saved per element of `[T, B, Hp]`: LSTM i, f, g, o, tanh c, h_{t−1}, c_{t−1}; GRU r, z, n, gh_n, h_{t−1}. */
const SAVED = { lstm: 7, gru: 5 } as const
const GATES = { lstm: 4, gru: 3 } as const

/**
 * The input projection run inside the call, instead of a given `xp`: `xp = x·W_ihᵀ + b_ih` from x
 * `[T, B, size]`, W_ih `[G·H, size]` and b_ih `[G·H]`, with the inputs resident for the whole
 * sequence; the backward call then also returns ∂x, ∂W_ih and ∂b_ih.
 */
export interface InputProjection {
  readonly x: Float32Array
  readonly W_ih: Float32Array
  readonly b_ih: Float32Array
  readonly size: number
}

interface ForwardIn {
  /** `[T, B, G·H]`: x·W_ihᵀ + b_ih (ignored when `input` is given). */
  readonly xp?: Float32Array
  /** The inputs and their weights, projected inside the call. */
  readonly input?: InputProjection
  readonly W_hh: Float32Array
  readonly b_hh: Float32Array
  readonly h0: Float32Array
  /** The LSTM's initial cell state (absent for the GRU). */
  readonly c0?: Float32Array
  readonly lengths: readonly number[]
}
interface ForwardOut {
  readonly output: Float32Array
  readonly h: Float32Array
  /** The LSTM's final cell state. */
  readonly c?: Float32Array
  /** Present when the forward was asked to save for a backward pass. */
  readonly tape?: RecurrenceTape
}

const forward = (cell: 'lstm' | 'gru', sizes: RecurrenceSizes, a: ForwardIn, save: boolean): ForwardOut => {
  const { steps: T, batch: B, hidden: H } = sizes
  const G = GATES[cell]
  const Hp = padded(H)
  const nP = Math.ceil((G * Hp) / 8) * 8
  const n = T * B * Hp
  const In = a.input
  const size = In?.size ?? 0
  const { at, floats } = layout({
    x: T * B * size,
    wih: G * Hp * size,
    bih: In ? G * Hp : 0,
    pscratch: 16 * size,
    xp: T * B * G * Hp,
    w: G * H * H,
    packed: H * nP,
    bh: G * Hp,
    h: B * Hp,
    c: cell === 'lstm' ? B * Hp : 0,
    lengths: B,
    out: n,
    z: B * nP,
    saved: save ? SAVED[cell] * n : 0,
  })
  const { f32, i32, k, kernels } = heapFor(floats)
  if (In === undefined) putPadded(f32, at.xp, a.xp as Float32Array, T * B, G, H)
  else {
    // xp = x·W_ihᵀ + b_ih into [T·B, G·Hp] (W_ih's padded rows give 0 columns), in place.
    f32.set(In.x, at.x)
    putPaddedRows(f32, at.wih, In.W_ih, G, H, size)
    putPadded(f32, at.bih, In.b_ih, 1, G, H)
    if (T * B > 0 && size > 0)
      wasmProductInPlace(
        kernels,
        { a: 4 * at.x, b: 4 * at.wih, c: 4 * at.xp, scratch: 4 * at.pscratch },
        T * B,
        size,
        G * Hp,
        { aRow: 4 * size, aCol: 4, bRow: 4, bCol: 4 * size },
      )
    else f32.fill(0, at.xp, at.xp + T * B * G * Hp)
    k.addBias(4 * at.xp, T * B, G * Hp, 4 * at.bih)
  }
  f32.set(a.W_hh, at.w)
  putPadded(f32, at.bh, a.b_hh, 1, G, H)
  putPadded(f32, at.h, a.h0, B, 1, H)
  putLengths(i32, at.lengths, a.lengths)
  // Kernel arguments after the state pointers, for batch rows [b0, b1).
  const tail = (b0: number, b1: number) =>
    [4 * at.lengths, 4 * at.out, 4 * at.z, save ? 4 * at.saved : 0, T, B, H, Hp, b0, b1] as const
  const work = T * B * G * Hp * Hp
  k.packForward(4 * at.w, 4 * at.packed, G, H, Hp)
  if (cell === 'lstm') {
    putPadded(f32, at.c, a.c0 as Float32Array, B, 1, H)
    wasmRecurrenceRows('lstmForward', B, work, (b0, b1) => [
      4 * at.xp,
      4 * at.packed,
      4 * at.bh,
      4 * at.h,
      4 * at.c,
      ...tail(b0, b1),
    ])
  } else
    wasmRecurrenceRows('gruForward', B, work, (b0, b1) => [
      4 * at.xp,
      4 * at.packed,
      4 * at.bh,
      4 * at.h,
      ...tail(b0, b1),
    ])
  const tape: RecurrenceTape | undefined = save
    ? {
        cell,
        sizes,
        lengths: [...a.lengths],
        savedLength: SAVED[cell] * n,
        copied: {},
        ...(In ? { input: { x: In.x, W_ih: In.W_ih, size } } : {}),
      }
    : undefined
  if (tape !== undefined) keepInPlace(tape, at.saved)
  return {
    output: takePadded(f32, at.out, T * B, 1, H),
    h: takePadded(f32, at.h, B, 1, H),
    ...(cell === 'lstm' ? { c: takePadded(f32, at.c, B, 1, H) } : {}),
    ...(tape ? { tape } : {}),
  }
}

/** What the backward pass returns: the cotangents of `xp`, `W_hh`, `b_hh` and the initial state. */
export interface RecurrenceGrads {
  /**
   * `[T, B, G·H]`: ∂xp (for the GRU, the input part's cotangent, which differs from ∂gh in n);
   * empty when the forward call projected the inputs itself (`input` carries ∂x, ∂W_ih, ∂b_ih).
   */
  readonly dxp: Float32Array
  readonly dW_hh: Float32Array
  readonly db_hh: Float32Array
  readonly dh0: Float32Array
  /** The LSTM's ∂c_0. */
  readonly dc0?: Float32Array
  /** When the forward call projected the inputs: ∂x `[T, B, size]`, ∂W_ih `[G·H, size]`, ∂b_ih `[G·H]`. */
  readonly input?: { readonly dx: Float32Array; readonly dW_ih: Float32Array; readonly db_ih: Float32Array }
}

interface BackwardIn {
  readonly W_hh: Float32Array
  /** Cotangents of the outputs `[T, B, H]` and of the final state `[B, H]`. */
  readonly dy: Float32Array
  readonly dh: Float32Array
  readonly dc?: Float32Array
}

/**
 * The input projection's backward on the resident ∂xp (`at.dz`, `[T·B, G·Hp]`): ∂x = ∂xp·W_ih and
 * ∂W_ih = ∂xpᵀ·x, one product each (split over the second thread like any large product).
 */
const inputGrads = (
  k: ProductKernels,
  f32: Float32Array,
  at: Readonly<Record<'dz' | 'x' | 'wih' | 'dx' | 'dWih' | 'iscratch', number>>,
  input: NonNullable<RecurrenceTape['input']>,
  { G, H, Hp, rows, size }: { G: number; H: number; Hp: number; rows: number; size: number },
): { dx: Float32Array; dW_ih: Float32Array } => {
  if (rows === 0 || size === 0)
    return { dx: new Float32Array(rows * size), dW_ih: new Float32Array(G * H * size) }
  f32.set(input.x, at.x)
  putPaddedRows(f32, at.wih, input.W_ih, G, H, size)
  wasmProductInPlace(
    k,
    { a: 4 * at.dz, b: 4 * at.wih, c: 4 * at.dx, scratch: 4 * at.iscratch },
    rows,
    G * Hp,
    size,
    {
      aRow: 4 * G * Hp,
      aCol: 4,
      bRow: 4 * size,
      bCol: 4,
    },
  )
  wasmProductInPlace(
    k,
    { a: 4 * at.dz, b: 4 * at.x, c: 4 * at.dWih, scratch: 4 * at.iscratch },
    G * Hp,
    rows,
    size,
    {
      aRow: 4,
      aCol: 4 * G * Hp,
      bRow: 4 * size,
      bCol: 4,
    },
  )
  return { dx: f32.slice(at.dx, at.dx + rows * size), dW_ih: takePaddedRows(f32, at.dWih, G, H, size) }
}

const backward = (tape: RecurrenceTape, a: BackwardIn): RecurrenceGrads => {
  const { cell, sizes, lengths } = tape
  const { steps: T, batch: B, hidden: H } = sizes
  const G = GATES[cell]
  const Hp = padded(H)
  const nP = Math.ceil(Hp / 8) * 8
  const n = T * B * Hp
  const rows = T * B
  const In = tape.input
  const size = In?.size ?? 0
  // Saved data still where the forward call wrote it is read there, the operands laid out above it.
  const kept = inPlace?.tape === tape ? inPlace.at : undefined
  const { at, floats } = layout(
    {
      dy: n,
      dh: B * Hp,
      dc: cell === 'lstm' ? B * Hp : 0,
      saved: kept === undefined ? tape.savedLength : 0,
      w: G * H * H,
      packed: G * Hp * nP,
      lengths: B,
      dz: rows * G * Hp,
      dgh: cell === 'gru' ? rows * G * Hp : 0,
      rec: B * nP,
      dW: G * Hp * Hp,
      scratch: 16 * rows,
      db: G * Hp,
      acc: 2 * G * Hp,
      x: rows * size,
      wih: G * Hp * size,
      dx: rows * size,
      dWih: G * Hp * size,
      dbih: In ? G * Hp : 0,
      iscratch: In ? 16 * Math.max(rows, G * Hp) : 0,
    },
    kept === undefined ? WASM_BASE / 4 : kept + tape.savedLength,
  )
  const { f32, i32, k, kernels } = heapFor(floats, kept !== undefined)
  const savedAt = kept ?? at.saved
  if (kept === undefined) {
    const saved = tape.copied.saved
    if (saved === undefined)
      throw new Error('wasm recurrence: this tape is in the linear memory of another instance of the kernels')
    f32.set(saved, at.saved)
  }
  putPadded(f32, at.dy, a.dy, T * B, 1, H)
  putPadded(f32, at.dh, a.dh, B, 1, H)
  f32.set(a.W_hh, at.w)
  putLengths(i32, at.lengths, lengths)
  k.packBackward(4 * at.w, 4 * at.packed, G, H, Hp)
  const work = T * B * G * Hp * Hp
  if (cell === 'lstm') {
    putPadded(f32, at.dc, a.dc as Float32Array, B, 1, H)
    wasmRecurrenceRows('lstmBackward', B, work, (b0, b1) => [
      4 * at.dy,
      4 * at.dh,
      4 * at.dc,
      4 * savedAt,
      4 * at.packed,
      4 * at.lengths,
      4 * at.dz,
      4 * at.rec,
      T,
      B,
      Hp,
      b0,
      b1,
    ])
  } else
    wasmRecurrenceRows('gruBackward', B, work, (b0, b1) => [
      4 * at.dy,
      4 * at.dh,
      4 * savedAt,
      4 * at.packed,
      4 * at.lengths,
      4 * at.dz,
      4 * at.dgh,
      4 * at.rec,
      T,
      B,
      Hp,
      b0,
      b1,
    ])
  // ∂W_hh = ∂Zᵀ·H_prev over all T·B rows ([G·Hp, T·B]·[T·B, Hp]); ∂b_hh = Σ rows of ∂Z (for the
  // GRU, ∂Z is the recurrent part's cotangent ∂gh).
  const dZ = cell === 'lstm' ? at.dz : at.dgh
  const hPrev = savedAt + (cell === 'lstm' ? 5 : 4) * n
  wasmProductInPlace(
    kernels,
    { a: 4 * dZ, b: 4 * hPrev, c: 4 * at.dW, scratch: 4 * at.scratch },
    G * Hp,
    rows,
    Hp,
    { aRow: 4, aCol: 4 * G * Hp, bRow: 4 * Hp, bCol: 4 },
  )
  k.columnSums(4 * dZ, rows, G * Hp, 4 * at.acc, 4 * at.db)
  // ∂W_hh's rows out of [G·Hp, Hp] (in one piece when H is a whole number of vectors).
  const dW = Hp === H ? f32.slice(at.dW, at.dW + G * H * H) : new Float32Array(G * H * H)
  if (Hp !== H)
    for (let r = 0; r < G * H; r++) {
      const from = at.dW + (Math.floor(r / H) * Hp + (r % H)) * Hp
      dW.set(f32.subarray(from, from + H), r * H)
    }
  const input = In === undefined ? undefined : inputGrads(kernels, f32, at, In, { G, H, Hp, rows, size })
  if (input !== undefined && cell === 'gru') k.columnSums(4 * at.dz, rows, G * Hp, 4 * at.acc, 4 * at.dbih)
  return {
    ...(input === undefined
      ? {}
      : {
          input: {
            ...input,
            // ∂b_ih = Σ rows of ∂xp: the LSTM's ∂xp is ∂z, so its ∂b_ih is ∂b_hh.
            db_ih: takePadded(f32, cell === 'lstm' ? at.db : at.dbih, 1, G, H),
          },
        }),
    // ∂xp leaves linear memory only when the caller projected the inputs itself.
    dxp: In === undefined ? takePadded(f32, at.dz, rows, G, H) : new Float32Array(0),
    dW_hh: dW,
    db_hh: takePadded(f32, at.db, 1, G, H),
    dh0: takePadded(f32, at.dh, B, 1, H),
    ...(cell === 'lstm' ? { dc0: takePadded(f32, at.dc, B, 1, H) } : {}),
  }
}

/**
 * The f32 LSTM over a whole sequence from `(h0, c0)`, gates σ, σ, tanh, σ and tanh on the cell
 * (no peepholes, no projection): per step and element, with z = xp_t + h_{t−1}·W_hhᵀ + b_hh,
 *   i = σ(z_i), f = σ(z_f), g = tanh(z_g), o = σ(z_o),  c_t = g·i + c_{t−1}·f,  h_t = tanh(c_t)·o.
 * With `save`, the result carries the tape for `wasmLstmBackward`.
 *
 * @example
 * const r = I.wasmLstmForward(
 *   { steps: 1, batch: 1, hidden: 1 },
 *   { xp: new Float32Array([0, 0, 0, 0]), W_hh: new Float32Array(4), b_hh: new Float32Array(4),
 *     h0: new Float32Array(1), c0: new Float32Array([2]), lengths: [1] },
 *   false,
 * )
 * assert.ok(r.c !== undefined && Math.abs(r.c[0] - 1) < 1e-6) // c = tanh(0)·½ + 2·σ(0)
 */
export const wasmLstmForward = (
  sizes: RecurrenceSizes,
  a: ForwardIn & { readonly c0: Float32Array },
  save: boolean,
): ForwardOut => forward('lstm', sizes, a, save)

/**
 * The f32 GRU over a whole sequence from `h0` (PyTorch's formulation): per step and element, with
 * gh = h_{t−1}·W_hhᵀ + b_hh,
 *   r = σ(xp_r + gh_r), z = σ(xp_z + gh_z), n = tanh(xp_n + r·gh_n), h_t = (1 − z)·n + z·h_{t−1}.
 * With `save`, the result carries the tape for `wasmGruBackward`.
 *
 * @example
 * const r = I.wasmGruForward(
 *   { steps: 1, batch: 1, hidden: 1 },
 *   { xp: new Float32Array(3), W_hh: new Float32Array(3), b_hh: new Float32Array(3), h0: new Float32Array([2]), lengths: [1] },
 *   false,
 * )
 * assert.ok(Math.abs(r.h[0] - 1) < 1e-6) // h = ½·tanh(0) + ½·2
 */
export const wasmGruForward = (sizes: RecurrenceSizes, a: ForwardIn, save: boolean): ForwardOut =>
  forward('gru', sizes, a, save)

/**
 * The LSTM's backward pass from a tape of `wasmLstmForward`: from ∂output, ∂h_T and ∂c_T, with
 * ∂h = ∂h_t + ∂y_t per step,
 *   ∂z_o = ∂h·tanh(c_t)·o(1−o),  ∂c_t ← ∂c_t + ∂h·o·(1 − tanh²c_t),
 *   ∂z_i = ∂c_t·g·i(1−i),  ∂z_f = ∂c_t·c_{t−1}·f(1−f),  ∂z_g = ∂c_t·i·(1−g²),
 *   ∂c_{t−1} = ∂c_t·f,  ∂h_{t−1} = ∂z·W_hh;  ∂W_hh = Σ_t ∂z_tᵀ·h_{t−1},  ∂b_hh = Σ_t ∂z_t,  ∂xp = ∂z.
 */
export const wasmLstmBackward = (
  tape: RecurrenceTape,
  a: BackwardIn & { readonly dc: Float32Array },
): RecurrenceGrads => backward(tape, a)

/**
 * The GRU's backward pass from a tape of `wasmGruForward`: with ∂h = ∂h_t + ∂y_t per step,
 *   ∂a_n = ∂h·(1 − z)·(1 − n²),  ∂a_r = ∂a_n·gh_n·r(1 − r),  ∂a_z = ∂h·(h_{t−1} − n)·z(1 − z),
 *   ∂xp = [∂a_r, ∂a_z, ∂a_n],  ∂gh = [∂a_r, ∂a_z, ∂a_n·r],  ∂h_{t−1} = ∂h·z + ∂gh·W_hh;
 *   ∂W_hh = Σ_t ∂gh_tᵀ·h_{t−1},  ∂b_hh = Σ_t ∂gh_t.
 */
export const wasmGruBackward = (tape: RecurrenceTape, a: BackwardIn): RecurrenceGrads => backward(tape, a)
