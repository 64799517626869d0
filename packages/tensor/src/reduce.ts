/**
 * Reductions over one or more axes, with `keepDims` as in NumPy. `sum`, `max`, `argmax` and
 * `logSumExp` are primitives; `mean`, `min`, `softmax` and `logSoftmax` are composed from them
 * and so get their gradients for free.
 */
import { allocate, FLOATS, NUMERIC, requireDType, type TypedArray } from './dtype.ts'
import { div, exp, neg, sub } from './elementwise.ts'
import { ShapeError, showShape } from './errors.ts'
import { optionKinds, readOptions } from './options.ts'
import { normalizeAxes, sizeOf, stridesOf } from './shape.ts'
import { copyStrided } from './strided.ts'
import { fromData, type Tensor } from './tensor.ts'
import { emit } from './trace.ts'
import { wasmColumnSums } from './wasm-recurrence.ts'

/** f32 sums over leading axes of at least this many elements run in WebAssembly (same bits). */
const WASM_SUM_MIN = 1 << 14

/** Which axes to reduce (default: all) and whether to keep them as length-1 axes. */
export interface ReduceOptions {
  readonly axis?: number | readonly number[]
  readonly keepDims?: boolean
}

/** One axis (default: the last, or all for argmax) and whether to keep it as a length-1 axis. */
export interface AxisOptions {
  readonly axis?: number
  readonly keepDims?: boolean
}

const REDUCE = { axis: optionKinds.axes, keepDims: optionKinds.boolean }
const ONE_AXIS = { axis: optionKinds.axis, keepDims: optionKinds.boolean }
const SOFTMAX = { axis: optionKinds.axis }

type Block = { data: TypedArray; outer: number; n: number; axes: number[]; outShape: number[] }

/** Lays the reduced axes out last and contiguous: the kernel then reduces rows of length n. */
const blocks = (op: string, x: Tensor, options: ReduceOptions): Block => {
  const axes = normalizeAxes(op, options.axis, x.rank)
  const kept = x.shape.map((_, i) => i).filter((i) => !axes.includes(i))
  const perm = [...kept, ...axes]
  const n = sizeOf(axes.map((a) => x.shape[a]))
  const outer = sizeOf(kept.map((a) => x.shape[a]))
  const outShape = options.keepDims
    ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d))
    : kept.map((a) => x.shape[a])
  if (perm.every((p, i) => p === i)) return { data: x.data, outer, n, axes, outShape }
  const permShape = perm.map((a) => x.shape[a])
  const strides = stridesOf(x.shape)
  const data = allocate(x.dtype, x.size)
  copyStrided(
    x.data,
    0,
    perm.map((a) => strides[a]),
    data,
    0,
    stridesOf(permShape),
    permShape,
  )
  return { data, outer, n, axes, outShape }
}

/**
 * Sum over `axis` (all axes by default).
 *
 * @example
 * const x = T.tensor([[1, 2], [3, 4]])
 * assert.deepStrictEqual(T.toArray(T.sum(x, { axis: 0 })), [4, 6])
 * assert.strictEqual(T.item(T.sum(x)), 10)
 */
export const sum = (x: Tensor, options: ReduceOptions = {}): Tensor => {
  readOptions('sum', options, REDUCE)
  requireDType('sum', x.dtype, NUMERIC)
  const axes = normalizeAxes('sum', options.axis, x.rank)
  const attrs = { axes, keepDims: !!options.keepDims }
  // Contiguous reduced axes (e.g. the batch axis of a bias gradient): reduce the [outer, n, inner]
  // view in place, rows added as whole, without laying the tensor out again.
  if (
    axes.length > 0 &&
    axes[axes.length - 1] - axes[0] === axes.length - 1 &&
    axes[axes.length - 1] < x.rank - 1
  ) {
    const outer = sizeOf(x.shape.slice(0, axes[0]))
    const n = sizeOf(axes.map((a) => x.shape[a]))
    const inner = sizeOf(x.shape.slice(axes[axes.length - 1] + 1))
    const outShape = options.keepDims
      ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d))
      : x.shape.filter((_, i) => !axes.includes(i))
    const data = x.data
    // One block of f32 rows: the same sums (f64, rows in order, one rounding) in WebAssembly.
    const fast =
      outer === 1 && x.dtype === 'f32' && n * inner >= WASM_SUM_MIN
        ? wasmColumnSums(data as Float32Array, n, inner)
        : undefined
    if (fast !== undefined) return emit('sum', [x], attrs, fromData(fast, outShape, x.dtype))
    const acc = new Float64Array(outer * inner)
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < n; j++) {
        const from = (o * n + j) * inner
        const to = o * inner
        for (let i = 0; i < inner; i++) acc[to + i] += data[from + i]
      }
    }
    const out = allocate(x.dtype, outer * inner)
    out.set(acc)
    return emit('sum', [x], attrs, fromData(out, outShape, x.dtype))
  }
  const { data, outer, n, outShape } = blocks('sum', x, options)
  const out = allocate(x.dtype, outer)
  for (let o = 0; o < outer; o++) {
    let s = 0
    const base = o * n
    for (let j = 0; j < n; j++) s += data[base + j]
    out[o] = s
  }
  return emit('sum', [x], attrs, fromData(out, outShape, x.dtype))
}

/**
 * Maximum over `axis`. NaN propagates; its gradient is shared equally among tied maxima.
 * Reducing an empty axis throws.
 */
