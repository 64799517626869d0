import { allocate, type DType, type TypedArray } from './dtype.ts'
import { ArgumentError, ShapeError, showShape } from './errors.ts'
import { optionKinds, readOptions } from './options.ts'
import { checkShape, type Shape, sizeOf } from './shape.ts'

/**
 * Where a tensor's elements live. CPU tensors hold a typed array; a kernel provider (the gpu.js
 * backend) may hold them on a device and hand them over only when `read` is called, so the
 * public API stays synchronous while data stays device-resident between kernels.
 */
export interface Storage {
  /** Name of the kernel provider that owns the memory (`'cpu'` for plain typed arrays). */
  readonly device: string
  /** The elements in row-major order. Called at most once per tensor; the result is never written. */
  read(): TypedArray
}

/** Plain CPU storage: the typed array itself. */
class CpuStorage implements Storage {
  readonly device = 'cpu'
  readonly #data: TypedArray
  constructor(data: TypedArray) {
    this.#data = data
  }
  read(): TypedArray {
    return this.#data
  }
}

const cpuStorage = (data: TypedArray): Storage => new CpuStorage(data)

/**
 * An immutable n-dimensional array (docs/design.md#immutable-values). It never changes after creation
 * and no public API hands out its storage for writing: `toArray` returns a copy.
 */
export class Tensor {
  readonly shape: Shape
  readonly dtype: DType
  readonly size: number
  #storage: Storage
  #data: TypedArray | undefined

  /** @internal Use the creation functions (`T.tensor`, `T.zeros`, …) instead. */
  constructor(storage: Storage, shape: Shape, dtype: DType) {
    // A frozen shape is shared as is (structural ops pass their input's shape along).
    this.shape = Object.isFrozen(shape) ? shape : Object.freeze([...shape])
    this.dtype = dtype
    this.size = sizeOf(shape)
    this.#storage = storage
    this.#data = undefined
    Object.freeze(this)
  }

  get rank(): number {
    return this.shape.length
  }

  /** The storage's device (`'cpu'` unless a kernel provider produced it). */
  get device(): string {
    return this.#storage.device
  }

  /** @internal The storage object, for kernel providers that keep data on their device. */
  get storage(): Storage {
    return this.#storage
  }

  /** @internal Read-only view of the elements (read back from the device once, lazily). */
  get data(): TypedArray {
    if (this.#data === undefined) {
      const d = this.#storage.read()
      if (d.length !== this.size)
        throw new ShapeError(
          `storage holds ${d.length} elements, shape ${showShape(this.shape)} needs ${this.size}`,
        )
      // Private fields are outside Object.freeze: caching the read-back is the one internal write.
      this.#data = d
    }
    return this.#data
  }

  toString(): string {
    return `tensor(${render(toArray(this))}, ${this.dtype})`
  }
}

const render = (v: unknown): string =>
  Array.isArray(v) ? `[${v.map(render).join(', ')}]` : typeof v === 'number' ? formatNumber(v) : String(v)

const formatNumber = (x: number): string =>
  Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(6)))

/** Wraps freshly computed data (never shared with anything that writes it again). */
export const fromData = (data: TypedArray, shape: Shape, dtype: DType): Tensor =>
  new Tensor(cpuStorage(data), shape, dtype)

/** Wraps a provider's storage (`@recurrent/tensor/internal`). */
export const fromStorage = (storage: Storage, shape: Shape, dtype: DType): Tensor =>
  new Tensor(storage, shape, dtype)

/** Whether `x` is a tensor (pytree leaves are exactly the tensors). */
export const isTensor = (x: unknown): x is Tensor => x instanceof Tensor

/** A nested array of numbers or booleans, or a single one. */
export type Nested = number | boolean | readonly Nested[]

const TENSOR_OPTIONS = { dtype: optionKinds.dtype, shape: optionKinds.shape }

/**
 * Creates a tensor from a number, a boolean or nested arrays (row-major).
 * Dtype: `f32` unless given (booleans give `bool`). Lecture §2.2 writes its inputs this way.
 *
 * @example
 * const x = T.tensor([[1, 1], [2, 2]])
 * assert.deepStrictEqual(T.shape(x), [2, 2])
 * assert.strictEqual(T.dtype(x), 'f32')
 */
