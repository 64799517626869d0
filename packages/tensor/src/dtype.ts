import { DTypeError } from './errors.ts'

/** The element types of a tensor (DESIGN: Dtypes). `f32` is the default. */
export type DType = 'f32' | 'f64' | 'i32' | 'bool'

/** The typed array that stores each dtype. */
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array

export const DTYPES: readonly DType[] = ['f32', 'f64', 'i32', 'bool']

/** Allocates zeroed storage for `n` elements of `dtype`. */
export const allocate = (dtype: DType, n: number): TypedArray => {
  switch (dtype) {
    case 'f32':
      return new Float32Array(n)
    case 'f64':
      return new Float64Array(n)
    case 'i32':
      return new Int32Array(n)
    case 'bool':
      return new Uint8Array(n)
  }
}

export const isFloat = (dtype: DType): boolean => dtype === 'f32' || dtype === 'f64'

/** Bytes per element, as stored and as written to safetensors. */
export const itemSize = (dtype: DType): number => (dtype === 'f64' ? 8 : dtype === 'bool' ? 1 : 4)

/** Throws unless `dtype` is one of `allowed`, naming the op. */
export const requireDType = (op: string, dtype: DType, allowed: readonly DType[]): void => {
  if (!allowed.includes(dtype)) {
    throw new DTypeError(`${op}: dtype ${dtype} is not supported (expected ${allowed.join(' or ')})`)
  }
}
