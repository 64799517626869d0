import { DTypeError } from './errors.ts'

/** The element types of a tensor (docs/design.md#dtypes). `f32` is the default. */
export type DType = 'f32' | 'f64' | 'i32' | 'bool'

/** The typed array that stores each dtype. */
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array

/** Every dtype. */
export const DTYPES: readonly DType[] = ['f32', 'f64', 'i32', 'bool']

const CONSTRUCTORS = { f32: Float32Array, f64: Float64Array, i32: Int32Array, bool: Uint8Array } as const

/**
 * Small arrays are cut from shared slabs: a typed array of a few hundred bytes or more gets its
 * own off-heap buffer, which costs ~0.8 µs to create in V8, while a view into a fresh (zeroed)
 * slab costs ~20 ns. Views never overlap and slab memory is never reused, so every array is
 * still zeroed and exclusively its tensor's; a slab is freed when its last view is.
 */
const SLAB_BYTES = 1 << 18
const SLAB_MAX = 1 << 14
let slab = new ArrayBuffer(SLAB_BYTES)
let offset = 0

/** Allocates zeroed storage for `n` elements of `dtype`. */
export const allocate = (dtype: DType, n: number): TypedArray => {
  const Ctor = CONSTRUCTORS[dtype]
  const bytes = n * Ctor.BYTES_PER_ELEMENT
  if (bytes > SLAB_MAX || bytes === 0) return new Ctor(n)
  offset = (offset + 7) & ~7
  if (offset + bytes > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES)
    offset = 0
  }
  const out = new Ctor(slab, offset, n)
  offset += bytes
  return out
}

/** Whether gradients flow through values of this dtype (f32, f64). */
export const isFloat = (dtype: DType): boolean => dtype === 'f32' || dtype === 'f64'

/** The float dtypes, and those arithmetic accepts (bool only masks and selects). */
export const FLOATS: readonly DType[] = ['f32', 'f64']
export const NUMERIC: readonly DType[] = ['f32', 'f64', 'i32']

/** Throws unless `dtype` is one of `allowed`, naming the op. */
export const requireDType = (op: string, dtype: DType, allowed: readonly DType[]): void => {
  if (!allowed.includes(dtype)) {
    throw new DTypeError(`${op}: dtype ${dtype} is not supported (expected ${allowed.join(' or ')})`)
  }
}
