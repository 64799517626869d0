/**
 * Structural primitives: reshape, transpose, broadcast, slice, pad, concat, gather and its
 * adjoint scatterAdd. Their vector-Jacobian rules pair them up (slice ↔ pad, gather ↔
 * scatterAdd, broadcastTo ↔ sumTo), so the backward pass uses the same kernels.
 */
import { allocate } from './dtype.ts'
import { ArgumentError, DTypeError, ShapeError, showShape } from './errors.ts'
import { sum } from './reduce.ts'
import {
  broadcastShapes,
  broadcastStrides,
  checkShape,
  normalizeAxis,
  type Shape,
  sameShape,
  sizeOf,
  stridesOf,
} from './shape.ts'
import { copyStrided } from './strided.ts'
import { fromData, fromStorage, type Tensor } from './tensor.ts'
import { emit, emitMany } from './trace.ts'

/**
 * Reinterprets the elements with a new shape of the same size; one entry may be −1 (inferred).
 *
 * @example
 * assert.deepStrictEqual(T.shape(T.reshape(T.zeros([2, 3]), [3, -1])), [3, 2])
 */
export const reshape = (x: Tensor, shape: Shape): Tensor => {
  const target = inferShape(x, shape)
  return emit('reshape', [x], { shape: target }, fromStorage(x.storage, target, x.dtype))
}

const inferShape = (x: Tensor, shape: Shape): Shape => {
  if (shape.every((d) => Number.isInteger(d) && d >= 0) && sizeOf(shape) === x.size) return shape
  const unknown = shape.filter((d) => d === -1).length
  if (unknown > 1 || shape.some((d) => !Number.isInteger(d) || d < -1)) {
    throw new ArgumentError(`reshape: invalid target shape ${showShape(shape)}`)
  }
  const known = shape.reduce((p, d) => (d === -1 ? p : p * d), 1)
  const target = shape.map((d) => (d === -1 ? (known === 0 ? 0 : x.size / known) : d))
  if (sizeOf(target) !== x.size || !target.every(Number.isInteger)) {
    throw new ShapeError(
      `reshape ${showShape(x.shape)} → ${showShape(shape)}: sizes ${x.size} and ${known} differ`,
    )
  }
  return target
}

/**
 * Permutes the axes (default: reverses them, the matrix transpose `Aᵀ` at rank 2).
 *
 * @example
 * assert.deepStrictEqual(T.toArray(T.transpose(T.tensor([[1, 2, 3]]))), [[1], [2], [3]])
 */
export const transpose = (x: Tensor, perm?: readonly number[]): Tensor => {
  const r = x.rank
  const p = perm ?? Array.from({ length: r }, (_, i) => r - 1 - i)
  if (p.length !== r || [...p].sort((a, b) => a - b).some((v, i) => v !== i)) {
    throw new ArgumentError(
      `transpose: ${JSON.stringify(p)} is not a permutation of the ${r} axes of ${showShape(x.shape)}`,
    )
  }
  const outShape = p.map((a) => x.shape[a])
  const strides = stridesOf(x.shape)
  const out = allocate(x.dtype, x.size)
  copyStrided(
    x.data,
    0,
    p.map((a) => strides[a]),
    out,
    0,
    stridesOf(outShape),
    outShape,
  )
  return emit('transpose', [x], { perm: p }, fromData(out, outShape, x.dtype))
}

/** Materialises NumPy broadcasting of `x` to `shape`. */
export const broadcastTo = (x: Tensor, shape: Shape): Tensor => {
  checkShape('broadcastTo', shape)
  const b = broadcastShapes('broadcastTo', x.shape, shape)
  if (!sameShape(b, shape))
    throw new ShapeError(`broadcastTo ${showShape(x.shape)} → ${showShape(shape)}: not broadcastable`)
  if (sameShape(x.shape, shape)) return x
  const out = allocate(x.dtype, sizeOf(shape))
  copyStrided(x.data, 0, broadcastStrides(x.shape, shape), out, 0, stridesOf(shape), shape)
  return emit('broadcastTo', [x], { shape: [...shape] }, fromData(out, shape, x.dtype))
}

