/**
 * `@recurrent/tensor`: immutable tensors and pure ops over them. Import as a namespace:
 * `import * as T from '@recurrent/tensor'`, then `T.tanh(T.add(T.matmul(x, W), b))`.
 */

export {
  ACTIVATION_RULES,
  ACTIVATIONS,
  type Activation,
  type ActivationRule,
  relu,
  sigmoid,
  tanh,
} from './activations.ts'
export {
  type BackendInfo,
  backends,
  currentBackend,
  type KernelProvider,
  type MatmulJob,
  reference,
  referenceMatmul,
  registerBackend,
  setDefaultBackend,
  withBackend,
} from './backend.ts'
export { arange, eye, full, oneHot, ones, zeros } from './creation.ts'
export {
  auto,
  type DispatchEntry,
  dispatch,
  dispatchTable,
  seedDispatch,
  WASM_MIN_MULADDS,
} from './dispatch.ts'
export { DTYPES, type DType, isFloat, type TypedArray } from './dtype.ts'
export {
  abs,
  add,
  cast,
  clip,
  div,
  eq,
  exp,
  ge,
  gt,
  le,
  log,
  logicalAnd,
  logicalNot,
  logicalOr,
  lt,
  maximum,
  minimum,
  mul,
  ne,
  neg,
  type Operand,
  pow,
  sign,
  sqrt,
  sub,
  where,
} from './elementwise.ts'
export {
  ArgumentError,
  type BoundaryError,
  boundaryError,
  DTypeError,
  ShapeError,
  showBoundaryError,
  showShape,
} from './errors.ts'
export { type FusedActivation, type FusedMatmulOptions, fusedMatmul } from './fused.ts'
export { type Lengths, readLengths } from './lengths.ts'
export { type MatmulOptions, matmul } from './matmul.ts'
export {
  bernoulli,
  foldIn,
  type Key,
  key,
  randn,
  randomBits,
  split,
  threefry2x32,
  uniform,
} from './random.ts'
export {
  type AxisOptions,
  argmax,
  argmin,
  logSoftmax,
  logSumExp,
  max,
  mean,
  min,
  type ReduceOptions,
  softmax,
  sum,
} from './reduce.ts'
export * as safetensors from './safetensors.ts'
export { broadcastShapes, type Shape, sizeOf } from './shape.ts'
export {
  broadcastTo,
  concat,
  expandDims,
  gather,
  pad,
  reshape,
  scatterAdd,
  slice,
  squeeze,
  stack,
  sumTo,
  transpose,
  unstack,
} from './structure.ts'
export {
  dtype,
  isTensor,
  item,
  type Nested,
  shape,
  Tensor,
  tensor,
  toArray,
  toTypedArray,
} from './tensor.ts'
export { type Tree, treeFlatten, treeFromPaths, treeLeaves, treeMap, treeMapN, treePaths } from './tree.ts'
export { loadWasm, wasm, wasmActivations, wasmThreads } from './wasm.ts'
