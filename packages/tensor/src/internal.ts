/**
 * `@recurrent/tensor/internal`: the plumbing that kernels, tracers and fused ops in the other
 * packages are built from. Unstable: it may change in any release. User code needs only the main
 * entry; nothing here is required to build models, train them or write a new cell.
 *
 * - raw storage: `dataOf` (the live typed array behind a tensor: read it, never write it),
 *   `storageOf`, `fromData`, `fromStorage`, `allocate`;
 * - tracing: `emit`, `emitMany`, `withTracer`, `untraced`, `isTracing` (what `@recurrent/autograd`
 *   records its tape with);
 * - elementwise kernels: `compile`, `mapElements`, `coerce`;
 * - argument checks: `requireDType`, `readOptions`, `readDType`, `optionKinds`, `describeValue`;
 * - the f32 LSTM and GRU recurrences in WebAssembly (`wasmLstmForward`, `wasmLstmBackward`,
 *   `wasmGruForward`, `wasmGruBackward`, `wasmRecurrenceAvailable`) and their vectorised
 *   functions (`wasmVectorFunction`, `ACTIVATION_ERROR`), used by `@recurrent/cells`' fused
 *   sequence ops.
 */
import type { TypedArray } from './dtype.ts'
import type { Storage, Tensor } from './tensor.ts'

export { allocate, requireDType, type TypedArray } from './dtype.ts'
export { coerce, compile, type Kernel, type KernelScope, mapElements, unaryOp } from './elementwise.ts'
export { describeValue, type OptionSpec, optionKinds, readDType, readOptions } from './options.ts'
export { fromData, fromStorage, type Storage } from './tensor.ts'
export { type Attrs, emit, emitMany, isTracing, type Tracer, untraced, withTracer } from './trace.ts'

/**
 * The live typed array behind `t` (row-major), without a copy. Read it, never write it: tensors
 * are immutable and others may share the array. `T.toTypedArray` gives a copy.
 *
 * @example
 * const t = T.tensor([1, 2, 3])
 * assert.deepStrictEqual(Array.from(I.dataOf(t)), [1, 2, 3])
 */
export const dataOf = (t: Tensor): TypedArray => t.data

/**
 * The storage object behind `t`, for kernel providers that keep data on their device.
 *
 * @example
 * assert.strictEqual(I.storageOf(T.tensor([1])).device, 'cpu')
 */
export const storageOf = (t: Tensor): Storage => t.storage
export {
  ACTIVATION_ERROR,
  type RecurrenceGrads,
  type RecurrenceSizes,
  type RecurrenceTape,
  type VectorFunction,
  wasmColumnSums,
  wasmGruBackward,
  wasmGruForward,
  wasmLstmBackward,
  wasmLstmForward,
  wasmRecurrenceAvailable,
  wasmVectorFunction,
} from './wasm-recurrence.ts'
