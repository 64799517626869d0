import { ArgumentError, ShapeError, showShape } from './errors.ts'
import { describeValue } from './options.ts'

/** A tensor's shape: one non-negative length per axis; `[]` is a scalar. */
export type Shape = readonly number[]

/** Number of elements of a shape (1 for a scalar). */
export const sizeOf = (shape: Shape): number => {
  let n = 1
  for (const d of shape) n *= d
  return n
}

/** Row-major (C order) strides of a contiguous tensor. */
export const stridesOf = (shape: Shape): number[] => {
  const strides = new Array<number>(shape.length)
  let s = 1
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s
    s *= shape[i]
  }
  return strides
}

/** Whether two shapes are equal axis by axis. */
export const sameShape = (a: Shape, b: Shape): boolean =>
  a.length === b.length && a.every((d, i) => d === b[i])

/** Checks that a shape is a list of non-negative integers. */
export const checkShape = (op: string, shape: Shape): void => {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new ArgumentError(
      `${op}: shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`,
    )
  }
}

/** NumPy broadcasting: align trailing axes; each pair must be equal or contain a 1. */
export const broadcastShapes = (op: string, ...shapes: Shape[]): number[] => {
  const rank = Math.max(...shapes.map((s) => s.length))
  const out = new Array<number>(rank).fill(1)
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const j = rank - s.length + i
      const d = s[i]
      if (out[j] === 1) out[j] = d
      else if (d !== 1 && d !== out[j]) {
        throw new ShapeError(
          `${op} ${shapes.map(showShape).join(' × ')}: cannot broadcast axis ${j} (${out[j]} vs ${d})`,
        )
      }
    }
  }
  return out
}

/** Strides for reading a tensor of `shape` as if broadcast to `target` (0 on broadcast axes). */
export const broadcastStrides = (shape: Shape, target: Shape): number[] => {
  const own = stridesOf(shape)
  const out = new Array<number>(target.length).fill(0)
  for (let i = 0; i < shape.length; i++) {
    const j = target.length - shape.length + i
    out[j] = shape[i] === 1 && target[j] !== 1 ? 0 : own[i]
  }
  return out
}

/** Resolves a possibly negative axis against a rank, or throws naming the op. */
export const normalizeAxis = (op: string, axis: number, rank: number): number => {
  if (typeof axis !== 'number')
    throw new ArgumentError(`${op}: axis must be an integer, got ${describeValue(axis)}`)
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new ArgumentError(`${op}: axis ${axis} is out of range for rank ${rank}`)
  }
  return axis < 0 ? axis + rank : axis
}

/** Resolves `axis` (a number, a list, or undefined for all axes) to sorted unique axes. */
export const normalizeAxes = (
  op: string,
  axis: number | readonly number[] | undefined,
  rank: number,
): number[] => {
  if (axis === undefined) return Array.from({ length: rank }, (_, i) => i)
  const list = typeof axis === 'number' ? [axis] : [...axis]
  const out = [...new Set(list.map((a) => normalizeAxis(op, a, rank)))].sort((a, b) => a - b)
  if (out.length !== list.length) throw new ArgumentError(`${op}: repeated axis in ${JSON.stringify(axis)}`)
  return out
}