/**
 * Sums `x` down to `shape`, the adjoint of broadcasting: leading axes are summed away and axes
 * where `shape` has 1 are summed with keepDims.
 */
export const sumTo = (x: Tensor, shape: Shape): Tensor => {
  if (sameShape(x.shape, shape)) return x
  const lead = x.rank - shape.length
  if (lead < 0)
    throw new ShapeError(`sumTo ${showShape(x.shape)} → ${showShape(shape)}: target has more axes`)
  const axes: number[] = []
  for (let i = 0; i < x.rank; i++) {
    if (i < lead) axes.push(i)
    else if (shape[i - lead] === 1 && x.shape[i] !== 1) axes.push(i)
    else if (shape[i - lead] !== x.shape[i]) {
      throw new ShapeError(
        `sumTo ${showShape(x.shape)} → ${showShape(shape)}: axis ${i} is neither equal nor 1`,
      )
    }
  }
  return reshape(sum(x, { axis: axes, keepDims: true }), shape)
}

/**
 * A box of `x`: `size[i]` elements from `begin[i]` along each axis (−1 means "to the end").
 * Missing trailing axes are taken whole.
 *
 * @example
 * const x = T.tensor([[1, 2, 3], [4, 5, 6]])
 * assert.deepStrictEqual(T.toArray(T.slice(x, [0, 1], [2, -1])), [[2, 3], [5, 6]])
 */
export const slice = (x: Tensor, begin: readonly number[], size?: readonly number[]): Tensor => {
  if (begin.length > x.rank || (size !== undefined && size.length !== begin.length)) {
    throw new ArgumentError(
      `slice ${showShape(x.shape)}: begin ${JSON.stringify(begin)} and size ${JSON.stringify(size)} do not fit`,
    )
  }
  const b = x.shape.map((_, i) => begin[i] ?? 0)
  const s = x.shape.map((d, i) =>
    size === undefined || size[i] === undefined || size[i] === -1 ? d - b[i] : size[i],
  )
  for (let i = 0; i < x.rank; i++) {
    if (
      !Number.isInteger(b[i]) ||
      !Number.isInteger(s[i]) ||
      b[i] < 0 ||
      s[i] < 0 ||
      b[i] + s[i] > x.shape[i]
    ) {
      throw new ShapeError(
        `slice ${showShape(x.shape)}: axis ${i} range [${b[i]}, ${b[i] + s[i]}) is out of bounds`,
      )
    }
  }
  const strides = stridesOf(x.shape)
  const offset = b.reduce((o, v, i) => o + v * strides[i], 0)
  const out = allocate(x.dtype, sizeOf(s))
  copyStrided(x.data, offset, strides, out, 0, stridesOf(s), s)
  return emit('slice', [x], { begin: b, size: s }, fromData(out, s, x.dtype))
}

/** Pads with zeros: `widths[i] = [before, after]` along axis `i` (the adjoint of `slice`). */
export const pad = (x: Tensor, widths: readonly (readonly [number, number])[]): Tensor => {
  if (
    widths.length !== x.rank ||
    widths.some(([a, b]) => !Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b < 0)
  ) {
    throw new ArgumentError(
      `pad ${showShape(x.shape)}: widths ${JSON.stringify(widths)} must give [before, after] ≥ 0 per axis`,
    )
  }
  const outShape = x.shape.map((d, i) => d + widths[i][0] + widths[i][1])
  const strides = stridesOf(outShape)
  const offset = widths.reduce((o, [a], i) => o + a * strides[i], 0)
  const out = allocate(x.dtype, sizeOf(outShape))
  copyStrided(x.data, 0, stridesOf(x.shape), out, offset, strides, x.shape)
  return emit('pad', [x], { widths: widths.map(([a, b]) => [a, b]) }, fromData(out, outShape, x.dtype))
}

