/**
 * The one copy kernel behind every structural op (transpose, broadcast, slice, pad, concat):
 * copy an n-dimensional box between two strided layouts. The innermost axis is a plain loop.
 */
import type { TypedArray } from './dtype.ts'
import type { Shape } from './shape.ts'

/** Copies the box `shape` from `src` (offset, strides) into `dst` (offset, strides). */
export const copyStrided = (
  src: TypedArray,
  srcOffset: number,
  srcStrides: readonly number[],
  dst: TypedArray,
  dstOffset: number,
  dstStrides: readonly number[],
  shape: Shape,
): void => {
  const r = shape.length
  let n = 1
  for (const d of shape) n *= d
  if (n === 0) return
  if (r === 0) {
    dst[dstOffset] = src[srcOffset]
    return
  }
  const last = shape[r - 1]
  const ls = srcStrides[r - 1]
  const ld = dstStrides[r - 1]
  const idx = new Int32Array(r)
  let ps = srcOffset
  let pd = dstOffset
  for (let done = 0; done < n; done += last) {
    if (ls === 1 && ld === 1) {
      for (let j = 0; j < last; j++) dst[pd + j] = src[ps + j]
    } else {
      for (let j = 0; j < last; j++) dst[pd + j * ld] = src[ps + j * ls]
    }
    for (let d = r - 2; d >= 0; d--) {
      idx[d]++
      ps += srcStrides[d]
      pd += dstStrides[d]
      if (idx[d] < shape[d]) break
      ps -= srcStrides[d] * shape[d]
      pd -= dstStrides[d] * shape[d]
      idx[d] = 0
    }
  }
}
