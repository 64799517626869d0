/**
 * `@recurrent/tensor`: immutable tensors and pure ops over them. Import as a namespace:
 * `import * as T from '@recurrent/tensor'`, then `T.tanh(T.add(T.matmul(x, W), b))`.
 */
export { ArgumentError, DTypeError, ShapeError, showShape } from './errors.ts'
export { type DType, DTYPES, isFloat, type TypedArray } from './dtype.ts'
export { type Shape, broadcastShapes, sizeOf } from './shape.ts'
export { type Nested, type Storage, Tensor, dtype, isTensor, item, shape, tensor, toArray, toTypedArray } from './tensor.ts'
export { arange, eye, full, oneHot, ones, zeros } from './creation.ts'
export * from './elementwise.ts'
export { argmax, argmin, logSoftmax, logSumExp, max, mean, min, type ReduceOptions, softmax, sum } from './reduce.ts'
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
export { matmul, type MatmulOptions } from './matmul.ts'
export {
  type BackendInfo,
  backends,
  currentBackend,
  type KernelProvider,
  type MatmulJob,
  reference,
  referenceMatmul,
  registerBackend,
  withBackend,
} from './backend.ts'
export { bernoulli, foldIn, type Key, key, randn, randomBits, split, threefry2x32, uniform } from './random.ts'
export { type Tree, treeFlatten, treeFromPaths, treeLeaves, treeMap, treeMapN, treePaths } from './tree.ts'
export { type Attrs, emit, emitMany, isTracing, type Tracer, untraced, withTracer } from './trace.ts'
export { fromData, fromStorage } from './tensor.ts'
export { allocate } from './dtype.ts'