/**
 * Joins tensors along an existing axis; all other axes must agree.
 *
 * @example
 * assert.deepStrictEqual(T.toArray(T.concat([T.tensor([1]), T.tensor([2, 3])])), [1, 2, 3])
 */
export const concat = (xs: readonly Tensor[], axis = 0): Tensor => {
  if (xs.length === 0) throw new ArgumentError('concat: needs at least one tensor')
  const first = xs[0]
  const ax = normalizeAxis('concat', axis, first.rank)
  for (const t of xs) {
    if (t.dtype !== first.dtype)
      throw new DTypeError(`concat: dtypes ${xs.map((u) => u.dtype).join(', ')} differ`)
    if (t.rank !== first.rank || t.shape.some((d, i) => i !== ax && d !== first.shape[i])) {
      throw new ShapeError(
        `concat along axis ${ax}: shapes ${xs.map((u) => showShape(u.shape)).join(', ')} differ off that axis`,
      )
    }
  }
  const outShape = [...first.shape]
  outShape[ax] = xs.reduce((s, t) => s + t.shape[ax], 0)
  const strides = stridesOf(outShape)
  const out = allocate(first.dtype, sizeOf(outShape))
  let at = 0
  for (const t of xs) {
    copyStrided(t.data, 0, stridesOf(t.shape), out, at * strides[ax], strides, t.shape)
    at += t.shape[ax]
  }
  return emit(
    'concat',
    xs,
    { axis: ax, sizes: xs.map((t) => t.shape[ax]) },
    fromData(out, outShape, first.dtype),
  )
}

/**
 * Stacks same-shaped tensors along a new axis (time steps into `[T, B, F]`).
 *
 * @example
 * const ys = T.stack([T.tensor([1, 2]), T.tensor([3, 4])])
 * assert.deepStrictEqual(T.shape(ys), [2, 2])
 */
export const stack = (xs: readonly Tensor[], axis = 0): Tensor => {
  if (xs.length === 0) throw new ArgumentError('stack: needs at least one tensor')
  const ax = normalizeAxis('stack', axis, xs[0].rank + 1)
  for (const t of xs) {
    if (!sameShape(t.shape, xs[0].shape))
      throw new ShapeError(`stack: shapes ${xs.map((u) => showShape(u.shape)).join(', ')} differ`)
  }
  return concat(
    xs.map((t) => reshape(t, [...t.shape.slice(0, ax), 1, ...t.shape.slice(ax)])),
    ax,
  )
}

/**
 * Splits along `axis` into its slices, with that axis removed (the inverse of `stack`): the time
 * steps of a sequence. A primitive with several outputs, so its gradient is one `stack` of the
 * slices' cotangents, not one padded copy per slice.
 *
 * @example
 * const [a, b] = T.unstack(T.tensor([[1, 2], [3, 4]]))
 * assert.deepStrictEqual(T.toArray(b), [3, 4])
 */
export const unstack = (x: Tensor, axis = 0): Tensor[] => {
  const ax = normalizeAxis('unstack', axis, x.rank)
  const rest = x.shape.filter((_, i) => i !== ax)
  const strides = stridesOf(x.shape)
  const restStrides = strides.filter((_, i) => i !== ax)
  const outStrides = stridesOf(rest)
  const n = sizeOf(rest)
  const outputs = Array.from({ length: x.shape[ax] }, (_, i) => {
    const out = allocate(x.dtype, n)
    copyStrided(x.data, i * strides[ax], restStrides, out, 0, outStrides, rest)
    return fromData(out, rest, x.dtype)
  })
  emitMany('unstack', [x], { axis: ax }, outputs)
  return outputs
}

/** Inserts a length-1 axis at `axis`. */
export const expandDims = (x: Tensor, axis: number): Tensor => {
  const ax = normalizeAxis('expandDims', axis, x.rank + 1)
  return reshape(x, [...x.shape.slice(0, ax), 1, ...x.shape.slice(ax)])
}

