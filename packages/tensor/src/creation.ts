/** Constructors for constant tensors (docs/design.md#pure-functions). */
import { allocate, type DType } from './dtype.ts'
import { ArgumentError, DTypeError } from './errors.ts'
import { readDType } from './options.ts'
import { checkShape, type Shape, sizeOf } from './shape.ts'
import { fromData, type Tensor } from './tensor.ts'

/**
 * A tensor of `shape` filled with `value`.
 *
 * @example
 * assert.deepStrictEqual(T.toArray(T.full([2], 7)), [7, 7])
 */
export const full = (
  shape: Shape,
  value: number | boolean,
  dtype: DType = typeof value === 'boolean' ? 'bool' : 'f32',
): Tensor => {
  checkShape('full', shape)
  const data = allocate(readDType('full', dtype), sizeOf(shape))
  data.fill(Number(value))
  return fromData(data, shape, dtype)
}

/** Zeros of `shape` (the initial memory of Lecture §2.2). */
export const zeros = (shape: Shape, dtype: DType = 'f32'): Tensor => full(shape, 0, readDType('zeros', dtype))

/** Ones of `shape` (the all-ones weights of Lecture §2.2). */
export const ones = (shape: Shape, dtype: DType = 'f32'): Tensor => full(shape, 1, readDType('ones', dtype))

/**
 * The `n × m` identity matrix (the IRNN initialisation of Lecture §4.5).
 *
 * @example
 * assert.deepStrictEqual(T.toArray(T.eye(2)), [[1, 0], [0, 1]])
 */
export const eye = (n: number, m: number = n, dtype: DType = 'f32'): Tensor => {
  checkShape('eye', [n, m])
  const data = allocate(readDType('eye', dtype), n * m)
  for (let i = 0; i < Math.min(n, m); i++) data[i * m + i] = 1
  return fromData(data, [n, m], dtype)
}

/**
 * `[start, start + step, …]` below `stop` (`arange(n)` is `0 … n−1`).
 *
 * @example
 * assert.deepStrictEqual(T.toArray(T.arange(3)), [0, 1, 2])
 */
export const arange = (start: number, stop?: number, step = 1, dtype: DType = 'f32'): Tensor => {
  const [lo, hi] = stop === undefined ? [0, start] : [start, stop]
  if (step === 0 || !Number.isFinite(step) || !Number.isFinite(lo) || !Number.isFinite(hi)) {
    throw new ArgumentError(`arange: start ${lo}, stop ${hi} and step ${step} must be finite, step non-zero`)
  }
  const n = Math.max(0, Math.ceil((hi - lo) / step))
  const data = allocate(readDType('arange', dtype), n)
  for (let i = 0; i < n; i++) data[i] = lo + i * step
  return fromData(data, [n], dtype)
}

/**
 * 1-of-N encoding (Lecture §1.1): a vector of length `n` with 1 at each index, 0 elsewhere.
 * Shape: `indices.shape ++ [n]`.
 *
 * @example
 * assert.deepStrictEqual(T.toArray(T.oneHot([2, 0], 3)), [[0, 0, 1], [1, 0, 0]])
 */
export const oneHot = (indices: Tensor | readonly number[], n: number, dtype: DType = 'f32'): Tensor => {
  const idx = Array.isArray(indices) ? Int32Array.from(indices as number[]) : (indices as Tensor)
  const [data, shape] = idx instanceof Int32Array ? [idx, [idx.length]] : [idx.data, idx.shape]
  if (!(idx instanceof Int32Array) && idx.dtype !== 'i32')
    throw new DTypeError(`oneHot: indices must be i32, got ${idx.dtype}`)
  if (!Number.isInteger(n) || n < 1) throw new ArgumentError(`oneHot: n must be a positive integer, got ${n}`)
  const out = allocate(readDType('oneHot', dtype), data.length * n)
  for (let i = 0; i < data.length; i++) {
    const k = data[i]
    if (!Number.isInteger(k) || k < 0 || k >= n)
      throw new ArgumentError(`oneHot: index ${k} at position ${i} is out of range [0, ${n})`)
    out[i * n + k] = 1
  }
  return fromData(out, [...shape, n], dtype)
}