export const max = (x: Tensor, options: ReduceOptions = {}): Tensor => {
  readOptions('max', options, REDUCE)
  requireDType('max', x.dtype, NUMERIC)
  const { data, outer, n, axes, outShape } = blocks('max', x, options)
  if (n === 0 && outer > 0) throw new ShapeError(`max ${showShape(x.shape)}: cannot reduce an empty axis`)
  const out = allocate(x.dtype, outer)
  for (let o = 0; o < outer; o++) {
    let m = -Infinity
    const base = o * n
    for (let j = 0; j < n; j++) {
      const v = data[base + j]
      if (v > m || v !== v) {
        m = v
        if (v !== v) break
      }
    }
    out[o] = m
  }
  return emit('max', [x], { axes, keepDims: !!options.keepDims }, fromData(out, outShape, x.dtype))
}

/** Minimum over `axis`: `−max(−x)`. */
export const min = (x: Tensor, options: ReduceOptions = {}): Tensor =>
  neg(max(neg(x), readOptions('min', options, REDUCE)))

/**
 * Index of the maximum along one axis (the first on ties; a NaN counts as the maximum), as i32.
 * Without `axis` it indexes the flattened tensor. No gradient flows through it.
 *
 * @example
 * assert.deepStrictEqual(T.toArray(T.argmax(T.tensor([[1, 5, 2], [7, 0, 7]]), { axis: 1 })), [1, 0])
 */
export const argmax = (x: Tensor, options: AxisOptions = {}): Tensor => {
  readOptions('argmax', options, ONE_AXIS)
  requireDType('argmax', x.dtype, NUMERIC)
  const { data, outer, n, outShape } = blocks('argmax', x, options)
  if (n === 0) throw new ShapeError(`argmax ${showShape(x.shape)}: cannot reduce an empty axis`)
  const out = new Int32Array(outer)
  for (let o = 0; o < outer; o++) {
    let best = 0
    let m = data[o * n]
    for (let j = 1; j < n && m === m; j++) {
      const v = data[o * n + j]
      if (v > m || v !== v) {
        m = v
        best = j
      }
    }
    out[o] = best
  }
  return emit('argmax', [x], {}, fromData(out, outShape, 'i32'))
}

/** Index of the minimum along one axis, as i32. */
export const argmin = (x: Tensor, options: AxisOptions = {}): Tensor =>
  argmax(neg(x), readOptions('argmin', options, ONE_AXIS))

/**
 * Mean over `axis`: `sum / count`.
 *
 * @example
 * assert.strictEqual(T.item(T.mean(T.tensor([1, 2, 3, 6]))), 3)
 */
export const mean = (x: Tensor, options: ReduceOptions = {}): Tensor => {
  readOptions('mean', options, REDUCE)
  const axes = normalizeAxes('mean', options.axis, x.rank)
  const count = sizeOf(axes.map((a) => x.shape[a]))
  return div(sum(x, options), count)
}

/**
 * `log Σ exp(x)` over `axis`, computed as `m + log Σ exp(x − m)` with `m = max x`, so ±1e4
 * inputs neither overflow nor underflow; exact when some or all inputs are −∞ (all −∞ gives −∞,
 * and its gradient is then 0, not NaN). The CTC recursion (Lecture §5.2) runs on it.
 *
 * @example
 * const y = T.logSumExp(T.tensor([1e4, 1e4]))
 * assert.ok(Math.abs(T.item(y) - (1e4 + Math.log(2))) < 1e-2)
 */
export const logSumExp = (x: Tensor, options: ReduceOptions = {}): Tensor => {
  readOptions('logSumExp', options, REDUCE)
  requireDType('logSumExp', x.dtype, FLOATS)
  const { data, outer, n, axes, outShape } = blocks('logSumExp', x, options)
  const out = allocate(x.dtype, outer)
  for (let o = 0; o < outer; o++) {
    const base = o * n
    let m = -Infinity
    for (let j = 0; j < n; j++) {
      const v = data[base + j]
      if (v > m || v !== v) m = v
    }
    if (m === Infinity || m === -Infinity || m !== m) {
      out[o] = m
      continue
    }
    let s = 0
    for (let j = 0; j < n; j++) s += Math.exp(data[base + j] - m)
    out[o] = m + Math.log(s)
  }
  return emit('logSumExp', [x], { axes, keepDims: !!options.keepDims }, fromData(out, outShape, x.dtype))
}

/**
 * `log softmax(x) = x − logSumExp(x)` along `axis` (default −1): log-probabilities from logits.
 */
export const logSoftmax = (x: Tensor, options: { readonly axis?: number } = {}): Tensor =>
  sub(x, logSumExp(x, { axis: readOptions('logSoftmax', options, SOFTMAX).axis ?? -1, keepDims: true }))

/**
 * `softmax(x)_i = exp(x_i) / Σ_j exp(x_j)` along `axis` (default −1): the output distribution
 * `y^t` over slots of Lecture §1.2 and §4.1. Rows sum to 1 and are shift-invariant.
 *
 * @example
 * const p = T.softmax(T.tensor([[1, 2, 3]]))
 * assert.ok(Math.abs(T.item(T.sum(p)) - 1) < 1e-6)
 */
export const softmax = (x: Tensor, options: { readonly axis?: number } = {}): Tensor =>
  exp(logSoftmax(x, readOptions('softmax', options, SOFTMAX)))