/** Removes length-1 axes (all of them, or those listed). */
export const squeeze = (x: Tensor, axis?: number | readonly number[]): Tensor => {
  const axes =
    axis === undefined
      ? x.shape.flatMap((d, i) => (d === 1 ? [i] : []))
      : (Array.isArray(axis) ? axis : [axis as number]).map((a) => normalizeAxis('squeeze', a, x.rank))
  for (const a of axes) {
    if (x.shape[a] !== 1)
      throw new ShapeError(`squeeze ${showShape(x.shape)}: axis ${a} has length ${x.shape[a]}, not 1`)
  }
  return reshape(
    x,
    x.shape.filter((_, i) => !axes.includes(i)),
  )
}

const checkIndices = (op: string, indices: Tensor, n: number): void => {
  if (indices.dtype !== 'i32') throw new DTypeError(`${op}: indices must be i32, got ${indices.dtype}`)
  const d = indices.data
  for (let i = 0; i < d.length; i++) {
    if (d[i] < 0 || d[i] >= n)
      throw new ArgumentError(`${op}: index ${d[i]} at position ${i} is out of range [0, ${n})`)
  }
}

/**
 * Takes slices of `x` along `axis` at `indices` (i32, any shape): the embedding lookup.
 * Result shape: `x.shape[:axis] ++ indices.shape ++ x.shape[axis+1:]`.
 *
 * @example
 * const E = T.tensor([[0, 0], [1, 1], [2, 2]])
 * assert.deepStrictEqual(T.toArray(T.gather(E, T.tensor([2, 0], { dtype: 'i32' }))), [[2, 2], [0, 0]])
 */
export const gather = (x: Tensor, indices: Tensor, axis = 0): Tensor => {
  const ax = normalizeAxis('gather', axis, x.rank)
  const n = x.shape[ax]
  checkIndices('gather', indices, n)
  const outer = sizeOf(x.shape.slice(0, ax))
  const inner = sizeOf(x.shape.slice(ax + 1))
  const m = indices.size
  const idx = indices.data
  const src = x.data
  const out = allocate(x.dtype, outer * m * inner)
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      const from = (o * n + idx[j]) * inner
      const to = (o * m + j) * inner
      for (let i = 0; i < inner; i++) out[to + i] = src[from + i]
    }
  }
  const outShape = [...x.shape.slice(0, ax), ...indices.shape, ...x.shape.slice(ax + 1)]
  return emit('gather', [x, indices], { axis: ax }, fromData(out, outShape, x.dtype))
}

/**
 * Adds the slices of `updates` into a zero tensor of `shape` along `axis` at `indices`
 * (repeated indices accumulate): the adjoint of `gather`.
 */
export const scatterAdd = (updates: Tensor, indices: Tensor, axis: number, shape: Shape): Tensor => {
  const ax = normalizeAxis('scatterAdd', axis, shape.length)
  const n = shape[ax]
  checkIndices('scatterAdd', indices, n)
  const expected = [...shape.slice(0, ax), ...indices.shape, ...shape.slice(ax + 1)]
  if (!sameShape(expected, updates.shape)) {
    throw new ShapeError(
      `scatterAdd: updates ${showShape(updates.shape)} should be ${showShape(expected)} for target ${showShape(shape)}`,
    )
  }
  const outer = sizeOf(shape.slice(0, ax))
  const inner = sizeOf(shape.slice(ax + 1))
  const m = indices.size
  const idx = indices.data
  const src = updates.data
  const out = allocate(updates.dtype, sizeOf(shape))
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      const to = (o * n + idx[j]) * inner
      const from = (o * m + j) * inner
      for (let i = 0; i < inner; i++) out[to + i] += src[from + i]
    }
  }
  return emit(
    'scatterAdd',
    [updates, indices],
    { axis: ax, shape: [...shape] },
    fromData(out, shape, updates.dtype),
  )
}
