/**
 * Matrix product, the heavy kernel of every layer (`W·x` in Lecture §2.1 and §3.3). A primitive
 * with its own vector-Jacobian rule (products with the other factor, transposed through flags),
 * so the backward pass runs on the same kernels as the forward pass.
 */
import { currentBackend, type MatmulJob, reference } from './backend.ts'
import { DTypeError, ShapeError, showShape } from './errors.ts'
import { optionKinds, readOptions } from './options.ts'
import { broadcastShapes, sizeOf } from './shape.ts'
import { broadcastTo, reshape } from './structure.ts'
import { fromStorage, type Storage, type Tensor } from './tensor.ts'
import { emit, untraced } from './trace.ts'

/** Which factors enter transposed: `op(A) = Aᵀ` when `transposeA`. */
export interface MatmulOptions {
  readonly transposeA?: boolean
  readonly transposeB?: boolean
}

const MATMUL = { transposeA: optionKinds.boolean, transposeB: optionKinds.boolean }

/**
 * `C = op(A) · op(B)` over the last two axes; leading (batch) axes broadcast as in NumPy.
 * Shapes: `[..., m, k] × [..., k, n] → [..., m, n]` (before the transposes).
 *
 * @example
 * const A = T.tensor([[1, 2], [3, 4]])
 * assert.deepStrictEqual(T.toArray(T.matmul(A, T.eye(2))), [[1, 2], [3, 4]])
 * assert.deepStrictEqual(T.toArray(T.matmul(A, A, { transposeA: true })), [[10, 14], [14, 20]])
 */
export const matmul = (a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor => {
  readOptions('matmul', options, MATMUL)
  const transposeA = !!options.transposeA
  const transposeB = !!options.transposeB
  // A stack of rows times one matrix ([..., m, k] · [k, n]) is one product of [(…·m), k] · [k, n]:
  // fold the batch into the rows (the hoisted input projection of a recurrent layer).
  if (b.rank === 2 && a.rank > 2 && !transposeA && a.dtype === b.dtype) {
    const rows = reshape(a, [-1, a.shape[a.rank - 1]])
    const y = matmul(rows, b, options)
    return reshape(y, [...a.shape.slice(0, -1), y.shape[1]])
  }
  const { job, outShape } = matmulJob('matmul', a, b, transposeA, transposeB)
  const storage = currentBackend().matmul(job) ?? referenceFallback(job)
  return emit('matmul', [a, b], { transposeA, transposeB }, fromStorage(storage, outShape, a.dtype))
}

/** Checks the factors of a product and lays out its job (batch axes broadcast as in NumPy). */
export const matmulJob = (
  op: string,
  a: Tensor,
  b: Tensor,
  transposeA: boolean,
  transposeB: boolean,
): { job: MatmulJob; outShape: number[] } => {
  if (a.dtype !== b.dtype)
    throw new DTypeError(`${op}: dtypes ${a.dtype} and ${b.dtype} differ; convert one with T.cast`)
  if (a.dtype === 'bool') throw new DTypeError(`${op}: dtype bool is not supported`)
  if (a.rank < 2 || b.rank < 2) {
    throw new ShapeError(
      `${op} ${showShape(a.shape)} × ${showShape(b.shape)}: both factors need rank ≥ 2 (reshape vectors to [1,n] or [n,1])`,
    )
  }
  const [ar, ac] = a.shape.slice(-2)
  const [br, bc] = b.shape.slice(-2)
  const [m, k] = transposeA ? [ac, ar] : [ar, ac]
  const [k2, n] = transposeB ? [bc, br] : [br, bc]
  if (k !== k2) {
    const t = (s: boolean) => (s ? 'ᵀ' : '')
    throw new ShapeError(
      `${op} ${showShape(a.shape)}${t(transposeA)} × ${showShape(b.shape)}${t(transposeB)}: inner dimensions ${k} ≠ ${k2}`,
    )
  }
  const batchA = a.shape.slice(0, -2)
  const batchB = b.shape.slice(0, -2)
  const sameBatch = batchA.length === batchB.length && batchA.every((d, i) => d === batchB[i])
  const batchShape = sameBatch ? batchA : broadcastShapes(op, batchA, batchB)
  // Broadcast batch axes are materialised outside the trace: the primitive's rule sums them back.
  const [fa, fb] = sameBatch
    ? [a, b]
    : untraced(() => [broadcastTo(a, [...batchShape, ar, ac]), broadcastTo(b, [...batchShape, br, bc])])
  const job = { a: fa, b: fb, batch: sizeOf(batchShape), m, k, n, transposeA, transposeB, dtype: a.dtype }
  return { job, outShape: [...batchShape, m, n] }
}

const referenceFallback = (job: MatmulJob): Storage => reference.matmul(job) as Storage