export const tensor = (
  value: Nested | TypedArray,
  options: { readonly dtype?: DType; readonly shape?: Shape } = {},
): Tensor => {
  readOptions('tensor', options, TENSOR_OPTIONS)
  if (ArrayBuffer.isView(value)) {
    const shape = options.shape ?? [value.length]
    checkShape('tensor', shape)
    if (sizeOf(shape) !== value.length) {
      throw new ShapeError(`tensor: ${value.length} values cannot have shape ${showShape(shape)}`)
    }
    const dtype = options.dtype ?? dtypeOfArray(value)
    const data = allocate(dtype, value.length)
    data.set(value)
    return fromData(data, shape, dtype)
  }
  const shape = inferShape(value)
  const flat: (number | boolean)[] = []
  flatten(value, shape, 0, '', flat)
  const dtype = options.dtype ?? (typeof flat[0] === 'boolean' ? 'bool' : 'f32')
  const data = allocate(dtype, flat.length)
  for (let i = 0; i < flat.length; i++)
    data[i] = dtype === 'i32' ? Math.trunc(Number(flat[i])) : Number(flat[i])
  if (options.shape !== undefined) return fromData(data, checkReshape(options.shape, flat.length), dtype)
  return fromData(data, shape, dtype)
}

const checkReshape = (shape: Shape, n: number): Shape => {
  checkShape('tensor', shape)
  if (sizeOf(shape) !== n) throw new ShapeError(`tensor: ${n} values cannot have shape ${showShape(shape)}`)
  return shape
}

const dtypeOfArray = (a: TypedArray): DType =>
  a instanceof Float64Array
    ? 'f64'
    : a instanceof Int32Array
      ? 'i32'
      : a instanceof Uint8Array
        ? 'bool'
        : 'f32'

const inferShape = (value: Nested): number[] => {
  const shape: number[] = []
  let v: Nested = value
  while (Array.isArray(v)) {
    shape.push(v.length)
    if (v.length === 0) break
    v = v[0] as Nested
  }
  return shape
}

const flatten = (
  value: Nested,
  shape: Shape,
  depth: number,
  path: string,
  out: (number | boolean)[],
): void => {
  if (depth === shape.length) {
    if (typeof value !== 'number' && typeof value !== 'boolean') {
      throw new ArgumentError(
        `tensor: element ${path || '(root)'} is not a number or boolean but ${JSON.stringify(value)}`,
      )
    }
    out.push(value)
    return
  }
  if (!Array.isArray(value) || value.length !== shape[depth]) {
    throw new ShapeError(
      `tensor: ragged nested array at ${path || '(root)'}: expected ${shape[depth]} entries, inferred shape ${showShape(shape)}`,
    )
  }
  for (let i = 0; i < value.length; i++) flatten(value[i] as Nested, shape, depth + 1, `${path}[${i}]`, out)
}

/**
 * The elements as nested arrays (a number, or boolean, at rank 0). Always a fresh copy.
 *
 * @example
 * assert.deepStrictEqual(T.toArray(T.tensor([[1, 2], [3, 4]])), [[1, 2], [3, 4]])
 * assert.strictEqual(T.toArray(T.tensor(5)), 5)
 */
export const toArray = (t: Tensor): Nested => {
  const data = t.data
  const isBool = t.dtype === 'bool'
  const build = (axis: number, offset: number, stride: number): Nested => {
    if (axis === t.shape.length) return isBool ? data[offset] !== 0 : data[offset]
    const n = t.shape[axis]
    const inner = stride / Math.max(n, 1)
    const out: Nested[] = new Array(n)
    for (let i = 0; i < n; i++) out[i] = build(axis + 1, offset + i * inner, inner)
    return out
  }
  return build(0, 0, t.size)
}

/** The single element of a size-1 tensor, as a JS number (booleans as 0/1). */
export const item = (t: Tensor): number => {
  if (t.size !== 1)
    throw new ShapeError(`item: tensor of shape ${showShape(t.shape)} has ${t.size} elements, not 1`)
  return t.data[0]
}

/** The tensor's shape (a frozen array). */
export const shape = (t: Tensor): Shape => t.shape

/** The tensor's dtype. */
export const dtype = (t: Tensor): DType => t.dtype

/** A copy of the elements as a flat typed array in row-major order. */
export const toTypedArray = (t: Tensor): TypedArray => t.data.slice()
